#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ack_cluster
short_description: Create, update or delete an ACK managed Kubernetes cluster
version_added: 0.2.0
description:
  - Manages an ACK managed cluster (C(ManagedKubernetes), Pro by default) in a VPC, identified by O(cluster_id) or by
    O(name) and O(vpc_id) in the region (exact name match; C(DescribeClustersV1) filters names loosely).
  - The Kubernetes version defaults to the newest creatable version C(DescribeKubernetesVersionMetadata) lists for
    the region; it is resolved before the create call, and so is the container runtime version of the initial node
    pool.
  - The semantics of C(CreateCluster)'s C(client_token) are not documented, so the module looks the cluster up by
    name and VPC before it creates one and again before it repeats a create whose answer was lost (a 5xx answer or a
    network error), so it never makes a second cluster. A lookup that finds nothing right after such an answer is
    repeated for 30 s (a new cluster can be missing from the list for a while) before the create is sent again.
  - After the create call it waits on the creation task (C(DescribeTaskInfo)) and then until the cluster is
    V(running); a failed task fails the module with the task's error message.
  - Only O(deletion_protection) and O(tags) change in place. A different value of any other option for an existing
    cluster is refused, naming the option; O(node_pool) is only used to create the cluster (see
    C(geomesh.alicloud.ack_node_pool) for later changes).
  - Deletion is refused while deletion protection is on; then the module waits until the cluster is gone.
options:
  state:
    description: Whether the cluster should exist.
    type: str
    choices: [present, absent]
    default: present
  cluster_id:
    description: The ID of an existing cluster.
    type: str
    aliases: [id]
  name:
    description:
      - The cluster name, 1 to 63 characters. Identifies the cluster (with O(vpc_id)) when O(cluster_id) is not given.
    type: str
  vpc_id:
    description: The VPC of the cluster. Required to create or find a cluster by name; cannot change.
    type: str
  vswitch_ids:
    description: The vSwitches of the control plane (in the VPC). Required to create; cannot change.
    type: list
    elements: str
  cluster_spec:
    description:
      - V(ack.pro.small) (Pro) or V(ack.standard) (Basic). Cannot change.
      - V(ack.pro.small) when a cluster is created without it.
    type: str
    choices: [ack.pro.small, ack.standard]
  network_plugin:
    description:
      - V(flannel) (the C(flannel) addon, Pod IPs from O(pod_cidr)) or V(terway) (the C(terway-eniip) addon, Pod IPs
        from O(pod_vswitch_ids)). Cannot change.
      - V(flannel) when a cluster is created without it.
    type: str
    choices: [flannel, terway]
  pod_cidr:
    description:
      - The Pod CIDR block (C(container_cidr)), required with Flannel; it must not overlap the VPC, O(service_cidr) or
        other clusters. Cannot change.
    type: str
  pod_vswitch_ids:
    description:
      - The vSwitches Terway takes Pod IPs from, required with Terway. Cannot change.
      - The cluster detail does not report them, so a change is only detected when the API reports them.
    type: list
    elements: str
  service_cidr:
    description: The Service CIDR block (/16 to /24). The API's default is V(172.19.0.0/20). Cannot change.
    type: str
  node_cidr_mask:
    description: Flannel only, the prefix length of each node's Pod CIDR block, 24 to 28. Cannot change.
    type: int
  kubernetes_version:
    description:
      - The Kubernetes version, for example V(1.31.1-aliyun.1) or V(1.31) (the newest creatable patch of it).
      - Default the newest creatable version of the region. A different version of an existing cluster is refused;
        upgrades are out of the scope of this module.
    type: str
  proxy_mode:
    description: The kube-proxy mode. The API's default is V(ipvs). Cannot change.
    type: str
    choices: [ipvs, iptables]
  endpoint_public_access:
    description:
      - Whether the API server gets a public endpoint (an EIP). Cannot change.
      - V(false) when a cluster is created without it.
    type: bool
  deletion_protection:
    description: Whether deletion protection is on (C(ModifyCluster)); the cluster cannot be deleted while it is.
    type: bool
  node_pool:
    description:
      - The initial worker node pool, sent with the create call only.
    type: dict
    suboptions:
      name:
        description: The node pool name.
        type: str
        default: default-nodepool
      instance_types:
        description: ECS instance types of the nodes (1 to 10).
        type: list
        elements: str
        required: true
      desired_size:
        description: The number of nodes.
        type: int
        required: true
      vswitch_ids:
        description: The vSwitches of the nodes; default O(vswitch_ids).
        type: list
        elements: str
      system_disk_category:
        description: The system disk category.
        type: str
        default: cloud_essd
      system_disk_size:
        description: The system disk size in GiB (20 to 2048).
        type: int
        default: 120
      key_pair:
        description: The key pair of the nodes; exactly one of O(node_pool.key_pair) and O(node_pool.login_password).
        type: str
      login_password:
        description: The login password of the nodes; never logged.
        type: str
      labels:
        description: Kubernetes labels of the nodes.
        type: dict
      taints:
        description: Kubernetes taints of the nodes, each C({key, value, effect}).
        type: list
        elements: dict
      runtime:
        description: The container runtime.
        type: str
        default: containerd
      runtime_version:
        description: The runtime version; default the one C(DescribeKubernetesVersionMetadata) lists for the version.
        type: str
  wait_timeout:
    description: How many seconds to wait for the cluster to run or to be gone (creation takes 10 to 20 minutes).
    type: int
    default: 3600
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.tags
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: A Flannel cluster with two nodes
  geomesh.alicloud.ack_cluster:
    region: cn-hangzhou
    name: ack-hangzhou
    vpc_id: "{{ vpc.vpc.vpc_id }}"
    vswitch_ids: ["{{ vswitch.vswitch.vswitch_id }}"]
    pod_cidr: 10.0.0.0/16
    service_cidr: 172.19.0.0/20
    node_pool:
      instance_types: [ecs.g7.xlarge]
      desired_size: 2
      key_pair: geomesh
    tags:
      project: geomesh
  register: cluster

- name: Delete it (deletion protection must be off)
  geomesh.alicloud.ack_cluster:
    region: cn-hangzhou
    cluster_id: "{{ cluster.cluster.cluster_id }}"
    state: absent
"""

RETURN = r"""
cluster:
  description: The cluster as read back after the change; empty when O(state=absent).
  returned: always
  type: dict
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

import ipaddress
import time

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, WaiterError
from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import (
    FIXED,
    UPDATE,
    Attr,
    ResourceManager,
    create_without_token,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, resource_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import cs, vpc
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import tag_list_to_dict
from ansible_collections.geomesh.alicloud.plugins.module_utils.tokens import client_token
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_cidr, validate_resource_id


class ClusterManager(ResourceManager):
    product = "cs"
    resource = "ACK cluster"
    result_key = "cluster"
    id_option = "cluster_id"
    id_key = "cluster_id"
    create_action = "CreateCluster"
    token_kind = "ack-cluster"
    identity_options = ("name", "vpc_id")
    # ``field`` is the key of the normalised cluster that FIXED rows compare (see check_existing);
    # deletion_protection has the same name in the API.
    attributes = (
        Attr("name", "name", FIXED),
        Attr("vpc_id", "vpc_id", FIXED),
        Attr("vswitch_ids", "vswitch_ids", FIXED),
        Attr("cluster_spec", "cluster_spec", FIXED, default="ack.pro.small"),
        Attr("network_plugin", "network_plugin", FIXED, default="flannel"),
        Attr("pod_cidr", "pod_cidr", FIXED),
        Attr("pod_vswitch_ids", "pod_vswitch_ids", FIXED),
        Attr("service_cidr", "service_cidr", FIXED, default=cs.DEFAULT_SERVICE_CIDR),
        Attr("node_cidr_mask", "node_cidr_mask", FIXED),
        Attr("kubernetes_version", "kubernetes_version", FIXED),
        Attr("proxy_mode", "proxy_mode", FIXED),
        Attr("endpoint_public_access", "endpoint_public_access", FIXED, kind="bool", default=False),
        Attr("deletion_protection", "deletion_protection", UPDATE, kind="bool"),
    )
    required_to_create = ("name", "vpc_id", "vswitch_ids", "node_pool")
    required_without_id = ("name", "vpc_id")
    update_action = "ModifyCluster"
    delete_action = "DeleteCluster"
    deleting_states = ("deleting",)
    waiter = cs.WAITERS["cluster"]
    tag_resource_type = cs.TAG_TYPES["cluster"]

    def __init__(self, module):
        super().__init__(module)
        self.version = None  # the metadata entry of the version to create
        self.plugin = self.params["network_plugin"] or "flannel"

    # -- reading -------------------------------------------------------------------------------
    def get(self, resource_id):
        return cs.get_cluster(self.client, resource_id)

    def lookup(self):
        return cs.find_cluster(self.client, self.region, self.params["name"], self.params["vpc_id"])

    def normalize(self, resource):
        return cs.normalize_cluster(resource)

    # -- checks before any write ---------------------------------------------------------------
    def check_options(self):
        p = self.params
        if p["vpc_id"]:
            self.module.validate(validate_resource_id, "vpc_id", p["vpc_id"], "vpc")
        for option in ("vswitch_ids", "pod_vswitch_ids"):
            for vsw in p[option] or []:
                self.module.validate(validate_resource_id, option, vsw, "vsw")
        nets = {}
        if p["pod_cidr"]:
            nets["pod_cidr"] = self.module.validate(validate_cidr, "pod_cidr", p["pod_cidr"], 8, 24)
        if p["service_cidr"]:
            nets["service_cidr"] = self.module.validate(validate_cidr, "service_cidr", p["service_cidr"], 16, 24)
        if "pod_cidr" in nets:
            pod = ipaddress.IPv4Network(nets["pod_cidr"])
            svc = ipaddress.IPv4Network(nets.get("service_cidr") or cs.DEFAULT_SERVICE_CIDR)
            if pod.overlaps(svc):
                self.module.fail_json(msg="pod_cidr %s overlaps service_cidr %s" % (pod, svc), field="pod_cidr")
            if p["node_cidr_mask"] is not None and pod.prefixlen > p["node_cidr_mask"]:
                self.module.fail_json(
                    msg="pod_cidr %s is smaller than one node block /%d (node_cidr_mask)" % (pod, p["node_cidr_mask"]),
                    field="pod_cidr",
                )
        if p["node_cidr_mask"] is not None and not 24 <= p["node_cidr_mask"] <= 28:
            self.module.fail_json(msg="node_cidr_mask must be between 24 and 28", field="node_cidr_mask")
        if self.plugin == "terway":
            for option in ("pod_cidr", "node_cidr_mask"):
                if p[option] is not None:
                    self.module.fail_json(
                        msg="%s applies to Flannel only (network_plugin: terway)" % option, field=option
                    )
        elif p["pod_vswitch_ids"]:
            self.module.fail_json(
                msg="pod_vswitch_ids applies to Terway only (network_plugin: flannel)", field="pod_vswitch_ids"
            )
        if p["node_pool"]:
            self.module.validate(cs.validate_scaling_group, p["node_pool"], "node_pool.", require_login=True)

    def check_create(self):
        super().check_create()
        p = self.params
        if self.plugin == "flannel" and not p["pod_cidr"]:
            self.module.fail_json(msg="pod_cidr is required to create a Flannel cluster", field="pod_cidr")
        if self.plugin == "terway" and not p["pod_vswitch_ids"]:
            self.module.fail_json(msg="pod_vswitch_ids is required to create a Terway cluster", field="pod_vswitch_ids")
        self.check_network()
        # The version (and the runtime version of the node pool) is resolved before the create call.
        metadata = cs.version_metadata(self.client, self.region)
        self.version = cs.resolve_version(metadata, p["kubernetes_version"])
        if self.version is None:
            offered = ", ".join(sorted(m["version"] for m in metadata if m.get("creatable") and m.get("version")))
            what = (
                "kubernetes_version %s is not" % p["kubernetes_version"] if p["kubernetes_version"] else "no version is"
            )
            self.module.fail_json(
                msg="%s creatable in %s (creatable: %s)" % (what, self.region, offered or "none"),
                field="kubernetes_version",
            )
        pool = p["node_pool"]
        if not pool["runtime_version"] and not cs.runtime_version(self.version, pool["runtime"]):
            self.module.fail_json(
                msg="runtime %s is not offered with Kubernetes %s" % (pool["runtime"], self.version["version"]),
                field="node_pool.runtime",
            )

    def check_network(self):
        """Read calls before CreateCluster: the VPC exists in the region, the vSwitches are in it, the
        Pod and Service CIDRs do not overlap the VPC (SDK CreateClusterRequest.container_cidr and
        service_cidr: they must not overlap the VPC's CIDR blocks), and with Terway the Pod vSwitches
        cover the zones of the node vSwitches (SDK pod_vswitch_ids: "the zones of the Pod vSwitch and
        the worker node vSwitch must be the same")."""
        p = self.params
        client = self.module.client("vpc", self.region)
        network = vpc.get_vpc(client, self.region, p["vpc_id"])
        if network is None:
            self.module.fail_json(msg="vpc_id: VPC %s was not found in %s" % (p["vpc_id"], self.region), field="vpc_id")
        blocks = [network.get("CidrBlock")] + list(
            (network.get("SecondaryCidrBlocks") or {}).get("SecondaryCidrBlock") or []
        )
        blocks = [ipaddress.IPv4Network(b) for b in blocks if b]
        for option in ("pod_cidr", "service_cidr"):
            value = p[option] or (cs.DEFAULT_SERVICE_CIDR if option == "service_cidr" else None)
            if value is None:
                continue
            clash = [str(b) for b in blocks if b.overlaps(ipaddress.IPv4Network(value))]
            if clash:
                self.module.fail_json(
                    msg="%s %s overlaps the CIDR block %s of VPC %s" % (option, value, ", ".join(clash), p["vpc_id"]),
                    field=option,
                )
        node_ids = (p["node_pool"] or {}).get("vswitch_ids") or p["vswitch_ids"] or []
        pod_ids = p["pod_vswitch_ids"] or []
        zones = {}
        for option, ids in (
            ("vswitch_ids", p["vswitch_ids"]),
            ("node_pool.vswitch_ids", node_ids),
            ("pod_vswitch_ids", pod_ids),
        ):
            for vsw_id in ids:
                if vsw_id not in zones:
                    vsw = vpc.get_vswitch(client, self.region, vsw_id)
                    if vsw is None or vsw.get("VpcId") != p["vpc_id"]:
                        self.module.fail_json(
                            msg="%s: vSwitch %s is not in VPC %s" % (option, vsw_id, p["vpc_id"]), field=option
                        )
                    zones[vsw_id] = vsw.get("ZoneId")
        if self.plugin != "terway":
            return
        missing = sorted({zones[v] for v in node_ids} - {zones[v] for v in pod_ids})
        if missing:
            self.module.fail_json(
                msg="pod_vswitch_ids has no vSwitch in zone(s) %s of the node vSwitches (Terway takes Pod IPs "
                "from a vSwitch in the node's zone)" % ", ".join(missing),
                field="pod_vswitch_ids",
            )

    def check_existing(self, resource):
        current = self.normalize(resource)
        if self.params["state"] == "present" and current["state"] in ("failed", "delete_failed"):
            self.module.fail_json(
                msg="cluster %s is %s: delete it (state: absent) and create it again"
                % (current["cluster_id"], current["state"]),
                cluster_id=current["cluster_id"],
            )
        for attr in self.attributes:
            wanted = self.params[attr.option]
            if attr.mode != FIXED or wanted is None:
                continue
            have = current.get(attr.key)
            if attr.option == "kubernetes_version":
                if have and not cs.version_matches(have, wanted):
                    self.module.fail_json(
                        msg="kubernetes_version cannot change: cluster %s runs %s, asked for %s "
                        "(upgrades are out of the scope of ack_cluster)" % (current["cluster_id"], have, wanted),
                        field="kubernetes_version",
                    )
                continue
            if attr.option in ("vswitch_ids", "pod_vswitch_ids"):
                same = not have or sorted(have) == sorted(wanted)
            else:
                same = have is None or have == "" or have == wanted
                if attr.kind == "bool":
                    same = bool(have) == wanted
            if not same:
                self.module.fail_json(
                    msg="%s cannot change: cluster %s has %s, asked for %s (the API cannot change it in place)"
                    % (attr.option, current["cluster_id"], have, wanted),
                    field=attr.option,
                )

    def check_delete(self, resource):
        if resource.get("deletion_protection"):
            self.module.fail_json(
                msg="cluster %s has deletion_protection on: set deletion_protection: false (state: present) "
                "before deleting it" % resource["cluster_id"],
                field="deletion_protection",
            )

    # -- predicted view ------------------------------------------------------------------------
    def predict(self, view, resource):
        if resource is None and self.version is not None:
            view["kubernetes_version"] = self.version["version"]
        return view

    # -- creating ------------------------------------------------------------------------------
    def create_request(self):
        p = self.params
        pool = p["node_pool"]
        version = self.version["version"]
        scaling_group = {
            "vswitch_ids": pool["vswitch_ids"] or p["vswitch_ids"],
            "instance_types": pool["instance_types"],
            "desired_size": pool["desired_size"],
            "instance_charge_type": "PostPaid",
            "system_disk_category": pool["system_disk_category"],
            "system_disk_size": pool["system_disk_size"],
            "key_pair": pool["key_pair"],
            "login_password": pool["login_password"],
        }
        kubernetes_config = {
            "runtime": pool["runtime"],
            "runtime_version": pool["runtime_version"] or cs.runtime_version(self.version, pool["runtime"]),
            "labels": [{"key": k, "value": str(v)} for k, v in sorted((pool["labels"] or {}).items())] or None,
            "taints": pool["taints"] or None,
        }
        request = {
            "name": p["name"],
            "region_id": self.region,
            "cluster_type": cs.CLUSTER_TYPE,
            "profile": "Default",
            "cluster_spec": p["cluster_spec"] or "ack.pro.small",
            "kubernetes_version": version,
            "vpcid": p["vpc_id"],  # the key is vpcid (alicloud-api.md section 4)
            "vswitch_ids": p["vswitch_ids"],
            "addons": [{"name": cs.NETWORK_ADDONS[self.plugin]}],
            "service_cidr": p["service_cidr"] or cs.DEFAULT_SERVICE_CIDR,
            "proxy_mode": p["proxy_mode"],
            "endpoint_public_access": bool(p["endpoint_public_access"]),
            "deletion_protection": bool(p["deletion_protection"]),
            "is_enterprise_security_group": True,
            "nodepools": [
                {
                    "nodepool_info": {"name": pool["name"]},
                    "scaling_group": {k: v for k, v in scaling_group.items() if v is not None},
                    "kubernetes_config": {k: v for k, v in kubernetes_config.items() if v is not None},
                }
            ],
            "tags": [{"key": str(k), "value": str(v)} for k, v in sorted((p["tags"] or {}).items())] or None,
        }
        if self.plugin == "flannel":
            request["container_cidr"] = p["pod_cidr"]
            if p["node_cidr_mask"] is not None:
                request["node_cidr_mask"] = str(p["node_cidr_mask"])
        else:
            request["pod_vswitch_ids"] = p["pod_vswitch_ids"]
        return {k: v for k, v in request.items() if v is not None}

    def create(self):
        """The client_token's semantics are UNCONFIRMED (alicloud-api.md section 4): after an answer
        that may hide a new cluster, look it up by name + VPC before sending the create again."""
        request = self.create_request()
        request["client_token"] = client_token(self.token_kind, self.identity())
        deadline = time.monotonic() + self.params["wait_timeout"]
        outcome, answer = create_without_token(
            lambda: self.client.call(self.create_action, **request),
            self.lookup,
            self.client.backoff,
            self.product,
            deadline,
        )
        if outcome == "found":
            return self.wait_created(answer["cluster_id"], None)
        return self.wait_created(answer["cluster_id"], answer.get("task_id"))

    def wait_created(self, cluster_id, task_id):
        if self.params["wait"] and task_id:
            spec = cs.WAITERS["task"]
            waiter = self.module.waiter(
                "creation task %s of cluster %s" % (task_id, cluster_id),
                lambda: self.client.call("DescribeTaskInfo", task_id),
                spec.status,
                spec.success,
                pending=spec.pending,
                failure=spec.failure,
            )
            try:
                waiter.wait()
            except WaiterError as err:
                task = err.last or {}
                if err.code != "WaiterFailure":
                    raise
                error = task.get("error") or {}
                self.module.fail_json(
                    msg="the creation task %s of cluster %s failed: %s"
                    % (task_id, cluster_id, error.get("message") or error.get("code") or task.get("state")),
                    cluster_id=cluster_id,
                    task_id=task_id,
                    error=error,
                )
        return self.wait_ready(cluster_id, 60)

    # -- updating and deleting -----------------------------------------------------------------
    def update_attributes(self, resource):
        wanted = self.params["deletion_protection"]
        if wanted is None or wanted == bool(resource.get("deletion_protection")):
            return False
        if not self.module.check_mode:
            self.client.call(self.update_action, resource["cluster_id"], deletion_protection=wanted)
        return True

    def update_tags(self, resource):
        return super().update_tags(dict(resource, Tags=tag_list_to_dict(resource.get("tags"))))

    def delete(self, resource):
        deadline = time.monotonic() + self.params["wait_timeout"]
        try:
            self.client.call(self.delete_action, resource["cluster_id"], deadline=deadline)
        except AlicloudError as err:
            if err.code in cs.CLUSTER_NOT_FOUND or err.is_not_found:
                return
            raise


def main():
    node_pool = {
        "name": {"type": "str", "default": "default-nodepool"},
        "instance_types": {"type": "list", "elements": "str", "required": True},
        "desired_size": {"type": "int", "required": True},
        "vswitch_ids": {"type": "list", "elements": "str"},
        "system_disk_category": {"type": "str", "default": "cloud_essd"},
        "system_disk_size": {"type": "int", "default": 120},
        "key_pair": {"type": "str", "no_log": False},
        "login_password": {"type": "str", "no_log": True},
        "labels": {"type": "dict"},
        "taints": {"type": "list", "elements": "dict"},
        "runtime": {"type": "str", "default": "containerd"},
        "runtime_version": {"type": "str"},
    }
    argument_spec = resource_argument_spec(
        wait_timeout=3600,
        cluster_id={"type": "str", "aliases": ["id"]},
        name={"type": "str"},
        vpc_id={"type": "str"},
        vswitch_ids={"type": "list", "elements": "str"},
        cluster_spec={"type": "str", "choices": ["ack.pro.small", "ack.standard"]},
        network_plugin={"type": "str", "choices": ["flannel", "terway"]},
        pod_cidr={"type": "str"},
        pod_vswitch_ids={"type": "list", "elements": "str"},
        service_cidr={"type": "str"},
        node_cidr_mask={"type": "int"},
        kubernetes_version={"type": "str"},
        proxy_mode={"type": "str", "choices": ["ipvs", "iptables"]},
        endpoint_public_access={"type": "bool"},
        deletion_protection={"type": "bool"},
        node_pool={"type": "dict", "options": node_pool},
    )
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    ClusterManager(module).run()


if __name__ == "__main__":
    main()
