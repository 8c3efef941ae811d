#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpc
short_description: Create, update or delete an Alibaba Cloud VPC
version_added: 0.1.0
description:
  - Manages a VPC, identified by O(vpc_id) or by O(name) (plus O(cidr_block) when several VPCs share a name).
  - Creation sends a deterministic C(ClientToken), so a retried or interrupted run never makes a second VPC.
  - Deletion retries while resources in the VPC are still going away (C(DependencyViolation*)) or the VPC is busy,
    until O(wait_timeout) passes, then waits until the VPC is gone.
options:
  state:
    description: Whether the VPC should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The VPC name (C(VpcName)). Identifies the VPC when O(vpc_id) is not given.
      - Required to create a VPC.
    type: str
    aliases: [vpc_name]
  vpc_id:
    description: The ID of an existing VPC. When given, O(name) and O(description) are updated on it.
    type: str
    aliases: [id]
  cidr_block:
    description:
      - The VPC's IPv4 CIDR block with a prefix length from /8 to /28, for example V(20.0.0.0/8).
      - Required to create a VPC; cannot be changed.
    type: str
  description:
    description: The VPC description.
    type: str
  wait_timeout:
    description: How many seconds to wait for V(Available) or for the deletion to finish.
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
- name: A VPC for the Hangzhou cluster
  geomesh.alicloud.vpc:
    region: cn-hangzhou
    name: vpc-hangzhou
    cidr_block: 20.0.0.0/8
    tags:
      project: geomesh
  register: vpc

- name: Delete it again
  geomesh.alicloud.vpc:
    region: cn-hangzhou
    vpc_id: "{{ vpc.vpc.vpc_id }}"
    state: absent
"""

RETURN = r"""
vpc:
  description: The VPC as read back after the change; empty when O(state=absent).
  returned: always
  type: dict
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

from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import FIXED, Attr, ResourceManager
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, resource_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import vpc
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_cidr, validate_resource_id


class VpcManager(ResourceManager):
    product = "vpc"
    resource = "VPC"
    result_key = "vpc"
    id_option = "vpc_id"
    id_key = "VpcId"
    create_action = "CreateVpc"
    create_id_path = "VpcId"
    token_kind = "vpc"
    identity_options = ("name", "cidr_block")
    attributes = (
        Attr("name", "VpcName", key="vpc_name"),
        Attr("cidr_block", "CidrBlock", FIXED),
        Attr("description", "Description"),
    )
    required_to_create = ("name", "cidr_block")
    update_action = "ModifyVpcAttribute"
    delete_action = "DeleteVpc"
    delete_not_found = vpc.VPC_NOT_FOUND
    waiter = vpc.WAITERS["vpc"]
    tag_resource_type = vpc.TAG_TYPES["vpc"]

    def get(self, resource_id):
        return vpc.get_vpc(self.client, self.region, resource_id)

    def lookup(self):
        return vpc.find_vpc(self.client, self.region, self.params["name"], self.params["cidr_block"])

    def normalize(self, resource):
        return vpc.normalize_vpc(resource)

    def check_options(self):
        if self.params["vpc_id"]:
            self.module.validate(validate_resource_id, "vpc_id", self.params["vpc_id"], "vpc")
        if self.params["cidr_block"]:
            self.module.validate(validate_cidr, "cidr_block", self.params["cidr_block"], 8, 28)


def main():
    argument_spec = resource_argument_spec(
        wait_timeout=300,
        name={"type": "str", "aliases": ["vpc_name"]},
        vpc_id={"type": "str", "aliases": ["id"]},
        cidr_block={"type": "str"},
        description={"type": "str"},
    )
    module = AlicloudModule(argument_spec=argument_spec, required_one_of=[["name", "vpc_id"]], supports_check_mode=True)
    VpcManager(module).run()


if __name__ == "__main__":
    main()
