"""Patch semantics of kube-apiserver: JSON patch, merge patch, strategic-merge patch, server-side apply and
managedFields bookkeeping. Pure functions on JSON-like dicts (no I/O, inputs are never mutated).

Sources (read, not copied):
- RFC 6902 (JSON Patch), RFC 6901 (JSON Pointer), RFC 7386 (JSON Merge Patch).
- Strategic merge: https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
  and https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md
  (``$patch``, ``$setElementOrder``, ``$retainKeys``, ``$deleteFromPrimitiveList``); the merge keys are the
  ``patchStrategy``/``patchMergeKey`` tags of k8s.io/api (core/v1/types.go, apps/v1/types.go at 10b39a3, checked),
  and the ``listType=map``/``listMapKey`` markers there give the server-side apply keys; see ``_KINDS`` below.
- Server-side apply: https://kubernetes.io/docs/reference/using-api/server-side-apply/ (field management,
  conflicts, ``force``), the FieldsV1 format (``f:``/``k:``/``v:``/``.``) and the conflict wording of
  k8s.io/apiserver pkg/endpoints/handlers/fieldmanager (internal/conflict.go: "Apply failed with 1 conflict:
  conflict with \"m\" using apps/v1 at <time>: .spec.replicas").

Status causes are returned in their wire shape (``{"reason", "message", "field"}``: the Go field
``StatusCause.Type`` is serialised as ``reason``).
"""

from __future__ import annotations

import copy
import json
from typing import Any

__all__ = [
    "PatchError",
    "json_patch",
    "merge_patch",
    "strategic_merge",
    "server_side_apply",
    "record_update",
    "fields_v1",
    "STRATEGIC_KINDS",
]


class PatchError(Exception):
    """A patch the API server refuses. ``code``/``reason``/``message``/``causes`` map onto a Status."""

    def __init__(self, code: int, reason: str, message: str, causes: list[dict] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.causes = list(causes or [])
        self.detail = ""

    def status(self) -> dict:
        """The ``Status`` body (details left to the caller to complete with name/group/kind)."""
        return failure_status(self.code, self.reason, self.message, {"causes": self.causes} if self.causes else None)


def failure_status(code: int, reason: str, message: str, details: dict | None = None) -> dict[str, Any]:
    """A ``Status`` body of a refused request, as the API server writes it (every error of the
    Kubernetes emulation is one)."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


# --------------------------------------------------------------------------------------------------------------
# JSON patch (RFC 6902)
# --------------------------------------------------------------------------------------------------------------

# The API server runs evanphx/json-patch: a malformed patch document is a 400 BadRequest, an operation that
# does not apply is a 422 built by errors.NewGenericServerResponse(422, "", {}, "", text, 0, false): reason
# Invalid, the generic message and no causes -- the library's text does not reach the client
# (k8s.io/apiserver pkg/endpoints/handlers/patch.go applyJSPatch; apimachinery pkg/api/errors). The text is
# kept in PatchError.detail for the emulator's own debugging.
_GENERIC_422 = "the server rejected our request due to an error in our request"


def _json_patch_fail(text: str) -> PatchError:
    err = PatchError(422, "Invalid", _GENERIC_422)
    err.detail = text
    return err


def _bad_request(text: str) -> PatchError:
    return PatchError(400, "BadRequest", text)


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str):
        raise _bad_request("json: cannot unmarshal path: not a string")
    if path == "":
        return []
    if not path.startswith("/"):
        raise _json_patch_fail(f'Invalid JSON Pointer "{path}"')
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(token: str, size: int, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return size
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise _json_patch_fail(f"Unable to access invalid index: {token}: invalid index referenced")
    idx = int(token)
    if idx > size or (idx == size and not allow_end):
        raise _json_patch_fail(f"Unable to access invalid index: {idx}: invalid index referenced")
    return idx


def _resolve(doc: Any, tokens: list[str]) -> tuple[bool, Any]:
    cur = doc
    for t in tokens:
        if isinstance(cur, dict):
            if t not in cur:
                return False, None
            cur = cur[t]
        elif isinstance(cur, list):
            if not t.isdigit() or int(t) >= len(cur):
                return False, None
            cur = cur[int(t)]
        else:
            return False, None
    return True, cur


def _container(doc: Any, tokens: list[str], op: str, path: str) -> Any:
    ok, parent = _resolve(doc, tokens[:-1])
    if not ok or not isinstance(parent, (dict, list)):
        raise _json_patch_fail(f'{op} operation does not apply: doc is missing path: "{path}": missing value')
    return parent


def _add(doc: Any, tokens: list[str], value: Any, op: str, path: str) -> Any:
    if not tokens:
        return value
    parent = _container(doc, tokens, op, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    else:
        parent.insert(_index(last, len(parent), allow_end=True), value)
    return doc


def _remove(doc: Any, tokens: list[str], op: str, path: str) -> Any:
    if not tokens:
        raise _json_patch_fail(f'{op} operation does not apply: doc is missing path: "{path}": missing value')
    parent = _container(doc, tokens, op, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _json_patch_fail(f'{op} operation does not apply: doc is missing path: "{path}": missing value')
        return parent.pop(last)
    return parent.pop(_index(last, len(parent), allow_end=False))


def json_patch(doc: dict, ops: list) -> dict:
    """Apply an RFC 6902 patch (``add``, ``remove``, ``replace``, ``move``, ``copy``, ``test``)."""
    if not isinstance(ops, list):
        raise _bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    out = copy.deepcopy(doc)
    for raw in ops:
        if not isinstance(raw, dict):
            raise _bad_request("json: cannot unmarshal into Go value of type jsonpatch.Operation")
        op = raw.get("op")
        path = raw.get("path")
        if op not in ("add", "remove", "replace", "move", "copy", "test"):
            raise _bad_request(f"Unexpected kind: {op}")
        tokens = _pointer(path)
        if op in ("add", "replace", "test") and "value" not in raw:
            raise _json_patch_fail(f"{op} operation, missing value")
        if op == "add":
            out = _add(out, tokens, copy.deepcopy(raw["value"]), "add", path)
        elif op == "remove":
            _remove(out, tokens, "remove", path)
        elif op == "replace":
            ok = _resolve(out, tokens)[0]
            if not ok:
                raise _json_patch_fail(f"replace operation does not apply: doc is missing key: {path}: missing value")
            if not tokens:
                out = copy.deepcopy(raw["value"])
            else:
                parent = _container(out, tokens, "replace", path)
                key: Any = tokens[-1] if isinstance(parent, dict) else int(tokens[-1])
                parent[key] = copy.deepcopy(raw["value"])
        elif op in ("move", "copy"):
            src = raw.get("from")
            src_tokens = _pointer(src)
            ok, value = _resolve(out, src_tokens)
            if not ok:
                raise _json_patch_fail(f"{op} operation does not apply: doc is missing from path: {src}: missing value")
            if op == "move":
                if tokens[: len(src_tokens)] == src_tokens and len(tokens) > len(src_tokens):
                    raise _json_patch_fail(f"move operation cannot move {src} into its own child {path}")
                value = _remove(out, src_tokens, "move", src)
            out = _add(out, tokens, copy.deepcopy(value), op, path)
        else:  # test
            ok, value = _resolve(out, tokens)
            if not ok or not _json_equal(value, raw["value"]):
                raise _json_patch_fail(f"testing value {path} failed: test failed")
    if not isinstance(out, dict):
        raise _json_patch_fail("the patched document is not a JSON object")
    return out


def _json_equal(a: Any, b: Any) -> bool:
    # JSON equality: 1 == 1.0, but True != 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


# --------------------------------------------------------------------------------------------------------------
# Merge patch (RFC 7386)
# --------------------------------------------------------------------------------------------------------------


def merge_patch(doc: dict, patch: dict) -> dict:
    """RFC 7386: objects merge recursively, ``null`` deletes, anything else (lists included) replaces."""
    if not isinstance(patch, dict):
        raise _bad_request("merge patch body must be a JSON object")
    return _merge7386(doc, patch)


def _merge7386(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = _merge7386(out.get(k), v)
    return out


# --------------------------------------------------------------------------------------------------------------
# Type tables of the built-in kinds: the lists that are not atomic.
# --------------------------------------------------------------------------------------------------------------


class _T:
    """A node of the built-in type tree.

    kind: "struct" (named fields), "map" (free-form keys), "list", "atomic" (SSA: owned as one value).
    smp_key: strategic-merge ``patchMergeKey`` (None: the list is replaced); smp_set: ``patchStrategy:merge``
    on a primitive list (union). ssa_keys: ``listMapKeys`` for server-side apply (None + ssa_set False: atomic).
    retain: ``patchStrategy:retainKeys``. present: a non-pointer struct the Go types always serialise, so an
    Update never records the node itself (no ``.`` entry), only its children.
    """

    def __init__(
        self,
        kind: str = "struct",
        fields: dict[str, _T] | None = None,
        item: _T | None = None,
        smp_key: str | None = None,
        smp_set: bool = False,
        ssa_keys: tuple[str, ...] | None = None,
        ssa_set: bool = False,
        retain: bool = False,
        present: bool = False,
        defaults: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.fields = fields or {}
        self.item = item
        self.smp_key = smp_key
        self.smp_set = smp_set
        self.ssa_keys = ssa_keys
        self.ssa_set = ssa_set
        self.retain = retain
        self.present = present
        self.defaults = defaults or {}

    def child(self, name: str) -> _T:
        if self.kind == "struct":
            return self.fields.get(name, GENERIC)
        if self.kind == "map" and self.item is not None:
            return self.item
        return GENERIC


GENERIC = _T("struct")  # unknown structure: maps merge, lists are atomic/replaced
MAP = _T("map", item=_T("atomic"))
ATOMIC = _T("atomic")


def _keyed(smp_key: str, ssa_keys: tuple[str, ...], item: _T | None = None, **kw: Any) -> _T:
    return _T("list", item=item or GENERIC, smp_key=smp_key, ssa_keys=ssa_keys, **kw)


_OBJECT_META = _T(
    fields={
        "labels": MAP,
        "annotations": MAP,
        # ObjectMeta: finalizers patchStrategy:merge (a set); ownerReferences patchMergeKey:uid
        "finalizers": _T("list", item=ATOMIC, smp_set=True, ssa_set=True),
        "ownerReferences": _keyed("uid", ("uid",)),
    },
    present=True,
)
_RESOURCES = _T(fields={"limits": MAP, "requests": MAP})
_PORT_DEFAULTS = {"protocol": "TCP"}
# core/v1 Container: ports patchMergeKey=containerPort (listMapKeys containerPort+protocol), env by name,
# volumeMounts by mountPath, volumeDevices by devicePath; envFrom and resizePolicy atomic.
_CONTAINER = _T(
    fields={
        "ports": _keyed("containerPort", ("containerPort", "protocol"), defaults=_PORT_DEFAULTS),
        "env": _keyed("name", ("name",)),
        "volumeMounts": _keyed("mountPath", ("mountPath",)),
        "volumeDevices": _keyed("devicePath", ("devicePath",)),
        "resources": _RESOURCES,
    }
)
# core/v1 PodSpec: volumes merge,retainKeys by name; initContainers/containers/ephemeralContainers by name;
# imagePullSecrets by name; hostAliases by ip; topologySpreadConstraints by topologyKey (SSA keys
# topologyKey+whenUnsatisfiable); tolerations and readinessGates have no strategy (replaced).
_POD_SPEC = _T(
    fields={
        # Containers has no omitempty: always serialised, so never recorded as a member itself
        "containers": _keyed("name", ("name",), _CONTAINER, present=True),
        "initContainers": _keyed("name", ("name",), _CONTAINER),
        "ephemeralContainers": _keyed("name", ("name",), _CONTAINER),
        "volumes": _keyed("name", ("name",), _T(retain=True)),
        "imagePullSecrets": _keyed("name", ("name",)),
        "hostAliases": _keyed("ip", ("ip",)),
        "topologySpreadConstraints": _keyed("topologyKey", ("topologyKey", "whenUnsatisfiable")),
        "nodeSelector": ATOMIC,  # +mapType=atomic
        "overhead": MAP,
    },
    present=True,
)
_CONDITIONS = _keyed("type", ("type",))
_TEMPLATE = _T(fields={"metadata": _OBJECT_META, "spec": _POD_SPEC}, present=True)
_LABEL_SELECTOR = ATOMIC  # metav1.LabelSelector is +structType=atomic for SSA
_STATUS_COND = _T(fields={"conditions": _CONDITIONS})


def _workload(extra: dict[str, _T] | None = None) -> _T:
    spec = {"template": _TEMPLATE, "selector": _LABEL_SELECTOR}
    spec.update(extra or {})
    return _T(fields={"metadata": _OBJECT_META, "spec": _T(fields=spec, present=True), "status": _STATUS_COND})


_KINDS: dict[str, _T] = {
    # apps/v1 DeploymentSpec.strategy is patchStrategy:retainKeys
    "Deployment": _workload({"strategy": _T(retain=True, present=True)}),
    "ReplicaSet": _workload(),
    # StatefulSet/DaemonSet updateStrategy carry no retainKeys (apps/v1/types.go)
    "StatefulSet": _workload(),
    "DaemonSet": _workload(),
    "Pod": _T(
        fields={
            "metadata": _OBJECT_META,
            "spec": _POD_SPEC,
            "status": _T(fields={"conditions": _CONDITIONS, "podIPs": _keyed("ip", ("ip",))}),
        }
    ),
    # core/v1 ServiceSpec.ports patchMergeKey=port (listMapKeys port+protocol)
    "Service": _T(
        fields={
            "metadata": _OBJECT_META,
            "spec": _T(
                fields={
                    "ports": _keyed("port", ("port", "protocol"), defaults=_PORT_DEFAULTS),
                    "selector": ATOMIC,  # +mapType=atomic
                },
                present=True,
            ),
        }
    ),
    # core/v1 ServiceAccount.secrets by name; its imagePullSecrets are listType=atomic (replaced)
    "ServiceAccount": _T(fields={"metadata": _OBJECT_META, "secrets": _keyed("name", ("name",))}),
    # core/v1 NodeStatus.conditions and addresses by type; NodeSpec.podCIDRs a merge set; taints replaced
    "Node": _T(
        fields={
            "metadata": _OBJECT_META,
            "spec": _T(fields={"podCIDRs": _T("list", item=ATOMIC, smp_set=True, ssa_set=True)}, present=True),
            "status": _T(fields={"conditions": _CONDITIONS, "addresses": _keyed("type", ("type",))}),
        }
    ),
    "Namespace": _T(fields={"metadata": _OBJECT_META, "status": _STATUS_COND}),
    "ConfigMap": _T(fields={"metadata": _OBJECT_META, "data": MAP, "binaryData": MAP}),
    "Secret": _T(fields={"metadata": _OBJECT_META, "data": MAP, "stringData": MAP}),
    "Endpoints": _T(fields={"metadata": _OBJECT_META}),
    "EndpointSlice": _T(fields={"metadata": _OBJECT_META}),
    "Event": _T(fields={"metadata": _OBJECT_META}),
    "Scale": _T(fields={"metadata": _OBJECT_META}),
    "CustomResourceDefinition": _T(fields={"metadata": _OBJECT_META, "status": _STATUS_COND}),
}

#: Kinds with a strategic-merge schema (the API server answers 415 for custom resources; api.py decides).
STRATEGIC_KINDS = frozenset(_KINDS)


def _kind_type(kind: str) -> _T:
    return _KINDS.get(kind) or _T(fields={"metadata": _OBJECT_META})


# --------------------------------------------------------------------------------------------------------------
# Strategic merge patch
# --------------------------------------------------------------------------------------------------------------

_DIRECTIVE = "$patch"
_ORDER = "$setElementOrder/"
_RETAIN = "$retainKeys"
_DELETE_PRIM = "$deleteFromPrimitiveList/"


def _smp_unknown(text: str) -> PatchError:
    """A mergepatch error the apiserver passes through unconverted (interpretStrategicMergePatchError's
    default): ErrorToAPIStatus makes it a 500 with reason "" (StatusReasonUnknown) and the raw text, which
    kubectl prints as "Error from server: <text>"."""
    return PatchError(500, "", text)


def _go(v: Any) -> str:
    """Go's %v of a decoded JSON value (maps sorted: map[a:1 b:[x y]])."""
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_go(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(_go(x) for x in v) + "]"
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def strategic_merge(doc: dict, patch: dict, kind: str) -> dict:
    """Apply a strategic-merge patch to a built-in object of ``kind`` (e.g. "Deployment")."""
    if not isinstance(patch, dict):
        raise _bad_request("strategic merge patch body must be a JSON object")
    out = _smp_map(copy.deepcopy(doc), patch, _kind_type(kind))
    if out is None:
        return {}
    return out


def _strip(value: Any) -> Any:
    """A value taken from the patch as-is: no directives and no nulls survive into the object."""
    if isinstance(value, dict):
        if value.get(_DIRECTIVE) == "delete":
            return None
        return {
            k: _strip(v)
            for k, v in value.items()
            if v is not None
            and not k.startswith(_ORDER)
            and not k.startswith(_DELETE_PRIM)
            and k not in (_DIRECTIVE, _RETAIN)
        }
    if isinstance(value, list):
        return [_strip(v) for v in value if not (isinstance(v, dict) and _DIRECTIVE in v and len(v) == 1)]
    return value


def _smp_map(original: dict, patch: dict, t: _T) -> dict | None:
    directive = patch.get(_DIRECTIVE)
    if directive is not None:
        if directive == "replace":
            return _strip({k: v for k, v in patch.items() if k != _DIRECTIVE})
        if directive == "delete":
            return None
        if directive != "merge":
            raise _smp_unknown(f"unknown patch type: {directive} in map: {_go(patch)}")
    if _RETAIN in patch:
        keep = patch[_RETAIN]
        if not isinstance(keep, list):
            raise _bad_request("invalid patch format of retainKeys")  # mergepatch.ErrBadPatchFormatForRetainKeys
        if any(k not in keep for k in patch if not k.startswith("$") and patch[k] is not None):
            # strategicpatch applyRetainKeysDirective: a patched field missing from the list
            raise _bad_request("invalid patch format of retainKeys")
        for k in list(original):
            if k not in keep:
                del original[k]
    for k, v in patch.items():
        if k in (_DIRECTIVE, _RETAIN) or k.startswith(_ORDER):
            continue
        if k.startswith(_DELETE_PRIM):
            name = k[len(_DELETE_PRIM) :]
            if not isinstance(v, list):
                raise _bad_request("invalid patch format of primitive list")
            if isinstance(original.get(name), list) and isinstance(v, list):
                original[name] = [x for x in original[name] if x not in v]
            continue
        child = t.child(k)
        if v is None:
            original.pop(k, None)
        elif k not in original or original[k] is None:
            # a new value still goes through the directives ($patch: delete items, nested lists)
            if isinstance(v, dict):
                added = _smp_map({}, v, child)
            elif isinstance(v, list) and child.kind == "list":
                added = _smp_list([], v, child)
            else:
                added = _strip(v)
            if added is not None:
                original[k] = added
        elif isinstance(v, dict) and isinstance(original[k], dict):
            merged = _smp_map(original[k], v, child)
            if merged is None:
                del original[k]
            else:
                original[k] = merged
        elif isinstance(v, list) and isinstance(original[k], list) and child.kind == "list":
            original[k] = _smp_list(original[k], v, child)
        else:
            original[k] = _strip(v)
    for k, order in patch.items():
        if k.startswith(_ORDER):
            name = k[len(_ORDER) :]
            if not isinstance(order, list):
                raise _bad_request("invalid patch format of setElementOrder list")
            if isinstance(original.get(name), list) and isinstance(order, list):
                original[name] = _set_element_order(original[name], order, t.child(name).smp_key)
    return original


def _key_of(item: Any, key: str | None) -> Any:
    if key is None:
        return json.dumps(item, sort_keys=True)
    return item.get(key) if isinstance(item, dict) else None


def _smp_list(original: list, patch: list, t: _T) -> list:
    if t.smp_key is None and not t.smp_set:
        # no patch strategy: the list is replaced
        return [_strip(v) for v in patch]
    for v in patch:
        if isinstance(v, dict) and v.get(_DIRECTIVE) == "replace":
            return [_strip(x) for x in patch if not (isinstance(x, dict) and _DIRECTIVE in x)]
    if t.smp_set or t.smp_key is None:
        out = list(original)
        for v in patch:
            if v not in out:
                out.append(v)
        return out
    key = t.smp_key
    out = [copy.deepcopy(x) for x in original]
    for v in patch:
        if not isinstance(v, dict):
            raise _smp_unknown(f"expected a map, but received a {type(v).__name__}")
        if key not in v:
            raise _smp_unknown(f"map: {_go(v)} does not contain declared merge key: {key}")
        found = [i for i, x in enumerate(out) if isinstance(x, dict) and x.get(key) == v[key]]
        if v.get(_DIRECTIVE) == "delete":
            out = [x for i, x in enumerate(out) if i not in found]
            continue
        if found:
            merged = _smp_map(out[found[0]], v, t.item or GENERIC)
            if merged is None:
                out.pop(found[0])
            else:
                out[found[0]] = merged
        else:
            new = _smp_map({}, v, t.item or GENERIC)
            if new is not None:
                out.append(new)
    return out


def _set_element_order(merged: list, order: list, key: str | None) -> list:
    """Reorder ``merged`` as apimachinery's normalizeElementOrder: items named in ``order`` follow it, the
    server-only items keep their positions relative to the original list."""
    order_keys = [(o.get(key) if isinstance(o, dict) and key else o) for o in order]
    named = [x for x in merged if _plain_key(x, key) in order_keys]
    server_only = [x for x in merged if _plain_key(x, key) not in order_keys]
    named.sort(key=lambda x: order_keys.index(_plain_key(x, key)))
    server_order = [_plain_key(x, key) for x in merged]
    out: list = []
    i = j = 0
    while i < len(server_only) or j < len(named):
        if i >= len(server_only):
            out.append(named[j])
            j += 1
        elif j >= len(named):
            out.append(server_only[i])
            i += 1
        else:
            li = server_order.index(_plain_key(server_only[i], key))
            rk = _plain_key(named[j], key)
            ri = server_order.index(rk) if rk in server_order else -1
            if li >= 0 and ri >= 0 and li < ri:
                out.append(server_only[i])
                i += 1
            else:
                out.append(named[j])
                j += 1
    return out


def _plain_key(item: Any, key: str | None) -> Any:
    return item.get(key) if isinstance(item, dict) and key else item


# --------------------------------------------------------------------------------------------------------------
# Field sets (FieldsV1)
# --------------------------------------------------------------------------------------------------------------

# Paths are tuples of tokens "f:<name>", 'k:{"name":"x"}', 'v:"x"', "i:<n>".
_IGNORED_META = {
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
    "generateName",
}


def _item_token(item: Any, t: _T) -> str | None:
    if t.ssa_set:
        return "v:" + json.dumps(item, separators=(",", ":"))
    if t.ssa_keys and isinstance(item, dict):
        key = {}
        for k in t.ssa_keys:
            if k in item:
                key[k] = item[k]
            elif k in t.defaults:
                key[k] = t.defaults[k]
        if not key:
            return None
        return "k:" + json.dumps(key, sort_keys=True, separators=(",", ":"))
    return None


def _top_fields(obj: dict, subresource: str) -> dict:
    """The part of an object field management tracks (identity metadata, apiVersion/kind excluded)."""
    out: dict = {}
    for k, v in obj.items():
        if k in ("apiVersion", "kind"):
            continue
        if k == "metadata" and isinstance(v, dict):
            meta = {mk: mv for mk, mv in v.items() if mk not in _IGNORED_META}
            if meta and subresource == "":
                out["metadata"] = meta
            continue
        if subresource == "status":
            if k == "status":
                out[k] = v
        elif subresource == "scale":
            if k == "spec" and isinstance(v, dict) and "replicas" in v:
                out["spec"] = {"replicas": v["replicas"]}
        elif k != "status":
            out[k] = v
    return out


def _walk(value: Any, t: _T, prefix: tuple, out: dict) -> None:
    """Collect the paths of ``value`` into ``out`` (path -> value). Maps and structs contribute their
    children; keyed/set list items contribute themselves; atomic values are leaves."""
    if isinstance(value, dict) and t.kind in ("struct", "map") and value:
        for k, v in value.items():
            if v is None:
                continue
            _walk(v, t.child(k), prefix + ("f:" + k,), out)
        return
    tokens = _tokens(value, t)
    if tokens is not None and value:
        for tok, item in zip(tokens, value, strict=True):
            out[prefix + (tok,)] = item
            if t.ssa_keys and isinstance(item, dict):
                _walk(item, t.item or GENERIC, prefix + (tok,), out)
        return
    out[prefix] = value


def _tokens(value: Any, t: _T) -> list[str] | None:
    """The path elements of an associative list's items; None when the list is atomic here (no keys, an
    item without its key, or duplicate keys -- handled as one value rather than guessed at)."""
    if not (isinstance(value, list) and t.kind == "list" and (t.ssa_keys or t.ssa_set)):
        return None
    tokens = [_item_token(item, t) for item in value]
    if None in tokens or len(set(tokens)) != len(tokens):
        return None
    return tokens


def _paths(obj: dict, t: _T, subresource: str = "") -> dict:
    out: dict = {}
    _walk(_top_fields(obj, subresource), t, (), out)
    out.pop((), None)
    return out


def _to_fields_v1(paths: set) -> dict:
    tree: dict = {}
    members: set = set()
    for p in sorted(paths):
        node = tree
        for tok in p:
            node = node.setdefault(tok, {})
        members.add(p)

    def mark(node: dict, prefix: tuple) -> None:
        for tok, child in node.items():
            path = prefix + (tok,)
            if child and path in members:
                child["."] = {}
            mark_children = {k: v for k, v in child.items() if k != "."}
            mark(mark_children, path)
            for k, v in mark_children.items():
                child[k] = v

    mark(tree, ())
    return _sorted_tree(tree)


def _sorted_tree(node: dict) -> dict:
    return {k: _sorted_tree(node[k]) for k in sorted(node)}


def _from_fields_v1(tree: dict, prefix: tuple = ()) -> set:
    out: set = set()
    for tok, child in (tree or {}).items():
        if tok == ".":
            out.add(prefix)
            continue
        path = prefix + (tok,)
        if not child:
            out.add(path)
        else:
            out |= _from_fields_v1(child, path)
    return out


def fields_v1(obj: dict, kind: str) -> dict:
    """The FieldsV1 set an applier of ``obj`` owns (what server-side apply records for an applied config)."""
    t = _kind_type(kind)
    paths = set(_paths(obj, t))
    # keyed list items are members themselves (".") in addition to their fields
    return _to_fields_v1(paths)


def _path_string(path: tuple) -> str:
    """fieldpath.Path.String(): .spec.replicas, .spec.containers[name="x"].image, [="v"], [0]."""
    out = ""
    for tok in path:
        kind, _sep, rest = tok.partition(":")
        if kind == "f":
            out += "." + rest
        elif kind == "k":
            key = json.loads(rest)
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in key.items()) + "]"
        elif kind == "v":
            out += "[=" + rest + "]"
        else:
            out += "[" + rest + "]"
    return out


# --------------------------------------------------------------------------------------------------------------
# Managed fields bookkeeping
# --------------------------------------------------------------------------------------------------------------


class _Manager:
    def __init__(self, entry: dict) -> None:
        self.manager = entry.get("manager", "")
        self.operation = entry.get("operation", "Update")
        self.api_version = entry.get("apiVersion", "")
        self.time = entry.get("time")
        self.subresource = entry.get("subresource", "")
        self.paths: set = _from_fields_v1(entry.get("fieldsV1") or {})
        self.original = entry

    @property
    def ident(self) -> tuple:
        return (self.manager, self.operation, self.subresource)

    def entry(self) -> dict:
        e: dict[str, Any] = {"manager": self.manager, "operation": self.operation, "apiVersion": self.api_version}
        if self.time is not None:
            e["time"] = self.time
        e["fieldsType"] = "FieldsV1"
        e["fieldsV1"] = _to_fields_v1(self.paths)
        if self.subresource:
            e["subresource"] = self.subresource
        return e

    def describe(self) -> str:
        # internal/conflict.go printManager
        s = json.dumps(self.manager)
        if self.subresource:
            s += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == "Update":
            s += f" using {self.api_version}"
            if self.time:
                s += f" at {self.time}"
        return s


def _managers(obj: dict | None) -> list[_Manager]:
    if not obj:
        return []
    return [_Manager(e) for e in (obj.get("metadata") or {}).get("managedFields") or [] if isinstance(e, dict)]


def _sorted_entries(managers: list[_Manager]) -> list[dict]:
    # apiserver fieldmanager sortEncodedManagedFields: operation, time, manager, apiVersion, subresource
    ms = [m for m in managers if m.paths]
    ms.sort(key=lambda m: (m.operation, m.time or "", m.manager, m.api_version, m.subresource))
    return [m.entry() for m in ms]


def _update_nodes(old: dict, new: dict, t: _T, prefix: tuple, added: set, changed: set, removed: set) -> None:
    """Compare two tracked trees (as SMD's typed compare): every node only in ``new`` is added (itself and
    its descendants), leaves whose value differs are changed, nodes only in ``old`` are removed."""
    keys = set(old) | set(new)
    for k in keys:
        path = prefix + ("f:" + k,)
        child = t.child(k)
        _compare_value(old.get(k), new.get(k), child, path, added, changed, removed)


def _compare_value(a: Any, b: Any, t: _T, path: tuple, added: set, changed: set, removed: set) -> None:
    if b is None and a is None:
        return
    if b is None:
        removed.add(path)
        sub: dict = {}
        _walk(a, t, path, sub)
        removed.update(sub)
        return
    if a is None:
        if not t.present:
            added.add(path)
        sub = {}
        _walk(b, t, path, sub)
        _add_with_parents(sub, path, added, t)
        return
    if isinstance(a, dict) and isinstance(b, dict) and t.kind in ("struct", "map"):
        _update_nodes(a, b, t, path, added, changed, removed)
        return
    if isinstance(a, list) and isinstance(b, list) and t.kind == "list" and (t.ssa_keys or t.ssa_set):
        a_tok, b_tok = _tokens(a, t), _tokens(b, t)
        if a_tok is None or b_tok is None:
            if a != b:
                changed.add(path)
            return
        ai, bi = dict(zip(a_tok, a, strict=True)), dict(zip(b_tok, b, strict=True))
        for tok in set(ai) | set(bi):
            ipath = path + (tok,)
            if tok not in bi:
                removed.add(ipath)
                sub = {}
                _walk(ai[tok], t.item or GENERIC, ipath, sub)
                removed.update(sub)
            elif tok not in ai:
                added.add(ipath)
                sub = {}
                if t.ssa_keys:
                    _walk(bi[tok], t.item or GENERIC, ipath, sub)
                    _add_with_parents(sub, ipath, added, t.item or GENERIC)
            elif t.ssa_keys and isinstance(ai[tok], dict) and isinstance(bi[tok], dict):
                _update_nodes(ai[tok], bi[tok], t.item or GENERIC, ipath, added, changed, removed)
        return
    if a != b:
        changed.add(path)


def _add_with_parents(sub: dict, base: tuple, added: set, t: _T) -> None:
    """Newly added subtree: every node is a member (maps/items record "."), except always-present structs."""
    for p in sub:
        added.add(p)
        # intermediate nodes between base and p are members too (they were created by this write)
        for i in range(len(base) + 1, len(p)):
            node_t = _type_at(t, p[len(base) : i])
            if not node_t.present:
                added.add(p[:i])


def _type_at(t: _T, rel: tuple) -> _T:
    cur = t
    for tok in rel:
        if tok.startswith("f:"):
            cur = cur.child(tok[2:])
        else:
            cur = cur.item or GENERIC
    return cur


def record_update(
    old: dict | None,
    new: dict,
    manager: str,
    operation: str,
    api_version: str,
    now_iso: str,
    subresource: str = "",
    kind: str | None = None,
) -> list:
    """managedFields after a create/update/patch by ``manager`` (operation "Update"; "Apply" is handled by
    server_side_apply). Nothing changed: the old managedFields come back identical (same times), so the
    resourceVersion need not move. The manager's entry gets ``now_iso`` when this write changed fields;
    fields it changed are taken from other managers (an Update always forces), removed fields leave every
    manager."""
    kind = kind or new.get("kind") or ""
    t = _kind_type(kind)
    managers = _managers(old)
    if old is None:
        managers = []
    old_tracked = _top_fields(old or {}, subresource)
    new_tracked = _top_fields(new, subresource)
    added: set = set()
    changed: set = set()
    removed: set = set()
    _update_nodes(old_tracked, new_tracked, t, (), added, changed, removed)
    if not added and not changed and not removed:
        return copy.deepcopy((old or {}).get("metadata", {}).get("managedFields") or [])
    touched = added | changed
    ident = (manager, operation, subresource)
    mine = next((m for m in managers if m.ident == ident), None)
    for m in managers:
        if m is not mine:
            m.paths -= touched
        m.paths -= removed
    if mine is None:
        mine = _Manager({"manager": manager, "operation": operation, "apiVersion": api_version})
        mine.subresource = subresource
        managers.append(mine)
    mine.paths |= touched
    mine.paths -= removed
    mine.api_version = api_version
    mine.time = now_iso
    return _sorted_entries(managers)


# --------------------------------------------------------------------------------------------------------------
# Server-side apply
# --------------------------------------------------------------------------------------------------------------


def _ssa_merge(live: Any, applied: Any, t: _T) -> Any:
    if isinstance(applied, dict) and isinstance(live, dict) and t.kind in ("struct", "map"):
        out = copy.deepcopy(live)
        for k, v in applied.items():
            if v is None:
                continue
            out[k] = _ssa_merge(live.get(k), v, t.child(k))
        return out
    if isinstance(applied, list) and isinstance(live, list) and t.kind == "list" and (t.ssa_keys or t.ssa_set):
        live_tok, app_tok = _tokens(live, t), _tokens(applied, t)
        if live_tok is None or app_tok is None:
            return copy.deepcopy(applied)
        return _interleave(live, applied, live_tok, app_tok, t)
    return _drop_nulls(applied)


def _interleave(live: list, applied: list, live_tok: list, app_tok: list, t: _T) -> list:
    """Order of a merged associative list as structured-merge-diff's merge (typed/merge.go visitListItems):
    live-only items keep their places, shared items follow the applied order, new items come where the
    applied config puts them."""
    item_t = t.item or GENERIC
    live_by = dict(zip(live_tok, live, strict=True))
    app_by = dict(zip(app_tok, applied, strict=True))
    shared = [tok for tok in app_tok if tok in live_by]
    next_shared = shared.pop(0) if shared else None
    done: set = set()
    out: list = []
    li = ri = 0
    while li < len(live_tok) or ri < len(app_tok):
        if li < len(live_tok) and ri < len(app_tok):
            tok = live_tok[li]
            if tok == app_tok[ri]:
                done.add(tok)
                out.append(_ssa_merge(live_by[tok], app_by[tok], item_t))
                li += 1
                ri += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if tok in app_by and next_shared is not None and next_shared != tok:
                li += 1
                continue
        if li < len(live_tok):
            tok = live_tok[li]
            if tok not in app_by:
                out.append(copy.deepcopy(live[li]))
                li += 1
                continue
            if tok in done:
                li += 1
                continue
        if ri < len(app_tok):
            tok = app_tok[ri]
            done.add(tok)
            out.append(
                _ssa_merge(live_by.get(tok), app_by[tok], item_t) if tok in live_by else _drop_nulls(app_by[tok])
            )
            ri += 1
            if next_shared is not None and next_shared == tok:
                next_shared = shared.pop(0) if shared else None
    return out


def _drop_nulls(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_drop_nulls(x) for x in v]
    return copy.deepcopy(v)


def _get_path(obj: Any, path: tuple, t: _T) -> tuple[bool, Any]:
    cur, ct = obj, t
    for tok in path:
        kind, _sep, rest = tok.partition(":")
        if kind == "f":
            if not isinstance(cur, dict) or rest not in cur:
                return False, None
            cur, ct = cur[rest], ct.child(rest)
        else:
            if not isinstance(cur, list):
                return False, None
            match = [x for x in cur if _item_token(x, ct) == tok]
            if not match:
                return False, None
            cur, ct = match[0], ct.item or GENERIC
    return True, cur


def _remove_path(obj: dict, path: tuple, t: _T) -> None:
    parents: list = []
    cur, ct = obj, t
    for tok in path[:-1]:
        parents.append(cur)
        kind, _sep, rest = tok.partition(":")
        if kind == "f":
            if not isinstance(cur, dict) or rest not in cur:
                return
            cur, ct = cur[rest], ct.child(rest)
        else:
            if not isinstance(cur, list):
                return
            match = [x for x in cur if _item_token(x, ct) == tok]
            if not match:
                return
            cur, ct = match[0], ct.item or GENERIC
    last = path[-1]
    kind, _sep, rest = last.partition(":")
    if kind == "f" and isinstance(cur, dict):
        cur.pop(rest, None)
    elif kind in ("k", "v") and isinstance(cur, list):
        cur[:] = [x for x in cur if _item_token(x, ct) != last]


def _last_applied_fields(live: dict, t: _T, api_version: str) -> set:
    """lastAppliedManager.allowedConflictsFromLastApplied: the field set of live's last-applied-configuration
    annotation (same apiVersion as the request) minus the fields whose value differs from the live object."""
    raw = _annotation(live, LAST_APPLIED)
    if not raw:
        return set()
    try:
        last = json.loads(raw)
    except ValueError:
        return set()
    if not isinstance(last, dict) or last.get("apiVersion") != api_version:
        return set()
    paths: dict = {}
    _walk(_top_fields(last, ""), t, (), paths)
    paths.pop((), None)
    live_tracked = _top_fields(live, "")
    allowed = set()
    for p, value in paths.items():
        found, current = _get_path(live_tracked, p, t)
        if p[-1].startswith(("k:", "v:")) and found:
            allowed.add(p)
        elif found and current == value:
            allowed.add(p)
    return allowed


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _annotation(obj: dict, key: str) -> Any:
    return ((obj.get("metadata") or {}).get("annotations") or {}).get(key)


def _sync_last_applied(result: dict, applied: dict) -> None:
    """apiserver managedfields lastAppliedUpdater: after a server-side apply by "kubectl", an existing
    last-applied-configuration annotation of the result is set to the applied configuration (encoded
    without that annotation; its ownership is not touched)."""
    body = copy.deepcopy(applied)
    annotations = (body.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED, None)
    # unstructured JSON encoding: sorted keys, compact, a trailing newline (json.Encoder) -- UNCONFIRMED
    value = json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n"
    result["metadata"]["annotations"][LAST_APPLIED] = value


def _conflict_error(conflicts: list[tuple[_Manager, tuple]]) -> PatchError:
    causes = [
        {"reason": "FieldManagerConflict", "message": f"conflict with {m.describe()}", "field": _path_string(p)}
        for m, p in conflicts
    ]
    if len(conflicts) == 1:
        m, p = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {m.describe()}: {_path_string(p)}"
    else:
        by: dict[str, tuple[_Manager, list]] = {}
        for m, p in conflicts:
            by.setdefault(json.dumps(m.ident), (m, []))[1].append(p)
        lines = []
        for key in sorted(by):
            m, ps = by[key]
            lines.append(f"conflicts with {m.describe()}:")
            lines.extend(f"- {_path_string(p)}" for p in ps)
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return PatchError(409, "Conflict", message, causes)


def server_side_apply(
    live: dict | None,
    applied: dict,
    manager: str,
    force: bool,
    kind: str,
    now_iso: str,
    api_version: str,
    subresource: str = "",
) -> dict:
    """Merge the applied configuration of ``manager`` into ``live`` (None: the object is created).

    Returns the new object with metadata.managedFields. Raises PatchError 409 (causes FieldManagerConflict)
    when a field the config sets to a different value is owned by another manager and ``force`` is false;
    with ``force`` the applier takes those fields. Fields the manager applied before and no longer applies
    are removed from the object unless another manager owns them. ``status`` is not applied through the main
    resource (as the API server resets it there). A no-op apply returns ``live`` unchanged, managedFields and
    times included."""
    if not manager:
        raise PatchError(
            422,
            "Invalid",
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
            [
                {
                    "reason": "FieldValueRequired",
                    "message": "Required value: is required for apply patch",
                    "field": "fieldManager",
                }
            ],
        )
    if not isinstance(applied, dict):
        raise _bad_request("apply patch body must be an object")
    t = _kind_type(kind)
    applied_tracked = _top_fields(applied, subresource)
    new_paths_map: dict = {}
    _walk(applied_tracked, t, (), new_paths_map)
    new_paths_map.pop((), None)
    new_set = set(new_paths_map)

    if live is None:
        obj = _drop_nulls(applied)
        if subresource == "":
            obj.pop("status", None)
        entry = _Manager({"manager": manager, "operation": "Apply", "apiVersion": api_version, "time": now_iso})
        entry.subresource = subresource
        entry.paths = new_set
        obj.setdefault("metadata", {})["managedFields"] = _sorted_entries([entry])
        return obj

    managers = _managers(live)
    ident = (manager, "Apply", subresource)
    mine = next((m for m in managers if m.ident == ident), None)
    others = [m for m in managers if m is not mine]
    prev_set = set(mine.paths) if mine else set()

    merged_tracked = _ssa_merge(_top_fields(live, subresource), applied_tracked, t)
    live_tracked = _top_fields(live, subresource)
    # conflicts: a field of the applied config owned by another manager whose value would change
    conflicts: list[tuple[_Manager, tuple]] = []
    for m in others:
        for p in sorted(new_set & m.paths):
            if p[-1].startswith(("k:", "v:")):
                continue
            had, before = _get_path(live_tracked, p, t)
            after = _get_path(merged_tracked, p, t)[1]
            if had and before == after:
                continue
            conflicts.append((m, p))
    if conflicts and not force and manager == "kubectl":
        # upgrading from client-side apply (apiserver fieldmanager lastAppliedManager): for the manager
        # "kubectl" only, conflicts on fields of the last-applied-configuration annotation are forced when
        # that annotation still matches the live object
        allowed = _last_applied_fields(live, t, api_version)
        rest = [(m, p) for m, p in conflicts if p not in allowed]
        if not rest:
            force = True
        else:
            conflicts = rest
    if conflicts and not force:
        raise _conflict_error(conflicts)
    for m, p in conflicts:
        m.paths.discard(p)

    # fields this manager stopped applying, owned by nobody else, leave the object
    still_owned: set = set()
    for m in others:
        still_owned |= m.paths
    drop = prev_set - new_set
    keep = still_owned | new_set
    parents = {q[:i] for q in keep for i in range(1, len(q))}
    owned_leaves = keep - parents
    gone: list = []
    for p in sorted(drop, key=len):
        if p in keep or p in parents:
            continue
        if any(p[:i] in owned_leaves for i in range(1, len(p))):
            # under a value someone owns as a whole (e.g. a list that became atomic)
            continue
        if len(p) > 1 and p[-2].startswith("k:") and p[-1][2:] in json.loads(p[-2][2:]):
            # a key field stays while its item stays
            continue
        if any(p[: len(g)] == g for g in gone):
            continue
        _remove_path(merged_tracked, p, t)
        gone.append(p)
    _prune_empty(merged_tracked, live_tracked)

    result = copy.deepcopy(live)
    for k in list(result):
        if k in ("apiVersion", "kind"):
            continue
        if k == "metadata":
            continue
        if k in merged_tracked or k in live_tracked:
            if k in merged_tracked:
                result[k] = merged_tracked[k]
            else:
                del result[k]
    for k, v in merged_tracked.items():
        if k != "metadata":
            result[k] = v
    meta = result.setdefault("metadata", {})
    tracked_meta = merged_tracked.get("metadata", {})
    for k in list(meta):
        if k not in _IGNORED_META and k not in tracked_meta:
            del meta[k]
    meta.update(tracked_meta)

    if manager == "kubectl" and _annotation(result, LAST_APPLIED):
        _sync_last_applied(result, applied)
    changed_object = _strip_mf(result) != _strip_mf(live)
    if mine is None:
        mine = _Manager({"manager": manager, "operation": "Apply", "apiVersion": api_version})
        mine.subresource = subresource
        managers.append(mine)
    if changed_object or mine.paths != new_set or mine.time is None or conflicts:
        mine.time = now_iso
        mine.api_version = api_version
    mine.paths = new_set
    entries = _sorted_entries(managers)
    if not changed_object and entries == (live.get("metadata") or {}).get("managedFields"):
        return copy.deepcopy(live)
    meta["managedFields"] = entries
    return result


def _strip_mf(obj: dict) -> dict:
    o = copy.deepcopy(obj)
    (o.get("metadata") or {}).pop("managedFields", None)
    return o


def _prune_empty(merged: Any, live: Any) -> None:
    """Maps emptied by removing un-owned fields go too (when they were not empty before)."""
    if not isinstance(merged, dict):
        return
    for k in list(merged):
        v = merged[k]
        lv = live.get(k) if isinstance(live, dict) else None
        if isinstance(v, dict):
            _prune_empty(v, lv)
            if not v and lv:
                del merged[k]
