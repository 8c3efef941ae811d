"""Controllers of the emulated Kubernetes API servers: ``reconcile(view)``.

Called by api.py after each write and by ``api.tick`` (about every 0.1 s while watched), so it is
cheap and idempotent: one read of the server's objects, then only the writes that change
something (a no-op keeps every resourceVersion). Clock delays go through ``view.ctx.delay``
(``kube_pod_start``, ``kube_gateway_address``; base 2 s, scaled like every cloud delay).

ACK cluster servers (``view.owner == "cluster"``):

- **Nodes** mirror the cloud cluster's Ready nodes (``products.cs.cluster_nodes(doc, now)``):
  labels of the cloud node (``topology.kubernetes.io/region|zone``, ``kubernetes.io/hostname``,
  the node pool's labels), the pool's taints, ``spec.podCIDR`` (Flannel), InternalIP. A node that
  leaves (or is being removed) loses its Node object and its Pods, which their ReplicaSets
  recreate on the Ready nodes left.
- **Deployments** (apps/v1) -> **ReplicaSets** ``<deployment>-<pod-template-hash>`` -> **Pods**
  ``<replicaset>-<5 chars>`` with ownerReferences, the revision annotations and a rolling update
  (maxSurge / maxUnavailable, 25 % by default) or Recreate; statuses as the real controllers
  (kube-api-emulation.md section 7: observedGeneration, replicas, updatedReplicas, readyReplicas,
  availableReplicas, unavailableReplicas, zeros omitted; conditions Available
  (MinimumReplicasAvailable / MinimumReplicasUnavailable) and Progressing (NewReplicaSetCreated,
  ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded)).
- **Scheduling**: a Pod goes to the feasible Ready node (nodeSelector, required node affinity,
  taints vs. tolerations) with the fewest Pods of its owner, then the fewest Pods (round robin
  over equal nodes). Its IP: Flannel, the next free address of the node's Pod CIDR slice from
  ``.2`` up (``.1`` is the cni0 gateway); Terway, the next free address of the cluster's Pod
  vSwitch in the node's zone, from the top down. ``Pending`` (ContainerCreating) first,
  ``Running`` and Ready ``kube_pod_start`` after it was scheduled.
- **Sidecar injection** when a Pod is made, only in a cluster joined to a mesh: namespace label
  ``istio-injection=enabled`` unless the Pod says ``sidecar.istio.io/inject: "false"``
  (annotation or label), or a Pod label ``sidecar.istio.io/inject: "true"`` in a namespace not
  labelled ``disabled`` (asm-details.md section 3).
- **Services** (clusterIP and nodePorts are allocated by api.py's defaulting at create, which the
  objects made here go through too): LoadBalancer ingress ``127.<b>.<n>.<k>`` (``b`` the
  emulator's loopback block, loopback.py; ``n`` once per cluster, store meta) after ``kube_gateway_address``; **Endpoints** and **EndpointSlices**
  (discovery.k8s.io/v1, label ``kubernetes.io/service-name``) for Services with a selector.
- A ``default`` **ServiceAccount** in every namespace; a Pod whose ServiceAccount is missing is
  refused (ReplicaSet / Deployment condition ReplicaFailure, reason FailedCreate).
- ``istio-system`` follows the cloud side (``products.asm.istio_namespace``); nothing new is
  made in a Terminating namespace. Cascading deletion is api.py's garbage collector (``tick``
  runs it before the controllers).
- One object that cannot be reconciled is reported on stderr and does not stop the others.

ASM mesh servers (``view.owner == "mesh"``): the **IstioGateway** controller
(asm-details.md section 2): a CR in ``istio-system`` makes, in each of its ``spec.clusterIds``
clusters that is joined to the mesh, the ServiceAccount, Service and Deployment ``istio-<name>``
in ``istio-system`` (Pod label ``istio: <name>``), and the CR status lists the Service's
LoadBalancer addresses. A cluster's own reconcile pulls its mesh's gateways too (a cluster API
server started after the CR was made still gets them), and removes what a deleted CR, a left
cluster or a deleted mesh no longer wants.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import ipaddress
import json
import math
import secrets
import sys
import traceback
from typing import Any

from ..products import asm, cs
from . import resources

CORE = ""
APPS = "apps"
DISCOVERY = "discovery.k8s.io"
ISTIO_GW_GROUP = "istio.alibabacloud.com"
ISTIO_GW_PLURAL = "istiogateways"
ISTIO_NS = "istio-system"
MANAGER = "kube-controller-manager"

POD_START_DELAY = "kube_pod_start"
GATEWAY_ADDRESS_DELAY = "kube_gateway_address"
BASE_DELAY = 2.0  # seconds at delay scale 1 (the shared plan)

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
# Deployment annotations the real controller does not copy to its ReplicaSets
# (kubernetes/kubernetes pkg/controller/deployment/util/deployment_util.go skipCopyAnnotation).
_NOT_COPIED = {
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    DESIRED,
    MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
}
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
SLICE_MANAGER = "endpointslice-controller.k8s.io"
INJECT = "sidecar.istio.io/inject"
SIDECAR_STATUS = "sidecar.istio.io/status"
# UNCONFIRMED: the marker ASM puts on what an IstioGateway generates (unknown); this emulator
# annotates the generated objects with ``<mesh id>/<CR name>`` to find them again.
GATEWAY_MARK = "asm.alibabacloud.com/istiogateway"
# UNCONFIRMED: how ASM marks the istio-system namespace it installs; this emulation annotates the
# one it makes with why it exists (products.asm.istio_namespace) to tell it from one a client made.
ISTIO_NS_MARK = "asm.alibabacloud.com/istio-system"
LB_NET_META = "kube_lb_net/"
LB_NEXT_META = "kube_lb_next"
GW_CLUSTERS_META = "kube_gw_clusters/"

# k8s.io/apimachinery pkg/util/rand: the alphabet of generated name suffixes and of
# SafeEncodeString (pod-template-hash).
_ALNUM = "bcdfghjklmnpqrstvwxz2456789"
DEFAULT_PROGRESS_DEADLINE = 600  # apps/v1 DeploymentSpec.progressDeadlineSeconds default
DEFAULT_REVISION_HISTORY = 10  # apps/v1 DeploymentSpec.revisionHistoryLimit default


# ------------------------------------------------------------------------------------------
# small helpers
# ------------------------------------------------------------------------------------------
def _iso(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ts(value: Any) -> float | None:
    """RFC 3339 (``...Z``) -> epoch seconds."""
    if not value:
        return None
    try:
        text = str(value).replace("Z", "+00:00")
        return _dt.datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def _due(since_iso: Any, delay: float, now: float) -> bool:
    """Whether ``delay`` seconds have passed since a second-resolution timestamp. The timestamp
    lost its fraction, so the wait counts from the next full second: never shorter than asked."""
    start = _ts(since_iso)
    if start is None:
        return True
    return now >= math.floor(start) + 1.0 + delay


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.setdefault("metadata", {})


def _name(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _ns(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def _uid(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("uid") or "")


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def _annotations(obj: dict[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def _terminating(obj: dict[str, Any]) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def _controller_ref(obj: dict[str, Any]) -> dict[str, Any] | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def _owner_ref(owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": owner.get("apiVersion"),
        "kind": owner.get("kind"),
        "name": _name(owner),
        "uid": _uid(owner),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _suffix(n: int = 5) -> str:
    return "".join(secrets.choice(_ALNUM) for _i in range(n))


def _fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def template_hash(template: dict[str, Any], collision_count: int | None = None) -> str:
    """The ``pod-template-hash``: FNV-32a of the template, the decimal digits mapped onto the
    safe alphabet (SafeEncodeString), as the real controller (controller_utils.go
    ComputeHash). UNCONFIRMED: the real hash is over Go's spew dump of the template, so the value
    differs from a real cluster's for the same template; its shape and stability are the same."""
    body = json.dumps(_strip_hash(template), sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        body += str(collision_count).encode()
    return "".join(_ALNUM[ord(c) % len(_ALNUM)] for c in str(_fnv32a(body)))


def _strip_hash(template: dict[str, Any]) -> dict[str, Any]:
    labels = ((template or {}).get("metadata") or {}).get("labels")
    if not labels or HASH_LABEL not in labels:
        return template or {}
    meta = {**template["metadata"], "labels": {k: v for k, v in labels.items() if k != HASH_LABEL}}
    return {**template, "metadata": meta}


def _int_or_percent(value: Any, total: int, round_up: bool, default: str) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if value is None:
        value = default
    if isinstance(value, int):
        return max(0, value)
    text = str(value).strip()
    if text.endswith("%"):
        try:
            pct = float(text[:-1])
        except ValueError:
            return 0
        raw = pct * total / 100.0
        return max(0, int(math.ceil(raw) if round_up else math.floor(raw)))
    try:
        return max(0, int(text))
    except ValueError:
        return 0


def _matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels / matchExpressions) against labels; empty selects nothing."""
    if not selector:
        return False
    ml = selector.get("matchLabels") or {}
    exprs = selector.get("matchExpressions") or []
    if not ml and not exprs:
        return False
    if any(labels.get(k) != v for k, v in ml.items()):
        return False
    return all(_expr_ok(e, labels) for e in exprs)


def _expr_ok(expr: dict[str, Any], labels: dict[str, str]) -> bool:
    key, op, values = expr.get("key"), expr.get("operator"), list(expr.get("values") or [])
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op in ("Gt", "Lt"):
        try:
            have, want = int(labels[key]), int(values[0])
        except (KeyError, ValueError, IndexError):
            return False
        return have > want if op == "Gt" else have < want
    return False


def _cond(obj: dict[str, Any], ctype: str) -> dict[str, Any] | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c
    return None


def _pod_ready(pod: dict[str, Any]) -> bool:
    c = _cond(pod, "Ready")
    return bool(c and c.get("status") == "True")


def _pod_available(pod: dict[str, Any], min_ready: int, now: float) -> bool:
    if not _pod_ready(pod):
        return False
    if min_ready <= 0:
        return True
    since = _ts((_cond(pod, "Ready") or {}).get("lastTransitionTime"))
    return since is not None and now >= since + min_ready


def _drop_empty(d: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """Omit zero / empty fields (``omitempty``), except ``keep``."""
    return {k: v for k, v in d.items() if k in keep or v not in (0, None, [], {}, "")}


class _Objects:
    """All objects of one API server read once (``view.all_objects``), by (group, plural)."""

    def __init__(self, view: Any) -> None:
        self.view = view
        self.version = 0  # bumped on every put / drop (for indexes built over these lists)
        self.by: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for group, plural, obj in view.all_objects():
            self.by.setdefault((group, plural), []).append(obj)

    def of(self, group: str, plural: str, namespace: str | None = None) -> list[dict[str, Any]]:
        items = self.by.get((group, plural)) or []
        if namespace is None:
            return list(items)
        return [o for o in items if _ns(o) == namespace]

    def find(self, group: str, plural: str, namespace: str, name: str) -> dict[str, Any] | None:
        for o in self.by.get((group, plural)) or []:
            if _name(o) == name and _ns(o) == namespace:
                return o
        return None

    def put(self, group: str, plural: str, obj: dict[str, Any] | None) -> dict[str, Any] | None:
        """Record a written object (created or replaced) in place of its old copy."""
        if obj is None:
            return None
        self.version += 1
        items = self.by.setdefault((group, plural), [])
        for i, o in enumerate(items):
            if _name(o) == _name(obj) and _ns(o) == _ns(obj):
                items[i] = obj
                return obj
        items.append(obj)
        return obj

    def drop(self, group: str, plural: str, obj: dict[str, Any]) -> None:
        self.version += 1
        items = self.by.get((group, plural)) or []
        self.by[(group, plural)] = [o for o in items if not (_name(o) == _name(obj) and _ns(o) == _ns(obj))]


def _write(view: Any, objs: _Objects, group: str, plural: str, old: dict[str, Any], new: dict[str, Any]) -> dict:
    """Replace ``old`` by ``new`` when they differ (spec / metadata; status kept)."""
    if new == old:
        return old
    return objs.put(group, plural, view.replace(new, manager=MANAGER)) or old


def _set_status(view: Any, objs: _Objects, group: str, plural: str, obj: dict[str, Any], status: dict) -> dict:
    if (obj.get("status") or {}) == status:
        return obj
    return objs.put(group, plural, view.set_status(group, plural, _ns(obj) or None, _name(obj), status)) or obj


def _create(view: Any, objs: _Objects, group: str, plural: str, obj: dict[str, Any]) -> dict[str, Any]:
    status = obj.pop("status", None)
    resources.apply_defaults(view, group, plural, obj)
    made = view.create(obj, manager=MANAGER)
    if status:
        made = view.set_status(group, plural, _ns(made) or None, _name(made), status)
    return objs.put(group, plural, made) or made


def _delete(view: Any, objs: _Objects, group: str, plural: str, obj: dict[str, Any]) -> None:
    view.delete(group, plural, _ns(obj) or None, _name(obj))
    gone = view.get(group, plural, _ns(obj) or None, _name(obj))
    if gone is None:
        objs.drop(group, plural, obj)
    else:
        objs.put(group, plural, gone)


def _guard(what: str, fn: Any, *args: Any) -> None:
    """Run one object's reconcile step; an object that cannot be reconciled (a shape the API
    accepted but this emulation cannot read) must not stop the others. What the step wrote stays
    (every step is idempotent: the next reconcile carries on); the error goes to stderr."""
    try:
        fn(*args)
    except Exception:  # pylint: disable=broad-except
        print(f"kube controllers: {what}: reconcile failed", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)


def _delay(view: Any, name: str) -> float:
    return float(view.ctx.delay(name, BASE_DELAY))


# ------------------------------------------------------------------------------------------
# entry point
# ------------------------------------------------------------------------------------------
def reconcile(view: Any) -> None:
    """Bring the API server's objects in line with the cloud and with each other (idempotent)."""
    if view.owner == "mesh":
        _reconcile_mesh(view)
    else:
        _reconcile_cluster(view)


def mesh_of_cluster(ctx: Any, cluster_id: str) -> dict[str, Any] | None:
    """The mesh document the cluster is a member of now (joins still pending do not count)."""
    for doc in ctx.store.list(asm.MESH_KIND):
        doc = asm.fold_membership(doc, ctx.now())
        if doc.get("State") == "deleting":
            continue
        if cluster_id in (doc.get("Clusters") or []):
            return doc
    return None


def proxy_image(mesh: dict[str, Any] | None) -> str:
    """``istio/proxyv2:<tag>``: the tag is the mesh's ProxyImageTag (DescribeServiceMeshDetail,
    the mesh Version here). UNCONFIRMED: ASM's registry path (ASM pulls from its own registry)."""
    tag = (mesh or {}).get("Version") or "UNCONFIRMED"
    return f"istio/proxyv2:{tag}"


class _Cluster:
    """What one cluster reconcile works with."""

    def __init__(self, view: Any, doc: dict[str, Any], mesh: dict[str, Any] | None) -> None:
        self.view = view
        self.ctx = view.ctx
        self.doc = doc
        self.mesh = mesh
        self.now = view.now()
        self.objs = _Objects(view)
        self.cloud_nodes: dict[str, dict[str, Any]] = {}
        self.nodes: dict[str, dict[str, Any]] = {}
        self.namespaces: dict[str, dict[str, Any]] = {}
        self._used_ips: set[str] | None = None
        self._vswitches: dict[str, dict[str, Any] | None] = {}
        self.created_rs: set[str] = set()
        self.rs_failures: dict[str, str] = {}  # ReplicaSet uid -> why its Pods cannot be made
        self.pod_index: tuple[int, dict[str, list[dict[str, Any]]]] | None = None


def _reconcile_cluster(view: Any) -> None:
    doc = cs.get_cluster(view.ctx, view.server_id)
    if doc is None:
        return
    st = _Cluster(view, doc, mesh_of_cluster(view.ctx, view.server_id))
    _sync_nodes(st)
    st.namespaces = {_name(n): n for n in st.objs.of(CORE, "namespaces")}
    _guard("istio-system", _sync_istio_namespace, st)
    _sync_service_accounts(st)
    _guard("IstioGateway objects", _sync_gateways_from_cluster, st)
    _evict_lost_nodes(st)
    for dep in sorted(st.objs.of(APPS, "deployments"), key=lambda d: (_ns(d), _name(d))):
        _guard(f"Deployment {_ns(dep)}/{_name(dep)}", _sync_deployment_replicasets, st, dep)
    for rs in sorted(st.objs.of(APPS, "replicasets"), key=lambda r: (_ns(r), _name(r))):
        _guard(f"ReplicaSet {_ns(rs)}/{_name(rs)}", _sync_replicaset_pods, st, rs)
    _sync_pods(st)
    for rs in st.objs.of(APPS, "replicasets"):
        _guard(f"ReplicaSet {_ns(rs)}/{_name(rs)} status", _sync_replicaset_status, st, rs)
    for dep in st.objs.of(APPS, "deployments"):
        _guard(f"Deployment {_ns(dep)}/{_name(dep)} status", _sync_deployment_status, st, dep)
    _sync_services(st)
    if st.mesh is not None:
        mesh_view = view.other(st.mesh["ServiceMeshId"])
        if mesh_view is not None:
            _guard("IstioGateway status", _sync_gateway_statuses, mesh_view, st.mesh)


# ------------------------------------------------------------------------------------------
# nodes
# ------------------------------------------------------------------------------------------
def _node_object(st: _Cluster, node: dict[str, Any]) -> dict[str, Any]:
    doc = st.doc
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/os": "linux",
        **dict(node.get("labels") or {}),
    }
    if node.get("instance_type"):
        labels["node.kubernetes.io/instance-type"] = node["instance_type"]
        labels["beta.kubernetes.io/instance-type"] = node["instance_type"]
    labels.setdefault("kubernetes.io/hostname", node["node_name"])
    spec: dict[str, Any] = {
        # UNCONFIRMED: ACK's providerID format ``<region>.<instance id>``.
        "providerID": f"{node.get('region_id')}.{node.get('instance_id')}",
    }
    if node.get("pod_cidr"):
        spec["podCIDR"] = node["pod_cidr"]
        spec["podCIDRs"] = [node["pod_cidr"]]
    taints = []
    for pool in doc.get("_nodepools") or []:
        if (pool.get("nodepool_info") or {}).get("nodepool_id") == node.get("nodepool_id"):
            for t in (pool.get("kubernetes_config") or {}).get("taints") or []:
                taint = {"key": t.get("key"), "effect": t.get("effect") or "NoSchedule"}
                if t.get("value"):
                    taint["value"] = t["value"]
                taints.append(taint)
    if taints:
        spec["taints"] = taints
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": node["node_name"], "labels": labels},
        "spec": spec,
    }


def _node_status(st: _Cluster, node: dict[str, Any]) -> dict[str, Any]:
    joined = _iso(float(node.get("_join_at") or st.now))
    version = str(st.doc.get("current_version") or "")
    runtime = "containerd://1.6.36"  # UNCONFIRMED: the runtime version reported by ACK nodes
    # UNCONFIRMED: capacity per instance type (the emulator reports one shape for all).
    capacity = {"cpu": "4", "memory": "15901408Ki", "pods": "64", "ephemeral-storage": "123722704Ki"}

    def cond(ctype: str, status: str, reason: str, message: str) -> dict[str, Any]:
        return {
            "type": ctype,
            "status": status,
            "lastHeartbeatTime": joined,
            "lastTransitionTime": joined,
            "reason": reason,
            "message": message,
        }

    return {
        "addresses": [
            {"type": "InternalIP", "address": node["ip"]},
            {"type": "Hostname", "address": node["node_name"]},
        ],
        "allocatable": dict(capacity),
        "capacity": dict(capacity),
        "conditions": [
            cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "architecture": "amd64",
            "bootID": _stable_id(node["instance_id"], "boot"),
            "containerRuntimeVersion": runtime,
            "kernelVersion": "5.10.134-16.3.al8.x86_64",  # UNCONFIRMED
            "kubeProxyVersion": f"v{version}" if version else "",
            "kubeletVersion": f"v{version}" if version else "",
            "machineID": _stable_id(node["instance_id"], "machine").replace("-", ""),
            "operatingSystem": "linux",
            "osImage": "Alibaba Cloud Linux 3.2104 U10 (OpenAnolis Edition)",  # UNCONFIRMED
            "systemUUID": _stable_id(node["instance_id"], "system"),
        },
    }


def _stable_id(seed: str, what: str) -> str:
    h = hashlib.sha256(f"{seed}/{what}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _sync_nodes(st: _Cluster) -> None:
    view, objs = st.view, st.objs
    ready = cs.cluster_nodes(st.doc, st.now)
    st.cloud_nodes = {n["node_name"]: n for n in ready}
    existing = {_name(n): n for n in objs.of(CORE, "nodes")}
    for name, obj in existing.items():
        if name not in st.cloud_nodes:
            _delete(view, objs, CORE, "nodes", obj)
    for name, node in st.cloud_nodes.items():
        want = _node_object(st, node)
        obj = existing.get(name)
        if obj is None:
            want["status"] = _node_status(st, node)
            obj = _create(view, objs, CORE, "nodes", want)
        else:
            meta = obj.get("metadata") or {}
            # the cloud's labels win; labels added with kubectl stay (kubelet only sets its own)
            spec = dict(obj.get("spec") or {})
            for key in ("providerID", "podCIDR", "podCIDRs"):
                if key in want["spec"]:
                    spec[key] = want["spec"][key]
            new = {
                **obj,
                "metadata": {**meta, "labels": {**(meta.get("labels") or {}), **want["metadata"]["labels"]}},
                "spec": spec,
            }
            obj = _write(view, objs, CORE, "nodes", obj, new)
            obj = _set_status(view, objs, CORE, "nodes", obj, _node_status(st, node))
        st.nodes[name] = obj


def _sync_service_accounts(st: _Cluster) -> None:
    """The ServiceAccount controller: a ``default`` ServiceAccount in every Active namespace."""
    for name, ns in sorted(st.namespaces.items()):
        if not _terminating(ns) and st.objs.find(CORE, "serviceaccounts", name, "default") is None:
            sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": name}}
            _guard(f"ServiceAccount {name}/default", _create, st.view, st.objs, CORE, "serviceaccounts", sa)


def _ensure_namespace(view: Any, objs: _Objects, name: str, annotations: dict | None = None) -> dict[str, Any]:
    found = objs.find(CORE, "namespaces", "", name)
    if found is not None:
        return found
    meta: dict[str, Any] = {"name": name}
    if annotations:
        meta["annotations"] = dict(annotations)
    return _create(view, objs, CORE, "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": meta})


def _sync_istio_namespace(st: _Cluster) -> None:
    """``istio-system`` as the cloud side knows it (``products.asm.istio_namespace``): ASM
    installs its data-plane components there in a member (or joining) cluster, a leave with
    ReserveNamespace keeps it, the ``istio_system_namespace`` scenario fault stands for one made
    by hand. When the cloud side says there is none any more (a leave without ReserveNamespace),
    the one this emulation made goes (Terminating, then gone with its objects). UNCONFIRMED: the
    namespace's labels; a namespace a client made itself is never touched."""
    reason = asm.istio_namespace(st.ctx, st.view.server_id)
    found = st.objs.find(CORE, "namespaces", "", ISTIO_NS)
    if reason and found is None:
        found = _ensure_namespace(st.view, st.objs, ISTIO_NS, {ISTIO_NS_MARK: reason})
    elif not reason and found is not None and ISTIO_NS_MARK in _annotations(found) and not _terminating(found):
        _delete(st.view, st.objs, CORE, "namespaces", found)
        found = st.objs.find(CORE, "namespaces", "", ISTIO_NS)
    if found is not None:
        st.namespaces[ISTIO_NS] = found


# ------------------------------------------------------------------------------------------
# lost nodes (garbage collection of dependents is api.py's tick, before the controllers)
# ------------------------------------------------------------------------------------------
def _evict_lost_nodes(st: _Cluster) -> None:
    """Pods bound to a node that is no longer Ready (left the cluster) go; their ReplicaSets make
    new ones on the nodes left. (ACK drains a node it removes.)"""
    for pod in st.objs.of(CORE, "pods"):
        node = (pod.get("spec") or {}).get("nodeName")
        if node and node not in st.nodes and not _terminating(pod):
            _delete(st.view, st.objs, CORE, "pods", pod)


# ------------------------------------------------------------------------------------------
# Deployments -> ReplicaSets
# ------------------------------------------------------------------------------------------
def _replicas(obj: dict[str, Any], default: int = 1) -> int:
    val = (obj.get("spec") or {}).get("replicas")
    try:
        return default if val is None else max(0, int(val))
    except (TypeError, ValueError):
        return default


def _revision(rs: dict[str, Any]) -> int:
    try:
        return int(_annotations(rs).get(REVISION) or 0)
    except ValueError:
        return 0


def _owned(objs: list[dict[str, Any]], owner: dict[str, Any]) -> list[dict[str, Any]]:
    uid = _uid(owner)
    return [o for o in objs if (_controller_ref(o) or {}).get("uid") == uid and not _terminating(o)]


def _surge_unavailable(dep: dict[str, Any], replicas: int) -> tuple[int, int]:
    strategy = (dep.get("spec") or {}).get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0, 0
    ru = strategy.get("rollingUpdate") or {}
    surge = _int_or_percent(ru.get("maxSurge"), replicas, True, "25%")
    unavail = _int_or_percent(ru.get("maxUnavailable"), replicas, False, "25%")
    if surge == 0 and unavail == 0:
        unavail = 1  # deployment_util.go ResolveFenceposts
    return surge, min(unavail, replicas)


def _rs_for(st: _Cluster, dep: dict[str, Any], h: str, revision: int, replicas: int, surge: int) -> dict:
    spec = dep.get("spec") or {}
    tmpl = copy.deepcopy(spec.get("template") or {})
    tmeta = tmpl.setdefault("metadata", {})
    tmeta["labels"] = {**(tmeta.get("labels") or {}), HASH_LABEL: h}
    selector = copy.deepcopy(spec.get("selector") or {})
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: h}
    annotations = {k: v for k, v in _annotations(dep).items() if k not in _NOT_COPIED}
    annotations.update(
        {
            DESIRED: str(_replicas(dep)),
            MAX_REPLICAS: str(_replicas(dep) + surge),
            REVISION: str(revision),
        }
    )
    rs_spec: dict[str, Any] = {"replicas": replicas, "selector": selector, "template": tmpl}
    if spec.get("minReadySeconds"):
        rs_spec["minReadySeconds"] = spec["minReadySeconds"]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{_name(dep)}-{h}",
            "namespace": _ns(dep),
            "labels": dict(tmeta["labels"]),
            "annotations": annotations,
            "ownerReferences": [_owner_ref(dep)],
        },
        "spec": rs_spec,
    }


def _ns_terminating(st: _Cluster, namespace: str) -> bool:
    ns = st.namespaces.get(namespace)
    return ns is None or _terminating(ns)


_HASHES: dict[tuple, str] = {}  # (uid, generation, collisionCount) -> hash; a template changes only with generation


def _dep_hash(st: _Cluster, dep: dict[str, Any]) -> str:
    collision = (dep.get("status") or {}).get("collisionCount")
    key = (_uid(dep), _meta(dep).get("generation"), collision)
    found = _HASHES.get(key)
    if found is None:
        found = template_hash((dep.get("spec") or {}).get("template") or {}, collision)
        if len(_HASHES) > 4096:
            _HASHES.clear()
        _HASHES[key] = found
    return found


def _pods_of(st: _Cluster, rs: dict[str, Any]) -> list[dict[str, Any]]:
    """The live (not terminating) Pods the ReplicaSet controls (an index rebuilt after Pod writes)."""
    if st.pod_index is None or st.pod_index[0] != st.objs.version:
        index: dict[str, list[dict[str, Any]]] = {}
        for pod in st.objs.of(CORE, "pods"):
            ref = _controller_ref(pod)
            if ref is not None and not _terminating(pod):
                index.setdefault(str(ref.get("uid") or ""), []).append(pod)
        st.pod_index = (st.objs.version, index)
    return [p for p in st.pod_index[1].get(_uid(rs), []) if _ns(p) == _ns(rs)]


def _available_of(st: _Cluster, rs: dict[str, Any]) -> int:
    min_ready = int((rs.get("spec") or {}).get("minReadySeconds") or 0)
    return sum(1 for p in _pods_of(st, rs) if _pod_available(p, min_ready, st.now))


def _sync_deployment_replicasets(st: _Cluster, dep: dict[str, Any]) -> None:
    view, objs = st.view, st.objs
    if _terminating(dep) or _ns_terminating(st, _ns(dep)):
        return  # the API server refuses new objects in a Terminating namespace
    spec = dep.get("spec") or {}
    replicas = _replicas(dep)
    surge, max_unavailable = _surge_unavailable(dep, replicas)
    h = _dep_hash(st, dep)
    owned = _owned(objs.of(APPS, "replicasets", _ns(dep)), dep)
    new_rs = next((r for r in owned if _labels(r).get(HASH_LABEL) == h), None)
    olds = sorted((r for r in owned if r is not new_rs), key=lambda r: (_revision(r), _name(r)))
    max_rev = max([_revision(r) for r in owned] or [0])
    recreate = (spec.get("strategy") or {}).get("type") == "Recreate"
    if spec.get("paused"):
        return

    if new_rs is None:
        active_old = [r for r in olds if _replicas(r, 0) > 0 or _pods_of(st, r)]
        if not active_old:
            start = replicas
        elif recreate:
            start = 0
        else:
            total = sum(_replicas(r, 0) for r in olds)
            start = max(0, min(replicas, replicas + surge - total))
        want = _rs_for(st, dep, h, max_rev + 1, start, surge)
        new_rs = _create(view, objs, APPS, "replicasets", want)
        st.created_rs.add(_uid(new_rs))
    else:
        rev = _revision(new_rs) if _revision(new_rs) >= max_rev else max_rev + 1
        ann = _annotations(new_rs)
        changed = {**new_rs, "metadata": {**(new_rs.get("metadata") or {}), "annotations": ann}}
        ann[REVISION] = str(rev)
        ann[DESIRED] = str(replicas)
        ann[MAX_REPLICAS] = str(replicas + surge)
        for k, v in _annotations(dep).items():
            if k not in _NOT_COPIED:
                ann[k] = v
        new_rs = _write(view, objs, APPS, "replicasets", new_rs, changed)

    # -- scale: the new ReplicaSet up, the old ones down ------------------------------------
    active_old = [r for r in olds if _replicas(r, 0) > 0]
    if recreate:
        for r in active_old:
            _scale_rs(st, r, 0)
        if any(_pods_of(st, r) for r in olds):
            return  # Recreate waits until every old Pod is gone
        _scale_rs(st, new_rs, replicas)
        return
    if not active_old:
        _scale_rs(st, new_rs, replicas)
        return
    new_count = _replicas(new_rs, 0)
    if new_count > replicas:
        _scale_rs(st, new_rs, replicas)
    elif new_count < replicas:
        total = new_count + sum(_replicas(r, 0) for r in active_old)
        room = replicas + surge - total
        if room > 0:
            new_rs = _scale_rs(st, new_rs, new_count + min(room, replicas - new_count))
    # scale the old ones down as far as availability allows (rolling.go reconcileOldReplicaSets)
    all_count = _replicas(new_rs, 0) + sum(_replicas(r, 0) for r in active_old)
    min_available = replicas - max_unavailable
    new_unavailable = max(0, _replicas(new_rs, 0) - _available_of(st, new_rs))
    budget = all_count - min_available - new_unavailable
    # old replicas that are not available are removed first (cleanupUnhealthyReplicas)
    for r in active_old:
        if budget <= 0:
            break
        unhealthy = _replicas(r, 0) - _available_of(st, r)
        cut = min(max(0, unhealthy), budget, _replicas(r, 0))
        if cut > 0:
            _scale_rs(st, r, _replicas(r, 0) - cut)
            budget -= cut
    available_total = _available_of(st, new_rs) + sum(_available_of(st, r) for r in active_old)
    budget = available_total - min_available
    for r in active_old:
        if budget <= 0:
            break
        cut = min(_replicas(r, 0), budget)
        if cut > 0:
            _scale_rs(st, r, _replicas(r, 0) - cut)
            budget -= cut
    _trim_history(st, dep, olds)


def _scale_rs(st: _Cluster, rs: dict[str, Any], count: int) -> dict[str, Any]:
    if _replicas(rs, 0) == count and (rs.get("spec") or {}).get("replicas") is not None:
        return rs
    new = copy.deepcopy(rs)
    new.setdefault("spec", {})["replicas"] = count
    return _write(st.view, st.objs, APPS, "replicasets", rs, new)


def _trim_history(st: _Cluster, dep: dict[str, Any], olds: list[dict[str, Any]]) -> None:
    limit = (dep.get("spec") or {}).get("revisionHistoryLimit")
    limit = DEFAULT_REVISION_HISTORY if limit is None else int(limit)
    idle = [r for r in olds if _replicas(r, 0) == 0 and not _pods_of(st, r)]
    for r in idle[: max(0, len(idle) - limit)]:
        _delete(st.view, st.objs, APPS, "replicasets", r)


# ------------------------------------------------------------------------------------------
# ReplicaSets -> Pods
# ------------------------------------------------------------------------------------------
def _sync_replicaset_pods(st: _Cluster, rs: dict[str, Any]) -> None:
    if _terminating(rs) or _ns_terminating(st, _ns(rs)):
        return
    ref = _controller_ref(rs)
    if ref is not None and ref.get("kind") == "Deployment":
        if not any(_uid(d) == ref.get("uid") for d in st.objs.of(APPS, "deployments", _ns(rs))):
            return  # its Deployment went: the garbage collector takes it
    pods = _pods_of(st, rs)
    want = _replicas(rs)
    if len(pods) < want:
        tmpl_spec = ((rs.get("spec") or {}).get("template") or {}).get("spec") or {}
        sa = tmpl_spec.get("serviceAccountName") or tmpl_spec.get("serviceAccount") or "default"
        if st.objs.find(CORE, "serviceaccounts", _ns(rs), sa) is None:
            # the ServiceAccount admission plugin refuses the Pod; the ReplicaSet reports it
            st.rs_failures[_uid(rs)] = (
                f'pods "{_name(rs)}-" is forbidden: error looking up service account {_ns(rs)}/{sa}: '
                f'serviceaccount "{sa}" not found'
            )
            return
        taken = {_name(p) for p in st.objs.of(CORE, "pods", _ns(rs))}
        for _i in range(want - len(pods)):
            _create_pod(st, rs, taken)
    elif len(pods) > want:
        # controller.ActivePodsWithRanks: unscheduled, then pending, then not ready, newest first
        def rank(p: dict[str, Any]) -> tuple:
            scheduled = bool((p.get("spec") or {}).get("nodeName"))
            phase = (p.get("status") or {}).get("phase")
            created = _ts(_meta(p).get("creationTimestamp")) or 0.0
            return (scheduled, phase == "Running", _pod_ready(p), -created, _name(p))

        for pod in sorted(pods, key=rank)[: len(pods) - want]:
            _delete(st.view, st.objs, CORE, "pods", pod)


def _create_pod(st: _Cluster, rs: dict[str, Any], taken: set[str]) -> dict[str, Any]:
    tmpl = copy.deepcopy((rs.get("spec") or {}).get("template") or {})
    tmeta = tmpl.get("metadata") or {}
    name = f"{_name(rs)}-{_suffix()}"
    while name in taken:
        name = f"{_name(rs)}-{_suffix()}"
    taken.add(name)
    meta: dict[str, Any] = {
        "name": name,
        "generateName": f"{_name(rs)}-",
        "namespace": _ns(rs),
        "labels": dict(tmeta.get("labels") or {}),
        "ownerReferences": [_owner_ref(rs)],
    }
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": _admission_defaults(tmpl.get("spec") or {})}
    admit_pod(st.view, pod, st.namespaces.get(_ns(rs)), st.mesh)
    return _create(st.view, st.objs, CORE, "pods", pod)


def _admission_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    """What the API server's defaulting and admission add to a Pod spec (core/v1 defaults,
    ServiceAccount and DefaultTolerationSeconds admission)."""
    spec = copy.deepcopy(spec)  # a new Pod's own spec
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = sa
    spec["serviceAccount"] = sa
    tolerations = list(spec.get("tolerations") or [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(t.get("key") == key for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300})
    spec["tolerations"] = tolerations
    return spec


# ------------------------------------------------------------------------------------------
# sidecar injection (admission)
# ------------------------------------------------------------------------------------------
def wants_sidecar(pod: dict[str, Any], namespace: dict[str, Any] | None, mesh: dict[str, Any] | None) -> bool:
    """Istio's default injection policy (asm-details.md section 3). UNCONFIRMED: ASM injects only
    in clusters joined to a mesh (``mesh`` None: never)."""
    if mesh is None:
        return False
    spec = pod.get("spec") or {}
    if spec.get("hostNetwork"):
        return False
    if any(c.get("name") == "istio-proxy" for c in spec.get("containers") or []):
        return False
    pod_flag = _annotations(pod).get(INJECT, _labels(pod).get(INJECT))
    if str(pod_flag).lower() == "false":
        return False
    ns_label = _labels(namespace or {}).get("istio-injection")
    if ns_label == "enabled":
        return True
    return ns_label != "disabled" and _labels(pod).get(INJECT) == "true"


_SIDECAR_VOLUMES = [
    {"name": "workload-socket", "emptyDir": {}},
    {"name": "credential-socket", "emptyDir": {}},
    {"name": "workload-certs", "emptyDir": {}},
    {"name": "istio-envoy", "emptyDir": {"medium": "Memory"}},
    {"name": "istio-data", "emptyDir": {}},
    {
        "name": "istio-podinfo",
        "downwardAPI": {
            "items": [
                {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}},
            ]
        },
    },
    {
        "name": "istio-token",
        "projected": {
            "sources": [
                {"serviceAccountToken": {"audience": "istio-ca", "expirationSeconds": 43200, "path": "istio-token"}}
            ]
        },
    },
    {"name": "istiod-ca-cert", "configMap": {"name": "istio-ca-root-cert"}},
]


def _proxy_env(cluster_id: str, mesh_id: str) -> list[dict[str, Any]]:
    def field(name: str, path: str) -> dict[str, Any]:
        return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}}

    return [
        {"name": "PILOT_CERT_PROVIDER", "value": "istiod"},
        {"name": "CA_ADDR", "value": "istiod.istio-system.svc:15012"},
        field("POD_NAME", "metadata.name"),
        field("POD_NAMESPACE", "metadata.namespace"),
        field("INSTANCE_IP", "status.podIP"),
        field("SERVICE_ACCOUNT", "spec.serviceAccountName"),
        field("HOST_IP", "status.hostIP"),
        {"name": "ISTIO_META_CLUSTER_ID", "value": cluster_id},
        {"name": "ISTIO_META_MESH_ID", "value": mesh_id},
    ]


def _proxy_mounts() -> list[dict[str, Any]]:
    return [
        {"mountPath": "/var/run/secrets/workload-spiffe-uds", "name": "workload-socket"},
        {"mountPath": "/var/run/secrets/credential-uds", "name": "credential-socket"},
        {"mountPath": "/var/run/secrets/workload-spiffe-credentials", "name": "workload-certs"},
        {"mountPath": "/var/run/secrets/istio", "name": "istiod-ca-cert"},
        {"mountPath": "/var/lib/istio/data", "name": "istio-data"},
        {"mountPath": "/etc/istio/proxy", "name": "istio-envoy"},
        {"mountPath": "/var/run/secrets/tokens", "name": "istio-token"},
        {"mountPath": "/etc/istio/pod", "name": "istio-podinfo"},
    ]


def admit_pod(view: Any, pod: dict[str, Any], namespace: dict[str, Any] | None, mesh: dict[str, Any] | None) -> bool:
    """The sidecar injector's mutation of a Pod being created (in place); True when injected.
    Shapes follow Istio's default injection template (istio-init, istio-proxy last, the
    ``sidecar.istio.io/status`` annotation, the canonical labels). UNCONFIRMED: ASM's template in
    detail (CNI instead of istio-init, resources, env)."""
    if not wants_sidecar(pod, namespace, mesh):
        return False
    assert mesh is not None
    image = proxy_image(mesh)
    spec = pod.setdefault("spec", {})
    meta = _meta(pod)
    labels = meta.setdefault("labels", {})
    annotations = meta.setdefault("annotations", {})
    containers = spec.setdefault("containers", [])
    first = containers[0]["name"] if containers else "istio-proxy"
    init = {
        "name": "istio-init",
        "image": image,
        "args": [
            "istio-iptables",
            "-p",
            "15001",
            "-z",
            "15006",
            "-u",
            "1337",
            "-m",
            "REDIRECT",
            "-i",
            "*",
            "-x",
            "",
            "-b",
            "*",
            "-d",
            "15090,15021,15020",
            "--log_output_level=default:info",
        ],
        "resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "10m", "memory": "40Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": False,
            "runAsGroup": 0,
            "runAsNonRoot": False,
            "runAsUser": 0,
        },
    }
    proxy = {
        "name": "istio-proxy",
        "image": image,
        "args": [
            "proxy",
            "sidecar",
            "--domain",
            "$(POD_NAMESPACE).svc.cluster.local",
            "--proxyLogLevel=warning",
            "--proxyComponentLogLevel=misc:error",
            "--log_output_level=default:info",
        ],
        "env": _proxy_env(view.server_id, str(mesh.get("ServiceMeshId") or "")),
        "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
        "readinessProbe": {
            "failureThreshold": 4,
            "httpGet": {"path": "/healthz/ready", "port": 15021, "scheme": "HTTP"},
            "periodSeconds": 15,
            "successThreshold": 1,
            "timeoutSeconds": 3,
        },
        "resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsGroup": 1337,
            "runAsNonRoot": True,
            "runAsUser": 1337,
        },
        "volumeMounts": _proxy_mounts(),
    }
    spec["initContainers"] = [init, *(spec.get("initContainers") or [])]
    containers.append(proxy)
    have = {v.get("name") for v in spec.get("volumes") or []}
    spec["volumes"] = [
        *(spec.get("volumes") or []),
        *[copy.deepcopy(v) for v in _SIDECAR_VOLUMES if v["name"] not in have],
    ]
    app = labels.get("app.kubernetes.io/name") or labels.get("app") or meta.get("generateName", "").rstrip("-")
    labels.setdefault("security.istio.io/tlsMode", "istio")
    labels.setdefault("service.istio.io/canonical-name", app or _name(pod))
    labels.setdefault(
        "service.istio.io/canonical-revision",
        labels.get("app.kubernetes.io/version") or labels.get("version") or "latest",
    )
    annotations.setdefault("kubectl.kubernetes.io/default-container", first)
    annotations.setdefault("kubectl.kubernetes.io/default-logs-container", first)
    annotations.setdefault("istio.io/rev", "default")
    annotations.setdefault("prometheus.io/path", "/stats/prometheus")
    annotations.setdefault("prometheus.io/port", "15020")
    annotations.setdefault("prometheus.io/scrape", "true")
    annotations[SIDECAR_STATUS] = json.dumps(
        {
            "initContainers": ["istio-init"],
            "containers": ["istio-proxy"],
            "volumes": [v["name"] for v in _SIDECAR_VOLUMES],
            "imagePullSecrets": None,
            "revision": "default",
        },
        separators=(",", ":"),
    )
    return True


def inject_on_create(view: Any, pod: dict[str, Any]) -> bool:
    """For api.py's Pod create path (the injector is a mutating admission webhook): inject the
    sidecar into ``pod`` in place when the cluster is a mesh member and the policy says so."""
    if view.owner != "cluster":
        return False
    namespace = view.get(CORE, "namespaces", None, _ns(pod) or "default")
    return admit_pod(view, pod, namespace, mesh_of_cluster(view.ctx, view.server_id))


# ------------------------------------------------------------------------------------------
# scheduling, Pod IPs, Pod status
# ------------------------------------------------------------------------------------------
def _tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        op = t.get("operator") or "Equal"
        if not t.get("key"):
            if op == "Exists":
                return True
            continue
        if t.get("key") != taint.get("key"):
            continue
        if op == "Exists" or str(t.get("value") or "") == str(taint.get("value") or ""):
            return True
    return False


def _feasible(pod: dict[str, Any], node: dict[str, Any]) -> str | None:
    """None when the Pod fits the node, else the scheduler's reason."""
    spec = pod.get("spec") or {}
    labels = _labels(node)
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
        return "didn't match Pod's node affinity/selector"
    required = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
        or {}
    ).get("nodeSelectorTerms")
    if required and not any(all(_expr_ok(e, labels) for e in t.get("matchExpressions") or []) for t in required):
        return "didn't match Pod's node affinity/selector"
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not _tolerates(spec.get("tolerations") or [], taint):
            return f"had untolerated taint {{{taint.get('key')}: {taint.get('value', '')}}}"
    return None


def _schedule(st: _Cluster, pod: dict[str, Any], load: dict[str, int], owner_load: dict[tuple, int]) -> tuple:
    """``(node name, None)`` or ``(None, unschedulable message)``."""
    nodes = sorted(st.nodes.values(), key=_name)
    if not nodes:
        return None, "0/0 nodes are available: no nodes available to schedule pods."
    reasons: dict[str, int] = {}
    fits = []
    for node in nodes:
        why = _feasible(pod, node)
        if why is None:
            fits.append(node)
        else:
            reasons[why] = reasons.get(why, 0) + 1
    if not fits:
        parts = ", ".join(f"{n} node(s) {r}" for r, n in sorted(reasons.items()))
        return None, f"0/{len(nodes)} nodes are available: {parts}."
    owner = (_controller_ref(pod) or {}).get("uid", "")
    best = min(fits, key=lambda n: (owner_load.get((owner, _name(n)), 0), load.get(_name(n), 0), _name(n)))
    return _name(best), None


def _node_ips(st: _Cluster) -> set[str]:
    if st._used_ips is None:
        used = set()
        for pod in st.objs.of(CORE, "pods"):
            ip = (pod.get("status") or {}).get("podIP")
            if ip:
                used.add(ip)
        for cl in st.ctx.store.list(cs.CLUSTER_KIND):
            for n in cl.get("_nodes") or []:
                if n.get("ip"):
                    used.add(n["ip"])
        st._used_ips = used
    return st._used_ips


def _vswitch(st: _Cluster, vsw_id: str) -> dict[str, Any] | None:
    if vsw_id not in st._vswitches:
        st._vswitches[vsw_id] = st.ctx.store.get("vswitch", vsw_id)
    return st._vswitches[vsw_id]


def _alloc_pod_ip(st: _Cluster, node_name: str) -> str | None:
    node = st.cloud_nodes.get(node_name) or {}
    used = _node_ips(st)
    if node.get("pod_cidr"):  # Flannel: the node's slice, .1 is cni0
        net = ipaddress.ip_network(node["pod_cidr"], strict=False)
        for i in range(2, net.num_addresses - 1):
            ip = str(net.network_address + i)
            if ip not in used:
                used.add(ip)
                return ip
        return None
    # Terway: the cluster's Pod vSwitch in the node's zone (SDK CreateClusterRequest
    # pod_vswitch_ids); UNCONFIRMED: the order Terway hands out addresses (top down here) and that
    # Pods of another cluster sharing the vSwitch are not looked at.
    for vsw_id in st.doc.get("_pod_vswitch_ids") or []:
        vsw = _vswitch(st, vsw_id)
        if not vsw or vsw.get("ZoneId") != node.get("zone_id"):
            continue
        net = ipaddress.ip_network(vsw.get("CidrBlock") or "0.0.0.0/32", strict=False)
        # the addresses products/cs.py _alloc_ip leaves out: the first host and the last three
        for i in range(net.num_addresses - 5, 1, -1):
            ip = str(net.network_address + i)
            if ip not in used:
                used.add(ip)
                return ip
    return None


def _container_names(pod: dict[str, Any], key: str = "containers") -> list[tuple[str, str]]:
    return [(c.get("name", ""), c.get("image", "")) for c in (pod.get("spec") or {}).get(key) or []]


def _qos(pod: dict[str, Any]) -> str:
    requests, limits, guaranteed = False, False, True
    for c in (pod.get("spec") or {}).get("containers") or []:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        requests = requests or bool(req)
        limits = limits or bool(lim)
        for r in ("cpu", "memory"):
            if r not in lim or req.get(r, lim.get(r)) != lim.get(r):
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _digest(image: str) -> str:
    return hashlib.sha256(image.encode()).hexdigest()


def _pod_status(st: _Cluster, pod: dict[str, Any], running: bool, since: str, start: str) -> dict[str, Any]:
    node = st.cloud_nodes.get((pod.get("spec") or {}).get("nodeName") or "") or {}
    old = pod.get("status") or {}
    names = [pair[0] for pair in _container_names(pod)]
    inits = _container_names(pod, "initContainers")

    def cond(ctype: str, ok: bool, reason: str | None = None, message: str | None = None) -> dict[str, Any]:
        c: dict[str, Any] = {
            "type": ctype,
            "status": "True" if ok else "False",
            "lastProbeTime": None,
            "lastTransitionTime": (
                since if ctype not in ("PodScheduled", "Initialized", "PodReadyToStartContainers") else start
            ),
        }
        if reason:
            c["reason"] = reason
        if message:
            c["message"] = message
        return c

    unready = None if running else f"containers with unready status: [{' '.join(names)}]"
    conditions = [
        cond("PodReadyToStartContainers", True),
        cond("Initialized", True),
        cond("Ready", running, None if running else "ContainersNotReady", unready),
        cond("ContainersReady", running, None if running else "ContainersNotReady", unready),
        cond("PodScheduled", True),
    ]

    def cstatus(name: str, image: str, index: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": name,
            "image": image,
            "imageID": f"{image.split(':')[0]}@sha256:{_digest(image)}" if running else "",
            "ready": running,
            "restartCount": 0,
            "started": running,
            "lastState": {},
        }
        if running:
            out["containerID"] = "containerd://" + _digest(f"{_uid(pod)}/{name}/{index}")
            out["state"] = {"running": {"startedAt": since}}
        else:
            out["state"] = {"waiting": {"reason": "ContainerCreating"}}
        return out

    status: dict[str, Any] = {
        "phase": "Running" if running else "Pending",
        "conditions": conditions,
        "hostIP": node.get("ip") or old.get("hostIP"),
        "hostIPs": [{"ip": node.get("ip") or old.get("hostIP")}],
        "podIP": old.get("podIP"),
        "podIPs": [{"ip": old.get("podIP")}],
        "startTime": start,
        "qosClass": _qos(pod),
        "containerStatuses": [cstatus(n, img, i) for i, (n, img) in enumerate(_container_names(pod))],
    }
    if inits:
        status["initContainerStatuses"] = [
            {
                "name": n,
                "image": img,
                "imageID": f"{img.split(':')[0]}@sha256:{_digest(img)}",
                "containerID": "containerd://" + _digest(f"{_uid(pod)}/init/{n}"),
                "ready": True,
                "restartCount": 0,
                "started": False,
                "lastState": {},
                "state": {
                    "terminated": {
                        "exitCode": 0,
                        "reason": "Completed",
                        "startedAt": start,
                        "finishedAt": start,
                        "containerID": "containerd://" + _digest(f"{_uid(pod)}/init/{n}"),
                    }
                },
            }
            for n, img in inits
        ]
    return status


def _sync_pods(st: _Cluster) -> None:
    view, objs = st.view, st.objs
    pods = sorted(objs.of(CORE, "pods"), key=lambda p: (_ts(_meta(p).get("creationTimestamp")) or 0, _name(p)))
    load: dict[str, int] = {}
    owner_load: dict[tuple, int] = {}
    for p in pods:
        node = (p.get("spec") or {}).get("nodeName")
        if node:
            load[node] = load.get(node, 0) + 1
            owner = (_controller_ref(p) or {}).get("uid", "")
            owner_load[(owner, node)] = owner_load.get((owner, node), 0) + 1
    delay = _delay(view, POD_START_DELAY)
    now_iso = _iso(st.now)
    for pod in pods:
        _guard(f"Pod {_ns(pod)}/{_name(pod)}", _sync_pod, st, pod, load, owner_load, delay, now_iso)


def _sync_pod(
    st: _Cluster, pod: dict[str, Any], load: dict[str, int], owner_load: dict[tuple, int], delay: float, now_iso: str
) -> None:
    """Inject (a bare Pod), schedule, give an address, turn Running when due."""
    view, objs = st.view, st.objs
    if _terminating(pod):
        return
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    if not spec.get("nodeName") and _controller_ref(pod) is None and SIDECAR_STATUS not in _annotations(pod):
        # A Pod a client created: the injector is an admission webhook in a real cluster;
        # api.py may call admit_pod at create, else it happens here, before scheduling.
        injected = copy.deepcopy(pod)
        if admit_pod(view, injected, st.namespaces.get(_ns(pod)), st.mesh):
            pod = _write(view, objs, CORE, "pods", pod, injected)
    if not spec.get("nodeName"):
        node, why = _schedule(st, pod, load, owner_load)
        if node is None:
            cond = _cond(pod, "PodScheduled") or {}
            if cond.get("reason") == "Unschedulable" and cond.get("message") == why:
                return
            pending = {
                "phase": "Pending",
                "qosClass": _qos(pod),
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "lastProbeTime": None,
                        "lastTransitionTime": cond.get("lastTransitionTime") or now_iso,
                        "reason": "Unschedulable",
                        "message": why,
                    }
                ],
            }
            _set_status(view, objs, CORE, "pods", pod, pending)
            return
        bound = copy.deepcopy(pod)
        bound.setdefault("spec", {})["nodeName"] = node
        pod = _write(view, objs, CORE, "pods", pod, bound)
        load[node] = load.get(node, 0) + 1
        owner = (_controller_ref(pod) or {}).get("uid", "")
        owner_load[(owner, node)] = owner_load.get((owner, node), 0) + 1
        status = {}
    node_name = pod["spec"]["nodeName"]
    if node_name not in st.nodes:
        return  # a lost node: _evict_lost_nodes deleted it (bare Pods named to a ghost wait)
    if status.get("phase") in ("Running", "Succeeded", "Failed"):
        return
    start = status.get("startTime") if status.get("podIP") else None
    if not start:
        if (pod.get("spec") or {}).get("hostNetwork"):
            ip = (st.cloud_nodes.get(node_name) or {}).get("ip")  # a host-network Pod has its node's address
        else:
            ip = _alloc_pod_ip(st, node_name)
        if ip is None:
            return  # no free address: stays Pending, tried again next time
        fresh = {"podIP": ip}
        pod = copy.deepcopy(pod)
        pod["status"] = fresh
        new = _pod_status(st, pod, False, now_iso, now_iso)
        pod = _set_status(view, objs, CORE, "pods", pod, new)
        start = now_iso
    if _due(start, delay, st.now):
        _set_status(view, objs, CORE, "pods", pod, _pod_status(st, pod, True, now_iso, start))


# ------------------------------------------------------------------------------------------
# statuses of ReplicaSets and Deployments
# ------------------------------------------------------------------------------------------
def _sync_replicaset_status(st: _Cluster, rs: dict[str, Any]) -> None:
    pods = _pods_of(st, rs)
    min_ready = int((rs.get("spec") or {}).get("minReadySeconds") or 0)
    selector = (rs.get("spec") or {}).get("selector") or {}
    tmpl_labels = (((rs.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
    status = _drop_empty(
        {
            "replicas": len(pods),
            "fullyLabeledReplicas": sum(1 for p in pods if _matches(selector, _labels(p)) or not tmpl_labels),
            "readyReplicas": sum(1 for p in pods if _pod_ready(p)),
            "availableReplicas": sum(1 for p in pods if _pod_available(p, min_ready, st.now)),
            "observedGeneration": _meta(rs).get("generation"),
        },
        keep=("replicas",),
    )
    failure = st.rs_failures.get(_uid(rs))
    if failure:
        old = _cond(rs, "ReplicaFailure") or {}
        status["conditions"] = [
            {
                "type": "ReplicaFailure",
                "status": "True",
                "lastTransitionTime": old.get("lastTransitionTime") or _iso(st.now),
                "reason": "FailedCreate",
                "message": failure,
            }
        ]
    _set_status(st.view, st.objs, APPS, "replicasets", rs, status)


def _set_condition(conds: list[dict[str, Any]], new: dict[str, Any], force_update: bool = False) -> list:
    """deployment_util.go SetDeploymentCondition: same status and reason -> unchanged (unless
    ``force_update``: Progressing with progress keeps lastTransitionTime, moves lastUpdateTime);
    same status -> lastTransitionTime kept; the changed condition moves to the end."""
    cur = next((c for c in conds if c.get("type") == new["type"]), None)
    if cur is not None and cur.get("status") == new["status"] and cur.get("reason") == new["reason"]:
        if not force_update:
            return conds
        updated = {**cur, "lastUpdateTime": new["lastUpdateTime"], "message": new["message"]}
        return [updated if c is cur else c for c in conds]
    if cur is not None and cur.get("status") == new["status"]:
        new = {**new, "lastTransitionTime": cur.get("lastTransitionTime")}
    return [c for c in conds if c.get("type") != new["type"]] + [new]


def _sync_deployment_status(st: _Cluster, dep: dict[str, Any]) -> None:
    if _terminating(dep):
        return
    spec = dep.get("spec") or {}
    replicas = _replicas(dep)
    h = _dep_hash(st, dep)
    owned = _owned(st.objs.of(APPS, "replicasets", _ns(dep)), dep)
    new_rs = next((r for r in owned if _labels(r).get(HASH_LABEL) == h), None)
    _surge, max_unavailable = _surge_unavailable(dep, replicas)
    min_ready = int(spec.get("minReadySeconds") or 0)
    pods_by_rs = {_uid(r): _pods_of(st, r) for r in owned}
    all_pods = [p for ps in pods_by_rs.values() for p in ps]
    new_pods = pods_by_rs.get(_uid(new_rs), []) if new_rs else []
    available = sum(1 for p in all_pods if _pod_available(p, min_ready, st.now))
    total_spec = sum(_replicas(r, 0) for r in owned)
    old = dep.get("status") or {}
    status: dict[str, Any] = _drop_empty(
        {
            "observedGeneration": _meta(dep).get("generation"),
            "replicas": len(all_pods),
            "updatedReplicas": len(new_pods),
            "readyReplicas": sum(1 for p in all_pods if _pod_ready(p)),
            "availableReplicas": available,
            "unavailableReplicas": max(0, total_spec - available),
        }
    )
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    now_iso = _iso(st.now)
    conds = [dict(c) for c in old.get("conditions") or []]

    def condition(ctype: str, ok: bool, reason: str, message: str) -> dict[str, Any]:
        return {
            "type": ctype,
            "status": "True" if ok else "False",
            "lastUpdateTime": now_iso,
            "lastTransitionTime": now_iso,
            "reason": reason,
            "message": message,
        }

    # calculateStatus sets Available, then syncRolloutStatus Progressing (sync.go / progress.go)
    if available >= replicas - max_unavailable:
        conds = _set_condition(
            conds, condition("Available", True, "MinimumReplicasAvailable", "Deployment has minimum availability.")
        )
    else:
        conds = _set_condition(
            conds,
            condition(
                "Available", False, "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
            ),
        )
    # sync.go syncRolloutStatus: a ReplicaSet's ReplicaFailure shows on the Deployment, else none
    failed = next((_cond(r, "ReplicaFailure") for r in owned if _cond(r, "ReplicaFailure")), None)
    if failed is not None:
        conds = _set_condition(
            conds,
            {
                "type": "ReplicaFailure",
                "status": failed.get("status", "True"),
                "lastUpdateTime": now_iso,
                "lastTransitionTime": failed.get("lastTransitionTime") or now_iso,
                "reason": failed.get("reason", "FailedCreate"),
                "message": failed.get("message", ""),
            },
        )
    else:
        conds = [c for c in conds if c.get("type") != "ReplicaFailure"]
    rs_name = _name(new_rs) if new_rs else ""
    complete = (
        new_rs is not None
        and status.get("updatedReplicas", 0) == replicas
        and status.get("replicas", 0) == replicas
        and status.get("availableReplicas", 0) == replicas
    )
    progress_counts = ("updatedReplicas", "replicas", "readyReplicas", "availableReplicas")
    progressed = any(status.get(k, 0) != old.get(k, 0) for k in progress_counts)
    if new_rs is not None and _uid(new_rs) in st.created_rs:
        conds = _set_condition(
            conds, condition("Progressing", True, "NewReplicaSetCreated", f'Created new replica set "{rs_name}"')
        )
    elif complete:
        conds = _set_condition(
            conds,
            condition(
                "Progressing", True, "NewReplicaSetAvailable", f'ReplicaSet "{rs_name}" has successfully progressed.'
            ),
        )
    elif new_rs is not None and (progressed or _cond(dep, "Progressing") is None):
        conds = _set_condition(
            conds,
            condition("Progressing", True, "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.'),
            force_update=progressed,
        )
    elif new_rs is not None:
        deadline = spec.get("progressDeadlineSeconds", DEFAULT_PROGRESS_DEADLINE)
        cur = next((c for c in conds if c.get("type") == "Progressing"), None)
        last = _ts((cur or {}).get("lastUpdateTime"))
        if (
            deadline is not None
            and cur is not None
            and cur.get("reason") != "NewReplicaSetAvailable"
            and last is not None
            and st.now > last + float(deadline)
        ):
            conds = _set_condition(
                conds,
                condition(
                    "Progressing",
                    False,
                    "ProgressDeadlineExceeded",
                    f'ReplicaSet "{rs_name}" has timed out progressing.',
                ),
            )
    status["conditions"] = conds
    if status == old and (not new_rs or _annotations(dep).get(REVISION) == _annotations(new_rs).get(REVISION)):
        return
    # The real controller writes the revision annotation and the status through /status, which
    # does not bump generation (apps deployment strategy: status updates keep spec, annotations
    # may change). store_update is that write.
    new = copy.deepcopy(dep)
    new["status"] = status
    if new_rs is not None and _annotations(new_rs).get(REVISION):
        _meta(new).setdefault("annotations", {})[REVISION] = _annotations(new_rs)[REVISION]
    st.objs.put(APPS, "deployments", st.view.store_update(APPS, "deployments", dep, new))


# ------------------------------------------------------------------------------------------
# Services: clusterIP, nodePorts, LoadBalancer addresses, Endpoints, EndpointSlices
# ------------------------------------------------------------------------------------------
def _lb_net(view: Any) -> int:
    """The ``n`` of this cluster's ``127.<b>.<n>.0/24`` LoadBalancer addresses (once, store meta)."""
    store = view.ctx.raw_store
    n = store.meta_get(LB_NET_META + view.server_id)
    if n is None:
        n = int(store.meta_get(LB_NEXT_META, 1) or 1)
        # 1-254: the .255 network of the block is the data plane's unreachable-endpoint addresses
        store.meta_put(LB_NEXT_META, n % 254 + 1)
        store.meta_put(LB_NET_META + view.server_id, n)
    return int(n)


def _lb_block(view: Any) -> int:
    """The ``b`` of ``127.<b>.0.0/16``: the loopback block this emulator holds (loopback.py), so
    that the data plane's gateway listeners never collide with another emulator's."""
    loopback = getattr(view.ctx.emulator, "loopback", None)
    return int(loopback.block) if loopback is not None and loopback.block is not None else 100


def _lb_ip(view: Any, services: list[dict[str, Any]], svc: dict[str, Any]) -> str:
    """A loopback address for a LoadBalancer Service: ``127.<b>.<n>.1`` for the first gateway of
    the cluster, ``.2`` and up for the others (UNCONFIRMED: stands in for the CLB / NLB address
    ACK's cloud controller manager gets)."""
    n = _lb_net(view)
    b = _lb_block(view)
    used = {
        i.get("ip") for s in services for i in ((s.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    }
    first = 1 if GATEWAY_MARK in _annotations(svc) else 2
    for k in range(first, 255):
        ip = f"127.{b}.{n}.{k}"
        if ip not in used:
            return ip
    return f"127.{b}.{n}.254"


def _sync_lb_status(view: Any, objs: _Objects, services: list[dict[str, Any]], svc: dict[str, Any]) -> dict:
    spec = svc.get("spec") or {}
    status = dict(svc.get("status") or {})
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    if spec.get("type") != "LoadBalancer":
        if ingress:
            status["loadBalancer"] = {}
            return _set_status(view, objs, CORE, "services", svc, status)
        return svc
    block = f"127.{_lb_block(view)}."
    if ingress and all(str(i.get("ip", "")).startswith(block) for i in ingress):
        return svc
    if not ingress and not _due(_meta(svc).get("creationTimestamp"), _delay(view, GATEWAY_ADDRESS_DELAY), view.now()):
        return svc
    # new, or an address of another loopback block (this state was restarted while another
    # emulator held its block): the address moves, as a re-created load balancer's would
    ip = _lb_ip(view, [s for s in services if s is not svc], svc)
    status["loadBalancer"] = {"ingress": [{"ip": ip, "ipMode": "VIP"}]}
    return _set_status(view, objs, CORE, "services", svc, status)


def _resolve_ports(svc: dict[str, Any], pod: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The Service's ports against one Pod (named targetPorts looked up in its containers);
    None when a named port is missing."""
    out = []
    container_ports = {
        p.get("name"): p.get("containerPort")
        for c in (pod.get("spec") or {}).get("containers") or []
        for p in c.get("ports") or []
        if p.get("name")
    }
    for sp in (svc.get("spec") or {}).get("ports") or []:
        target = sp.get("targetPort", sp.get("port"))
        if target is None:
            continue
        if isinstance(target, str) and not target.isdigit():
            if target not in container_ports:
                return None
            target = container_ports[target]
        out.append({"name": sp.get("name") or "", "port": int(target), "protocol": sp.get("protocol") or "TCP"})
    return out


def _sync_services(st: _Cluster) -> None:
    view, objs = st.view, st.objs
    services = objs.of(CORE, "services")
    pods_by_ns: dict[str, list[dict[str, Any]]] = {}
    for p in objs.of(CORE, "pods"):
        if not _terminating(p) and (p.get("status") or {}).get("podIP"):
            pods_by_ns.setdefault(_ns(p), []).append(p)
    endpoints = {(_ns(e), _name(e)): e for e in objs.of(CORE, "endpoints")}
    slices: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for s in objs.of(DISCOVERY, "endpointslices"):
        if _labels(s).get(MANAGED_BY_LABEL) == SLICE_MANAGER and _labels(s).get(SERVICE_NAME_LABEL):
            slices.setdefault((_ns(s), _labels(s)[SERVICE_NAME_LABEL]), []).append(s)
    names = set()
    for svc in services:
        if _terminating(svc):
            continue
        names.add((_ns(svc), _name(svc)))
        _guard(f"Service {_ns(svc)}/{_name(svc)}", _sync_service, st, svc, pods_by_ns, endpoints, slices)
    for key, ep in endpoints.items():
        if key in names:
            continue
        addrs = [
            a for s in ep.get("subsets") or [] for a in (s.get("addresses") or []) + (s.get("notReadyAddresses") or [])
        ]
        if not ep.get("subsets") or any((a.get("targetRef") or {}).get("kind") == "Pod" for a in addrs):
            _delete(view, objs, CORE, "endpoints", ep)  # the endpoints controller's, its Service went


def _sync_service(
    st: _Cluster,
    svc: dict[str, Any],
    pods_by_ns: dict[str, list[dict[str, Any]]],
    endpoints: dict[tuple[str, str], dict[str, Any]],
    slices: dict[tuple[str, str], list[dict[str, Any]]],
) -> None:
    svc = _sync_lb_status(st.view, st.objs, st.objs.of(CORE, "services"), svc)
    selector = (svc.get("spec") or {}).get("selector")
    if _ns_terminating(st, _ns(svc)):
        return
    if not selector or (svc.get("spec") or {}).get("type") == "ExternalName":
        return
    chosen = [p for p in pods_by_ns.get(_ns(svc), []) if all(_labels(p).get(k) == v for k, v in selector.items())]
    _sync_endpoints(st, svc, chosen, endpoints.get((_ns(svc), _name(svc))))
    _sync_slice(st, svc, chosen, slices.get((_ns(svc), _name(svc))) or [])


def _sync_endpoints(st: _Cluster, svc: dict[str, Any], pods: list[dict[str, Any]], ep: dict | None) -> None:
    publish = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
    groups: dict[str, dict[str, Any]] = {}
    for pod in pods:
        ports = _resolve_ports(svc, pod)
        if ports is None:
            continue
        ep_ports = [{k: v for k, v in p.items() if k != "name" or v} for p in ports]
        key = json.dumps(ep_ports, sort_keys=True)
        group = groups.setdefault(key, {"addresses": [], "notReadyAddresses": [], "ports": ep_ports})
        addr = {
            "ip": pod["status"]["podIP"],
            "nodeName": (pod.get("spec") or {}).get("nodeName"),
            "targetRef": {"kind": "Pod", "namespace": _ns(pod), "name": _name(pod), "uid": _uid(pod)},
        }
        (group["addresses"] if publish or _pod_ready(pod) else group["notReadyAddresses"]).append(addr)
    subsets = []
    for key in sorted(groups):
        g = groups[key]
        g["addresses"].sort(key=lambda a: ipaddress.ip_address(a["ip"]))
        g["notReadyAddresses"].sort(key=lambda a: ipaddress.ip_address(a["ip"]))
        subsets.append(_drop_empty(g, keep=("ports",)))
    labels = _labels(svc)
    if ep is None:
        obj: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": _name(svc), "namespace": _ns(svc)},
        }
        if labels:
            obj["metadata"]["labels"] = labels
        if subsets:
            obj["subsets"] = subsets
        _create(st.view, st.objs, CORE, "endpoints", obj)
        return
    meta = dict(ep.get("metadata") or {})
    if labels:
        meta["labels"] = labels
    else:
        meta.pop("labels", None)
    new = {**ep, "metadata": meta}
    if subsets:
        new["subsets"] = subsets
    else:
        new.pop("subsets", None)
    _write(st.view, st.objs, CORE, "endpoints", ep, new)


def _sync_slice(st: _Cluster, svc: dict[str, Any], pods: list[dict[str, Any]], have: list[dict]) -> None:
    """One IPv4 EndpointSlice per Service (UNCONFIRMED simplification: the real controller
    splits Pods whose named ports resolve differently into several slices; here the Pods
    resolving like the first one are listed)."""
    publish = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
    ports = None
    entries = []
    for pod in sorted(pods, key=_name):
        resolved = _resolve_ports(svc, pod)
        if resolved is None or (ports is not None and resolved != ports):
            continue
        ports = resolved
        ready = _pod_ready(pod)
        entry: dict[str, Any] = {
            "addresses": [pod["status"]["podIP"]],
            "conditions": {"ready": ready or publish, "serving": ready, "terminating": False},
            "nodeName": (pod.get("spec") or {}).get("nodeName"),
            "targetRef": {"kind": "Pod", "namespace": _ns(pod), "name": _name(pod), "uid": _uid(pod)},
        }
        zone = _labels(st.nodes.get(entry["nodeName"] or "") or {}).get("topology.kubernetes.io/zone")
        if zone:
            entry["zone"] = zone
        entries.append(entry)
    if ports is None:
        ports = [
            {
                "name": p.get("name") or "",
                "port": int(p.get("targetPort", p.get("port"))),
                "protocol": p.get("protocol") or "TCP",
            }
            for p in (svc.get("spec") or {}).get("ports") or []
            if str(p.get("targetPort", p.get("port"))).isdigit()
        ]
    labels = {**_labels(svc), SERVICE_NAME_LABEL: _name(svc), MANAGED_BY_LABEL: SLICE_MANAGER}
    labels.pop("endpointslice.kubernetes.io/skip-mirror", None)
    keep = have[0] if have else None
    for extra in have[1:]:
        _delete(st.view, st.objs, DISCOVERY, "endpointslices", extra)
    if keep is None:
        obj = {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": f"{_name(svc)}-{_suffix()}",
                "generateName": f"{_name(svc)}-",
                "namespace": _ns(svc),
                "labels": labels,
                "ownerReferences": [_owner_ref(svc)],
            },
            "addressType": "IPv4",
            "endpoints": entries,
            "ports": ports,
        }
        _create(st.view, st.objs, DISCOVERY, "endpointslices", obj)
        return
    new = {**keep, "metadata": {**(keep.get("metadata") or {}), "labels": labels}, "endpoints": entries, "ports": ports}
    _write(st.view, st.objs, DISCOVERY, "endpointslices", keep, new)


# ------------------------------------------------------------------------------------------
# IstioGateway (mesh servers) -> istio-<name> in the member clusters
# ------------------------------------------------------------------------------------------
def _mesh_doc(ctx: Any, mesh_id: str) -> dict[str, Any] | None:
    doc = ctx.store.get(asm.MESH_KIND, mesh_id)
    if doc is None:
        return None
    return asm.fold_membership(doc, ctx.now())


def _gateway_clusters(cr: dict[str, Any], members: list[str]) -> list[str]:
    """The clusters a CR deploys to: its ``spec.clusterIds`` that are members of the mesh.
    UNCONFIRMED: an empty ``clusterIds`` means every member cluster."""
    ids = [str(c) for c in (cr.get("spec") or {}).get("clusterIds") or []]
    if not ids:
        return list(members)
    return [c for c in ids if c in members]


def _desired_gateways(mesh_view: Any | None, mesh: dict[str, Any] | None) -> dict[str, dict[str, dict]]:
    """``{cluster_id: {cr name: cr}}`` that the mesh's IstioGateways want."""
    out: dict[str, dict[str, dict]] = {}
    if mesh_view is None or mesh is None or mesh.get("State") == "deleting":
        return out
    members = list(mesh.get("Clusters") or [])
    for cr in mesh_view.list(ISTIO_GW_GROUP, ISTIO_GW_PLURAL, ISTIO_NS):
        if _terminating(cr):
            continue
        for cid in _gateway_clusters(cr, members):
            out.setdefault(cid, {})[_name(cr)] = cr
    return out


def _gw_labels(name: str, extra: dict[str, Any] | None = None) -> dict[str, str]:
    # ``istio: <name>`` is what ASM's Gateway examples select (asm-details.md section 2);
    # UNCONFIRMED: the ``app`` label.
    return {**{str(k): str(v) for k, v in (extra or {}).items()}, "app": f"istio-{name}", "istio": name}


def _gateway_objects(cluster_id: str, mesh: dict[str, Any], cr: dict[str, Any]) -> list[tuple[str, str, dict]]:
    """The ServiceAccount, Service and Deployment ``istio-<name>`` an IstioGateway makes in a
    cluster (asm-details.md section 2, spec fields from alibabacloud-servicemesh-api). Per-cluster
    ``overrides`` are merged over the spec."""
    name = _name(cr)
    full = f"istio-{name}"
    spec = copy.deepcopy(cr.get("spec") or {})
    override = (spec.pop("overrides", None) or {}).get(cluster_id) or {}
    spec.update(override)
    mark = {GATEWAY_MARK: f"{mesh['ServiceMeshId']}/{name}"}
    selector = {"app": full, "istio": name}
    ports = []
    container_ports = []
    for i, p in enumerate(spec.get("ports") or []):
        port = int(p.get("port") or 0)
        target = p.get("targetPort", port)
        entry = {"name": p.get("name") or f"port-{i}", "port": port, "protocol": p.get("protocol") or "TCP"}
        entry["targetPort"] = int(target) if str(target).isdigit() else target
        ports.append(entry)
        if isinstance(entry["targetPort"], int):
            container_ports.append({"containerPort": entry["targetPort"], "protocol": entry["protocol"]})
    container_ports.append({"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"})
    container_ports.append({"containerPort": 15021, "name": "status-port", "protocol": "TCP"})

    sa = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": full, "namespace": ISTIO_NS, "labels": _gw_labels(name), "annotations": dict(mark)},
    }
    svc_spec: dict[str, Any] = {
        "type": spec.get("serviceType") or "LoadBalancer",
        "selector": dict(selector),
        "ports": ports,
    }
    if svc_spec["type"] in ("LoadBalancer", "NodePort"):
        svc_spec["externalTrafficPolicy"] = spec.get("externalTrafficPolicy") or "Cluster"
    if spec.get("loadBalancerIP"):
        svc_spec["loadBalancerIP"] = spec["loadBalancerIP"]
    if spec.get("loadBalancerClass"):
        svc_spec["loadBalancerClass"] = spec["loadBalancerClass"]
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": full,
            "namespace": ISTIO_NS,
            "labels": _gw_labels(name, spec.get("serviceLabels")),
            "annotations": {**{str(k): str(v) for k, v in (spec.get("serviceAnnotations") or {}).items()}, **mark},
        },
        "spec": svc_spec,
    }
    autoscale = bool(spec.get("autoscaleEnabled"))
    replicas = int(spec.get("minReplicas") or 1) if autoscale else int(spec.get("replicaCount") or 1)
    container: dict[str, Any] = {
        "name": "istio-proxy",
        "image": proxy_image(mesh),
        "args": [
            "proxy",
            "router",
            "--domain",
            "$(POD_NAMESPACE).svc.cluster.local",
            "--proxyLogLevel=warning",
            "--proxyComponentLogLevel=misc:error",
            "--log_output_level=default:info",
        ],
        "env": _proxy_env(cluster_id, str(mesh.get("ServiceMeshId") or "")) + list(spec.get("env") or []),
        "ports": container_ports,
        "readinessProbe": spec.get("readinessProbe")
        or {
            "failureThreshold": 30,
            "httpGet": {"path": "/healthz/ready", "port": 15021, "scheme": "HTTP"},
            "initialDelaySeconds": 1,
            "periodSeconds": 2,
            "successThreshold": 1,
            "timeoutSeconds": 1,
        },
    }
    if spec.get("resources"):
        container["resources"] = spec["resources"]
    if spec.get("lifecycle"):
        container["lifecycle"] = spec["lifecycle"]
    if spec.get("runAsRoot"):
        container["securityContext"] = {"privileged": True, "runAsUser": 0, "runAsGroup": 0}
    pod_spec: dict[str, Any] = {"serviceAccountName": full, "containers": [container]}
    for key in ("nodeSelector", "affinity", "tolerations", "dnsPolicy"):
        if spec.get(key):
            pod_spec[key] = spec[key]
    if spec.get("hostNetwork") is not None:
        pod_spec["hostNetwork"] = bool(spec["hostNetwork"])
    dep_spec: dict[str, Any] = {
        "replicas": replicas,
        "selector": {"matchLabels": dict(selector)},
        "template": {
            "metadata": {
                "labels": _gw_labels(name, spec.get("podLabels")),
                "annotations": {
                    **{str(k): str(v) for k, v in (spec.get("podAnnotations") or {}).items()},
                    INJECT: "false",
                },
            },
            "spec": pod_spec,
        },
    }
    if spec.get("rollingMaxSurge") or spec.get("rollingMaxUnavailable"):
        dep_spec["strategy"] = {
            "type": "RollingUpdate",
            "rollingUpdate": {
                "maxSurge": spec.get("rollingMaxSurge") or "25%",
                "maxUnavailable": spec.get("rollingMaxUnavailable") or "25%",
            },
        }
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": full, "namespace": ISTIO_NS, "labels": _gw_labels(name), "annotations": dict(mark)},
        "spec": dep_spec,
    }
    return [(CORE, "serviceaccounts", sa), (CORE, "services", svc), (APPS, "deployments", dep)]


_GW_KINDS = ((CORE, "serviceaccounts"), (CORE, "services"), (APPS, "deployments"))


def _apply_gateways(
    cluster_view: Any, objs: _Objects, cluster_id: str, mesh_id: str, mesh: dict | None, wanted: dict[str, dict]
) -> None:
    """Make the cluster's generated gateway objects of mesh ``mesh_id`` what ``wanted`` (CR name
    -> CR) says: create / update the wanted ones, delete the others."""
    want: dict[tuple[str, str, str], dict] = {}
    if wanted and mesh is not None:
        mark = {ISTIO_NS_MARK: asm.istio_namespace(cluster_view.ctx, cluster_id) or f"service mesh {mesh_id}"}
        _ensure_namespace(cluster_view, objs, ISTIO_NS, mark)
        for _cr_name, cr in sorted(wanted.items()):
            for group, plural, obj in _gateway_objects(cluster_id, mesh, cr):
                want[(group, plural, _name(obj))] = obj
    for group, plural in _GW_KINDS:
        for obj in objs.of(group, plural, ISTIO_NS):
            owner = _annotations(obj).get(GATEWAY_MARK, "")
            if not owner.startswith(f"{mesh_id}/"):
                continue
            key = (group, plural, _name(obj))
            if key not in want:
                _delete(cluster_view, objs, group, plural, obj)
                continue
            target = want.pop(key)
            new = copy.deepcopy(obj)
            nmeta = _meta(new)
            nmeta["labels"] = {**(nmeta.get("labels") or {}), **target["metadata"]["labels"]}
            nmeta["annotations"] = {**(nmeta.get("annotations") or {}), **target["metadata"]["annotations"]}
            if "spec" in target:
                merged = copy.deepcopy(target)
                live = new.get("spec") or {}
                if plural == "services":
                    # what the API server allocated stays (clusterIP, nodePorts)
                    for key2 in ("clusterIP", "clusterIPs"):
                        if key2 in live:
                            merged["spec"][key2] = live[key2]
                    live_ports = {p.get("port"): p for p in live.get("ports") or []}
                    for p in merged["spec"].get("ports") or []:
                        if live_ports.get(p["port"], {}).get("nodePort"):
                            p["nodePort"] = live_ports[p["port"]]["nodePort"]
                resources.apply_defaults(cluster_view, group, plural, merged)
                new["spec"] = merged["spec"]
            _write(cluster_view, objs, group, plural, obj, new)
    for (group, plural, _n), obj in sorted(want.items()):
        _create(cluster_view, objs, group, plural, obj)


def _sync_gateways_from_cluster(st: _Cluster) -> None:
    """The cluster side: the gateways its mesh wants, minus those of meshes it left."""
    view = st.view
    meshes = set()
    for group, plural in _GW_KINDS:
        for obj in st.objs.of(group, plural, ISTIO_NS):
            owner = _annotations(obj).get(GATEWAY_MARK, "")
            if "/" in owner:
                meshes.add(owner.split("/", 1)[0])
    if st.mesh is not None:
        meshes.add(st.mesh["ServiceMeshId"])
    for mesh_id in sorted(meshes):
        mesh = st.mesh if st.mesh is not None and st.mesh["ServiceMeshId"] == mesh_id else None
        mesh_view = view.other(mesh_id) if mesh is not None else None
        wanted = _desired_gateways(mesh_view, mesh).get(view.server_id, {})
        _apply_gateways(view, st.objs, view.server_id, mesh_id, mesh, wanted)


def _reconcile_mesh(view: Any) -> None:
    ctx = view.ctx
    mesh = _mesh_doc(ctx, view.server_id)
    desired = _desired_gateways(view, mesh)
    store = ctx.raw_store
    key = GW_CLUSTERS_META + view.server_id
    recorded = list(store.meta_get(key, []) or [])
    for cid in sorted(set(recorded) | set(desired)):
        other = view.other(cid)
        if other is None:
            continue  # its API server was never started: its own reconcile pulls them later
        objs = _Objects(other)
        _apply_gateways(other, objs, cid, view.server_id, mesh, desired.get(cid, {}))
        services = objs.of(CORE, "services", ISTIO_NS)
        for svc in services:
            if _annotations(svc).get(GATEWAY_MARK, "").startswith(f"{view.server_id}/"):
                _sync_lb_status(other, objs, objs.of(CORE, "services"), svc)
    now_recorded = sorted(desired)
    if now_recorded != sorted(recorded):
        store.meta_put(key, now_recorded)
    if mesh is not None:
        _sync_gateway_statuses(view, mesh)


def _sync_gateway_statuses(mesh_view: Any, mesh: dict[str, Any]) -> None:
    """The CR status: the gateway Service addresses per cluster. UNCONFIRMED: that ASM fills
    ``ClusterIdGatewayAddressMap`` / ``GatewayAddress`` (asm-details.md section 2, External IP)."""
    members = list(mesh.get("Clusters") or [])
    for cr in mesh_view.list(ISTIO_GW_GROUP, ISTIO_GW_PLURAL):
        if _terminating(cr):
            continue
        status = copy.deepcopy(cr.get("status") or {})
        if _ns(cr) != ISTIO_NS:
            status = {"ErrorMessage": f"IstioGateway {_name(cr)} must be in the namespace {ISTIO_NS}"}
        else:
            pairs = []
            missing = [c for c in (cr.get("spec") or {}).get("clusterIds") or [] if c not in members]
            for cid in _gateway_clusters(cr, members):
                other = mesh_view.other(cid)
                svc = other.get(CORE, "services", ISTIO_NS, f"istio-{_name(cr)}") if other is not None else None
                for ing in (((svc or {}).get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
                    if ing.get("ip"):
                        pairs.append({"ipAddress": ing["ip"], "clusterId": cid})
            status = _drop_empty(
                {
                    "GatewayAddress": [p["ipAddress"] for p in pairs],
                    "ClusterIdGatewayAddressMap": pairs,
                    # UNCONFIRMED: the message for a cluster that is not in the mesh
                    "ErrorMessage": "; ".join(f"cluster {c} is not in the service mesh" for c in missing),
                }
            )
        if status != (cr.get("status") or {}):
            mesh_view.set_status(ISTIO_GW_GROUP, ISTIO_GW_PLURAL, _ns(cr), _name(cr), status)
