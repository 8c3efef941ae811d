#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_transit_router_route_table_binding_info
short_description: List the route table associations and propagations of transit router attachments
version_added: 0.1.0
description:
  - Lists the associations (forwarding) and propagations (route learning) of transit router route tables -
    of O(transit_router_route_table_id), or of every route table of O(transit_router_id), optionally only those
    of one attachment.
options:
  transit_router_id:
    description: List the bindings of every route table of this transit router.
    type: str
  transit_router_route_table_id:
    description: List the bindings of this route table.
    type: str
    aliases: [route_table_id]
  transit_router_attachment_id:
    description: Only the bindings of this attachment.
    type: str
    aliases: [attachment_id]
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.info
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: How the Hangzhou router forwards and learns
  geomesh.alicloud.cen_transit_router_route_table_binding_info:
    transit_router_id: "{{ tr.transit_router.transit_router_id }}"
  register: bindings
"""

RETURN = r"""
associations:
  description: The associations found.
  returned: always
  type: list
  elements: dict
  contains:
    transit_router_attachment_id:
      description: The attachment.
      type: str
    transit_router_route_table_id:
      description: The route table.
      type: str
    status:
      description: V(Associating), V(Active) or V(Dissociating).
      type: str
    resource_type:
      description: The type of the attached resource, for example V(VPC) or V(TR).
      type: str
    resource_id:
      description: The attached resource, for example the VPC or the peer transit router.
      type: str
propagations:
  description: The propagations found.
  returned: always
  type: list
  elements: dict
  contains:
    transit_router_attachment_id:
      description: The attachment.
      type: str
    transit_router_route_table_id:
      description: The route table.
      type: str
    status:
      description: V(Enabling), V(Active) or V(Disabling).
      type: str
    resource_type:
      description: The type of the attached resource, for example V(VPC) or V(TR).
      type: str
    resource_id:
      description: The attached resource, for example the VPC or the peer transit router.
      type: str
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products.cbn import (
    ASSOCIATIONS,
    PROPAGATIONS,
    ROUTE_TABLES,
    cbn_client,
)


def normalize(binding: dict, route_table_id: str) -> dict:
    return {
        "transit_router_attachment_id": binding.get("TransitRouterAttachmentId"),
        "transit_router_route_table_id": binding.get("TransitRouterRouteTableId") or route_table_id,
        "status": binding.get("Status"),
        "resource_type": binding.get("ResourceType"),
        "resource_id": binding.get("ResourceId"),
    }


def main():
    argument_spec = {
        "transit_router_id": {"type": "str"},
        "transit_router_route_table_id": {"type": "str", "aliases": ["route_table_id"]},
        "transit_router_attachment_id": {"type": "str", "aliases": ["attachment_id"]},
    }
    module = AlicloudModule(
        argument_spec=argument_spec,
        required_one_of=[["transit_router_id", "transit_router_route_table_id"]],
        supports_check_mode=True,
    )
    p = module.params
    client = cbn_client(module)
    associations, propagations = [], []
    try:
        if p["transit_router_route_table_id"]:
            tables = [p["transit_router_route_table_id"]]
        else:
            tables = [
                t["TransitRouterRouteTableId"]
                for t in list_items(client, ROUTE_TABLES, TransitRouterId=p["transit_router_id"])
            ]
        for table in tables:
            query = {"TransitRouterRouteTableId": table, "TransitRouterAttachmentId": p["transit_router_attachment_id"]}
            for item in list_items(client, ASSOCIATIONS, **query):
                if item.get("TransitRouterRouteTableId", table) == table:
                    associations.append(normalize(item, table))
            for item in list_items(client, PROPAGATIONS, **query):
                if item.get("TransitRouterRouteTableId", table) == table:
                    propagations.append(normalize(item, table))
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing route table bindings")
    if p["transit_router_attachment_id"]:
        associations = [
            a for a in associations if a["transit_router_attachment_id"] == p["transit_router_attachment_id"]
        ]
        propagations = [
            a for a in propagations if a["transit_router_attachment_id"] == p["transit_router_attachment_id"]
        ]
    module.exit_json(changed=False, associations=associations, propagations=propagations)


if __name__ == "__main__":
    main()
