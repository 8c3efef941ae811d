# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPC (2016-04-28) wrappers: lookups that return plain dicts or None."""

from __future__ import annotations

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import paginate_pages
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import tag_list_to_dict

VPC_NOT_FOUND = ("InvalidVpcId.NotFound", "Forbidden.VpcNotFound", "InvalidVpcID.NotFound")
VSWITCH_NOT_FOUND = ("InvalidVSwitchId.NotFound", "InvalidVswitchID.NotFound")


def describe_vpcs(client, region: str, **filters) -> list:
    def call(**params):
        return client.call("DescribeVpcs", RegionId=region, **params)

    return paginate_pages(call, "Vpcs.Vpc", page_size=50, params=filters)


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
