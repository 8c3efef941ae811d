#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_transit_router
short_description: Create, update or delete an Enterprise Edition transit router of a CEN instance
version_added: 0.1.0
description:
  - Manages the transit router of a CEN instance in one region. There is at most one per CEN instance and region,
    so the router is identified by O(cen_id) and O(region) (or by O(transit_router_id)) and looked up before
    anything is created.
  - Creation sends a deterministic C(ClientToken), so a retried or interrupted run never makes a second router.
  - Returns the ID of the router's system route table, which route table bindings default to.
  - A transit router cannot be deleted while it has VPC or inter-region (peer) attachments; the module fails
    naming them.
options:
  state:
    description: Whether the transit router should exist.
    type: str
    choices: [present, absent]
    default: present
  cen_id:
    description: The CEN instance the transit router belongs to.
    type: str
    required: true
  region:
    description:
      - The region of the transit router, for example V(cn-hangzhou).
      - If not set, taken from E(ALIBABA_CLOUD_REGION_ID), then E(ALICLOUD_REGION), then E(ALICLOUD_REGION_ID).
    type: str
    aliases: [alicloud_region, region_id]
  transit_router_id:
    description: The ID of an existing transit router. When given, it must belong to O(cen_id) and O(region).
    type: str
    aliases: [id]
  name:
    description: The transit router name (C(TransitRouterName)).
    type: str
    aliases: [transit_router_name]
  description:
    description: The transit router description (C(TransitRouterDescription)).
    type: str
  wait_timeout:
    description: How many seconds to wait for V(Active) or for the deletion to finish.
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
- name: A transit router in Hangzhou
  geomesh.alicloud.cen_transit_router:
    cen_id: "{{ cen.cen.cen_id }}"
    region: cn-hangzhou
    name: tr-hangzhou
  register: tr

- name: Its system route table
  ansible.builtin.debug:
    msg: "{{ tr.transit_router.system_route_table_id }}"

- name: Delete it (after its attachments)
  geomesh.alicloud.cen_transit_router:
    cen_id: "{{ cen.cen.cen_id }}"
    region: cn-hangzhou
    state: absent
"""

RETURN = r"""
transit_router:
  description: The transit router as read back after the change; empty when O(state=absent).
  returned: always
  type: dict
  contains:
    transit_router_id:
      description: The transit router ID.
      type: str
      sample: tr-bp1su1ytdxtataupl****
    transit_router_name:
      description: The name.
      type: str
    transit_router_description:
      description: The description.
      type: str
    cen_id:
      description: The CEN instance.
      type: str
    region_id:
      description: The region.
      type: str
    status:
      description: V(Creating), V(Active), V(Modifying), V(Deleting) or V(Upgrading).
      type: str
    type:
      description: The edition, V(Enterprise) or V(Basic).
      type: str
    support_multicast:
      description: Whether multicast is enabled.
      type: bool
    creation_time:
      description: When the router was created.
      type: str
    system_route_table_id:
      description: The ID of the router's system (default) route table.
      type: str
      sample: vtb-bp1dudbh2d5na6b50****
    tags:
      description: The tags as a dictionary.
      type: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import CREATE, Attr, ResourceManager
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, resource_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import cbn

GONE_STATES = ("Detaching", "Detached", "Deleting")


class TransitRouterManager(ResourceManager):
    product = "cbn"
    resource = "transit router"
    result_key = "transit_router"
    id_option = "transit_router_id"
    id_key = "TransitRouterId"
    create_action = "CreateTransitRouter"
    create_id_path = "TransitRouterId"
    token_kind = "transit-router"
    identity_options = ("cen_id",)
    attributes = (
        Attr("name", "TransitRouterName", key="transit_router_name"),
        Attr("description", "TransitRouterDescription", key="transit_router_description"),
        Attr("cen_id", "CenId", CREATE),
    )
    update_action = "UpdateTransitRouter"
    delete_action = "DeleteTransitRouter"
    delete_token = True
    delete_not_found = cbn.TR_NOT_FOUND
    deleting_states = ("Deleting",)
    waiter = cbn.WAITERS["transit_router"]
    tag_resource_type = cbn.TAG_TYPES["transit_router"]

    def get(self, resource_id):
        return cbn.get_transit_router(self.client, resource_id, self.params["cen_id"], self.region)

    def lookup(self):
        return cbn.find_transit_router(self.client, self.params["cen_id"], self.region)

    def normalize(self, resource):
        return cbn.normalize_transit_router(resource)

    def result(self, resource):
        return cbn.normalize_transit_router(resource, cbn.system_route_table(self.client, resource["TransitRouterId"]))

    def describe(self):
        return "of %s in %s" % (self.params["cen_id"], self.region)

    def check_delete(self, resource):
        tr_id, cen_id = resource["TransitRouterId"], self.params["cen_id"]
        vpc = list_items(self.client, cbn.VPC_ATTACHMENTS, CenId=cen_id, TransitRouterId=tr_id, RegionId=self.region)
        vpc = [a for a in vpc if a.get("TransitRouterId", tr_id) == tr_id]
        peer = list_items(self.client, cbn.PEER_ATTACHMENTS, CenId=cen_id)
        peer = [a for a in peer if tr_id in (a.get("TransitRouterId"), a.get("PeerTransitRouterId"))]
        blockers = sorted({a["TransitRouterAttachmentId"] for a in vpc + peer if a.get("Status") not in GONE_STATES})
        if blockers:
            self.module.fail_json(
                msg="transit router %s still has attachments (%s): delete them first "
                "(cen_transit_router_vpc_attachment / cen_transit_router_peer_attachment state=absent)"
                % (tr_id, ", ".join(blockers)),
                attachment_ids=blockers,
            )


def main():
    argument_spec = resource_argument_spec(
        wait_timeout=300,
        cen_id={"type": "str", "required": True},
        transit_router_id={"type": "str", "aliases": ["id"]},
        name={"type": "str", "aliases": ["transit_router_name"]},
        description={"type": "str"},
    )
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    TransitRouterManager(module).run()


if __name__ == "__main__":
    main()
