#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: asm_version_info
short_description: List the Istio versions ASM offers for a new service mesh
version_added: 0.2.0
description:
  - Lists the Istio versions ASM offers per edition (C(DescribeVersions)), newest first, and resolves the version a
    new mesh of O(edition) would get - what M(geomesh.alicloud.asm_mesh) does before it creates one.
  - Use it to check the version a plan names before anything is created (the C(cluster_join) role's plan check
    does).
  - Read-only; never changes anything.
options:
  edition:
    description: Only the versions of this edition (V(Default) is the Standard edition, V(Pro) the commercial one).
    type: str
    choices: [Default, Pro]
  istio_version:
    description:
      - Resolve this version (V(v1.22.6.66-g1e5b0e4d-aliyun)) for O(edition) instead of the newest one;
        RV(resolved_version) is null when the edition does not offer it.
    type: str
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The Istio versions of the Pro edition
  geomesh.alicloud.asm_version_info:
    region: cn-hangzhou
    edition: Pro
  register: asm_versions

- name: The mesh would get this version
  ansible.builtin.debug:
    msg: "{{ asm_versions.resolved_version }}"
"""

RETURN = r"""
resolved_version:
  description:
    - With O(edition), the version a new mesh gets - O(istio_version) when the edition offers it, else the newest -
      or null when there is none. Null without O(edition).
  returned: always
  type: str
  sample: v1.22.6.66-g1e5b0e4d-aliyun
versions:
  description: The versions offered, newest first (only those of O(edition) when set).
  returned: always
  type: list
  elements: dict
  contains:
    edition:
      description: The edition.
      type: str
      sample: Pro
    version:
      description: The ASM version (Istio version and ASM build).
      type: str
      sample: v1.22.6.66-g1e5b0e4d-aliyun
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import servicemesh


def main():
    argument_spec = {
        "edition": {"type": "str", "choices": list(servicemesh.EDITIONS)},
        "istio_version": {"type": "str"},
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    try:
        rows = servicemesh.version_rows(module.client("servicemesh"))
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing the ASM versions")
    if params["edition"]:
        rows = [row for row in rows if row[0] == params["edition"]]
    offered = [row[1] for row in rows]
    resolved = None
    if params["edition"] and offered:
        wanted = params["istio_version"]
        resolved = offered[0] if not wanted else (wanted if wanted in offered else None)
    module.exit_json(
        changed=False, versions=[servicemesh.normalize_version(r) for r in rows], resolved_version=resolved
    )


if __name__ == "__main__":
    main()
