#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpc_zone_info
short_description: List the zones of an Alibaba Cloud region
version_added: 0.1.0
description:
  - Lists the zones of the region O(region) (C(DescribeZones) of the VPC API), for example to check the zones of
    the vSwitches of a plan before anything is created.
  - Fails when the region does not exist.
  - Read-only; never changes anything.
options:
  zone_type:
    description: Only zones of this type; the API lists V(AvailabilityZone) zones when not set.
    type: str
  accept_language:
    description: Language of the C(local_name) of each zone; the API answers in Chinese when not set.
    type: str
    choices: [zh-cn, en-us, ja]
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The zones of Shanghai
  geomesh.alicloud.vpc_zone_info:
    region: cn-shanghai
    accept_language: en-us
  register: shanghai

- name: Stop when a vSwitch is planned in a zone that does not exist
  ansible.builtin.assert:
    that: "'cn-shanghai-b' in shanghai.zones | map(attribute='zone_id')"
"""

RETURN = r"""
zones:
  description: The zones of the region, sorted by ID.
  returned: always
  type: list
  elements: dict
  contains:
    zone_id:
      description: The zone ID.
      type: str
      sample: cn-shanghai-b
    local_name:
      description: The name of the zone.
      type: str
      sample: Shanghai Zone B
    zone_type:
      description: The zone type.
      type: str
      sample: AvailabilityZone
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import vpc


def list_zones(module: AlicloudModule) -> list:
    """DescribeZones of the region; an unknown region is an error, not an empty list."""
    params = module.params
    found = list_items(
        module.client("vpc"),
        vpc.ZONES,
        quiet=False,
        RegionId=module.region,
        ZoneType=params["zone_type"],
        AcceptLanguage=params["accept_language"],
    )
    return sorted((vpc.normalize_zone(z) for z in found), key=lambda zone: zone["zone_id"] or "")


def main():
    argument_spec = {
        "zone_type": {"type": "str"},
        "accept_language": {"type": "str", "choices": ["zh-cn", "en-us", "ja"]},
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        zones = list_zones(module)
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing the zones of %s" % module.region)
    module.exit_json(changed=False, zones=zones)


if __name__ == "__main__":
    main()
