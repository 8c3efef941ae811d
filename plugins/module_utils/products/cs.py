# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACK (cs 2015-12-15, ROA): list actions, waiters, tag shapes, lookups and return shapes.

Clusters come first in this file, node pools and nodes after them.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, ValidationError, WaiterError
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import ListSpec, list_items, only_one
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import tag_list_to_dict
from ansible_collections.geomesh.alicloud.plugins.module_utils.waiters import WaiterSpec

# ------------------------------------------------------------------------------------------
# clusters
# ------------------------------------------------------------------------------------------
# Facts: alicloud-api.md section 4 and the cs 2015-12-15 SDK models (ROA, snake_case fields).
CLUSTER_NOT_FOUND = ("ErrorClusterNotFound",)
CLUSTER_TYPE = "ManagedKubernetes"
DEFAULT_SERVICE_CIDR = "172.19.0.0/20"  # the documented API default (SDK create_cluster_request)
# DescribeClustersV1 (GET /api/v1/clusters): page_number / page_size, page_info.total_count;
# its ``name`` filter is fuzzy, so callers filter by exact name themselves.
CLUSTERS = ListSpec(
    "DescribeClustersV1",
    "clusters",
    "cluster_id",
    page_number_key="page_number",
    page_size_key="page_size",
    total_path="page_info.total_count",
    not_found=CLUSTER_NOT_FOUND,
)
TAG_TYPES = {"cluster": "CLUSTER"}
# Cluster states (SDK): initial while created; running; failed; updating, upgrading, scaling,
# ... while changed; deleting / deleted / delete_failed. TF waits initial -> running and fails
# on failed (and deleting).
WAITERS = {
    "cluster": WaiterSpec(
        "state",
        ("running",),
        pending=("initial", "updating", "upgrading", "scaling", "waiting", "migrating", "draining"),
        failure=("failed", "deleting", "deleted", "delete_failed"),
        in_progress=("initial",),
    ),
    # DescribeTaskInfo: state running | success | fail (TF also treats failed as failure).
    "task": WaiterSpec("state", ("success",), pending=("running",), failure=("fail", "failed")),
}
NETWORK_ADDONS = {"flannel": "flannel", "terway": "terway-eniip"}


def get_cluster(client, cluster_id: str) -> dict | None:
    """DescribeClusterDetail (GET /clusters/{id}); None on 404 ErrorClusterNotFound or a deleted cluster."""
    try:
        cluster = client.call("DescribeClusterDetail", cluster_id)
    except AlicloudError as err:
        if err.code in CLUSTER_NOT_FOUND or err.is_not_found:
            return None
        raise
    if not cluster or cluster.get("state") == "deleted":
        return None
    return cluster


def list_clusters(client, region: str, name: str | None = None, cluster_id: str | None = None) -> list:
    """Clusters of the region (DescribeClustersV1), with exact name matching done here."""
    found = list_items(client, CLUSTERS, region_id=region, name=name, cluster_id=cluster_id, cluster_type=CLUSTER_TYPE)
    return [
        c
        for c in found
        if c.get("state") != "deleted"
        and (name is None or c.get("name") == name)
        and (cluster_id is None or c.get("cluster_id") == cluster_id)
    ]


def find_cluster(client, region: str, name: str, vpc_id: str | None) -> dict | None:
    """The cluster named ``name`` (exactly) in ``vpc_id``, read with DescribeClusterDetail (the SDK's
    DescribeClustersV1 item model drops fields such as node_cidr_mask); more than one is an error."""
    matches = [c for c in list_clusters(client, region, name=name) if vpc_id is None or c.get("vpc_id") == vpc_id]
    where = " in %s" % vpc_id if vpc_id else ""
    found = only_one(matches, CLUSTERS, "clusters named %r%s" % (name, where), "pass cluster_id", "AmbiguousName")
    return get_cluster(client, found["cluster_id"]) if found else None


def version_key(version: str) -> tuple:
    return tuple(int(x) for x in re.findall(r"\d+", str(version).split("-", 1)[0]))


def version_metadata(client, region: str, cluster_type: str = CLUSTER_TYPE) -> list:
    """DescribeKubernetesVersionMetadata (GET /api/v1/metadata/versions, Region and ClusterType
    required): ``[{version, creatable, runtimes: [{name, version}], ...}]``."""
    body = client.call("DescribeKubernetesVersionMetadata", Region=region, ClusterType=cluster_type)
    return body if isinstance(body, list) else []


def version_matches(version: str, wanted: str) -> bool:
    """``wanted`` names ``version``: the same (``1.31.1-aliyun.1``), or a prefix of whole parts
    (``1.31`` or ``1.31.1``; ``1.3`` does not name ``1.31.1-aliyun.1``)."""
    version = str(version or "")
    return version == wanted or version.startswith((wanted + "-", wanted + "."))


def resolve_version(metadata: list, wanted: str | None = None):
    """The metadata entry of ``wanted`` (exact, or a prefix such as ``1.31``: the newest it names)
    or, without ``wanted``, of the newest creatable version; None when there is none."""
    creatable = [m for m in metadata if m.get("creatable") and m.get("version")]
    if wanted:
        creatable = [m for m in creatable if version_matches(m["version"], wanted)]
    return max(creatable, key=lambda m: version_key(m["version"]), default=None)


def normalize_version(entry: dict) -> dict:
    """A DescribeKubernetesVersionMetadata entry, as ack_version_info returns it."""
    entry = entry or {}
    return {
        "version": entry.get("version"),
        "creatable": bool(entry.get("creatable")),
        "release_date": entry.get("release_date"),
        "expiration_date": entry.get("expiration_date"),
        "runtimes": [
            {"name": r.get("name"), "version": r.get("version")}
            for r in entry.get("runtimes") or []
            if isinstance(r, dict)
        ],
    }


def runtime_version(entry: dict, runtime: str) -> str | None:
    """The version the metadata lists for ``runtime`` (the newest when it lists several)."""
    versions = [r.get("version") for r in entry.get("runtimes") or [] if r.get("name") == runtime and r.get("version")]
    return max(versions, key=version_key, default=None)


def _json(value) -> dict:
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value or "{}")
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def cluster_network_plugin(cluster: dict) -> str:
    """flannel | terway. UNCONFIRMED: read from meta_data Capabilities.Network as TF's
    fetchClusterCapabilities does; without it, a container_cidr means Flannel."""
    network = str((_json(cluster.get("meta_data")).get("Capabilities") or {}).get("Network") or "")
    if network.startswith("terway"):
        return "terway"
    if network == "flannel" or cluster.get("container_cidr"):
        return "flannel"
    return "terway"


def cluster_pod_vswitch_ids(cluster: dict) -> list:
    """UNCONFIRMED: DescribeClusterDetail has no pod vSwitch field; ROS parameters may carry them."""
    value = (cluster.get("parameters") or {}).get("PodVswitchIds") or ""
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v for v in str(value).split(",") if v]


def normalize_cluster(cluster: dict | None) -> dict:
    """A DescribeClusterDetail / DescribeClustersV1 item as the ``cluster`` return dict."""
    if not cluster:
        return {}
    urls = _json(cluster.get("master_url"))
    mask = cluster.get("node_cidr_mask")
    plugin = cluster_network_plugin(cluster)
    public = urls.get("api_server_endpoint") or ""
    return {
        "cluster_id": cluster.get("cluster_id"),
        "name": cluster.get("name"),
        "state": cluster.get("state"),
        "region_id": cluster.get("region_id"),
        "cluster_type": cluster.get("cluster_type"),
        "cluster_spec": cluster.get("cluster_spec"),
        "vpc_id": cluster.get("vpc_id"),
        "vswitch_ids": list(cluster.get("vswitch_ids") or []),
        "security_group_id": cluster.get("security_group_id"),
        "network_plugin": plugin,
        "pod_cidr": (cluster.get("container_cidr") or None) if plugin == "flannel" else None,
        "pod_vswitch_ids": cluster_pod_vswitch_ids(cluster),
        "service_cidr": cluster.get("service_cidr"),
        "node_cidr_mask": int(mask) if str(mask or "").isdigit() and plugin == "flannel" else None,
        "proxy_mode": cluster.get("proxy_mode"),
        "kubernetes_version": cluster.get("current_version"),
        "api_server_endpoint": public,
        "intranet_api_server_endpoint": urls.get("intranet_api_server_endpoint") or "",
        "endpoint_public_access": bool(public),
        "deletion_protection": bool(cluster.get("deletion_protection")),
        "tags": tag_list_to_dict(cluster.get("tags")),
        "size": cluster.get("size"),
        "created": cluster.get("created"),
    }


# ------------------------------------------------------------------------------------------
# node pools and nodes
# ------------------------------------------------------------------------------------------


def password_is_strong(password: str) -> bool:
    """8 to 30 characters, at least three of upper, lower, digit, special (CreateClusterNodePool)."""
    classes = (str.isupper, str.islower, str.isdigit, lambda c: not c.isalnum())
    return 8 <= len(password) <= 30 and sum(any(test(c) for c in password) for test in classes) >= 3


def validate_scaling_group(pool: dict, prefix: str = "", require_login: bool = False) -> None:
    """The scaling-group rules the SDK's node-pool models mark (ack-nodepools-preflight.md section 1),
    for CreateCluster's ``nodepools[]`` and CreateClusterNodePool alike: 1-10 instance types, 1-8
    vSwitches, ``desired_size`` >= 0, a system disk of 20-2048 GiB, a strong ``login_password``, and
    not both ``key_pair`` and ``login_password`` (exactly one with ``require_login``). ``pool`` holds
    the module's option names; ``prefix`` names the enclosing option (``node_pool.``)."""
    types = pool.get("instance_types")
    if types is not None and not 1 <= len(types) <= 10:
        raise ValidationError(prefix + "instance_types", "takes 1 to 10 instance types")
    vswitches = pool.get("vswitch_ids")
    if vswitches is not None:
        if not 1 <= len(vswitches) <= 8:
            raise ValidationError(prefix + "vswitch_ids", "takes 1 to 8 vSwitch IDs")
        for index, vswitch_id in enumerate(vswitches):
            if not str(vswitch_id).startswith("vsw-"):
                raise ValidationError(
                    prefix + "vswitch_ids", "[%d] %r is not a vSwitch ID (vsw-...)" % (index, vswitch_id)
                )
    if pool.get("desired_size") is not None and pool["desired_size"] < 0:
        raise ValidationError(prefix + "desired_size", "must be 0 or more")
    size = pool.get("system_disk_size")
    if size is not None and not 20 <= size <= 2048:
        raise ValidationError(prefix + "system_disk_size", "must be between 20 and 2048 (GiB)")
    password = pool.get("login_password")
    if password is not None and not password_is_strong(password):
        raise ValidationError(
            prefix + "login_password",
            "must be 8 to 30 characters with at least three of uppercase letters, lowercase letters, digits and "
            "special characters",
        )
    if pool.get("key_pair") and password:
        raise ValidationError(prefix + "key_pair", "set one of key_pair and login_password, not both")
    if require_login and not pool.get("key_pair") and not password:
        raise ValidationError(prefix + "key_pair", "one of key_pair and login_password is required")


# Node pools are ROA calls with the cluster (and pool) id in the path:
# ``client.call("DescribeClusterNodePoolDetail", cluster_id, nodepool_id)``. Wire names are the
# SDK's snake_case body fields (alibabacloud_cs20151215 models; preflight reference section 1).

# Not-found codes of node-pool calls (terraform-provider-alicloud service_alicloud_ack_v2.go:57).
NODE_POOL_NOT_FOUND = ("ErrorNodePoolNotFound", "ErrorClusterNotFound")

# DescribeClusterNodePoolDetail ``status.state`` (cs models describe_cluster_node_pool_detail_response_body).
NODE_POOL_WAITER = WaiterSpec(
    "status.state",
    ("active",),
    pending=("initial", "scaling", "updating", "removing"),
    in_progress=("initial", "scaling", "updating", "removing"),
)
NODE_POOL_DELETING_STATES = ("deleting",)
# DescribeClusterNodes: pageSize 1..100 (cs models describe_cluster_nodes_request).
NODES_PAGE_SIZE = 100
# The taint effects of the SDK's Taint model (default NoSchedule).
TAINT_EFFECTS = ("NoSchedule", "NoExecute", "PreferNoSchedule")


def get_node_pool(client, cluster_id: str, nodepool_id: str) -> dict | None:
    """DescribeClusterNodePoolDetail, or None when the pool (or its cluster) is not found."""
    try:
        return client.call("DescribeClusterNodePoolDetail", cluster_id, nodepool_id) or None
    except AlicloudError as err:
        if err.code in NODE_POOL_NOT_FOUND or err.is_not_found:
            return None
        raise


def list_node_pools(client, cluster_id: str, name: str | None = None) -> list:
    """DescribeClusterNodePools (one unpaged list), filtered by exact name when given."""
    try:
        body = client.call("DescribeClusterNodePools", cluster_id, nodepool_name=name)
    except AlicloudError as err:
        if err.code in CLUSTER_NOT_FOUND or err.is_not_found:
            return []
        raise
    pools = body.get("nodepools") or []
    if name is not None:
        pools = [p for p in pools if (p.get("nodepool_info") or {}).get("name") == name]
    return pools


def find_node_pool(client, cluster_id: str, name: str) -> dict | None:
    """The pool of the cluster with this exact name; more than one is an error listing them."""
    pools = list_node_pools(client, cluster_id, name)
    if len(pools) > 1:
        ids = ", ".join(str((p.get("nodepool_info") or {}).get("nodepool_id")) for p in pools)
        raise AlicloudError(
            "AmbiguousName",
            "%d node pools named %r in cluster %s (%s): pass node_pool_id" % (len(pools), name, cluster_id, ids),
        )
    return pools[0] if pools else None


def node_pool_id(pool: dict) -> str | None:
    return (pool.get("nodepool_info") or {}).get("nodepool_id")


def list_nodes(client, cluster_id: str, nodepool_id: str | None = None) -> list:
    """Every node of the cluster (of one pool), all pages of DescribeClusterNodes."""
    nodes = []
    page = 1
    while True:
        body = client.call(
            "DescribeClusterNodes",
            cluster_id,
            nodepool_id=nodepool_id,
            page_number=str(page),
            page_size=str(NODES_PAGE_SIZE),
        )
        chunk = body.get("nodes") or []
        nodes.extend(chunk)
        total = (body.get("page") or {}).get("total_count")
        if not chunk or len(chunk) < NODES_PAGE_SIZE or (total is not None and len(nodes) >= int(total)):
            return nodes
        page += 1


def wait_task(module, client, task_id: str, what: str) -> dict:
    """Poll DescribeTaskInfo until the task succeeds; a failed task raises with the task's error."""
    spec = WAITERS["task"]
    try:
        return module.waiter(
            "%s: task %s" % (what, task_id),
            lambda: client.call("DescribeTaskInfo", task_id),
            spec.status,
            spec.success,
            pending=spec.pending,
            failure=spec.failure,
        ).wait()
    except WaiterError as err:
        error = (err.last or {}).get("error") or {}
        if err.code == "WaiterFailure" and error:
            raise AlicloudError(
                error.get("code") or "TaskFailed",
                "%s: task %s failed: %s" % (what, task_id, error.get("message") or "no message"),
            ) from err
        raise


def _kv_list_to_dict(items) -> dict:
    return {str(i.get("key")): str(i.get("value") or "") for i in items or [] if isinstance(i, dict) and i.get("key")}


def normalize_taints(taints) -> list:
    """Taints as sorted ``{key, value, effect}`` dicts (effect defaults to NoSchedule, as the API)."""
    out = [
        {"key": str(t.get("key")), "value": str(t.get("value") or ""), "effect": t.get("effect") or "NoSchedule"}
        for t in taints or []
        if isinstance(t, dict) and t.get("key")
    ]
    return sorted(out, key=lambda t: (t["key"], t["effect"], t["value"]))


def normalize_node_pool(pool: dict | None, cluster_id: str | None = None) -> dict:
    """A DescribeClusterNodePoolDetail body (or DescribeClusterNodePools item), snake_cased and flat."""
    if not pool:
        return {}
    info = pool.get("nodepool_info") or {}
    group = pool.get("scaling_group") or {}
    kube = pool.get("kubernetes_config") or {}
    status = pool.get("status") or {}
    groups = list(group.get("security_group_ids") or [])
    if not groups and group.get("security_group_id"):
        groups = [group["security_group_id"]]
    return {
        "node_pool_id": info.get("nodepool_id"),
        "cluster_id": cluster_id,
        "name": info.get("name"),
        "state": status.get("state"),
        "desired_size": group.get("desired_size"),
        "total_nodes": status.get("total_nodes"),
        "healthy_nodes": status.get("healthy_nodes"),
        "instance_types": list(group.get("instance_types") or []),
        "vswitch_ids": list(group.get("vswitch_ids") or []),
        "system_disk_category": group.get("system_disk_category"),
        "system_disk_size": group.get("system_disk_size"),
        "key_pair": group.get("key_pair") or None,
        "instance_charge_type": group.get("instance_charge_type"),
        "labels": _kv_list_to_dict(kube.get("labels")),
        "taints": normalize_taints(kube.get("taints")),
        "security_group_ids": groups,
    }


def zone_of(ip: str | None, vswitches) -> str | None:
    """The zone of the vSwitch whose CIDR block holds ``ip`` (DescribeClusterNodes has no zone; a
    node's primary address is in one of its pool's vSwitches, and a vSwitch is in one zone)."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    for vswitch in vswitches or []:
        try:
            if address in ipaddress.ip_network(vswitch.get("CidrBlock") or "", strict=False):
                return vswitch.get("ZoneId")
        except ValueError:
            continue
    return None


def routes_within(routes: dict, pod_cidr: str) -> dict:
    """The ``instance -> destination`` routes whose destination lies in the cluster's Pod CIDR."""
    try:
        cluster_net = ipaddress.ip_network(pod_cidr, strict=False)
    except ValueError:
        return {}
    inside = {}
    for instance_id, destination in routes.items():
        try:
            if ipaddress.ip_network(destination, strict=False).subnet_of(cluster_net):
                inside[instance_id] = destination
        except (TypeError, ValueError):
            continue
    return inside


def normalize_node(node: dict | None, pod_cidrs: dict | None = None, vswitches=None) -> dict:
    """A DescribeClusterNodes item; ``pod_cidrs`` maps instance id -> Pod CIDR (Flannel routes),
    ``vswitches`` (DescribeVSwitches items of the cluster's VPC) give the zone."""
    if not node:
        return {}
    addresses = node.get("ip_address") or []
    return {
        "node_name": node.get("node_name"),
        "instance_id": node.get("instance_id"),
        "node_pool_id": node.get("nodepool_id"),
        "ip_address": addresses[0] if addresses else None,
        "zone_id": zone_of(addresses[0] if addresses else None, vswitches),
        "state": node.get("state"),
        "node_status": node.get("node_status"),
        "pod_cidr": (pod_cidrs or {}).get(node.get("instance_id")),
    }
