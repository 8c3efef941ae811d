#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpc_vswitch
short_description: Create, update or delete an Alibaba Cloud vSwitch
version_added: 0.1.0
description:
  - Manages a vSwitch (a zonal subnet of a VPC), identified by O(vswitch_id), or by O(vpc_id) and O(cidr_block)
    (vSwitch CIDR blocks never overlap within a VPC, so the pair is unique).
  - O(name) and O(description) are labels; they are updated in place with C(ModifyVSwitchAttribute).
  - O(vpc_id), O(cidr_block) and O(zone_id) cannot change; when given together with O(vswitch_id) they are checked
    against the existing vSwitch and the module fails on a mismatch.
  - Creation sends a deterministic C(ClientToken), so a retried or interrupted run never makes a second vSwitch.
  - Deletion retries while the vSwitch still has dependent resources (C(DependencyViolation*)) or is busy, until
    O(wait_timeout) passes, then waits until the vSwitch is gone.
options:
  state:
    description: Whether the vSwitch should exist.
    type: str
    choices: [present, absent]
    default: present
  vswitch_id:
    description: The ID of an existing vSwitch.
    type: str
    aliases: [id]
  vpc_id:
    description:
      - The VPC of the vSwitch. Together with O(cidr_block) it identifies the vSwitch when O(vswitch_id) is not given.
      - Required to create a vSwitch.
    type: str
  cidr_block:
    description:
      - The vSwitch's IPv4 CIDR block, inside the VPC's block, with a prefix length from /16 to /29,
        for example V(20.1.0.0/16).
      - Required to create a vSwitch; cannot be changed.
    type: str
  zone_id:
    description:
      - The zone of the vSwitch, for example V(cn-hangzhou-h).
      - Required to create a vSwitch; cannot be changed.
    type: str
    aliases: [zone]
  name:
    description: The vSwitch name (C(VSwitchName)).
    type: str
    aliases: [vswitch_name]
  description:
    description: The vSwitch description.
    type: str
  wait_timeout:
    description: How many seconds to wait for V(Available), or for the deletion (including its retries) to finish.
    type: int
    default: 300
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.tags
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: A vSwitch in zone H of the Hangzhou VPC
  geomesh.alicloud.vpc_vswitch:
    region: cn-hangzhou
    vpc_id: "{{ vpc.vpc.vpc_id }}"
    cidr_block: 20.1.0.0/16
    zone_id: cn-hangzhou-h
    name: vsw-hangzhou-h
    tags:
      project: geomesh
  register: vsw

- name: Rename it
  geomesh.alicloud.vpc_vswitch:
    region: cn-hangzhou
    vswitch_id: "{{ vsw.vswitch.vswitch_id }}"
    name: vsw-hangzhou-h-main

- name: Delete it by VPC and CIDR block
  geomesh.alicloud.vpc_vswitch:
    region: cn-hangzhou
    vpc_id: "{{ vpc.vpc.vpc_id }}"
    cidr_block: 20.1.0.0/16
    state: absent
"""

RETURN = r"""
vswitch:
  description: The vSwitch as read back after the change; empty when O(state=absent) or in check mode before it exists.
  returned: always
  type: dict
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

import ipaddress

from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import FIXED, Attr, ResourceManager
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, resource_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import vpc
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import (
    validate_cidr,
    validate_resource_id,
    zone_in_region,
)


class VSwitchManager(ResourceManager):
    product = "vpc"
    resource = "vSwitch"
    result_key = "vswitch"
    id_option = "vswitch_id"
    id_key = "VSwitchId"
    create_action = "CreateVSwitch"
    create_id_path = "VSwitchId"
    token_kind = "vswitch"
    identity_options = ("vpc_id", "cidr_block")
    attributes = (
        Attr("name", "VSwitchName", key="vswitch_name"),
        Attr("description", "Description"),
        Attr("vpc_id", "VpcId", FIXED),
        Attr("cidr_block", "CidrBlock", FIXED),
        Attr("zone_id", "ZoneId", FIXED),
    )
    required_to_create = ("vpc_id", "cidr_block", "zone_id")
    update_action = "ModifyVSwitchAttribute"
    delete_action = "DeleteVSwitch"
    delete_not_found = vpc.VSWITCH_NOT_FOUND
    waiter = vpc.WAITERS["vswitch"]
    tag_resource_type = vpc.TAG_TYPES["vswitch"]

    def get(self, resource_id):
        return vpc.get_vswitch(self.client, self.region, resource_id)

    def lookup(self):
        return vpc.find_vswitch(self.client, self.region, self.params["vpc_id"], self.params["cidr_block"])

    def normalize(self, resource):
        return vpc.normalize_vswitch(resource)

    def describe(self):
        return "%s/%s" % (self.params["vpc_id"], self.params["cidr_block"])

    def check_options(self):
        p = self.params
        if p["vswitch_id"]:
            self.module.validate(validate_resource_id, "vswitch_id", p["vswitch_id"], "vsw")
        elif not (p["vpc_id"] and p["cidr_block"]):
            msg = "vswitch_id, or vpc_id and cidr_block, are required to identify the vSwitch"
            self.module.fail_json(msg=msg, field="vpc_id")
        if p["vpc_id"]:
            self.module.validate(validate_resource_id, "vpc_id", p["vpc_id"], "vpc")
        if p["cidr_block"]:
            self.module.validate(validate_cidr, "cidr_block", p["cidr_block"], 16, 29)
        if p["zone_id"] and not zone_in_region(p["zone_id"], self.region):
            msg = "Invalid zone_id: %s is not a zone of region %s" % (p["zone_id"], self.region)
            self.module.fail_json(msg=msg, field="zone_id")
        if p["wait_timeout"] < 0:
            self.module.fail_json(msg="Invalid wait_timeout: must not be negative", field="wait_timeout")

    def check_create(self):
        super().check_create()
        found = vpc.get_vpc(self.client, self.region, self.params["vpc_id"])
        if found is None:
            msg = "vpc_id %s was not found in %s" % (self.params["vpc_id"], self.region)
            self.module.fail_json(msg=msg, field="vpc_id")
        inner = ipaddress.IPv4Network(self.params["cidr_block"])
        if found.get("CidrBlock") and not inner.subnet_of(ipaddress.IPv4Network(found["CidrBlock"], strict=False)):
            msg = "Invalid cidr_block: %s is not inside the CIDR block %s of VPC %s"
            self.module.fail_json(msg=msg % (inner, found["CidrBlock"], found["VpcId"]), field="cidr_block")

    def check_delete(self, resource):
        self.check_existing(resource)


def main():
    argument_spec = resource_argument_spec(
        wait_timeout=300,
        vswitch_id={"type": "str", "aliases": ["id"]},
        vpc_id={"type": "str"},
        cidr_block={"type": "str"},
        zone_id={"type": "str", "aliases": ["zone"]},
        name={"type": "str", "aliases": ["vswitch_name"]},
        description={"type": "str"},
    )
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    VSwitchManager(module).run()


if __name__ == "__main__":
    main()
