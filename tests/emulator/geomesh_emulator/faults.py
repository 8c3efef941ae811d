"""Fault injection profile (throttling, 5xx, latency, eventual consistency)."""

from __future__ import annotations

import json
import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import ApiError


@dataclass
class FaultProfile:
    throttling_pct: float = 0.0
    # Share (percent) of injected throttling errors that carry ``x-acs-retry-after`` (the SDK then
    # raises ThrottlingException instead of ClientException).
    throttling_retry_after_pct: float = 50.0
    throttling_retry_after_ms: int = 1000
    server_error_pct: float = 0.0
    # 503 returned AFTER the action was executed (the write happened, the client sees a 5xx):
    # exercises ClientToken replay on retry. Extension beyond the brief.
    server_error_after_commit_pct: float = 0.0
    latency_ms: float = 0.0
    eventual_consistency_s: float = 0.0
    seed: int | None = None
    # Optional restriction of throttling/5xx/latency to these action names (empty = all).
    actions: list[str] = field(default_factory=list)
    writes_only: bool = False
    # Faults of the Kubernetes API servers (kube/api.py), drawn from the same seeded source. They
    # apply to every request of an /api or /apis path but watches (long-running requests are exempt
    # from the apiserver's in-flight limits); ``actions`` / ``writes_only`` do not restrict them.
    # 429 from the in-flight limiter, with ``Retry-After: kube_retry_after_s``.
    kube_throttling_pct: float = 0.0
    kube_retry_after_s: int = 1
    # 500 InternalError before the request is served.
    kube_server_error_pct: float = 0.0
    # 409 Conflict of an update whose resourceVersion another writer made stale in between: only a
    # PUT, or a patch carrying metadata.resourceVersion (a precondition), can meet it; a patch
    # without one is applied by the apiserver to the latest object (GuaranteedUpdate retries).
    kube_conflict_pct: float = 0.0

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "FaultProfile":
        data = dict(data or {})
        known = set(cls.__dataclass_fields__)  # pylint: disable=no-member
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault profile keys: {', '.join(unknown)}")
        prof = cls(**data)
        for name in (
            "throttling_pct",
            "server_error_pct",
            "server_error_after_commit_pct",
            "throttling_retry_after_pct",
            "kube_throttling_pct",
            "kube_server_error_pct",
            "kube_conflict_pct",
        ):
            value = float(getattr(prof, name))
            if not 0.0 <= value <= 100.0:
                raise ValueError(f"{name} must be between 0 and 100")
            setattr(prof, name, value)
        prof.kube_retry_after_s = max(0, int(prof.kube_retry_after_s))
        prof.latency_ms = max(0.0, float(prof.latency_ms))
        prof.eventual_consistency_s = max(0.0, float(prof.eventual_consistency_s))
        prof.actions = [str(a) for a in (prof.actions or [])]
        return prof

    @classmethod
    def load(cls, path: str) -> "FaultProfile":
        with open(path, encoding="utf-8") as fh:
            return cls.from_dict(json.load(fh))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    """Current profile plus its seeded random source."""

    def __init__(self, profile: FaultProfile | None = None) -> None:
        self._lock = threading.Lock()
        self.set(profile or FaultProfile())

    def set(self, profile: FaultProfile) -> None:
        with self._lock:
            self.profile = profile
            self._rng = random.Random(profile.seed)

    def applies(self, action: str, write: bool) -> bool:
        prof = self.profile
        if prof.actions and action not in prof.actions:
            return False
        if prof.writes_only and not write:
            return False
        return True

    def _roll(self, pct: float) -> bool:
        if pct <= 0:
            return False
        with self._lock:
            return self._rng.random() * 100.0 < pct

    def before(self, action: str, write: bool) -> tuple[str, ApiError] | None:
        """Fault to return instead of executing the action, as ``(fault_name, error)``."""
        prof = self.profile
        if not self.applies(action, write):
            return None
        if self._roll(prof.throttling_pct):
            headers = {}
            if self._roll(prof.throttling_retry_after_pct):
                headers["x-acs-retry-after"] = str(int(prof.throttling_retry_after_ms))
            return "throttling", ApiError(
                "Throttling.User", "Request was denied due to user flow control.", status=400, headers=headers
            )
        if self._roll(prof.server_error_pct):
            return "server_error", ApiError(
                "ServiceUnavailable", "The request has failed due to a temporary failure of the server.", status=503
            )
        return None

    def after(self, action: str, write: bool) -> tuple[str, ApiError] | None:
        """Fault to return after the action was executed and committed."""
        prof = self.profile
        if not self.applies(action, write):
            return None
        if self._roll(prof.server_error_after_commit_pct):
            return "server_error_after_commit", ApiError(
                "ServiceUnavailable", "The request has failed due to a temporary failure of the server.", status=503
            )
        return None

    def kube_before(self) -> str | None:
        """Fault of one Kubernetes API request before it is served: "throttling", "server_error" or None."""
        prof = self.profile
        if self._roll(prof.kube_throttling_pct):
            return "throttling"
        if self._roll(prof.kube_server_error_pct):
            return "server_error"
        return None

    def kube_conflict(self) -> bool:
        """Whether another writer changed the object an update is about to replace."""
        return self._roll(self.profile.kube_conflict_pct)

    def latency_s(self, action: str, write: bool) -> float:
        if not self.applies(action, write):
            return 0.0
        return self.profile.latency_ms / 1000.0
