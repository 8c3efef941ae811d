"""Scenario faults: failure paths a test chooses through ``POST /_emulator/scenario``.

Unlike the random fault profile (faults.py), a scenario is a deterministic, product-level
behaviour: "the next join of cluster X into mesh Y leaves an error", "mesh Y stays upgrading for
30 s". A scenario is a JSON object::

    {"product": "servicemesh", "kind": "join_failure", "mesh_id": "c...", "cluster_id": "c...",
     "message": "...", "count": 1}

``product`` and ``kind`` select a handler that a product module registers with :func:`kind`;
the other keys are the handler's (it validates them). Keys named ``*_id`` are match filters:
absent or null matches any resource. ``count`` (default 1) is how many times the scenario fires
before it is used up. A handler may apply the scenario at once instead (``apply`` hook, e.g. a
mesh that exists already is made busy now); it is then not kept.

Scenarios live in memory, like the fault profile: ``POST /_emulator/reset`` clears them, and so
does ``DELETE /_emulator/scenario``.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any, Callable

Validator = Callable[[dict[str, Any]], dict[str, Any]]
Applier = Callable[[Any, dict[str, Any]], bool]


@dataclass
class Kind:
    product: str
    name: str
    validate: Validator
    apply: Applier | None = None


KINDS: dict[tuple[str, str], Kind] = {}


def kind(product: str, name: str, apply: Applier | None = None) -> Callable[[Validator], Validator]:
    """Register a scenario kind; the decorated function validates (and normalises) a spec.

    ``apply(ctx, spec) -> bool``, if given, runs inside a store transaction when the scenario is
    posted; returning True means it was applied at once and is not kept.
    """

    def deco(fn: Validator) -> Validator:
        KINDS[(product, name)] = Kind(product, name, fn, apply)
        return fn

    return deco


class Scenarios:
    """The armed scenarios (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    @staticmethod
    def lookup(spec: dict[str, Any]) -> Kind:
        if not isinstance(spec, dict):
            raise ValueError("a scenario is a JSON object")
        key = (str(spec.get("product") or ""), str(spec.get("kind") or ""))
        found = KINDS.get(key)
        if found is None:
            known = ", ".join(f"{p}/{k}" for p, k in sorted(KINDS))
            raise ValueError(f"unknown scenario {key[0]}/{key[1]}; known: {known}")
        return found

    def normalise(self, spec: dict[str, Any]) -> tuple[Kind, dict[str, Any]]:
        found = self.lookup(spec)
        spec = dict(spec)
        count = spec.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        spec["count"] = count
        spec = found.validate(spec)
        with self._lock:
            spec["id"] = next(self._ids)
        return found, spec

    def arm(self, spec: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._items.append(spec)
        return spec

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(s) for s in self._items]

    def clear(self) -> None:
        with self._lock:
            self._items = []

    def take(self, product: str, name: str, **resource: Any) -> dict[str, Any] | None:
        """The first armed scenario of this kind matching the resource ids; uses one ``count``."""
        with self._lock:
            for spec in self._items:
                if spec["product"] != product or spec["kind"] != name:
                    continue
                if any(spec.get(k) not in (None, "", v) for k, v in resource.items()):
                    continue
                spec["count"] -= 1
                if spec["count"] <= 0:
                    self._items.remove(spec)
                return dict(spec)
        return None
