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

from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import Attr, ResourceManager
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, resource_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import cbn


class CenManager(ResourceManager):
    product = "cbn"
    resource = "CEN instance"
    result_key = "cen"
    id_option = "cen_id"
    id_key = "CenId"
    create_action = "CreateCen"
    create_id_path = "CenId"
    token_kind = "cen"
    identity_options = ("name",)
    attributes = (Attr("name", "Name"), Attr("description", "Description"))
    required_to_create = ("name",)
    update_action = "ModifyCenAttribute"
    delete_action = "DeleteCen"
    delete_not_found = cbn.CEN_NOT_FOUND
    deleting_states = ("Deleting",)
    waiter = cbn.WAITERS["cen"]
    tag_resource_type = cbn.TAG_TYPES["cen"]
    # CEN is global: its calls carry no RegionId (the tag calls do, any region)
    regional = False

    def __init__(self, module):
        super().__init__(module, module.settings.get("region") or cbn.DEFAULT_CLIENT_REGION)

    def get(self, resource_id):
        return cbn.get_cen(self.client, resource_id)

    def lookup(self):
        return cbn.find_cen(self.client, self.params["name"])

    def normalize(self, resource):
        return cbn.normalize_cen(resource)

    def check_delete(self, resource):
        routers = [t["TransitRouterId"] for t in list_items(self.client, cbn.TRANSIT_ROUTERS, CenId=resource["CenId"])]
        if routers:
            self.module.fail_json(
                msg="CEN instance %s still has transit routers (%s): delete them first "
                "(geomesh.alicloud.cen_transit_router state=absent)" % (resource["CenId"], ", ".join(routers)),
                transit_router_ids=routers,
            )


def main():
    argument_spec = resource_argument_spec(
        wait_timeout=600,
        name={"type": "str", "aliases": ["cen_name"]},
        cen_id={"type": "str", "aliases": ["id"]},
        description={"type": "str"},
    )
    module = AlicloudModule(argument_spec=argument_spec, required_one_of=[["name", "cen_id"]], supports_check_mode=True)
    CenManager(module).run()


if __name__ == "__main__":
    main()
