"""Scenario faults: failure paths a test chooses per product through the control endpoint.

Same shape as the emu-cs helper's per-product scenario faults (issue 8): ``POST
/_emulator/faults/<product>`` with a JSON object ``{<fault name>: <spec> | [<spec>, ...]}``
replaces that product's scenario faults (``{}`` clears them), ``GET /_emulator/faults/<product>``
returns them, ``POST /_emulator/reset`` clears all. Unlike the random fault profile (faults.py), a
scenario is a deterministic, product-level behaviour: "a join of cluster X leaves an error", "mesh
Y stays upgrading for 30 s".

A product module registers each fault name with :func:`kind` on a validator that normalises one
spec (raising ``ValueError`` naming the key). Spec keys ending in ``_id`` (or ``name``) are match
filters the handler passes to :meth:`Scenarios.take` (absent = any resource). ``count`` (optional,
positive integer) limits how often a spec fires; without it the spec stays until replaced. A kind
may apply a spec at once instead (``apply`` hook, run in a store transaction: e.g. a mesh that
exists already is made busy now); an applied spec is not kept.
"""

from __future__ import annotations

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
    """Register fault ``name`` of ``product``; the decorated function validates one spec.

    ``apply(ctx, spec) -> bool``, if given, runs when the spec is posted; True means it was
    applied at once and is not kept.
    """

    def deco(fn: Validator) -> Validator:
        KINDS[(product, name)] = Kind(product, name, fn, apply)
        return fn

    return deco


def products() -> set[str]:
    return {p for p, _k in KINDS}


class Scenarios:
    """The armed scenario faults, per product (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, dict[str, list[dict[str, Any]]]] = {}

    @staticmethod
    def check_product(product: str) -> None:
        if product not in products():
            raise ValueError(f"product {product!r} has no scenario faults here (known: {sorted(products())})")

    def normalise(self, product: str, data: Any) -> list[tuple[Kind, dict[str, Any]]]:
        """Validate a POST body; ``[(kind, spec), ...]`` in order."""
        self.check_product(product)
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object of fault name -> spec or list of specs")
        known = sorted(k for p, k in KINDS if p == product)
        out = []
        for name, specs in data.items():
            found = KINDS.get((product, name))
            if found is None:
                raise ValueError(f"unknown {product} scenario faults: {name} (known: {', '.join(known)})")
            for spec in specs if isinstance(specs, list) else [specs]:
                if not isinstance(spec, dict):
                    raise ValueError(f"{name}: each fault must be an object")
                spec = dict(spec)
                count = spec.get("count")
                if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
                    raise ValueError(f"{name}: count must be a positive integer")
                out.append((found, found.validate(spec)))
        return out

    def replace(self, product: str, armed: list[tuple[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            items: dict[str, list[dict[str, Any]]] = {}
            for name, spec in armed:
                items.setdefault(name, []).append(spec)
            self._items[product] = items
        return self.get(product)

    def get(self, product: str) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {k: [dict(s) for s in v] for k, v in (self._items.get(product) or {}).items() if v}

    def clear(self) -> None:
        with self._lock:
            self._items = {}

    def take(self, product: str, fault: str, /, **resource: Any) -> dict[str, Any] | None:
        """The first spec of ``fault`` matching the resource ids or name (uses one ``count``)."""
        with self._lock:
            specs = (self._items.get(product) or {}).get(fault) or []
            for spec in specs:
                if any(spec.get(k) not in (None, "", v) for k, v in resource.items()):
                    continue
                if spec.get("count") is not None:
                    spec["count"] -= 1
                    if spec["count"] <= 0:
                        specs.remove(spec)
                return dict(spec)
        return None
