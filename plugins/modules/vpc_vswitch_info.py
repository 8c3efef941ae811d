#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpc_vswitch_info
short_description: List Alibaba Cloud vSwitches
version_added: 0.1.0
description:
  - Lists the vSwitches of a region, optionally only those with the given IDs and matching all the given filters.
  - Read-only; never changes anything.
options:
  vswitch_ids:
    description:
      - Only these vSwitches. IDs that do not exist are left out of the result, they are not an error.
    type: list
    elements: str
    aliases: [ids]
  vpc_id:
    description: Only vSwitches of this VPC.
    type: str
  zone_id:
    description: Only vSwitches in this zone, for example V(cn-hangzhou-h).
    type: str
    aliases: [zone]
  name:
    description: Only vSwitches with exactly this name (C(VSwitchName)).
    type: str
    aliases: [vswitch_name]
  cidr_block:
    description: Only vSwitches with exactly this IPv4 CIDR block.
    type: str
  route_table_id:
    description: Only vSwitches associated with this route table.
    type: str
  tags:
    description: Only vSwitches that carry all these tags (same keys and values).
    type: dict
    aliases: [resource_tags]
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The vSwitches of a VPC
  geomesh.alicloud.vpc_vswitch_info:
    region: cn-hangzhou
    vpc_id: "{{ vpc.vpc.vpc_id }}"
  register: found

- name: Their IDs, one per zone
  ansible.builtin.debug:
    msg: "{{ found.vswitches | items2dict(key_name='zone_id', value_name='vswitch_id') }}"

- name: Two vSwitches by ID
  geomesh.alicloud.vpc_vswitch_info:
    region: cn-hangzhou
    vswitch_ids:
      - vsw-bp1s5fnvk4gn2tws03624
      - vsw-bp1s5fnvk4gn2tws03625
"""

RETURN = r"""
vswitches:
  description: The matching vSwitches, sorted by ID.
  returned: always
  type: list
  elements: dict
  contains:
    vswitch_id:
      description: The vSwitch ID.
      type: str
      sample: vsw-bp1s5fnvk4gn2tws03624
    vswitch_name:
      description: The vSwitch name.
      type: str
    vpc_id:
      description: The VPC ID.
      type: str
    zone_id:
      description: The zone.
      type: str
      sample: cn-hangzhou-h
    cidr_block:
      description: The IPv4 CIDR block.
      type: str
      sample: 20.1.0.0/16
    status:
      description: V(Pending) or V(Available).
      type: str
    description:
      description: The description.
      type: str
    available_ip_address_count:
      description: How many IP addresses are still free.
      type: int
    route_table_id:
      description: The route table the vSwitch is associated with.
      type: str
    is_default:
      description: Whether this is a default vSwitch.
      type: bool
    resource_group_id:
      description: The resource group.
      type: str
    creation_time:
      description: When the vSwitch was created (ISO 8601, UTC).
      type: str
    tags:
      description: The tags as a dictionary.
      type: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products.vpc import (
    VPC_NOT_FOUND,
    VSWITCHES,
    get_vswitch,
    normalize_vswitch,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import has_tags
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_cidr, validate_resource_id

# result field -> option, compared exactly after the API call
EXACT = (
    ("vpc_id", "vpc_id"),
    ("zone_id", "zone_id"),
    ("vswitch_name", "name"),
    ("cidr_block", "cidr_block"),
    ("route_table_id", "route_table_id"),
)


def list_vswitches(module: AlicloudModule) -> list:
    params = module.params
    client = module.client("vpc")
    region = module.region
    if params["vswitch_ids"] is not None:
        # DescribeVSwitches takes one VSwitchId per call.
        found = [get_vswitch(client, region, vswitch_id) for vswitch_id in dict.fromkeys(params["vswitch_ids"])]
        found = [v for v in found if v is not None]
    else:
        filters = {
            "VpcId": params["vpc_id"],
            "ZoneId": params["zone_id"],
            "VSwitchName": params["name"],
            "RouteTableId": params["route_table_id"],
            "Tag": [{"Key": str(k), "Value": str(v)} for k, v in sorted((params["tags"] or {}).items())] or None,
        }
        try:
            found = list_items(
                client, VSWITCHES, quiet=False, RegionId=region, **{k: v for k, v in filters.items() if v is not None}
            )
        except AlicloudError as err:
            if params["vpc_id"] and (err.code in VPC_NOT_FOUND or err.is_not_found):
                return []
            raise
    result = []
    for vswitch in (normalize_vswitch(v) for v in found):
        if any(params[option] is not None and vswitch[field] != params[option] for field, option in EXACT):
            continue
        if not has_tags(vswitch["tags"], params["tags"]):
            continue
        result.append(vswitch)
    unique = {vswitch["vswitch_id"]: vswitch for vswitch in result}
    return [unique[key] for key in sorted(unique)]


def main():
    argument_spec = {
        "vswitch_ids": {"type": "list", "elements": "str", "aliases": ["ids"]},
        "vpc_id": {"type": "str"},
        "zone_id": {"type": "str", "aliases": ["zone"]},
        "name": {"type": "str", "aliases": ["vswitch_name"]},
        "cidr_block": {"type": "str"},
        "route_table_id": {"type": "str"},
        "tags": {"type": "dict", "aliases": ["resource_tags"]},
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    for index, vswitch_id in enumerate(module.params["vswitch_ids"] or []):
        module.validate(validate_resource_id, "vswitch_ids[%d]" % index, vswitch_id, "vsw")
    if module.params["vpc_id"]:
        module.validate(validate_resource_id, "vpc_id", module.params["vpc_id"], "vpc")
    if module.params["cidr_block"]:
        module.validate(validate_cidr, "cidr_block", module.params["cidr_block"], 0, 32)
    try:
        vswitches = list_vswitches(module)
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing vSwitches")
    module.exit_json(changed=False, vswitches=vswitches)


if __name__ == "__main__":
    main()
