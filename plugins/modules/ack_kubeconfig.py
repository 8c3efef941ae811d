#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ack_kubeconfig
short_description: Fetch the kubeconfig of an ACK cluster and optionally write it to a file
version_added: 0.2.0
description:
  - Fetches the kubeconfig of an ACK cluster (C(DescribeClusterUserKubeconfig)), returns it and its expiry, and writes
    it to O(dest) when given.
  - Fetching is a read call; the module changes something only when it writes or fixes the mode of O(dest).
options:
  cluster_id:
    description: The cluster.
    type: str
    required: true
    aliases: [id]
  private:
    description:
      - V(true) for the kubeconfig of the API server's endpoint in the VPC, V(false) for the public endpoint (which the
        cluster only has with C(endpoint_public_access)).
    type: bool
    default: false
  temporary_duration_minutes:
    description: A temporary kubeconfig valid for this many minutes (15 to 4320); default the API's long validity.
    type: int
extends_documentation_fragment:
  - geomesh.alicloud.kubeconfig
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The kubeconfig of the Hangzhou cluster, for the endpoint in the VPC
  geomesh.alicloud.ack_kubeconfig:
    region: cn-hangzhou
    cluster_id: "{{ cluster.cluster.cluster_id }}"
    private: true
    dest: "{{ playbook_dir }}/.kube/ack-hangzhou.yaml"
  register: kube

- name: The kubeconfig as a value, for a later task (it holds credentials, hence no_log)
  geomesh.alicloud.ack_kubeconfig:
    region: cn-hangzhou
    cluster_id: "{{ cluster.cluster.cluster_id }}"
    return_content: true
  no_log: true
  register: kube_value
"""

RETURN = r"""
kubeconfig:
  description:
    - The kubeconfig (YAML) in effect - the one kept in O(dest) when the file was kept - with O(return_content=true),
      else null. It holds credentials; the module never puts it in its diff or messages.
  returned: always
  type: str
expiration:
  description: When the kubeconfig expires (ISO 8601).
  returned: always
  type: str
  sample: "2026-12-05T10:00:00+00:00"
dest:
  description: The absolute path of the file, or null without O(dest).
  returned: always
  type: str
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils import kubeconfig
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule


def main():
    argument_spec = {
        "cluster_id": {"type": "str", "required": True, "aliases": ["id"]},
        "private": {"type": "bool", "default": False},
        "temporary_duration_minutes": {"type": "int"},
        **kubeconfig.FILE_OPTIONS,
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    minutes = params["temporary_duration_minutes"]
    if minutes is not None and not 15 <= minutes <= 4320:
        module.fail_json(msg="temporary_duration_minutes must be 15 to 4320", field="temporary_duration_minutes")

    def fetch():
        # alicloud-api.md section 4: GET /k8s/{cluster_id}/user_config, query PrivateIpAddress and
        # TemporaryDurationMinutes; the answer carries config and expiration (RFC 3339).
        body = module.client("cs").call(
            "DescribeClusterUserKubeconfig",
            params["cluster_id"],
            PrivateIpAddress=params["private"],
            TemporaryDurationMinutes=minutes,
        )
        return body.get("config"), body.get("expiration")

    kubeconfig.run(module, "ACK cluster %s" % params["cluster_id"], fetch)


if __name__ == "__main__":
    main()
