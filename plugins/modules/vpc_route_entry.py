#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpc_route_entry
short_description: Create, update or delete a custom route entry of an Alibaba Cloud VPC route table
version_added: 0.2.0
description:
  - Manages one custom route entry of a VPC route table, identified by the route table (O(route_table_id), or the
    system route table of O(vpc_id)) and O(destination_cidr_block) (a route table holds one route per destination).
  - A found route whose next hop differs from O(next_hop_type) / O(next_hop_id) is changed in place with
    C(ModifyRouteEntry) (C(NewNextHopType), C(NewNextHopId)), as are O(name) and O(description).
  - Only custom routes are managed. A system route (a vSwitch CIDR block), a route a transit router syncs into the
    VPC (route sync, C(AutoPublishRouteEnabled) on the VPC attachment) and a route hosted by another service cannot
    be changed or deleted; with O(state=present) the module fails naming O(destination_cidr_block) before any write
    call, with O(state=absent) it leaves such a route alone and warns (there is no custom route to delete).
  - Creation sends a deterministic C(ClientToken) (route table and destination), so a retried or interrupted run
    never makes a second route.
options:
  state:
    description: Whether the custom route should exist.
    type: str
    choices: [present, absent]
    default: present
  route_table_id:
    description:
      - The route table of the route. Mutually exclusive with O(vpc_id); one of them is required.
    type: str
  vpc_id:
    description:
      - The VPC whose system route table holds the route (read with C(DescribeVpcs)). Mutually exclusive with
        O(route_table_id); one of them is required.
    type: str
  destination_cidr_block:
    description:
      - The destination IPv4 CIDR block in canonical form, for example V(10.1.0.0/16). It must not be inside
        V(100.64.0.0/10).
      - Identifies the route in its route table; cannot be changed.
    type: str
    required: true
    aliases: [destination]
  next_hop_type:
    description:
      - The type of the next hop. V(Attachment) is a transit router VPC attachment (next hop id C(tr-attach-...)),
        V(Instance) an ECS instance (C(i-...)).
      - Required with O(state=present). With O(state=absent), when given, the route is deleted only if its next
        hop has this type (otherwise the module fails).
    type: str
    choices:
      - Instance
      - HaVip
      - RouterInterface
      - NetworkInterface
      - VpnGateway
      - IPv6Gateway
      - NatGateway
      - Attachment
      - VpcPeer
      - Ipv4Gateway
      - GatewayEndpoint
      - Ecr
      - GatewayLoadBalancerEndpoint
      - RouteTargetGroup
  next_hop_id:
    description:
      - The ID of the next hop, for example C(tr-attach-...) for V(Attachment).
      - Required to create a route, and to change the next hop type of an existing one. Left out, the next hop of an
        existing route of the same type is kept.
      - With O(state=absent), when given, the route is deleted only if it points to this next hop (otherwise the
        module fails).
    type: str
  name:
    description: The route entry name (C(RouteEntryName)), 1 to 128 characters, not starting with C(http://) or C(https://).
    type: str
  description:
    description: The route entry description, 1 to 256 characters, not starting with C(http://) or C(https://).
    type: str
  wait_timeout:
    description: How many seconds to wait for V(Available), or for the deletion to finish.
    type: int
    default: 300
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
notes:
  - ECMP routes (more than one next hop) can be deleted and renamed, but their next hops are not changed.
"""

EXAMPLES = r"""
- name: Send the Shanghai VPC's traffic to the transit router (route sync off)
  geomesh.alicloud.vpc_route_entry:
    region: cn-hangzhou
    vpc_id: "{{ vpc.vpc.vpc_id }}"
    destination_cidr_block: 21.0.0.0/8
    next_hop_type: Attachment
    next_hop_id: "{{ attachment.vpc_attachment.transit_router_attachment_id }}"
    name: geomesh-peer-shanghai
    description: VPC of cn-shanghai over CEN
  register: route

- name: Point it at another attachment (changed in place)
  geomesh.alicloud.vpc_route_entry:
    region: cn-hangzhou
    route_table_id: "{{ route.route_entry.route_table_id }}"
    destination_cidr_block: 21.0.0.0/8
    next_hop_type: Attachment
    next_hop_id: tr-attach-2ze0vp0xtd2rbl8m4y2vt

- name: Delete it
  geomesh.alicloud.vpc_route_entry:
    region: cn-hangzhou
    vpc_id: "{{ vpc.vpc.vpc_id }}"
    destination_cidr_block: 21.0.0.0/8
    state: absent
"""

RETURN = r"""
route_entry:
  description: The route entry as read back after the change; empty when O(state=absent) or in check mode before it exists.
  returned: always
  type: dict
  contains:
    route_entry_id:
      description: The route entry ID.
      type: str
      sample: rte-bp1mnnr2al0naomnpv****
    route_table_id:
      description: The route table.
      type: str
      sample: vtb-bp145q7glnuzdvzu2****
    destination_cidr_block:
      description: The destination CIDR block.
      type: str
      sample: 21.0.0.0/8
    next_hop_type:
      description: The type of the (first) next hop, for example V(Attachment).
      type: str
    next_hop_id:
      description: The ID of the (first) next hop.
      type: str
    type:
      description: The route type, V(Custom) for the routes this module manages.
      type: str
    status:
      description: V(Pending), V(Available) or V(Modifying).
      type: str
    name:
      description: The route entry name.
      type: str
    description:
      description: The description.
      type: str
"""

import ipaddress

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, ValidationError
from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import CREATE, FIXED, Attr, ResourceManager
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, resource_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import vpc
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_cidr, validate_resource_id

# RouteEntryName: 1..128, Description: 1..256 characters, neither starting with http:// or https://
# (vpc SDK create_route_entry_request, modify_route_entry_request).
TEXT_LIMITS = {"name": 128, "description": 256}


def validate_destination(field: str, value: str) -> str:
    cidr = validate_cidr(field, value, 0, 32)
    if ipaddress.IPv4Network(cidr).subnet_of(vpc.RESERVED_DESTINATION):
        raise ValidationError(
            field, "%s is inside %s, which a route cannot point to" % (cidr, vpc.RESERVED_DESTINATION)
        )
    return cidr


def validate_text(field: str, value: str) -> str:
    if not 1 <= len(value) <= TEXT_LIMITS[field]:
        raise ValidationError(field, "must be 1 to %d characters long" % TEXT_LIMITS[field])
    if value.startswith(("http://", "https://")):
        raise ValidationError(field, "must not start with http:// or https://")
    return value


class RouteEntryManager(ResourceManager):
    product = "vpc"
    resource = "route entry"
    result_key = "route_entry"
    id_key = "RouteEntryId"
    create_action = "CreateRouteEntry"
    create_id_path = "RouteEntryId"
    token_kind = "route-entry"
    attributes = (
        Attr("route_table_id", "RouteTableId", FIXED),
        Attr("destination_cidr_block", "DestinationCidrBlock", FIXED),
        Attr("next_hop_type", "NextHopType", CREATE),
        Attr("next_hop_id", "NextHopId", CREATE),
        Attr("name", "RouteEntryName"),
        Attr("description", "Description"),
    )
    required_to_create = ("next_hop_type", "next_hop_id")
    update_action = "ModifyRouteEntry"
    delete_action = "DeleteRouteEntry"
    delete_not_found = vpc.ROUTE_ENTRY_NOT_FOUND
    deleting_states = ("Deleting",)
    waiter = vpc.WAITERS["route_entry"]

    def __init__(self, module):
        super().__init__(module)
        self.table_id = None
        self.table_missing = False

    # -- options -----------------------------------------------------------------------------
    def check_options(self):
        p = self.params
        if p["route_table_id"]:
            self.module.validate(validate_resource_id, "route_table_id", p["route_table_id"], "vtb")
        if p["vpc_id"]:
            self.module.validate(validate_resource_id, "vpc_id", p["vpc_id"], "vpc")
        validate_destination_option(self.module)
        if p["state"] == "present" and not p["next_hop_type"]:
            self.module.fail_json(msg="next_hop_type is required with state=present", field="next_hop_type")
        prefix = vpc.NEXT_HOP_ID_PREFIXES.get(p["next_hop_type"])
        if p["next_hop_id"] and prefix:
            self.module.validate(validate_resource_id, "next_hop_id", p["next_hop_id"], prefix)
        for option in TEXT_LIMITS:
            if p[option] is not None:
                self.module.validate(validate_text, option, p[option])
        if p["wait_timeout"] < 0:
            self.module.fail_json(msg="Invalid wait_timeout: must not be negative", field="wait_timeout")

    def describe(self):
        where = self.table_id or self.params["route_table_id"] or "the system route table of %s" % self.params["vpc_id"]
        return "to %s in %s" % (self.params["destination_cidr_block"], where)

    # -- reading -----------------------------------------------------------------------------
    def resolve_table(self) -> str | None:
        if self.table_id is None and not self.table_missing:
            self.table_id = self.params["route_table_id"] or vpc.system_route_table_id(
                self.client, self.region, self.params["vpc_id"]
            )
            self.table_missing = self.table_id is None
        return self.table_id

    def entries(self, **filters) -> list:
        """Entries of the route table for these filters; [] (and ``table_missing``) when it does not exist."""
        try:
            return vpc.list_route_entries(self.client, self.region, self.table_id, quiet=False, **filters)
        except AlicloudError as err:
            if err.code in vpc.ROUTE_ENTRIES.not_found or err.is_not_found:
                self.table_missing = True
                return []
            raise

    def get(self, resource_id):
        found = self.entries(RouteEntryId=resource_id)
        return next((e for e in found if e.get("RouteEntryId") == resource_id), None)

    def lookup(self):
        if self.resolve_table() is None:
            return None
        destination = self.params["destination_cidr_block"]
        found = [e for e in self.entries(DestinationCidrBlock=destination) if same_cidr(e, destination)]
        custom = [e for e in found if vpc.is_custom_route(e)]
        if len(custom) > 1:
            ids = ", ".join(e.get("RouteEntryId") or "?" for e in custom)
            raise AlicloudError("AmbiguousLookup", "%d custom routes to %s (%s)" % (len(custom), destination, ids))
        entry = (custom or found or [None])[0]
        if entry is not None and not vpc.is_custom_route(entry) and self.params["state"] == "absent":
            self.module.warn(
                "the route to %s in %s is a %s, not a custom route: left as it is"
                % (destination, self.table_id, vpc.route_kind(entry))
            )
            return None
        return entry

    def normalize(self, resource):
        return vpc.normalize_route_entry(resource)

    # -- checks ------------------------------------------------------------------------------
    def check_create(self):
        if self.table_missing:
            option = "route_table_id" if self.params["route_table_id"] else "vpc_id"
            self.module.fail_json(
                msg="%s %s was not found in %s" % (option, self.params[option], self.region), field=option
            )
        super().check_create()

    def check_existing(self, resource):
        destination = self.params["destination_cidr_block"]
        if not vpc.is_custom_route(resource):
            self.module.fail_json(
                msg="the route to %s in %s is a %s: vpc_route_entry manages only custom routes (system routes, routes "
                "a transit router syncs into the VPC and hosted routes cannot be changed)"
                % (destination, self.table_id, vpc.route_kind(resource)),
                field="destination_cidr_block",
            )
        super().check_existing(resource)
        if self.next_hop_changes(resource) and resource.get("NextHopCount", 1) > 1:
            self.module.fail_json(
                msg="the route to %s is an ECMP route with %d next hops; its next hops are not changed by this module"
                % (destination, resource["NextHopCount"]),
                field="next_hop_id",
            )

    def check_delete(self, resource):
        for option, field in (("next_hop_type", "NextHopType"), ("next_hop_id", "NextHopId")):
            wanted = self.params[option]
            if wanted and wanted != resource.get(field):
                self.module.fail_json(
                    msg="the route to %s points to %s %s, not %s: not deleted (leave %s out to delete it anyway)"
                    % (
                        self.params["destination_cidr_block"],
                        resource.get("NextHopType"),
                        resource.get("NextHopId"),
                        wanted,
                        option,
                    ),
                    field=option,
                )

    # -- changes -----------------------------------------------------------------------------
    def next_hop_changes(self, resource) -> dict:
        """NewNextHopType / NewNextHopId of ModifyRouteEntry when the next hop differs (vpc SDK
        modify_route_entry_request: "modify the name, description, and next hop of a custom route";
        https://help.aliyun.com/en/vpc/developer-reference/api-vpc-2016-04-28-modifyrouteentry)."""
        p = self.params
        hop_type = p["next_hop_type"] or resource.get("NextHopType")
        hop_id = p["next_hop_id"] or (resource.get("NextHopId") if hop_type == resource.get("NextHopType") else None)
        if hop_type == resource.get("NextHopType") and hop_id == resource.get("NextHopId"):
            return {}
        if not hop_id:
            self.module.fail_json(
                msg="next_hop_id is required to change the next hop type of the route to %s from %s to %s"
                % (p["destination_cidr_block"], resource.get("NextHopType"), hop_type),
                field="next_hop_id",
            )
        return {"NewNextHopType": hop_type, "NewNextHopId": hop_id}

    def extra_changes(self, resource):
        return self.next_hop_changes(resource)

    def identity(self):
        # CreateRouteEntry takes a ClientToken (vpc SDK create_route_entry_request); the route table
        # and destination identify the route, so a retried create sends the same token.
        return {
            "route_table": self.table_id,
            "destination": self.params["destination_cidr_block"],
            "region": self.region,
        }

    def create_request(self):
        request = super().create_request()
        request["RouteTableId"] = self.table_id
        return request

    def predict(self, view, resource):
        view["route_table_id"] = self.table_id
        return view


def same_cidr(entry: dict, destination: str) -> bool:
    try:
        return str(ipaddress.ip_network(entry.get("DestinationCidrBlock") or "", strict=False)) == destination
    except ValueError:
        return False


def validate_destination_option(module):
    value = module.validate(validate_destination, "destination_cidr_block", module.params["destination_cidr_block"])
    module.params["destination_cidr_block"] = value


def main():
    argument_spec = resource_argument_spec(
        wait_timeout=300,
        tags=False,
        route_table_id={"type": "str"},
        vpc_id={"type": "str"},
        destination_cidr_block={"type": "str", "required": True, "aliases": ["destination"]},
        next_hop_type={"type": "str", "choices": list(vpc.NEXT_HOP_TYPES)},
        next_hop_id={"type": "str"},
        name={"type": "str"},
        description={"type": "str"},
    )
    module = AlicloudModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["route_table_id", "vpc_id"]],
        required_one_of=[["route_table_id", "vpc_id"]],
        supports_check_mode=True,
    )
    RouteEntryManager(module).run()


if __name__ == "__main__":
    main()
