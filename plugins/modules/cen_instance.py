#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_instance
short_description: Create, update or delete an Alibaba Cloud CEN instance
version_added: 0.1.0
description:
  - Manages a Cloud Enterprise Network (CEN) instance, identified by O(cen_id) or by O(name).
  - Creation sends a deterministic C(ClientToken), so a retried or interrupted run never makes a second instance.
  - CEN is a global service. O(region) is only the region of the API client and of the tag calls; it defaults to
    V(cn-hangzhou).
  - A CEN instance cannot be deleted while it has transit routers; the module fails naming them.
options:
  state:
    description: Whether the CEN instance should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The CEN instance name. Identifies the instance when O(cen_id) is not given.
      - Required to create an instance.
    type: str
    aliases: [cen_name]
  cen_id:
    description: The ID of an existing CEN instance. When given, O(name) and O(description) are updated on it.
    type: str
    aliases: [id]
  description:
    description: The description of the CEN instance.
    type: str
  wait_timeout:
    description: How many seconds to wait for V(Active) or for the deletion to finish.
    type: int
    default: 600
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.tags
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The CEN instance that joins the regions
  geomesh.alicloud.cen_instance:
    name: cen-geomesh
    description: DR service mesh backbone
    tags:
      project: geomesh
  register: cen

- name: Delete it (after its transit routers)
  geomesh.alicloud.cen_instance:
    cen_id: "{{ cen.cen.cen_id }}"
    state: absent
"""

RETURN = r"""
cen:
  description: The CEN instance as read back after the change; empty when O(state=absent).
  returned: always
  type: dict
  contains:
    cen_id:
      description: The CEN instance ID.
      type: str
      sample: cen-7qthudw0ll6jmc****
    name:
      description: The name.
      type: str
    description:
      description: The description.
      type: str
    status:
      description: V(Creating), V(Active) or V(Deleting).
      type: str
    protection_level:
      description: The level of CIDR block overlapping, V(REDUCED).
      type: str
    cen_bandwidth_package_ids:
      description: IDs of the bandwidth plans associated with the instance.
      type: list
      elements: str
    resource_group_id:
      description: The resource group.
      type: str
    creation_time:
      description: When the instance was created.
      type: str
    tags:
      description: The tags as a dictionary.
      type: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.cen import (
    CEN_NOT_FOUND,
    DEFAULT_CLIENT_REGION,
    TAG_TYPE_CEN,
    cbn_client,
    find_cen,
    get_cen,
    list_transit_routers,
    normalize_cen,
    predict_tags,
    tag_params,
    update_resource_tags,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import (
    AlicloudModule,
    tags_argument_spec,
    wait_argument_spec,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.resources import create_once

DELETE_RETRY_CODES = ("InvalidOperation.CenInstanceStatus", "Operation.Blocking")
DELETE_DONE_CODES = CEN_NOT_FOUND


def managed_view(cen: dict) -> dict:
    return {k: cen.get(k) for k in ("name", "description", "tags")}


class CenManager:
    def __init__(self, module: AlicloudModule):
        self.module = module
        self.params = module.params
        self.region = module.settings.get("region") or DEFAULT_CLIENT_REGION
        self.client = cbn_client(module)

    def lookup(self):
        if self.params["cen_id"]:
            return get_cen(self.client, self.params["cen_id"])
        return find_cen(self.client, self.params["name"])

    def wait_active(self, cen_id, grace=None):
        return self.module.waiter(
            "CEN %s active" % cen_id,
            lambda: get_cen(self.client, cen_id),
            "Status",
            ["Active"] if self.params["wait"] else ["Active", "Creating"],
            failure=["Deleting"],
            not_found_grace=grace,
        ).wait()

    def create(self):
        def send(token):
            body = self.client.call(
                "CreateCen",
                Name=self.params["name"],
                Description=self.params["description"],
                Tag=tag_params(self.params["tags"]),
                ClientToken=token,
            )
            return body["CenId"]

        return create_once("cen", {"name": self.params["name"]}, send, lambda i: self.wait_active(i, grace=30))[1]

    def update_attributes(self, cen: dict) -> bool:
        changes = {}
        if self.params["cen_id"] and self.params["name"] and self.params["name"] != cen.get("Name"):
            changes["Name"] = self.params["name"]
        if self.params["description"] is not None and self.params["description"] != (cen.get("Description") or ""):
            changes["Description"] = self.params["description"]
        if not changes:
            return False
        if not self.module.check_mode:
            self.client.call("ModifyCenAttribute", CenId=cen["CenId"], **changes)
        return True

    def update_tags(self, cen: dict) -> bool:
        return update_resource_tags(self.module, self.client, self.region, TAG_TYPE_CEN, cen, cen["CenId"])

    def predicted(self, cen: dict | None) -> dict:
        view = managed_view(normalize_cen(cen)) if cen else {"name": None, "description": None, "tags": {}}
        if self.params["name"]:
            view["name"] = self.params["name"]
        if self.params["description"] is not None:
            view["description"] = self.params["description"]
        view["tags"] = predict_tags(view.get("tags") or {}, self.params["tags"], self.params["purge_tags"])
        return view

    def ensure_present(self):
        cen = self.lookup()
        if cen is None and self.params["cen_id"]:
            self.module.fail_json(msg="cen_id %s was not found" % self.params["cen_id"])
        if cen is None and not self.params["name"]:
            self.module.fail_json(msg="name is required to create a CEN instance")
        before = managed_view(normalize_cen(cen)) if cen else {}
        after = self.predicted(cen)
        if cen is None:
            if self.module.check_mode:
                return True, {}, {"before": before, "after": after}
            cen = self.create()
            changed = True
        else:
            if cen.get("Status") == "Creating" and not self.module.check_mode:
                cen = self.wait_active(cen["CenId"])
            changed = self.update_attributes(cen)
            changed |= self.update_tags(cen)
            if changed and self.module.check_mode:
                return True, normalize_cen(cen), {"before": before, "after": after}
        if changed:
            cen = get_cen(self.client, cen["CenId"]) or cen
        result = normalize_cen(cen)
        return changed, result, {"before": before, "after": managed_view(result)}

    def ensure_absent(self):
        cen = self.lookup()
        if cen is None:
            return False, {}, {"before": {}, "after": {}}
        cen_id = cen["CenId"]
        diff = {"before": managed_view(normalize_cen(cen)), "after": {}}
        routers = [t["TransitRouterId"] for t in list_transit_routers(self.client, CenId=cen_id)]
        if routers:
            self.module.fail_json(
                msg="CEN instance %s still has transit routers (%s): delete them first "
                "(geomesh.alicloud.cen_transit_router state=absent)" % (cen_id, ", ".join(routers)),
                transit_router_ids=routers,
            )
        if self.module.check_mode:
            return True, {}, diff
        if cen.get("Status") != "Deleting":
            try:
                self.client.call("DeleteCen", CenId=cen_id, extra_retry_codes=DELETE_RETRY_CODES)
            except AlicloudError as err:
                if not (err.code in DELETE_DONE_CODES or err.is_not_found):
                    raise
        if self.params["wait"]:
            self.module.waiter(
                "CEN %s deleted" % cen_id,
                lambda: get_cen(self.client, cen_id),
                "Status",
                [self.module.waiter_gone],
            ).wait()
        return True, {}, diff


def main():
    argument_spec = {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "name": {"type": "str", "aliases": ["cen_name"]},
        "cen_id": {"type": "str", "aliases": ["id"]},
        "description": {"type": "str"},
    }
    argument_spec.update(tags_argument_spec())
    argument_spec.update(wait_argument_spec(600))
    module = AlicloudModule(
        argument_spec=argument_spec,
        required_one_of=[["name", "cen_id"]],
        supports_check_mode=True,
    )
    manager = CenManager(module)
    try:
        if module.params["state"] == "present":
            changed, cen, diff = manager.ensure_present()
        else:
            changed, cen, diff = manager.ensure_absent()
    except AlicloudError as err:
        module.fail_json_alicloud(err, "CEN instance %s" % (module.params["cen_id"] or module.params["name"]))
    module.exit_json(changed=changed, cen=cen, diff=diff)


if __name__ == "__main__":
    main()
