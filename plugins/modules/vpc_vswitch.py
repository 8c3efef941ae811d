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

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import (
    AlicloudModule,
    tags_argument_spec,
    wait_argument_spec,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.resources import create_once
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import compare_tags
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_cidr, validate_resource_id
from ansible_collections.geomesh.alicloud.plugins.module_utils.vpc import (
    delete_vswitch,
    find_vswitch,
    get_vpc,
    get_vswitch,
    normalize_vswitch,
    set_tags,
)

MANAGED = ("vswitch_name", "vpc_id", "zone_id", "cidr_block", "description", "tags")


def managed_view(vswitch: dict) -> dict:
    return {k: vswitch.get(k) for k in MANAGED}


class VSwitchManager:
    def __init__(self, module: AlicloudModule):
        self.module = module
        self.params = module.params
        self.region = module.region
        self.client = module.client("vpc")

    def lookup(self):
        if self.params["vswitch_id"]:
            return get_vswitch(self.client, self.region, self.params["vswitch_id"])
        return find_vswitch(self.client, self.region, self.params["vpc_id"], self.params["cidr_block"])

    def check_fixed_fields(self, vswitch: dict):
        """vpc_id, cidr_block and zone_id cannot change: a mismatch is an error, not an update."""
        for field, key in (("vpc_id", "VpcId"), ("cidr_block", "CidrBlock"), ("zone_id", "ZoneId")):
            wanted = self.params[field]
            if wanted and vswitch.get(key) and wanted != vswitch.get(key):
                self.module.fail_json(
                    msg="%s cannot change: vSwitch %s has %s, asked for %s"
                    % (field, vswitch["VSwitchId"], vswitch.get(key), wanted),
                    field=field,
                )

    def wait_available(self, vswitch_id, grace=None):
        return self.module.waiter(
            "vSwitch %s available" % vswitch_id,
            lambda: get_vswitch(self.client, self.region, vswitch_id),
            "Status",
            ["Available"] if self.params["wait"] else ["Available", "Pending"],
            pending=["Pending"],
            not_found_grace=grace,
        ).wait()

    def check_create_inputs(self):
        missing = [f for f in ("vpc_id", "cidr_block", "zone_id") if not self.params[f]]
        if missing:
            self.module.fail_json(
                msg="%s %s required to create a vSwitch"
                % (" and ".join(missing), "is" if len(missing) == 1 else "are"),
                field=missing[0],
            )
        vpc = get_vpc(self.client, self.region, self.params["vpc_id"])
        if vpc is None:
            self.module.fail_json(
                msg="vpc_id %s was not found in %s" % (self.params["vpc_id"], self.region), field="vpc_id"
            )
        if vpc.get("CidrBlock"):
            inner = ipaddress.IPv4Network(self.params["cidr_block"])
            outer = ipaddress.IPv4Network(vpc["CidrBlock"], strict=False)
            if not inner.subnet_of(outer):
                self.module.fail_json(
                    msg="Invalid cidr_block: %s is not inside the CIDR block %s of VPC %s"
                    % (self.params["cidr_block"], vpc["CidrBlock"], vpc["VpcId"]),
                    field="cidr_block",
                )

    def create(self):
        desired_tags = self.params["tags"] or {}
        request = {
            "RegionId": self.region,
            "VpcId": self.params["vpc_id"],
            "ZoneId": self.params["zone_id"],
            "CidrBlock": self.params["cidr_block"],
            "VSwitchName": self.params["name"],
            "Description": self.params["description"],
            "Tag": [{"Key": k, "Value": str(v)} for k, v in sorted(desired_tags.items())] or None,
        }

        def send(token):
            return self.client.call("CreateVSwitch", ClientToken=token, **request)["VSwitchId"]

        # the whole request is the identity: a create with other parameters gets another token
        return create_once("vswitch", request, send, lambda vswitch_id: self.wait_available(vswitch_id, grace=30))[1]

    def update_attributes(self, vswitch: dict) -> bool:
        changes = {}
        if self.params["name"] is not None and self.params["name"] != (vswitch.get("VSwitchName") or ""):
            changes["VSwitchName"] = self.params["name"]
        if self.params["description"] is not None and self.params["description"] != (vswitch.get("Description") or ""):
            changes["Description"] = self.params["description"]
        if not changes:
            return False
        if not self.module.check_mode:
            self.client.call("ModifyVSwitchAttribute", RegionId=self.region, VSwitchId=vswitch["VSwitchId"], **changes)
        return True

    def update_tags(self, vswitch: dict) -> bool:
        to_set, to_unset = compare_tags(
            normalize_vswitch(vswitch)["tags"], self.params["tags"], self.params["purge_tags"]
        )
        if not to_set and not to_unset:
            return False
        if not self.module.check_mode:
            set_tags(self.client, self.region, "VSWITCH", vswitch["VSwitchId"], to_set, to_unset)
        return True

    def predicted(self, vswitch: dict | None) -> dict:
        view = managed_view(normalize_vswitch(vswitch)) if vswitch else {}
        if not vswitch:
            view.update(
                {
                    "vpc_id": self.params["vpc_id"],
                    "cidr_block": self.params["cidr_block"],
                    "zone_id": self.params["zone_id"],
                    "vswitch_name": self.params["name"],
                    "description": self.params["description"],
                    "tags": {},
                }
            )
        if self.params["name"] is not None:
            view["vswitch_name"] = self.params["name"]
        if self.params["description"] is not None:
            view["description"] = self.params["description"]
        if self.params["tags"] is not None:
            current = view.get("tags") or {}
            dummy, unset = compare_tags(current, self.params["tags"], self.params["purge_tags"])
            view["tags"] = {k: v for k, v in current.items() if k not in unset}
            view["tags"].update({str(k): "" if v is None else str(v) for k, v in self.params["tags"].items()})
        return view

    def ensure_present(self):
        vswitch = self.lookup()
        if vswitch is None and self.params["vswitch_id"]:
            self.module.fail_json(
                msg="vswitch_id %s was not found in %s" % (self.params["vswitch_id"], self.region), field="vswitch_id"
            )
        before = managed_view(normalize_vswitch(vswitch)) if vswitch else {}
        after = self.predicted(vswitch)
        if vswitch is None:
            self.check_create_inputs()
            if self.module.check_mode:
                return True, {}, {"before": before, "after": after}
            vswitch = self.create()
            changed = True
        else:
            self.check_fixed_fields(vswitch)
            changed = self.update_attributes(vswitch)
            changed |= self.update_tags(vswitch)
            if changed and self.module.check_mode:
                return True, normalize_vswitch(vswitch), {"before": before, "after": after}
            if self.params["wait"] and vswitch.get("Status") != "Available":
                vswitch = self.wait_available(vswitch["VSwitchId"])
        if changed:
            vswitch = get_vswitch(self.client, self.region, vswitch["VSwitchId"]) or vswitch
        result = normalize_vswitch(vswitch)
        return changed, result, {"before": before, "after": managed_view(result)}

    def ensure_absent(self):
        vswitch = self.lookup()
        if vswitch is None:
            return False, {}, {"before": {}, "after": {}}
        self.check_fixed_fields(vswitch)
        diff = {"before": managed_view(normalize_vswitch(vswitch)), "after": {}}
        if self.module.check_mode:
            return True, {}, diff
        vswitch_id = vswitch["VSwitchId"]
        delete_vswitch(self.client, self.region, vswitch_id, timeout=self.params["wait_timeout"])
        if self.params["wait"]:
            self.module.waiter(
                "vSwitch %s deleted" % vswitch_id,
                lambda: get_vswitch(self.client, self.region, vswitch_id),
                "Status",
                [self.module.waiter_gone],
            ).wait()
        return True, {}, diff


def validate_inputs(module: AlicloudModule):
    params = module.params
    if params["vswitch_id"]:
        module.validate(validate_resource_id, "vswitch_id", params["vswitch_id"], "vsw")
    elif not (params["vpc_id"] and params["cidr_block"]):
        module.fail_json(
            msg="vswitch_id, or vpc_id and cidr_block, are required to identify the vSwitch", field="vpc_id"
        )
    if params["vpc_id"]:
        module.validate(validate_resource_id, "vpc_id", params["vpc_id"], "vpc")
    if params["cidr_block"]:
        module.validate(validate_cidr, "cidr_block", params["cidr_block"], 16, 29)
    if params["zone_id"] and not params["zone_id"].startswith(module.region):
        module.fail_json(
            msg="Invalid zone_id: %s is not a zone of region %s" % (params["zone_id"], module.region), field="zone_id"
        )
    if params["wait_timeout"] is not None and params["wait_timeout"] < 0:
        module.fail_json(msg="Invalid wait_timeout: must not be negative", field="wait_timeout")


def main():
    argument_spec = {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "vswitch_id": {"type": "str", "aliases": ["id"]},
        "vpc_id": {"type": "str"},
        "cidr_block": {"type": "str"},
        "zone_id": {"type": "str", "aliases": ["zone"]},
        "name": {"type": "str", "aliases": ["vswitch_name"]},
        "description": {"type": "str"},
    }
    argument_spec.update(tags_argument_spec())
    argument_spec.update(wait_argument_spec(300))
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_inputs(module)
    manager = VSwitchManager(module)
    try:
        if module.params["state"] == "present":
            changed, vswitch, diff = manager.ensure_present()
        else:
            changed, vswitch, diff = manager.ensure_absent()
    except AlicloudError as err:
        module.fail_json_alicloud(
            err,
            "vSwitch %s"
            % (module.params["vswitch_id"] or "%s/%s" % (module.params["vpc_id"], module.params["cidr_block"])),
        )
    module.exit_json(changed=changed, vswitch=vswitch, diff=diff)


if __name__ == "__main__":
    main()
