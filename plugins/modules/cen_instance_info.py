#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_instance_info
short_description: List Alibaba Cloud CEN instances
version_added: 0.1.0
description:
  - Lists Cloud Enterprise Network (CEN) instances, optionally filtered by ID, exact name and tags.
  - CEN is a global service; O(region) is only the region of the API client.
options:
  cen_ids:
    description: Only these CEN instance IDs.
    type: list
    elements: str
    aliases: [ids]
  name:
    description: Only instances with exactly this name.
    type: str
    aliases: [cen_name]
  tags:
    description: Only instances that have all of these tags.
    type: dict
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.info
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: Find the CEN instance by name
  geomesh.alicloud.cen_instance_info:
    name: cen-geomesh
  register: found

- name: Show its ID
  ansible.builtin.debug:
    msg: "{{ found.cens[0].cen_id }}"
"""

RETURN = r"""
cens:
  description: The CEN instances found.
  returned: always
  type: list
  elements: dict
  contains:
    cen_id:
      description: The CEN instance ID.
      type: str
    name:
      description: The name.
      type: str
    description:
      description: The description.
      type: str
    status:
      description: V(Creating), V(Active) or V(Deleting).
      type: str
    protection_level:
      description: The level of CIDR block overlapping.
      type: str
    cen_bandwidth_package_ids:
      description: IDs of the associated bandwidth plans.
      type: list
      elements: str
    resource_group_id:
      description: The resource group.
      type: str
    creation_time:
      description: When the instance was created.
      type: str
    tags:
      description: The tags as a dictionary.
      type: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.products.cbn import (
    cbn_client,
    describe_cens,
    normalize_cen,
    resource_tags,
)


def main():
    argument_spec = {
        "cen_ids": {"type": "list", "elements": "str", "aliases": ["ids"]},
        "name": {"type": "str", "aliases": ["cen_name"]},
        "tags": {"type": "dict"},
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    wanted_tags = {str(k): str(v) for k, v in (params["tags"] or {}).items()}
    try:
        cens = describe_cens(cbn_client(module), cen_ids=params["cen_ids"], name=params["name"], tags=wanted_tags)
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing CEN instances")
    result = []
    for cen in cens:
        if params["cen_ids"] and cen.get("CenId") not in params["cen_ids"]:
            continue
        if params["name"] and cen.get("Name") != params["name"]:
            continue
        tags = resource_tags(cen)
        if any(tags.get(k) != v for k, v in wanted_tags.items()):
            continue
        result.append(normalize_cen(cen))
    module.exit_json(changed=False, cens=result)


if __name__ == "__main__":
    main()
