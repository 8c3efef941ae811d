#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_transit_router_info
short_description: List the transit routers of a CEN instance
version_added: 0.1.0
description:
  - Lists the transit routers of a CEN instance, in one region (O(region)) or in all regions when O(region) is
    not set, each with the ID of its system route table.
options:
  cen_id:
    description: The CEN instance.
    type: str
    required: true
  region:
    description:
      - Only transit routers in this region. When not set, transit routers in every region are listed.
      - If not set, taken from E(ALIBABA_CLOUD_REGION_ID), then E(ALICLOUD_REGION), then E(ALICLOUD_REGION_ID).
    type: str
    aliases: [alicloud_region, region_id]
  transit_router_ids:
    description: Only these transit router IDs.
    type: list
    elements: str
    aliases: [ids]
  name:
    description: Only transit routers with exactly this name.
    type: str
    aliases: [transit_router_name]
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.info
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: Every transit router of the CEN instance
  geomesh.alicloud.cen_transit_router_info:
    cen_id: "{{ cen.cen.cen_id }}"
  register: routers
"""

RETURN = r"""
transit_routers:
  description: The transit routers found.
  returned: always
  type: list
  elements: dict
  contains:
    transit_router_id:
      description: The transit router ID.
      type: str
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
    tags:
      description: The tags as a dictionary.
      type: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products.cbn import (
    TRANSIT_ROUTERS,
    cbn_client,
    normalize_transit_router,
    system_route_table,
)


def main():
    argument_spec = {
        "cen_id": {"type": "str", "required": True},
        "transit_router_ids": {"type": "list", "elements": "str", "aliases": ["ids"]},
        "name": {"type": "str", "aliases": ["transit_router_name"]},
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    region = module.settings.get("region")
    client = cbn_client(module)
    result = []
    try:
        ids = params["transit_router_ids"] or [None]
        seen = set()
        for tr_id in ids:
            for tr in list_items(
                client,
                TRANSIT_ROUTERS,
                CenId=params["cen_id"],
                RegionId=region,
                TransitRouterId=tr_id,
                TransitRouterName=params["name"],
            ):
                key = tr.get("TransitRouterId")
                if key in seen or (tr_id and key != tr_id):
                    continue
                if params["name"] and tr.get("TransitRouterName") != params["name"]:
                    continue
                if region and tr.get("RegionId") not in (None, region):
                    continue
                seen.add(key)
                result.append(normalize_transit_router(tr, system_route_table(client, key)))
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing transit routers of %s" % params["cen_id"])
    module.exit_json(changed=False, transit_routers=result)


if __name__ == "__main__":
    main()
