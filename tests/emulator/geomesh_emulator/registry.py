"""Action registry: maps (product, version, action) to handler functions.

Product modules register handlers with :func:`action` (RPC style) or :func:`roa`
(ROA style: HTTP method + path template).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

Handler = Callable[[Any, dict], Any]


@dataclass
class ActionSpec:
    product: str
    version: str
    name: str
    handler: Handler
    write: bool
    style: str = "RPC"  # RPC | ROA
    method: str | None = None  # ROA only
    path: str | None = None  # ROA only
    path_re: re.Pattern | None = field(default=None, repr=False)


# version -> product (each product has one API version in this emulator)
PRODUCTS: dict[str, str] = {}
# (version, action) -> spec
ACTIONS: dict[tuple[str, str], ActionSpec] = {}
# product -> style (RPC|ROA)
STYLES: dict[str, str] = {}
# product -> HostId used in RPC error documents
HOSTS: dict[str, str] = {
    "vpc": "vpc.aliyuncs.com",
    "ecs": "ecs.aliyuncs.com",
    "cbn": "cbn.aliyuncs.com",
    "cs": "cs.aliyuncs.com",
    "servicemesh": "servicemesh.aliyuncs.com",
    "asm": "servicemesh.aliyuncs.com",
    "ram": "ram.aliyuncs.com",
    "sts": "sts.aliyuncs.com",
}


def _register(spec: ActionSpec) -> None:
    known = PRODUCTS.get(spec.version)
    if known is not None and known != spec.product:
        raise ValueError(f"version {spec.version} already registered for product {known}")
    PRODUCTS[spec.version] = spec.product
    STYLES.setdefault(spec.product, spec.style)
    ACTIONS[(spec.version, spec.name)] = spec


def action(product: str, version: str, name: str, write: bool) -> Callable[[Handler], Handler]:
    """Register an RPC-style action handler ``handler(ctx, params) -> dict``."""

    def deco(fn: Handler) -> Handler:
        _register(ActionSpec(product, version, name, fn, write))
        return fn

    return deco


def _template_re(path: str) -> re.Pattern:
    out = "^"
    pos = 0
    for m in re.finditer(r"\{([A-Za-z0-9_]+)\}", path):
        out += re.escape(path[pos : m.start()]) + f"(?P<{m.group(1)}>[^/]+)"
        pos = m.end()
    out += re.escape(path[pos:]) + "/?$"
    return re.compile(out)


def roa(product: str, version: str, name: str, method: str, path: str, write: bool) -> Callable[[Handler], Handler]:
    """Register an ROA-style action handler; ``{Name}`` path segments are merged into params."""

    def deco(fn: Handler) -> Handler:
        _register(
            ActionSpec(
                product,
                version,
                name,
                fn,
                write,
                style="ROA",
                method=method.upper(),
                path=path,
                path_re=_template_re(path),
            )
        )
        return fn

    return deco


def lookup(version: str | None, name: str | None) -> ActionSpec | None:
    if version is None or name is None:
        return None
    return ACTIONS.get((version, name))


def match_roa(method: str, path: str) -> tuple[ActionSpec, dict[str, str]] | None:
    """Find an ROA action by method and path (used when no x-acs-action header is sent)."""
    for spec in ACTIONS.values():
        if spec.style != "ROA" or spec.method != method.upper() or spec.path_re is None:
            continue
        m = spec.path_re.match(path)
        if m:
            return spec, m.groupdict()
    return None
