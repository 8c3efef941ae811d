#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpc_route_entry_info
short_description: List the route entries of an Alibaba Cloud VPC route table
version_added: 0.2.0
description:
  - Lists the route entries of one VPC route table (O(route_table_id), or the system route table of O(vpc_id)),
    that is system routes, custom routes (Flannel node routes, routes to a transit router) and the routes a transit router
    syncs into the VPC, optionally only those matching all the given filters.
  - Read-only; never changes anything. A route table or VPC that does not exist has no entries.
options:
  route_table_id:
    description: The route table. Mutually exclusive with O(vpc_id); one of them is required.
    type: str
  vpc_id:
    description: The VPC whose system route table is listed. Mutually exclusive with O(route_table_id).
    type: str
  destination_cidr_block:
    description: Only the route to exactly this IPv4 CIDR block.
    type: str
    aliases: [destination]
  next_hop_type:
    description: Only routes with a next hop of this type, for example V(Instance) or V(Attachment).
    type: str
  next_hop_id:
    description: Only routes with this next hop, for example an ECS instance or a C(tr-attach-...) ID.
    type: str
  route_entry_type:
    description:
      - Only routes of this type (C(Type)), for example V(Custom) or V(System); the API also names V(BGP), V(CEN) and
        V(ECR).
    type: str
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The Flannel node routes of a VPC
  geomesh.alicloud.vpc_route_entry_info:
    region: cn-hangzhou
    vpc_id: "{{ vpc.vpc.vpc_id }}"
    route_entry_type: Custom
    next_hop_type: Instance
  register: node_routes

- name: Their destinations
  ansible.builtin.debug:
    msg: "{{ node_routes.route_entries | map(attribute='destination_cidr_block') | list }}"

- name: The routes that point to a transit router attachment
  geomesh.alicloud.vpc_route_entry_info:
    region: cn-hangzhou
    route_table_id: vtb-bp145q7glnuzdvzu2****
    next_hop_id: tr-attach-2ze0vp0xtd2rbl8m4y2vt
"""

RETURN = r"""
route_entries:
  description: The matching route entries, sorted by destination.
  returned: always
  type: list
  elements: dict
  contains:
    route_entry_id:
      description: The route entry ID (empty for some system routes).
      type: str
      sample: rte-bp1mnnr2al0naomnpv****
    route_table_id:
      description: The route table.
      type: str
    destination_cidr_block:
      description: The destination CIDR block.
      type: str
      sample: 10.0.0.0/26
    next_hop_type:
      description: The type of the (first) next hop, for example V(Instance), V(Attachment) or V(local).
      type: str
    next_hop_id:
      description: The ID of the (first) next hop.
      type: str
    type:
      description: The route type, for example V(Custom) or V(System).
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

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import vpc
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_cidr, validate_resource_id


def matches(entry: dict, params: dict) -> bool:
    """The filters again, after the call: an API that ignored one must not widen the result."""
    if params["destination_cidr_block"] and entry["destination_cidr_block"] != params["destination_cidr_block"]:
        return False
    if params["route_entry_type"] and entry["type"] != params["route_entry_type"]:
        return False
    hops = entry["hops"]
    if params["next_hop_type"] and all(h["NextHopType"] != params["next_hop_type"] for h in hops):
        return False
    if params["next_hop_id"] and all(h["NextHopId"] != params["next_hop_id"] for h in hops):
        return False
    return True


def sort_key(entry: dict):
    try:
        net = ipaddress.ip_network(entry["destination_cidr_block"] or "", strict=False)
        return (0, net.version, int(net.network_address), net.prefixlen, entry["route_entry_id"])
    except ValueError:
        return (1, 0, 0, 0, str(entry["destination_cidr_block"]))


def list_entries(module: AlicloudModule) -> list:
    params = module.params
    client = module.client("vpc")
    table_id = params["route_table_id"] or vpc.system_route_table_id(client, module.region, params["vpc_id"])
    if table_id is None:
        return []
    filters = {
        "DestinationCidrBlock": params["destination_cidr_block"],
        "RouteEntryType": params["route_entry_type"],
        "NextHopType": params["next_hop_type"],
        "NextHopId": params["next_hop_id"],
    }
    found = []
    for raw in vpc.list_route_entries(client, module.region, table_id, **filters):
        entry = vpc.normalize_route_entry(raw)
        if matches(dict(entry, hops=vpc.next_hops(raw)), params):
            found.append(entry)
    return sorted(found, key=sort_key)


def main():
    argument_spec = {
        "route_table_id": {"type": "str"},
        "vpc_id": {"type": "str"},
        "destination_cidr_block": {"type": "str", "aliases": ["destination"]},
        "next_hop_type": {"type": "str"},
        "next_hop_id": {"type": "str"},
        "route_entry_type": {"type": "str"},
    }
    module = AlicloudModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["route_table_id", "vpc_id"]],
        required_one_of=[["route_table_id", "vpc_id"]],
        supports_check_mode=True,
    )
    params = module.params
    if params["route_table_id"]:
        module.validate(validate_resource_id, "route_table_id", params["route_table_id"], "vtb")
    if params["vpc_id"]:
        module.validate(validate_resource_id, "vpc_id", params["vpc_id"], "vpc")
    if params["destination_cidr_block"]:
        params["destination_cidr_block"] = module.validate(
            validate_cidr, "destination_cidr_block", params["destination_cidr_block"], 0, 32
        )
    try:
        entries = list_entries(module)
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing route entries")
    module.exit_json(changed=False, route_entries=entries)


if __name__ == "__main__":
    main()
