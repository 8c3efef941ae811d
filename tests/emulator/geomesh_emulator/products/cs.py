"""ACK: Container Service for Kubernetes (``cs`` 2015-12-15, ROA style).

Managed clusters with a lazily computed lifecycle (``initial`` -> ``running`` | ``failed``,
``deleting`` -> gone), a task per cluster / node-pool operation (DescribeTaskInfo ``running`` ->
``success`` | ``fail`` with ``error{code, message}``), per-cluster kubeconfigs that point at the
emulator's Kubernetes API port, node pools (CreateClusterNodePool, DescribeClusterNodePools,
DescribeClusterNodePoolDetail, ModifyClusterNodePool, DeleteClusterNodepool) and nodes
(DescribeClusterNodes).

Nodes join one by one (``node_join`` seconds apart, after ``nodepool_create`` for a new pool;
the initial pools of CreateCluster join while the cluster is created and the create task ends
with the last one) and leave one by one (``node_remove``). Each node has a name
(``<region>.<ip>``), an ECS instance id, a private IP of its vSwitch (round robin over the pool's
vSwitches), the vSwitch's zone and, for Flannel, its own ``/node_cidr_mask`` slice of the pod
CIDR. The Flannel node route (pod slice -> instance, what the cloud controller manager installs)
exists from the moment the node is Ready (``store.VISIBLE_FROM``) until its removal finished.
Pool ``status.state``: ``scaling`` (nodes joining), ``removing`` (nodes leaving), ``updating``
(attribute change), ``deleting``, else ``active``.

Scenario faults (``scenarios.kind``; ``POST /_emulator/faults/cs``): ``cluster_task_fail`` and
``nodepool_scale_fail``, see INTERFACE.md, and ``user_quota`` ``{"cluster_quota": int,
"cluster_nodepool_quota": int, "node_quota": int}`` (each optional, positive integers, at least
one; no ``count``): DescribeUserQuota answers these values instead of the documented defaults
(``DEFAULT_QUOTAS``), and with ``cluster_quota`` set CreateCluster refuses a cluster beyond it
(``QuotaExceeded.Cluster``). Kept until replaced, cleared or reset. ``node_quota`` and
``cluster_nodepool_quota`` are only reported, not enforced.

Documents (``ctx.store``):

- ``cs_cluster``: the DescribeClusterDetail fields (snake_case) plus private fields prefixed with
  ``_``: ``_kube_ca`` (the CA of the cluster's Kubernetes API server, kube/listeners.py),
  ``_network_plugin`` (``flannel`` | ``terway``), ``_endpoint_public_access``, ``_nodes`` (see
  :func:`cluster_nodes`), ``_nodepools`` (``{nodepool_info, scaling_group, kubernetes_config,
  _deleting, _delete_at, _update_until, _task_id}``; ``login_password`` is never stored),
  ``_pod_vswitch_ids``.
- ``cs_task``: DescribeTaskInfo fields (``_error`` for a failing task).

Facts come from the SDK models (``alibabacloud_cs20151215`` 7.2.3),
``/work/shared/reference/alicloud-api.md`` section 4 and ``ack-nodepools-preflight.md``
sections 1-3; guesses are marked ``UNCONFIRMED``.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import json
import re
import uuid
from typing import Any

from geomesh_emulator import lifecycle, params, scenarios
from geomesh_emulator.errors import ApiError
from geomesh_emulator.registry import roa
from geomesh_emulator.store import VISIBLE_FROM

PRODUCT = "cs"
VERSION = "2015-12-15"

CLUSTER_KIND = "cs_cluster"
TASK_KIND = "cs_task"

# UNCONFIRMED: the version table (version, release date, expiration date, creatable). The SDK says
# ACK creates the three newest minors; older ones stay listed as supported but not creatable.
KUBERNETES_VERSIONS = [
    ("1.31.1-aliyun.1", "2024-10-17", "2025-12-31", True),
    ("1.30.7-aliyun.1", "2024-07-25", "2025-08-31", True),
    ("1.28.15-aliyun.1", "2023-12-19", "2025-02-28", True),
    ("1.26.15-aliyun.1", "2023-05-23", "2024-07-31", False),
]
# Per-region tables (region -> list like KUBERNETES_VERSIONS); regions not listed offer the
# default table. UNCONFIRMED: no region is known to differ, so none is listed.
REGION_KUBERNETES_VERSIONS: dict[str, list[tuple[str, str, str, bool]]] = {}
CLUSTER_SPECS = ("ack.standard", "ack.pro.small", "ack.pro.xlarge", "ack.pro.2xlarge", "ack.pro.4xlarge")  # SDK
NETWORK_ADDONS = {"flannel": "flannel", "terway-eniip": "terway"}  # SDK CreateClusterRequest.addons
# UNCONFIRMED: the container runtimes DescribeKubernetesVersionMetadata lists per minor version.
RUNTIMES = {
    "1.31": [{"name": "containerd", "version": "1.6.36"}],
    "1.30": [{"name": "containerd", "version": "1.6.36"}, {"name": "containerd", "version": "1.6.28"}],
    "1.28": [{"name": "containerd", "version": "1.6.28"}],
    "1.26": [{"name": "containerd", "version": "1.6.20"}],
}


def _minor(version: str) -> str:
    return ".".join(version.split("-")[0].split(".")[:2])


DEFAULT_SERVICE_CIDR = "172.19.0.0/20"
DEFAULT_NODE_CIDR_MASK = 26
# UNCONFIRMED: the accepted node_cidr_mask range (console offers 24..28).
NODE_CIDR_MASK_RANGE = (24, 28)

_PRIVATE_RANGES = [ipaddress.ip_network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
_NAME_RE = re.compile(r"^[0-9A-Za-z\u4e00-\u9fa5][0-9A-Za-z\u4e00-\u9fa5-]{0,62}$")
_FLANNEL = "flannel"
_TERWAY = "terway"


# ------------------------------------------------------------------------------------------
# small helpers
# ------------------------------------------------------------------------------------------
def _iso(ts: float) -> str:
    """RFC 3339 UTC timestamp (ACK shows e.g. ``2019-11-25T15:50:20+08:00``; UTC is equivalent)."""
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_cluster_id() -> str:
    # Real cluster ids are 33 characters: ``c`` + 32 hex digits.
    return "c" + uuid.uuid4().hex


def _not_found(cluster_id: str) -> ApiError:
    return ApiError("ErrorClusterNotFound", f"cluster {cluster_id} not found", status=404)


def _invalid(message: str) -> ApiError:
    # UNCONFIRMED: ACK validation failures are reported as 400 InvalidParameter / ErrorCheck*;
    # the exact code per check is not documented.
    return ApiError("InvalidParameter", message, status=400)


def _bool(p: dict[str, Any], key: str, default: bool) -> bool:
    val = params.flag(p, key, default)
    return default if val is None else bool(val)


def _network(value: Any, field: str) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.ip_network(str(value), strict=True)
    except ValueError as exc:
        raise _invalid(f"{field} {value!r} is not a valid CIDR block") from exc
    if not isinstance(net, ipaddress.IPv4Network):
        raise _invalid(f"{field} {value!r} must be an IPv4 CIDR block")
    return net


def _overlap(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    try:
        return ipaddress.ip_network(a, strict=False).overlaps(ipaddress.ip_network(b, strict=False))
    except ValueError:
        return False


def _is_private(net: ipaddress.IPv4Network) -> bool:
    return any(net.subnet_of(r) for r in _PRIVATE_RANGES)


# ------------------------------------------------------------------------------------------
# views on other products' documents (owned by the core: products/vpc.py, products/ecs.py)
# ------------------------------------------------------------------------------------------
def _vpc(ctx: Any, vpc_id: str) -> dict[str, Any] | None:
    return ctx.store.get("vpc", vpc_id)


def _vswitch(ctx: Any, vsw_id: str) -> dict[str, Any] | None:
    return ctx.store.get("vswitch", vsw_id)


def _vpc_cidrs(vpc: dict[str, Any]) -> list[str]:
    cidrs = [vpc.get("CidrBlock")]
    cidrs += list(vpc.get("SecondaryCidrBlocks") or [])
    return [c for c in cidrs if c]


def _create_security_group(ctx: Any, vpc_id: str, region: str, name: str, enterprise: bool) -> str:
    """Create the cluster security group through the ecs product helper: an enterprise (advanced)
    group unless ``is_enterprise_security_group`` is false (SDK CreateClusterRequest: default true;
    alicloud-api.md section 3 "Limits")."""
    from geomesh_emulator.products import ecs  # core-owned

    return ecs.create_security_group(
        ctx,
        vpc_id=vpc_id,
        region_id=region,
        name=name,
        description="ACK cluster security group",
        security_group_type="enterprise" if enterprise else "normal",
    )


def _delete_security_group(ctx: Any, sg_id: str) -> None:
    from geomesh_emulator.products import ecs  # core-owned

    ecs.delete_security_group(ctx, sg_id)


def _security_group_exists(ctx: Any, sg_id: str) -> bool:
    return ctx.store.get("security_group", sg_id) is not None


# ------------------------------------------------------------------------------------------
# public helpers for other emulator parts (asm, Kubernetes API, data plane)
# ------------------------------------------------------------------------------------------
def get_cluster(ctx: Any, cluster_id: str) -> dict[str, Any] | None:
    """The stored cluster document (lifecycle resolved, finished node removals dropped) or None."""
    doc = ctx.store.get(CLUSTER_KIND, cluster_id)
    if doc is not None and _prune(ctx, doc):
        ctx.store.put(CLUSTER_KIND, cluster_id, doc)
    return doc


def cluster_nodes(doc: dict[str, Any], now: float | None = None) -> list[dict[str, Any]]:
    """Nodes of a cluster doc: ``{node_name, instance_id, ip, vswitch_id, zone_id, region_id,
    pod_cidr (Flannel, else None), nodepool_id, labels{...}}`` plus internal ``_join_at``,
    ``_remove_at``, ``_failed``. With ``now`` (emulator clock): only the nodes that are Ready then
    (joined, not failed, not being removed) -- what a Kubernetes API would list as Ready."""
    nodes = list(doc.get("_nodes") or [])
    if now is None:
        return nodes
    return [n for n in nodes if _node_state(n, now) == "running"]


def cluster_cidrs(doc: dict[str, Any]) -> dict[str, str | None]:
    """Pod and Service CIDRs of a cluster doc (pod is None for Terway)."""
    return {"pod": doc.get("container_cidr") or None, "service": doc.get("service_cidr") or None}


# ------------------------------------------------------------------------------------------
# views
# ------------------------------------------------------------------------------------------
_DETAIL_FIELDS = (
    "cluster_id",
    "name",
    "state",
    "cluster_type",
    "cluster_spec",
    "profile",
    "region_id",
    "zone_id",
    "vpc_id",
    "vswitch_id",
    "vswitch_ids",
    "security_group_id",
    "container_cidr",
    "subnet_cidr",
    "service_cidr",
    "node_cidr_mask",
    "proxy_mode",
    "current_version",
    "init_version",
    "next_version",
    "master_url",
    "deletion_protection",
    "tags",
    "created",
    "updated",
    "size",
    "resource_group_id",
    "worker_ram_role_name",
    "network_mode",
    "parameters",
    "meta_data",
    "timezone",
    "cluster_domain",
    "ip_stack",
    "private_zone",
    "docker_version",
    "external_loadbalancer_id",
)


def _detail(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc[k] for k in _DETAIL_FIELDS if k in doc and doc[k] is not None}


def _task_view(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    state = doc.get("state")
    done = state in ("success", "fail")
    out["current_stage"] = "finished" if done else "running"
    out["stages"] = [
        {
            "state": state,
            "message": f"{doc.get('task_type')} {state}",
            "start_time": doc.get("created"),
            "end_time": doc.get("_end") if done else None,
        }
    ]
    if done:
        out["updated"] = doc.get("_end")
    if state == "fail" and doc.get("_error"):
        # DescribeTaskInfo error{code, message} (ack-nodepools-preflight.md section 3)
        out["error"] = dict(doc["_error"])
    return out


# ------------------------------------------------------------------------------------------
# CreateCluster
# ------------------------------------------------------------------------------------------
def _network_plugin(p: dict[str, Any]) -> str:
    """The network addon named in ``addons``: required, exactly one of ``flannel`` and
    ``terway-eniip`` (SDK CreateClusterRequest.addons: "Network component: Required ... Flannel:
    [{"name":"flannel"}], Terway: [{"name":"terway-eniip"}]"). No default."""
    addons = p.get("addons") or []
    if not isinstance(addons, list):
        raise _invalid("addons must be a list of {name, config, disabled}")
    names = [str(a.get("name", "")) for a in addons if isinstance(a, dict) and not a.get("disabled")]
    found = [n for n in names if n in NETWORK_ADDONS]
    if not found:
        # UNCONFIRMED: the code for a missing network component.
        raise _invalid('addons: a network component is required: [{"name": "flannel"}] or [{"name": "terway-eniip"}]')
    if len(set(found)) > 1:
        raise _invalid(f"addons: exactly one network component is allowed, got {', '.join(sorted(set(found)))}")
    return NETWORK_ADDONS[found[0]]


def _check_vswitches(ctx: Any, ids: list[str], vpc_id: str, field: str) -> list[dict[str, Any]]:
    out = []
    for vsw_id in ids:
        vsw = _vswitch(ctx, str(vsw_id))
        if vsw is None:
            # UNCONFIRMED: code for an unknown vSwitch in CreateCluster.
            raise _invalid(f"{field}: vSwitch {vsw_id} does not exist")
        if vsw.get("VpcId") != vpc_id:
            raise _invalid(f"{field}: vSwitch {vsw_id} does not belong to VPC {vpc_id}")
        if vsw.get("Status") not in (None, "Available"):
            raise _invalid(f"{field}: vSwitch {vsw_id} is not Available (status {vsw.get('Status')})")
        out.append(vsw)
    return out


def _cidr_checks(ctx: Any, vpc: dict[str, Any], pod: ipaddress.IPv4Network | None, svc: ipaddress.IPv4Network) -> None:
    vpc_id = vpc.get("VpcId")
    vpc_cidrs = _vpc_cidrs(vpc)
    for label, net in (("container_cidr", pod), ("service_cidr", svc)):
        if net is None:
            continue
        for vc in vpc_cidrs:
            if _overlap(str(net), vc):
                raise _invalid(f"{label} {net} overlaps the CIDR block {vc} of VPC {vpc_id}")
    if pod is not None and pod.overlaps(svc):
        raise _invalid(f"container_cidr {pod} overlaps service_cidr {svc}")
    # Documented: "cannot overlap with ... existing Kubernetes clusters in the VPC".
    for other in ctx.store.list(CLUSTER_KIND):
        if other.get("vpc_id") != vpc_id:
            continue
        theirs = [("pod", other.get("container_cidr")), ("service", other.get("service_cidr"))]
        for label, net in (("container_cidr", pod), ("service_cidr", svc)):
            if net is None:
                continue
            for kind, cidr in theirs:
                if _overlap(str(net), cidr):
                    raise _invalid(
                        f"{label} {net} overlaps the {kind} CIDR {cidr} of cluster {other.get('cluster_id')} "
                        f"in VPC {vpc_id}"
                    )


def _used_ips(ctx: Any) -> set[str]:
    used: set[str] = set()
    for other in ctx.store.list(CLUSTER_KIND):
        for node in other.get("_nodes") or []:
            used.add(node.get("ip"))
    return used


def _alloc_ip(vsw: dict[str, Any], used: set[str]) -> str:
    net = ipaddress.ip_network(vsw.get("CidrBlock") or "0.0.0.0/32", strict=False)
    hosts = list(net.hosts())
    # UNCONFIRMED: which addresses of a vSwitch Alibaba reserves (the emulator skips the first host
    # and the last three).
    for host in hosts[1:-3] if len(hosts) > 8 else hosts:
        ip = str(host)
        if ip not in used:
            used.add(ip)
            return ip
    raise ApiError("InvalidVSwitchId.IpNotEnough", f"vSwitch {vsw.get('VSwitchId')} has no free IP address")


# ------------------------------------------------------------------------------------------
# node pools and nodes (nodes join one by one; Flannel node routes follow the nodes)
# ------------------------------------------------------------------------------------------
# Facts: /work/shared/reference/ack-nodepools-preflight.md section 1 (SDK models
# create_cluster_node_pool_request / nodepool, DescribeClusterNodes, DeleteClusterNodepool) and
# section 2 (Flannel: one pod CIDR slice per node, one VPC route per node made by the cloud
# controller manager once the node is Ready, removed when the Node is deleted).
INSTANCE_TYPES_RANGE = (1, 10)  # SDK: scaling_group.instance_types, 1-10 entries
VSWITCH_IDS_RANGE = (1, 8)  # SDK: scaling_group.vswitch_ids, 1-8 entries
SYSTEM_DISK_SIZE_RANGE = (20, 2048)  # SDK: system_disk_size 20-2048 GiB
DEFAULT_SYSTEM_DISK_CATEGORY = "cloud_efficiency"  # SDK default
DEFAULT_SYSTEM_DISK_SIZE = 120  # UNCONFIRMED: the API's default system disk size
NODE_STATES = ("all", "running", "removing", "initial", "failed")  # DescribeClusterNodes `state`
_TAINT_EFFECTS = ("NoSchedule", "NoExecute", "PreferNoSchedule")


def _pool_invalid(field: str, message: str) -> ApiError:
    return _invalid(f"{field}: {message}")


def _str_list(value: Any, field: str, lo: int, hi: int) -> list[str]:
    if value in (None, ""):
        value = []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _pool_invalid(field, "must be a list of strings")
    if not lo <= len(value) <= hi:
        raise _pool_invalid(field, f"{len(value)} entries given; {lo} to {hi} are required")
    return [str(v) for v in value]


def _int_field(value: Any, field: str, default: int | None) -> int | None:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise _pool_invalid(field, f"{value!r} is not a number") from exc


def _key_values(value: Any, field: str, taints: bool = False) -> list[dict[str, str]]:
    out = []
    for item in value or []:
        if not isinstance(item, dict) or not item.get("key"):
            raise _pool_invalid(field, "every entry needs a key")
        entry = {"key": str(item["key"]), "value": str(item.get("value") or "")}
        if taints:
            effect = str(item.get("effect") or "NoSchedule")
            if effect not in _TAINT_EFFECTS:
                raise _pool_invalid(field, f"effect {effect!r} must be one of {', '.join(_TAINT_EFFECTS)}")
            entry["effect"] = effect
        out.append(entry)
    return out


def _runtime_versions(version: str) -> list[dict[str, str]]:
    return [dict(r) for r in RUNTIMES.get(_minor(version), [])]


def _validate_pool(
    ctx: Any, raw: Any, vpc_id: str, k8s_version: str, prefix: str, in_create_cluster: bool
) -> dict[str, Any]:
    """A node pool request (CreateCluster ``nodepools[]`` or CreateClusterNodePool body),
    checked as the SDK models mark it, normalised for storage (no login_password kept)."""
    if not isinstance(raw, dict):
        raise _pool_invalid(prefix, "must be an object")
    info = raw.get("nodepool_info") or {}
    name = info.get("name") if isinstance(info, dict) else None
    if not name:
        raise _pool_invalid(f"{prefix}nodepool_info.name", "is required")  # SDK: required
    sg = raw.get("scaling_group")
    if not isinstance(sg, dict):
        raise _pool_invalid(f"{prefix}scaling_group", "is required")
    types = _str_list(sg.get("instance_types"), f"{prefix}scaling_group.instance_types", *INSTANCE_TYPES_RANGE)
    vsw_ids = _str_list(sg.get("vswitch_ids"), f"{prefix}scaling_group.vswitch_ids", *VSWITCH_IDS_RANGE)
    vsws = _check_vswitches(ctx, vsw_ids, vpc_id, f"{prefix}scaling_group.vswitch_ids")
    desired = _int_field(sg.get("desired_size"), f"{prefix}scaling_group.desired_size", None)
    if desired is None:
        desired = _int_field(raw.get("count"), f"{prefix}count", 0)  # deprecated `count`
    if desired < 0:
        raise _pool_invalid(f"{prefix}scaling_group.desired_size", f"{desired} must be 0 or more")
    has_key = bool(sg.get("key_pair"))
    has_password = bool(sg.get("login_password"))
    if has_key == has_password:
        # SDK: "You must specify one of key_pair and login_password" (and not both).
        raise _pool_invalid(f"{prefix}scaling_group", "exactly one of key_pair and login_password is required")
    size = _int_field(sg.get("system_disk_size"), f"{prefix}scaling_group.system_disk_size", DEFAULT_SYSTEM_DISK_SIZE)
    if not SYSTEM_DISK_SIZE_RANGE[0] <= size <= SYSTEM_DISK_SIZE_RANGE[1]:
        raise _pool_invalid(
            f"{prefix}scaling_group.system_disk_size",
            f"{size} must be between {SYSTEM_DISK_SIZE_RANGE[0]} and {SYSTEM_DISK_SIZE_RANGE[1]} GiB",
        )
    # SDK marks instance_charge_type required and documents the default PostPaid; the emulator
    # applies the default (UNCONFIRMED: whether an omitted value is refused).
    charge = str(sg.get("instance_charge_type") or "PostPaid")
    if charge not in ("PostPaid", "PrePaid"):
        raise _pool_invalid(f"{prefix}scaling_group.instance_charge_type", f"{charge!r} must be PostPaid or PrePaid")
    if charge == "PrePaid" and not (sg.get("period") and sg.get("period_unit")):
        raise _pool_invalid(f"{prefix}scaling_group", "period and period_unit are required for PrePaid")
    kc = raw.get("kubernetes_config") or {}
    if not isinstance(kc, dict):
        raise _pool_invalid(f"{prefix}kubernetes_config", "must be an object")
    runtime = kc.get("runtime")
    runtime_version = kc.get("runtime_version")
    if in_create_cluster:
        # SDK model Nodepool.kubernetes_config marks runtime and runtime_version required
        # (ack-nodepools-preflight.md section 3).
        if not runtime:
            raise _pool_invalid(f"{prefix}kubernetes_config.runtime", "is required")
        if not runtime_version:
            raise _pool_invalid(f"{prefix}kubernetes_config.runtime_version", "is required")
    runtime = str(runtime or "containerd")  # CreateClusterNodePool: default containerd (SDK)
    offered = _runtime_versions(k8s_version)
    if runtime not in {r["name"] for r in offered}:
        raise _pool_invalid(
            f"{prefix}kubernetes_config.runtime",
            f"{runtime!r} is not offered for Kubernetes {k8s_version} "
            f"(offered: {', '.join(sorted({r['name'] for r in offered}))})",
        )
    if runtime_version:
        versions = [r["version"] for r in offered if r["name"] == runtime]
        if str(runtime_version) not in versions:
            raise _pool_invalid(
                f"{prefix}kubernetes_config.runtime_version",
                f"{runtime} {runtime_version} is not offered for Kubernetes {k8s_version} (offered: {', '.join(versions)}; "
                "see DescribeKubernetesVersionMetadata runtimes)",
            )
    else:
        runtime_version = next(r["version"] for r in offered if r["name"] == runtime)
    labels = _key_values(kc.get("labels"), f"{prefix}kubernetes_config.labels")
    taints = _key_values(kc.get("taints"), f"{prefix}kubernetes_config.taints", taints=True)
    stored_sg = {k: v for k, v in sg.items() if k not in ("login_password",) and v is not None}  # secrets never stored
    stored_sg.update(
        {
            "instance_types": types,
            "vswitch_ids": vsw_ids,
            "desired_size": desired,
            "instance_charge_type": charge,
            "system_disk_category": str(sg.get("system_disk_category") or DEFAULT_SYSTEM_DISK_CATEGORY),
            "system_disk_size": size,
            "login_as_non_root": bool(sg.get("login_as_non_root")),
        }
    )
    stored_sg["_has_password"] = has_password
    return {
        "name": str(name),
        "vswitches": vsws,
        "desired_size": desired,
        "scaling_group": stored_sg,
        "kubernetes_config": {
            "runtime": runtime,
            "runtime_version": str(runtime_version),
            "labels": labels,
            "taints": taints,
            "cms_enabled": bool(kc.get("cms_enabled")),
            "cpu_policy": str(kc.get("cpu_policy") or "none"),
        },
    }


def _new_pool_doc(ctx: Any, doc: dict[str, Any], spec: dict[str, Any], is_default: bool) -> dict[str, Any]:
    now_s = _iso(ctx.now())
    np_id = "np" + uuid.uuid4().hex
    sg = dict(spec["scaling_group"])
    sg["security_group_id"] = doc["security_group_id"]
    sg.setdefault("security_group_ids", [doc["security_group_id"]])
    return {
        "nodepool_info": {
            "nodepool_id": np_id,
            "name": spec["name"],
            "type": "ess",
            "is_default": is_default,
            "region_id": doc["region_id"],
            "resource_group_id": doc.get("resource_group_id") or "",
            "created": now_s,
            "updated": now_s,
        },
        "scaling_group": sg,
        "kubernetes_config": spec["kubernetes_config"],
        "_deleting": False,
        "_delete_at": None,
        "_update_until": 0.0,
        "_task_id": None,
    }


def _find_pool(doc: dict[str, Any], nodepool_id: str) -> dict[str, Any]:
    for pool in doc.get("_nodepools") or []:
        if pool["nodepool_info"]["nodepool_id"] == nodepool_id:
            return pool
    raise ApiError(
        "ErrorNodePoolNotFound", f"node pool {nodepool_id} not found in cluster {doc['cluster_id']}", status=404
    )


def _node_state(node: dict[str, Any], now: float) -> str:
    if node.get("_remove_at") is not None:
        return "removing"
    if now < float(node.get("_join_at") or 0):
        return "initial"
    if node.get("_failed"):
        return "failed"
    return "running"


def _prune(ctx: Any, doc: dict[str, Any]) -> bool:
    """Drop nodes whose removal finished and node pools whose deletion finished."""
    now = ctx.now()
    nodes = doc.get("_nodes") or []
    kept = [n for n in nodes if n.get("_remove_at") is None or float(n["_remove_at"]) > now]
    pools = doc.get("_nodepools") or []
    kept_pools = [p for p in pools if p.get("_delete_at") is None or float(p["_delete_at"]) > now]
    if len(kept) == len(nodes) and len(kept_pools) == len(pools):
        return False
    doc["_nodes"] = kept
    doc["_nodepools"] = kept_pools
    doc["size"] = len(kept)
    return True


def _free_pod_subnets(doc: dict[str, Any], count: int) -> list[str | None]:
    if doc.get("_network_plugin") != _FLANNEL or not doc.get("container_cidr") or not count:
        return [None] * count
    pod = ipaddress.ip_network(doc["container_cidr"])
    mask = int(doc.get("node_cidr_mask") or DEFAULT_NODE_CIDR_MASK)
    used = {n.get("pod_cidr") for n in doc.get("_nodes") or []}
    free = []
    for net in pod.subnets(new_prefix=mask):
        if str(net) not in used:
            free.append(str(net))
            if len(free) == count:
                return free
    capacity = 2 ** (mask - pod.prefixlen)
    # UNCONFIRMED: code when the pod CIDR has no free node block left.
    raise _invalid(
        f"container_cidr {pod} with node_cidr_mask {mask} allows {capacity} nodes; "
        f"{len(used - {None})} exist and {count} more were requested"
    )


def _add_route(ctx: Any, doc: dict[str, Any], node: dict[str, Any]) -> None:
    """The cloud controller's route for a Flannel node: pod CIDR -> the node's ECS instance,
    visible from the moment the node is Ready (ack-nodepools-preflight.md section 2)."""
    if doc.get("_network_plugin") != _FLANNEL or not node.get("pod_cidr") or node.get("_failed"):
        return
    from geomesh_emulator.products import vpc as vpc_product  # core-owned

    rte_id = vpc_product.add_system_route_entry(
        ctx,
        vpc_id=doc["vpc_id"],
        destination_cidr=node["pod_cidr"],
        next_hop_type="Instance",
        next_hop_id=node["instance_id"],
        description=f"ack:{doc['cluster_id']}:{node['node_name']}",
    )
    route = ctx.store.get("vpc_route_entry", rte_id)
    if route is not None and route.get("NextHopId") == node["instance_id"]:
        route[VISIBLE_FROM] = float(node["_join_at"])
        ctx.store.put("vpc_route_entry", rte_id, route)
        node["_route_id"] = rte_id


def _drop_route(ctx: Any, node: dict[str, Any], at: float | None = None) -> None:
    """Remove a node's route now, or (``at``) when the node's removal finishes."""
    rte_id = node.get("_route_id")
    if not rte_id:
        return
    route = ctx.raw_store.raw_get("vpc_route_entry", rte_id)
    if route is None:
        return
    if at is None:
        ctx.store.delete("vpc_route_entry", rte_id)
    else:
        route[lifecycle.DELETE_AT] = float(at)
        ctx.store.put("vpc_route_entry", rte_id, route)


def _add_nodes(ctx: Any, doc: dict[str, Any], pool: dict[str, Any], count: int, start: float) -> float:
    """Schedule ``count`` new nodes of ``pool`` joining one by one after ``start``; returns the
    time the last one is Ready (or fails)."""
    if count <= 0:
        return start
    region = doc["region_id"]
    info = pool["nodepool_info"]
    sg = pool["scaling_group"]
    vsws = [_vswitch(ctx, v) for v in sg.get("vswitch_ids") or []]
    vsws = [v for v in vsws if v is not None]
    if not vsws:
        raise _invalid(f"node pool {info['name']}: none of its vSwitches exists")
    subnets = _free_pod_subnets(doc, count)
    used = _used_ips(ctx)
    fault = _scenario(ctx, "nodepool_scale_fail", info["name"])
    step = float(ctx.delay("node_join"))
    in_pool = len([n for n in doc.get("_nodes") or [] if n.get("nodepool_id") == info["nodepool_id"]])
    at = start
    for i in range(count):
        vsw = vsws[(in_pool + i) % len(vsws)]
        ip = _alloc_ip(vsw, used)
        zone = vsw.get("ZoneId") or f"{region}-a"
        at = start + step * (i + 1)
        node_name = f"{region}.{ip}"
        node = {
            "node_name": node_name,
            "instance_id": ctx.new_id("i"),
            "ip": ip,
            "vswitch_id": vsw.get("VSwitchId"),
            "zone_id": zone,
            "region_id": region,
            "pod_cidr": subnets[i],
            "nodepool_id": info["nodepool_id"],
            "instance_type": (sg.get("instance_types") or ["ecs.g7.xlarge"])[0],
            "labels": {
                "topology.kubernetes.io/region": region,
                "topology.kubernetes.io/zone": zone,
                "failure-domain.beta.kubernetes.io/region": region,
                "failure-domain.beta.kubernetes.io/zone": zone,
                "alibabacloud.com/nodepool-id": info["nodepool_id"],
                "kubernetes.io/hostname": node_name,
                **{lb["key"]: lb["value"] for lb in pool["kubernetes_config"].get("labels") or []},
            },
            "created": _iso(ctx.now()),
            "_join_at": at,
            "_remove_at": None,
            "_failed": bool(fault),
            "_error": (fault or {}).get("message") if fault else None,
            "_route_id": None,
        }
        _add_route(ctx, doc, node)
        doc.setdefault("_nodes", []).append(node)
    doc["size"] = len(doc["_nodes"])
    return at


def _remove_nodes(ctx: Any, doc: dict[str, Any], pool: dict[str, Any], count: int | None, start: float) -> float:
    """Remove ``count`` nodes of ``pool`` (None: all), newest first (UNCONFIRMED: which nodes a
    scale-in removes), one by one; returns the time the last one is gone."""
    np_id = pool["nodepool_info"]["nodepool_id"]
    mine = [n for n in doc.get("_nodes") or [] if n.get("nodepool_id") == np_id and n.get("_remove_at") is None]
    victims = list(reversed(mine))[: len(mine) if count is None else count]
    step = float(ctx.delay("node_remove"))
    at = start
    for i, node in enumerate(victims):
        at = max(start + step * (i + 1), float(node.get("_join_at") or 0))
        node["_remove_at"] = at
        _drop_route(ctx, node, at)
    return at


def _pool_view(ctx: Any, doc: dict[str, Any], pool: dict[str, Any]) -> dict[str, Any]:
    now = ctx.now()
    np_id = pool["nodepool_info"]["nodepool_id"]
    nodes = [n for n in doc.get("_nodes") or [] if n.get("nodepool_id") == np_id]
    states = [_node_state(n, now) for n in nodes]
    if pool.get("_deleting"):
        state = "deleting"
    elif "removing" in states:
        state = "removing"
    elif "initial" in states:
        state = "scaling"
    elif float(pool.get("_update_until") or 0) > now:
        state = "updating"
    else:
        state = "active"
    sg = {k: v for k, v in pool["scaling_group"].items() if not k.startswith("_")}
    running = states.count("running")
    return {
        "nodepool_info": dict(pool["nodepool_info"]),
        "scaling_group": sg,
        "kubernetes_config": dict(pool["kubernetes_config"]),
        "status": {
            "state": state,
            "total_nodes": len(nodes),
            "healthy_nodes": running,
            "serving_nodes": running,
            "initial_nodes": states.count("initial"),
            "failed_nodes": states.count("failed"),
            "offline_nodes": 0,
            "removing_nodes": states.count("removing"),
        },
    }


def _node_view(ctx: Any, node: dict[str, Any], pool: dict[str, Any] | None) -> dict[str, Any]:
    state = _node_state(node, ctx.now())
    sg = (pool or {}).get("scaling_group") or {}
    return {
        "node_name": node["node_name"],
        "host_name": node["node_name"],
        "instance_id": node["instance_id"],
        "instance_name": f"worker-k8s-for-cs-{node['instance_id']}",
        "instance_type": node.get("instance_type"),
        "instance_type_family": str(node.get("instance_type") or "").rsplit(".", 1)[0],
        "instance_role": "Worker",
        "instance_charge_type": sg.get("instance_charge_type") or "PostPaid",
        "instance_status": {"initial": "Pending", "running": "Running", "removing": "Stopping"}.get(state, "Stopped"),
        "ip_address": [node["ip"]],
        "nodepool_id": node.get("nodepool_id"),
        "state": state,
        "node_status": {"running": "Ready", "initial": "Unknown", "failed": "NotReady"}.get(state, "NotReady"),
        "creation_time": node.get("created"),
        "error_message": node.get("_error") or "",
        "is_aliyun_node": True,
        "source": "ess_attach",
        "image_id": "aliyun_3_x64_20G_alibase",  # UNCONFIRMED: default image id
    }


def _cluster_for_nodepools(ctx: Any, p: dict[str, Any], write: bool) -> dict[str, Any]:
    cluster_id = str(p.get("ClusterId"))
    doc = get_cluster(ctx, cluster_id)
    if doc is None:
        raise _not_found(cluster_id)
    if write and doc.get("state") != "running":
        # UNCONFIRMED: node pool changes are refused unless the cluster runs.
        raise ApiError("ErrorClusterState", f"cluster {cluster_id} is in state {doc.get('state')}", status=400)
    return doc


def _pool_busy(ctx: Any, doc: dict[str, Any], pool: dict[str, Any]) -> None:
    state = _pool_view(ctx, doc, pool)["status"]["state"]
    if state != "active":
        # UNCONFIRMED: code for a change to a node pool that is still scaling/removing/updating.
        raise ApiError(
            "ErrorNodePoolState",
            f"node pool {pool['nodepool_info']['nodepool_id']} is in state {state}; wait until it is active",
            status=400,
        )


@roa(PRODUCT, VERSION, "CreateClusterNodePool", "POST", "/clusters/{ClusterId}/nodepools", write=True)
def create_cluster_node_pool(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    doc = _cluster_for_nodepools(ctx, p, write=True)
    spec = _validate_pool(ctx, p, doc["vpc_id"], doc["current_version"], "", in_create_cluster=False)
    pool = _new_pool_doc(ctx, doc, spec, is_default=False)
    now = ctx.now()
    start = now + float(ctx.delay("nodepool_create"))
    end = _add_nodes(ctx, doc, pool, spec["desired_size"], start)
    fault = _scenario(ctx, "nodepool_scale_fail", spec["name"]) if spec["desired_size"] else None
    task_id = _new_task(ctx, doc["cluster_id"], "nodepool_create", end - now, error=fault, target=pool)
    pool["_task_id"] = task_id
    doc.setdefault("_nodepools", []).append(pool)
    ctx.store.put(CLUSTER_KIND, doc["cluster_id"], doc)
    return {"nodepool_id": pool["nodepool_info"]["nodepool_id"], "task_id": task_id}


@roa(
    PRODUCT,
    VERSION,
    "DescribeClusterNodePoolDetail",
    "GET",
    "/clusters/{ClusterId}/nodepools/{NodepoolId}",
    write=False,
)
def describe_cluster_node_pool_detail(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    doc = _cluster_for_nodepools(ctx, p, write=False)
    return _pool_view(ctx, doc, _find_pool(doc, str(p.get("NodepoolId"))))


@roa(PRODUCT, VERSION, "DescribeClusterNodePools", "GET", "/clusters/{ClusterId}/nodepools", write=False)
def describe_cluster_node_pools(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    doc = _cluster_for_nodepools(ctx, p, write=False)
    wanted = p.get("NodepoolName")
    pools = [pool for pool in doc.get("_nodepools") or [] if not wanted or pool["nodepool_info"]["name"] == wanted]
    return {"nodepools": [_pool_view(ctx, doc, pool) for pool in pools]}


@roa(PRODUCT, VERSION, "ModifyClusterNodePool", "PUT", "/clusters/{ClusterId}/nodepools/{NodepoolId}", write=True)
def modify_cluster_node_pool(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    doc = _cluster_for_nodepools(ctx, p, write=True)
    pool = _find_pool(doc, str(p.get("NodepoolId")))
    _pool_busy(ctx, doc, pool)
    info = p.get("nodepool_info") or {}
    sg = p.get("scaling_group") or {}
    kc = p.get("kubernetes_config") or {}
    now = ctx.now()
    # validate everything before changing anything
    desired = _int_field(sg.get("desired_size"), "scaling_group.desired_size", None)
    if desired is not None and desired < 0:
        raise _pool_invalid("scaling_group.desired_size", f"{desired} must be 0 or more")
    types = None
    if sg.get("instance_types") is not None:
        types = _str_list(sg.get("instance_types"), "scaling_group.instance_types", *INSTANCE_TYPES_RANGE)
    vsw_ids = None
    if sg.get("vswitch_ids") is not None:
        vsw_ids = _str_list(sg.get("vswitch_ids"), "scaling_group.vswitch_ids", *VSWITCH_IDS_RANGE)
        _check_vswitches(ctx, vsw_ids, doc["vpc_id"], "scaling_group.vswitch_ids")
    size = _int_field(sg.get("system_disk_size"), "scaling_group.system_disk_size", None)
    if size is not None and not SYSTEM_DISK_SIZE_RANGE[0] <= size <= SYSTEM_DISK_SIZE_RANGE[1]:
        raise _pool_invalid("scaling_group.system_disk_size", f"{size} must be between 20 and 2048 GiB")
    if sg.get("key_pair") and sg.get("login_password"):
        raise _pool_invalid("scaling_group", "exactly one of key_pair and login_password is allowed")
    labels = _key_values(kc.get("labels"), "kubernetes_config.labels") if "labels" in kc else None
    taints = _key_values(kc.get("taints"), "kubernetes_config.taints", taints=True) if "taints" in kc else None

    stored = pool["scaling_group"]
    if info.get("name"):
        pool["nodepool_info"]["name"] = str(info["name"])
    for key, val in (("instance_types", types), ("vswitch_ids", vsw_ids), ("system_disk_size", size)):
        if val is not None:
            stored[key] = val
    if sg.get("system_disk_category"):
        stored["system_disk_category"] = str(sg["system_disk_category"])
    if sg.get("key_pair"):
        stored["key_pair"], stored["_has_password"] = str(sg["key_pair"]), False
    elif sg.get("login_password"):
        stored.pop("key_pair", None)
        stored["_has_password"] = True
    if labels is not None:
        pool["kubernetes_config"]["labels"] = labels
    if taints is not None:
        pool["kubernetes_config"]["taints"] = taints
    pool["nodepool_info"]["updated"] = _iso(now)
    end = now + float(ctx.delay("nodepool_update"))
    fault = None
    if desired is not None and desired != stored.get("desired_size"):
        live = [n for n in doc.get("_nodes") or [] if n.get("nodepool_id") == pool["nodepool_info"]["nodepool_id"]]
        if desired > len(live):
            fault = _scenario(ctx, "nodepool_scale_fail", pool["nodepool_info"]["name"])
            end = _add_nodes(ctx, doc, pool, desired - len(live), now)
        elif desired < len(live):
            end = _remove_nodes(ctx, doc, pool, len(live) - desired, now)
        stored["desired_size"] = desired
    else:
        pool["_update_until"] = end  # attribute-only change: transient `updating`
    task_id = _new_task(ctx, doc["cluster_id"], "nodepool_update", end - now, error=fault, target=pool)
    pool["_task_id"] = task_id
    ctx.store.put(CLUSTER_KIND, doc["cluster_id"], doc)
    return {"nodepool_id": pool["nodepool_info"]["nodepool_id"], "task_id": task_id}


@roa(PRODUCT, VERSION, "DeleteClusterNodepool", "DELETE", "/clusters/{ClusterId}/nodepools/{NodepoolId}", write=True)
def delete_cluster_nodepool(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    doc = _cluster_for_nodepools(ctx, p, write=True)
    pool = _find_pool(doc, str(p.get("NodepoolId")))
    if pool.get("_deleting"):
        # UNCONFIRMED: a repeated delete answers with the running deletion task.
        return {"task_id": pool.get("_task_id")}
    _pool_busy(ctx, doc, pool)
    force = _bool(p, "force", False)
    np_id = pool["nodepool_info"]["nodepool_id"]
    live = [n for n in doc.get("_nodes") or [] if n.get("nodepool_id") == np_id]
    if live and not force:
        # Documented: force=false "prohibits deleting a node pool that still has nodes; the call
        # returns an error" (DeleteClusterNodepool API reference). UNCONFIRMED: the code.
        raise ApiError(
            "ErrorNodePoolNotEmpty",
            f"node pool {np_id} still has {len(live)} nodes; remove them or delete with force=true",
            status=400,
        )
    now = ctx.now()
    end = _remove_nodes(ctx, doc, pool, None, now) + float(ctx.delay("nodepool_delete"))
    pool["_deleting"] = True
    pool["_delete_at"] = end
    task_id = _new_task(ctx, doc["cluster_id"], "nodepool_delete", end - now, target=pool)
    pool["_task_id"] = task_id
    ctx.store.put(CLUSTER_KIND, doc["cluster_id"], doc)
    return {"task_id": task_id}


@roa(PRODUCT, VERSION, "DescribeClusterNodes", "GET", "/clusters/{ClusterId}/nodes", write=False)
def describe_cluster_nodes(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    doc = _cluster_for_nodepools(ctx, p, write=False)
    page_number = _page_arg(p, "pageNumber", 1, 10**6)
    page_size = _page_arg(p, "pageSize", 10, 100)
    state = str(p.get("state") or "all")
    if state not in NODE_STATES:
        raise _invalid(f"state {state!r} must be one of {', '.join(NODE_STATES)}")
    pools = {pool["nodepool_info"]["nodepool_id"]: pool for pool in doc.get("_nodepools") or []}
    np_id = p.get("nodepool_id")
    if np_id and np_id not in pools:
        raise ApiError("ErrorNodePoolNotFound", f"node pool {np_id} not found", status=404)
    now = ctx.now()
    nodes = [n for n in doc.get("_nodes") or [] if not np_id or n.get("nodepool_id") == np_id]
    if state != "all":
        nodes = [n for n in nodes if _node_state(n, now) == state]
    for key, field in (("instanceIds", "instance_id"), ("nodeNames", "node_name"), ("nodeIps", "ip")):
        wanted = _json_list(p, key) if p.get(key) else None
        if wanted:
            nodes = [n for n in nodes if n.get(field) in {str(w) for w in wanted}]
    start = (page_number - 1) * page_size
    return {
        "nodes": [_node_view(ctx, n, pools.get(n.get("nodepool_id"))) for n in nodes[start : start + page_size]],
        "page": {"page_number": page_number, "page_size": page_size, "total_count": len(nodes)},
    }


# ------------------------------------------------------------------------------------------
# scenario faults (chosen per test: POST /_emulator/faults/cs, see scenarios.py)
# ------------------------------------------------------------------------------------------
def _fault_spec(fault: str) -> Any:
    def validate(spec: dict[str, Any]) -> dict[str, Any]:
        unknown = set(spec) - {"name", "code", "message", "count"}
        if unknown:
            raise ValueError(f"unknown {fault} keys: {sorted(unknown)}")
        if not isinstance(spec.get("name"), str) or not spec["name"]:
            raise ValueError(f"{fault}: name required (the cluster or node pool name it targets)")
        for key in ("code", "message"):
            if spec.get(key) is not None and not isinstance(spec[key], str):
                raise ValueError(f"{fault}: {key} must be a string")
        return spec

    return validate


# {"name": "<cluster name>", "code": "...", "message": "..."}: CreateCluster of that name answers
# normally, but its task ends `fail` with error{code, message} and the cluster `failed`.
scenarios.kind(PRODUCT, "cluster_task_fail")(_fault_spec("cluster_task_fail"))
# {"name": "<node pool name>", "code", "message"}: new nodes of that pool (create or scale-out)
# end `failed` (NotReady, no route) and the task ends `fail` with the error.
scenarios.kind(PRODUCT, "nodepool_scale_fail")(_fault_spec("nodepool_scale_fail"))


# DescribeUserQuota defaults, documented (SDK DescribeUserQuotaResponseBody 7.2.3 and the API doc
# "Query resource quotas"): clusters per account 50, node pools per cluster 20, nodes per cluster
# 100, ACK managed clusters 20, ACK Serverless clusters 20.
DEFAULT_QUOTAS = {
    "cluster_quota": 50,
    "cluster_nodepool_quota": 20,
    "node_quota": 100,
    "amk_cluster_quota": 20,
    "ask_cluster_quota": 20,
}
USER_QUOTA_KEYS = ("cluster_quota", "cluster_nodepool_quota", "node_quota")


@scenarios.kind(PRODUCT, "user_quota")
def _scenario_user_quota(spec: dict[str, Any]) -> dict[str, Any]:
    """The account's ACK quotas are lowered (or raised) to these values (DescribeUserQuota;
    ``cluster_quota`` is enforced by CreateCluster)."""
    unknown = set(spec) - set(USER_QUOTA_KEYS)
    if unknown:
        raise ValueError(f"unknown user_quota keys: {sorted(unknown)} (known: {', '.join(USER_QUOTA_KEYS)})")
    if not spec:
        raise ValueError(f"user_quota: at least one of {', '.join(USER_QUOTA_KEYS)} required")
    for key, value in spec.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"user_quota: {key} must be a positive integer")
    return spec


def user_quota(ctx: Any) -> tuple[dict[str, int], set[str]]:
    """``(quotas, keys set by the user_quota scenario fault)``; later specs win."""
    quotas = dict(DEFAULT_QUOTAS)
    changed: set[str] = set()
    for spec in ctx.emulator.scenarios.get(PRODUCT).get("user_quota", []):
        quotas.update(spec)
        changed.update(spec)
    return quotas, changed


def _check_cluster_quota(ctx: Any) -> None:
    """QuotaExceeded.Cluster when the account holds ``cluster_quota`` clusters already: only for a
    quota set by the scenario fault, so the defaults never change what CreateCluster accepts."""
    quotas, changed = user_quota(ctx)
    if "cluster_quota" not in changed:
        return
    # every cluster the API still lists counts (failed and deleting ones too; UNCONFIRMED)
    held = len(ctx.store.list(CLUSTER_KIND))
    if held >= quotas["cluster_quota"]:
        # UNCONFIRMED: code, status and wording (the quota is documented, its error is not).
        raise ApiError(
            "QuotaExceeded.Cluster",
            f"The account has {held} clusters and its cluster quota (cluster_quota) is {quotas['cluster_quota']}: "
            "delete a cluster or apply for a higher quota in Quota Center.",
            status=400,
        )


def _scenario(ctx: Any, key: str, name: str) -> dict[str, Any] | None:
    """The error of scenario fault ``key`` when one targets ``name``."""
    spec = ctx.emulator.scenarios.take(PRODUCT, key, name=name)
    if spec is None:
        return None
    return {
        "code": str(spec.get("code") or "InternalError"),
        "message": str(spec.get("message") or f"{key}: injected failure"),
    }


def _new_task(
    ctx: Any,
    cluster_id: str,
    task_type: str,
    delay: float,
    error: dict[str, str] | None = None,
    target: dict[str, Any] | None = None,
) -> str:
    task_id = "T-" + uuid.uuid4().hex[:24]
    now = ctx.now()
    delay = max(0.0, float(delay))
    doc = {
        "task_id": task_id,
        "cluster_id": cluster_id,
        "task_type": task_type,
        "created": _iso(now),
        "updated": _iso(now),
        "target": (
            {"id": target["nodepool_info"]["nodepool_id"], "type": "nodepool"}
            if target
            else {"id": cluster_id, "type": "cluster"}
        ),
        "_end": _iso(now + delay),
        "_error": error,
    }
    lifecycle.set_timeline(doc, "state", [("running", 0), ("fail" if error else "success", delay)], now)
    ctx.store.put(TASK_KIND, task_id, doc)
    return task_id


@roa(PRODUCT, VERSION, "CreateCluster", "POST", "/clusters", write=True)
def create_cluster(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    replay = ctx.client_token(p, key="client_token")  # UNCONFIRMED: client_token replay semantics
    if replay is not None:
        return replay

    name = p.get("name")
    if not name:
        raise ApiError("ErrorCheck", "name is required", status=400)  # UNCONFIRMED code
    if not _NAME_RE.match(str(name)):
        raise _invalid(
            f"name {name!r}: 1 to 63 characters (digits, Chinese characters, letters and hyphens), "
            "not starting with a hyphen"
        )
    region = p.get("region_id") or ctx.region
    if not region:
        raise ApiError("ErrorCheck", "region_id is required", status=400)  # UNCONFIRMED code
    cluster_type = p.get("cluster_type") or "ManagedKubernetes"
    if cluster_type != "ManagedKubernetes":
        # UNCONFIRMED: the emulator only models ACK managed clusters.
        raise _invalid(f"cluster_type {cluster_type!r} is not supported by the emulator (ManagedKubernetes only)")
    profile = p.get("profile") or "Default"
    if profile != "Default":
        # UNCONFIRMED: the emulator models the Default profile only (Edge/Serverless/Lingjun not).
        raise _invalid(f"profile {profile!r} is not supported by the emulator (Default only)")
    cluster_spec = p.get("cluster_spec") or "ack.standard"  # SDK: ack.standard when empty
    if cluster_spec not in CLUSTER_SPECS:
        raise _invalid(f"cluster_spec {cluster_spec!r} must be one of {', '.join(CLUSTER_SPECS)}")
    proxy_mode = str(p.get("proxy_mode") or "ipvs")  # SDK: default ipvs
    if proxy_mode not in ("ipvs", "iptables", "nftables"):
        raise _invalid(f"proxy_mode {proxy_mode!r} must be ipvs, iptables or nftables")

    vpc_id = p.get("vpcid")
    if not vpc_id:
        # UNCONFIRMED: the real API may create a VPC when vpcid is omitted; the emulator requires it.
        raise _invalid("vpcid is required")
    vpc = _vpc(ctx, str(vpc_id))
    if vpc is None:
        raise _invalid(f"vpcid: VPC {vpc_id} does not exist")  # UNCONFIRMED code
    if vpc.get("RegionId") not in (None, region):
        raise _invalid(f"vpcid: VPC {vpc_id} is in region {vpc.get('RegionId')}, not {region}")
    if vpc.get("Status") not in (None, "Available"):
        raise _invalid(f"vpcid: VPC {vpc_id} is not Available (status {vpc.get('Status')})")

    vswitch_ids = [str(v) for v in (p.get("vswitch_ids") or p.get("master_vswitch_ids") or [])]
    if not vswitch_ids:
        raise _invalid("vswitch_ids is required")
    vsws = _check_vswitches(ctx, vswitch_ids, str(vpc_id), "vswitch_ids")

    plugin = _network_plugin(p)
    pod: ipaddress.IPv4Network | None = None
    pod_vswitch_ids: list[str] = []
    if plugin == _FLANNEL:
        if not p.get("container_cidr"):
            raise _invalid("container_cidr is required for the Flannel network plugin")
        pod = _network(p["container_cidr"], "container_cidr")
        if not _is_private(pod):
            raise _invalid(f"container_cidr {pod} must be within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
    else:
        # SDK CreateClusterRequest.pod_vswitch_ids: "When the Terway network plugin is selected,
        # specify vSwitches for Pod IP address allocation" (UNCONFIRMED: refused when empty).
        pod_vswitch_ids = [str(v) for v in (p.get("pod_vswitch_ids") or [])]
        if not pod_vswitch_ids:
            raise _invalid("pod_vswitch_ids is required for the Terway network plugin (terway-eniip)")
        pod_vsws = _check_vswitches(ctx, pod_vswitch_ids, str(vpc_id), "pod_vswitch_ids")
        # SDK: "the zones of the Pod vSwitch and the worker node vSwitch must be the same".
        pod_zones = {v.get("ZoneId") for v in pod_vsws}
        for raw in p.get("nodepools") or []:
            for vsw_id in ((raw or {}).get("scaling_group") or {}).get("vswitch_ids") or []:
                vsw = _vswitch(ctx, str(vsw_id))
                if vsw is not None and vsw.get("ZoneId") not in pod_zones:
                    raise _invalid(
                        f"pod_vswitch_ids: no pod vSwitch in zone {vsw.get('ZoneId')} of node vSwitch {vsw_id}"
                    )
    svc = _network(p.get("service_cidr") or DEFAULT_SERVICE_CIDR, "service_cidr")
    if not _is_private(svc) or not 16 <= svc.prefixlen <= 24:
        raise _invalid(
            f"service_cidr {svc} must be a /16 to /24 block within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
        )
    _cidr_checks(ctx, vpc, pod, svc)
    try:
        mask = int(p.get("node_cidr_mask") or DEFAULT_NODE_CIDR_MASK)
    except (TypeError, ValueError) as exc:
        raise _invalid(f"node_cidr_mask {p.get('node_cidr_mask')!r} is not a number") from exc
    if not NODE_CIDR_MASK_RANGE[0] <= mask <= NODE_CIDR_MASK_RANGE[1]:
        raise _invalid(f"node_cidr_mask {mask} must be between {NODE_CIDR_MASK_RANGE[0]} and {NODE_CIDR_MASK_RANGE[1]}")
    if pod is not None and pod.prefixlen > mask:
        raise _invalid(f"container_cidr {pod} is smaller than one node block /{mask}")

    creatable = [v["version"] for v in _versions(str(region), cluster_type, profile) if v["creatable"]]
    # SDK: kubernetes_version defaults to the latest creatable version.
    version = str(p.get("kubernetes_version") or (creatable[0] if creatable else ""))
    if version not in creatable:
        # UNCONFIRMED: code for a version the region does not offer for creation.
        raise _invalid(
            f"kubernetes_version {version!r} cannot be created in {region}; creatable versions "
            f"(DescribeKubernetesVersionMetadata): {', '.join(creatable)}"
        )
    if proxy_mode == "nftables" and _vkey(version) < (1, 35):
        raise _invalid(f"proxy_mode nftables needs Kubernetes 1.35 or later, not {version}")
    raw_pools = p.get("nodepools") or []
    if not isinstance(raw_pools, list):
        raise _invalid("nodepools must be a list")
    specs = [
        _validate_pool(ctx, raw, str(vpc_id), version, f"nodepools[{i}].", in_create_cluster=True)
        for i, raw in enumerate(raw_pools)
    ]
    if p.get("num_of_nodes") and not specs:
        # UNCONFIRMED: the deprecated worker_* / num_of_nodes fields are not modelled.
        raise _invalid("num_of_nodes and worker_* are deprecated and not supported by the emulator; use nodepools")
    total = sum(sp["desired_size"] for sp in specs)
    if plugin == _FLANNEL and pod is not None and total > 2 ** (mask - pod.prefixlen):
        raise _invalid(
            f"container_cidr {pod} with node_cidr_mask {mask} allows {2 ** (mask - pod.prefixlen)} nodes, "
            f"{total} requested"
        )

    sg_id = p.get("security_group_id")
    if sg_id and p.get("is_enterprise_security_group") is True:
        raise _invalid("security_group_id and is_enterprise_security_group are mutually exclusive")
    # UNCONFIRMED order: the quota is checked after the request checks, before anything is written.
    _check_cluster_quota(ctx)

    cluster_id = _new_cluster_id()
    if sg_id:
        if not _security_group_exists(ctx, str(sg_id)):
            raise _invalid(f"security_group_id: security group {sg_id} does not exist")  # UNCONFIRMED code
        sg_created = False
    else:
        sg_created = True
        sg_id = _create_security_group(
            ctx,
            str(vpc_id),
            str(region),
            f"alicloud-cs-auto-created-security-group-{cluster_id}",
            _bool(p, "is_enterprise_security_group", True),
        )

    now = ctx.now()
    delay = float(ctx.delay("cluster_create"))
    public = _bool(p, "endpoint_public_access", False)
    tags = [
        {"key": str(t.get("key")), "value": str(t.get("value") or "")}
        for t in (p.get("tags") or [])
        if isinstance(t, dict) and t.get("key")
    ]
    doc: dict[str, Any] = {
        "cluster_id": cluster_id,
        "name": str(name),
        "cluster_type": cluster_type,
        "cluster_spec": cluster_spec,
        "profile": profile,
        "region_id": region,
        "zone_id": vsws[0].get("ZoneId") or "",
        "vpc_id": vpc_id,
        "vswitch_id": ",".join(vswitch_ids),
        "vswitch_ids": vswitch_ids,
        "security_group_id": sg_id,
        "container_cidr": str(pod) if pod is not None else "",
        "subnet_cidr": str(pod) if pod is not None else "",
        "service_cidr": str(svc),
        "node_cidr_mask": str(mask),
        "proxy_mode": proxy_mode,
        "current_version": version,
        "init_version": version,
        "next_version": "",
        "master_url": "{}",  # set below, once the cluster's API server listens
        "deletion_protection": _bool(p, "deletion_protection", False),
        "tags": tags,
        "created": _iso(now),
        "updated": _iso(now + delay),
        "size": 0,
        "resource_group_id": p.get("resource_group_id") or "",
        "worker_ram_role_name": f"KubernetesWorkerRole-{uuid.uuid4()}",
        "network_mode": "vpc",
        "timezone": p.get("timezone") or "Asia/Shanghai",
        "cluster_domain": p.get("cluster_domain") or "cluster.local",
        "ip_stack": p.get("ip_stack") or "ipv4",
        "private_zone": False,
        "docker_version": "",
        "external_loadbalancer_id": "",
        "parameters": {
            "ContainerCIDR": str(pod) if pod is not None else "",
            "ServiceCIDR": str(svc),
            "NodeCIDRMask": str(mask),
            "VpcId": str(vpc_id),
            "VSwitchIds": ",".join(vswitch_ids),
            "KubernetesVersion": version,
        },
        "meta_data": json.dumps(
            {
                "Capabilities": {"Network": plugin},
                "KubernetesVersion": version,
                "VpcId": vpc_id,
                "EndpointPublicAccess": public,
            }
        ),
        "_network_plugin": plugin,
        "_endpoint_public_access": public,
        "_nodes": [],
        "_nodepools": [],
        "_pod_vswitch_ids": pod_vswitch_ids,
        "_sg_created": sg_created,
    }
    # The initial node pools: same machinery as CreateClusterNodePool; their nodes join one by
    # one while the cluster is created, and the create task ends when the last one is Ready.
    fault = _scenario(ctx, "cluster_task_fail", str(name))
    end = now + delay
    for i, spec in enumerate(specs):
        pool = _new_pool_doc(ctx, doc, spec, is_default=i == 0)
        doc["_nodepools"].append(pool)
        if not fault:
            end = max(end, _add_nodes(ctx, doc, pool, spec["desired_size"], now))
    lifecycle.set_timeline(doc, "state", [("initial", 0), ("failed" if fault else "running", end - now)], now)
    doc["updated"] = _iso(end)
    task_id = _new_task(ctx, cluster_id, "cluster_create", end - now, error=fault)
    doc["_create_task_id"] = task_id
    ctx.store.put(CLUSTER_KIND, cluster_id, doc)
    # The cluster's own https API server (kube/listeners.py): a CA in the document, a port of its own.
    kube_url = ctx.emulator.kube.ensure(cluster_id, "cluster", str(region), ctx=ctx)["url"]
    doc = ctx.store.get(CLUSTER_KIND, cluster_id)
    doc["master_url"] = json.dumps(
        {"api_server_endpoint": kube_url if public else "", "intranet_api_server_endpoint": kube_url}
    )
    ctx.store.put(CLUSTER_KIND, cluster_id, doc)
    response = {"cluster_id": cluster_id, "task_id": task_id}
    ctx.remember_token(p, response)
    return response


# ------------------------------------------------------------------------------------------
# Describe*
# ------------------------------------------------------------------------------------------
@roa(PRODUCT, VERSION, "DescribeUserQuota", "GET", "/quota", write=False)
def describe_user_quota(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    quotas, _changed = user_quota(ctx)
    # edge_improved_nodepool_quota is left out: edge node pools are not modelled (UNCONFIRMED
    # whether the API returns it for an account without them).
    return {**quotas, "quotas": {}}


@roa(PRODUCT, VERSION, "DescribeTaskInfo", "GET", "/tasks/{TaskId}", write=False)
def describe_task_info(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    task_id = p.get("TaskId")
    doc = ctx.store.get(TASK_KIND, str(task_id))
    if doc is None:
        # UNCONFIRMED: code for an unknown task id.
        raise ApiError("ErrorTaskNotFound", f"task {task_id} not found", status=404)
    return _task_view(doc)


@roa(PRODUCT, VERSION, "DescribeClusterDetail", "GET", "/clusters/{ClusterId}", write=False)
def describe_cluster_detail(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    cluster_id = str(p.get("ClusterId"))
    doc = get_cluster(ctx, cluster_id)
    if doc is None:
        raise _not_found(cluster_id)
    return _detail(doc)


def _page_arg(p: dict[str, Any], key: str, default: int, hi: int) -> int:
    try:
        val = int(p.get(key) or default)
    except (TypeError, ValueError) as exc:
        raise _invalid(f"{key} {p.get(key)!r} is not a number") from exc
    if val < 1 or val > hi:
        raise _invalid(f"{key} {val} must be between 1 and {hi}")
    return val


@roa(PRODUCT, VERSION, "DescribeClustersV1", "GET", "/api/v1/clusters", write=False)
def describe_clusters_v1(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    page_number = _page_arg(p, "page_number", 1, 10**6)
    page_size = _page_arg(p, "page_size", 10, 100)  # UNCONFIRMED: default 10, maximum 100
    docs = ctx.store.list(CLUSTER_KIND)
    name = p.get("name")
    if name:
        docs = [d for d in docs if str(name) in str(d.get("name", ""))]  # fuzzy: substring match
    for key in ("cluster_type", "region_id", "cluster_spec", "profile", "cluster_id"):
        if p.get(key):
            docs = [d for d in docs if d.get(key) == p.get(key)]
    # UNCONFIRMED: order (newest first).
    docs.sort(key=lambda d: (d.get("created") or "", d.get("cluster_id")), reverse=True)
    start = (page_number - 1) * page_size
    page = docs[start : start + page_size]
    return {
        "clusters": [_detail(d) for d in page],
        "page_info": {"page_number": page_number, "page_size": page_size, "total_count": len(docs)},
    }


@roa(PRODUCT, VERSION, "DescribeClusterUserKubeconfig", "GET", "/k8s/{ClusterId}/user_config", write=False)
def describe_cluster_user_kubeconfig(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    cluster_id = str(p.get("ClusterId"))
    doc = get_cluster(ctx, cluster_id)
    if doc is None:
        raise _not_found(cluster_id)
    if doc.get("state") in ("initial", "deleting", "failed"):
        # UNCONFIRMED: the kubeconfig is refused until the cluster runs.
        raise ApiError("ErrorClusterState", f"cluster {cluster_id} is in state {doc.get('state')}", status=400)
    private = _bool(p, "PrivateIpAddress", False)
    if not private and not doc.get("_endpoint_public_access"):
        # UNCONFIRMED: code/message when the public kubeconfig is requested for a cluster whose
        # API server has no EIP (endpoint_public_access=false).
        raise ApiError(
            "ErrorCheckPublicEndpoint",
            f"cluster {cluster_id} has no public API server endpoint (endpoint_public_access is false); "
            "request the internal kubeconfig with PrivateIpAddress=true or bind an EIP to the API server",
            status=400,
        )
    minutes = p.get("TemporaryDurationMinutes")
    now = ctx.now()
    if minutes not in (None, ""):
        try:
            mins = int(minutes)
        except (TypeError, ValueError) as exc:
            raise _invalid(f"TemporaryDurationMinutes {minutes!r} is not a number") from exc
        if not 15 <= mins <= 4320:
            raise _invalid(f"TemporaryDurationMinutes {mins} must be between 15 and 4320")
        expires = now + mins * 60
    else:
        expires = now + 3 * 365 * 86400  # UNCONFIRMED: default validity (ACK: "a longer period")
    # The kubeconfig of a real ACK cluster: https server, certificate-authority-data and a client
    # certificate + key (kube-api-emulation.md section 8; the DescribeClusterUserKubeconfig doc
    # example shows "server: https://114.55.xx.xx:6443" and "certificate-authority-data"). A new
    # client certificate per call, valid until the returned expiration, so an older kubeconfig
    # stays valid until its own expiration ("The previous kubeconfig file still remains valid
    # until expiration", same page). The cluster name "kubernetes" and context "<uid>-<cluster>"
    # follow ack-ram-tool's get-kubeconfig output; CN = the caller's account id is UNCONFIRMED
    # (ACK: the RAM user's id), and so is the group "system:users".
    expires = float(int(expires))
    ctx.emulator.kube.ensure(cluster_id, "cluster", str(doc.get("region_id") or ""), ctx=ctx)
    user = f"{ctx.account_id or 'user'}"
    config = ctx.emulator.kube.kubeconfig(cluster_id, "kubernetes", user, ["system:users"], expires)
    return {"config": config, "expiration": _iso(expires)}


# ------------------------------------------------------------------------------------------
# DeleteCluster
# ------------------------------------------------------------------------------------------
@roa(PRODUCT, VERSION, "DeleteCluster", "DELETE", "/clusters/{ClusterId}", write=True)
def delete_cluster(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    cluster_id = str(p.get("ClusterId"))
    doc = get_cluster(ctx, cluster_id)
    if doc is None:
        raise _not_found(cluster_id)
    if doc.get("state") == "deleting":
        # UNCONFIRMED: a repeated delete returns the running deletion task instead of failing.
        return {"cluster_id": cluster_id, "task_id": doc.get("_delete_task_id")}
    if doc.get("state") in ("initial", "updating"):
        # UNCONFIRMED: deleting a cluster that is still being created or updated is refused.
        raise ApiError(
            "ErrorClusterState",
            f"cluster {cluster_id} is in state {doc.get('state')}, wait until it runs",
            status=400,
        )
    if doc.get("deletion_protection"):
        # UNCONFIRMED: code for a delete refused by deletion protection.
        raise ApiError(
            "ErrorDeletionProtection",
            f"cluster {cluster_id} has deletion protection enabled; disable it (ModifyCluster) before deleting",
            status=400,
        )
    params.json_param(p, "delete_options", [])  # validated for shape only
    params.json_param(p, "retain_resources", [])
    # UNCONFIRMED: deleting a cluster that is still a member of an ASM mesh is allowed; the mesh
    # then reports the cluster as gone (see asm.py).
    delay = float(ctx.delay("cluster_delete"))
    now = ctx.now()
    task_id = _new_task(ctx, cluster_id, "cluster_delete", delay)
    doc["_delete_task_id"] = task_id
    doc["updated"] = _iso(now)
    for node in doc.get("_nodes") or []:
        _drop_route(ctx, node)
    if doc.get("_sg_created"):
        # UNCONFIRMED: ACK removes the security group it created together with the cluster.
        _delete_security_group(ctx, doc["security_group_id"])
    lifecycle.schedule_delete(doc, "state", "deleting", delay, now)
    ctx.store.put(CLUSTER_KIND, cluster_id, doc)
    return {"cluster_id": cluster_id, "task_id": task_id}


# ------------------------------------------------------------------------------------------
# ModifyCluster (the fields the collection needs), versions, tags
# ------------------------------------------------------------------------------------------
@roa(PRODUCT, VERSION, "ModifyCluster", "PUT", "/api/v2/clusters/{ClusterId}", write=True)
def modify_cluster(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    cluster_id = str(p.get("ClusterId"))
    doc = get_cluster(ctx, cluster_id)
    if doc is None:
        raise _not_found(cluster_id)
    if doc.get("state") != "running":
        # UNCONFIRMED: ModifyCluster is refused unless the cluster is running.
        raise ApiError("ErrorClusterState", f"cluster {cluster_id} is in state {doc.get('state')}", status=400)
    if p.get("deletion_protection") is not None:
        doc["deletion_protection"] = _bool(p, "deletion_protection", False)
    if p.get("cluster_name"):
        if not _NAME_RE.match(str(p["cluster_name"])):
            raise _invalid(f"cluster_name {p['cluster_name']!r} is not a valid cluster name")
        doc["name"] = str(p["cluster_name"])
    if p.get("api_server_eip") is not None:
        public = _bool(p, "api_server_eip", False)
        doc["_endpoint_public_access"] = public
        urls = json.loads(doc.get("master_url") or "{}")
        urls["api_server_endpoint"] = urls.get("intranet_api_server_endpoint", "") if public else ""
        doc["master_url"] = json.dumps(urls)
    if p.get("timezone"):
        doc["timezone"] = str(p["timezone"])
    if p.get("resource_group_id"):
        doc["resource_group_id"] = str(p["resource_group_id"])
    now = ctx.now()
    doc["updated"] = _iso(now)
    # The cluster is `updating` (a DescribeClusterDetail state, alicloud-api.md section 4) while the
    # modification task runs; meanwhile other changes answer ErrorClusterState (UNCONFIRMED: how
    # long, and that every ModifyCluster passes through it).
    delay = float(ctx.delay("cluster_update"))
    lifecycle.set_timeline(doc, "state", [("updating", 0), ("running", delay)], now)
    task_id = _new_task(ctx, cluster_id, "cluster_update", delay)
    ctx.store.put(CLUSTER_KIND, cluster_id, doc)
    return {"cluster_id": cluster_id, "task_id": task_id}


def _versions(region: str, cluster_type: str, profile: str) -> list[dict[str, Any]]:
    """The version metadata of a region, newest first."""
    if cluster_type != "ManagedKubernetes" or profile != "Default":
        return []  # UNCONFIRMED: only ACK managed clusters (Default profile) are modelled
    out = []
    table = REGION_KUBERNETES_VERSIONS.get(region, KUBERNETES_VERSIONS)
    for version, released, expires, creatable in table:
        out.append(
            {
                "version": version,
                "creatable": creatable,
                "release_date": f"{released}T00:00:00+08:00",
                "expiration_date": f"{expires}T00:00:00+08:00",
                "runtimes": _runtime_versions(version),
                "capabilities": {},
                "meta_data": {},
                "upgradable_versions": [v for v, *_rest in table if _vkey(v) > _vkey(version)],
            }
        )
    return out


@roa(PRODUCT, VERSION, "DescribeKubernetesVersionMetadata", "GET", "/api/v1/metadata/versions", write=False)
def describe_kubernetes_version_metadata(ctx: Any, p: dict[str, Any]) -> list[dict[str, Any]]:
    # ack-nodepools-preflight.md section 3: Region and ClusterType are required (SDK);
    # KubernetesVersion, Profile, Mode (supported | creatable), runtime are optional.
    for key in ("Region", "ClusterType"):
        if not p.get(key):
            raise _invalid(f"{key} is required")  # UNCONFIRMED code
    mode = str(p.get("Mode") or "supported")
    if mode not in ("supported", "creatable"):
        raise _invalid(f"Mode {mode!r} must be supported or creatable")
    region = str(p["Region"])
    from geomesh_emulator.products._common import REGIONS  # core-owned region table

    if region not in REGIONS:
        raise _invalid(f"Region {region!r} is not a known region")  # UNCONFIRMED code
    out = _versions(region, str(p["ClusterType"]), str(p.get("Profile") or "Default"))
    wanted = p.get("KubernetesVersion")
    if wanted:
        out = [v for v in out if v["version"] == wanted or v["version"].startswith(f"{wanted}-")]
    if mode == "creatable":
        out = [v for v in out if v["creatable"]]
    runtime = p.get("runtime")
    if runtime:
        out = [v for v in out if any(r["name"] == runtime for r in v["runtimes"])]
    return out


def _vkey(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version.split("-")[0]))


def _json_list(p: dict[str, Any], key: str) -> list[Any]:
    val = params.json_param(p, key, [])
    if isinstance(val, str):
        val = [val]
    if not isinstance(val, list):
        raise _invalid(f"{key} must be a JSON list")
    return val


def _tag_clusters(ctx: Any, p: dict[str, Any], ids: list[Any]) -> list[dict[str, Any]]:
    rtype = str(p.get("resource_type") or "CLUSTER")
    if rtype.upper() != "CLUSTER":
        raise _invalid(f"resource_type {rtype} is not supported; use CLUSTER")
    docs = []
    for rid in ids:
        doc = get_cluster(ctx, str(rid))
        if doc is None:
            raise _not_found(str(rid))
        docs.append(doc)
    return docs


@roa(PRODUCT, VERSION, "TagResources", "PUT", "/tags", write=True)
def tag_resources(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    ids = p.get("resource_ids") or []
    new = [t for t in (p.get("tags") or []) if isinstance(t, dict) and t.get("key")]
    if not ids or not new:
        raise _invalid("resource_ids and tags are required")
    for doc in _tag_clusters(ctx, p, list(ids)):
        tags = {t["key"]: t.get("value", "") for t in doc.get("tags") or []}
        tags.update({str(t["key"]): str(t.get("value") or "") for t in new})
        if len(tags) > 20:  # UNCONFIRMED: limit
            raise ApiError("QuotaExceeded.TagNum", "a cluster can have at most 20 tags", status=400)
        doc["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
        ctx.store.put(CLUSTER_KIND, doc["cluster_id"], doc)
    return {"RequestId": ctx.request_id}


@roa(PRODUCT, VERSION, "UntagResources", "DELETE", "/tags", write=True)
def untag_resources(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    keys = {str(k) for k in _json_list(p, "tag_keys")}
    remove_all = _bool(p, "all", False)
    for doc in _tag_clusters(ctx, p, _json_list(p, "resource_ids")):
        doc["tags"] = [] if remove_all else [t for t in doc.get("tags") or [] if t["key"] not in keys]
        ctx.store.put(CLUSTER_KIND, doc["cluster_id"], doc)
    return {"RequestId": ctx.request_id}


@roa(PRODUCT, VERSION, "ListTagResources", "GET", "/tags", write=False)
def list_tag_resources(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    ids = _json_list(p, "resource_ids")
    wanted = [t for t in _json_list(p, "tags") if isinstance(t, dict) and t.get("key")]
    docs = _tag_clusters(ctx, p, ids) if ids else ctx.store.list(CLUSTER_KIND)
    region = p.get("region_id")
    rows = []
    for doc in docs:
        if region and doc.get("region_id") != region:
            continue
        tags = {t["key"]: t.get("value", "") for t in doc.get("tags") or []}
        if any(t["key"] not in tags or ("value" in t and tags[t["key"]] != t["value"]) for t in wanted):
            continue
        for k, v in tags.items():
            rows.append({"resource_id": doc["cluster_id"], "resource_type": "CLUSTER", "tag_key": k, "tag_value": v})
    # UNCONFIRMED: next_token paging is not modelled (one page).
    return {"tag_resources": {"tag_resource": rows}, "next_token": ""}
