#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_transit_router_zone_info
short_description: List the zones of a region where transit routers can attach VPCs
version_added: 0.3.0
description:
  - Lists the zones of the region O(region) that support transit router resources
    (C(ListTransitRouterAvailableResource) of the CEN API). A VPC attachment needs vSwitches in zones of this list,
    so use it to check the zones of a plan before anything is created.
  - Fails when the region does not exist.
  - Read-only; never changes anything.
options:
  support_multicast:
    description: Only zones that support multicast too.
    type: bool
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The zones of Hangzhou where a VPC can be attached to a transit router
  geomesh.alicloud.cen_transit_router_zone_info:
    region: cn-hangzhou
  register: tr_zones

- name: Stop when a planned vSwitch is in a zone without transit router support
  ansible.builtin.assert:
    that: "'cn-hangzhou-h' in tr_zones.available_zones"
"""

RETURN = r"""
available_zones:
  description: The zones that support transit router attachments, sorted.
  returned: always
  type: list
  elements: str
  sample: [cn-hangzhou-h, cn-hangzhou-i]
master_zones:
  description:
    - The primary zones of the region, sorted; they only matter for transit routers not upgraded
      (U(https://www.alibabacloud.com/help/doc-detail/261356.htm)).
  returned: always
  type: list
  elements: str
slave_zones:
  description: The secondary zones of the region, sorted (as RV(master_zones)).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule


def zone_list(value) -> list:
    """A zone list of the response: a list of IDs, or (tolerated) a list of C(ZoneId) objects."""
    zones = []
    for item in value or []:
        zone = item.get("ZoneId") if isinstance(item, dict) else item
        if zone:
            zones.append(str(zone))
    return sorted(set(zones))


def main():
    module = AlicloudModule(argument_spec={"support_multicast": {"type": "bool"}}, supports_check_mode=True)
    try:
        body = module.client("cbn").call(
            "ListTransitRouterAvailableResource",
            RegionId=module.region,
            SupportMulticast=module.params["support_multicast"],
        )
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing the transit router zones of %s" % module.region)
    module.exit_json(
        changed=False,
        available_zones=zone_list(body.get("AvailableZones")),
        master_zones=zone_list(body.get("MasterZones")),
        slave_zones=zone_list(body.get("SlaveZones")),
    )


if __name__ == "__main__":
    main()
