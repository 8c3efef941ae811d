"""Emulator clock and provisioning delays."""

from __future__ import annotations

import os
import threading
import time

ENV_DELAY_SCALE = "GEOMESH_EMULATOR_DELAY_SCALE"

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

    def __init__(self, delay_scale: float | None = None, offset: float = 0.0) -> None:
        self._lock = threading.Lock()
        self.delay_scale = scale_from_env() if delay_scale is None else max(0.0, float(delay_scale))
        self.offset = float(offset)

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        with self._lock:
            self.offset += max(0.0, float(seconds))
            return self.offset

    def delay(self, name: str, default: float | None = None) -> float:
        base = DELAYS.get(name)
        if base is None:
            base = DEFAULT_DELAY if default is None else float(default)
        return base * self.delay_scale
