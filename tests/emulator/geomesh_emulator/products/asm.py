"""ASM: Alibaba Cloud Service Mesh (``servicemesh`` 2020-01-11, RPC style, form body).

Meshes with a lazily computed ``ServiceMeshInfo.State`` (``initial`` -> ``running``; joins,
removals and feature updates go through ``updating`` -> ``running``; delete: ``deleting`` ->
gone). A busy mesh (anything but ``running``) refuses every change. Membership changes take
time: a join / leave is pending until the mesh is ``running`` again and only then shows in
``ServiceMesh.Clusters`` and DescribeClustersInServiceMesh (``fold_membership``). A mesh with
clusters refuses DeleteServiceMesh with ``ErrorPermitted.ClustersNotEmpty`` unless ``Force``.
Mesh names are not unique and CreateServiceMesh has no ClientToken: the same request twice makes
two meshes (callers look up first). The cluster-join checks behind ``ForbiddenFlag`` (2: mesh VPC
cannot reach the cluster VPC, 3: CIDR conflict, 4: an ``istio-system`` namespace exists, see
``istio_namespace``); kubeconfigs pointing at the emulator's
Kubernetes API port; the geolocation load-balancing settings of ``UpdateMeshFeature`` (an absent
``LocalityLoadBalancing`` is false, as the SDK documents).

Scenario faults (``POST /_emulator/faults/servicemesh``): ``join_failure`` (a join
that leaves the cluster ``failed`` with an ErrorMessage, mirrored in the mesh's ErrorMessage) and
``mesh_busy`` (``updating`` / ``upgrading`` for N seconds), ``istio_system_namespace``
(ForbiddenFlag 4); see tests/emulator/INTERFACE.md.

Documents (``ctx.store``): ``asm_mesh`` with PascalCase fields mirroring the response models
plus private ``_`` fields: ``_kube_ca`` (the CA of the mesh's Kubernetes API server, kube/listeners.py),
``_locality_lb`` (``{"Enabled", "Failover", "Distribute", "FailoverPriority"}`` as returned),
``_pending`` (membership changes in progress), ``_cluster_errors`` (cluster id -> error of a
failed join).

Facts come from the SDK (``alibabacloud_servicemesh20200111`` 3.4.0),
``/work/shared/reference/alicloud-api.md`` section 5 and ``asm-details.md``; guesses are
marked ``UNCONFIRMED``.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import secrets
import uuid
from typing import Any

from geomesh_emulator import lifecycle, params, scenarios
from geomesh_emulator.errors import ApiError
from geomesh_emulator.registry import action

PRODUCT = "servicemesh"
VERSION = "2020-01-11"
MESH_KIND = "asm_mesh"
RESOURCE_TYPE = "servicemesh"

# UNCONFIRMED: the version list (format from the docs: v<istio>.<build>-g<sha>-aliyun).
VERSIONS = {
    "Default": [
        "v1.22.6.66-g1e5b0e4d-aliyun",
        "v1.21.6.97-g7ec2fd3b-aliyun",
        "v1.20.6.36-g4e4ba0c1-aliyun",
        "v1.19.5.34-g8a1f2b6c-aliyun",
    ],
    "Pro": [
        "v1.22.6.66-g1e5b0e4d-aliyun",
        "v1.21.6.97-g7ec2fd3b-aliyun",
        "v1.20.6.36-g4e4ba0c1-aliyun",
        "v1.19.5.34-g8a1f2b6c-aliyun",
    ],
}
DEFAULT_VERSION = VERSIONS["Default"][0]
# Documented (ACK DR tutorial): traffic distribution needs ASM >= 1.22.6.66.
DISTRIBUTE_MIN_VERSION = (1, 22, 6, 66)

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?")
_RETRY_MSG = "The current status of the resource does not support this operation, please retry again."

# ForbiddenFlag values (SDK docstring of DescribeServiceMeshClusters).
FLAG_OK = 0
FLAG_VPC_UNREACHABLE = 2
FLAG_CIDR_CONFLICT = 3
FLAG_ISTIO_NAMESPACE = 4
# Clusters known to hold an ``istio-system`` namespace outside any mesh (left with
# ReserveNamespace=true, or injected with the ``istio_system_namespace`` scenario fault):
# documents ``{"ClusterId", "Reason"}`` keyed by cluster id. A member cluster has one too (ASM
# installs its data-plane components there); see istio_namespace().
NS_KIND = "asm_istio_namespace"


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------
def _iso(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plain_time(ts: float) -> str:
    # DescribeServiceMeshKubeconfig.ExpireTime: "YYYY-MM-DD hh:mm:ss" (SDK docstring).
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _new_mesh_id() -> str:
    return "c" + uuid.uuid4().hex


def version_tuple(version: str | None) -> tuple[int, ...]:
    """``v1.22.6.66-g..-aliyun`` -> ``(1, 22, 6, 66)``; unknown -> ``()``."""
    m = _VERSION_RE.match(str(version or ""))
    if not m:
        return ()
    return tuple(int(g) for g in m.groups() if g is not None)


def _mesh_not_found(mesh_id: Any) -> ApiError:
    return ApiError("ServiceMesh.NotFound", f"The service mesh {mesh_id} does not exist.", status=404)


def _required(p: dict[str, Any], name: str) -> str:
    val = p.get(name)
    if val in (None, ""):
        raise ApiError(
            "MissingParameter",
            f'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
        )
    return str(val)


def _get_mesh(ctx: Any, mesh_id: str) -> dict[str, Any]:
    doc = ctx.store.get(MESH_KIND, mesh_id)
    if doc is None:
        raise _mesh_not_found(mesh_id)
    return fold_membership(doc, ctx.now())


def _meshes(ctx: Any) -> list[dict[str, Any]]:
    return [fold_membership(doc, ctx.now()) for doc in ctx.store.list(MESH_KIND)]


# ------------------------------------------------------------------------------------------
# membership over time
# ------------------------------------------------------------------------------------------
# A join or a leave is recorded as a pending change (``_pending``: ``{"ClusterId", "Op": "add" |
# "remove", "At": <time>, "Error": <message or "">}``) and folded into ``Clusters`` once its time
# has come (the mesh is ``updating`` until then). asm-details/alicloud-api.md section 5: TF waits
# for ``running`` *and* the id in ``ServiceMesh.Clusters`` -- the id is not there at once.
# UNCONFIRMED: the cluster appears exactly when the mesh returns to ``running``.
def fold_membership(doc: dict[str, Any], now: float) -> dict[str, Any]:
    """Apply the due pending membership changes to ``Clusters`` (pure on the doc)."""
    pending = list(doc.get("_pending") or [])
    if not pending:
        return doc
    clusters = list(doc.get("Clusters") or [])
    errors = dict(doc.get("_cluster_errors") or {})
    left = []
    for change in pending:
        if change["At"] > now:
            left.append(change)
            continue
        cid = change["ClusterId"]
        if change["Op"] == "add":
            if cid not in clusters:
                clusters.append(cid)
            if change.get("Error"):
                errors[cid] = change["Error"]
                doc["ErrorMessage"] = change["Error"]
        else:
            clusters = [c for c in clusters if c != cid]
            errors.pop(cid, None)
            if not errors:
                doc["ErrorMessage"] = ""
    doc["Clusters"] = clusters
    doc["_cluster_errors"] = errors
    doc["_pending"] = left
    return doc


def _pending_of(doc: dict[str, Any], op: str) -> list[str]:
    return [c["ClusterId"] for c in doc.get("_pending") or [] if c["Op"] == op]


def _require_running(doc: dict[str, Any]) -> None:
    """Refuse a change while the mesh is not ``running`` (initial, updating, upgrading, deleting)."""
    state = doc.get("State")
    if state == "initial":
        raise ApiError("StillInitializing", f"The service mesh {doc['ServiceMeshId']} is still initializing.")
    if state != "running":
        # UNCONFIRMED: code for an operation on a mesh that is busy (updating/deleting); TF treats
        # StatusForbidden as "gone" on delete, so it is ASM's code for a state mismatch.
        raise ApiError("StatusForbidden", f"{_RETRY_MSG} The service mesh {doc['ServiceMeshId']} is {state}.")


def _cluster(ctx: Any, cluster_id: str) -> dict[str, Any] | None:
    from geomesh_emulator.products import cs

    return cs.get_cluster(ctx, cluster_id)


def _vpc(ctx: Any, vpc_id: str) -> dict[str, Any] | None:
    return ctx.store.get("vpc", vpc_id)


def _vswitch(ctx: Any, vsw_id: str) -> dict[str, Any] | None:
    return ctx.store.get("vswitch", vsw_id)


def _vpc_cidrs(vpc: dict[str, Any] | None) -> list[str]:
    if not vpc:
        return []
    cidrs = [vpc.get("CidrBlock")] + list(vpc.get("SecondaryCidrBlocks") or [])
    return [c for c in cidrs if c]


def _overlap(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    from geomesh_emulator import routing

    return bool(routing.cidrs_overlap(a, b))


def _create_security_group(ctx: Any, vpc_id: str, region: str, mesh_id: str) -> str:
    from geomesh_emulator.products import ecs  # core-owned

    return ecs.create_security_group(
        ctx, vpc_id=vpc_id, region_id=region, name=f"asm-sg-{mesh_id}", description="ASM control plane"
    )


# ------------------------------------------------------------------------------------------
# locality load balancing (LocalityLBConf)
# ------------------------------------------------------------------------------------------
def _conf_error(message: str) -> ApiError:
    # UNCONFIRMED: no error code is documented for an invalid LocalityLBConf.
    return ApiError("InvalidParameter.LocalityLBConf", f"LocalityLBConf is invalid: {message}")


def parse_locality_conf(raw: Any, version: str) -> dict[str, Any]:
    """Validate a LocalityLBConf JSON string; return ``{"Failover", "Distribute", "FailoverPriority"}``.

    Failover is returned as the SDK example shows (``{"failover": [...]}``), Distribute as a list.
    """
    if isinstance(raw, str):
        try:
            conf = json.loads(raw)
        except ValueError as exc:
            raise _conf_error("not valid JSON") from exc
    else:
        conf = raw
    if not isinstance(conf, dict):
        raise _conf_error("must be a JSON object with a failover or distribute list")
    unknown = set(conf) - {"failover", "distribute", "failoverPriority", "enabled"}
    if unknown:
        raise _conf_error(f"unknown keys {sorted(unknown)}")
    failover = conf.get("failover") or []
    distribute = conf.get("distribute") or []
    priority = conf.get("failoverPriority") or []
    used = [k for k, v in (("failover", failover), ("distribute", distribute), ("failoverPriority", priority)) if v]
    if len(used) > 1:
        # Documented: "Either Failover or Distribute can be set"; Istio: only one of the three.
        raise _conf_error(f"{' and '.join(used)} are mutually exclusive; set only one")
    if not isinstance(failover, list) or not isinstance(distribute, list) or not isinstance(priority, list):
        raise _conf_error("failover, distribute and failoverPriority must be lists")
    # UNCONFIRMED: the per-entry checks below (shape, two different regions, integer weights) are the
    # emulator's reading of Istio's LocalityLoadBalancerSetting validation.
    for i, item in enumerate(failover):
        if not isinstance(item, dict) or not isinstance(item.get("from"), str) or not isinstance(item.get("to"), str):
            raise _conf_error(f'failover[{i}] must be {{"from": <region>, "to": <region>}}')
        if not item["from"] or not item["to"] or item["from"] == item["to"]:
            raise _conf_error(f"failover[{i}] needs two different regions")
    for i, item in enumerate(distribute):
        if not isinstance(item, dict) or not isinstance(item.get("from"), str) or not isinstance(item.get("to"), dict):
            raise _conf_error(f'distribute[{i}] must be {{"from": <locality>, "to": {{<locality>: <weight>}}}}')
        weights = item["to"]
        if not weights:
            raise _conf_error(f"distribute[{i}].to is empty")
        for loc, weight in weights.items():
            if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
                raise _conf_error(f"distribute[{i}].to[{loc!r}] must be a non-negative integer weight")
        if sum(weights.values()) != 100:
            raise _conf_error(f"distribute[{i}] weights sum to {sum(weights.values())}, not 100")
    for i, item in enumerate(priority):
        if not isinstance(item, str) or not item:
            raise _conf_error(f"failoverPriority[{i}] must be a label key or key=value string")
    if distribute:
        vt = version_tuple(version)
        if vt and vt < DISTRIBUTE_MIN_VERSION:
            # UNCONFIRMED: code; the requirement itself is documented (ASM >= 1.22.6.66).
            raise ApiError(
                "UnsupportedVersion.LocalityLBDistribute",
                f"Traffic distribution (distribute) requires ASM version 1.22.6.66 or later; the mesh runs {version}.",
            )
    out: dict[str, Any] = {"Failover": None, "Distribute": None, "FailoverPriority": None}
    if failover:
        out["Failover"] = {"failover": failover}
    if distribute:
        out["Distribute"] = distribute
    if priority:
        # UNCONFIRMED: shape of LocalityLB.FailoverPriority (typed only as a dict in the SDK).
        out["FailoverPriority"] = {"failoverPriority": priority}
    return out


def _mode(lb: dict[str, Any]) -> str | None:
    return next((key for key in ("Failover", "Distribute", "FailoverPriority") if lb.get(key)), None)


def _apply_locality(doc: dict[str, Any], enabled: bool | None, conf: dict[str, Any] | None) -> None:
    lb = dict(doc.get("_locality_lb") or {"Enabled": False})
    if conf is not None:
        current, wanted = _mode(lb), _mode(conf)
        if enabled and lb.get("Enabled") and current and wanted and current != wanted:
            # Documented (ACK DR tutorial): failover and distribution are "mutually exclusive - you must
            # disable one before enabling the other". UNCONFIRMED: that the API (not only the console)
            # refuses the switch, and this code; strict here so callers disable first.
            raise _conf_error(
                f"{current} is enabled; {wanted} cannot replace it in one call: disable geolocation-based load "
                "balancing first (LocalityLoadBalancing=false)"
            )
        # UNCONFIRMED: a LocalityLBConf replaces the whole setting (Istio localityLbSetting semantics).
        lb.update(conf)
    if enabled is not None:
        lb["Enabled"] = enabled
    doc["_locality_lb"] = lb


def locality_lb(doc: dict[str, Any]) -> dict[str, Any]:
    """The mesh's ``Spec.MeshConfig.LocalityLB`` (for the data plane)."""
    lb = doc.get("_locality_lb") or {"Enabled": False}
    return {k: v for k, v in lb.items() if v is not None}


# ------------------------------------------------------------------------------------------
# views
# ------------------------------------------------------------------------------------------
def _endpoints(doc: dict[str, Any]) -> dict[str, Any]:
    return dict(doc.get("Endpoints") or {})


def _info(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServiceMeshId": doc["ServiceMeshId"],
        "Name": doc.get("Name"),
        "State": doc.get("State"),
        "RegionId": doc.get("RegionId"),
        "Version": doc.get("Version"),
        "Profile": doc.get("Profile"),
        "ErrorMessage": doc.get("ErrorMessage") or "",
        "CreationTime": doc.get("CreationTime"),
        "UpdateTime": doc.get("UpdateTime"),
    }


def _network(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "VpcId": doc.get("VpcId"),
        "VSwitches": list(doc.get("VSwitches") or []),
        "SecurityGroupId": doc.get("SecurityGroupId"),
    }


def _load_balancer(doc: dict[str, Any]) -> dict[str, Any]:
    return dict(doc.get("LoadBalancer") or {})


def _detail(doc: dict[str, Any]) -> dict[str, Any]:
    lb = locality_lb(doc)
    mesh_config = dict(doc.get("MeshConfig") or {})
    mesh_config["LocalityLB"] = lb
    mesh_config["EnableLocalityLB"] = bool(lb.get("Enabled"))
    mesh_config["Edition"] = {
        "Name": doc.get("Profile"),
        "IstiodImageTag": doc.get("Version"),
        "ProxyImageTag": doc.get("Version"),
    }
    return {
        "ServiceMeshInfo": _info(doc),
        "Spec": {"Network": _network(doc), "LoadBalancer": _load_balancer(doc), "MeshConfig": mesh_config},
        "Clusters": list(doc.get("Clusters") or []),
        "Endpoints": _endpoints(doc),
        "ClusterSpec": doc.get("ClusterSpec"),
        "OwnerType": "",
        "OwnerId": "",
    }


def _summary(doc: dict[str, Any]) -> dict[str, Any]:
    lb = _load_balancer(doc)
    mesh_config = doc.get("MeshConfig") or {}
    return {
        "ServiceMeshInfo": _info(doc),
        "Spec": {
            "Network": _network(doc),
            "LoadBalancer": {
                k: lb.get(k)
                for k in (
                    "ApiServerLoadbalancerId",
                    "ApiServerPublicEip",
                    "PilotPublicEip",
                    "PilotPublicLoadbalancerId",
                )
                if lb.get(k) is not None
            },
            "MeshConfig": {
                k: mesh_config[k] for k in ("Telemetry", "Tracing", "OutboundTrafficPolicy") if k in mesh_config
            },
        },
        "Clusters": list(doc.get("Clusters") or []),
        "Endpoints": {
            k: v
            for k, v in _endpoints(doc).items()
            if k
            in ("IntranetApiServerEndpoint", "PublicApiServerEndpoint", "IntranetPilotEndpoint", "PublicPilotEndpoint")
        },
        "ClusterSpec": doc.get("ClusterSpec"),
        "Tag": list(doc.get("Tags") or []),
        "Upgradable": version_tuple(doc.get("Version")) < version_tuple(DEFAULT_VERSION),
        "OwnerType": "",
        "OwnerId": "",
    }


def _mark_busy(ctx: Any, doc: dict[str, Any], delay_name: str) -> float:
    """Mesh goes ``updating`` now and ``running`` after the named delay; returns the delay."""
    now = ctx.now()
    delay = float(ctx.delay(delay_name))
    # UNCONFIRMED: ASM's in-progress state name for joins and feature updates.
    lifecycle.set_timeline(doc, "State", [("updating", 0), ("running", delay)], now)
    doc["UpdateTime"] = _iso(now)
    return delay


# ------------------------------------------------------------------------------------------
# cluster join checks (ForbiddenFlag)
# ------------------------------------------------------------------------------------------
def _cidr_objects(ctx: Any, owner: str, vpc_id: str | None, vswitch_ids: list[str], pod: str | None, svc: str | None):
    """(owner, object, cidr, vpc_id) tuples for a cluster or the mesh."""
    out = []
    for c in _vpc_cidrs(_vpc(ctx, vpc_id) if vpc_id else None):
        out.append((owner, "VPC CIDR", c, vpc_id))
    for vsw_id in vswitch_ids:
        vsw = _vswitch(ctx, vsw_id)
        if vsw and vsw.get("CidrBlock"):
            out.append((owner, "VSwitch", vsw["CidrBlock"], vpc_id))
    if pod:
        out.append((owner, "Pod", pod, None))
    if svc:
        out.append((owner, "Service", svc, None))
    return out


def _cluster_objects(ctx: Any, cl: dict[str, Any]):
    vswitches = list(cl.get("vswitch_ids") or [])
    for node in cl.get("_nodes") or []:
        if node.get("vswitch_id") and node["vswitch_id"] not in vswitches:
            vswitches.append(node["vswitch_id"])
    vswitches += [v for v in cl.get("_pod_vswitch_ids") or [] if v not in vswitches]
    return _cidr_objects(
        ctx, cl["cluster_id"], cl.get("vpc_id"), vswitches, cl.get("container_cidr") or None, cl.get("service_cidr")
    )


def cidr_conflicts(ctx: Any, mesh: dict[str, Any], cl: dict[str, Any]) -> list[dict[str, str]]:
    """ForbiddenInfo entries: conflicts between the candidate cluster and the mesh + its clusters."""
    mine = _cluster_objects(ctx, cl)
    theirs = _cidr_objects(ctx, mesh["ServiceMeshId"], mesh.get("VpcId"), list(mesh.get("VSwitches") or []), None, None)
    for other_id in mesh.get("Clusters") or []:
        if other_id == cl["cluster_id"]:
            continue
        other = _cluster(ctx, other_id)
        if other is not None:
            theirs += _cluster_objects(ctx, other)
    out: list[dict[str, str]] = []
    for owner_a, obj_a, cidr_a, vpc_a in mine:
        for owner_b, obj_b, cidr_b, vpc_b in theirs:
            # VPC / vSwitch blocks of the same VPC are one address space, not a conflict.
            if vpc_a is not None and vpc_a == vpc_b:
                continue
            if _overlap(cidr_a, cidr_b):
                out.append({"cluster": owner_a, "object": obj_a, "cidr": cidr_a})
                out.append({"cluster": owner_b, "object": obj_b, "cidr": cidr_b})
    return out


def forbidden(ctx: Any, mesh: dict[str, Any], cl: dict[str, Any]) -> tuple[int, str, Any]:
    """(ForbiddenFlag, human reason, ForbiddenInfo) for adding cluster ``cl`` to ``mesh``."""
    from geomesh_emulator import routing

    mesh_vpc, cluster_vpc = mesh.get("VpcId"), cl.get("vpc_id")
    # UNCONFIRMED: which check wins when both fail (the emulator reports connectivity first).
    # The mesh VPC must reach the cluster's API server address and back (routing model).
    verdict = routing.mesh_reaches_api_server(ctx, mesh, cl)
    if not verdict["reachable"]:
        return (
            FLAG_VPC_UNREACHABLE,
            f"the cluster VPC {cluster_vpc} is not privately connected to the mesh VPC {mesh_vpc}: "
            f"{verdict['code']}: {verdict['reason']}",
            [],
        )
    conflicts = cidr_conflicts(ctx, mesh, cl)
    if conflicts:
        pairs = "; ".join(
            f"{a['object']} {a['cidr']} of {a['cluster']} overlaps {b['object']} {b['cidr']} of {b['cluster']}"
            for a, b in zip(conflicts[0::2], conflicts[1::2], strict=True)
        )
        return FLAG_CIDR_CONFLICT, f"CIDR conflict: {pairs}", conflicts
    ns = istio_namespace(ctx, cl["cluster_id"])
    if ns:
        return (
            FLAG_ISTIO_NAMESPACE,
            f"the cluster {cl['cluster_id']} already has a namespace istio-system ({ns}); delete it, or "
            "join with IgnoreNamespaceCheck=true when migrating from a self-managed Istio",
            [],
        )
    return FLAG_OK, "", []


def istio_namespace(ctx: Any, cluster_id: str) -> str:
    """Why the cluster has an ``istio-system`` namespace ("" = it has none).

    ForbiddenFlag 4 (SDK, DescribeServiceMeshClusters): the cluster already has a namespace named
    istio-system. RemoveClusterFromServiceMesh ReserveNamespace (SDK: "whether to reserve the
    istio-system namespace") keeps it after a leave. UNCONFIRMED: a leave without it (and a
    forced mesh delete) removes the namespace.
    """
    doc = ctx.store.get(NS_KIND, cluster_id)
    if doc is not None:
        return str(doc.get("Reason") or "exists")
    mesh_id = _mesh_of_cluster(ctx, cluster_id)
    return f"installed by the service mesh {mesh_id}" if mesh_id else ""


def _cluster_state(cl: dict[str, Any] | None) -> str:
    # UNCONFIRMED: mapping of ACK cluster states to the ASM cluster states
    # (running | starting | stopping | stopped | failed).
    if cl is None:
        return "failed"
    return {"running": "running", "initial": "starting", "deleting": "stopping", "failed": "failed"}.get(
        str(cl.get("state")), "running"
    )


def _mesh_of_cluster(ctx: Any, cluster_id: str) -> str | None:
    """The mesh the cluster belongs to or is joining."""
    for mesh in _meshes(ctx):
        if cluster_id in (mesh.get("Clusters") or []) or cluster_id in _pending_of(mesh, "add"):
            return mesh["ServiceMeshId"]
    return None


# ------------------------------------------------------------------------------------------
# scenario faults (POST /_emulator/faults/servicemesh, see scenarios.py and INTERFACE.md)
# ------------------------------------------------------------------------------------------
BUSY_STATES = ("updating", "upgrading")  # UNCONFIRMED: ASM's busy state names


def _opt_id(spec: dict[str, Any], key: str) -> None:
    val = spec.get(key)
    if val is not None and (not isinstance(val, str) or not val):
        raise ValueError(f"{key} must be a non-empty string or absent")


@scenarios.kind(PRODUCT, "join_failure")
def _scenario_join_failure(spec: dict[str, Any]) -> dict[str, Any]:
    """An AddClusterIntoServiceMesh (of ``cluster_id`` into ``mesh_id``, each optional) is
    accepted, but when the join completes the cluster is listed ``failed`` with ``message`` in
    DescribeClustersInServiceMesh and the mesh's ``ServiceMeshInfo.ErrorMessage`` carries it."""
    unknown = set(spec) - {"count", "mesh_id", "cluster_id", "message"}
    if unknown:
        raise ValueError(f"unknown join_failure keys: {sorted(unknown)}")
    _opt_id(spec, "mesh_id")
    _opt_id(spec, "cluster_id")
    message = spec.get("message")
    if message is None:
        # UNCONFIRMED: wording of a failed join (no example is documented).
        message = "failed to install the data-plane components into the cluster: timeout"
    if not isinstance(message, str) or not message:
        raise ValueError("message must be a non-empty string")
    spec["message"] = message
    return spec


def _busy_timeline(doc: dict[str, Any], state: str, seconds: float, now: float) -> None:
    """``state`` from the end of the current timeline (or now) for ``seconds``, then ``running``."""
    start = max(now, lifecycle.settle_time(doc))
    steps = [s for s in (doc.get(lifecycle.TIMELINES) or {}).get("State", []) if s[1] < start]
    doc.setdefault(lifecycle.TIMELINES, {})["State"] = steps + [[state, start], ["running", start + seconds]]
    lifecycle.resolve(doc, now)


def _apply_mesh_busy(ctx: Any, spec: dict[str, Any]) -> bool:
    if not spec.get("mesh_id"):
        return False  # armed: for the meshes created while it is set
    doc = ctx.store.get(MESH_KIND, spec["mesh_id"])
    if doc is None or lifecycle.is_deleting(doc):
        raise ValueError(f"no service mesh {spec['mesh_id']} (or it is being deleted)")
    _busy_timeline(doc, spec["state"], spec["seconds"], ctx.now())
    ctx.store.put(MESH_KIND, doc["ServiceMeshId"], doc)
    return True


@scenarios.kind(PRODUCT, "mesh_busy", apply=_apply_mesh_busy)
def _scenario_mesh_busy(spec: dict[str, Any]) -> dict[str, Any]:
    """Mesh ``mesh_id`` (now; or, without it, every mesh created while the fault is set -- ``count``
    limits it -- once it is up) is ``state`` (updating | upgrading) for ``seconds`` (emulator
    clock, not scaled), refusing every change meanwhile with StatusForbidden, then ``running``."""
    unknown = set(spec) - {"count", "mesh_id", "state", "seconds"}
    if unknown:
        raise ValueError(f"unknown mesh_busy keys: {sorted(unknown)}")
    _opt_id(spec, "mesh_id")
    state = spec.setdefault("state", "updating")
    if state not in BUSY_STATES:
        raise ValueError(f"state must be one of {list(BUSY_STATES)}")
    seconds = spec.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
        raise ValueError("seconds must be a positive number")
    spec["seconds"] = float(seconds)
    return spec


def _apply_istio_namespace(ctx: Any, spec: dict[str, Any]) -> bool:
    if _cluster(ctx, spec["cluster_id"]) is None:
        raise ValueError(f"no cluster {spec['cluster_id']}")
    ctx.store.put(NS_KIND, spec["cluster_id"], {"ClusterId": spec["cluster_id"], "Reason": spec["reason"]})
    return True


@scenarios.kind(PRODUCT, "istio_system_namespace", apply=_apply_istio_namespace)
def _scenario_istio_namespace(spec: dict[str, Any]) -> dict[str, Any]:
    """Cluster ``cluster_id`` has an ``istio-system`` namespace (e.g. a self-managed Istio):
    ForbiddenFlag 4 until it joins with IgnoreNamespaceCheck=true. Applied at once."""
    unknown = set(spec) - {"cluster_id", "reason"}
    if unknown:
        raise ValueError(f"unknown istio_system_namespace keys: {sorted(unknown)}")
    if not isinstance(spec.get("cluster_id"), str) or not spec["cluster_id"]:
        raise ValueError("cluster_id required")
    spec.setdefault("reason", "created outside ASM")
    if not isinstance(spec["reason"], str) or not spec["reason"]:
        raise ValueError("reason must be a non-empty string")
    return spec


# ------------------------------------------------------------------------------------------
# CreateServiceMesh
# ------------------------------------------------------------------------------------------
def _check_network(ctx: Any, region: str, vpc_id: str, vswitches: Any) -> list[str]:
    vpc = _vpc(ctx, vpc_id)
    if vpc is None:
        # UNCONFIRMED: code for an unknown VPC.
        raise ApiError("InvalidVpcId.NotFound", f"The VPC {vpc_id} does not exist.")
    if vpc.get("RegionId") not in (None, region):
        raise ApiError("InvalidParameter", f"The VPC {vpc_id} is in region {vpc.get('RegionId')}, not {region}.")
    if vpc.get("Status") not in (None, "Available"):
        # UNCONFIRMED: code for a VPC that is not Available yet.
        raise ApiError("IncorrectStatus.Vpc", f"The VPC {vpc_id} is {vpc.get('Status')}.")
    if not isinstance(vswitches, list) or not vswitches or not all(isinstance(v, str) and v for v in vswitches):
        raise ApiError("InvalidParameter", 'VSwitches must be a JSON array of vSwitch ids, e.g. ["vsw-xxx"].')
    for vsw_id in vswitches:
        vsw = _vswitch(ctx, vsw_id)
        if vsw is None:
            raise ApiError("InvalidVSwitchId.NotFound", f"The vSwitch {vsw_id} does not exist.")  # UNCONFIRMED
        if vsw.get("VpcId") != vpc_id:
            raise ApiError("InvalidParameter", f"The vSwitch {vsw_id} does not belong to the VPC {vpc_id}.")
    return list(vswitches)


@action(PRODUCT, VERSION, "CreateServiceMesh", write=True)
def create_service_mesh(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    region = _required(p, "RegionId")
    vpc_id = _required(p, "VpcId")
    _required(p, "VSwitches")
    vswitches = _check_network(ctx, region, vpc_id, params.json_param(p, "VSwitches"))
    # Edition: Default | Pro (TF validation, alicloud-api.md section 5); UNCONFIRMED: Default
    # when absent (the SDK documents no default).
    edition = p.get("Edition") or "Default"
    if edition not in VERSIONS:
        raise ApiError("InvalidParameter", f"Edition {edition!r} must be Default or Pro.")
    version = p.get("IstioVersion") or VERSIONS[edition][0]
    if version not in VERSIONS[edition]:
        # UNCONFIRMED: code for an unsupported IstioVersion.
        raise ApiError(
            "InvalidParameter.IstioVersion", f"IstioVersion {version} is not available for edition {edition}."
        )
    # UNCONFIRMED: the ClusterSpec default per edition.
    cluster_spec = p.get("ClusterSpec") or ("standard" if edition == "Default" else "enterprise")
    if cluster_spec not in ("standard", "enterprise", "ultimate"):
        raise ApiError("InvalidParameter", f"ClusterSpec {cluster_spec!r} must be standard, enterprise or ultimate.")
    mesh_id = _new_mesh_id()
    # Names are NOT unique: CreateServiceMesh has no ClientToken and nothing documents a name
    # check (TF's NameAlreadyExist retry is not evidence of one), so a second call with the same
    # name creates a second mesh. Callers must look up by name + VPC first (issue 8).
    name = p.get("Name") or mesh_id

    enable_lb = params.flag(p, "LocalityLoadBalancing", False)
    conf = None
    if p.get("LocalityLBConf") not in (None, ""):
        conf = parse_locality_conf(p["LocalityLBConf"], version)

    guest = p.get("GuestCluster")
    guest_doc = None
    if guest:
        guest_doc = _cluster(ctx, str(guest))
        if guest_doc is None:
            raise ApiError("ErrorClusterNotFound", f"The cluster {guest} does not exist.")  # UNCONFIRMED
        if guest_doc.get("vpc_id") != vpc_id:
            raise ApiError("InvalidParameter", f"GuestCluster {guest} must be in the mesh VPC {vpc_id}.")
        if guest_doc.get("state") != "running":
            raise ApiError("InvalidActiveState.ACK", f"The cluster {guest} is {guest_doc.get('state')}, not running.")

    public_eip = bool(params.flag(p, "ApiServerPublicEip", False))
    pilot_eip = bool(params.flag(p, "PilotPublicEip", False))
    now = ctx.now()
    delay = float(ctx.delay("mesh_create"))
    doc: dict[str, Any] = {
        "ServiceMeshId": mesh_id,
        "Name": name,
        "RegionId": region,
        "Version": version,
        "Profile": edition,
        "ClusterSpec": cluster_spec,
        "ErrorMessage": "",
        "CreationTime": _iso(now),
        "UpdateTime": _iso(now),
        "VpcId": vpc_id,
        "VSwitches": vswitches,
        "SecurityGroupId": _create_security_group(ctx, vpc_id, region, mesh_id),
        "LoadBalancer": {
            "ApiServerPublicEip": public_eip,
            "ApiServerLoadbalancerId": "lb-" + secrets.token_hex(10),
            "PilotPublicEip": pilot_eip,
            "PilotPublicLoadbalancerId": "lb-" + secrets.token_hex(10) if pilot_eip else "",
        },
        "Endpoints": {
            # set below, once the mesh's API server listens
            "IntranetApiServerEndpoint": "",
            "PublicApiServerEndpoint": "",
            "IntranetPilotEndpoint": f"istiod-{mesh_id}.istio-system:15012",  # UNCONFIRMED: format
            "PublicPilotEndpoint": "",
        },
        "MeshConfig": {
            "Telemetry": bool(params.flag(p, "Telemetry", False)),
            "Tracing": bool(params.flag(p, "Tracing", False)),
            "OutboundTrafficPolicy": "ALLOW_ANY",
            "CustomizedZipkin": bool(params.flag(p, "CustomizedZipkin", False)),
        },
        "Clusters": [guest_doc["cluster_id"]] if guest_doc else [],
        "Tags": params.tags(p),
    }
    _apply_locality(doc, bool(enable_lb), conf)
    lifecycle.set_timeline(doc, "State", [("initial", 0), ("running", delay)], now)
    busy = ctx.emulator.scenarios.take(PRODUCT, "mesh_busy", mesh_id=mesh_id)
    if busy:
        _busy_timeline(doc, busy["state"], busy["seconds"], now)
    ctx.store.put(MESH_KIND, mesh_id, doc)
    # The mesh's own https API server (kube/listeners.py): a CA in the document, a port of its own.
    api_url = ctx.emulator.kube.ensure(mesh_id, "mesh", str(region), ctx=ctx)["url"]
    doc = ctx.store.get(MESH_KIND, mesh_id)
    doc["Endpoints"]["IntranetApiServerEndpoint"] = api_url
    doc["Endpoints"]["PublicApiServerEndpoint"] = api_url if public_eip else ""
    ctx.store.put(MESH_KIND, mesh_id, doc)
    return {"ServiceMeshId": mesh_id}


# ------------------------------------------------------------------------------------------
# Describe*
# ------------------------------------------------------------------------------------------
@action(PRODUCT, VERSION, "DescribeServiceMeshes", write=False)
def describe_service_meshes(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    wanted = params.tags(p)
    out = []
    # UNCONFIRMED: the central endpoint returns meshes of every region (filter by RegionId).
    for doc in _meshes(ctx):
        tags = {t["Key"]: t["Value"] for t in doc.get("Tags") or []}
        if any(tags.get(t["Key"]) != t["Value"] for t in wanted):
            continue
        out.append(_summary(doc))
    return {"ServiceMeshes": out}


@action(PRODUCT, VERSION, "DescribeServiceMeshDetail", write=False)
def describe_service_mesh_detail(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    doc = _get_mesh(ctx, _required(p, "ServiceMeshId"))
    return {"ServiceMesh": _detail(doc)}


@action(PRODUCT, VERSION, "DescribeVersions", write=False)
def describe_versions(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    return {"VersionInfo": [{"Edition": edition, "Versions": list(vs)} for edition, vs in VERSIONS.items()]}


def _cluster_row(ctx: Any, cl: dict[str, Any]) -> dict[str, Any]:
    return {
        "ClusterId": cl["cluster_id"],
        "Name": cl.get("name"),
        "RegionId": cl.get("region_id"),
        "VpcId": cl.get("vpc_id"),
        "State": _cluster_state(cl),
        "SgId": cl.get("security_group_id"),
        "ClusterType": cl.get("cluster_type"),
        "Version": cl.get("current_version"),
        "ClusterDomain": cl.get("cluster_domain") or "cluster.local",
        "CreationTime": cl.get("created"),
        "UpdateTime": cl.get("updated"),
        "ErrorMessage": "",
    }


@action(PRODUCT, VERSION, "DescribeClustersInServiceMesh", write=False)
def describe_clusters_in_service_mesh(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    doc = _get_mesh(ctx, _required(p, "ServiceMeshId"))
    errors = doc.get("_cluster_errors") or {}
    rows = []
    # Only members whose join has completed are listed (a join in progress is not; see
    # fold_membership), a cluster being removed stays until its removal completes.
    for cluster_id in doc.get("Clusters") or []:
        cl = _cluster(ctx, cluster_id)
        if cl is None:
            # UNCONFIRMED: a member cluster deleted in ACK stays listed, as failed.
            rows.append({"ClusterId": cluster_id, "State": "failed", "ErrorMessage": f"cluster {cluster_id} not found"})
            continue
        row = _cluster_row(ctx, cl)
        if errors.get(cluster_id):
            # A join that left an error (injected, see SCENARIOS): State failed + ErrorMessage, the
            # documented fields of DescribeClustersInServiceMesh. UNCONFIRMED: exact wording.
            row["State"] = "failed"
            row["ErrorMessage"] = errors[cluster_id]
        rows.append(row)
    return {"Clusters": rows}


@action(PRODUCT, VERSION, "DescribeServiceMeshClusters", write=False)
def describe_service_mesh_clusters(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    mesh = _get_mesh(ctx, _required(p, "ServiceMeshId"))
    limit = params.integer(p, "Limit", 100) or 100  # UNCONFIRMED: default page size
    offset = params.integer(p, "Offset", 0) or 0
    if limit < 1 or offset < 0:
        raise ApiError("InvalidParameter", "Limit must be positive and Offset non-negative.")
    from geomesh_emulator.products import cs

    rows = []
    # UNCONFIRMED: candidates are all managed clusters of the account in every region, minus the
    # members of this mesh; clusters in another mesh carry that mesh's id.
    for cl in ctx.store.list(cs.CLUSTER_KIND):
        if cl["cluster_id"] in (mesh.get("Clusters") or []) or cl["cluster_id"] in _pending_of(mesh, "add"):
            continue
        row = _cluster_row(ctx, cl)
        flag, _reason, info = forbidden(ctx, mesh, cl)
        row["ForbiddenFlag"] = flag
        row["ForbiddenInfo"] = json.dumps(info) if info else ""
        row["ServiceMeshId"] = _mesh_of_cluster(ctx, cl["cluster_id"]) or ""
        rows.append(row)
    return {"Clusters": rows[offset : offset + limit], "NumberOfClusters": len(rows)}


# ------------------------------------------------------------------------------------------
# membership
# ------------------------------------------------------------------------------------------
@action(PRODUCT, VERSION, "AddClusterIntoServiceMesh", write=True)
def add_cluster_into_service_mesh(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    mesh = _get_mesh(ctx, _required(p, "ServiceMeshId"))
    cluster_id = _required(p, "ClusterId")
    cl = _cluster(ctx, cluster_id)
    if cl is None:
        # UNCONFIRMED: code for an unknown cluster (400 so that it is not read as "mesh gone").
        raise ApiError("ErrorClusterNotFound", f"The cluster {cluster_id} does not exist.")
    _require_running(mesh)
    if cluster_id in (mesh.get("Clusters") or []) or cluster_id in _pending_of(mesh, "add"):
        # UNCONFIRMED: adding a member again is refused rather than ignored.
        raise ApiError("ClusterAlreadyInServiceMesh", f"The cluster {cluster_id} is already in the service mesh.")
    other = _mesh_of_cluster(ctx, cluster_id)
    if other:
        raise ApiError(
            "ClusterAlreadyInServiceMesh",  # UNCONFIRMED
            f"The cluster {cluster_id} already belongs to the service mesh {other}.",
        )
    if cl.get("state") != "running":
        # TF retries InvalidActiveState.ACK on create: ASM's code for a cluster that is not running.
        raise ApiError("InvalidActiveState.ACK", f"The cluster {cluster_id} is {cl.get('state')}, not running.")
    flag, reason, _info = forbidden(ctx, mesh, cl)
    if flag == FLAG_VPC_UNREACHABLE:
        # UNCONFIRMED: code; the condition is ForbiddenFlag 2.
        raise ApiError("ErrorPermitted.VpcNotConnected", f"ForbiddenFlag 2: {reason}")
    if flag == FLAG_CIDR_CONFLICT:
        # UNCONFIRMED: code; the condition is ForbiddenFlag 3.
        raise ApiError("ErrorPermitted.CidrConflict", f"ForbiddenFlag 3: {reason}")
    # SDK: IgnoreNamespaceCheck skips the istio-system check (migration from self-managed Istio).
    if flag == FLAG_ISTIO_NAMESPACE and not params.flag(p, "IgnoreNamespaceCheck", False):
        # UNCONFIRMED: code; the condition is ForbiddenFlag 4.
        raise ApiError("ErrorPermitted.IstioSystemNamespaceExists", f"ForbiddenFlag 4: {reason}")
    ctx.store.delete(NS_KIND, cluster_id)  # from now on the mesh owns istio-system
    failure = ctx.emulator.scenarios.take(PRODUCT, "join_failure", mesh_id=mesh["ServiceMeshId"], cluster_id=cluster_id)
    delay = _mark_busy(ctx, mesh, "mesh_join")
    mesh.setdefault("_pending", []).append(
        {
            "ClusterId": cluster_id,
            "Op": "add",
            "At": ctx.now() + delay,
            "Error": (failure or {}).get("message") or "",
        }
    )
    ctx.store.put(MESH_KIND, mesh["ServiceMeshId"], mesh)
    return {"Code": "200", "Message": "success"}


@action(PRODUCT, VERSION, "RemoveClusterFromServiceMesh", write=True)
def remove_cluster_from_service_mesh(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    mesh = _get_mesh(ctx, _required(p, "ServiceMeshId"))
    cluster_id = _required(p, "ClusterId")
    _require_running(mesh)
    if cluster_id not in (mesh.get("Clusters") or []):
        # UNCONFIRMED: code for removing a cluster that is not a member.
        raise ApiError("ClusterNotInServiceMesh", f"The cluster {cluster_id} is not in the service mesh.")
    if params.flag(p, "ReserveNamespace", False):
        ctx.store.put(
            NS_KIND,
            cluster_id,
            {"ClusterId": cluster_id, "Reason": "kept by RemoveClusterFromServiceMesh ReserveNamespace=true"},
        )
    else:
        ctx.store.delete(NS_KIND, cluster_id)
    delay = _mark_busy(ctx, mesh, "mesh_join")
    # The cluster stays listed until the removal completes (UNCONFIRMED: same delay as a join).
    mesh.setdefault("_pending", []).append({"ClusterId": cluster_id, "Op": "remove", "At": ctx.now() + delay})
    ctx.store.put(MESH_KIND, mesh["ServiceMeshId"], mesh)
    return {"Code": "200", "Message": "success"}


# ------------------------------------------------------------------------------------------
# DeleteServiceMesh
# ------------------------------------------------------------------------------------------
@action(PRODUCT, VERSION, "DeleteServiceMesh", write=True)
def delete_service_mesh(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    mesh = _get_mesh(ctx, _required(p, "ServiceMeshId"))
    force = bool(params.flag(p, "Force", False))
    params.json_param(p, "RetainResources", [])
    _require_running(mesh)
    if mesh.get("Clusters") and not force:
        raise ApiError(
            "ErrorPermitted.ClustersNotEmpty",
            f"The service mesh {mesh['ServiceMeshId']} still has clusters {mesh['Clusters']}; remove them first "
            "or delete with Force=true.",
        )
    now = ctx.now()
    mesh["Clusters"] = []
    mesh["_pending"] = []
    from geomesh_emulator.products import ecs  # core-owned

    ecs.delete_security_group(ctx, mesh["SecurityGroupId"])  # UNCONFIRMED: ASM removes its group
    lifecycle.schedule_delete(mesh, "State", "deleting", float(ctx.delay("mesh_delete")), now)
    ctx.store.put(MESH_KIND, mesh["ServiceMeshId"], mesh)
    return {}


# ------------------------------------------------------------------------------------------
# kubeconfig
# ------------------------------------------------------------------------------------------
@action(PRODUCT, VERSION, "DescribeServiceMeshKubeconfig", write=False)
def describe_service_mesh_kubeconfig(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    mesh = _get_mesh(ctx, _required(p, "ServiceMeshId"))
    if mesh.get("State") == "initial":
        # UNCONFIRMED: the kubeconfig is refused until the mesh has been created.
        raise ApiError("StillInitializing", f"The service mesh {mesh['ServiceMeshId']} is still initializing.")
    private = bool(params.flag(p, "PrivateIpAddress", False))
    if not private and not (mesh.get("LoadBalancer") or {}).get("ApiServerPublicEip"):
        # UNCONFIRMED: code/message for a public kubeconfig of a mesh without an API server EIP.
        raise ApiError(
            "InvalidOperation.ApiServerPublicEipNotEnabled",
            f"The API server of the service mesh {mesh['ServiceMeshId']} is not exposed with an EIP "
            "(ApiServerPublicEip=false); request PrivateIpAddress=true.",
        )
    # An https server with certificate-authority-data and a client certificate + key, as the
    # ACK kubeconfig (kube-api-emulation.md section 8); a new client certificate per call, valid
    # until the returned ExpireTime. UNCONFIRMED: ASM's cluster / user / context names, the
    # certificate's CN and group, and the validity period (3 years).
    mesh_id = mesh["ServiceMeshId"]
    expires = float(int(ctx.now() + 3 * 365 * 86400))
    ctx.emulator.kube.ensure(mesh_id, "mesh", str(mesh.get("RegionId") or ""), ctx=ctx)
    user = f"asm-user-{ctx.account_id or 'user'}"
    kubeconfig = ctx.emulator.kube.kubeconfig(mesh_id, f"asm-{mesh_id}", user, ["system:users"], expires)
    return {"Kubeconfig": kubeconfig, "ExpireTime": _plain_time(expires)}


# ------------------------------------------------------------------------------------------
# UpdateMeshFeature (locality load balancing)
# ------------------------------------------------------------------------------------------
@action(PRODUCT, VERSION, "UpdateMeshFeature", write=True)
def update_mesh_feature(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    mesh = _get_mesh(ctx, _required(p, "ServiceMeshId"))
    _require_running(mesh)
    # An absent LocalityLoadBalancing is false: the SDK documents "Default value: `false`." for
    # UpdateMeshFeatureRequest.locality_load_balancing (alibabacloud_servicemesh20200111 3.4.0
    # models.py, UpdateMeshFeatureRequest), so any UpdateMeshFeature call that omits it switches
    # locality load balancing off -- a caller changing another feature must resend it.
    enabled = bool(params.flag(p, "LocalityLoadBalancing", False))
    conf = None
    if p.get("LocalityLBConf") not in (None, ""):
        conf = parse_locality_conf(p["LocalityLBConf"], mesh.get("Version") or "")
    _apply_locality(mesh, enabled, conf)
    _mark_busy(ctx, mesh, "mesh_update")
    ctx.store.put(MESH_KIND, mesh["ServiceMeshId"], mesh)
    return {}


# ------------------------------------------------------------------------------------------
# tags
# ------------------------------------------------------------------------------------------
def _tag_targets(ctx: Any, p: dict[str, Any]) -> list[dict[str, Any]]:
    rtype = p.get("ResourceType") or RESOURCE_TYPE
    if str(rtype).lower() != RESOURCE_TYPE:
        raise ApiError("InvalidParameter.ResourceType", f"ResourceType {rtype} is not supported; use servicemesh.")
    ids = params.str_list(p, "ResourceId")
    return [_get_mesh(ctx, rid) for rid in ids]


@action(PRODUCT, VERSION, "TagResources", write=True)
def tag_resources(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    _required(p, "RegionId")
    meshes = _tag_targets(ctx, p)
    new = params.tags(p)
    if not meshes or not new:
        raise ApiError("MissingParameter", "ResourceId.N and Tag.N are required.")
    for mesh in meshes:
        tags = {t["Key"]: t["Value"] for t in mesh.get("Tags") or []}
        tags.update({t["Key"]: t["Value"] for t in new})
        if len(tags) > 20:  # UNCONFIRMED: the usual Alibaba limit of 20 tags per resource
            raise ApiError("QuotaExceeded.TagNum", "A resource can have at most 20 tags.")
        mesh["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        ctx.store.put(MESH_KIND, mesh["ServiceMeshId"], mesh)
    return {}


@action(PRODUCT, VERSION, "UntagResources", write=True)
def untag_resources(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    _required(p, "RegionId")
    meshes = _tag_targets(ctx, p)
    keys = set(params.str_list(p, "TagKey"))
    remove_all = bool(params.flag(p, "All", False))
    for mesh in meshes:
        mesh["Tags"] = [] if remove_all else [t for t in mesh.get("Tags") or [] if t["Key"] not in keys]
        ctx.store.put(MESH_KIND, mesh["ServiceMeshId"], mesh)
    return {}


@action(PRODUCT, VERSION, "ListTagResources", write=False)
def list_tag_resources(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    region = _required(p, "RegionId")
    rtype = p.get("ResourceType") or RESOURCE_TYPE
    if str(rtype).lower() != RESOURCE_TYPE:
        raise ApiError("InvalidParameter.ResourceType", f"ResourceType {rtype} is not supported; use servicemesh.")
    ids = set(params.str_list(p, "ResourceId"))
    wanted = params.tags(p)
    rows = []
    for mesh in _meshes(ctx):
        if mesh.get("RegionId") != region or (ids and mesh["ServiceMeshId"] not in ids):
            continue
        tags = {t["Key"]: t["Value"] for t in mesh.get("Tags") or []}
        if any(tags.get(t["Key"]) != t["Value"] for t in wanted):
            continue
        for k, v in tags.items():
            rows.append(
                {"ResourceId": mesh["ServiceMeshId"], "ResourceType": RESOURCE_TYPE, "TagKey": k, "TagValue": v}
            )
    # UNCONFIRMED: NextToken paging is not modelled (everything on one page).
    return {"TagResources": rows, "NextToken": ""}
