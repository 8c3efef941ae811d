# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACK (cs 2015-12-15, ROA): list actions, waiters, tag shapes, lookups and return shapes.

Clusters come first in this file, node pools and nodes after them.
"""

from __future__ import annotations

import json
import re

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
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


def _vkey(version: str) -> tuple:
    return tuple(int(x) for x in re.findall(r"\d+", str(version).split("-", 1)[0]))


def version_metadata(client, region: str, cluster_type: str = CLUSTER_TYPE) -> list:
    """DescribeKubernetesVersionMetadata (GET /api/v1/metadata/versions, Region and ClusterType
    required): ``[{version, creatable, runtimes: [{name, version}], ...}]``."""
    body = client.call("DescribeKubernetesVersionMetadata", Region=region, ClusterType=cluster_type)
    return body if isinstance(body, list) else []


def resolve_version(metadata: list, wanted: str | None = None):
    """The metadata entry of ``wanted`` (exact, or a prefix such as ``1.31``: the newest it names)
    or, without ``wanted``, of the newest creatable version; None when there is none."""
    creatable = [m for m in metadata if m.get("creatable") and m.get("version")]
    if wanted:
        creatable = [m for m in creatable if m["version"] == wanted or m["version"].startswith(wanted + "-")]
    return max(creatable, key=lambda m: _vkey(m["version"]), default=None)


def runtime_version(entry: dict, runtime: str) -> str | None:
    """The version the metadata lists for ``runtime`` (the newest when it lists several)."""
    versions = [r.get("version") for r in entry.get("runtimes") or [] if r.get("name") == runtime and r.get("version")]
    return max(versions, key=_vkey, default=None)


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
