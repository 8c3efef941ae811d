#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpc_info
short_description: List Alibaba Cloud VPCs
version_added: 0.1.0
description:
  - Lists the VPCs of a region, optionally only those with the given IDs and matching all the given filters.
  - Read-only; never changes anything.
options:
  vpc_ids:
    description:
      - Only these VPCs. IDs that do not exist are left out of the result, they are not an error.
    type: list
    elements: str
    aliases: [ids]
  name:
    description: Only VPCs with exactly this name (C(VpcName)).
    type: str
    aliases: [vpc_name]
  cidr_block:
    description: Only VPCs with exactly this IPv4 CIDR block, for example V(20.0.0.0/8).
    type: str
  is_default:
    description: Only the default VPC (V(true)) or only non-default VPCs (V(false)).
    type: bool
  resource_group_id:
    description: Only VPCs in this resource group.
    type: str
  tags:
    description: Only VPCs that carry all these tags (same keys and values).
    type: dict
    aliases: [resource_tags]
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: All VPCs of the project in Hangzhou
  geomesh.alicloud.vpc_info:
    region: cn-hangzhou
    tags:
      project: geomesh
  register: found

- name: One VPC by ID
  geomesh.alicloud.vpc_info:
    region: cn-hangzhou
    vpc_ids:
      - vpc-bp1qpo0kug3a20qqe5mpo
  register: one

- name: By name and CIDR block
  geomesh.alicloud.vpc_info:
    region: cn-hangzhou
    name: vpc-hangzhou
    cidr_block: 20.0.0.0/8
"""

RETURN = r"""
vpcs:
  description: The matching VPCs, sorted by ID.
  returned: always
  type: list
  elements: dict
  contains:
    vpc_id:
      description: The VPC ID.
      type: str
      sample: vpc-bp1qpo0kug3a20qqe5mpo
    vpc_name:
      description: The VPC name.
      type: str
    cidr_block:
      description: The IPv4 CIDR block.
      type: str
      sample: 20.0.0.0/8
    status:
      description: V(Pending) or V(Available).
      type: str
    vrouter_id:
      description: The vRouter ID.
      type: str
    route_table_id:
      description: The ID of the VPC's system route table.
      type: str
    vswitch_ids:
      description: IDs of the vSwitches in the VPC.
      type: list
      elements: str
    region_id:
      description: The region.
      type: str
    description:
      description: The description.
      type: str
    is_default:
      description: Whether this is the region's default VPC.
      type: bool
    resource_group_id:
      description: The resource group of the VPC.
      type: str
    creation_time:
      description: When the VPC was created (ISO 8601, UTC).
      type: str
    tags:
      description: The tags as a dictionary.
      type: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products.vpc import (
    VPCS,
    describe_vpcs_by_ids,
    normalize_vpc,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import has_tags
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_cidr, validate_resource_id


def list_vpcs(module: AlicloudModule) -> list:
    params = module.params
    client = module.client("vpc")
    filters = {
        "VpcName": params["name"],
        "IsDefault": params["is_default"],
        "ResourceGroupId": params["resource_group_id"],
        "Tag": [{"Key": str(k), "Value": str(v)} for k, v in sorted((params["tags"] or {}).items())] or None,
    }
    filters = {k: v for k, v in filters.items() if v is not None}
    if params["vpc_ids"] is not None:
        found = describe_vpcs_by_ids(client, module.region, params["vpc_ids"], **filters) if params["vpc_ids"] else []
    else:
        found = list_items(client, VPCS, RegionId=module.region, **filters)
    # The API filters are applied again here, so the result is exact whatever the API matched.
    result = []
    for vpc in (normalize_vpc(v) for v in found):
        if params["name"] is not None and vpc["vpc_name"] != params["name"]:
            continue
        if params["cidr_block"] is not None and vpc["cidr_block"] != params["cidr_block"]:
            continue
        if params["is_default"] is not None and vpc["is_default"] is not None:
            if bool(vpc["is_default"]) != params["is_default"]:
                continue
        if params["resource_group_id"] is not None and vpc["resource_group_id"] not in (
            None,
            params["resource_group_id"],
        ):
            continue
        if not has_tags(vpc["tags"], params["tags"]):
            continue
        result.append(vpc)
    unique = {vpc["vpc_id"]: vpc for vpc in result}
    return [unique[key] for key in sorted(unique)]


def main():
    argument_spec = {
        "vpc_ids": {"type": "list", "elements": "str", "aliases": ["ids"]},
        "name": {"type": "str", "aliases": ["vpc_name"]},
        "cidr_block": {"type": "str"},
        "is_default": {"type": "bool"},
        "resource_group_id": {"type": "str"},
        "tags": {"type": "dict", "aliases": ["resource_tags"]},
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    for index, vpc_id in enumerate(module.params["vpc_ids"] or []):
        module.validate(validate_resource_id, "vpc_ids[%d]" % index, vpc_id, "vpc")
    if module.params["cidr_block"]:
        module.validate(validate_cidr, "cidr_block", module.params["cidr_block"], 0, 32)
    try:
        vpcs = list_vpcs(module)
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing VPCs")
    module.exit_json(changed=False, vpcs=vpcs)


if __name__ == "__main__":
    main()
