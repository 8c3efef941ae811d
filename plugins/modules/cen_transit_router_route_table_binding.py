#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_transit_router_route_table_binding
short_description: Associate a transit router attachment with a route table and enable route learning
version_added: 0.1.0
description:
  - Manages the two bindings between a transit router attachment (VPC or inter-region connection) and a
    transit router route table, each on its own - the association (forwarding,
    C(AssociateTransitRouterAttachmentWithRouteTable)) and the propagation (route learning,
    C(EnableTransitRouterRouteTablePropagation)).
  - Attachments made through the API have neither; routes are only learned across VPCs and regions once each
    VPC attachment is associated with and propagates to its router's route table, and the inter-region
    connection is associated with and propagates to the route tables of both routers.
  - The route table is O(transit_router_route_table_id), or the system route table of O(transit_router_id).
  - An attachment can be associated with only one route table of a transit router; the module fails naming the
    other route table when the attachment is associated elsewhere.
  - O(association) and O(propagation) each say whether that binding should exist; the module has no C(state)
    option (in 0.1.0 it had one, and with V(absent) a V(true) flag meant "remove it").
  - The current bindings are listed first, so a run that changes nothing makes no write call.
options:
  transit_router_attachment_id:
    description: The attachment (C(tr-attach-...)), of a VPC or of an inter-region connection.
    type: str
    required: true
    aliases: [attachment_id]
  transit_router_id:
    description:
      - The transit router whose system route table is used when O(transit_router_route_table_id) is not given.
    type: str
  transit_router_route_table_id:
    description: The route table (C(vtb-...)).
    type: str
    aliases: [route_table_id]
  association:
    description:
      - Whether the attachment is associated with the route table (forwarding): V(present) associates it,
        V(absent) dissociates it.
      - Replaces the boolean form of release 0.1.0 (V(true) / V(false), whose meaning flipped with the
        removed C(state) option); a boolean is refused.
    type: str
    choices: [present, absent]
    default: present
  propagation:
    description:
      - Whether the attachment propagates its routes to the route table (route learning): V(present) enables
        it, V(absent) disables it.
      - Replaces the boolean form of release 0.1.0; a boolean is refused.
    type: str
    choices: [present, absent]
    default: present
  wait_timeout:
    description: How many seconds to wait for V(Active) or for a binding to be gone.
    type: int
    default: 300
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: Forward and learn the Hangzhou VPC routes on the Hangzhou router's system route table
  geomesh.alicloud.cen_transit_router_route_table_binding:
    transit_router_attachment_id: "{{ vpc_attachment.vpc_attachment.transit_router_attachment_id }}"
    transit_router_id: "{{ tr_hangzhou.transit_router.transit_router_id }}"

- name: The inter-region connection on both routers
  geomesh.alicloud.cen_transit_router_route_table_binding:
    transit_router_attachment_id: "{{ peer.peer_attachment.transit_router_attachment_id }}"
    transit_router_id: "{{ item }}"
  loop:
    - "{{ tr_hangzhou.transit_router.transit_router_id }}"
    - "{{ tr_shanghai.transit_router.transit_router_id }}"

- name: Stop route learning, keep forwarding
  geomesh.alicloud.cen_transit_router_route_table_binding:
    transit_router_attachment_id: "{{ vpc_attachment.vpc_attachment.transit_router_attachment_id }}"
    transit_router_route_table_id: vtb-bp1dudbh2d5na6b50****
    propagation: absent

- name: Remove both bindings
  geomesh.alicloud.cen_transit_router_route_table_binding:
    transit_router_attachment_id: "{{ vpc_attachment.vpc_attachment.transit_router_attachment_id }}"
    transit_router_route_table_id: vtb-bp1dudbh2d5na6b50****
    association: absent
    propagation: absent
"""

RETURN = r"""
binding:
  description: The bindings as read back after the change.
  returned: always
  type: dict
  contains:
    transit_router_attachment_id:
      description: The attachment.
      type: str
    transit_router_route_table_id:
      description: The route table.
      type: str
    transit_router_id:
      description: The transit router, when known.
      type: str
    associated:
      description: Whether the attachment is associated with the route table.
      type: bool
    association_status:
      description: V(Associating), V(Active) or V(Dissociating); null when not associated.
      type: str
    propagating:
      description: Whether the attachment propagates to the route table.
      type: bool
    propagation_status:
      description: V(Enabling), V(Active) or V(Disabling); null when not propagating.
      type: str
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.cen import (
    cbn_client,
    get_association,
    get_propagation,
    get_route_table,
    list_route_tables,
    system_route_table,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, wait_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.resources import create_once

RETRY_CODES = ("Operation.Blocking", "IncorrectStatus.AttachmentOrRouteTable", "IncorrectStatus.Attachment")
GONE = ("Deleted", "Dissociated", "Disabled")
LEAVING = ("Dissociating", "Disabling")
# How long a new binding may stay invisible before the request counts as a replay of an old ClientToken.
NOT_FOUND_GRACE = 10

ASSOCIATION = {
    "label": "association",
    "get": get_association,
    "add": "AssociateTransitRouterAttachmentWithRouteTable",
    "remove": "DissociateTransitRouterAttachmentFromRouteTable",
    "active": ["Active"],
    "adding": ["Associating"],
}
PROPAGATION = {
    "label": "propagation",
    "get": get_propagation,
    "add": "EnableTransitRouterRouteTablePropagation",
    "remove": "DisableTransitRouterRouteTablePropagation",
    "active": ["Active"],
    "adding": ["Enabling"],
}


class BindingManager:
    def __init__(self, module: AlicloudModule):
        self.module = module
        self.params = module.params
        self.client = cbn_client(module)
        self.attachment_id = self.params["transit_router_attachment_id"]
        self.transit_router_id = self.params["transit_router_id"]
        self.route_table_id = self.params["transit_router_route_table_id"]

    def resolve_route_table(self):
        if self.route_table_id:
            return self.route_table_id
        table = system_route_table(self.client, self.transit_router_id)
        if table is None:
            self.module.fail_json(
                msg="transit router %s has no system route table (was it deleted?)" % self.transit_router_id,
                field="transit_router_id",
            )
        self.route_table_id = table["TransitRouterRouteTableId"]
        return self.route_table_id

    def read(self, kind):
        """The binding, or None when there is none (or it is already gone)."""
        found = kind["get"](self.client, self.attachment_id, self.route_table_id)
        if found is None or found.get("Status") in GONE:
            return None
        return found

    def waiter(self, kind, success, grace=None):
        return self.module.waiter(
            "%s of %s with %s" % (kind["label"], self.attachment_id, self.route_table_id),
            lambda: self.read(kind),
            "Status",
            success,
            not_found_grace=grace,
        )

    def associated_elsewhere(self):
        """Route tables of the same transit router the attachment is already associated with."""
        tr_id = self.transit_router_id
        if not tr_id:
            table = get_route_table(self.client, self.route_table_id)
            tr_id = (table or {}).get("TransitRouterId")
        if not tr_id:
            return []
        others = []
        for table in list_route_tables(self.client, tr_id):
            other_id = table.get("TransitRouterRouteTableId")
            if other_id == self.route_table_id:
                continue
            found = get_association(self.client, self.attachment_id, other_id)
            if found is not None and found.get("Status") not in GONE + LEAVING:
                others.append(other_id)
        return others

    def add(self, kind):
        if kind is ASSOCIATION:
            others = self.associated_elsewhere()
            if others:
                self.module.fail_json(
                    msg="attachment %s is already associated with route table %s of the same transit router; an "
                    "attachment can be associated with only one route table: dissociate it there first "
                    "(association: absent on that route table)" % (self.attachment_id, ", ".join(others)),
                    field="transit_router_route_table_id",
                    associated_route_table_ids=others,
                )

        def send(token):
            try:
                self.client.call(
                    kind["add"],
                    TransitRouterAttachmentId=self.attachment_id,
                    TransitRouterRouteTableId=self.route_table_id,
                    ClientToken=token,
                    extra_retry_codes=RETRY_CODES,
                )
            except AlicloudError:
                # A duplicate request's error code is UNCONFIRMED: fine if the binding now exists.
                if self.read(kind) is None:
                    raise
            return token

        success = kind["active"] if self.params["wait"] else kind["active"] + kind["adding"]
        identity = {"attachment": self.attachment_id, "route_table": self.route_table_id}
        create_once(
            "transit-router-" + kind["label"],
            identity,
            send,
            lambda _token: self.waiter(kind, success, grace=NOT_FOUND_GRACE).wait(),
            max_generations=5,
        )

    def remove(self, kind, current):
        try:
            self.client.call(
                kind["remove"],
                TransitRouterAttachmentId=self.attachment_id,
                TransitRouterRouteTableId=self.route_table_id,
                extra_retry_codes=RETRY_CODES,
            )
        except AlicloudError as err:
            if not err.is_not_found:
                raise
        if self.params["wait"]:
            self.waiter(kind, [self.module.waiter_gone]).wait()

    def ensure(self, kind, want, current) -> bool:
        """Make one binding exist (``want``) or not; return whether it changes."""
        leaving = current is not None and current.get("Status") in LEAVING
        if not want:
            if current is None:
                return False
            if leaving:
                if self.params["wait"] and not self.module.check_mode:
                    self.waiter(kind, [self.module.waiter_gone]).wait()
                return False
            if not self.module.check_mode:
                self.remove(kind, current)
            return True
        if current is not None and not leaving:
            if self.params["wait"] and current.get("Status") not in kind["active"] and not self.module.check_mode:
                self.waiter(kind, kind["active"]).wait()
            return False
        if not self.module.check_mode:
            if leaving:
                self.waiter(kind, [self.module.waiter_gone]).wait()
            self.add(kind)
        return True

    def run(self):
        p = self.params
        self.resolve_route_table()
        association = self.read(ASSOCIATION)
        propagation = self.read(PROPAGATION)
        before = self.view(association, propagation)
        want_assoc, want_prop = p["association"] == "present", p["propagation"] == "present"
        after = {"associated": want_assoc, "propagating": want_prop}
        # add: associate first, then learn routes; remove: stop learning first, then dissociate
        if want_assoc:
            steps = [(ASSOCIATION, want_assoc, association), (PROPAGATION, want_prop, propagation)]
        else:
            steps = [(PROPAGATION, want_prop, propagation), (ASSOCIATION, want_assoc, association)]
        changed = False
        for kind, want, current in steps:
            changed |= self.ensure(kind, want, current)
        if self.module.check_mode or not changed:
            result = self.result(association, propagation)
            if changed:
                result.update(after)
            return changed, result, {"before": before, "after": after}
        result = self.result(self.read(ASSOCIATION), self.read(PROPAGATION))
        return changed, result, {"before": before, "after": self.view_of(result)}

    @staticmethod
    def view(association, propagation):
        return {"associated": association is not None, "propagating": propagation is not None}

    @staticmethod
    def view_of(result):
        return {"associated": result["associated"], "propagating": result["propagating"]}

    def result(self, association, propagation):
        return {
            "transit_router_attachment_id": self.attachment_id,
            "transit_router_route_table_id": self.route_table_id,
            "transit_router_id": self.transit_router_id,
            "associated": association is not None,
            "association_status": (association or {}).get("Status"),
            "propagating": propagation is not None,
            "propagation_status": (propagation or {}).get("Status"),
        }


def main():
    argument_spec = {
        "transit_router_attachment_id": {"type": "str", "required": True, "aliases": ["attachment_id"]},
        "transit_router_id": {"type": "str"},
        "transit_router_route_table_id": {"type": "str", "aliases": ["route_table_id"]},
        "association": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "propagation": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    }
    argument_spec.update(wait_argument_spec(300))
    module = AlicloudModule(
        argument_spec=argument_spec,
        required_one_of=[["transit_router_id", "transit_router_route_table_id"]],
        supports_check_mode=True,
    )
    manager = BindingManager(module)
    try:
        changed, binding, diff = manager.run()
    except AlicloudError as err:
        module.fail_json_alicloud(
            err,
            "route table binding of %s with %s"
            % (
                manager.attachment_id,
                manager.route_table_id or "the system route table of %s" % manager.transit_router_id,
            ),
        )
    module.exit_json(changed=changed, binding=binding, diff=diff)


if __name__ == "__main__":
    main()
