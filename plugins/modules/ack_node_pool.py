#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ack_node_pool
short_description: Create, scale, update or delete a node pool of an ACK cluster
version_added: 0.2.0
description:
  - Manages a node pool of an ACK (Container Service for Kubernetes) cluster, identified by O(node_pool_id) or by
    O(name) within O(cluster_id).
  - C(CreateClusterNodePool) takes no C(ClientToken). The module looks the pool up by name before it creates one, and
    again before it repeats a create call whose answer was lost (a server error or a broken connection), so a retried
    or interrupted run never makes a second pool. A lookup that finds nothing right after such an answer is repeated
    for 30 s (a new pool can be missing from the list for a while) before the create is sent again.
  - Scaling is an update of O(desired_size) (C(ModifyClusterNodePool) C(scaling_group.desired_size)); ACK adds or
    removes nodes one by one. With O(wait=true) the module waits for the pool's task and then until the pool is
    C(active), has O(desired_size) nodes, and every one of them is C(running) and C(Ready).
  - O(instance_types), O(vswitch_ids), O(system_disk_category), O(system_disk_size) and O(key_pair) are changed in place
    with C(ModifyClusterNodePool); ACK applies them to nodes added afterwards, existing nodes keep what they were
    created with. O(labels) and O(taints) are changed on the pool and, with C(update_nodes), on its existing nodes.
  - What cannot be changed is refused before any write call, naming the option; see O(login_password) and
    O(instance_charge_type).
  - Deletion sends C(DeleteClusterNodepool) with C(force=true) (as terraform-provider-alicloud does); the pool's nodes
    are removed from the cluster and their pay-as-you-go ECS instances released.
options:
  state:
    description: Whether the node pool should exist.
    type: str
    choices: [present, absent]
    default: present
  cluster_id:
    description: The ID of the ACK cluster the pool belongs to.
    type: str
    required: true
  node_pool_id:
    description: The ID of an existing node pool (C(nodepool_id)). When given, O(name) renames the pool.
    type: str
    aliases: [id]
  name:
    description:
      - The node pool name (C(nodepool_info.name)). Identifies the pool within O(cluster_id) when O(node_pool_id) is
        not given; more than one pool with the name is an error listing them.
      - Required unless O(node_pool_id) is given.
    type: str
  instance_types:
    description:
      - ECS instance types of the nodes, in order of preference (1 to 10).
      - Required to create a pool.
    type: list
    elements: str
  desired_size:
    description:
      - How many nodes the pool should have (0 or more). Changing it scales the pool.
      - Required to create a pool.
    type: int
  vswitch_ids:
    description:
      - The vSwitches of the nodes (1 to 8), in the cluster's VPC; choose vSwitches in different zones for high
        availability.
      - Required to create a pool.
    type: list
    elements: str
  system_disk_category:
    description:
      - The system disk category of the nodes, for example V(cloud_essd) or V(cloud_auto).
      - When not set, a new pool gets the API's default (V(cloud_efficiency)).
    type: str
  system_disk_size:
    description:
      - The system disk size in GiB, 20 to 2048.
      - When not set, a new pool gets the API's default (at least 40 GiB or the image size).
    type: int
  key_pair:
    description:
      - The name of the ECS key pair for logging in to the nodes. Exactly one of O(key_pair) and O(login_password) is
        required to create a pool.
    type: str
  login_password:
    description:
      - The SSH password of the nodes (8 to 30 characters with at least three of uppercase letters, lowercase letters,
        digits and special characters). Never logged or returned.
      - Only sent when the pool is created. The API never returns it, so it cannot be compared; a pool that logs in
        with a key pair is not switched to a password (the module refuses, naming this option).
    type: str
  labels:
    description:
      - Kubernetes labels of the pool's nodes. When set, the pool's labels become exactly these.
    type: dict
  taints:
    description:
      - Kubernetes taints of the pool's nodes. When set, the pool's taints become exactly these (the order does not
        matter).
    type: list
    elements: dict
    suboptions:
      key:
        description: The taint key.
        type: str
        required: true
      value:
        description: The taint value.
        type: str
        default: ""
      effect:
        description: The taint effect.
        type: str
        choices: [NoSchedule, NoExecute, PreferNoSchedule]
        default: NoSchedule
  instance_charge_type:
    description:
      - The billing method of the nodes. Only pay-as-you-go (V(PostPaid), the API's default) is supported; a pool with
        another billing method is refused, naming this option.
    type: str
    choices: [PostPaid]
  wait_timeout:
    description:
      - How many seconds to wait for the pool's task and its nodes, or for the deletion to finish.
      - Nodes join one by one; a real pool of a few nodes takes several minutes.
    type: int
    default: 1800
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: Worker pool of the Hangzhou cluster
  geomesh.alicloud.ack_node_pool:
    region: cn-hangzhou
    cluster_id: "{{ cluster.cluster.cluster_id }}"
    name: workers
    instance_types: [ecs.g7.xlarge, ecs.g6.xlarge]
    desired_size: 3
    vswitch_ids: "{{ vswitch_ids }}"
    system_disk_category: cloud_essd
    system_disk_size: 120
    key_pair: ops
    labels:
      role: mesh
    taints:
      - key: dedicated
        value: mesh
        effect: NoSchedule
  register: pool

- name: Scale it to 5 nodes
  geomesh.alicloud.ack_node_pool:
    region: cn-hangzhou
    cluster_id: "{{ cluster.cluster.cluster_id }}"
    name: workers
    desired_size: 5

- name: Delete it (its nodes are released)
  geomesh.alicloud.ack_node_pool:
    region: cn-hangzhou
    cluster_id: "{{ cluster.cluster.cluster_id }}"
    node_pool_id: "{{ pool.node_pool.node_pool_id }}"
    state: absent
"""

RETURN = r"""
node_pool:
  description: The node pool as read back after the change; empty when O(state=absent).
  returned: always
  type: dict
  contains:
    node_pool_id:
      description: The node pool ID.
      type: str
      sample: np1f6779297c4444a3a1cdd29be8e5abcd
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
"""

import time

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, WaiterError
from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import (
    FIXED,
    Attr,
    ResourceManager,
    create_without_token,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, resource_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import cs

# scaling_group fields changed in place (ModifyClusterNodePool request, cs SDK models).
SCALING_FIELDS = ("desired_size", "instance_types", "vswitch_ids", "system_disk_category", "system_disk_size")


class NodePoolManager(ResourceManager):
    product = "cs"
    resource = "node pool"
    result_key = "node_pool"
    id_option = "node_pool_id"
    id_key = "node_pool_id"
    create_action = "CreateClusterNodePool"
    update_action = "ModifyClusterNodePool"
    delete_action = "DeleteClusterNodepool"
    identity_options = ("cluster_id", "name")
    # Fields are the keys of the normalised pool: the comparisons run on that view.
    attributes = (
        Attr("name", "name"),
        Attr("desired_size", "desired_size"),
        Attr("instance_types", "instance_types"),
        Attr("vswitch_ids", "vswitch_ids"),
        Attr("system_disk_category", "system_disk_category"),
        Attr("system_disk_size", "system_disk_size"),
        Attr("key_pair", "key_pair"),
        Attr("labels", "labels"),
        Attr("taints", "taints"),
        Attr("instance_charge_type", "instance_charge_type", FIXED, default="PostPaid"),
    )
    required_to_create = ("name", "instance_types", "vswitch_ids", "desired_size")
    required_without_id = ("name",)
    waiter = cs.NODE_POOL_WAITER
    deleting_states = cs.NODE_POOL_DELETING_STATES
    regional = False

    def __init__(self, module):
        super().__init__(module)
        self.cluster_id = self.params["cluster_id"]
        if self.params["taints"] is not None:
            self.params["taints"] = cs.normalize_taints(self.params["taints"])
        if self.params["labels"] is not None:
            self.params["labels"] = {str(k): "" if v is None else str(v) for k, v in self.params["labels"].items()}

    # -- reading -------------------------------------------------------------------------------
    def get(self, resource_id):
        pool = cs.get_node_pool(self.client, self.cluster_id, resource_id)
        if pool is not None:
            if not cs.node_pool_id(pool):
                pool.setdefault("nodepool_info", {})["nodepool_id"] = resource_id
            pool[self.id_key] = resource_id  # the manager reads the id at the top level
        return pool

    def lookup(self):
        found = cs.find_node_pool(self.client, self.cluster_id, self.params["name"])
        # the list item has the detail's shape; read the detail for a consistent view
        return self.get(cs.node_pool_id(found)) if found else None

    def find(self):
        if self.params["state"] == "present" and cs.get_cluster(self.client, self.cluster_id) is None:
            self.module.fail_json(msg="cluster_id %s was not found" % self.cluster_id, field="cluster_id")
        return super().find()

    def normalize(self, resource):
        return cs.normalize_node_pool(resource, self.cluster_id)

    def status(self, resource):
        return (resource.get("status") or {}).get("state")

    def describe(self):
        return "%s in cluster %s" % (self.params.get("name") or "", self.cluster_id)

    # -- checks --------------------------------------------------------------------------------
    def check_options(self):
        params = self.params
        if not params["cluster_id"]:
            self.module.fail_json(msg="cluster_id must not be empty", field="cluster_id")
        self.module.validate(cs.validate_scaling_group, params)
        for key in params["labels"] or {}:
            if not key:
                self.module.fail_json(msg="labels: a label key must not be empty", field="labels")

    def check_create(self):
        super().check_create()
        self.module.validate(cs.validate_scaling_group, self.params, require_login=True)

    def check_existing(self, resource):
        current = self.normalize(resource)
        charge = self.params["instance_charge_type"]
        if charge and current["instance_charge_type"] and charge != current["instance_charge_type"]:
            self.module.fail_json(
                msg="instance_charge_type cannot change: node pool %s is %s, asked for %s (this module manages "
                "pay-as-you-go pools only)" % (current["node_pool_id"], current["instance_charge_type"], charge),
                field="instance_charge_type",
            )
        if self.params["login_password"] and current["key_pair"] and not self.params["key_pair"]:
            self.module.fail_json(
                msg="login_password cannot be set on node pool %s: its nodes log in with key pair %s, and the module "
                "does not switch a pool to a password (the API never returns a password, so it could not be "
                "compared); pass key_pair, or create a new pool" % (current["node_pool_id"], current["key_pair"]),
                field="login_password",
            )

    # -- changing ------------------------------------------------------------------------------
    def create_request(self):
        params = self.params
        group = {"instance_charge_type": params["instance_charge_type"] or "PostPaid"}
        for option in SCALING_FIELDS + ("key_pair", "login_password"):
            if params[option] is not None:
                group[option] = params[option]
        request = {"nodepool_info": {"name": params["name"]}, "scaling_group": group}
        kube = {}
        if params["labels"]:
            kube["labels"] = [{"key": k, "value": v} for k, v in sorted(params["labels"].items())]
        if params["taints"]:
            kube["taints"] = params["taints"]
        if kube:
            request["kubernetes_config"] = kube
        return request

    def create(self):
        request = self.create_request()

        def send():
            return self.client.call(self.create_action, self.cluster_id, **request)

        deadline = time.monotonic() + self.params["wait_timeout"]
        outcome, answer = create_without_token(send, self.lookup, self.client.backoff, self.product, deadline)
        if outcome == "found":
            pool_id = cs.node_pool_id(answer)
            task_id = None
        else:
            pool_id, task_id = answer.get("nodepool_id"), answer.get("task_id")
        return self.settle(pool_id, task_id, "creating node pool %s" % pool_id)

    def changes(self, resource) -> dict:
        """The ModifyClusterNodePool body for the options that differ from the pool (empty: none)."""
        current = self.normalize(resource)
        params = self.params
        group = {}
        for option in SCALING_FIELDS + ("key_pair",):
            if params[option] is not None and params[option] != current[option]:
                group[option] = params[option]
        body = {}
        if group:
            body["scaling_group"] = group
        if params["node_pool_id"] and params["name"] and params["name"] != current["name"]:
            body["nodepool_info"] = {"name": params["name"]}
        labels = current["labels"] if params["labels"] is None else params["labels"]
        taints = current["taints"] if params["taints"] is None else params["taints"]
        if labels != current["labels"] or taints != current["taints"]:
            # labels and taints are sent together, and onto the existing nodes (update_nodes)
            body["kubernetes_config"] = {
                "labels": [{"key": k, "value": v} for k, v in sorted(labels.items())],
                "taints": taints,
            }
            body["update_nodes"] = True
        return body

    def update_attributes(self, resource):
        body = self.changes(resource)
        if not body:
            return False
        if not self.module.check_mode:
            pool_id = cs.node_pool_id(resource)
            answer = self.client.call(self.update_action, self.cluster_id, pool_id, **body)
            if self.params["wait"]:
                # the pool may still read "active" right after the call: wait for the task, then the nodes
                self.settle(pool_id, answer.get("task_id"), "modifying node pool %s" % pool_id)
        return True

    def delete(self, resource):
        pool_id = cs.node_pool_id(resource)
        deadline = time.monotonic() + self.params["wait_timeout"]
        try:
            self.client.call(self.delete_action, self.cluster_id, pool_id, deadline=deadline, force=True)
        except AlicloudError as err:
            if err.code in cs.NODE_POOL_NOT_FOUND or err.is_not_found:
                return
            raise

    # -- waiting -------------------------------------------------------------------------------
    def readiness(self, pool_id):
        """The pool with ``_ready``: "yes" once it is active with desired_size nodes, all running and Ready."""
        pool = self.get(pool_id)
        if pool is None:
            return None
        view = self.normalize(pool)
        ready = view["state"] == "active" and view["total_nodes"] == view["desired_size"]
        ready = ready and view["healthy_nodes"] == view["desired_size"]
        if ready:
            nodes = cs.list_nodes(self.client, self.cluster_id, pool_id)
            ready = len(nodes) == view["desired_size"] and all(
                n.get("state") == "running" and n.get("node_status") == "Ready" for n in nodes
            )
        pool["_ready"] = "yes" if ready else "no"
        return pool

    def wait_ready(self, resource_id, grace=None):
        if not self.params["wait"]:
            return super().wait_ready(resource_id, grace)
        pool = self.module.waiter(
            "node pool %s: %s ready nodes" % (resource_id, self.params["desired_size"] or "all"),
            lambda: self.readiness(resource_id),
            "_ready",
            ("yes",),
            pending=("no",),
            not_found_grace=grace,
        ).wait()
        pool.pop("_ready", None)
        return pool

    def settle(self, pool_id, task_id, what):
        """Wait for the pool's task (wait=true) and for the pool; returns the pool as read last."""
        if task_id and self.params["wait"]:
            cs.wait_task(self.module, self.client, task_id, what)
        try:
            return self.wait_ready(pool_id, 60)
        except WaiterError as err:
            if err.code == "WaiterNotFound":
                raise AlicloudError("CreateNotVisible", "%s: the pool never became visible" % what) from err
            raise


def main():
    argument_spec = resource_argument_spec(
        wait_timeout=1800,
        tags=False,
        cluster_id={"type": "str", "required": True},
        node_pool_id={"type": "str", "aliases": ["id"]},
        name={"type": "str"},
        instance_types={"type": "list", "elements": "str"},
        desired_size={"type": "int"},
        vswitch_ids={"type": "list", "elements": "str"},
        system_disk_category={"type": "str"},
        system_disk_size={"type": "int"},
        key_pair={"type": "str", "no_log": False},
        login_password={"type": "str", "no_log": True},
        labels={"type": "dict"},
        taints={
            "type": "list",
            "elements": "dict",
            "options": {
                "key": {"type": "str", "required": True, "no_log": False},
                "value": {"type": "str", "default": ""},
                "effect": {"type": "str", "choices": list(cs.TAINT_EFFECTS), "default": "NoSchedule"},
            },
        },
        instance_charge_type={"type": "str", "choices": ["PostPaid"]},
    )
    module = AlicloudModule(
        argument_spec=argument_spec,
        required_one_of=[["name", "node_pool_id"]],
        mutually_exclusive=[["key_pair", "login_password"]],
        supports_check_mode=True,
    )
    NodePoolManager(module).run()


if __name__ == "__main__":
    main()
