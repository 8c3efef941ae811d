"""Emulator clock and provisioning delays."""

from __future__ import annotations

import os
import threading
import time

ENV_DELAY_SCALE = "GEOMESH_EMULATOR_DELAY_SCALE"
ENV_DELAY_PROFILE = "GEOMESH_EMULATOR_DELAY_PROFILE"

# Provisioning delays in seconds at delay scale 1. Real Alibaba Cloud takes tens of seconds to
# many minutes; these are deliberately small so that a full converge stays quick locally while
# still exercising every waiter. Unknown names fall back to DEFAULT_DELAY.
DEFAULT_DELAY = 1.0
DELAYS: dict[str, float] = {
    "vpc_create": 1.0,
    "vpc_delete": 0.5,
    "vswitch_create": 1.0,
    "vswitch_delete": 0.5,
    "route_entry_create": 1.0,
    "route_entry_delete": 0.5,
    "sg_rule": 0.0,
    "cen_create": 2.0,
    "cen_delete": 1.0,
    "tr_create": 2.0,
    "tr_delete": 1.0,
    "attach": 3.0,
    "detach": 2.0,
    "associate": 1.0,
    "dissociate": 1.0,
    "propagate": 1.0,
    "unpropagate": 1.0,
    "attachment_update": 1.0,
    "cluster_create": 3.0,
    "cluster_delete": 2.0,
    "cluster_update": 1.0,
    "node_join": 1.0,
    "node_remove": 1.0,
    "nodepool_create": 0.5,
    "nodepool_update": 1.0,
    "nodepool_delete": 0.5,
    "mesh_create": 3.0,
    "mesh_update": 2.0,
    "mesh_join": 2.0,
    "mesh_delete": 2.0,
    # Kubernetes controllers (kube/controllers.py): a Pod turns Ready, a LoadBalancer gets its address
    "kube_pod_start": 2.0,
    "kube_gateway_address": 2.0,
}

# Delay profiles: other delays at scale 1, over DELAYS. "cloud" is the real cloud's provisioning
# times in seconds, for benchmarks that need its proportions (tests/perf/site_scaling.py: ACK cluster
# >> mesh >> attachment >> VPC; run it with a small scale). ESTIMATES, not measurements:
# alicloud-api.md says an ACK cluster usually takes 10-20 minutes (UNCONFIRMED) and gives
# Terraform's waits (CEN 6 min, transit router 3 min, attachments 5 min, mesh 5 min timeouts); the
# figures below are of those orders.
PROFILES: dict[str, dict[str, float]] = {
    "default": {},
    "cloud": {
        "vpc_create": 5.0,
        "vpc_delete": 5.0,
        "vswitch_create": 5.0,
        "vswitch_delete": 5.0,
        "route_entry_create": 5.0,
        "route_entry_delete": 5.0,
        "cen_create": 10.0,
        "cen_delete": 10.0,
        "tr_create": 60.0,
        "tr_delete": 60.0,
        "attach": 60.0,
        "detach": 60.0,
        "associate": 10.0,
        "dissociate": 10.0,
        "propagate": 10.0,
        "unpropagate": 10.0,
        "attachment_update": 30.0,
        "cluster_create": 900.0,
        "cluster_delete": 300.0,
        "cluster_update": 60.0,
        "node_join": 120.0,
        "node_remove": 60.0,
        "nodepool_create": 60.0,
        "nodepool_update": 60.0,
        "nodepool_delete": 60.0,
        "mesh_create": 180.0,
        "mesh_update": 30.0,
        "mesh_join": 60.0,
        "mesh_delete": 120.0,
        "kube_pod_start": 20.0,
        "kube_gateway_address": 60.0,
    },
}


def profile_from_env(default: str = "default") -> str:
    name = (os.environ.get(ENV_DELAY_PROFILE) or "").strip() or default
    if name not in PROFILES:
        raise ValueError("unknown delay profile %r (known: %s)" % (name, ", ".join(sorted(PROFILES))))
    return name


def scale_from_env(default: float = 1.0) -> float:
    raw = os.environ.get(ENV_DELAY_SCALE)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return max(0.0, value)


class Clock:
    """Wall clock plus an adjustable offset (``POST /_emulator/clock``) and a delay scale."""

    def __init__(self, delay_scale: float | None = None, offset: float = 0.0, profile: str | None = None) -> None:
        self._lock = threading.Lock()
        self.delay_scale = scale_from_env() if delay_scale is None else max(0.0, float(delay_scale))
        self.offset = float(offset)
        self.profile = profile_from_env() if profile is None else profile
        if self.profile not in PROFILES:
            raise ValueError("unknown delay profile %r (known: %s)" % (self.profile, ", ".join(sorted(PROFILES))))
        self.delays = {**DELAYS, **PROFILES[self.profile]}

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        with self._lock:
            self.offset += max(0.0, float(seconds))
            return self.offset

    def delay(self, name: str, default: float | None = None) -> float:
        base = self.delays.get(name)
        if base is None:
            base = DEFAULT_DELAY if default is None else float(default)
        return base * self.delay_scale
