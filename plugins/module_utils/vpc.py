# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPC (2016-04-28) wrappers: lookups that return plain dicts or None."""

from __future__ import annotations

import time

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import paginate_pages
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import tag_list_to_dict

VPC_NOT_FOUND = ("InvalidVpcId.NotFound", "Forbidden.VpcNotFound", "InvalidVpcID.NotFound")
VSWITCH_NOT_FOUND = ("InvalidVSwitchId.NotFound", "InvalidVswitchID.NotFound")


def describe_vpcs(client, region: str, **filters) -> list:
    def call(**params):
        return client.call("DescribeVpcs", RegionId=region, **params)

    return paginate_pages(call, "Vpcs.Vpc", page_size=50, params=filters)


def describe_vpcs_by_ids(client, region: str, vpc_ids, **filters) -> list:
    """DescribeVpcs for a list of ids (the API takes up to 20 comma-separated ids per call)."""
    found = []
    ids = list(dict.fromkeys(vpc_ids))
    for start in range(0, len(ids), 20):
        chunk = ids[start : start + 20]
        try:
            found.extend(
                v for v in describe_vpcs(client, region, VpcId=",".join(chunk), **filters) if v["VpcId"] in chunk
            )
        except AlicloudError as err:
            if not (err.code in VPC_NOT_FOUND or err.is_not_found):
                raise
            # one unknown id fails the whole call: fall back to one call per id
            for vpc_id in chunk:
                vpc = get_vpc(client, region, vpc_id)
                if vpc is not None:
                    found.append(vpc)
    return found


def get_vpc(client, region: str, vpc_id: str) -> dict | None:
    try:
        found = describe_vpcs(client, region, VpcId=vpc_id)
    except AlicloudError as err:
        if err.code in VPC_NOT_FOUND or err.is_not_found:
            return None
        raise
    return next((v for v in found if v.get("VpcId") == vpc_id), None)


def find_vpc(client, region: str, name: str, cidr_block: str | None = None) -> dict | None:
    """Look a VPC up by exact name (and CIDR when given); more than one match is an error."""
    matches = [
        v
        for v in describe_vpcs(client, region, VpcName=name)
        if v.get("VpcName") == name and (cidr_block is None or v.get("CidrBlock") == cidr_block)
    ]
    if len(matches) > 1:
        raise AlicloudError(
            "AmbiguousName",
            "%d VPCs named %r in %s (%s): pass vpc_id or cidr_block to pick one"
            % (len(matches), name, region, ", ".join(v["VpcId"] for v in matches)),
        )
    return matches[0] if matches else None


def vpc_tags(vpc: dict) -> dict:
    return tag_list_to_dict(vpc.get("Tags"))


def describe_vswitches(client, region: str, **filters) -> list:
    def call(**params):
        return client.call("DescribeVSwitches", RegionId=region, **params)

    return paginate_pages(call, "VSwitches.VSwitch", page_size=50, params=filters)


def get_vswitch(client, region: str, vswitch_id: str) -> dict | None:
    try:
        found = describe_vswitches(client, region, VSwitchId=vswitch_id)
    except AlicloudError as err:
        if err.code in VSWITCH_NOT_FOUND or err.is_not_found:
            return None
        raise
    return next((v for v in found if v.get("VSwitchId") == vswitch_id), None)


def set_tags(client, region: str, resource_type: str, resource_id: str, to_set: dict, to_unset: list) -> None:
    if to_unset:
        client.call(
            "UnTagResources", RegionId=region, ResourceType=resource_type, ResourceId=[resource_id], TagKey=to_unset
        )
    if to_set:
        client.call(
            "TagResources",
            RegionId=region,
            ResourceType=resource_type,
            ResourceId=[resource_id],
            Tag=[{"Key": k, "Value": v} for k, v in sorted(to_set.items())],
        )


def find_vswitch(client, region: str, vpc_id: str, cidr_block: str) -> dict | None:
    """The vSwitch of a VPC with this CIDR block (vSwitch CIDRs never overlap within a VPC)."""
    try:
        found = describe_vswitches(client, region, VpcId=vpc_id)
    except AlicloudError as err:
        if err.code in VPC_NOT_FOUND or err.code in VSWITCH_NOT_FOUND or err.is_not_found:
            return None
        raise
    return next((v for v in found if v.get("VpcId") == vpc_id and v.get("CidrBlock") == cidr_block), None)


VSWITCH_DELETE_RETRY_PREFIXES = ("DependencyViolation",)
VSWITCH_DELETE_RETRY_CODES = (
    "IncorrectVSwitchStatus",
    "IncorrectStatus.VSwitch",
    "IncorretRouteEntryStatus",
    "IncorrectRouteEntryStatus",
    "TaskConflict",
    "OperationConflict",
)


def delete_with_retry(
    client, action: str, params: dict, not_found, retry_prefixes=(), retry_codes=(), timeout=300, sleep=None, clock=None
) -> bool:
    """Call a delete action, retrying dependency / status conflicts until ``timeout`` seconds passed.

    Returns False when the resource was already gone (a not-found code), True otherwise.
    Transient errors (throttling, 5xx) are retried inside ``client.call`` as usual.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + timeout
    pause = 2.0
    while True:
        try:
            client.call(action, **params)
            return True
        except AlicloudError as err:
            if err.code in not_found or err.is_not_found:
                return False
            busy = err.code.startswith(tuple(retry_prefixes)) or err.code in retry_codes
            if not busy or clock() + pause > deadline:
                raise
        sleep(pause)
        pause = min(15.0, pause * 1.5)


def delete_vswitch(client, region: str, vswitch_id: str, timeout: float = 300, sleep=None, clock=None) -> bool:
    """DeleteVSwitch (it takes no ClientToken), retrying ``DependencyViolation*`` and busy states."""
    return delete_with_retry(
        client,
        "DeleteVSwitch",
        {"RegionId": region, "VSwitchId": vswitch_id},
        VSWITCH_NOT_FOUND,
        VSWITCH_DELETE_RETRY_PREFIXES,
        VSWITCH_DELETE_RETRY_CODES,
        timeout,
        sleep,
        clock,
    )


VPC_DELETE_RETRY_PREFIXES = ("DependencyViolation",)
VPC_DELETE_RETRY_CODES = ("IncorrectVpcStatus", "TaskConflict", "OperationConflict")


def delete_vpc(client, region: str, vpc_id: str, timeout: float = 300, sleep=None, clock=None) -> bool:
    """DeleteVpc, retrying ``DependencyViolation*`` (vSwitches, security groups, instances still going away)
    and busy states until ``timeout`` passed."""
    return delete_with_retry(
        client,
        "DeleteVpc",
        {"RegionId": region, "VpcId": vpc_id},
        VPC_NOT_FOUND,
        VPC_DELETE_RETRY_PREFIXES,
        VPC_DELETE_RETRY_CODES,
        timeout,
        sleep,
        clock,
    )


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


def has_tags(resource_tags: dict, wanted: dict | None) -> bool:
    """True when every wanted tag is present with the same value (values compared as strings)."""
    return all(resource_tags.get(str(k)) == ("" if v is None else str(v)) for k, v in (wanted or {}).items())
