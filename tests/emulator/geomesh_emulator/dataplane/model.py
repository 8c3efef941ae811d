"""The data plane's view of the emulator state: what translate.py turns into Envoy configuration.

Built by manager.py from the emulator's cloud and Kubernetes state; plain frozen dataclasses, no
I/O, so the translation can be tested on hand-made inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Locality:
    region: str
    zone: str = ""
    subzone: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("region", self.region), ("zone", self.zone), ("sub_zone", self.subzone)) if v}


@dataclass(frozen=True)
class Endpoint:
    """One running Pod behind a Service port."""

    key: str  # "<cluster_id>/<namespace>/<pod name>"
    pod: str
    namespace: str
    cluster_id: str
    ip: str  # the Pod IP of the cloud model (not routable on this machine)
    locality: Locality  # its node's topology.kubernetes.io/region|zone labels
    labels: Mapping[str, str]
    host: str  # where its backend listens on this machine ("127.0.0.1")
    port: int  # ... and port (the app's inbound port)


@dataclass(frozen=True)
class ServicePort:
    name: str
    port: int
    target_port: int
    protocol: str = "TCP"


@dataclass(frozen=True)
class Service:
    """The union of the same-named Service over the mesh's member clusters (Istio multi-cluster)."""

    name: str
    namespace: str
    ports: tuple[ServicePort, ...]
    endpoints: tuple[Endpoint, ...]

    @property
    def hostname(self) -> str:
        return f"{self.name}.{self.namespace}.svc.cluster.local"


@dataclass(frozen=True)
class GatewayPort:
    address: str  # the LoadBalancer Service's status.loadBalancer.ingress[0].ip
    port: int  # the Service port
    target_port: int  # its targetPort, matched against the Gateway servers' port.number
    name: str = ""


@dataclass(frozen=True)
class Proxy:
    """One calling Envoy: a Pod's sidecar, or an ingress gateway Pod."""

    id: str  # "sidecar~<cluster_id>~<namespace>~<pod>" | "gateway~<cluster_id>~<namespace>~<pod>"
    kind: str  # "sidecar" | "gateway"
    cluster_id: str
    namespace: str
    pod: str
    ip: str
    locality: Locality
    labels: Mapping[str, str]
    gateway_ports: tuple[GatewayPort, ...] = ()


@dataclass(frozen=True)
class MeshConfig:
    """``locality_lb_setting``: Istio's meshConfig.localityLbSetting in Istio's shape
    (``{"enabled", "failover": [{"from", "to"}], "distribute": [{"from", "to": {key: weight}}]}``)
    or None when the mesh sets none (Istio's default ``{enabled: true}`` applies)."""

    locality_lb_setting: Mapping[str, Any] | None = None
    default_retry: bool = True


@dataclass(frozen=True)
class IstioConfig:
    """The mesh API server's networking.istio.io objects (any served version; same spec)."""

    virtual_services: tuple[dict, ...] = ()
    destination_rules: tuple[dict, ...] = ()
    gateways: tuple[dict, ...] = field(default_factory=tuple)
