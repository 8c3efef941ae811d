#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ack_cluster_info
short_description: List ACK managed Kubernetes clusters
version_added: 0.2.0
description:
  - Lists the ACK managed clusters (C(ManagedKubernetes)) of a region, optionally only the one with an ID, an exact
    name, or in a VPC.
  - Each cluster is read with C(DescribeClusterDetail), so the entries carry the same keys as
    M(geomesh.alicloud.ack_cluster) returns.
  - Read-only; never changes anything.
options:
  cluster_id:
    description: Only this cluster. An ID that does not exist gives an empty list, not an error.
    type: str
    aliases: [id]
  name:
    description: Only clusters with exactly this name (the API's C(name) filter is fuzzy; it is matched exactly here).
    type: str
  vpc_id:
    description: Only clusters in this VPC.
    type: str
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The clusters of a VPC
  geomesh.alicloud.ack_cluster_info:
    region: cn-hangzhou
    vpc_id: "{{ vpc.vpc.vpc_id }}"
  register: found

- name: One cluster by name
  geomesh.alicloud.ack_cluster_info:
    region: cn-hangzhou
    name: ack-hangzhou
"""

RETURN = r"""
clusters:
  description: The matching clusters, sorted by ID.
  returned: always
  type: list
  elements: dict
  contains:
    cluster_id:
      description: The cluster ID.
      type: str
    name:
      description: The cluster name.
      type: str
    state:
      description: The cluster state (V(initial), V(running), V(failed), ...).
      type: str
    region_id:
      description: The region.
      type: str
    cluster_type:
      description: V(ManagedKubernetes).
      type: str
    cluster_spec:
      description: V(ack.pro.small) or V(ack.standard).
      type: str
    vpc_id:
      description: The VPC.
      type: str
    vswitch_ids:
      description: The control-plane vSwitches.
      type: list
      elements: str
    security_group_id:
      description: The cluster security group.
      type: str
    network_plugin:
      description: V(flannel) or V(terway).
      type: str
    pod_cidr:
      description: The Pod CIDR block (Flannel); null with Terway.
      type: str
    pod_vswitch_ids:
      description: The Pod vSwitches (Terway) when the API reports them.
      type: list
      elements: str
    service_cidr:
      description: The Service CIDR block.
      type: str
    node_cidr_mask:
      description: The prefix length of each node's Pod CIDR block (Flannel); null with Terway.
      type: int
    proxy_mode:
      description: The kube-proxy mode.
      type: str
    kubernetes_version:
      description: The current Kubernetes version.
      type: str
    api_server_endpoint:
      description: The public API server endpoint; empty without public access.
      type: str
    intranet_api_server_endpoint:
      description: The API server endpoint in the VPC.
      type: str
    endpoint_public_access:
      description: Whether the API server has a public endpoint.
      type: bool
    deletion_protection:
      description: Whether deletion protection is on.
      type: bool
    tags:
      description: The tags as a dictionary.
      type: dict
    size:
      description: The number of nodes.
      type: int
    created:
      description: When the cluster was created.
      type: str
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import cs
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_resource_id


def list_clusters(module: AlicloudModule) -> list:
    params = module.params
    client = module.client("cs")
    if params["cluster_id"]:
        found = [c for c in [cs.get_cluster(client, params["cluster_id"])] if c and c.get("region_id") == module.region]
    else:
        listed = cs.list_clusters(client, module.region, name=params["name"])
        # The SDK's DescribeClustersV1 item model drops detail fields: read each cluster.
        found = [c for c in (cs.get_cluster(client, item["cluster_id"]) for item in listed) if c]
    result = []
    for cluster in (cs.normalize_cluster(c) for c in found):
        if params["name"] is not None and cluster["name"] != params["name"]:
            continue
        if params["vpc_id"] is not None and cluster["vpc_id"] != params["vpc_id"]:
            continue
        result.append(cluster)
    unique = {cluster["cluster_id"]: cluster for cluster in result}
    return [unique[key] for key in sorted(unique)]


def main():
    argument_spec = {
        "cluster_id": {"type": "str", "aliases": ["id"]},
        "name": {"type": "str"},
        "vpc_id": {"type": "str"},
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["vpc_id"]:
        module.validate(validate_resource_id, "vpc_id", module.params["vpc_id"], "vpc")
    try:
        clusters = list_clusters(module)
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing ACK clusters")
    module.exit_json(changed=False, clusters=clusters)


if __name__ == "__main__":
    main()
