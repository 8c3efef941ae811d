#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_route_publication
short_description: Publish custom VPC routes to a CEN (advertise them to its transit routers)
version_added: 0.2.0
description:
  - Publishes (O(state=present)) or withdraws (O(state=absent)) custom route entries of a VPC's route table to a
    CEN the VPC is attached to, with C(PublishRouteEntries) and C(WithdrawPublishedRouteEntries), one call per
    route. Transit routers do not learn custom routes whose next hop is an ECS instance by default, such as the
    per-node Pod routes of a Flannel ACK cluster; publishing them is what lets the other regions reach those Pods.
  - The routes are O(destination_cidr_blocks) (each must be a custom route of the table whose next hop can be
    published, or the module fails naming it before any write call) and every custom route inside one of the O(within) CIDR blocks whose next hop
    type is in O(next_hop_types), for example every node route inside a cluster's Pod CIDR block.
  - With O(state=present), routes inside O(within) that are published but no longer match O(next_hop_types) are
    withdrawn. Routes outside O(destination_cidr_blocks) and O(within) are never touched.
  - System routes (vSwitch CIDR blocks, published automatically) and routes learned from a transit router are out
    of scope, even inside O(within). Routes whose next hop is a transit router, a router interface, a VPC peering
    connection, an ECR or a GWLB endpoint cannot be published (CEN documentation, "Advertise routes to a transit
    router").
  - The current state comes from C(DescribePublishedRouteEntries) (pages of 50), so a run with nothing to change
    makes read calls only.
options:
  state:
    description: Whether the routes should be published.
    type: str
    choices: [present, absent]
    default: present
  cen_id:
    description: The CEN the VPC is attached to (through a transit router VPC attachment).
    type: str
    required: true
  vpc_id:
    description: The VPC whose routes are published.
    type: str
    required: true
  route_table_id:
    description:
      - The VPC route table. Left out, the VPC's system route table (read with C(DescribeVpcs)); only the system
        route table can publish routes to a transit router.
    type: str
  destination_cidr_blocks:
    description:
      - Destinations of custom routes to publish or withdraw, for example V(10.0.0.0/26).
      - At least one of O(destination_cidr_blocks) and O(within) is required.
    type: list
    elements: str
    aliases: [destinations]
  within:
    description:
      - IPv4 CIDR blocks. Every custom route whose destination is inside one of them and whose next hop type is in
        O(next_hop_types) is published (or withdrawn), for example the Pod CIDR block V(10.0.0.0/16) of a Flannel
        cluster.
    type: list
    elements: str
  next_hop_types:
    description: The next hop types of the routes O(within) selects (the Flannel node routes point to V(Instance)).
    type: list
    elements: str
    default: [Instance]
    choices: [Instance, VpnGateway, HaVip, Ipv4Gateway, NetworkInterface, IPv6Gateway, NatGateway]
  wait_timeout:
    description: How many seconds to wait until C(DescribePublishedRouteEntries) shows the changes.
    type: int
    default: 300
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
notes:
  - Deleting a published route entry (a node leaves a Flannel cluster) also removes it from the CEN; a new route with
    the same destination is not published until this module runs again (legacy CEN documentation).
  - A re-run with nothing to change makes one C(DescribePublishedRouteEntries) call per 50 routes of the table, plus
    one C(DescribeVpcs) call when O(route_table_id) is left out, and no write call.
"""

EXAMPLES = r"""
- name: Publish the Pod routes of a Flannel cluster (one per node)
  geomesh.alicloud.cen_route_publication:
    region: cn-hangzhou
    cen_id: "{{ cen.cen.cen_id }}"
    vpc_id: "{{ vpc.vpc.vpc_id }}"
    within: [10.0.0.0/16]
    next_hop_types: [Instance]
  register: publication

- name: How many are published
  ansible.builtin.debug:
    msg: "{{ publication.published_routes | selectattr('publish_status', 'eq', 'Published') | list | length }}"

- name: Withdraw one route
  geomesh.alicloud.cen_route_publication:
    region: cn-hangzhou
    cen_id: "{{ cen.cen.cen_id }}"
    vpc_id: "{{ vpc.vpc.vpc_id }}"
    destination_cidr_blocks: [10.0.0.64/26]
    state: absent
"""

RETURN = r"""
published_routes:
  description:
    - The routes in scope (O(destination_cidr_blocks) and the custom routes inside O(within), whatever their next
      hop type) after the run, sorted by destination; in check mode, as they would be.
  returned: always
  type: list
  elements: dict
  contains:
    destination_cidr_block:
      description: The destination of the route.
      type: str
      sample: 10.0.0.0/26
    next_hop_type:
      description: The type of its next hop.
      type: str
      sample: Instance
    next_hop_id:
      description: Its next hop.
      type: str
      sample: i-bp1a2b3c4d5e6f7g8h9i
    route_type:
      description: The route type, V(Custom).
      type: str
    publish_status:
      description: V(Published) or V(NonPublished).
      type: str
published:
  description: The destinations this run published (in check mode, would publish).
  returned: always
  type: list
  elements: str
withdrawn:
  description: The destinations this run withdrew (in check mode, would withdraw).
  returned: always
  type: list
  elements: str
"""

import ipaddress

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, wait_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import cbn, vpc
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_cidr, validate_resource_id

CUSTOM = "Custom"
# A VPC or CEN that does not exist, or a VPC not attached to the CEN: nothing of it is published
# (the code for a VPC that is not attached is UNCONFIRMED; the emulator answers ParameterInstanceId).
NOTHING_PUBLISHED = cbn.CEN_NOT_FOUND + vpc.VPC_NOT_FOUND + ("ParameterInstanceId",)


def canonical(cidr) -> str | None:
    try:
        return str(ipaddress.IPv4Network(cidr or "", strict=False))
    except ValueError:
        return None


def cidr_key(cidr: str):
    net = ipaddress.IPv4Network(cidr)
    return (int(net.network_address), net.prefixlen)


def validate_inputs(module: AlicloudModule) -> None:
    """Every check that needs no API call; canonical CIDR blocks back in the params."""
    p = module.params
    module.validate(validate_resource_id, "cen_id", p["cen_id"], "cen")
    module.validate(validate_resource_id, "vpc_id", p["vpc_id"], "vpc")
    if p["route_table_id"]:
        module.validate(validate_resource_id, "route_table_id", p["route_table_id"], "vtb")
    if p["destination_cidr_blocks"] is None and p["within"] is None:
        module.fail_json(
            msg="destination_cidr_blocks or within is required to select the routes", field="destination_cidr_blocks"
        )
    for option in ("destination_cidr_blocks", "within"):
        values = []
        for index, value in enumerate(p[option] or []):
            values.append(module.validate(validate_cidr, "%s[%d]" % (option, index), value, 0, 32))
        p[option] = list(dict.fromkeys(values))
    if not p["next_hop_types"]:
        module.fail_json(msg="Invalid next_hop_types: must not be empty", field="next_hop_types")
    if p["wait_timeout"] < 0:
        module.fail_json(msg="Invalid wait_timeout: must not be negative", field="wait_timeout")


class Publication:
    def __init__(self, module: AlicloudModule):
        self.module = module
        self.params = module.params
        self.region = module.region
        self.client = cbn.cbn_client(module)
        self.route_table_id = self.params["route_table_id"]
        self.within = [ipaddress.IPv4Network(c) for c in self.params["within"]]

    # -- reading -----------------------------------------------------------------------------
    def resolve_route_table(self) -> str | None:
        if not self.route_table_id:
            self.route_table_id = vpc.system_route_table_id(
                self.module.client("vpc"), self.region, self.params["vpc_id"]
            )
        return self.route_table_id

    def target(self) -> dict:
        return cbn.child_route_table(self.params["cen_id"], self.params["vpc_id"], self.region, self.route_table_id)

    def read(self, destination=None) -> dict:
        """Destination -> DescribePublishedRouteEntries row (every route of the table, or one)."""
        rows = cbn.published_route_entries(
            self.client, self.params["cen_id"], self.params["vpc_id"], self.region, self.route_table_id, destination
        )
        found = {}
        for row in rows:
            cidr = canonical(row.get("DestinationCidrBlock"))
            if cidr and (destination is None or cidr == destination):
                found[cidr] = row
        return found

    # -- planning ----------------------------------------------------------------------------
    def inside(self, cidr: str) -> bool:
        net = ipaddress.IPv4Network(cidr)
        return any(net.subnet_of(outer) for outer in self.within)

    def plan(self, rows: dict):
        """-> (scope, to_publish, to_withdraw): sorted destinations."""
        p = self.params
        custom = {cidr: row for cidr, row in rows.items() if row.get("RouteType") == CUSTOM}
        for index, cidr in enumerate(p["destination_cidr_blocks"]):
            row = rows.get(cidr)
            if row is None or cidr not in custom:
                what = "there is no route to %s" % cidr
                if row is not None:
                    hop = " ".join(v for v in (row.get("NextHopType"), row.get("NextHopId")) if v) or "none"
                    kind = row.get("RouteType") or "non-custom"
                    what = "the route to %s is a %s route (next hop %s), not a custom route" % (cidr, kind, hop)
                self.module.fail_json(
                    msg="Invalid destination_cidr_blocks[%d]: %s in route table %s of %s"
                    % (index, what, self.route_table_id, p["vpc_id"]),
                    field="destination_cidr_blocks[%d]" % index,
                )
            if p["state"] == "present" and not cbn.publishable(row):
                self.module.fail_json(
                    msg="Invalid destination_cidr_blocks[%d]: the route to %s has a next hop of type %s, which cannot "
                    "be published to a transit router (only %s)"
                    % (index, cidr, row.get("NextHopType"), ", ".join(cbn.PUBLISHABLE_NEXT_HOP_TYPES)),
                    field="destination_cidr_blocks[%d]" % index,
                )
        listed = set(p["destination_cidr_blocks"])
        inside = {cidr for cidr in custom if self.inside(cidr)}
        matching = {
            cidr
            for cidr in inside
            if custom[cidr].get("NextHopType") in p["next_hop_types"] and cbn.publishable(custom[cidr])
        }
        selected = listed | matching
        scope = listed | inside

        def published(cidr):
            return custom[cidr].get("PublishStatus") == cbn.PUBLISHED

        if p["state"] == "present":
            to_publish = [c for c in selected if not published(c)]
            to_withdraw = [c for c in scope - selected if published(c)]
        else:
            to_publish = []
            to_withdraw = [c for c in selected if published(c)]
        return sorted(scope, key=cidr_key), sorted(to_publish, key=cidr_key), sorted(to_withdraw, key=cidr_key)

    # -- changing ----------------------------------------------------------------------------
    def send(self, action: str, cidr: str, want_published: bool, required: bool) -> bool:
        """One PublishRouteEntries / WithdrawPublishedRouteEntries call; returns whether it was sent for a route
        that still exists. An error is accepted when a read shows the route in the wanted state already (a
        repeated request's answer is UNCONFIRMED), or when a route ``within`` selected is gone (a node left)."""
        try:
            self.client.call(action, DestinationCidrBlock=cidr, **self.target())
            return True
        except AlicloudError:
            row = self.read(cidr).get(cidr)
            if row is None and not required:
                return False
            if row is not None and (row.get("PublishStatus") == cbn.PUBLISHED) == want_published:
                return True
            raise

    def settled(self, published, withdrawn) -> dict:
        rows = self.read()
        done = all((rows.get(c) or {}).get("PublishStatus") in (cbn.PUBLISHED, None) for c in published)
        done = done and all((rows.get(c) or {}).get("PublishStatus") != cbn.PUBLISHED for c in withdrawn)
        self.final_rows = rows
        return {"state": "done" if done else "pending"}

    def run(self):
        p = self.params
        nothing = (False, [], [], [], {"before": {"published": []}, "after": {"published": []}})
        if self.resolve_route_table() is None:
            if p["state"] == "absent":
                return nothing
            self.module.fail_json(msg="vpc_id %s was not found in %s" % (p["vpc_id"], self.region), field="vpc_id")
        try:
            rows = self.read()
        except AlicloudError as err:
            if p["state"] == "absent" and (err.code in NOTHING_PUBLISHED or err.is_not_found):
                return nothing
            raise
        scope, to_publish, to_withdraw = self.plan(rows)
        changed = bool(to_publish or to_withdraw)
        before = [c for c in scope if rows[c].get("PublishStatus") == cbn.PUBLISHED]
        after = sorted((set(before) | set(to_publish)) - set(to_withdraw), key=cidr_key)
        diff = {"before": {"published": before}, "after": {"published": after}}
        predicted = {c: dict(rows[c], PublishStatus=cbn.PUBLISHED if c in after else cbn.NOT_PUBLISHED) for c in scope}
        if not changed or self.module.check_mode:
            final = rows if not changed else predicted
            return changed, self.routes(scope, final), to_publish, to_withdraw, diff
        listed = set(p["destination_cidr_blocks"])
        published = [c for c in to_publish if self.send("PublishRouteEntries", c, True, c in listed)]
        withdrawn = [c for c in to_withdraw if self.send("WithdrawPublishedRouteEntries", c, False, False)]
        gone = (set(to_publish) - set(published)) | (set(to_withdraw) - set(withdrawn))
        final = {c: row for c, row in predicted.items() if c not in gone}
        if p["wait"]:
            self.final_rows = rows
            self.module.waiter(
                "routes of %s published to %s" % (self.route_table_id, p["cen_id"]),
                lambda: self.settled(published, withdrawn),
                "state",
                ["done"],
                pending=["pending"],
            ).wait()
            final = self.final_rows
        diff["after"]["published"] = [c for c in scope if (final.get(c) or {}).get("PublishStatus") == cbn.PUBLISHED]
        return bool(published or withdrawn), self.routes(scope, final), published, withdrawn, diff

    @staticmethod
    def routes(scope, rows) -> list:
        return [cbn.normalize_published_route(rows[c]) for c in scope if c in rows]


def main():
    argument_spec = {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "cen_id": {"type": "str", "required": True},
        "vpc_id": {"type": "str", "required": True},
        "route_table_id": {"type": "str"},
        "destination_cidr_blocks": {"type": "list", "elements": "str", "aliases": ["destinations"]},
        "within": {"type": "list", "elements": "str"},
        "next_hop_types": {
            "type": "list",
            "elements": "str",
            "default": ["Instance"],
            "choices": list(cbn.PUBLISHABLE_NEXT_HOP_TYPES),
        },
    }
    argument_spec.update(wait_argument_spec(300))
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_inputs(module)
    publication = Publication(module)
    try:
        changed, routes, published, withdrawn, diff = publication.run()
    except AlicloudError as err:
        module.fail_json_alicloud(
            err, "routes of %s published to %s" % (module.params["vpc_id"], module.params["cen_id"])
        )
    module.exit_json(changed=changed, published_routes=routes, published=published, withdrawn=withdrawn, diff=diff)


if __name__ == "__main__":
    main()
