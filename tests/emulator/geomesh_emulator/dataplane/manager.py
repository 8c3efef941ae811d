"""The data plane manager: keeps real Envoy proxies and Bookinfo-like backends in step with the
emulator's state (issue 11).

One long-lived thread (``geomesh-dataplane``) reads the state about every 0.2 s and converges:

- **Backends** (apps.py): one per Running and Ready Pod whose container image is a Bookinfo image
  (``examples-bookinfo-<service>-<version>``), listening on 127.0.0.1:<port>. A Pod that goes
  (scale to 0, node removed, Deployment deleted) takes its backend with it.
- **Proxies** (envoy.py): one real Envoy per injected Pod (a sidecar: the Pod has an ``istio-proxy``
  container) and one per ingress gateway Pod (``istio-system``, selected by a LoadBalancer Service
  with an address). Per Pod rather than per region and service because outlier detection, the
  retry budget and the locality decision are per Envoy in Istio: two productpage Pods in a region
  eject hosts independently, as they would in the cloud.
- **Translation** (translate.py) of the mesh's VirtualServices, DestinationRules, Gateways and the
  mesh-wide locality setting (UpdateMeshFeature) into each proxy's listeners, routes, clusters and
  endpoints, delivered as files Envoy watches (LDS/RDS/CDS/EDS), so a change reaches the running
  Envoys without a restart.
- **Reachability**: an endpoint in another cluster is usable from a proxy only where the routing
  model (routing.py: VPC routes, transit routers, CEN route publication, security groups) says the
  proxy's Pod reaches the endpoint's Pod and back; otherwise its address is a loopback port where
  nothing listens (connect failure). Pods of one cluster always reach each other (ACK configures
  its own security group for that). UNCONFIRMED simplification: the cloud drops the packets (a
  connect timeout after Istio's 10 s connectTimeout); here the connection is refused at once.
- **Pods without a sidecar** call Services like kube-proxy does: a random ready endpoint of the
  Service in their own cluster (no VirtualService, no locality, no retries).

This shows Envoy's behaviour for this project's translation of the Istio configuration, not ASM's
own control plane.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any

from .. import routing
from ..products import asm, cs
from .model import Endpoint, GatewayPort, IstioConfig, Locality, MeshConfig, Proxy, Service, ServicePort

if TYPE_CHECKING:  # pragma: no cover
    from ..server import Emulator

PERIOD = 0.2  # seconds between two looks at the state
TICK_EVERY = 1.0  # seconds between two controller runs per mesh API server (Pods start without API traffic)
FULL_EVERY = 1.0  # re-derive even without a store change (lifecycles and visibility move with the clock)
BOOKINFO_IMAGE = re.compile(r"examples-bookinfo-(productpage|details|reviews|ratings)-(v\d+)")
ISTIO_NS = "istio-system"
SIDECAR = "istio-proxy"
REGION_LABEL = "topology.kubernetes.io/region"
ZONE_LABEL = "topology.kubernetes.io/zone"
SUBZONE_LABEL = "topology.istio.io/subzone"
ISTIO_GROUP = "networking.istio.io"


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _pod_ready(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") != "Running" or _meta(pod).get("deletionTimestamp"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])


def _selects(selector: dict[str, str] | None, labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in (selector or {}).items())


def _target_port(port: dict[str, Any], pod: dict[str, Any] | None) -> int:
    """The Service port's targetPort as a number (a named one looked up in the Pod's containers)."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for c in ((pod or {}).get("spec") or {}).get("containers") or []:
        for cp in c.get("ports") or []:
            if cp.get("name") == target:
                return int(cp.get("containerPort") or 0)
    return int(port.get("port") or 0)


def _kube_objects(ctx: Any, server_id: str, group: str, plural: str) -> list[dict[str, Any]]:
    prefix = f"{group}|{plural}|"
    return [doc["object"] for rid, doc in ctx.raw_store.raw_list(f"k8s/{server_id}") if rid.startswith(prefix)]


def _alive(info: dict[str, Any] | None) -> bool:
    """The Envoy of ``info`` (EnvoySupervisor.running()) still runs (not gone, not a zombie)."""
    if not info or not info.get("pid"):
        return False
    try:
        with open(f"/proc/{int(info['pid'])}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def mesh_config(mesh_doc: dict[str, Any]) -> MeshConfig:
    """ASM's LocalityLB (UpdateMeshFeature) as Istio's meshConfig.localityLbSetting.

    UNCONFIRMED: with the feature off the mesh sets nothing, so Istio's default ``{enabled: true}``
    applies (failover by locality wherever a DestinationRule has outlier detection)."""
    lb = asm.locality_lb(mesh_doc)
    if not lb.get("Enabled"):
        return MeshConfig(None)
    setting: dict[str, Any] = {"enabled": True}
    failover = lb.get("Failover")
    if isinstance(failover, dict):
        failover = failover.get("failover")
    if failover:
        setting["failover"] = list(failover)
    distribute = lb.get("Distribute")
    if isinstance(distribute, dict):
        distribute = distribute.get("distribute")
    if distribute:
        setting["distribute"] = list(distribute)
    priority = lb.get("FailoverPriority")
    if isinstance(priority, dict):
        priority = priority.get("failoverPriority")
    if priority:
        setting["failoverPriority"] = list(priority)
    return MeshConfig(setting)


class _Snapshot:
    """What one look at the state found (plain data, no store access afterwards)."""

    def __init__(self) -> None:
        self.apps: dict[str, dict[str, Any]] = {}  # Endpoint.key -> {service, version, pod, cluster_name}
        self.pods: dict[str, dict[str, Any]] = {}  # key -> {ip, cluster_id, namespace, pod, labels, locality, sidecar}
        self.services: list[dict[str, Any]] = (
            []
        )  # per member cluster Service: {cluster_id, name, namespace, ports, selector}
        self.proxies: list[Proxy] = []
        self.meshes: dict[str, dict[str, Any]] = {}  # mesh id -> {"istio": IstioConfig, "mesh": MeshConfig}
        self.cluster_mesh: dict[str, str] = {}  # member cluster id -> mesh id
        self.reach: dict[tuple[str, str], dict[str, Any]] = {}  # (src key, dst key) -> verdict
        self.errors: list[str] = []


class DataPlane:
    """Started and stopped with the emulator (``Emulator(dataplane=True)``)."""

    def __init__(self, emulator: "Emulator") -> None:
        self.emulator = emulator
        self.root = os.path.join(emulator.state_dir, "dataplane")
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.supervisor: Any = None
        self.apps: Any = None
        self._addresses: dict[str, tuple[str, int]] = {}  # app key -> its listening address
        self._outbound: dict[str, tuple[str, int]] = {}  # pod key -> its sidecar's outbound listener
        self._local: dict[tuple[str, str, str], list[str]] = {}  # (cluster, ns, service) -> app keys
        self._fingerprints: dict[str, str] = {}
        self._summaries: dict[str, dict[str, Any]] = {}
        self._proxies: dict[str, Proxy] = {}
        self._faults: dict[str, int] = {}
        self._pods: dict[str, dict[str, Any]] = {}
        self._blackhole: tuple[str, int] | None = None
        self._last_ticks: dict[str, float] = {}
        self._servers: set[str] = set()  # the API servers of the meshes and their member clusters
        self._last_full = 0.0
        self._last_generation = -1
        self.errors: list[str] = []
        self.syncs = 0
        self.timing: dict[str, float] = {}

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> "DataPlane":
        from .apps import AppHost  # pylint: disable=import-outside-toplevel
        from .envoy import EnvoySupervisor  # pylint: disable=import-outside-toplevel

        os.makedirs(self.root, mode=0o700, exist_ok=True)
        self.supervisor = EnvoySupervisor(os.path.join(self.root, "envoy"))
        self.apps = AppHost(self._upstream)
        self._blackhole = self._reserve_blackhole()
        self._stop.clear()
        # Envoys are spawned from this thread only: their PR_SET_PDEATHSIG fires when it ends.
        self._thread = threading.Thread(target=self._run, name="geomesh-dataplane", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
        if self.supervisor is not None:
            self.supervisor.stop_all()
        if self.apps is not None:
            self.apps.stop_all()

    def poke(self) -> None:
        """Look at the state now (after a write), not at the next period."""
        self._wake.set()

    def _reserve_blackhole(self) -> tuple[str, int]:
        """Where unreachable endpoints point: ``127.<block>.255.<1 + n>:9`` (translate.py adds the
        endpoint's index to the address, as Envoy keeps one host per address). The block is this
        emulator's own (loopback.py) and its ``.255`` network is never a LoadBalancer network, so
        nothing listens there and connecting is refused at once."""
        return (f"127.{self.emulator.loopback.block}.255.1", 9)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync()
            except Exception:  # pylint: disable=broad-except
                msg = traceback.format_exc()
                with self._lock:
                    self.errors = (self.errors + [msg])[-20:]
                print(f"geomesh-dataplane: {msg}", file=sys.stderr)
            self._wake.wait(PERIOD)
            self._wake.clear()

    # -- one pass ----------------------------------------------------------------------------------
    def _tick_servers(self) -> None:
        from ..kube import api as kube_api  # pylint: disable=import-outside-toplevel

        now = time.monotonic()
        for server_id in list(self.emulator.kube.urls()):
            if server_id not in self._servers:
                continue  # not a mesh nor a member cluster: nothing of the data plane's
            if now - self._last_ticks.get(server_id, 0.0) >= TICK_EVERY:
                self._last_ticks[server_id] = now
                try:
                    kube_api.tick(self.emulator, server_id)
                except Exception:  # pylint: disable=broad-except
                    print(f"geomesh-dataplane: tick {server_id}: {traceback.format_exc()}", file=sys.stderr)

    def sync(self) -> None:
        self._tick_servers()
        generation = self.emulator.store.generation
        now = time.monotonic()
        if generation == self._last_generation and now - self._last_full < FULL_EVERY:
            return
        self._last_generation = generation
        self._last_full = now
        snap = self._read()
        self._servers = set(snap.meshes) | set(snap.cluster_mesh)
        read_s = time.monotonic() - now
        self._converge_apps(snap)
        self._converge_proxies(snap)
        # as Kubernetes takes a terminating Pod out of the endpoints first: the backends of Pods that
        # are gone stop only once no proxy routes to them any more
        self._stop_gone_apps(snap)
        with self._lock:
            self.syncs += 1
            self.timing = {"read_s": round(read_s, 4), "sync_s": round(time.monotonic() - now, 4)}

    # -- reading the state -------------------------------------------------------------------------
    def _read(self) -> _Snapshot:
        snap = _Snapshot()
        with self.emulator.transaction(product="dataplane") as ctx:
            now = ctx.now()
            for mesh in ctx.store.list("asm_mesh"):
                if mesh.get("State") in ("deleting", "deleted"):
                    continue
                self._read_mesh(ctx, snap, asm.fold_membership(mesh, now), now)
        return snap

    def _read_mesh(self, ctx: Any, snap: _Snapshot, mesh: dict[str, Any], now: float) -> None:
        mesh_id = mesh["ServiceMeshId"]
        snap.meshes[mesh_id] = {
            "mesh": mesh_config(mesh),
            "istio": IstioConfig(
                virtual_services=tuple(_kube_objects(ctx, mesh_id, ISTIO_GROUP, "virtualservices")),
                destination_rules=tuple(_kube_objects(ctx, mesh_id, ISTIO_GROUP, "destinationrules")),
                gateways=tuple(_kube_objects(ctx, mesh_id, ISTIO_GROUP, "gateways")),
            ),
        }
        ends: dict[str, dict[str, Any]] = {}  # pod key -> routing endpoint (for reachability)
        for cluster_id in mesh.get("Clusters") or []:
            cluster = cs.get_cluster(ctx, cluster_id)
            if cluster is None or cluster.get("state") in ("deleting", "deleted", "failed"):
                continue
            snap.cluster_mesh[cluster_id] = mesh_id
            nodes = {n["node_name"]: n for n in cs.cluster_nodes(cluster, now)}
            pods = _kube_objects(ctx, cluster_id, "", "pods")
            services = _kube_objects(ctx, cluster_id, "", "services")
            for pod in pods:
                self._read_pod(snap, ends, cluster, nodes, pod)
            for svc in services:
                spec = svc.get("spec") or {}
                if not spec.get("selector"):
                    continue
                snap.services.append(
                    {
                        "cluster_id": cluster_id,
                        "name": _meta(svc).get("name"),
                        "namespace": _meta(svc).get("namespace") or "default",
                        "ports": list(spec.get("ports") or []),
                        "selector": dict(spec.get("selector") or {}),
                        "type": spec.get("type"),
                        "ingress": [
                            i.get("ip")
                            for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
                            if i.get("ip")
                        ],
                    }
                )
        self._gateway_proxies(snap, mesh_id)
        self._reachability(ctx, snap, ends, mesh_id)

    def _read_pod(
        self,
        snap: _Snapshot,
        ends: dict[str, dict[str, Any]],
        cluster: dict[str, Any],
        nodes: dict[str, dict[str, Any]],
        pod: dict[str, Any],
    ) -> None:
        meta = _meta(pod)
        ip = (pod.get("status") or {}).get("podIP")
        node = nodes.get((pod.get("spec") or {}).get("nodeName") or "")
        if not _pod_ready(pod) or not ip or node is None:
            return
        ns = meta.get("namespace") or "default"
        key = f"{cluster['cluster_id']}/{ns}/{meta['name']}"
        nlabels = node.get("labels") or {}
        locality = Locality(
            nlabels.get(REGION_LABEL) or node.get("region_id") or cluster.get("region_id") or "",
            nlabels.get(ZONE_LABEL) or node.get("zone_id") or "",
            nlabels.get(SUBZONE_LABEL) or "",
        )
        containers = (pod.get("spec") or {}).get("containers") or []
        sidecar = any(c.get("name") == SIDECAR for c in containers)
        snap.pods[key] = {
            "ip": ip,
            "cluster_id": cluster["cluster_id"],
            "namespace": ns,
            "pod": meta["name"],
            "labels": dict(meta.get("labels") or {}),
            "locality": locality,
            "sidecar": sidecar,
            "raw": pod,
        }
        ends[key] = {
            "ip": ip,
            "kind": "pod",
            "cluster_id": cluster["cluster_id"],
            "region": cluster.get("region_id", ""),
            "vpc_id": cluster.get("vpc_id", ""),
            "node": node["node_name"],
            "_node": node,
            "_cluster": cluster,
        }
        for c in containers:
            found = BOOKINFO_IMAGE.search(c.get("image") or "")
            if found:
                snap.apps[key] = {
                    "service": found.group(1),
                    "version": found.group(2),
                    "pod": meta["name"],
                    "cluster_name": None,  # CLUSTER_NAME is not set by the runbook's manifests
                }
                break
        if sidecar and ns != ISTIO_NS:
            snap.proxies.append(
                Proxy(
                    id=f"sidecar~{cluster['cluster_id']}~{ns}~{meta['name']}",
                    kind="sidecar",
                    cluster_id=cluster["cluster_id"],
                    namespace=ns,
                    pod=meta["name"],
                    ip=ip,
                    locality=locality,
                    labels=dict(meta.get("labels") or {}),
                )
            )

    def _gateway_proxies(self, snap: _Snapshot, mesh_id: str) -> None:
        """Ingress gateway Pods: in istio-system, selected by a LoadBalancer Service with an address."""
        for pod in snap.pods.values():
            if pod["namespace"] != ISTIO_NS or snap.cluster_mesh.get(pod["cluster_id"]) != mesh_id:
                continue
            ports = []
            for svc in snap.services:
                if (
                    svc["cluster_id"] != pod["cluster_id"]
                    or svc["namespace"] != ISTIO_NS
                    or svc["type"] != "LoadBalancer"
                    or not svc["ingress"]
                    or not _selects(svc["selector"], pod["labels"])
                ):
                    continue
                for p in svc["ports"]:
                    if (p.get("protocol") or "TCP") != "TCP":
                        continue
                    ports.append(
                        GatewayPort(svc["ingress"][0], int(p["port"]), _target_port(p, pod["raw"]), p.get("name") or "")
                    )
            if ports:
                snap.proxies.append(
                    Proxy(
                        id=f"gateway~{pod['cluster_id']}~{ISTIO_NS}~{pod['pod']}",
                        kind="gateway",
                        cluster_id=pod["cluster_id"],
                        namespace=ISTIO_NS,
                        pod=pod["pod"],
                        ip=pod["ip"],
                        locality=pod["locality"],
                        labels=pod["labels"],
                        gateway_ports=tuple(sorted(ports, key=lambda g: (g.address, g.port))),
                    )
                )

    def _reachability(self, ctx: Any, snap: _Snapshot, ends: dict[str, dict[str, Any]], mesh_id: str) -> None:
        """For every proxy and every app Pod of another cluster of its mesh: the routing model's
        verdict. Walked once per pair of nodes (with the first such Pods' addresses): routes and
        security group rules select Pod CIDRs (a node's Flannel slice, a Terway vSwitch), so Pods
        of one node fare alike (UNCONFIRMED for a rule naming a single Pod address)."""
        walked: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        for proxy in snap.proxies:
            if snap.cluster_mesh.get(proxy.cluster_id) != mesh_id:
                continue
            src_key = f"{proxy.cluster_id}/{proxy.namespace}/{proxy.pod}"
            src = ends.get(src_key)
            for dst_key in snap.apps:
                dst = ends.get(dst_key)
                if src is None or dst is None or dst["cluster_id"] == proxy.cluster_id:
                    continue
                pair = (src["cluster_id"], src["node"], dst["cluster_id"], dst["node"])
                if pair not in walked:
                    walked[pair] = routing.path_between(ctx, src, dst)
                snap.reach[(src_key, dst_key)] = walked[pair]

    # -- converging --------------------------------------------------------------------------------
    def _converge_apps(self, snap: _Snapshot) -> None:
        from .apps import AppSpec  # pylint: disable=import-outside-toplevel

        for key, app in sorted(snap.apps.items()):
            if key not in self._addresses:
                spec = AppSpec(key, app["service"], app["version"], app["pod"], app["cluster_name"])
                self._addresses[key] = self.apps.start(spec)
                if key in self._faults:
                    self.apps.set_fault(key, self._faults[key])
        local: dict[tuple[str, str, str], list[str]] = {}
        for svc in snap.services:
            for key in snap.apps:
                pod = snap.pods[key]
                if (
                    pod["cluster_id"] == svc["cluster_id"]
                    and pod["namespace"] == svc["namespace"]
                    and _selects(svc["selector"], pod["labels"])
                ):
                    local.setdefault((svc["cluster_id"], svc["namespace"], svc["name"]), []).append(key)
        with self._lock:
            self._local = local
            self._pods = {k: {kk: vv for kk, vv in v.items() if kk != "raw"} for k, v in snap.pods.items()}

    def _stop_gone_apps(self, snap: _Snapshot) -> None:
        for key in sorted(set(self._addresses) - set(snap.apps)):
            self.apps.stop(key)
            self._addresses.pop(key, None)

    def _services(self, snap: _Snapshot, mesh_id: str) -> list[Service]:
        """Services merged by namespace/name over the mesh's member clusters, with their ready app Pods."""
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for svc in snap.services:
            if svc["namespace"] == ISTIO_NS or snap.cluster_mesh.get(svc["cluster_id"]) != mesh_id:
                continue
            entry = merged.setdefault((svc["namespace"], svc["name"]), {"ports": {}, "endpoints": {}})
            for p in svc["ports"]:
                if (p.get("protocol") or "TCP") == "TCP":
                    entry["ports"].setdefault(int(p["port"]), p)
            for key in sorted(snap.apps):
                pod = snap.pods[key]
                if (
                    pod["cluster_id"] != svc["cluster_id"]
                    or pod["namespace"] != svc["namespace"]
                    or not _selects(svc["selector"], pod["labels"])
                    or key not in self._addresses
                ):
                    continue
                host, port = self._addresses[key]
                entry["endpoints"][key] = Endpoint(
                    key=key,
                    pod=pod["pod"],
                    namespace=pod["namespace"],
                    cluster_id=pod["cluster_id"],
                    ip=pod["ip"],
                    locality=pod["locality"],
                    labels=dict(pod["labels"]),
                    host=host,
                    port=port,
                )
        out = []
        for (ns, name), entry in sorted(merged.items()):
            ports = tuple(
                ServicePort(p.get("name") or "", int(p["port"]), _target_port(p, None), p.get("protocol") or "TCP")
                for _port, p in sorted(entry["ports"].items())
            )
            out.append(Service(name, ns, ports, tuple(entry["endpoints"][k] for k in sorted(entry["endpoints"]))))
        return out

    def _converge_proxies(self, snap: _Snapshot) -> None:
        from .translate import build_proxy_config  # pylint: disable=import-outside-toplevel

        wanted = {p.id: p for p in snap.proxies}
        for proxy_id in sorted(set(self._proxies) - set(wanted)):
            self.supervisor.stop(proxy_id)
            self._proxies.pop(proxy_id, None)
            self._fingerprints.pop(proxy_id, None)
            with self._lock:
                self._summaries.pop(proxy_id, None)
        services = {mesh_id: self._services(snap, mesh_id) for mesh_id in snap.meshes}
        blackhole = self._blackhole or ("127.0.0.1", 9)
        outbound: dict[str, tuple[str, int]] = {}
        for proxy_id, proxy in sorted(wanted.items()):
            mesh_id = snap.cluster_mesh[proxy.cluster_id]
            mesh, istio = snap.meshes[mesh_id]["mesh"], snap.meshes[mesh_id]["istio"]
            src_key = f"{proxy.cluster_id}/{proxy.namespace}/{proxy.pod}"
            verdicts = {dst: v["reachable"] for (src, dst), v in snap.reach.items() if src == src_key}
            fingerprint = hashlib.sha256(
                json.dumps(
                    [repr(proxy), repr(services[mesh_id]), repr(istio), repr(mesh), sorted(verdicts.items())],
                    sort_keys=True,
                    default=str,
                ).encode()
            ).hexdigest()
            if self._fingerprints.get(proxy_id) == fingerprint and _alive(self.supervisor.running().get(proxy_id)):
                info = self.supervisor.running()[proxy_id]
            else:
                paths = self.supervisor.paths(proxy_id)
                config = build_proxy_config(
                    proxy,
                    services[mesh_id],
                    istio,
                    mesh,
                    reachable=lambda ep, v=verdicts: v.get(ep.key, True),
                    blackhole=blackhole,
                    eds_path=paths["eds"],
                    rds_path=paths["rds"],
                    access_log_path=paths["access_log"],
                    inline=True,  # two watched files per Envoy, not one per cluster (translate.py)
                )
                info = self.supervisor.ensure(proxy_id, proxy.locality.as_dict(), config)
                self._fingerprints[proxy_id] = fingerprint
                self._proxies[proxy_id] = proxy
                with self._lock:
                    self._summaries[proxy_id] = {
                        "summary": config.summary,
                        "unreachable": {
                            dst: snap.reach[(src_key, dst)]
                            for dst, ok in verdicts.items()
                            if not ok and (src_key, dst) in snap.reach
                        },
                    }
            if proxy.kind == "sidecar":
                listen = (info.get("listeners") or {}).get("outbound")
                if listen:
                    host, _sep, port = listen.rpartition(":")
                    outbound[src_key] = (host, int(port))
        with self._lock:
            self._outbound = outbound

    # -- the apps' outbound calls ------------------------------------------------------------------
    def _upstream(self, caller_key: str, service: str, port: int) -> tuple[str, int] | None:
        """Where an app Pod's call to ``service:port`` goes: its sidecar's outbound listener, or,
        without a sidecar, a random ready Pod of the Service in its own cluster (kube-proxy)."""
        with self._lock:
            if caller_key in self._outbound:
                return self._outbound[caller_key]
            pod = self._pods.get(caller_key)
            if pod is None:
                return None
            if pod.get("sidecar"):
                return None  # the sidecar is not up yet: like a Pod whose istio-proxy is not ready
            keys = self._local.get((pod["cluster_id"], pod["namespace"], service)) or []
            addrs = [self._addresses[k] for k in keys if k in self._addresses]
        del port
        return random.choice(addrs) if addrs else None

    # -- control -----------------------------------------------------------------------------------
    def set_fault(self, body: dict[str, Any]) -> dict[str, Any]:
        """``{"pods": [key, ...]}`` or ``{"cluster_id", "namespace", "labels": {...}}``, with
        ``"status": 503`` (answer it) or ``null`` (clear). Returns the keys it applies to."""
        status = body.get("status")
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise ValueError("status must be an HTTP status code (100-599) or null")
        with self._lock:
            pods = dict(self._pods)
        if "pods" in body:
            keys = [str(k) for k in body["pods"] or []]
            unknown = [k for k in keys if k not in pods]
            if unknown:
                raise ValueError(f"unknown Pod keys: {unknown}")
        else:
            labels = body.get("labels") or {}
            if not isinstance(labels, dict):
                raise ValueError("labels must be a map")
            keys = [
                k
                for k, p in sorted(pods.items())
                if (not body.get("cluster_id") or p["cluster_id"] == body["cluster_id"])
                and (not body.get("region") or p["locality"].region == body["region"])
                and (not body.get("namespace") or p["namespace"] == body["namespace"])
                and all(p["labels"].get(lk) == lv for lk, lv in labels.items())
            ]
        for key in keys:
            if status is None:
                self._faults.pop(key, None)
            else:
                self._faults[key] = status
            if key in self._addresses:
                self.apps.set_fault(key, status)
        return {"pods": keys, "status": status}

    def status(self, live: bool = False) -> dict[str, Any]:
        """Proxies (locality, listeners, per-cluster endpoints with priority / weight /
        reachability, and with ``live`` Envoy's own view: health flags, ejections, request counts),
        backends, and recent errors."""
        with self._lock:
            pods = dict(self._pods)
            summaries = dict(self._summaries)
            errors = list(self.errors)
        running = self.supervisor.running() if self.supervisor else {}
        proxies = []
        for proxy_id, proxy in sorted(self._proxies.items()):
            entry: dict[str, Any] = {
                "id": proxy_id,
                "kind": proxy.kind,
                "cluster_id": proxy.cluster_id,
                "namespace": proxy.namespace,
                "pod": proxy.pod,
                "locality": proxy.locality.as_dict(),
                "gateway_ports": [
                    {"address": g.address, "port": g.port, "target_port": g.target_port, "name": g.name}
                    for g in proxy.gateway_ports
                ],
                **{k: v for k, v in (running.get(proxy_id) or {}).items() if k != "proxy_id"},
                "access_log": self.supervisor.paths(proxy_id)["access_log"],
                "endpoints": (summaries.get(proxy_id) or {}).get("summary") or {},
                "unreachable": (summaries.get(proxy_id) or {}).get("unreachable") or {},
            }
            if live and proxy_id in running:
                try:
                    entry["envoy"] = self.supervisor.clusters(proxy_id)
                except Exception as exc:  # pylint: disable=broad-except
                    entry["envoy_error"] = str(exc)
            proxies.append(entry)
        apps = []
        for key, addr in sorted(self._addresses.items()):
            pod = pods.get(key) or {}
            apps.append(
                {
                    "key": key,
                    "address": f"{addr[0]}:{addr[1]}",
                    "cluster_id": pod.get("cluster_id"),
                    "region": pod["locality"].region if pod else None,
                    "zone": pod["locality"].zone if pod else None,
                    "labels": pod.get("labels"),
                    "sidecar": pod.get("sidecar"),
                    "fault": self._faults.get(key),
                }
            )
        return {
            "enabled": True,
            "syncs": self.syncs,
            "last_sync": dict(self.timing),
            "proxies": proxies,
            "apps": apps,
            "errors": errors,
        }
