"""Istio config (VirtualService, DestinationRule, Gateway, meshConfig.localityLbSetting) -> Envoy v3
resources for ONE calling proxy (a sidecar or an ingress gateway).

This is this project's translation, written after Istio 1.30.3's pilot code as summarised in
``istio-locality-envoy.md`` (cited below as "ile.md §n"); it is not ASM's control plane. Pure: no
I/O, no emulator import; the same inputs give the same output (everything sorted).

Output: proto3 JSON dicts with the proto field names (``cluster_name``, ``lb_endpoints``), built
with the pydantic models of PyPI envoy-data-plane; every shape is loaded by a real Envoy 1.40 in
test_dp_translate.py.

Not translated (ignored if present): VirtualService ``fault``, ``rewrite``, ``redirect``,
``mirror``, ``headers``, ``corsPolicy``, match ``sourceLabels``/``gateways``/``ignoreUriCase``,
``tcp``/``tls`` routes, ``retryRemoteLocalities``, ``exportTo``; DestinationRule ``tls``,
``consistentHash``, ``PASSTHROUGH``, ``warmupDurationSecs``, ``exportTo``, ``workloadSelector``;
Service ``trafficDistribution``; Sidecar resources; meshConfig.defaultHttpRetryPolicy.
"""

from __future__ import annotations

import ipaddress
import math
import posixpath
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Mapping, Sequence

import betterproto2
from envoy_data_plane.envoy.config.accesslog.v3 import AccessLog
from envoy_data_plane.envoy.config.cluster.v3 import (
    CircuitBreakers,
    CircuitBreakersThresholds,
    Cluster,
    ClusterCommonLbConfig,
    ClusterCommonLbConfigLocalityWeightedLbConfig,
    ClusterDiscoveryType,
    ClusterEdsClusterConfig,
    ClusterLbPolicy,
    OutlierDetection,
)
from envoy_data_plane.envoy.config.core.v3 import Address as CoreAddress
from envoy_data_plane.envoy.config.core.v3 import (
    ApiVersion,
    ConfigSource,
    Http1ProtocolOptions,
    PathConfigSource,
    SocketAddress,
    SubstitutionFormatString,
    WatchedDirectory,
)
from envoy_data_plane.envoy.config.core.v3 import HttpProtocolOptions as CoreHttpProtocolOptions
from envoy_data_plane.envoy.config.core.v3 import Locality as CoreLocality
from envoy_data_plane.envoy.config.endpoint.v3 import ClusterLoadAssignment, LbEndpoint, LocalityLbEndpoints
from envoy_data_plane.envoy.config.endpoint.v3 import Endpoint as EnvoyEndpoint
from envoy_data_plane.envoy.config.listener.v3 import Filter, FilterChain, Listener
from envoy_data_plane.envoy.config.route.v3 import (
    HeaderMatcher,
    RetryPolicy,
    RetryPolicyRetryHostPredicate,
    Route,
    RouteAction,
    RouteConfiguration,
    RouteMatch,
    VirtualHost,
    WeightedCluster,
    WeightedClusterClusterWeight,
)
from envoy_data_plane.envoy.extensions.access_loggers.file.v3 import FileAccessLog
from envoy_data_plane.envoy.extensions.filters.http.router.v3 import Router
from envoy_data_plane.envoy.extensions.filters.network.http_connection_manager.v3 import (
    HttpConnectionManager,
    HttpFilter,
    Rds,
)
from envoy_data_plane.envoy.extensions.retry.host.previous_hosts.v3 import PreviousHostsPredicate
from envoy_data_plane.envoy.extensions.upstreams.http.v3 import (
    HttpProtocolOptions,
    HttpProtocolOptionsExplicitHttpConfig,
)
from envoy_data_plane.envoy.type.matcher.v3 import RegexMatcher, StringMatcher
from envoy_data_plane.envoy.type.v3 import Percent
from envoy_data_plane.google.protobuf import Any as ProtoAny
from envoy_data_plane.google.protobuf import Struct

from .model import Endpoint, IstioConfig, Locality, MeshConfig, Proxy, Service

MAX_U32 = 2**32 - 1
CONNECT_TIMEOUT = timedelta(seconds=10)  # Istio's default meshConfig.connectTimeout
DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"  # ile.md §4
PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts"
HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
ROOT_NAMESPACE = "istio-system"  # Istio's default meshConfig.rootNamespace
LABEL_REGION = "topology.kubernetes.io/region"
LABEL_ZONE = "topology.kubernetes.io/zone"
LABEL_SUBZONE = "topology.istio.io/subzone"
LABEL_CLUSTER = "topology.istio.io/cluster"

ACCESS_LOG_FORMAT = {
    "start_time": "%START_TIME%",
    "method": "%REQ(:METHOD)%",
    "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
    "authority": "%REQ(:AUTHORITY)%",
    "response_code": "%RESPONSE_CODE%",
    "response_flags": "%RESPONSE_FLAGS%",
    "upstream_host": "%UPSTREAM_HOST%",
    "upstream_cluster": "%UPSTREAM_CLUSTER%",
    "upstream_transport_failure_reason": "%UPSTREAM_TRANSPORT_FAILURE_REASON%",
    "x_request_id": "%REQ(X-REQUEST-ID)%",
    "duration": "%DURATION%",
    "attempts": "%UPSTREAM_REQUEST_ATTEMPT_COUNT%",
    "route_name": "%ROUTE_NAME%",
}


@dataclass
class ProxyConfig:
    listeners: list[dict] = field(default_factory=list)  # envoy.config.listener.v3.Listener
    routes: list[dict] = field(default_factory=list)  # envoy.config.route.v3.RouteConfiguration
    clusters: list[dict] = field(default_factory=list)  # envoy.config.cluster.v3.Cluster (EDS from a file)
    endpoints: list[dict] = field(default_factory=list)  # ClusterLoadAssignment, one per cluster
    # {cluster: [{"key", "region", "zone", "priority", "locality_weight", "reachable", "address"}]};
    # endpoints that `distribute` empties out are not listed (Envoy never sees them).
    summary: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# proto3 JSON


def proto_name(field_name: str) -> str:
    """The proto field name of a betterproto2 attribute (keyword clashes get a trailing "_")."""
    return field_name.rstrip("_")


def to_json(message: betterproto2.Message) -> dict:
    """Proto3 JSON with the proto field names (``cluster_name``, ``consecutive_5xx``), which Envoy's
    JSON parser accepts like the lowerCamel names; envoy.py reads ``cluster_name``. Not
    betterproto2's own casings: its camel gives ``consecutive5Xx`` and its snake
    ``consecutive_5_xx``, both rejected by Envoy (protoc's JSON name is ``consecutive5xx``)."""
    return message.to_dict(casing=proto_name)  # type: ignore[arg-type]


def pack(message: betterproto2.Message) -> ProtoAny:
    return ProtoAny.pack(message)


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|us|µs|ns|m|s)")
_DURATION_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def parse_duration(value: Any) -> timedelta:
    """Istio durations as written in CRDs: Go style ("1m", "1.5s", "1h30m", "100ms") or a number
    of seconds."""
    if isinstance(value, (int, float)):
        return timedelta(seconds=value)
    text = str(value).strip()
    if not text or _DURATION_PART.sub("", text):
        raise ValueError(f"invalid duration {value!r}")
    seconds = sum(float(num) * _DURATION_UNIT[unit] for num, unit in _DURATION_PART.findall(text))
    return timedelta(seconds=seconds)


def config_source(path: str) -> ConfigSource:
    return ConfigSource(
        path_config_source=PathConfigSource(
            path=path, watched_directory=WatchedDirectory(path=posixpath.dirname(path))
        ),
        resource_api_version=ApiVersion.V3,
    )


# ---------------------------------------------------------------------------------------------
# names and lookups


def cluster_name(port: int, hostname: str, subset: str = "") -> str:
    return f"outbound|{port}|{subset}|{hostname}"


def resolve_host(host: str, namespace: str) -> str:
    """A VS/DR host as Istio reads it: a short name is relative to the object's namespace."""
    if "*" in host or host.endswith(".svc.cluster.local"):
        return host
    parts = host.split(".")
    if len(parts) == 1:
        return f"{host}.{namespace}.svc.cluster.local"
    if len(parts) == 2:
        return f"{host}.svc.cluster.local"
    if len(parts) == 3 and parts[2] == "svc":
        return f"{host}.cluster.local"
    return host


def _meta(obj: Mapping[str, Any]) -> tuple[str, str, str]:
    meta = obj.get("metadata") or {}
    return (
        str(meta.get("creationTimestamp") or ""),
        str(meta.get("namespace") or "default"),
        str(meta.get("name") or ""),
    )


def _ordered(objs: Sequence[dict]) -> list[dict]:
    # Istio orders config by creation time, then namespace/name.
    return sorted(objs, key=_meta)


def _host_matches(pattern: str, host: str) -> bool:
    if pattern == "*":
        return True
    if pattern.startswith("*"):
        return host.endswith(pattern[1:])
    return pattern == host


def find_destination_rule(service: Service, proxy: Proxy, istio: IstioConfig) -> dict | None:
    """The DR for a service as Istio's PushContext.destinationRule picks it: the caller's namespace
    (unless it is the root namespace), then the service's namespace, then the root namespace
    (istio-system); DRs in other namespaces do not apply. Within one namespace the exact host
    beats a wildcard, then the oldest wins.
    UNCONFIRMED simplifications: Istio merges several DRs of one host and honours exportTo and
    workloadSelector; ASM's root namespace is assumed to be istio-system like Istio's default."""
    candidates = []
    for dr in istio.destination_rules:
        spec = dr.get("spec") or {}
        _ts, ns, _name = _meta(dr)
        host = resolve_host(str(spec.get("host") or ""), ns)
        if not _host_matches(host, service.hostname):
            continue
        if ns == proxy.namespace and ns != ROOT_NAMESPACE:
            ns_rank = 0
        elif ns == service.namespace:
            ns_rank = 1
        elif ns == ROOT_NAMESPACE:
            ns_rank = 2
        else:
            continue
        candidates.append(((ns_rank, 0 if host == service.hostname else 1, -len(host), _meta(dr)), dr))
    if not candidates:
        return None
    return min(candidates, key=lambda item: item[0])[1]


def _policy_fields(policy: Mapping[str, Any] | None) -> dict:
    if not policy:
        return {}
    return {k: policy[k] for k in ("connectionPool", "loadBalancer", "outlierDetection", "tls") if policy.get(k)}


def _port_level(policy: Mapping[str, Any] | None, port: int) -> Mapping[str, Any] | None:
    for settings in (policy or {}).get("portLevelSettings") or ():
        if int((settings.get("port") or {}).get("number") or -1) == port:
            return settings
    return None


def merged_traffic_policy(dr_spec: Mapping[str, Any] | None, subset: str, port: int) -> dict:
    """Istio's MergeTrafficPolicy (pilot/pkg/networking/util): the top-level policy with its
    portLevelSettings for the port applied (a port-level entry replaces connectionPool,
    loadBalancer, outlierDetection and tls as a whole, unset ones included), then the subset's
    fields override field by field, then the subset's own port-level entry replaces them again."""
    if not dr_spec:
        return {}
    top = dr_spec.get("trafficPolicy") or {}
    merged = _policy_fields(top)
    port_settings = _port_level(top, port)
    if port_settings is not None:
        merged = _policy_fields(port_settings)
    if subset:
        for sub in dr_spec.get("subsets") or ():
            if sub.get("name") == subset:
                sub_policy = sub.get("trafficPolicy") or {}
                merged.update(_policy_fields(sub_policy))
                sub_port = _port_level(sub_policy, port)
                if sub_port is not None:
                    merged = _policy_fields(sub_port)
                break
    return merged


def locality_lb_setting(policy: Mapping[str, Any], mesh: MeshConfig) -> Mapping[str, Any] | None:
    """ile.md §1 Precedence (lb.go:39-83): a DR localityLbSetting is used whole; enabled:false turns
    locality LB off; else the mesh setting; else Istio's default {enabled: true}."""
    dr_setting = (policy.get("loadBalancer") or {}).get("localityLbSetting")
    if dr_setting is not None:
        return None if dr_setting.get("enabled") is False else dr_setting
    mesh_setting = mesh.locality_lb_setting if mesh.locality_lb_setting is not None else {"enabled": True}
    return None if mesh_setting.get("enabled") is False else mesh_setting


# ---------------------------------------------------------------------------------------------
# locality LB (ile.md §1, §2), computed for the caller's locality


def _split_locality(rule: str) -> tuple[str, str, str]:
    parts = (rule.split("/") + ["", "", ""])[:3]
    return parts[0], parts[1], parts[2]


def locality_match(locality: Locality, rule: str) -> bool:
    """util.go:288-298 LocalityMatch: "*" or an omitted zone/subzone is a wildcard. So an ASM bare
    region key "cn-hangzhou" already reads as "cn-hangzhou/*" (UNCONFIRMED that ASM passes bare
    regions through unchanged, asm-details.md §1(b))."""
    region, zone, subzone = _split_locality(rule)
    return (
        (region == "*" or locality.region == region)
        and (zone in ("*", "") or locality.zone == zone)
        and (subzone in ("*", "") or locality.subzone == subzone)
    )


def lb_priority(caller: Locality, target: Locality) -> int:
    """util.go:300-311 LbPriority."""
    if caller.region == target.region:
        if caller.zone == target.zone:
            return 0 if caller.subzone == target.subzone else 1
        return 2
    return 3


@dataclass
class LocalityGroup:
    """One LocalityLbEndpoints: a locality's endpoints in one priority."""

    locality: Locality
    endpoints: list[Endpoint]
    weight: int  # load_balancing_weight of the LocalityLbEndpoints
    priority: int = 0
    emptied: bool = False  # distribute: unmatched locality, lb_endpoints removed


def group_by_locality(endpoints: Sequence[Endpoint]) -> list[LocalityGroup]:
    groups: dict[Locality, list[Endpoint]] = {}
    for ep in endpoints:
        groups.setdefault(ep.locality, []).append(ep)
    out = []
    for loc in sorted(groups, key=lambda item: (item.region, item.zone, item.subzone)):
        eps = sorted(groups[loc], key=lambda item: item.key)
        out.append(LocalityGroup(loc, eps, weight=len(eps)))  # eb.go:475-484: Σ endpoint weights (1 each)
    return out


def apply_distribute(caller: Locality, groups: list[LocalityGroup], distribute: Sequence[Mapping[str, Any]]) -> None:
    """lb.go:119-178 applyLocalityWeights. Istio iterates `to` as a Go map (random order when keys
    overlap); here in the given order. Unmatched localities keep their LocalityLbEndpoints and
    weight but lose every endpoint (`LbEndpoints = nil`), as Istio does."""
    for setting in distribute:
        if not locality_match(caller, str(setting.get("from") or "")):
            continue
        unmatched = set(range(len(groups)))
        for key, weight in (setting.get("to") or {}).items():
            claimed = {}
            for i, group in enumerate(groups):
                if i in unmatched and locality_match(group.locality, str(key)):
                    unmatched.discard(i)
                    claimed[i] = group.weight
            total = sum(claimed.values())
            for i, orig in claimed.items():
                dest = orig * int(weight) / total
                if dest > 0:
                    groups[i].weight = math.ceil(dest)
        for i in unmatched:
            groups[i].emptied = True
        return


def _proxy_label(proxy: Proxy, key: str) -> str:
    return {
        LABEL_REGION: proxy.locality.region,
        LABEL_ZONE: proxy.locality.zone,
        LABEL_SUBZONE: proxy.locality.subzone,
        LABEL_CLUSTER: proxy.cluster_id,
    }.get(key, proxy.labels.get(key, ""))


def _endpoint_label(ep: Endpoint, key: str) -> str:
    return {
        LABEL_REGION: ep.locality.region,
        LABEL_ZONE: ep.locality.zone,
        LABEL_SUBZONE: ep.locality.subzone,
        LABEL_CLUSTER: ep.cluster_id,
    }.get(key, ep.labels.get(key, ""))


def _compact(groups: list[LocalityGroup]) -> None:
    order = {prio: i for i, prio in enumerate(sorted({g.priority for g in groups}))}
    for group in groups:
        group.priority = order[group.priority]


def apply_failover_priority(proxy: Proxy, groups: list[LocalityGroup], labels: Sequence[str]) -> list[LocalityGroup]:
    """lb.go:246-355 applyPriorityFailover: per endpoint, the first label j (of N) whose value
    differs from the caller's (or from the literal in `key=value`) gives priority N-j, all equal
    gives 0; each locality is split per priority (weight = its endpoints' count); then compacted.
    Istio's proxy labels always carry the topology labels, so the no-labels no-op never applies."""
    out: list[LocalityGroup] = []
    lowest = len(labels)
    for group in groups:
        by_prio: dict[int, list[Endpoint]] = {}
        for ep in group.endpoints:
            prio = 0
            for j, entry in enumerate(labels):
                key, sep, literal = str(entry).partition("=")
                want = literal if sep else _proxy_label(proxy, key)
                if _endpoint_label(ep, key) != want:
                    prio = lowest - j
                    break
            by_prio.setdefault(prio, []).append(ep)
        for prio in sorted(by_prio):
            out.append(LocalityGroup(group.locality, by_prio[prio], weight=len(by_prio[prio]), priority=prio))
    _compact(out)
    return out


def apply_failover(caller: Locality, groups: list[LocalityGroup], failover: Sequence[Mapping[str, Any]]) -> None:
    """lb.go:181-235 applyLocalityFailover: raw priority 0-3 against the caller, 4 for other regions
    than the `to` of the first entry whose `from` is the caller's region; plus 5x the priority
    failoverPriority gave; compacted to 0..N. Istio wants bare regions in failover; a "region/*"
    or "region/zone" form is cut to its region here (UNCONFIRMED what ASM sends, asm-details §1)."""
    for group in groups:
        raw = lb_priority(caller, group.locality)
        if raw == 3:
            for entry in failover:
                if _split_locality(str(entry.get("from") or ""))[0] == caller.region:
                    if group.locality.region != _split_locality(str(entry.get("to") or ""))[0]:
                        raw = 4
                    break
        group.priority = group.priority * 5 + raw
    _compact(groups)


def locality_groups(
    proxy: Proxy, endpoints: Sequence[Endpoint], setting: Mapping[str, Any] | None, outlier: bool
) -> tuple[list[LocalityGroup], bool]:
    """ile.md §1/§2: (groups, locality_weighted_lb_config?) for one cluster and this caller."""
    groups = group_by_locality(endpoints)
    if setting is None:
        return groups, False
    distribute = setting.get("distribute") or ()
    failover = setting.get("failover") or ()
    failover_priority = setting.get("failoverPriority") or ()
    if distribute:  # lb.go:99-115: distribute wins, no priorities
        apply_distribute(proxy.locality, groups, distribute)
    elif outlier:  # §2: failover only with outlierDetection in the merged policy
        if failover_priority:
            groups = apply_failover_priority(proxy, groups, failover_priority)
            if failover:
                apply_failover(proxy.locality, groups, failover)
        else:
            apply_failover(proxy.locality, groups, failover)
    # ctp.go:323-331: only for distribute, or failover/failoverPriority with outlier detection.
    weighted = bool(distribute) or (outlier and bool(failover or failover_priority))
    groups.sort(key=lambda g: (g.priority, g.locality.region, g.locality.zone, g.locality.subzone))
    return groups, weighted


# ---------------------------------------------------------------------------------------------
# clusters


def outlier_detection(od: Mapping[str, Any]) -> OutlierDetection:
    """ile.md §3 (ctp.go:454-521 applyOutlierDetection)."""
    kwargs: dict[str, Any] = {"enforcing_success_rate": 0}
    if od.get("consecutive5xxErrors") is not None:
        value = int(od["consecutive5xxErrors"])
        kwargs["consecutive_5xx"] = value
        kwargs["enforcing_consecutive_5xx"] = 100 if value > 0 else 0
    if od.get("consecutiveGatewayErrors") is not None:
        value = int(od["consecutiveGatewayErrors"])
        kwargs["consecutive_gateway_failure"] = value
        kwargs["enforcing_consecutive_gateway_failure"] = 100 if value > 0 else 0
    if od.get("interval"):
        kwargs["interval"] = parse_duration(od["interval"])
    if od.get("baseEjectionTime"):
        kwargs["base_ejection_time"] = parse_duration(od["baseEjectionTime"])
    if int(od.get("maxEjectionPercent") or 0) > 0:
        kwargs["max_ejection_percent"] = int(od["maxEjectionPercent"])
    if od.get("splitExternalLocalOriginErrors"):
        kwargs["split_external_local_origin_errors"] = True
        local = int(od.get("consecutiveLocalOriginFailures") or 0)
        if local > 0:
            kwargs["consecutive_local_origin_failure"] = local
            kwargs["enforcing_consecutive_local_origin_failure"] = 100
        kwargs["enforcing_local_origin_success_rate"] = 0
    return OutlierDetection(**kwargs)


_LB_POLICY = {
    "ROUND_ROBIN": ClusterLbPolicy.ROUND_ROBIN,
    "LEAST_REQUEST": ClusterLbPolicy.LEAST_REQUEST,
    "LEAST_CONN": ClusterLbPolicy.LEAST_REQUEST,
    "RANDOM": ClusterLbPolicy.RANDOM,
}


def build_cluster(
    name: str,
    policy: Mapping[str, Any],
    weighted: bool,
    eds_file: str,
    load_assignment: ClusterLoadAssignment | None = None,
) -> Cluster:
    """An EDS cluster reading ``eds_file``; with ``load_assignment``, a STATIC cluster holding it
    (``build_proxy_config(inline=True)``)."""
    lb = policy.get("loadBalancer") or {}
    pool = policy.get("connectionPool") or {}
    http_pool = pool.get("http") or {}
    tcp_pool = pool.get("tcp") or {}
    # Istio's default thresholds are all MaxUint32 (else Envoy's max_retries 3 would cap retries).
    thresholds = CircuitBreakersThresholds(
        max_connections=int(tcp_pool.get("maxConnections") or MAX_U32),
        max_pending_requests=int(http_pool.get("http1MaxPendingRequests") or MAX_U32),
        max_requests=int(http_pool.get("http2MaxRequests") or MAX_U32),
        max_retries=int(http_pool.get("maxRetries") or MAX_U32),
        track_remaining=True,
    )
    cluster = Cluster(
        name=name,
        connect_timeout=(
            parse_duration(tcp_pool["connectTimeout"]) if tcp_pool.get("connectTimeout") else CONNECT_TIMEOUT
        ),
        # Istio's default is LEAST_REQUEST (ctp.go:354); PASSTHROUGH / consistentHash not translated.
        lb_policy=_LB_POLICY.get(str(lb.get("simple") or ""), ClusterLbPolicy.LEAST_REQUEST),
        circuit_breakers=CircuitBreakers(thresholds=[thresholds]),
    )
    if load_assignment is not None:
        cluster.type = ClusterDiscoveryType.STATIC
        cluster.load_assignment = load_assignment
    else:
        cluster.type = ClusterDiscoveryType.EDS
        cluster.eds_cluster_config = ClusterEdsClusterConfig(eds_config=config_source(eds_file), service_name=name)
    common = ClusterCommonLbConfig()
    use_common = False
    od = policy.get("outlierDetection")
    if od is not None:
        cluster.outlier_detection = outlier_detection(od)
        # ile.md §3: minHealthPercent -> healthy_panic_threshold, unset = 0 (panic off).
        common.healthy_panic_threshold = Percent(value=float(od.get("minHealthPercent") or 0))
        use_common = True
    if weighted:
        common.locality_weighted_lb_config = ClusterCommonLbConfigLocalityWeightedLbConfig()
        use_common = True
    if use_common:
        cluster.common_lb_config = common
    max_requests = int(http_pool.get("maxRequestsPerConnection") or 0)
    if max_requests > 0:  # ile.md §3 (ctp.go:162-164)
        options = HttpProtocolOptions(
            common_http_protocol_options=CoreHttpProtocolOptions(max_requests_per_connection=max_requests),
            explicit_http_config=HttpProtocolOptionsExplicitHttpConfig(http_protocol_options=Http1ProtocolOptions()),
        )
        cluster.typed_extension_protocol_options = {HTTP_PROTOCOL_OPTIONS: pack(options)}
    return cluster


def _socket(host: str, port: int) -> CoreAddress:
    return CoreAddress(socket_address=SocketAddress(address=host, port_value=port))


def blackhole_address(blackhole: tuple[str, int], index: int) -> tuple[str, int]:
    """The blackhole for the index-th endpoint of a service: the blackhole IPv4 address + index.
    Envoy keeps one host per address in a ClusterLoadAssignment (two endpoints at one address
    collapse into one host, in any locality or priority; seen with Envoy 1.40 in
    test_dp_translate.py), so every unreachable endpoint needs an address of its own to keep its
    place. UNCONFIRMED that nothing listens on <blackhole ip + n>:<blackhole port>: only the
    given address is reserved by the caller."""
    host, port = blackhole
    try:
        return str(ipaddress.IPv4Address(host) + index), port
    except ValueError:  # not an IPv4 literal, or past 255.255.255.255
        return host, port


def build_load_assignment(
    name: str,
    groups: Sequence[LocalityGroup],
    reachable: Callable[[Endpoint], bool],
    blackhole: tuple[str, int],
    index: Mapping[str, int],
) -> tuple[ClusterLoadAssignment, list[dict]]:
    """``index``: the endpoint's position in its service (by key), which picks its blackhole."""
    summary = []
    localities = []
    for group in groups:
        lb_endpoints = []
        if not group.emptied:
            for ep in group.endpoints:
                ok = bool(reachable(ep))
                host, port = (ep.host, ep.port) if ok else blackhole_address(blackhole, index[ep.key])
                lb_endpoints.append(
                    LbEndpoint(endpoint=EnvoyEndpoint(address=_socket(host, port)), load_balancing_weight=1)
                )
                summary.append(
                    {
                        "key": ep.key,
                        "region": ep.locality.region,
                        "zone": ep.locality.zone,
                        "priority": group.priority,
                        "locality_weight": group.weight,
                        "reachable": ok,
                        "address": f"{host}:{port}",
                    }
                )
        localities.append(
            LocalityLbEndpoints(
                locality=CoreLocality(
                    region=group.locality.region, zone=group.locality.zone, sub_zone=group.locality.subzone
                ),
                lb_endpoints=lb_endpoints,
                load_balancing_weight=group.weight,
                priority=group.priority,
            )
        )
    return ClusterLoadAssignment(cluster_name=name, endpoints=localities), summary


# ---------------------------------------------------------------------------------------------
# routes


def default_retry_policy() -> RetryPolicy:
    """ile.md §4 (retry.go:35-65): Istio's default on routes without `retries`."""
    return RetryPolicy(
        retry_on=DEFAULT_RETRY_ON,
        num_retries=2,
        retry_host_predicate=[
            RetryPolicyRetryHostPredicate(name=PREVIOUS_HOSTS, typed_config=pack(PreviousHostsPredicate()))
        ],
        host_selection_retry_max_attempts=5,
    )


def retry_policy(retries: Mapping[str, Any] | None, mesh: MeshConfig) -> RetryPolicy | None:
    """retry.go:96-141 ConvertPolicy: the default policy overridden by the VS `retries`; HTTP status
    codes in retryOn become retriable_status_codes; attempts 0 disables retries."""
    if retries is None:
        return default_retry_policy() if mesh.default_retry else None
    attempts = int(retries.get("attempts") or 0)
    if attempts <= 0:
        return None
    policy = default_retry_policy()
    policy.num_retries = attempts
    retry_on = str(retries.get("retryOn") or "")
    if retry_on:
        names, codes = [], []
        for item in (part.strip() for part in retry_on.split(",")):
            if item.isdigit():
                codes.append(int(item))
            elif item:
                names.append(item)
        if codes and "retriable-status-codes" not in names:
            names.append("retriable-status-codes")
        policy.retry_on = ",".join(names)
        policy.retriable_status_codes = codes
    if retries.get("perTryTimeout"):
        policy.per_try_timeout = parse_duration(retries["perTryTimeout"])
    return policy


def _string_matcher(spec: Mapping[str, Any]) -> StringMatcher | None:
    if "exact" in spec:
        return StringMatcher(exact=str(spec["exact"]))
    if "prefix" in spec:
        return StringMatcher(prefix=str(spec["prefix"]))
    if "regex" in spec:
        return StringMatcher(safe_regex=RegexMatcher(regex=str(spec["regex"])))
    return None


def route_match(match: Mapping[str, Any] | None) -> RouteMatch:
    match = match or {}
    uri = match.get("uri") or {}
    if "exact" in uri:
        out = RouteMatch(path=str(uri["exact"]))
    elif "regex" in uri:
        out = RouteMatch(safe_regex=RegexMatcher(regex=str(uri["regex"])))
    else:
        out = RouteMatch(prefix=str(uri.get("prefix") or "/"))
    headers = []
    for name in sorted(match.get("headers") or {}):
        matcher = _string_matcher(match["headers"][name])
        if matcher is not None:
            headers.append(HeaderMatcher(name=name, string_match=matcher))
    if match.get("method"):
        matcher = _string_matcher(match["method"])
        if matcher is not None:
            headers.append(HeaderMatcher(name=":method", string_match=matcher))
    out.headers = headers
    return out


@dataclass(frozen=True)
class _Vhost:
    service: Service | None
    port: int


def _destination_cluster(
    dest: Mapping[str, Any], vs_namespace: str, vhost: _Vhost, services: Mapping[str, Service]
) -> str:
    hostname = resolve_host(str(dest.get("host") or ""), vs_namespace)
    service = services.get(hostname)
    port = int((dest.get("port") or {}).get("number") or 0)
    if not port:
        if vhost.service is not None and vhost.service.hostname == hostname:
            port = vhost.port
        elif service is not None and service.ports:
            port = service.ports[0].port  # Istio: the only port; UNCONFIRMED for several ports
    return cluster_name(port, hostname, str(dest.get("subset") or ""))


def http_routes(
    vs: dict, vhost: _Vhost, services: Mapping[str, Service], mesh: MeshConfig, on_port: int | None
) -> list[Route]:
    _ts, vs_ns, vs_name = _meta(vs)
    out = []
    for index, http in enumerate((vs.get("spec") or {}).get("http") or ()):
        dests = [d for d in http.get("route") or () if d.get("destination")]
        if not dests:
            continue
        weights = [
            WeightedClusterClusterWeight(
                name=_destination_cluster(d["destination"], vs_ns, vhost, services), weight=int(d.get("weight") or 0)
            )
            for d in dests
        ]
        weights = [w for w in weights if w.weight]  # Istio drops weight-0 destinations
        if len(dests) == 1 or not weights:
            action = RouteAction(cluster=_destination_cluster(dests[0]["destination"], vs_ns, vhost, services))
        else:
            action = RouteAction(weighted_clusters=WeightedCluster(clusters=weights))
        # Istio disables Envoy's 15 s default route timeout unless the VS sets one.
        action.timeout = parse_duration(http["timeout"]) if http.get("timeout") else timedelta(0)
        retry = retry_policy(http.get("retries"), mesh)
        if retry is not None:
            action.retry_policy = retry
        matches = [
            m for m in http.get("match") or () if on_port is None or not m.get("port") or int(m["port"]) == on_port
        ]
        if http.get("match") and not matches:
            continue
        for match in matches or [None]:
            name = f"{vs_ns}/{vs_name}/{http.get('name') or index}"
            out.append(Route(name=name, match=route_match(match), route=action))
    return out


def _default_route(vhost: _Vhost, mesh: MeshConfig) -> Route:
    assert vhost.service is not None
    action = RouteAction(cluster=cluster_name(vhost.port, vhost.service.hostname), timeout=timedelta(0))
    retry = retry_policy(None, mesh)
    if retry is not None:
        action.retry_policy = retry
    return Route(name="default", match=RouteMatch(prefix="/"), route=action)


def _vs_gateways(vs: dict) -> list[str]:
    return list((vs.get("spec") or {}).get("gateways") or ())


def _sidecar_vs(hostname: str, istio: IstioConfig) -> dict | None:
    """The first (oldest) mesh VirtualService naming the host. Istio does not merge mesh VSes."""
    for vs in _ordered(list(istio.virtual_services)):
        gws = _vs_gateways(vs)
        if gws and "mesh" not in gws:
            continue
        _ts, ns, _name = _meta(vs)
        if any(resolve_host(str(h), ns) == hostname for h in (vs.get("spec") or {}).get("hosts") or ()):
            return vs
    return None


def sidecar_route_config(
    proxy: Proxy, services: Sequence[Service], istio: IstioConfig, mesh: MeshConfig
) -> RouteConfiguration:
    by_host = {s.hostname: s for s in services}
    vhosts = []
    for service in services:
        short = [service.name] if service.namespace == proxy.namespace else []
        names = short + [
            f"{service.name}.{service.namespace}",
            f"{service.name}.{service.namespace}.svc",
            service.hostname,
        ]
        vs = _sidecar_vs(service.hostname, istio)
        for i, sport in enumerate(sorted(service.ports, key=lambda p: p.port)):
            # Port-less names only on the lowest port: one listener serves every port here and Envoy
            # rejects a domain in two virtual hosts.
            domains = [f"{n}:{sport.port}" for n in names] + (names if i == 0 else [])
            vhost = _Vhost(service, sport.port)
            routes = http_routes(vs, vhost, by_host, mesh, sport.port) if vs else [_default_route(vhost, mesh)]
            vhosts.append(VirtualHost(name=f"{service.hostname}:{sport.port}", domains=domains, routes=routes))
    return RouteConfiguration(name="outbound", virtual_hosts=vhosts, validate_clusters=False)


def _selector_matches(gateway: dict, labels: Mapping[str, str]) -> bool:
    selector = (gateway.get("spec") or {}).get("selector") or {}
    return all(labels.get(k) == v for k, v in selector.items())


def _vs_binds(vs: dict, gateway: dict) -> bool:
    vs_ns = _meta(vs)[1]
    gw_ns, gw_name = _meta(gateway)[1:]
    for ref in _vs_gateways(vs):
        ns, sep, name = str(ref).rpartition("/")
        if (name, ns if sep else vs_ns) == (gw_name, gw_ns):
            return True
    return False


def gateway_route_config(
    target_port: int, gateways: Sequence[dict], services: Sequence[Service], istio: IstioConfig, mesh: MeshConfig
) -> RouteConfiguration:
    """Virtual hosts of the Gateway servers on this port: one per VS host that a server host
    admits (`*`, `*.suffix`, exact; the `ns/` prefix limits the VS namespace); the routes of every
    bound VS of that host concatenated, oldest VS first (Istio merges gateway VSes by host)."""
    by_host = {s.hostname: s for s in services}
    hosts: dict[str, list[Route]] = {}
    for gateway in gateways:
        for server in (gateway.get("spec") or {}).get("servers") or ():
            if int((server.get("port") or {}).get("number") or -1) != target_port:
                continue
            for vs in _ordered(list(istio.virtual_services)):
                if not _vs_binds(vs, gateway):
                    continue
                _ts, vs_ns, vs_name = _meta(vs)
                for vs_host in (vs.get("spec") or {}).get("hosts") or ():
                    admitted = False
                    for server_host in server.get("hosts") or ():
                        ns, sep, pattern = str(server_host).rpartition("/")
                        ns = ns if sep else "*"
                        if ns in ("*", vs_ns) or (ns == "." and vs_ns == _meta(gateway)[1]):
                            admitted = admitted or _host_matches(pattern, str(vs_host))
                    if admitted and str(vs_host) not in hosts:
                        hosts[str(vs_host)] = http_routes(vs, _Vhost(None, 0), by_host, mesh, None)
                    elif admitted and not any(r.name.startswith(f"{vs_ns}/{vs_name}/") for r in hosts[str(vs_host)]):
                        hosts[str(vs_host)] += http_routes(vs, _Vhost(None, 0), by_host, mesh, None)
    vhosts = []
    for host in sorted(hosts):
        domains = [host] if host == "*" else [host, f"{host}:*"]
        vhosts.append(VirtualHost(name=f"{host}:{target_port}", domains=domains, routes=hosts[host]))
    return RouteConfiguration(name=f"http.{target_port}", virtual_hosts=vhosts, validate_clusters=False)


# ---------------------------------------------------------------------------------------------
# listeners


def http_listener(
    name: str,
    host: str,
    port: int,
    route_name: str,
    rds_path: str | Callable[[str], str],
    access_log_path: str,
    reuse: bool,
    route_config: RouteConfiguration | None = None,
) -> Listener:
    """With ``route_config`` the routes are inline (``build_proxy_config(inline=True)``), else RDS
    from ``rds_path``."""
    hcm = HttpConnectionManager(
        stat_prefix=name,
        http_filters=[HttpFilter(name="envoy.filters.http.router", typed_config=pack(Router()))],
        access_log=[
            AccessLog(
                name="envoy.access_loggers.file",
                typed_config=pack(
                    FileAccessLog(
                        path=access_log_path,
                        log_format=SubstitutionFormatString(json_format=Struct.from_dict(ACCESS_LOG_FORMAT)),
                    )
                ),
            )
        ],
    )
    if route_config is not None:
        hcm.route_config = route_config
    else:
        hcm.rds = Rds(
            config_source=config_source(rds_path(route_name) if callable(rds_path) else rds_path),
            route_config_name=route_name,
        )
    listener = Listener(
        name=name,
        address=_socket(host, port),
        filter_chains=[
            FilterChain(filters=[Filter(name="envoy.filters.network.http_connection_manager", typed_config=pack(hcm))])
        ],
    )
    if reuse:
        listener.enable_reuse_port = True
    return listener


# ---------------------------------------------------------------------------------------------


def build_proxy_config(
    proxy: Proxy,
    services: Sequence[Service],
    istio: IstioConfig,
    mesh: MeshConfig,
    reachable: Callable[[Endpoint], bool],
    blackhole: tuple[str, int],
    eds_path: Callable[[str], str],
    rds_path: str | Callable[[str], str],
    access_log_path: str,
    inline: bool = False,
) -> ProxyConfig:
    """The Envoy resources for ``proxy`` (see the module doc and issue11-interfaces.md).

    ``inline``: endpoints inside STATIC clusters and routes inside the listeners, so an Envoy
    watches two files (LDS, CDS) instead of one per cluster and route configuration: every file
    watch costs an inotify instance, and a machine allows 128 per user by default
    (fs.inotify.max_user_instances), which a few dozen Envoys with an EDS file per cluster exhaust
    (Envoy then aborts in its inotify watcher). An endpoint change then replaces that cluster (its
    outlier detection state starts over); unchanged clusters keep theirs.

    ``rds_path`` is the RDS file, or (as envoy.py and manager.py pass it) a function of the route
    config name giving one file per RouteConfiguration: Envoy's RDS subscription takes exactly one
    resource per file, so a gateway with several ports needs the function form."""
    services = sorted(services, key=lambda s: (s.namespace, s.name))
    config = ProxyConfig()

    for service in services:
        dr = find_destination_rule(service, proxy, istio)
        dr_spec = (dr or {}).get("spec") or None
        subsets = [("", None)] + [
            (str(sub.get("name")), sub.get("labels") or {})
            for sub in (dr_spec or {}).get("subsets") or ()
            if sub.get("name")
        ]
        index = {key: i for i, key in enumerate(sorted(e.key for e in service.endpoints))}
        for sport in sorted(service.ports, key=lambda p: p.port):
            for subset, labels in subsets:
                name = cluster_name(sport.port, service.hostname, subset)
                endpoints = [
                    e for e in service.endpoints if all(e.labels.get(k) == v for k, v in (labels or {}).items())
                ]
                policy = merged_traffic_policy(dr_spec, subset, sport.port)
                setting = locality_lb_setting(policy, mesh)
                groups, weighted = locality_groups(
                    proxy, endpoints, setting, policy.get("outlierDetection") is not None
                )
                assignment, summary = build_load_assignment(name, groups, reachable, blackhole, index)
                if inline:
                    config.clusters.append(to_json(build_cluster(name, policy, weighted, "", assignment)))
                else:
                    config.clusters.append(to_json(build_cluster(name, policy, weighted, eds_path(name))))
                    config.endpoints.append(to_json(assignment))
                config.summary[name] = summary

    if proxy.kind == "gateway":
        gateways = [g for g in _ordered(list(istio.gateways)) if _selector_matches(g, proxy.labels)]
        done_routes: set[int] = set()
        for gport in sorted(proxy.gateway_ports, key=lambda p: (p.address, p.port)):
            bound = [
                g
                for g in gateways
                if any(
                    int((s.get("port") or {}).get("number") or -1) == gport.target_port
                    for s in (g.get("spec") or {}).get("servers") or ()
                )
            ]
            if not bound:
                continue
            route_name = f"http.{gport.target_port}"
            routes = gateway_route_config(gport.target_port, bound, services, istio, mesh)
            config.listeners.append(
                to_json(
                    http_listener(
                        f"{gport.address}_{gport.port}",
                        gport.address,
                        gport.port,
                        route_name,
                        rds_path,
                        access_log_path,
                        True,
                        routes if inline else None,
                    )
                )
            )
            if not inline and gport.target_port not in done_routes:
                done_routes.add(gport.target_port)
                config.routes.append(to_json(routes))
    else:
        routes = sidecar_route_config(proxy, services, istio, mesh)
        config.listeners.append(
            to_json(
                http_listener(
                    "outbound", "127.0.0.1", 0, "outbound", rds_path, access_log_path, False, routes if inline else None
                )
            )
        )
        if not inline:
            config.routes.append(to_json(routes))
    return config
