#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ack_node_pool_info
short_description: List the node pools and nodes of an ACK cluster
version_added: 0.2.0
description:
  - Lists the node pools of an ACK cluster (all of them, or one by O(node_pool_id)) and their nodes, with each node's
    private IP address, zone and Pod CIDR.
  - Read-only; supports check mode.
  - C(DescribeClusterNodes) does not return a node's zone; C(zone_id) is the zone of the cluster VPC's vSwitch whose
    CIDR block holds the node's IP address (C(DescribeVSwitches)).
  - C(pod_cidr) comes from the VPC route table. On a Flannel cluster the ACK cloud controller manager adds one custom
    route entry per node to the VPC's system route table, whose destination is the node's Pod CIDR and whose next
    hop is the node's ECS instance (see
    U(https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/work-with-flannel)); the
    module reads them with C(DescribeRouteEntryList) and matches the next hop to the node's instance ID. It is null
    on a Terway cluster (no cluster Pod CIDR; pods take addresses from pod vSwitches), and for a node whose route is
    not there yet. Only route entries inside the cluster's Pod CIDR (C(container_cidr)) are used.
options:
  cluster_id:
    description: The ID of the ACK cluster.
    type: str
    required: true
  node_pool_id:
    description: Only this node pool and its nodes.
    type: str
    aliases: [id]
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: Nodes of the Hangzhou cluster
  geomesh.alicloud.ack_node_pool_info:
    region: cn-hangzhou
    cluster_id: "{{ cluster.cluster.cluster_id }}"
  register: pools

- name: Their Pod CIDRs
  ansible.builtin.debug:
    msg: "{{ pools.nodes | map(attribute='pod_cidr') | list }}"
"""

RETURN = r"""
node_pools:
  description: The node pools (one, or none, with O(node_pool_id)).
  returned: always
  type: list
  elements: dict
  contains:
    node_pool_id:
      description: The node pool ID.
      type: str
    cluster_id:
      description: The cluster ID.
      type: str
    name:
      description: The node pool name.
      type: str
    state:
      description: V(active), V(scaling), V(updating), V(removing), V(deleting) or V(initial).
      type: str
    desired_size:
      description: The desired number of nodes.
      type: int
    total_nodes:
      description: How many nodes the pool has.
      type: int
    healthy_nodes:
      description: How many of them are healthy.
      type: int
    instance_types:
      description: The instance types, in order of preference.
      type: list
      elements: str
    vswitch_ids:
      description: The vSwitches of the nodes.
      type: list
      elements: str
    system_disk_category:
      description: The system disk category.
      type: str
    system_disk_size:
      description: The system disk size in GiB.
      type: int
    key_pair:
      description: The login key pair; null when the nodes log in with a password.
      type: str
    instance_charge_type:
      description: The billing method of the nodes.
      type: str
    labels:
      description: The Kubernetes labels of the nodes.
      type: dict
    taints:
      description: The Kubernetes taints of the nodes (C(key), C(value), C(effect)), sorted.
      type: list
      elements: dict
    security_group_ids:
      description: The security groups of the nodes.
      type: list
      elements: str
nodes:
  description: The nodes of the cluster (of O(node_pool_id) when given).
  returned: always
  type: list
  elements: dict
  contains:
    node_name:
      description: The Kubernetes node name.
      type: str
      sample: cn-hangzhou.10.1.0.12
    instance_id:
      description: The ECS instance ID.
      type: str
    node_pool_id:
      description: The node pool of the node.
      type: str
    ip_address:
      description: The node's private IP address.
      type: str
    zone_id:
      description: The zone (of the vSwitch whose CIDR block holds the IP address); null when none does.
      type: str
    state:
      description: The node's state in ACK (V(running), V(initial), V(removing), V(failed), ...).
      type: str
    node_status:
      description: The Kubernetes node status (V(Ready), V(NotReady), V(Unknown), V(Offline)).
      type: str
    pod_cidr:
      description:
        - The node's Pod CIDR on a Flannel cluster, from the VPC route entry whose next hop is the node's instance.
        - Null on a Terway cluster or while the route is not there.
      type: str
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import list_items
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import cs, vpc


def read(module):
    cluster_id, pool_id = module.params["cluster_id"], module.params["node_pool_id"]
    client = module.client("cs")
    cluster = cs.get_cluster(client, cluster_id)
    if cluster is None:
        module.fail_json(msg="cluster_id %s was not found" % cluster_id, field="cluster_id")
    if pool_id:
        pool = cs.get_node_pool(client, cluster_id, pool_id)
        pools = [pool] if pool else []
    else:
        pools = cs.list_node_pools(client, cluster_id)
    nodes = cs.list_nodes(client, cluster_id, pool_id) if pools or not pool_id else []
    vswitches, routes = [], {}
    if nodes and cluster.get("vpc_id"):
        network = module.client("vpc")
        region = module.region
        vswitches = list_items(network, vpc.VSWITCHES, RegionId=region, VpcId=cluster["vpc_id"])
        route_table = vpc.normalize_vpc(vpc.get_vpc(network, region, cluster["vpc_id"])).get("route_table_id")
        pod_cidr = cluster.get("container_cidr") or cluster.get("subnet_cidr")
        if route_table and pod_cidr:
            # only routes inside the cluster's Pod CIDR: the ones the cloud controller manages
            routes = cs.routes_within(vpc.instance_routes(network, region, route_table), pod_cidr)
    return (
        [cs.normalize_node_pool(p, cluster_id) for p in pools],
        [cs.normalize_node(n, routes, vswitches) for n in nodes],
    )


def main():
    argument_spec = {
        "cluster_id": {"type": "str", "required": True},
        "node_pool_id": {"type": "str", "aliases": ["id"]},
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    if not module.params["cluster_id"]:
        module.fail_json(msg="cluster_id must not be empty", field="cluster_id")
    try:
        node_pools, nodes = read(module)
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing the node pools of cluster %s" % module.params["cluster_id"])
    module.exit_json(changed=False, node_pools=node_pools, nodes=nodes)


if __name__ == "__main__":
    main()
