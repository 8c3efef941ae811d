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

from ansible_collections.geomesh.alicloud.plugins.module_utils.cen import (
    TAG_TYPE_TR,
    TR_NOT_FOUND,
    cbn_client,
    find_transit_router,
    get_transit_router,
    list_peer_attachments,
    list_vpc_attachments,
    normalize_transit_router,
    predict_tags,
    system_route_table,
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
from ansible_collections.geomesh.alicloud.plugins.module_utils.tokens import client_token

CREATE_RETRY_CODES = ("Operation.Blocking", "IncorrectStatus.Status")
DELETE_RETRY_CODES = ("Operation.Blocking", "IncorrectStatus.Status", "IncorrectStatus.CenInstance")
GONE_STATES = ("Detaching", "Detached", "Deleting")


def managed_view(tr: dict) -> dict:
    return {k: tr.get(k) for k in ("transit_router_name", "transit_router_description", "tags")}


class TransitRouterManager:
    def __init__(self, module: AlicloudModule):
        self.module = module
        self.params = module.params
        self.cen_id = self.params["cen_id"]
        self.region = module.region
        self.client = cbn_client(module)

    def get(self, tr_id):
        return get_transit_router(self.client, tr_id, self.cen_id, self.region)

    def lookup(self):
        if self.params["transit_router_id"]:
            return self.get(self.params["transit_router_id"])
        return find_transit_router(self.client, self.cen_id, self.region)

    def wait_active(self, tr_id, grace=None):
        return self.module.waiter(
            "transit router %s active" % tr_id,
            lambda: self.get(tr_id),
            "Status",
            ["Active"] if self.params["wait"] else ["Active", "Creating"],
            failure=["Deleting"],
            not_found_grace=grace,
        ).wait()

    def create(self):
        def send(token):
            body = self.client.call(
                "CreateTransitRouter",
                CenId=self.cen_id,
                RegionId=self.region,
                TransitRouterName=self.params["name"],
                TransitRouterDescription=self.params["description"],
                Tag=tag_params(self.params["tags"]),
                ClientToken=token,
                extra_retry_codes=CREATE_RETRY_CODES,
            )
            return body["TransitRouterId"]

        identity = {"cen_id": self.cen_id, "region": self.region}
        return create_once("transit-router", identity, send, lambda i: self.wait_active(i, grace=30))[1]

    def update_attributes(self, tr: dict) -> bool:
        changes = {}
        if self.params["name"] is not None and self.params["name"] != (tr.get("TransitRouterName") or ""):
            changes["TransitRouterName"] = self.params["name"]
        if self.params["description"] is not None and self.params["description"] != (
            tr.get("TransitRouterDescription") or ""
        ):
            changes["TransitRouterDescription"] = self.params["description"]
        if not changes:
            return False
        if not self.module.check_mode:
            self.client.call(
                "UpdateTransitRouter", TransitRouterId=tr["TransitRouterId"], RegionId=self.region, **changes
            )
        return True

    def update_tags(self, tr: dict) -> bool:
        return update_resource_tags(self.module, self.client, self.region, TAG_TYPE_TR, tr, tr["TransitRouterId"])

    def predicted(self, tr: dict | None) -> dict:
        view = managed_view(normalize_transit_router(tr)) if tr else {"tags": {}}
        if self.params["name"] is not None:
            view["transit_router_name"] = self.params["name"]
        if self.params["description"] is not None:
            view["transit_router_description"] = self.params["description"]
        view["tags"] = predict_tags(view.get("tags") or {}, self.params["tags"], self.params["purge_tags"])
        return view

    def result(self, tr):
        return normalize_transit_router(tr, system_route_table(self.client, tr["TransitRouterId"]))

    def ensure_present(self):
        tr = self.lookup()
        if tr is None and self.params["transit_router_id"]:
            self.module.fail_json(
                msg="transit_router_id %s was not found in CEN %s, region %s"
                % (self.params["transit_router_id"], self.cen_id, self.region)
            )
        before = managed_view(normalize_transit_router(tr)) if tr else {}
        after = self.predicted(tr)
        if tr is None:
            if self.module.check_mode:
                return True, {}, {"before": before, "after": after}
            tr = self.create()
            changed = True
        else:
            if tr.get("Status") != "Active" and not self.module.check_mode:
                tr = self.wait_active(tr["TransitRouterId"])
            changed = self.update_attributes(tr)
            changed |= self.update_tags(tr)
            if changed and self.module.check_mode:
                return True, self.result(tr), {"before": before, "after": after}
        if changed:
            tr = self.get(tr["TransitRouterId"]) or tr
            if self.params["wait"] and tr.get("Status") != "Active":
                tr = self.wait_active(tr["TransitRouterId"])
        result = self.result(tr)
        return changed, result, {"before": before, "after": managed_view(result)}

    def blocking_attachments(self, tr_id) -> list:
        vpc = [
            a
            for a in list_vpc_attachments(self.client, CenId=self.cen_id, TransitRouterId=tr_id, RegionId=self.region)
            if a.get("TransitRouterId", tr_id) == tr_id
        ]
        peer = [a for a in list_peer_attachments(self.client, CenId=self.cen_id) if tr_id in peer_sides(a)]
        return [a["TransitRouterAttachmentId"] for a in vpc + peer if a.get("Status") not in GONE_STATES]

    def ensure_absent(self):
        tr = self.lookup()
        if tr is None:
            return False, {}, {"before": {}, "after": {}}
        tr_id = tr["TransitRouterId"]
        diff = {"before": managed_view(normalize_transit_router(tr)), "after": {}}
        blockers = sorted(set(self.blocking_attachments(tr_id)))
        if blockers:
            self.module.fail_json(
                msg="transit router %s still has attachments (%s): delete them first "
                "(cen_transit_router_vpc_attachment / cen_transit_router_peer_attachment state=absent)"
                % (tr_id, ", ".join(blockers)),
                attachment_ids=blockers,
            )
        if self.module.check_mode:
            return True, {}, diff
        if tr.get("Status") != "Deleting":
            try:
                self.client.call(
                    "DeleteTransitRouter",
                    TransitRouterId=tr_id,
                    ClientToken=client_token("delete-transit-router", tr_id),
                    extra_retry_codes=DELETE_RETRY_CODES,
                )
            except AlicloudError as err:
                if not (err.code in TR_NOT_FOUND or err.is_not_found):
                    raise
        if self.params["wait"]:
            self.module.waiter(
                "transit router %s deleted" % tr_id, lambda: self.get(tr_id), "Status", [self.module.waiter_gone]
            ).wait()
        return True, {}, diff


def peer_sides(attachment: dict) -> tuple:
    return attachment.get("TransitRouterId"), attachment.get("PeerTransitRouterId")


def main():
    argument_spec = {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "cen_id": {"type": "str", "required": True},
        "transit_router_id": {"type": "str", "aliases": ["id"]},
        "name": {"type": "str", "aliases": ["transit_router_name"]},
        "description": {"type": "str"},
    }
    argument_spec.update(tags_argument_spec())
    argument_spec.update(wait_argument_spec(300))
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    manager = TransitRouterManager(module)
    try:
        if module.params["state"] == "present":
            changed, tr, diff = manager.ensure_present()
        else:
            changed, tr, diff = manager.ensure_absent()
    except AlicloudError as err:
        module.fail_json_alicloud(
            err,
            "transit router %s"
            % (module.params["transit_router_id"] or "of %s in %s" % (manager.cen_id, manager.region)),
        )
    module.exit_json(changed=changed, transit_router=tr, diff=diff)


if __name__ == "__main__":
    main()
