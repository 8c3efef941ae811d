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

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import (
    AlicloudModule,
    tags_argument_spec,
    wait_argument_spec,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.resources import create_once
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import compare_tags, tag_list_to_dict
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_cidr, validate_resource_id
from ansible_collections.geomesh.alicloud.plugins.module_utils.vpc import (
    delete_vpc,
    find_vpc,
    get_vpc,
    normalize_vpc,
    set_tags,
)

normalize = normalize_vpc


def managed_view(vpc: dict) -> dict:
    return {k: vpc.get(k) for k in ("vpc_name", "cidr_block", "description", "tags")}


class VpcManager:
    def __init__(self, module: AlicloudModule):
        self.module = module
        self.params = module.params
        self.region = module.region
        self.client = module.client("vpc")

    def lookup(self):
        if self.params["vpc_id"]:
            return get_vpc(self.client, self.region, self.params["vpc_id"])
        if not self.params["name"]:
            self.module.fail_json(msg="one of name or vpc_id is required")
        return find_vpc(self.client, self.region, self.params["name"], self.params["cidr_block"])

    def wait_available(self, vpc_id, grace=None):
        return self.module.waiter(
            "VPC %s available" % vpc_id,
            lambda: get_vpc(self.client, self.region, vpc_id),
            "Status",
            ["Available"] if self.params["wait"] else ["Available", "Pending"],
            pending=["Pending"],
            not_found_grace=grace,
        ).wait()

    def check_create_inputs(self):
        if not self.params["name"] or not self.params["cidr_block"]:
            self.module.fail_json(
                msg="name and cidr_block are required to create a VPC",
                field="cidr_block" if self.params["name"] else "name",
            )

    def create(self):
        desired_tags = self.params["tags"] or {}

        request = {
            "RegionId": self.region,
            "VpcName": self.params["name"],
            "CidrBlock": self.params["cidr_block"],
            "Description": self.params["description"],
            "Tag": [{"Key": k, "Value": str(v)} for k, v in sorted(desired_tags.items())] or None,
        }

        def send(token):
            return self.client.call("CreateVpc", ClientToken=token, **request)["VpcId"]

        vpc = create_once("vpc", request, send, lambda vpc_id: self.wait_available(vpc_id, grace=30))[1]
        return vpc

    def update_attributes(self, vpc: dict) -> bool:
        changes = {}
        if self.params["vpc_id"] and self.params["name"] and self.params["name"] != vpc.get("VpcName"):
            changes["VpcName"] = self.params["name"]
        if self.params["description"] is not None and self.params["description"] != (vpc.get("Description") or ""):
            changes["Description"] = self.params["description"]
        if not changes:
            return False
        if not self.module.check_mode:
            self.client.call("ModifyVpcAttribute", RegionId=self.region, VpcId=vpc["VpcId"], **changes)
        return True

    def update_tags(self, vpc: dict) -> bool:
        to_set, to_unset = compare_tags(
            tag_list_to_dict(vpc.get("Tags")), self.params["tags"], self.params["purge_tags"]
        )
        if not to_set and not to_unset:
            return False
        if not self.module.check_mode:
            set_tags(self.client, self.region, "VPC", vpc["VpcId"], to_set, to_unset)
        return True

    def predicted(self, vpc: dict | None) -> dict:
        view = managed_view(normalize(vpc)) if vpc else {}
        if self.params["name"]:
            view["vpc_name"] = self.params["name"]
        if self.params["cidr_block"] and not vpc:
            view["cidr_block"] = self.params["cidr_block"]
        if self.params["description"] is not None:
            view["description"] = self.params["description"]
        if self.params["tags"] is not None:
            unset = compare_tags(view.get("tags") or {}, self.params["tags"], self.params["purge_tags"])[1]
            view["tags"] = {k: v for k, v in (view.get("tags") or {}).items() if k not in unset}
            view["tags"].update({k: str(v) for k, v in self.params["tags"].items()})
        return view

    def ensure_present(self):
        vpc = self.lookup()
        if vpc and self.params["cidr_block"] and vpc.get("CidrBlock") != self.params["cidr_block"]:
            self.module.fail_json(
                msg="cidr_block cannot change: VPC %s has %s, asked for %s"
                % (vpc["VpcId"], vpc.get("CidrBlock"), self.params["cidr_block"]),
                field="cidr_block",
            )
        if vpc is None and self.params["vpc_id"]:
            self.module.fail_json(
                msg="vpc_id %s was not found in %s" % (self.params["vpc_id"], self.region), field="vpc_id"
            )
        before = managed_view(normalize(vpc)) if vpc else {}
        after = self.predicted(vpc)
        if vpc is None:
            self.check_create_inputs()
            if self.module.check_mode:
                return True, {}, {"before": before, "after": after}
            vpc = self.create()
            changed = True
        else:
            changed = self.update_attributes(vpc)
            changed |= self.update_tags(vpc)
            if changed and self.module.check_mode:
                return True, normalize(vpc), {"before": before, "after": after}
            if self.params["wait"] and vpc.get("Status") != "Available":
                vpc = self.wait_available(vpc["VpcId"])
        if changed:
            vpc = get_vpc(self.client, self.region, vpc["VpcId"]) or vpc
        result = normalize(vpc)
        return changed, result, {"before": before, "after": managed_view(result)}

    def ensure_absent(self):
        vpc = self.lookup()
        if vpc is None:
            return False, {}, {"before": {}, "after": {}}
        diff = {"before": managed_view(normalize(vpc)), "after": {}}
        if self.module.check_mode:
            return True, {}, diff
        delete_vpc(self.client, self.region, vpc["VpcId"], timeout=self.params["wait_timeout"])
        if self.params["wait"]:
            self.module.waiter(
                "VPC %s deleted" % vpc["VpcId"],
                lambda: get_vpc(self.client, self.region, vpc["VpcId"]),
                "Status",
                [self.module.waiter_gone],
            ).wait()
        return True, {}, diff


def main():
    argument_spec = {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "name": {"type": "str", "aliases": ["vpc_name"]},
        "vpc_id": {"type": "str", "aliases": ["id"]},
        "cidr_block": {"type": "str"},
        "description": {"type": "str"},
    }
    argument_spec.update(tags_argument_spec())
    argument_spec.update(wait_argument_spec(300))
    module = AlicloudModule(
        argument_spec=argument_spec,
        required_one_of=[["name", "vpc_id"]],
        supports_check_mode=True,
    )
    if module.params["vpc_id"]:
        module.validate(validate_resource_id, "vpc_id", module.params["vpc_id"], "vpc")
    if module.params["cidr_block"]:
        module.validate(validate_cidr, "cidr_block", module.params["cidr_block"], 8, 28)
    manager = VpcManager(module)
    try:
        if module.params["state"] == "present":
            changed, vpc, diff = manager.ensure_present()
        else:
            changed, vpc, diff = manager.ensure_absent()
    except AlicloudError as err:
        module.fail_json_alicloud(err, "VPC %s" % (module.params["vpc_id"] or module.params["name"]))
    module.exit_json(changed=changed, vpc=vpc, diff=diff)


if __name__ == "__main__":
    main()
