# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPC (2016-04-28): list actions, waiters, tag types and return shapes of VPCs, vSwitches and route entries."""

from __future__ import annotations

import ipaddress

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import (
    SINGLE,
    ListSpec,
    get_item,
    list_items,
    only_one,
    paginate_token,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import tag_list_to_dict
from ansible_collections.geomesh.alicloud.plugins.module_utils.waiters import WaiterSpec

VPC_NOT_FOUND = ("InvalidVpcId.NotFound", "Forbidden.VpcNotFound", "InvalidVpcID.NotFound")
VSWITCH_NOT_FOUND = ("InvalidVSwitchId.NotFound", "InvalidVswitchID.NotFound")
# ModifyRouteEntry documents InvalidRouteEntryId.NotFound
# (https://help.aliyun.com/zh/express-connect/developer-reference/api-modifyrouteentry); the
# DeleteRouteEntry spelling is UNCONFIRMED, so both are accepted.
ROUTE_ENTRY_NOT_FOUND = ("InvalidRouteEntryId.NotFound", "InvalidRouteEntry.NotFound")
ROUTE_TABLE_NOT_FOUND = ("InvalidRouteTableId.NotFound",)  # UNCONFIRMED spelling

VPCS = ListSpec("DescribeVpcs", "Vpcs.Vpc", "VpcId", not_found=VPC_NOT_FOUND)
VSWITCHES = ListSpec("DescribeVSwitches", "VSwitches.VSwitch", "VSwitchId", not_found=VPC_NOT_FOUND + VSWITCH_NOT_FOUND)
REGIONS = ListSpec("DescribeRegions", "Regions.Region", "RegionId", SINGLE)
ZONES = ListSpec("DescribeZones", "Zones.Zone", "ZoneId", SINGLE)
# DescribeRouteEntryList pages with NextToken / MaxResult (1..100) (vpc SDK describe_route_entry_list_request).
ROUTE_ENTRIES = ListSpec(
    "DescribeRouteEntryList", "RouteEntrys.RouteEntry", "RouteEntryId", not_found=VPC_NOT_FOUND + ROUTE_TABLE_NOT_FOUND
)
ROUTE_ENTRY_PAGE_SIZE = 100
# CreateRouteEntry's NextHopType values (vpc SDK create_route_entry_request; ModifyRouteEntry's
# NewNextHopType takes the same list). Instance is the API's default.
NEXT_HOP_TYPES = (
    "Instance",
    "HaVip",
    "RouterInterface",
    "NetworkInterface",
    "VpnGateway",
    "IPv6Gateway",
    "NatGateway",
    "Attachment",
    "VpcPeer",
    "Ipv4Gateway",
    "GatewayEndpoint",
    "Ecr",
    "GatewayLoadBalancerEndpoint",
    "RouteTargetGroup",
)
# Next hop id prefixes checked before any call (the others are left to the API).
NEXT_HOP_ID_PREFIXES = {"Instance": "i", "Attachment": "tr-attach", "NetworkInterface": "eni", "HaVip": "havip"}
# "The destination CIDR block cannot point to or be contained by 100.64.0.0/10" (CreateRouteEntry, vpc SDK).
RESERVED_DESTINATION = ipaddress.IPv4Network("100.64.0.0/10")

WAITERS = {
    "vpc": WaiterSpec("Status", ("Available",), pending=("Pending",), in_progress=("Pending",)),
    "vswitch": WaiterSpec("Status", ("Available",), pending=("Pending",), in_progress=("Pending",)),
    # A route entry is Pending, Available or Modifying (DescribeRouteEntryList, Status;
    # https://help.aliyun.com/en/vpc/developer-reference/api-vpc-2016-04-28-describerouteentrylist).
    "route_entry": WaiterSpec(
        "Status", ("Available",), pending=("Pending", "Modifying"), in_progress=("Pending", "Modifying")
    ),
}
TAG_TYPES = {"vpc": "VPC", "vswitch": "VSWITCH"}


def get_vpc(client, region: str, vpc_id: str) -> dict | None:
    return get_item(client, VPCS, vpc_id, RegionId=region, VpcId=vpc_id)


def describe_vpcs_by_ids(client, region: str, vpc_ids, **filters) -> list:
    """DescribeVpcs for a list of ids (the API takes up to 20 comma-separated ids per call)."""
    found = []
    ids = list(dict.fromkeys(vpc_ids))
    for start in range(0, len(ids), 20):
        chunk = ids[start : start + 20]
        try:
            listed = list_items(client, VPCS, quiet=False, RegionId=region, VpcId=",".join(chunk), **filters)
            found.extend(v for v in listed if v["VpcId"] in chunk)
        except AlicloudError as err:
            if not (err.code in VPC_NOT_FOUND or err.is_not_found):
                raise
            # one unknown id fails the whole call: fall back to one call per id
            found.extend(v for v in (get_vpc(client, region, vpc_id) for vpc_id in chunk) if v is not None)
    return found


def find_vpc(client, region: str, name: str, cidr_block: str | None = None) -> dict | None:
    """Look a VPC up by exact name (and CIDR when given); more than one match is an error."""
    matches = [
        v
        for v in list_items(client, VPCS, RegionId=region, VpcName=name)
        if v.get("VpcName") == name and (cidr_block is None or v.get("CidrBlock") == cidr_block)
    ]
    hint = "pass vpc_id or cidr_block to pick one"
    return only_one(matches, VPCS, "VPCs named %r in %s" % (name, region), hint, "AmbiguousName")


def get_vswitch(client, region: str, vswitch_id: str) -> dict | None:
    return get_item(client, VSWITCHES, vswitch_id, RegionId=region, VSwitchId=vswitch_id)


def find_vswitch(client, region: str, vpc_id: str, cidr_block: str) -> dict | None:
    """The vSwitch of a VPC with this CIDR block (vSwitch CIDRs never overlap within a VPC)."""
    found = list_items(client, VSWITCHES, RegionId=region, VpcId=vpc_id)
    return next((v for v in found if v.get("VpcId") == vpc_id and v.get("CidrBlock") == cidr_block), None)


def list_route_entries(client, region: str, route_table_id: str, quiet: bool = True, **filters) -> list:
    """Every entry of a VPC route table for these filters (None values are not sent), each with its
    next hop flattened (``with_next_hop``). Paged with NextToken / MaxResult (at most 100 per page)."""

    def call(**params):
        return client.call(ROUTE_ENTRIES.action, **params)

    params = {"RegionId": region, "RouteTableId": route_table_id}
    params.update({k: v for k, v in filters.items() if v is not None})
    try:
        entries = paginate_token(
            call, ROUTE_ENTRIES.items, max_results=ROUTE_ENTRY_PAGE_SIZE, params=params, size_key="MaxResult"
        )
    except AlicloudError as err:
        if quiet and (err.code in ROUTE_ENTRIES.not_found or err.is_not_found):
            return []
        raise
    return [with_next_hop(e) for e in entries]


def next_hops(entry: dict) -> list:
    """The next hops of a DescribeRouteEntryList item as ``[{"NextHopType", "NextHopId"}]``.

    The documented shape is ``NextHops.NextHop[]`` (vpc SDK describe_route_entry_list_response_body);
    an item with flat ``NextHopType`` / ``NextHopId`` (the shape of the older DescribeRouteTables
    entries) is read too, as the shape of every kind of route is UNCONFIRMED."""
    hops = entry.get("NextHops")
    if isinstance(hops, dict):
        hops = hops.get("NextHop")
    found = [
        {"NextHopType": h.get("NextHopType") or "", "NextHopId": h.get("NextHopId") or ""}
        for h in (hops or [])
        if isinstance(h, dict)
    ]
    if not found and (entry.get("NextHopType") or entry.get("NextHopId")):
        found = [{"NextHopType": entry.get("NextHopType") or "", "NextHopId": entry.get("NextHopId") or ""}]
    return found


def with_next_hop(entry: dict) -> dict:
    """The entry with its (first) next hop as top-level ``NextHopType`` / ``NextHopId``."""
    hops = next_hops(entry)
    first = hops[0] if hops else {"NextHopType": "", "NextHopId": ""}
    return dict(entry, NextHopType=first["NextHopType"], NextHopId=first["NextHopId"], NextHopCount=len(hops))


def is_custom_route(entry: dict) -> bool:
    """Whether a route entry is a custom route that can be changed, deleted or published.

    System routes (``Type`` System), routes learned from a transit router or CEN (``Type`` other
    than Custom) and routes hosted by another service (a non-empty ``ServiceType``, e.g. TR:
    "the type of route hosting; empty: the route is not hosted", vpc SDK; ModifyRouteEntry answers
    OperationDenied.ModifyManagedRouteEntry for them) are not. The Type of the routes a transit
    router syncs into a VPC is UNCONFIRMED: any Type other than Custom is treated as not custom."""
    return entry.get("Type") == "Custom" and not entry.get("ServiceType")


def route_kind(entry: dict) -> str:
    """A short description of a route that is not custom, for error messages."""
    kind = entry.get("Type") or "unknown"
    if entry.get("ServiceType"):
        kind += " (hosted by %s)" % entry["ServiceType"]
    hop = entry.get("NextHopType") or ""
    if hop:
        kind += " route with next hop %s %s" % (hop, entry.get("NextHopId") or "")
    return kind.strip()


def system_route_table_id(client, region: str, vpc_id: str) -> str | None:
    """The system route table of a VPC (DescribeVpcs RouterTableIds), or None when the VPC is not found.

    UNCONFIRMED: that the system route table is the first of RouterTableIds when the VPC also has
    custom route tables (the collection makes none; normalize_vpc reads it the same way)."""
    found = get_vpc(client, region, vpc_id)
    if found is None:
        return None
    return normalize_vpc(found)["route_table_id"]


def instance_routes(client, region: str, route_table_id: str) -> dict:
    """Instance id -> destination CIDR of the custom route entries of a route table whose next hop
    is an ECS instance. On a Flannel ACK cluster the cloud controller manager creates one such
    entry per node in the VPC's system route table: destination = the node's Pod CIDR, next hop =
    its instance (cloud-provider-alibaba-cloud pkg/provider/alibaba/vpc/vpc.go CreateRoute;
    https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/work-with-flannel)."""
    entries = list_route_entries(client, region, route_table_id, quiet=False, RouteEntryType="Custom")
    routes = {}
    for entry in entries:
        for hop in next_hops(entry):
            if hop["NextHopType"] == "Instance" and hop["NextHopId"]:
                routes[hop["NextHopId"]] = entry.get("DestinationCidrBlock")
    return routes


def normalize_vpc(vpc: dict | None) -> dict:
    """A DescribeVpcs item, snake_cased with flat lists and a tag dict."""
    if not vpc:
        return {}
    route_tables = (vpc.get("RouterTableIds") or {}).get("RouterTableIds") or []
    return {
        "vpc_id": vpc.get("VpcId"),
        "vpc_name": vpc.get("VpcName"),
        "cidr_block": vpc.get("CidrBlock"),
        "status": vpc.get("Status"),
        "vrouter_id": vpc.get("VRouterId"),
        "route_table_id": route_tables[0] if route_tables else None,
        "vswitch_ids": (vpc.get("VSwitchIds") or {}).get("VSwitchId") or [],
        "region_id": vpc.get("RegionId"),
        "description": vpc.get("Description"),
        "is_default": vpc.get("IsDefault"),
        "resource_group_id": vpc.get("ResourceGroupId"),
        "creation_time": vpc.get("CreationTime"),
        "tags": tag_list_to_dict(vpc.get("Tags")),
    }


def normalize_vswitch(vswitch: dict | None) -> dict:
    """A DescribeVSwitches item, snake_cased with a tag dict."""
    if not vswitch:
        return {}
    return {
        "vswitch_id": vswitch.get("VSwitchId"),
        "vswitch_name": vswitch.get("VSwitchName"),
        "vpc_id": vswitch.get("VpcId"),
        "zone_id": vswitch.get("ZoneId"),
        "cidr_block": vswitch.get("CidrBlock"),
        "status": vswitch.get("Status"),
        "description": vswitch.get("Description"),
        "available_ip_address_count": vswitch.get("AvailableIpAddressCount"),
        "route_table_id": (vswitch.get("RouteTable") or {}).get("RouteTableId"),
        "is_default": vswitch.get("IsDefault"),
        "resource_group_id": vswitch.get("ResourceGroupId"),
        "creation_time": vswitch.get("CreationTime"),
        "tags": tag_list_to_dict(vswitch.get("Tags")),
    }


def normalize_region(region: dict) -> dict:
    return {
        "region_id": region.get("RegionId"),
        "local_name": region.get("LocalName"),
        "region_endpoint": region.get("RegionEndpoint"),
    }


def normalize_zone(zone: dict) -> dict:
    return {"zone_id": zone.get("ZoneId"), "local_name": zone.get("LocalName"), "zone_type": zone.get("ZoneType")}


def normalize_route_entry(entry: dict | None) -> dict:
    """A DescribeRouteEntryList item, snake_cased, with its (first) next hop."""
    if not entry:
        return {}
    entry = with_next_hop(entry)
    return {
        "route_entry_id": entry.get("RouteEntryId") or "",
        "route_table_id": entry.get("RouteTableId"),
        "destination_cidr_block": entry.get("DestinationCidrBlock"),
        "next_hop_type": entry.get("NextHopType"),
        "next_hop_id": entry.get("NextHopId"),
        "type": entry.get("Type"),
        "status": entry.get("Status"),
        "name": entry.get("RouteEntryName") or "",
        "description": entry.get("Description") or "",
    }
