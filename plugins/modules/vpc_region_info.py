#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vpc_region_info
short_description: List the Alibaba Cloud regions of the VPC service
version_added: 0.1.0
description:
  - Lists the regions where the account can use VPC (C(DescribeRegions) of the VPC API), for example to check the
    regions of a plan before anything is created.
  - The call goes to the VPC endpoint of O(region); any region the account can reach answers with the full list.
  - Read-only; never changes anything.
options:
  accept_language:
    description: Language of the C(local_name) of each region; the API answers in Chinese when not set.
    type: str
    choices: [zh-CN, en-US]
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The regions, in English
  geomesh.alicloud.vpc_region_info:
    region: cn-hangzhou
    accept_language: en-US
  register: found

- name: Stop when the plan names a region that does not exist
  ansible.builtin.assert:
    that: "'cn-shanghai' in found.regions | map(attribute='region_id')"
"""

RETURN = r"""
regions:
  description: The regions, sorted by ID.
  returned: always
  type: list
  elements: dict
  contains:
    region_id:
      description: The region ID.
      type: str
      sample: cn-hangzhou
    local_name:
      description: The name of the region.
      type: str
      sample: China (Hangzhou)
    region_endpoint:
      description: The VPC endpoint of the region.
      type: str
      sample: vpc.aliyuncs.com
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import vpc


def list_regions(module: AlicloudModule) -> list:
    found = list_items(module.client("vpc"), vpc.REGIONS, quiet=False, AcceptLanguage=module.params["accept_language"])
    return sorted((vpc.normalize_region(r) for r in found), key=lambda region: region["region_id"] or "")


def main():
    argument_spec = {"accept_language": {"type": "str", "choices": ["zh-CN", "en-US"]}}
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        regions = list_regions(module)
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing regions")
    module.exit_json(changed=False, regions=regions)


if __name__ == "__main__":
    main()
