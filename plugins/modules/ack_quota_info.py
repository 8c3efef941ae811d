#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ack_quota_info
short_description: Read the account's ACK quotas
version_added: 0.3.0
description:
  - Reads the ACK quotas of the account (C(DescribeUserQuota)) - how many clusters, node pools per cluster and nodes
    per cluster it may have, for example to check that a plan fits before anything is created.
  - Read-only; never changes anything. O(region) picks the endpoint; the quotas are the account's.
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The ACK quotas
  geomesh.alicloud.ack_quota_info:
    region: cn-hangzhou
  register: ack_quota

- name: Stop when two more clusters would not fit
  ansible.builtin.assert:
    that: ack_quota.quota.cluster_quota >= 2
"""

RETURN = r"""
quota:
  description: The quotas; a field the API leaves out is null.
  returned: always
  type: dict
  contains:
    cluster_quota:
      description: The number of ACK clusters the account may have (documented default 50).
      type: int
      sample: 50
    cluster_nodepool_quota:
      description: The number of node pools a cluster may have (documented default 20).
      type: int
      sample: 20
    node_quota:
      description: The number of nodes a cluster may have (documented default 100).
      type: int
      sample: 100
    amk_cluster_quota:
      description: The number of ACK managed clusters the account may have.
      type: int
    ask_cluster_quota:
      description: The number of ACK Serverless clusters the account may have.
      type: int
    quotas:
      description: Further quotas by quota code, as the API returns them.
      type: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule

FIELDS = ("cluster_quota", "cluster_nodepool_quota", "node_quota", "amk_cluster_quota", "ask_cluster_quota")


def normalize_quota(body: dict) -> dict:
    quota = {field: body.get(field) for field in FIELDS}
    quota["quotas"] = body.get("quotas") or {}
    return quota


def main():
    module = AlicloudModule(argument_spec={}, supports_check_mode=True)
    try:
        body = module.client("cs").call("DescribeUserQuota")
    except AlicloudError as err:
        module.fail_json_alicloud(err, "reading the ACK quotas")
    module.exit_json(changed=False, quota=normalize_quota(body))


if __name__ == "__main__":
    main()
