#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_transit_router_peer_attachment_info
short_description: List the inter-region connections (peer attachments) of CEN transit routers
version_added: 0.1.0
description:
  - Lists peer attachments, filtered by CEN instance, transit router (on either side) and attachment IDs.
  - At least one of O(cen_id), O(transit_router_id) or O(transit_router_attachment_ids) is required.
options:
  cen_id:
    description: Only connections of this CEN instance.
    type: str
  transit_router_id:
    description: Only connections of this transit router, on either side.
    type: str
  region:
    description:
      - The region of O(transit_router_id); when not set, connections in every region are listed.
      - If not set, taken from E(ALIBABA_CLOUD_REGION_ID), then E(ALICLOUD_REGION), then E(ALICLOUD_REGION_ID).
    type: str
    aliases: [alicloud_region, region_id]
  transit_router_attachment_ids:
    description: Only these attachment IDs.
    type: list
    elements: str
    aliases: [ids]
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.info
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: Every inter-region connection of the CEN instance
  geomesh.alicloud.cen_transit_router_peer_attachment_info:
    cen_id: "{{ cen.cen.cen_id }}"
  register: peers
"""

RETURN = r"""
peer_attachments:
  description: The connections found.
  returned: always
  type: list
  elements: dict
  contains:
    transit_router_attachment_id:
      description: The connection ID.
      type: str
      sample: tr-attach-r6g0m3epjehw57****
    transit_router_attachment_name:
      description: The name.
      type: str
    transit_router_attachment_description:
      description: The description.
      type: str
    status:
      description: V(Attaching), V(Attached), V(Detaching) or V(Detached).
      type: str
    cen_id:
      description: The CEN instance.
      type: str
    transit_router_id:
      description: The transit router on the side that created the connection.
      type: str
    region_id:
      description: The region of the transit router.
      type: str
    peer_transit_router_id:
      description: The transit router on the other side.
      type: str
    peer_transit_router_region_id:
      description: The region of the peer transit router.
      type: str
    bandwidth:
      description: The bandwidth in Mbit/s.
      type: int
    bandwidth_type:
      description: V(DataTransfer) or V(BandwidthPackage).
      type: str
    cen_bandwidth_package_id:
      description: The bandwidth plan, with V(BandwidthPackage).
      type: str
    default_link_type:
      description: V(Gold) or V(Platinum).
      type: str
    auto_publish_route_enabled:
      description: Whether routes are advertised automatically.
      type: bool
    resource_type:
      description: V(TR).
      type: str
    geographic_span_id:
      description: The area pair the connection spans.
      type: str
    creation_time:
      description: When the connection was created.
      type: str
    tags:
      description: The tags as a dictionary.
      type: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products.cbn import (
    PEER_ATTACHMENTS,
    cbn_client,
    normalize_peer_attachment,
)


def main():
    argument_spec = {
        "cen_id": {"type": "str"},
        "transit_router_id": {"type": "str"},
        "transit_router_attachment_ids": {"type": "list", "elements": "str", "aliases": ["ids"]},
    }
    module = AlicloudModule(
        argument_spec=argument_spec,
        required_one_of=[["cen_id", "transit_router_id", "transit_router_attachment_ids"]],
        supports_check_mode=True,
    )
    p = module.params
    region = module.settings.get("region")
    client = cbn_client(module)
    result = []
    seen = set()
    tr_id = p["transit_router_id"]
    try:
        for attachment_id in p["transit_router_attachment_ids"] or [None]:
            # the router may be on the peer side: list by CEN when known and filter here
            query = {"CenId": p["cen_id"], "TransitRouterAttachmentId": attachment_id}
            if not p["cen_id"]:
                query.update(TransitRouterId=tr_id, RegionId=region)
            for a in list_items(client, PEER_ATTACHMENTS, **query):
                key = a.get("TransitRouterAttachmentId")
                if key in seen or (attachment_id and key != attachment_id):
                    continue
                if tr_id and tr_id not in (a.get("TransitRouterId"), a.get("PeerTransitRouterId")):
                    continue
                if region and not tr_id and region not in (a.get("RegionId"), a.get("PeerTransitRouterRegionId")):
                    continue
                seen.add(key)
                result.append(normalize_peer_attachment(a))
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing peer attachments")
    module.exit_json(changed=False, peer_attachments=result)


if __name__ == "__main__":
    main()
