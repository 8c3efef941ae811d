"""ACK: Container Service for Kubernetes (``cs`` 2015-12-15, ROA style).

Managed clusters with a lazily computed lifecycle (``initial`` -> ``running``, ``deleting`` ->
gone), a creation/deletion task per cluster, per-cluster kubeconfigs that point at the
emulator's Kubernetes API port, and a simple node list per cluster (one pod CIDR of
``node_cidr_mask`` bits per node for Flannel, zone labels from the node's vSwitch).

Documents (``ctx.store``):

- ``cs_cluster``: the DescribeClusterDetail fields (snake_case) plus private fields prefixed with
  ``_``: ``_kube_token`` (bearer token accepted by the cluster's Kubernetes API),
  ``_network_plugin`` (``flannel`` | ``terway``), ``_endpoint_public_access``, ``_nodes`` (see
  :func:`cluster_nodes`), ``_nodepools``, ``_pod_vswitch_ids``.
- ``cs_task``: DescribeTaskInfo fields.

Facts come from the SDK models (``alibabacloud_cs20151215`` 7.2.3) and
``/work/shared/reference/alicloud-api.md`` section 4; guesses are marked ``UNCONFIRMED``.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import json
import re
import secrets
import uuid
from typing import Any

from geomesh_emulator import lifecycle, params
from geomesh_emulator.errors import ApiError
from geomesh_emulator.registry import roa

PRODUCT = "cs"
VERSION = "2015-12-15"

CLUSTER_KIND = "cs_cluster"
TASK_KIND = "cs_task"

# UNCONFIRMED: the versions offered by the emulator (ACK offers the three most recent minors).
KUBERNETES_VERSIONS = [
    ("1.31.1-aliyun.1", "2024-10-17", "2025-12-31"),
    ("1.30.7-aliyun.1", "2024-07-25", "2025-08-31"),
    ("1.28.15-aliyun.1", "2023-12-19", "2025-02-28"),
]
DEFAULT_KUBERNETES_VERSION = KUBERNETES_VERSIONS[0][0]
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


def _create_security_group(ctx: Any, vpc_id: str, region: str, name: str) -> str:
    """Create the cluster security group through the ecs product helper."""
    from geomesh_emulator.products import ecs  # core-owned

    return ecs.create_security_group(
        ctx, vpc_id=vpc_id, region_id=region, name=name, description="ACK cluster security group"
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
    """The stored cluster document (lifecycle resolved) or None."""
    return ctx.store.get(CLUSTER_KIND, cluster_id)


def cluster_nodes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Nodes of a cluster doc: ``{node_name, instance_id, ip, vswitch_id, zone_id, region_id,
    pod_cidr (Flannel, else None), nodepool_id, labels{...}}``."""
    return list(doc.get("_nodes") or [])


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
    stage = "finished" if state == "success" else "running"
    out["current_stage"] = stage
    out["stages"] = [
        {
            "state": state,
            "message": f"{doc.get('task_type')} {state}",
            "start_time": doc.get("created"),
            "end_time": doc.get("_end") if state == "success" else None,
        }
    ]
    if state == "success":
        out["updated"] = doc.get("_end")
    return out


# ------------------------------------------------------------------------------------------
# CreateCluster
# ------------------------------------------------------------------------------------------
def _network_plugin(p: dict[str, Any]) -> str:
    names = [str(a.get("name", "")) for a in (p.get("addons") or []) if isinstance(a, dict) and not a.get("disabled")]
    if any(n == _FLANNEL for n in names):
        return _FLANNEL
    if any(n.startswith("terway") for n in names):
        return _TERWAY
    # UNCONFIRMED: without a network addon the emulator assumes Flannel when a pod CIDR is given,
    # Terway when pod vSwitches are given (the API says the network component is required).
    if p.get("pod_vswitch_ids") and not p.get("container_cidr"):
        return _TERWAY
    return _FLANNEL


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


def _nodepool_specs(p: dict[str, Any]) -> list[dict[str, Any]]:
    pools = []
    for raw in p.get("nodepools") or []:
        if not isinstance(raw, dict):
            continue
        info = raw.get("nodepool_info") or {}
        sg = raw.get("scaling_group") or {}
        pools.append(
            {
                "name": info.get("name") or "default-nodepool",
                "vswitch_ids": list(sg.get("vswitch_ids") or []),
                "desired_size": int(sg.get("desired_size") or 0),
                "instance_types": list(sg.get("instance_types") or []),
                "scaling_group": sg,
                "kubernetes_config": raw.get("kubernetes_config") or {},
            }
        )
    # Deprecated top-level worker fields.
    if not pools and p.get("num_of_nodes"):
        pools.append(
            {
                "name": "default-nodepool",
                "vswitch_ids": list(p.get("worker_vswitch_ids") or p.get("vswitch_ids") or []),
                "desired_size": int(p.get("num_of_nodes") or 0),
                "instance_types": list(p.get("worker_instance_types") or []),
                "scaling_group": {},
                "kubernetes_config": {},
            }
        )
    return pools


def _build_nodes(
    ctx: Any,
    cluster_id: str,
    region: str,
    vpc_id: str,
    pools: list[dict[str, Any]],
    plugin: str,
    pod: ipaddress.IPv4Network | None,
    mask: int,
    security_group_id: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    total = sum(p["desired_size"] for p in pools)
    pod_subnets: list[str] = []
    if plugin == _FLANNEL and pod is not None and total:
        capacity = 2 ** (mask - pod.prefixlen)
        if total > capacity:
            raise _invalid(
                f"container_cidr {pod} with node_cidr_mask {mask} allows {capacity} nodes, {total} requested"
            )
        it = pod.subnets(new_prefix=mask)
        pod_subnets = [str(next(it)) for _node in range(total)]
    used = _used_ips(ctx)
    nodes: list[dict[str, Any]] = []
    pool_docs: list[dict[str, Any]] = []
    now_s = _iso(ctx.now())
    for pool in pools:
        np_id = "np" + uuid.uuid4().hex
        vsws = _check_vswitches(ctx, pool["vswitch_ids"], vpc_id, "nodepools.scaling_group.vswitch_ids")
        if pool["desired_size"] and not vsws:
            raise _invalid(f"node pool {pool['name']}: scaling_group.vswitch_ids is required")
        for i in range(pool["desired_size"]):
            vsw = vsws[i % len(vsws)]
            ip = _alloc_ip(vsw, used)
            zone = vsw.get("ZoneId") or f"{region}-a"
            node = {
                "node_name": f"{region}.{ip}",
                "instance_id": ctx.new_id("i"),
                "ip": ip,
                "vswitch_id": vsw.get("VSwitchId"),
                "zone_id": zone,
                "region_id": region,
                "pod_cidr": pod_subnets[len(nodes)] if pod_subnets else None,
                "nodepool_id": np_id,
                "instance_type": (pool["instance_types"] or ["ecs.g7.xlarge"])[0],
                "labels": {
                    "topology.kubernetes.io/region": region,
                    "topology.kubernetes.io/zone": zone,
                    "failure-domain.beta.kubernetes.io/region": region,
                    "failure-domain.beta.kubernetes.io/zone": zone,
                    "alibabacloud.com/nodepool-id": np_id,
                    "kubernetes.io/hostname": f"{region}.{ip}",
                },
            }
            nodes.append(node)
        sg = dict(pool["scaling_group"])
        sg.setdefault("vswitch_ids", pool["vswitch_ids"])
        sg.setdefault("instance_types", pool["instance_types"])
        sg["desired_size"] = pool["desired_size"]
        sg["security_group_id"] = security_group_id
        pool_docs.append(
            {
                "nodepool_info": {
                    "nodepool_id": np_id,
                    "name": pool["name"],
                    "type": "ess",
                    "is_default": not pool_docs,
                    "region_id": region,
                    "created": now_s,
                    "updated": now_s,
                },
                "scaling_group": sg,
                "kubernetes_config": pool["kubernetes_config"],
            }
        )
    return nodes, pool_docs


def _add_node_routes(ctx: Any, doc: dict[str, Any]) -> None:
    """Flannel: ACK installs one custom route per node (pod CIDR -> ECS instance) in the VPC
    system route table (alicloud-api.md section 8.1)."""
    if doc.get("_network_plugin") != _FLANNEL:
        return
    from geomesh_emulator.products import vpc as vpc_product  # core-owned

    for node in cluster_nodes(doc):
        if node.get("pod_cidr"):
            vpc_product.add_system_route_entry(
                ctx,
                vpc_id=doc["vpc_id"],
                destination_cidr=node["pod_cidr"],
                next_hop_type="Instance",
                next_hop_id=node["instance_id"],
                description=f"ack:{doc['cluster_id']}:{node['node_name']}",
            )


def _remove_node_routes(ctx: Any, doc: dict[str, Any]) -> None:
    if doc.get("_network_plugin") != _FLANNEL:
        return
    from geomesh_emulator.products import vpc as vpc_product  # core-owned

    for node in cluster_nodes(doc):
        if node.get("pod_cidr"):
            vpc_product.remove_system_route_entry(
                ctx, vpc_id=doc["vpc_id"], destination_cidr=node["pod_cidr"], next_hop_id=node["instance_id"]
            )


def _new_task(ctx: Any, cluster_id: str, task_type: str, delay: float) -> str:
    task_id = "T-" + uuid.uuid4().hex[:24]
    now = ctx.now()
    doc = {
        "task_id": task_id,
        "cluster_id": cluster_id,
        "task_type": task_type,
        "created": _iso(now),
        "updated": _iso(now),
        "target": {"id": cluster_id, "type": "cluster"},
        "_end": _iso(now + delay),
    }
    lifecycle.set_timeline(doc, "state", [("running", 0), ("success", delay)], now)
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
    cluster_spec = p.get("cluster_spec") or "ack.standard"

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
        pod_vswitch_ids = [str(v) for v in (p.get("pod_vswitch_ids") or [])]
        _check_vswitches(ctx, pod_vswitch_ids, str(vpc_id), "pod_vswitch_ids")
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

    sg_id = p.get("security_group_id")
    if sg_id and p.get("is_enterprise_security_group") is True:
        raise _invalid("security_group_id and is_enterprise_security_group are mutually exclusive")

    cluster_id = _new_cluster_id()
    if sg_id:
        if not _security_group_exists(ctx, str(sg_id)):
            raise _invalid(f"security_group_id: security group {sg_id} does not exist")  # UNCONFIRMED code
        sg_created = False
    else:
        sg_created = True
        sg_id = _create_security_group(
            ctx, str(vpc_id), str(region), f"alicloud-cs-auto-created-security-group-{cluster_id}"
        )

    pools = _nodepool_specs(p)
    nodes, pool_docs = _build_nodes(ctx, cluster_id, str(region), str(vpc_id), pools, plugin, pod, mask, str(sg_id))

    now = ctx.now()
    delay = float(ctx.delay("cluster_create"))
    version = p.get("kubernetes_version") or DEFAULT_KUBERNETES_VERSION
    if version not in [v for v, _r, _e in KUBERNETES_VERSIONS]:
        # UNCONFIRMED: code for a version that cannot be created.
        raise _invalid(f"kubernetes_version {version} is not supported; see DescribeKubernetesVersionMetadata")
    public = _bool(p, "endpoint_public_access", False)
    kube_url = f"{ctx.kube_base_url}/clusters/{cluster_id}"
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
        "proxy_mode": p.get("proxy_mode") or "ipvs",
        "current_version": version,
        "init_version": version,
        "next_version": "",
        "master_url": json.dumps(
            {
                "api_server_endpoint": kube_url if public else "",
                "intranet_api_server_endpoint": kube_url,
            }
        ),
        "deletion_protection": _bool(p, "deletion_protection", False),
        "tags": tags,
        "created": _iso(now),
        "updated": _iso(now + delay),
        "size": len(nodes),
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
        "_kube_token": secrets.token_urlsafe(32),
        "_nodes": nodes,
        "_nodepools": pool_docs,
        "_pod_vswitch_ids": pod_vswitch_ids,
        "_sg_created": sg_created,
    }
    lifecycle.set_timeline(doc, "state", [("initial", 0), ("running", delay)], now)
    task_id = _new_task(ctx, cluster_id, "cluster_create", delay)
    doc["_create_task_id"] = task_id
    ctx.store.put(CLUSTER_KIND, cluster_id, doc)
    _add_node_routes(ctx, doc)
    response = {"cluster_id": cluster_id, "task_id": task_id}
    ctx.remember_token(p, response)
    return response


# ------------------------------------------------------------------------------------------
# Describe*
# ------------------------------------------------------------------------------------------
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


def _kubeconfig_yaml(server: str, name: str, user: str, token: str) -> str:
    return (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        "- cluster:\n"
        f"    server: {server}\n"
        f"  name: {name}\n"
        "contexts:\n"
        "- context:\n"
        f"    cluster: {name}\n"
        f"    user: {user}\n"
        f"  name: {user}@{name}\n"
        f"current-context: {user}@{name}\n"
        "preferences: {}\n"
        "users:\n"
        f"- name: {user}\n"
        "  user:\n"
        f'    token: "{token}"\n'
    )


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
    server = f"{ctx.kube_base_url}/clusters/{cluster_id}"
    user = f"{ctx.account_id or 'user'}"
    config = _kubeconfig_yaml(server, "kubernetes", user, doc["_kube_token"])
    return {"config": config, "expiration": _iso(expires)}


@roa(PRODUCT, VERSION, "DescribeClusterNodePools", "GET", "/clusters/{ClusterId}/nodepools", write=False)
def describe_cluster_node_pools(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    cluster_id = str(p.get("ClusterId"))
    doc = get_cluster(ctx, cluster_id)
    if doc is None:
        raise _not_found(cluster_id)
    wanted = p.get("NodepoolName")
    state = doc.get("state")
    out = []
    for pool in doc.get("_nodepools") or []:
        info = pool["nodepool_info"]
        if wanted and info.get("name") != wanted:
            continue
        nodes = [n for n in cluster_nodes(doc) if n.get("nodepool_id") == info.get("nodepool_id")]
        ready = state == "running"
        out.append(
            {
                "nodepool_info": info,
                "scaling_group": pool.get("scaling_group") or {},
                "kubernetes_config": pool.get("kubernetes_config") or {},
                "status": {
                    # UNCONFIRMED: pool state while the cluster is still being created.
                    "state": "active" if ready else "initial",
                    "total_nodes": len(nodes),
                    "healthy_nodes": len(nodes) if ready else 0,
                    "serving_nodes": len(nodes) if ready else 0,
                    "initial_nodes": 0 if ready else len(nodes),
                    "failed_nodes": 0,
                    "offline_nodes": 0,
                    "removing_nodes": 0,
                },
            }
        )
    return {"nodepools": out}


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
    if doc.get("deletion_protection"):
        # UNCONFIRMED: code for a delete refused by deletion protection.
        raise ApiError(
            "ErrorDeletionProtection",
            f"cluster {cluster_id} has deletion protection enabled; disable it (ModifyCluster) before deleting",
            status=400,
        )
    if doc.get("state") == "initial":
        # UNCONFIRMED: deleting a cluster that is still being created is refused.
        raise ApiError("ErrorClusterState", f"cluster {cluster_id} is in state initial, wait until it runs", status=400)
    params.json_param(p, "delete_options", [])  # validated for shape only
    params.json_param(p, "retain_resources", [])
    # UNCONFIRMED: deleting a cluster that is still a member of an ASM mesh is allowed; the mesh
    # then reports the cluster as gone (see asm.py).
    delay = float(ctx.delay("cluster_delete"))
    now = ctx.now()
    task_id = _new_task(ctx, cluster_id, "cluster_delete", delay)
    doc["_delete_task_id"] = task_id
    doc["updated"] = _iso(now)
    _remove_node_routes(ctx, doc)
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
    # UNCONFIRMED: the cluster stays "running" while the modification task runs.
    task_id = _new_task(ctx, cluster_id, "cluster_update", float(ctx.delay("cluster_update", 0.5)))
    ctx.store.put(CLUSTER_KIND, cluster_id, doc)
    return {"cluster_id": cluster_id, "task_id": task_id}


@roa(PRODUCT, VERSION, "DescribeKubernetesVersionMetadata", "GET", "/api/v1/metadata/versions", write=False)
def describe_kubernetes_version_metadata(ctx: Any, p: dict[str, Any]) -> list[dict[str, Any]]:
    wanted = p.get("KubernetesVersion")
    out = []
    for version, released, expires in KUBERNETES_VERSIONS:
        if wanted and version != wanted and not version.startswith(f"{wanted}-"):
            continue
        out.append(
            {
                "version": version,
                "creatable": True,
                "release_date": f"{released}T00:00:00+08:00",
                "expiration_date": f"{expires}T00:00:00+08:00",
                "runtimes": [{"name": "containerd", "version": "1.6.36"}],
                "capabilities": {},
                "meta_data": {},
                "upgradable_versions": [v for v, _r, _e in KUBERNETES_VERSIONS if _vkey(v) > _vkey(version)],
            }
        )
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
