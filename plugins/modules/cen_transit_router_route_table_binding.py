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
  - With O(transit_router_attachment_ids), one run binds several attachments to the same route table (a
    region's VPC attachment and its inter-region connections, say) the same way. It sends the calls of each
    attachment before it waits for any of them, so the run takes about as long as the slowest binding, and
    one module run replaces a loop of runs.
options:
  transit_router_attachment_id:
    description:
      - The attachment (C(tr-attach-...)), of a VPC or of an inter-region connection.
      - Exactly one of O(transit_router_attachment_id) and O(transit_router_attachment_ids) is required.
    type: str
    aliases: [attachment_id]
  transit_router_attachment_ids:
    description:
      - Several attachments, each bound to the route table as O(association) and O(propagation) say.
      - An attachment listed twice counts once; an empty list changes nothing and makes no API call.
      - When one attachment fails, the module fails naming it (in the message and in the result's C(transit_router_attachment_id));
        the calls already sent for the others stand, and the next run finds them.
    type: list
    elements: str
    aliases: [attachment_ids]
    version_added: 0.2.0
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
      - Whether the attachment is associated with the route table (forwarding). V(present) associates it,
        V(absent) dissociates it.
      - Replaces the boolean form of release 0.1.0 (V(true) / V(false), whose meaning flipped with the
        removed C(state) option); a boolean is refused.
    type: str
    choices: [present, absent]
    default: present
  propagation:
    description:
      - Whether the attachment propagates its routes to the route table (route learning). V(present) enables
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

- name: All the attachments of a region on its router's system route table, in one run
  geomesh.alicloud.cen_transit_router_route_table_binding:
    transit_router_id: "{{ tr_hangzhou.transit_router.transit_router_id }}"
    transit_router_attachment_ids:
      - "{{ vpc_attachment.vpc_attachment.transit_router_attachment_id }}"
      - "{{ peer.peer_attachment.transit_router_attachment_id }}"

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
  description: The bindings of O(transit_router_attachment_id) as read back after the change.
  returned: when O(transit_router_attachment_id) is given
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
bindings:
  description:
    - The bindings of every attachment as read back after the change, in the order given.
    - The diff is keyed by attachment id when O(transit_router_attachment_ids) is given.
  returned: always
  type: list
  elements: dict
  version_added: 0.2.0
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

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, WaiterError
from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import create_once
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, wait_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products.cbn import (
    ASSOCIATIONS,
    PROPAGATIONS,
    ROUTE_TABLES,
    binding_of,
    cbn_client,
    get_route_table,
    system_route_table,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.tokens import client_token

GONE = ("Deleted", "Dissociated", "Disabled")
LEAVING = ("Dissociating", "Disabling")
# How long a new binding may stay invisible before the request counts as a replay of an old ClientToken.
NOT_FOUND_GRACE = 10

ASSOCIATION = {
    "label": "association",
    "list": ASSOCIATIONS,
    "add": "AssociateTransitRouterAttachmentWithRouteTable",
    "remove": "DissociateTransitRouterAttachmentFromRouteTable",
    "active": ["Active"],
    "adding": ["Associating"],
}
PROPAGATION = {
    "label": "propagation",
    "list": PROPAGATIONS,
    "add": "EnableTransitRouterRouteTablePropagation",
    "remove": "DisableTransitRouterRouteTablePropagation",
    "active": ["Active"],
    "adding": ["Enabling"],
}


class BindingFailure(Exception):
    """An API error while binding one attachment, with the attachment it concerns."""

    def __init__(self, binding, err: AlicloudError):
        super().__init__(str(err))
        self.binding = binding
        self.err = err


class Binding:
    """The association and the propagation of one attachment with one route table.

    Each change is made in two halves: ``start`` sends the write call (or nothing) and returns what
    is left to wait for, so that a run over several attachments sends every call of one kind before
    it waits for any of them.
    """

    def __init__(self, module: AlicloudModule, client, attachment_id: str, transit_router_id, route_table_id: str):
        self.module = module
        self.params = module.params
        self.client = client
        self.attachment_id = attachment_id
        self.transit_router_id = transit_router_id
        self.route_table_id = route_table_id
        self.current = {}

    def read(self, kind):
        """The binding, or None when there is none (or it is already gone)."""
        found = binding_of(kind["list"], self.client, self.attachment_id, self.route_table_id)
        if found is None or found.get("Status") in GONE:
            return None
        return found

    def read_all(self):
        self.current = {"association": self.read(ASSOCIATION), "propagation": self.read(PROPAGATION)}

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
        for table in list_items(self.client, ROUTE_TABLES, TransitRouterId=tr_id):
            other_id = table.get("TransitRouterRouteTableId")
            if other_id == self.route_table_id:
                continue
            found = binding_of(ASSOCIATIONS, self.client, self.attachment_id, other_id)
            if found is not None and found.get("Status") not in GONE + LEAVING:
                others.append(other_id)
        return others

    def needs_add(self, kind, want: bool) -> bool:
        current = self.current[kind["label"]]
        return want and (current is None or current.get("Status") in LEAVING)

    def send_add(self, kind, token):
        try:
            self.client.call(
                kind["add"],
                TransitRouterAttachmentId=self.attachment_id,
                TransitRouterRouteTableId=self.route_table_id,
                ClientToken=token,
            )
        except AlicloudError:
            # A duplicate request's error code is UNCONFIRMED: fine if the binding now exists.
            if self.read(kind) is None:
                raise
        return token

    def add(self, kind):
        """Send the add call; return what waits for the binding to show up (and sends again when the
        token replayed a binding that is gone, see manager.create_once)."""
        name = "transit-router-" + kind["label"]
        identity = {"attachment": self.attachment_id, "route_table": self.route_table_id}
        success = kind["active"] if self.params["wait"] else kind["active"] + kind["adding"]

        def visible(_token):
            return self.waiter(kind, success, grace=NOT_FOUND_GRACE).wait()

        def again(generation=None):
            create_once(
                name, identity, lambda t: self.send_add(kind, t), visible, max_generations=5, generation=generation
            )

        token = client_token(name, identity)
        try:
            self.send_add(kind, token)
        except AlicloudError as err:
            if err.code != "IdempotentParameterMismatch":
                raise
            return again

        def finish():
            try:
                visible(token)
            except WaiterError as err:
                if err.code != "WaiterNotFound":
                    raise
                again(generation=token)

        return finish

    def remove(self, kind):
        try:
            self.client.call(
                kind["remove"],
                TransitRouterAttachmentId=self.attachment_id,
                TransitRouterRouteTableId=self.route_table_id,
            )
        except AlicloudError as err:
            if not err.is_not_found:
                raise

    def start(self, kind, want: bool):
        """Send what makes one binding exist (``want``) or not; return ``(changed, finish)`` where
        ``finish()`` waits for it, or is None."""
        current = self.current[kind["label"]]
        leaving = current is not None and current.get("Status") in LEAVING
        waits = self.params["wait"] and not self.module.check_mode
        gone = self.waiter(kind, [self.module.waiter_gone]).wait
        if not want:
            if current is None:
                return False, None
            if leaving:
                return False, gone if waits else None
            if not self.module.check_mode:
                self.remove(kind)
            return True, gone if waits else None
        if current is not None and not leaving:
            if waits and current.get("Status") not in kind["active"]:
                return False, self.waiter(kind, kind["active"]).wait
            return False, None
        if self.module.check_mode:
            return True, None
        if leaving:
            gone()
        return True, self.add(kind)

    def view(self):
        return {
            "associated": self.current["association"] is not None,
            "propagating": self.current["propagation"] is not None,
        }

    def result(self):
        association, propagation = self.current["association"], self.current["propagation"]
        return {
            "transit_router_attachment_id": self.attachment_id,
            "transit_router_route_table_id": self.route_table_id,
            "transit_router_id": self.transit_router_id,
            "associated": association is not None,
            "association_status": (association or {}).get("Status"),
            "propagating": propagation is not None,
            "propagation_status": (propagation or {}).get("Status"),
        }


class BindingManager:
    """The bindings of one or more attachments with one route table, the same wanted for each."""

    def __init__(self, module: AlicloudModule):
        self.module = module
        self.params = module.params
        self.client = cbn_client(module)
        self.transit_router_id = self.params["transit_router_id"]
        self.route_table_id = self.params["transit_router_route_table_id"]
        ids = self.params["transit_router_attachment_ids"]
        self.many = ids is not None
        if not self.many:
            ids = [self.params["transit_router_attachment_id"]]
        self.attachment_ids = list(dict.fromkeys(ids))
        self.bindings = []

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

    def check_associations(self, want_assoc: bool):
        """An attachment can be associated with only one route table of its router: fail before any write."""
        elsewhere = {}
        for binding in self.bindings:
            if binding.needs_add(ASSOCIATION, want_assoc):
                others = binding.associated_elsewhere()
                if others:
                    elsewhere[binding.attachment_id] = others
        if not elsewhere:
            return
        self.module.fail_json(
            msg="; ".join(
                "attachment %s is already associated with route table %s of the same transit router"
                % (attachment_id, ", ".join(others))
                for attachment_id, others in elsewhere.items()
            )
            + "; an attachment can be associated with only one route table: dissociate it there first "
            "(association: absent on that route table)",
            field="transit_router_route_table_id",
            associated_route_table_ids=sorted({t for others in elsewhere.values() for t in others}),
        )

    @staticmethod
    def guard(binding, step, *args):
        """``step(*args)``, an API error of it raised as the BindingFailure of ``binding``."""
        try:
            return step(*args)
        except AlicloudError as err:
            raise BindingFailure(binding, err) from err

    def read_all(self):
        for binding in self.bindings:
            self.guard(binding, binding.read_all)

    def run(self):
        p = self.params
        self.resolve_route_table()
        self.bindings = [
            Binding(self.module, self.client, attachment_id, self.transit_router_id, self.route_table_id)
            for attachment_id in self.attachment_ids
        ]
        self.read_all()
        before = {b.attachment_id: b.view() for b in self.bindings}
        want_assoc, want_prop = p["association"] == "present", p["propagation"] == "present"
        self.check_associations(want_assoc)
        # add: associate first, then learn routes; remove: stop learning first, then dissociate.
        # Each kind's calls go out for every attachment before the run waits for any of them.
        steps = [(ASSOCIATION, want_assoc), (PROPAGATION, want_prop)]
        if not want_assoc:
            steps.reverse()
        changed = set()
        for kind, want in steps:
            waits = []
            for binding in self.bindings:
                did, finish = self.guard(binding, binding.start, kind, want)
                if did:
                    changed.add(binding.attachment_id)
                if finish:
                    waits.append((binding, finish))
            for binding, finish in waits:
                self.guard(binding, finish)
        wanted = {"associated": want_assoc, "propagating": want_prop}
        if changed and not self.module.check_mode:
            self.read_all()
        results, after = [], {}
        for binding in self.bindings:
            result = binding.result()
            if binding.attachment_id in changed and self.module.check_mode:
                result.update(wanted)
            results.append(result)
            after[binding.attachment_id] = {"associated": result["associated"], "propagating": result["propagating"]}
        if self.many:
            return bool(changed), results, {"before": before, "after": after}
        only = self.attachment_ids[0]
        return bool(changed), results, {"before": before[only], "after": after[only]}


def main():
    argument_spec = {
        "transit_router_attachment_id": {"type": "str", "aliases": ["attachment_id"]},
        "transit_router_attachment_ids": {"type": "list", "elements": "str", "aliases": ["attachment_ids"]},
        "transit_router_id": {"type": "str"},
        "transit_router_route_table_id": {"type": "str", "aliases": ["route_table_id"]},
        "association": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "propagation": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    }
    argument_spec.update(wait_argument_spec(300))
    module = AlicloudModule(
        argument_spec=argument_spec,
        required_one_of=[
            ["transit_router_id", "transit_router_route_table_id"],
            ["transit_router_attachment_id", "transit_router_attachment_ids"],
        ],
        mutually_exclusive=[["transit_router_attachment_id", "transit_router_attachment_ids"]],
        supports_check_mode=True,
    )
    manager = BindingManager(module)
    if manager.many and not manager.attachment_ids:
        module.exit_json(changed=False, bindings=[], diff={"before": {}, "after": {}})
    try:
        changed, bindings, diff = manager.run()
    except BindingFailure as failure:
        module.fail_json_alicloud(
            failure.err,
            "route table binding of %s with %s" % (failure.binding.attachment_id, failure.binding.route_table_id),
            transit_router_attachment_id=failure.binding.attachment_id,
        )
    except AlicloudError as err:
        module.fail_json_alicloud(
            err,
            "route table binding of %s with %s"
            % (
                ", ".join(manager.attachment_ids),
                manager.route_table_id or "the system route table of %s" % manager.transit_router_id,
            ),
        )
    if manager.many:
        module.exit_json(changed=changed, bindings=bindings, diff=diff)
    module.exit_json(changed=changed, binding=bindings[0], bindings=bindings, diff=diff)


if __name__ == "__main__":
    main()
