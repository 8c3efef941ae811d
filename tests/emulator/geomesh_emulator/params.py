"""Helpers for reading flattened RPC parameters (``Tag.1.Key``, ``Filter.1.Value.1``...)."""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import ApiError

_TRUE = {"true"}
_FALSE = {"false"}


def _index_tree(p: dict[str, Any], prefix: str) -> dict[int, Any] | None:
    """Build an index tree for keys starting with ``prefix.`` (numbers are 1-based)."""
    tree: dict = {}
    found = False
    pat = re.compile(r"^" + re.escape(prefix) + r"\.(\d+)(?:\.(.+))?$")
    for key, value in p.items():
        m = pat.match(key)
        if not m:
            continue
        found = True
        idx = int(m.group(1))
        rest = m.group(2)
        if rest is None:
            tree[idx] = value
        else:
            node = tree.setdefault(idx, {})
            if not isinstance(node, dict):
                node = {"": node}
                tree[idx] = node
            node[rest] = value
    return tree if found else None


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Turn ``{"Value.1": "a", "Value.2": "b", "Key": "k"}`` into ``{"Value": ["a","b"], "Key": "k"}``."""
    out: dict[str, Any] = {}
    heads = {}
    for key in flat:
        head = key.split(".", 1)[0]
        heads.setdefault(head, []).append(key)
    for head, keys in heads.items():
        if keys == [head]:
            out[head] = flat[head]
            continue
        lst = unflatten(flat, head)
        out[head] = lst if lst is not None else flat.get(head)
    return out


def unflatten(p: dict[str, Any], prefix: str) -> list | None:
    """Return ``prefix.N.*`` parameters as a list ordered by N (dicts, or scalars for ``prefix.N``).

    Returns None when no such parameter was sent. A JSON list sent as a single ``prefix``
    value (shrink style) is also accepted.
    """
    tree = _index_tree(p, prefix)
    if tree is None:
        raw = p.get(prefix)
        if isinstance(raw, list):
            return raw
        if isinstance(raw, str) and raw.startswith("["):
            try:
                val = json.loads(raw)
            except ValueError:
                return None
            return val if isinstance(val, list) else None
        return None
    out = []
    for idx in sorted(tree):
        node = tree[idx]
        out.append(_nest(node) if isinstance(node, dict) else node)
    return out


def flag(p: dict[str, Any], name: str, default: bool | None = None) -> bool | None:
    """Read a boolean parameter; accepts True/true/False/false (the SDK sends Python ``str(bool)``)."""
    raw = p.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    s = str(raw).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ApiError("InvalidParameter", f'The specified parameter "{name}" is not a valid boolean: {raw!r}.')


def json_param(p: dict[str, Any], name: str, default: Any = None) -> Any:
    """Parse a JSON-string parameter (SDK "shrink" parameters)."""
    raw = p.get(name)
    if raw is None or raw == "":
        return default
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError("InvalidParameter", f'The specified parameter "{name}" is not valid JSON.') from exc


def integer(p: dict[str, Any], name: str, default: int | None = None, code: str | None = None) -> int | None:
    raw = p.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(str(raw).strip())
    except ValueError as exc:
        raise ApiError(code or "InvalidParameter", f'The specified parameter "{name}" is not valid.') from exc


def tags(p: dict[str, Any], prefix: str = "Tag") -> list[dict[str, str]]:
    """``Tag.N.Key``/``Tag.N.Value`` as ``[{"Key":..,"Value":..}]`` (entries without Key dropped)."""
    out = []
    for item in unflatten(p, prefix) or []:
        if isinstance(item, dict) and item.get("Key"):
            out.append({"Key": str(item["Key"]), "Value": str(item.get("Value", "") or "")})
    return out


def str_list(p: dict[str, Any], prefix: str) -> list[str]:
    """``Prefix.N`` scalars as a list of strings."""
    out = []
    for item in unflatten(p, prefix) or []:
        if isinstance(item, dict):
            item = item.get("", None)
        if item is not None and item != "":
            out.append(str(item))
    return out
