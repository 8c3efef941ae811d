"""VPC 2016-04-28: regions and zones, VPCs, vSwitches, route tables/entries, tags."""

from __future__ import annotations

import ipaddress
from typing import Any

from .. import lifecycle, routing
from ..errors import ApiError
from ..params import flag, str_list
from ..params import tags as tag_params
from ..registry import action
from ._common import (
    DEFAULT_RESOURCE_GROUP,
    REGIONS,
    ZONE_NAMES,
    ZONES,
    check_region,
    create_tags,
    iso,
    network,
    page,
    referrers,
    remove_tags,
    require,
    set_tags,
    split_ids,
    tags_match,
    token_page,
)

P, V = "vpc", "2016-04-28"
K_VPC, K_VSW, K_RTB, K_RTE = "vpc", "vswitch", "vpc_route_table", "vpc_route_entry"

# Reserved ranges a VPC CIDR may not use (VPC docs: 100.64.0.0/10, 224.0.0.0/4, 127.0.0.0/8,
# 169.254.0.0/16 and their subnets cannot be used).
RESERVED = [
    ipaddress.IPv4Network(c) for c in ("100.64.0.0/10", "224.0.0.0/4", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8")
]


def _vpc_not_found(vpc_id: str) -> ApiError:
    return ApiError("InvalidVpcId.NotFound", f"Specified VPC ({vpc_id}) does not exist.", status=404)


def _vsw_not_found(vsw_id: str) -> ApiError:
    return ApiError("InvalidVSwitchId.NotFound", f"Specified virtual switch ({vsw_id}) does not exist.", status=404)


def get_vpc(ctx, vpc_id: str, region: str | None = None) -> dict[str, Any]:
    doc = ctx.store.get(K_VPC, vpc_id)
    if doc is None or (region and doc["RegionId"] != region):
        raise _vpc_not_found(vpc_id)
    return doc


def get_vswitch(ctx, vsw_id: str, region: str | None = None) -> dict[str, Any]:
    doc = ctx.store.get(K_VSW, vsw_id)
    if doc is None or (region and doc["RegionId"] != region):
        raise _vsw_not_found(vsw_id)
    return doc


def vswitches_of(ctx, vpc_id: str) -> list[dict[str, Any]]:
    return [d for d in ctx.store.list(K_VSW) if d["VpcId"] == vpc_id]


def _check_name(p: dict[str, Any], name: str, code: str) -> str:
    value = p.get(name) or ""
    if value and (len(value) > 128 or value.startswith(("http://", "https://"))):
        raise ApiError(code, f"The specified {name} is not valid.")
    return value


# ------------------------------------------------------------------------------ regions and zones
# Both read the table in _common.REGIONS (its sources and date are there).
# DescribeRegions: "Virtual Private Cloud: DescribeRegions", https://www.alibabacloud.com/help/document_detail/36063.html
#   (read 2026-12-01): request ProductType (default VPC), AcceptLanguage (zh-CN default | en-US);
#   response Regions.Region[] with RegionId, LocalName, RegionEndpoint.
# DescribeZones: "Virtual Private Cloud: DescribeZones", https://alibabacloud.com/help/doc-detail/36064.htm
#   (read 2026-12-01): request RegionId (required), ZoneType (default AvailabilityZone), AcceptLanguage
#   (zh-cn | en-us | ja); response Zones.Zone[] with ZoneId, LocalName, ZoneType.
# UNCONFIRMED: LocalName is always the English name (the real API answers in Chinese by default).
# UNCONFIRMED: which regions answer on the central endpoint; the doc's example gives
#   vpc.aliyuncs.com for cn-qingdao, the others are assumed regional (vpc.<region>.aliyuncs.com)
#   unless listed here.
_CENTRAL_ENDPOINT_REGIONS = {
    "cn-qingdao",
    "cn-beijing",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-shenzhen",
    "cn-hongkong",
    "ap-southeast-1",
    "us-west-1",
    "us-east-1",
}


def _region_endpoint(region: str) -> str:
    return "vpc.aliyuncs.com" if region in _CENTRAL_ENDPOINT_REGIONS else f"vpc.{region}.aliyuncs.com"


@action(P, V, "DescribeRegions", write=False)
def describe_regions(ctx, p):
    # UNCONFIRMED: ProductType values other than VPC are not modelled (same list for any value).
    rows = [
        {"RegionId": r, "LocalName": info["LocalName"], "RegionEndpoint": _region_endpoint(r)}
        for r, info in REGIONS.items()
    ]
    return {"Regions": {"Region": rows}}


@action(P, V, "DescribeZones", write=False)
def describe_zones(ctx, p):
    # UNCONFIRMED: the error for an unknown RegionId is not in the doc's error table as read;
    # InvalidRegionId.NotFound (404) is what the other VPC actions answer here.
    region = check_region(ctx.region)
    zone_type = p.get("ZoneType") or "AvailabilityZone"
    # UNCONFIRMED: other zone types (edge/local zones) exist on the real API; none are modelled,
    # so asking for another type lists nothing.
    zones = ZONES[region] if zone_type == "AvailabilityZone" else []
    rows = [{"ZoneId": z, "LocalName": ZONE_NAMES[z], "ZoneType": zone_type} for z in zones]
    return {"Zones": {"Zone": rows}}


# ---------------------------------------------------------------------------------------------- VPC
@action(P, V, "CreateVpc", write=True)
def create_vpc(ctx, p):
    replay = ctx.client_token(p)
    if replay is not None:
        return replay
    region = check_region(ctx.region)
    cidr = p.get("CidrBlock") or "172.16.0.0/12"  # documented default when neither CIDR nor IPAM is given
    net = network(cidr)
    if not 8 <= net.prefixlen <= 28:
        raise ApiError("InvalidCidrBlock.Malformed", "The VPC CIDR block mask must be between 8 and 28.")
    if any(net.overlaps(r) for r in RESERVED):
        # UNCONFIRMED: code for a reserved VPC CIDR.
        raise ApiError("InvalidCidrBlock.Malformed", f"Specified CIDR block {cidr} is reserved.")
    name = _check_name(p, "VpcName", "InvalidVpcName.Malformed")
    desc = _check_name(p, "Description", "InvalidDescription.Malformed")
    tags = create_tags(p)
    now = ctx.now()
    vpc_id = ctx.new_id("vpc")
    vrouter_id = ctx.new_id("vrt")
    rtb_id = ctx.new_id("vtb")
    rg = p.get("ResourceGroupId") or DEFAULT_RESOURCE_GROUP
    doc = {
        "VpcId": vpc_id,
        "RegionId": region,
        "VpcName": name,
        "Description": desc,
        "CidrBlock": str(net),
        "VRouterId": vrouter_id,
        "RouteTableId": rtb_id,
        "ResourceGroupId": rg,
        "IsDefault": False,
        "Tags": tags,
        "CreationTime": iso(now),
        "OwnerId": ctx.account_id,
        "UserCidrs": list(split_ids(p.get("UserCidr"))),
        "SecondaryCidrBlocks": [],
        "EnabledIpv6": bool(flag(p, "EnableIpv6", False)),
    }
    lifecycle.set_timeline(doc, "Status", [("Pending", 0), ("Available", ctx.delay("vpc_create"))], now)
    ctx.store.put(K_VPC, vpc_id, doc)
    ctx.store.put(
        K_RTB,
        rtb_id,
        {
            "RouteTableId": rtb_id,
            "VpcId": vpc_id,
            "VRouterId": vrouter_id,
            "RegionId": region,
            "RouteTableType": "System",
            "RouteTableName": "",
            "CreationTime": iso(now),
            "OwnerId": ctx.account_id,
            "ResourceGroupId": rg,
            "Tags": [],
        },
    )
    resp = {"VpcId": vpc_id, "VRouterId": vrouter_id, "RouteTableId": rtb_id, "ResourceGroupId": rg}
    return ctx.remember_token(p, resp)


def _cen_links(ctx, vpc_id: str) -> list[dict[str, Any]]:
    out = []
    for att in ctx.store.list("cbn_vpc_attachment"):
        if att.get("VpcId") == vpc_id:
            out.append(
                {
                    "CenId": att.get("CenId"),
                    "CenOwnerId": ctx.account_id,
                    "CenStatus": "Attached" if att.get("Status") == "Attached" else "Attaching",
                }
            )
    return out


def _vpc_view(ctx, doc: dict[str, Any]) -> dict[str, Any]:
    vsw_ids = [v["VSwitchId"] for v in vswitches_of(ctx, doc["VpcId"])]
    return {
        "VpcId": doc["VpcId"],
        "RegionId": doc["RegionId"],
        "VpcName": doc.get("VpcName", ""),
        "Description": doc.get("Description", ""),
        "CidrBlock": doc["CidrBlock"],
        "Status": doc["Status"],
        "VRouterId": doc["VRouterId"],
        "IsDefault": doc.get("IsDefault", False),
        "CreationTime": doc["CreationTime"],
        "ResourceGroupId": doc.get("ResourceGroupId"),
        "OwnerId": int(doc.get("OwnerId") or 0),
        "CenStatus": "Attached" if _cen_links(ctx, doc["VpcId"]) else "Detached",
        "EnabledIpv6": doc.get("EnabledIpv6", False),
        "RouterTableIds": {"RouterTableIds": [doc["RouteTableId"]]},
        "VSwitchIds": {"VSwitchId": vsw_ids},
        "UserCidrs": {"UserCidr": doc.get("UserCidrs", [])},
        "NatGatewayIds": {"NatGatewayIds": []},
        "SecondaryCidrBlocks": {"SecondaryCidrBlock": []},
        "Tags": {"Tag": list(doc.get("Tags", []))},
        "DhcpOptionsSetStatus": "Available",
        "DnsHostnameStatus": "DISABLED",
    }


@action(P, V, "DescribeVpcs", write=False)
def describe_vpcs(ctx, p):
    region = check_region(ctx.region)
    ids = split_ids(p.get("VpcId"))
    if len(ids) > 20:
        raise ApiError("InvalidParameter", "At most 20 VPC IDs can be specified.")
    name = p.get("VpcName")
    is_default = flag(p, "IsDefault", None)
    rg = p.get("ResourceGroupId")
    wanted_tags = tag_params(p)
    items = []
    for doc in ctx.store.list(K_VPC):
        if doc["RegionId"] != region:
            continue
        if ids and doc["VpcId"] not in ids:
            continue
        if name and doc.get("VpcName") != name:
            continue
        if is_default is not None and doc.get("IsDefault", False) != is_default:
            continue
        if rg and doc.get("ResourceGroupId") != rg:
            continue
        if wanted_tags and not tags_match(doc, wanted_tags):
            continue
        items.append(doc)
    chunk, number, size, total = page(p, items)
    return {
        "TotalCount": total,
        "PageNumber": number,
        "PageSize": size,
        "Vpcs": {"Vpc": [_vpc_view(ctx, d) for d in chunk]},
    }


@action(P, V, "DescribeVpcAttribute", write=False)
def describe_vpc_attribute(ctx, p):
    vpc_id = require(p, "VpcId")
    doc = get_vpc(ctx, vpc_id, ctx.region)
    view = _vpc_view(ctx, doc)
    for key in ("RouterTableIds", "NatGatewayIds", "CenStatus"):
        view.pop(key, None)
    vsw = vswitches_of(ctx, vpc_id)
    sgs = [s for s in ctx.store.list("security_group") if s.get("VpcId") == vpc_id]
    resources = []
    if vsw:
        resources.append({"ResourceType": "VSwitch", "ResourceCount": len(vsw)})
    resources.append({"ResourceType": "VRouter", "ResourceCount": 1})
    resources.append({"ResourceType": "RouteTable", "ResourceCount": 1})
    if sgs:
        resources.append({"ResourceType": "SecurityGroup", "ResourceCount": len(sgs)})
    view["CloudResources"] = {"CloudResourceSetType": resources}
    view["AssociatedCens"] = {"AssociatedCen": _cen_links(ctx, vpc_id)}
    view["ClassicLinkEnabled"] = False
    view["SupportIpv4Gateway"] = False
    return view


@action(P, V, "DeleteVpc", write=True)
def delete_vpc(ctx, p):
    vpc_id = require(p, "VpcId")
    doc = ctx.store.get(K_VPC, vpc_id)
    if doc is None or (ctx.region and doc["RegionId"] != ctx.region):
        raise _vpc_not_found(vpc_id)
    if lifecycle.is_deleting(doc):
        return {}
    if doc["Status"] != "Available":
        raise ApiError("IncorrectVpcStatus", "The current status of the VPC does not support this operation.")
    if vswitches_of(ctx, vpc_id):
        raise ApiError("DependencyViolation.VSwitch", "Specified VPC still has vSwitches; delete them first.")
    if [s for s in ctx.store.list("security_group") if s.get("VpcId") == vpc_id]:
        raise ApiError(
            "DependencyViolation.SecurityGroup", "Specified VPC still has security groups; delete them first."
        )
    if [e for e in ctx.store.list(K_RTE) if e.get("VpcId") == vpc_id]:
        raise ApiError(
            "DependencyViolation.RouteEntry", "Specified VPC still has custom route entries; delete them first."
        )
    if [a for a in ctx.store.list("cbn_vpc_attachment") if a.get("VpcId") == vpc_id]:
        # UNCONFIRMED: code for a VPC still attached to a transit router.
        raise ApiError("DependencyViolation.CenInstance", "Specified VPC is still attached to a transit router.")
    if referrers(ctx, vpc_id):
        raise ApiError("DependencyViolation.Instance", "Specified VPC still has instances; delete them first.")
    now = ctx.now()
    delay = ctx.delay("vpc_delete")
    # UNCONFIRMED: the real API has no documented "Deleting" VPC status; the VPC just disappears.
    lifecycle.schedule_delete(doc, "Status", "Deleting", delay, now)
    ctx.store.put(K_VPC, vpc_id, doc)
    rtb = ctx.store.get(K_RTB, doc["RouteTableId"])
    if rtb is not None:
        lifecycle.schedule_delete(rtb, "Status", "Deleting", delay, now)
        ctx.store.put(K_RTB, rtb["RouteTableId"], rtb)
    return {}


# ----------------------------------------------------------------------------------------- vSwitch
@action(P, V, "CreateVSwitch", write=True)
def create_vswitch(ctx, p):
    replay = ctx.client_token(p)
    if replay is not None:
        return replay
    vpc_id = require(p, "VpcId")
    zone = require(p, "ZoneId")
    region = check_region(ctx.region)
    vpc = get_vpc(ctx, vpc_id, region)
    if lifecycle.is_deleting(vpc) or vpc["Status"] != "Available":
        raise ApiError("IncorrectVpcStatus", "The current status of the VPC does not support this operation.")
    if zone not in ZONES.get(region, []):
        # UNCONFIRMED: HTTP status of InvalidZoneId.NotFound (404 assumed).
        raise ApiError("InvalidZoneId.NotFound", f"The specified zone {zone} does not exist in region {region}.", 404)
    cidr = require(p, "CidrBlock")
    net = network(cidr)
    if not 16 <= net.prefixlen <= 29:
        raise ApiError("InvalidCidrBlock.Malformed", "The vSwitch CIDR block mask must be between 16 and 29.")
    vpc_net = ipaddress.IPv4Network(vpc["CidrBlock"])
    if not net.subnet_of(vpc_net):
        # UNCONFIRMED: the real API may use a more specific code (e.g. InvalidVSwitchCidr...).
        raise ApiError(
            "InvalidCidrBlock.Malformed", f"Specified CIDR block {cidr} is not within the VPC CIDR block {vpc_net}."
        )
    for other in vswitches_of(ctx, vpc_id):
        if net.overlaps(ipaddress.IPv4Network(other["CidrBlock"])):
            raise ApiError("InvalidCidrBlock.Overlapped", "Specified CIDR block overlapped with other subnet.")
    name = _check_name(p, "VSwitchName", "InvalidVSwitchName.Malformed")
    desc = _check_name(p, "Description", "InvalidDescription.Malformed")
    tags = create_tags(p)
    now = ctx.now()
    vsw_id = ctx.new_id("vsw")
    doc = {
        "VSwitchId": vsw_id,
        "VpcId": vpc_id,
        "RegionId": region,
        "ZoneId": zone,
        "CidrBlock": str(net),
        "VSwitchName": name,
        "Description": desc,
        "Tags": tags,
        "CreationTime": iso(now),
        "OwnerId": ctx.account_id,
        "ResourceGroupId": vpc.get("ResourceGroupId", DEFAULT_RESOURCE_GROUP),
        "RouteTableId": vpc["RouteTableId"],
        "IsDefault": False,
    }
    lifecycle.set_timeline(doc, "Status", [("Pending", 0), ("Available", ctx.delay("vswitch_create"))], now)
    ctx.store.put(K_VSW, vsw_id, doc)
    return ctx.remember_token(p, {"VSwitchId": vsw_id})


def _enis_in(ctx, vsw_id: str) -> int:
    n = 0
    for att in ctx.store.list("cbn_vpc_attachment"):
        for zm in att.get("ZoneMappings", []):
            if zm.get("VSwitchId") == vsw_id:
                n += 1
    return n


def vswitch_free_ips(ctx, doc: dict[str, Any]) -> int:
    """Free addresses: size minus the 4 reserved ones (first and last three), TR ENIs and
    ``_used_ips`` (set by cs for nodes/pods)."""
    size = ipaddress.IPv4Network(doc["CidrBlock"]).num_addresses
    return max(0, size - 4 - _enis_in(ctx, doc["VSwitchId"]) - int(doc.get("_used_ips", 0)))


def _vsw_view(ctx, doc: dict[str, Any]) -> dict[str, Any]:
    available = vswitch_free_ips(ctx, doc)
    return {
        "VSwitchId": doc["VSwitchId"],
        "VpcId": doc["VpcId"],
        "ZoneId": doc["ZoneId"],
        "CidrBlock": doc["CidrBlock"],
        "Status": doc["Status"],
        "VSwitchName": doc.get("VSwitchName", ""),
        "Description": doc.get("Description", ""),
        "CreationTime": doc["CreationTime"],
        "IsDefault": doc.get("IsDefault", False),
        "OwnerId": int(doc.get("OwnerId") or 0),
        "ResourceGroupId": doc.get("ResourceGroupId"),
        "AvailableIpAddressCount": available,
        "RouteTable": {"RouteTableId": doc["RouteTableId"], "RouteTableType": "System"},
        "Tags": {"Tag": list(doc.get("Tags", []))},
        "EnabledIpv6": False,
    }


@action(P, V, "DescribeVSwitches", write=False)
def describe_vswitches(ctx, p):
    region = ctx.region
    vpc_id = p.get("VpcId")
    if not region and not vpc_id:
        raise ApiError("MissingParameter", "Either RegionId or VpcId must be specified.")
    if region:
        check_region(region)
    ids = split_ids(p.get("VSwitchId"))
    zone = p.get("ZoneId")
    name = p.get("VSwitchName")
    rtb = p.get("RouteTableId")
    is_default = flag(p, "IsDefault", None)
    rg = p.get("ResourceGroupId")
    wanted_tags = tag_params(p)
    items = []
    for doc in ctx.store.list(K_VSW):
        if region and doc["RegionId"] != region:
            continue
        if vpc_id and doc["VpcId"] != vpc_id:
            continue
        if ids and doc["VSwitchId"] not in ids:
            continue
        if zone and doc["ZoneId"] != zone:
            continue
        if name and doc.get("VSwitchName") != name:
            continue
        if rtb and doc.get("RouteTableId") != rtb:
            continue
        if is_default is not None and doc.get("IsDefault", False) != is_default:
            continue
        if rg and doc.get("ResourceGroupId") != rg:
            continue
        if wanted_tags and not tags_match(doc, wanted_tags):
            continue
        items.append(doc)
    chunk, number, size, total = page(p, items)
    views = []
    for d in chunk:
        views.append(_vsw_view(ctx, d))
    return {"TotalCount": total, "PageNumber": number, "PageSize": size, "VSwitches": {"VSwitch": views}}


@action(P, V, "DeleteVSwitch", write=True)
def delete_vswitch(ctx, p):
    vsw_id = require(p, "VSwitchId")
    doc = ctx.store.get(K_VSW, vsw_id)
    if doc is None or (ctx.region and doc["RegionId"] != ctx.region):
        raise _vsw_not_found(vsw_id)
    if lifecycle.is_deleting(doc):
        return {}
    if doc["Status"] != "Available":
        raise ApiError("IncorrectVSwitchStatus", "The current status of the vSwitch does not support this operation.")
    if _enis_in(ctx, vsw_id):
        # UNCONFIRMED: code when a transit router ENI still sits in the vSwitch.
        raise ApiError(
            "DependencyViolation.NetworkInterface",
            "Specified vSwitch still has network interfaces of a transit router.",
        )
    if referrers(ctx, vsw_id):
        raise ApiError("DependencyViolation.Instance", "Specified vSwitch still has instances; delete them first.")
    lifecycle.schedule_delete(doc, "Status", "Deleting", ctx.delay("vswitch_delete"), ctx.now())
    ctx.store.put(K_VSW, vsw_id, doc)
    return {}


# ------------------------------------------------------------------------------------ route entries
def get_route_table(ctx, rtb_id: str) -> dict[str, Any]:
    doc = ctx.store.get(K_RTB, rtb_id)
    if doc is None or (ctx.region and doc["RegionId"] != ctx.region):
        # UNCONFIRMED: exact not-found code for a VPC route table.
        raise ApiError("InvalidRouteTableId.NotFound", f"Specified route table ({rtb_id}) does not exist.", 404)
    return doc


NEXT_HOP_TYPES = (
    "Instance",
    "Attachment",
    "HaVip",
    "RouterInterface",
    "NetworkInterface",
    "VpnGateway",
    "IPv6Gateway",
    "NatGateway",
    "Ipv4Gateway",
    "GatewayEndpoint",
    "CenBasic",
    "Ecr",
)


def _check_next_hop(ctx, vpc: dict[str, Any], hop_type: str, hop_id: str) -> None:
    if hop_type not in NEXT_HOP_TYPES:
        raise ApiError(
            "InvalidNextHopType.Malformed", f"Specified NextHopType {hop_type} is not valid."
        )  # UNCONFIRMED code
    if hop_type == "Attachment":
        att = ctx.store.get("cbn_vpc_attachment", hop_id)
        if att is None or att.get("VpcId") != vpc["VpcId"]:
            # UNCONFIRMED: code when the attachment does not exist or belongs to another VPC.
            raise ApiError("InvalidNextHopId.NotFound", f"Specified next hop ({hop_id}) does not exist.", 404)
        if att.get("Status") != "Attached":
            raise ApiError(
                "IncorrectStatus.Attachment",
                "The status of the transit router attachment does not support this operation.",
            )


@action(P, V, "CreateRouteEntry", write=True)
def create_route_entry(ctx, p):
    replay = ctx.client_token(p)
    if replay is not None:
        return replay
    rtb_id = require(p, "RouteTableId")
    rtb = get_route_table(ctx, rtb_id)
    dest = require(p, "DestinationCidrBlock")
    net = network(dest, code="InvalidDestinationCidrBlock.Malformed")  # UNCONFIRMED code
    hop_type = p.get("NextHopType") or "Instance"
    hop_id = p.get("NextHopId") or ""
    if hop_type not in NEXT_HOP_TYPES:
        _check_next_hop(ctx, {}, hop_type, hop_id)  # raises InvalidNextHopType.Malformed
    if not hop_id:
        raise ApiError(
            "MissingParameter",
            'The input parameter "NextHopId" that is mandatory for processing this request is not supplied.',
        )
    vpc = get_vpc(ctx, rtb["VpcId"])
    _check_next_hop(ctx, vpc, hop_type, hop_id)
    for vsw in vswitches_of(ctx, vpc["VpcId"]):
        if net == ipaddress.IPv4Network(vsw["CidrBlock"]):
            # A custom route may not duplicate a system route; UNCONFIRMED code.
            raise ApiError("InvalidCIDRBlock.Duplicate", "Specified CIDR block is already exists.")
    for e in ctx.store.list(K_RTE):
        if e["RouteTableId"] == rtb_id and e["DestinationCidrBlock"] == str(net):
            raise ApiError("InvalidCIDRBlock.Duplicate", "Specified CIDR block is already exists.")
    if rtb_id == vpc.get("RouteTableId") and any(
        r["DestinationCidrBlock"] == str(net) for r in routing.synced_routes(ctx, vpc["VpcId"])
    ):
        # VPC route-table doc: a custom route cannot duplicate a dynamic route's destination
        # (cen-routing.md section 2). UNCONFIRMED: the code (the duplicate code is reused).
        raise ApiError(
            "InvalidCIDRBlock.Duplicate",
            f"Specified CIDR block {net} is already used by a route learned from a transit router.",
        )
    now = ctx.now()
    rte_id = ctx.new_id("rte")
    doc = {
        "RouteEntryId": rte_id,
        "RouteTableId": rtb_id,
        "VpcId": vpc["VpcId"],
        "RegionId": rtb["RegionId"],
        "DestinationCidrBlock": str(net),
        "NextHopType": hop_type,
        "NextHopId": hop_id,
        "RouteEntryName": p.get("RouteEntryName") or "",
        "Description": p.get("Description") or "",
        "Type": "Custom",
        "CreationTime": iso(now),
        "_refs": [hop_id],
    }
    lifecycle.set_timeline(doc, "Status", [("Pending", 0), ("Available", ctx.delay("route_entry_create"))], now)
    ctx.store.put(K_RTE, rte_id, doc)
    return ctx.remember_token(p, {"RouteEntryId": rte_id})


def _rte_view(ctx, e: dict[str, Any]) -> dict[str, Any]:
    return {
        "RouteEntryId": e.get("RouteEntryId", ""),
        "RouteTableId": e["RouteTableId"],
        "DestinationCidrBlock": e["DestinationCidrBlock"],
        "Type": e["Type"],
        "Status": e["Status"],
        "RouteEntryName": e.get("RouteEntryName", ""),
        "Description": e.get("Description", ""),
        "IpVersion": "ipv4",
        "Origin": e.get("Origin", ""),
        "ServiceType": "",
        "GmtModified": e.get("CreationTime", ""),
        "NextHops": {
            "NextHop": [
                {
                    "NextHopType": e["NextHopType"],
                    "NextHopId": e.get("NextHopId", ""),
                    "Enabled": 1,
                    "Weight": 0,
                    "NextHopRegionId": e.get("RegionId", ""),
                }
            ]
        },
    }


def system_route_entries(ctx, rtb: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for vsw in vswitches_of(ctx, rtb["VpcId"]):
        out.append(
            {
                "RouteTableId": rtb["RouteTableId"],
                "DestinationCidrBlock": vsw["CidrBlock"],
                "NextHopType": "local",
                "NextHopId": "",
                "Type": "System",
                "Status": "Available",
                "RegionId": rtb["RegionId"],
                "CreationTime": vsw["CreationTime"],
            }
        )
    out.append(
        {
            "RouteTableId": rtb["RouteTableId"],
            "DestinationCidrBlock": "100.64.0.0/10",
            "NextHopType": "service",
            "NextHopId": "",
            "Type": "System",
            "Status": "Available",
            "RegionId": rtb["RegionId"],
            "CreationTime": rtb.get("CreationTime", ""),
        }
    )
    return out


@action(P, V, "DescribeRouteEntryList", write=False)
def describe_route_entry_list(ctx, p):
    rtb_id = require(p, "RouteTableId")
    rtb = get_route_table(ctx, rtb_id)
    entries = system_route_entries(ctx, rtb) + [e for e in ctx.store.list(K_RTE) if e["RouteTableId"] == rtb_id]
    entries += routing.synced_routes(ctx, rtb["VpcId"])  # route sync from a transit router (Type CEN)
    want_id = p.get("RouteEntryId")
    dest = p.get("DestinationCidrBlock")
    dests = str_list(p, "DestCidrBlockList")
    hop = p.get("NextHopId")
    hop_type = p.get("NextHopType")
    etype = p.get("RouteEntryType")
    name = p.get("RouteEntryName")
    items = []
    for e in entries:
        if want_id and e.get("RouteEntryId") != want_id:
            continue
        if dest and e["DestinationCidrBlock"] != dest:
            continue
        if dests and e["DestinationCidrBlock"] not in dests:
            continue
        if hop and e.get("NextHopId") != hop:
            continue
        if hop_type and e.get("NextHopType") != hop_type:
            continue
        if etype and e["Type"] != etype:
            continue
        if name and e.get("RouteEntryName") != name:
            continue
        items.append(e)
    chunk, nxt, _size = token_page(p, items, size_key="MaxResult", default_size=10, max_size=100)
    return {
        "TotalCount": len(items),
        "NextToken": nxt,
        "RouteEntrys": {"RouteEntry": [_rte_view(ctx, e) for e in chunk]},
    }


@action(P, V, "DeleteRouteEntry", write=True)
def delete_route_entry(ctx, p):
    rte_id = p.get("RouteEntryId")
    target = None
    if rte_id:
        target = ctx.store.get(K_RTE, rte_id)
    else:
        rtb_id = require(p, "RouteTableId")
        dest = require(p, "DestinationCidrBlock")
        hop = p.get("NextHopId")
        for e in ctx.store.list(K_RTE):
            if e["RouteTableId"] == rtb_id and e["DestinationCidrBlock"] == dest and (not hop or e["NextHopId"] == hop):
                target = e
                break
    if target is None:
        _refuse_synced(ctx, p)
        # UNCONFIRMED: not-found code for a route entry.
        raise ApiError("InvalidRouteEntry.NotFound", "Specified route entry does not exist.", 404)
    if lifecycle.is_deleting(target):
        return {}
    if target["Status"] != "Available":
        raise ApiError(
            "IncorrectRouteEntryStatus", "The current status of the route entry does not support this operation."
        )
    lifecycle.schedule_delete(target, "Status", "Deleting", ctx.delay("route_entry_delete"), ctx.now())
    ctx.store.put(K_RTE, target["RouteEntryId"], target)
    return {}


def _refuse_synced(ctx, p) -> None:
    """Routes synced from a transit router cannot be deleted or modified in the VPC
    (route-synchronization doc). UNCONFIRMED: the code."""
    rtb_id, dest = p.get("RouteTableId"), p.get("DestinationCidrBlock")
    rtb = ctx.store.get(K_RTB, rtb_id) if rtb_id else None
    if rtb is None or not dest:
        return
    for r in routing.synced_routes(ctx, rtb["VpcId"]):
        if r["RouteTableId"] == rtb_id and r["DestinationCidrBlock"] == dest:
            raise ApiError(
                "OperationUnsupported.DynamicRoute",
                f"The route {dest} is synced from a transit router and cannot be changed in the VPC.",
            )


def _find_custom_entry(ctx, p) -> dict[str, Any]:
    """RouteEntryId, or RouteTableId + DestinationCidrBlock (ModifyRouteEntry request model)."""
    rte_id = p.get("RouteEntryId")
    if rte_id:
        target = ctx.store.get(K_RTE, rte_id)
    else:
        rtb_id = require(p, "RouteTableId")
        dest = require(p, "DestinationCidrBlock")
        get_route_table(ctx, rtb_id)
        target = next(
            (e for e in ctx.store.list(K_RTE) if e["RouteTableId"] == rtb_id and e["DestinationCidrBlock"] == dest),
            None,
        )
        if target is None:
            _refuse_synced(ctx, p)
            rtb = ctx.store.get(K_RTB, rtb_id)
            if any(e["DestinationCidrBlock"] == dest for e in system_route_entries(ctx, rtb)):
                # UNCONFIRMED: code for changing a system route.
                raise ApiError("OperationUnsupported.SystemRoute", f"The system route {dest} cannot be modified.")
    if target is None or (ctx.region and target.get("RegionId") != ctx.region):
        raise ApiError("InvalidRouteEntry.NotFound", "Specified route entry does not exist.", 404)  # UNCONFIRMED
    return target


def _check_text(p, name: str, limit: int) -> str | None:
    value = p.get(name)
    if value is None:
        return None
    value = str(value)
    if not 1 <= len(value) <= limit or value.startswith(("http://", "https://")):
        # SDK ModifyRouteEntryRequest: 1-128 (name) / 1-256 (description) characters, not starting
        # with http:// or https://. UNCONFIRMED: the code.
        raise ApiError(f"IllegalParam.{name}", f"The parameter {name} is not valid.")
    return value


@action(P, V, "ModifyRouteEntry", write=True)
def modify_route_entry(ctx, p):
    """Request (SDK ModifyRouteEntryRequest): RegionId (required), RouteEntryId or RouteTableId +
    DestinationCidrBlock, RouteEntryName, Description, NewNextHopType, NewNextHopId, DryRun."""
    require(p, "RegionId")
    target = _find_custom_entry(ctx, p)
    name = _check_text(p, "RouteEntryName", 128)
    desc = _check_text(p, "Description", 256)
    new_type, new_id = p.get("NewNextHopType"), p.get("NewNextHopId")
    if target.get("_service_managed") and (new_type or new_id):
        # UNCONFIRMED: the next hop of a route the cloud controller manages cannot be changed.
        raise ApiError("OperationUnsupported.ServiceManagedRoute", "The route is managed by a cloud service.")
    if lifecycle.is_deleting(target) or target["Status"] != "Available":
        raise ApiError(
            "IncorrectRouteEntryStatus", "The current status of the route entry does not support this operation."
        )
    if new_type or new_id:
        hop_type = new_type or target["NextHopType"]
        hop_id = new_id or ""
        if not hop_id:
            raise ApiError(
                "MissingParameter",
                'The input parameter "NewNextHopId" that is mandatory for processing this request is not supplied.',
            )
        _check_next_hop(ctx, get_vpc(ctx, target["VpcId"]), hop_type, hop_id)
        target["NextHopType"], target["NextHopId"] = hop_type, hop_id
        target["_refs"] = [hop_id]
    if name is not None:
        target["RouteEntryName"] = name
    if desc is not None:
        target["Description"] = desc
    ctx.store.put(K_RTE, target["RouteEntryId"], target)
    return {}


def add_system_route_entry(
    ctx,
    *,
    vpc_id: str,
    destination_cidr: str,
    next_hop_id: str,
    next_hop_type: str = "Instance",
    description: str = "",
) -> str:
    """Install a route in the VPC system route table on behalf of a cloud service (ACK/Flannel node
    pod routes). Shows up as a ``Custom`` entry, immediately ``Available``. Returns its id;
    an identical existing entry is reused."""
    vpc = get_vpc(ctx, vpc_id)
    net = str(ipaddress.IPv4Network(destination_cidr, strict=False))
    for e in ctx.store.list(K_RTE):
        if e["RouteTableId"] == vpc["RouteTableId"] and e["DestinationCidrBlock"] == net:
            return e["RouteEntryId"]
    now = ctx.now()
    rte_id = ctx.new_id("rte")
    doc = {
        "RouteEntryId": rte_id,
        "RouteTableId": vpc["RouteTableId"],
        "VpcId": vpc_id,
        "RegionId": vpc["RegionId"],
        "DestinationCidrBlock": net,
        "NextHopType": next_hop_type,
        "NextHopId": next_hop_id,
        "RouteEntryName": "",
        "Description": description,
        "Type": "Custom",
        "Status": "Available",
        "CreationTime": iso(now),
        "_service_managed": True,
    }
    ctx.store.put(K_RTE, rte_id, doc)
    return rte_id


def remove_system_route_entry(ctx, *, vpc_id: str, destination_cidr: str, next_hop_id: str | None = None) -> bool:
    """Remove a route installed by :func:`add_system_route_entry`; True when one was removed."""
    vpc = ctx.store.get(K_VPC, vpc_id)
    if vpc is None:
        return False
    net = str(ipaddress.IPv4Network(destination_cidr, strict=False))
    removed = False
    for e in ctx.store.list(K_RTE):
        if e["RouteTableId"] != vpc["RouteTableId"] or e["DestinationCidrBlock"] != net:
            continue
        if next_hop_id and e.get("NextHopId") != next_hop_id:
            continue
        ctx.store.delete(K_RTE, e["RouteEntryId"])
        removed = True
    return removed


def route_entries(ctx, rtb_id: str) -> list[dict[str, Any]]:
    """System + custom route entries of a VPC route table (docs, not API views)."""
    rtb = ctx.store.get(K_RTB, rtb_id)
    if rtb is None:
        return []
    return system_route_entries(ctx, rtb) + [e for e in ctx.store.list(K_RTE) if e["RouteTableId"] == rtb_id]


# ---------------------------------------------------------------------------------------------- tags
TAG_KINDS = {"VPC": (K_VPC, "VpcId"), "VSWITCH": (K_VSW, "VSwitchId"), "ROUTETABLE": (K_RTB, "RouteTableId")}


def _tag_kind(p) -> tuple[str, str, str]:
    rtype = require(p, "ResourceType")
    key = rtype.upper()  # "The resource type value is case-insensitive." (SDK doc)
    if key not in TAG_KINDS:
        raise ApiError(
            "InvalidResourceType.NotFound", f"The specified ResourceType {rtype} is not supported."
        )  # UNCONFIRMED
    kind, _idf = TAG_KINDS[key]
    return key, kind, _idf


def _tag_targets(ctx, p, kind: str, require_ids: bool = True) -> list[dict[str, Any]]:
    ids = str_list(p, "ResourceId")
    if require_ids and not ids:
        raise ApiError(
            "MissingParameter",
            'The input parameter "ResourceId" that is mandatory for processing this request is not supplied.',
        )
    if len(ids) > 50:
        raise ApiError("InvalidParameter", "At most 50 resource IDs can be specified.")
    docs = []
    for rid in ids:
        doc = ctx.store.get(kind, rid)
        if doc is None or (ctx.region and doc.get("RegionId") != ctx.region):
            # UNCONFIRMED: not-found code for tagging a missing resource.
            raise ApiError("InvalidResourceId.NotFound", f"The specified resource {rid} does not exist.", 404)
        docs.append(doc)
    return docs


@action(P, V, "TagResources", write=True)
def tag_resources(ctx, p):
    check_region(ctx.region)
    _key, kind, idf = _tag_kind(p)
    tags = create_tags(p)
    if not tags:
        raise ApiError(
            "MissingParameter",
            'The input parameter "Tag" that is mandatory for processing this request is not supplied.',
        )
    for doc in _tag_targets(ctx, p, kind):
        set_tags(doc, tags)
        if len(doc["Tags"]) > 20:
            raise ApiError("QuotaExceeded.TagNum", "A resource can have at most 20 tags.")  # UNCONFIRMED code
        ctx.store.put(kind, doc[idf], doc)
    return {}


@action(P, V, "UnTagResources", write=True)
def untag_resources(ctx, p):
    check_region(ctx.region)
    _key, kind, idf = _tag_kind(p)
    keys = str_list(p, "TagKey")
    remove_all = flag(p, "All", False)
    for doc in _tag_targets(ctx, p, kind):
        remove_tags(doc, None if (remove_all and not keys) else keys)
        ctx.store.put(kind, doc[idf], doc)
    return {}


@action(P, V, "ListTagResources", write=False)
def list_tag_resources(ctx, p):
    check_region(ctx.region)
    key, kind, idf = _tag_kind(p)
    ids = str_list(p, "ResourceId")
    wanted = tag_params(p)
    if not ids and not wanted:
        raise ApiError("MissingParameter", "Either ResourceId or Tag must be specified.")  # UNCONFIRMED
    rows = []
    for doc in ctx.store.list(kind):
        if doc.get("RegionId") != ctx.region:
            continue
        if ids and doc[idf] not in ids:
            continue
        if wanted and not tags_match(doc, wanted):
            continue
        for t in doc.get("Tags", []):
            rows.append({"ResourceId": doc[idf], "ResourceType": key, "TagKey": t["Key"], "TagValue": t["Value"]})
    chunk, nxt, _size = token_page(p, rows, default_size=50, max_size=50)
    return {"NextToken": nxt, "TagResources": {"TagResource": chunk}}


# ------------------------------------------------------------------------------ attribute updates
# Added for the network-stage modules (vpc, vpc_vswitch): name/description updates only.
@action(P, V, "ModifyVpcAttribute", write=True)
def modify_vpc_attribute(ctx, p):
    vpc_id = require(p, "VpcId")
    doc = get_vpc(ctx, vpc_id, ctx.region)
    if lifecycle.is_deleting(doc):
        raise ApiError("IncorrectVpcStatus", "The current status of the VPC does not support this operation.")
    if p.get("CidrBlock") not in (None, "") and p["CidrBlock"] != doc["CidrBlock"]:
        # UNCONFIRMED: the real API can widen a VPC CIDR block; the emulator does not model it.
        raise ApiError("OperationUnsupported.CidrBlock", "Changing the VPC CIDR block is not supported here.")
    if "VpcName" in p:
        doc["VpcName"] = _check_name(p, "VpcName", "InvalidVpcName.Malformed")
    if "Description" in p:
        doc["Description"] = _check_name(p, "Description", "InvalidDescription.Malformed")
    ctx.store.put(K_VPC, vpc_id, doc)
    return {}


@action(P, V, "ModifyVSwitchAttribute", write=True)
def modify_vswitch_attribute(ctx, p):
    vsw_id = require(p, "VSwitchId")
    doc = get_vswitch(ctx, vsw_id, ctx.region)
    if lifecycle.is_deleting(doc):
        raise ApiError("IncorrectVSwitchStatus", "The current status of the vSwitch does not support this operation.")
    if "VSwitchName" in p:
        doc["VSwitchName"] = _check_name(p, "VSwitchName", "InvalidVSwitchName.Malformed")
    if "Description" in p:
        doc["Description"] = _check_name(p, "Description", "InvalidDescription.Malformed")
    ctx.store.put(K_VSW, vsw_id, doc)
    return {}
