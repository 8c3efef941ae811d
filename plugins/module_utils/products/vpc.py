# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPC (2016-04-28): list actions, waiters, tag types and return shapes of VPCs and vSwitches."""

from __future__ import annotations

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

VPCS = ListSpec("DescribeVpcs", "Vpcs.Vpc", "VpcId", not_found=VPC_NOT_FOUND)
VSWITCHES = ListSpec("DescribeVSwitches", "VSwitches.VSwitch", "VSwitchId", not_found=VPC_NOT_FOUND + VSWITCH_NOT_FOUND)
REGIONS = ListSpec("DescribeRegions", "Regions.Region", "RegionId", SINGLE)
ZONES = ListSpec("DescribeZones", "Zones.Zone", "ZoneId", SINGLE)
# DescribeRouteEntryList pages with NextToken / MaxResult (1..100) (vpc SDK describe_route_entry_list_request).
ROUTE_ENTRIES = ListSpec("DescribeRouteEntryList", "RouteEntrys.RouteEntry", "RouteEntryId")

WAITERS = {
    "vpc": WaiterSpec("Status", ("Available",), pending=("Pending",), in_progress=("Pending",)),
    "vswitch": WaiterSpec("Status", ("Available",), pending=("Pending",), in_progress=("Pending",)),
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


def instance_routes(client, region: str, route_table_id: str) -> dict:
    """Instance id -> destination CIDR of the custom route entries of a route table whose next hop
    is an ECS instance. On a Flannel ACK cluster the cloud controller manager creates one such
    entry per node in the VPC's system route table: destination = the node's Pod CIDR, next hop =
    its instance (cloud-provider-alibaba-cloud pkg/provider/alibaba/vpc/vpc.go CreateRoute;
    https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/work-with-flannel)."""

    def call(**params):
        return client.call(ROUTE_ENTRIES.action, **params)

    entries = paginate_token(
        call,
        ROUTE_ENTRIES.items,
        max_results=100,
        params={"RegionId": region, "RouteTableId": route_table_id, "RouteEntryType": "Custom"},
        size_key="MaxResult",
    )
    routes = {}
    for entry in entries:
        for hop in (entry.get("NextHops") or {}).get("NextHop") or []:
            if hop.get("NextHopType") == "Instance" and hop.get("NextHopId"):
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
