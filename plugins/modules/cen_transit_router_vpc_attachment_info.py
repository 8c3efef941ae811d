#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_transit_router_vpc_attachment_info
short_description: List the VPC attachments of CEN transit routers
version_added: 0.1.0
description:
  - Lists VPC attachments, filtered by CEN instance, transit router, VPC and attachment IDs.
  - At least one of O(cen_id), O(transit_router_id) or O(transit_router_attachment_ids) is required.
options:
  cen_id:
    description: Only attachments of this CEN instance.
    type: str
  transit_router_id:
    description: Only attachments of this transit router.
    type: str
  region:
    description:
      - Only attachments in this region.
      - If not set, taken from E(ALIBABA_CLOUD_REGION_ID), then E(ALICLOUD_REGION), then E(ALICLOUD_REGION_ID).
    type: str
    aliases: [alicloud_region, region_id]
  vpc_id:
    description: Only attachments of this VPC.
    type: str
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
- name: The attachments of the Hangzhou transit router
  geomesh.alicloud.cen_transit_router_vpc_attachment_info:
    cen_id: "{{ cen.cen.cen_id }}"
    region: cn-hangzhou
    transit_router_id: "{{ tr.transit_router.transit_router_id }}"
  register: attachments
"""

RETURN = r"""
vpc_attachments:
  description: The VPC attachments found.
  returned: always
  type: list
  elements: dict
  contains:
    transit_router_attachment_id:
      description: The attachment ID.
      type: str
      sample: tr-attach-nls9fzkfat8934****
    transit_router_attachment_name:
      description: The name.
      type: str
    transit_router_attachment_description:
      description: The description.
      type: str
    status:
      description: V(Attaching), V(Attached) or V(Detaching).
      type: str
    cen_id:
      description: The CEN instance.
      type: str
    transit_router_id:
      description: The transit router.
      type: str
    vpc_id:
      description: The VPC.
      type: str
    vpc_region_id:
      description: The region of the VPC.
      type: str
    auto_publish_route_enabled:
      description: Whether route synchronization into the VPC is on.
      type: bool
    zone_mappings:
      description: The zones and vSwitches, with the network interface the router made in each.
      type: list
      elements: dict
      contains:
        zone_id:
          description: The zone.
          type: str
        vswitch_id:
          description: The vSwitch.
          type: str
        network_interface_id:
          description: The network interface of the transit router in the vSwitch.
          type: str
    resource_type:
      description: V(VPC).
      type: str
    charge_type:
      description: The billing method.
      type: str
    creation_time:
      description: When the attachment was created.
      type: str
    tags:
      description: The tags as a dictionary.
      type: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products.cbn import (
    VPC_ATTACHMENTS,
    cbn_client,
    normalize_vpc_attachment,
)


def main():
    argument_spec = {
        "cen_id": {"type": "str"},
        "transit_router_id": {"type": "str"},
        "vpc_id": {"type": "str"},
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
    try:
        for attachment_id in p["transit_router_attachment_ids"] or [None]:
            for a in list_items(
                client,
                VPC_ATTACHMENTS,
                CenId=p["cen_id"],
                RegionId=region,
                TransitRouterId=p["transit_router_id"],
                VpcId=p["vpc_id"],
                TransitRouterAttachmentId=attachment_id,
            ):
                key = a.get("TransitRouterAttachmentId")
                if key in seen or (attachment_id and key != attachment_id):
                    continue
                if p["vpc_id"] and a.get("VpcId") != p["vpc_id"]:
                    continue
                if p["transit_router_id"] and a.get("TransitRouterId") not in (None, p["transit_router_id"]):
                    continue
                seen.add(key)
                result.append(normalize_vpc_attachment(a))
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing VPC attachments")
    module.exit_json(changed=False, vpc_attachments=result)


if __name__ == "__main__":
    main()
