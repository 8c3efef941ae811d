#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ack_version_info
short_description: List the Kubernetes versions ACK offers in a region
version_added: 0.2.0
description:
  - Lists the Kubernetes versions of ACK managed clusters in the region O(region)
    (C(DescribeKubernetesVersionMetadata), which takes the region and the cluster type), newest first, with the
    container runtimes each offers, and resolves the version a new cluster would get - what M(geomesh.alicloud.ack_cluster)
    does before it creates one.
  - Use it to check the version a plan names before anything is created (the C(cluster) role's preflight does).
  - Read-only; never changes anything.
options:
  kubernetes_version:
    description:
      - Resolve this version (V(1.31.1-aliyun.1)) or the newest of a minor (V(1.31)) instead of the newest creatable
        one; RV(resolved_version) is null when the region offers no such version for creation.
      - RV(versions) lists every version either way.
    type: str
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The Kubernetes versions of Hangzhou
  geomesh.alicloud.ack_version_info:
    region: cn-hangzhou
    kubernetes_version: "1.31"
  register: ack_versions

- name: Stop before anything is created when 1.31 cannot be created there
  ansible.builtin.assert:
    that: ack_versions.resolved_version is not none
    fail_msg: "creatable: {{ ack_versions.versions | selectattr('creatable') | map(attribute='version') | join(', ') }}"
"""

RETURN = r"""
resolved_version:
  description:
    - The version a new cluster gets - the newest creatable one, or the newest creatable one O(kubernetes_version)
      names - or null when there is none.
  returned: always
  type: str
  sample: 1.31.1-aliyun.1
versions:
  description: The versions of the region, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    version:
      description: The Kubernetes version.
      type: str
      sample: 1.31.1-aliyun.1
    creatable:
      description: Whether a new cluster can use it.
      type: bool
    release_date:
      description: When ACK released it.
      type: str
    expiration_date:
      description: When ACK stops supporting it.
      type: str
    runtimes:
      description: The container runtimes offered with it, each with C(name) and C(version).
      type: list
      elements: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import cs


def main():
    module = AlicloudModule(argument_spec={"kubernetes_version": {"type": "str"}}, supports_check_mode=True)
    try:
        metadata = cs.version_metadata(module.client("cs"), module.region)
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing the Kubernetes versions of %s" % module.region)
    resolved = cs.resolve_version(metadata, module.params["kubernetes_version"])
    versions = sorted(
        (cs.normalize_version(m) for m in metadata), key=lambda v: cs.version_key(v["version"]), reverse=True
    )
    module.exit_json(changed=False, versions=versions, resolved_version=resolved["version"] if resolved else None)


if __name__ == "__main__":
    main()
