"""Kubernetes API semantics of one emulated API server (one ACK cluster or one ASM mesh).

``handle()`` serves one HTTP request (the transport helper's listener authenticates it first):
discovery (/version, /api, /apis, group-version resource lists), a minimal /openapi/v3, CRUD on
resource paths with label / field selectors, JSON / merge / strategic-merge patches, server-side
apply, dry-run, watches (chunked, one JSON event a line), the ``scale`` and ``status``
subresources and CRDs whose resources are served once Established. The behaviour follows
/work/shared/reference/kube-api-emulation.md ("reference §n" below), itself citing the upstream
sources (kubernetes/apiserver, apimachinery, apiextensions-apiserver).

Not modelled: aggregated discovery (kubectl falls back to the plain lists), protobuf except the
bodies of ``kubectl create namespace|configmap|secret|serviceaccount`` (other typed creates get
415), CBOR, pagination (``limit`` / ``continue`` are ignored: every list is one page), a CRD's
additionalPrinterColumns in Tables, graceful Pod termination (Pods go at once), Foreground
propagation (treated as Background), admission webhooks, RBAC (every authenticated user may do
everything), Events from the controllers, version conversion beyond relabelling apiVersion (the
Istio versions share one schema), strict field validation of built-ins below their top level.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import sys
import time
import traceback
import uuid
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import parse_qs, urlsplit

from . import objects, resources
from .objects import KubeError, KubeView
from .resources import CRD_GROUP, ResourceDef

if TYPE_CHECKING:  # pragma: no cover
    from ..server import Emulator

JSON_CT = "application/json"
# /version of a mesh's API server: UNCONFIRMED (ASM does not document its API server's version).
MESH_VERSION = "v1.31.4"
DEFAULT_VERSION = "v1.33.3-aliyun.1"
# The real server's watch timeout is random in [30, 60) min (--min-request-timeout 1800).
WATCH_TIMEOUT = 1800.0
WATCH_TICK = 0.1
BOOKMARK_EVERY = 5.0
NAMESPACE_DELETE_DELAY = "kube_namespace_delete"
SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "apply-cbor",
}


@dataclasses.dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes | None
    stream: Iterator[bytes] | None = None
    log: dict[str, Any] = dataclasses.field(default_factory=dict)


def _json(status: int, doc: Any, headers: dict[str, str] | None = None, log: dict | None = None) -> Response:
    hdrs = {"Content-Type": JSON_CT}
    hdrs.update(headers or {})
    return Response(status, hdrs, json.dumps(doc, separators=(",", ":")).encode("utf-8"), None, dict(log or {}))


def _error(err: KubeError, log: dict | None = None, headers: dict | None = None) -> Response:
    return _json(err.code, err.status(), headers, log)


def not_found_path() -> KubeError:
    return KubeError(404, "NotFound", "the server could not find the requested resource")


def not_found(rdef: ResourceDef, name: str) -> KubeError:
    return KubeError(
        404,
        "NotFound",
        f'{resources.qualified(rdef.group, rdef.plural)} "{name}" not found',
        {"name": name, "group": rdef.group, "kind": rdef.plural},
    )


def bad_request(message: str) -> KubeError:
    return KubeError(400, "BadRequest", message)


def method_not_allowed() -> KubeError:
    return KubeError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")


def invalid(kind: str, group: str, name: str, causes: list[dict[str, Any]]) -> KubeError:
    """422 Invalid like apimachinery's errors.NewInvalid (reference §2): details.kind is the Kind."""
    qualified_kind = f"{kind}.{group}" if group else kind
    texts = [f"{c['field']}: {c['message']}" if c.get("field") else c["message"] for c in causes]
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    return KubeError(
        422,
        "Invalid",
        f'{qualified_kind} "{name}" is invalid: {joined}',
        {"name": name, "group": group, "kind": kind},
        causes,
    )


def cause(reason: str, field: str, message: str) -> dict[str, str]:
    return {"reason": reason, "message": message, "field": field}


# -- semantics (patch.py / schema.py of the semantics helper) -------------------------------------


def _patch_mod():
    from . import patch  # pylint: disable=import-outside-toplevel

    return patch


def _schema_mod():
    try:
        from . import schema  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return schema


def _patch_error(exc: Exception, rdef: ResourceDef, name: str) -> KubeError:
    """A semantics PatchError as a Status: details name/group/kind (the plural for 409, the Kind for an
    Invalid object) plus its causes."""
    code = int(getattr(exc, "code", 422) or 422)
    reason = str(getattr(exc, "reason", "") or "")
    causes = list(getattr(exc, "causes", None) or [])
    message = str(getattr(exc, "message", "") or exc)
    if code == 409:
        details = {"name": name, "group": rdef.group, "kind": rdef.plural}
    elif code == 422 and reason == "Invalid":
        details = {"name": name, "group": rdef.group, "kind": rdef.kind}
    else:
        details = {}
    return KubeError(code, reason or "Invalid", message, details, causes or None)


# -- request parsing ------------------------------------------------------------------------------


@dataclasses.dataclass
class Req:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    user: str
    # faults drawn for this request (Faults.kube_before / kube_conflict), served by _resource_request
    fault: str | None = None
    conflict: bool = False

    def q(self, name: str, default: str | None = None) -> str | None:
        vals = self.query.get(name)
        return vals[-1] if vals else default

    @property
    def dry_run(self) -> bool:
        return "All" in (self.query.get("dryRun") or [])

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    def manager(self) -> str:
        fm = self.q("fieldManager")
        if fm:
            return fm
        ua = self.headers.get("user-agent") or "unknown"
        return ua.split("/")[0] or "unknown"


def _norm_headers(headers: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in dict(headers or {}).items():
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        out[str(key).lower()] = str(value)
    return out


def _decode_body(req: Req, what: str = "object") -> Any:
    raw = req.body or b""
    ctype = req.content_type
    if ctype == PROTOBUF_CT and req.method in ("POST", "PUT"):
        try:
            return decode_protobuf(raw)
        except (ValueError, IndexError, StopIteration, UnicodeDecodeError):
            pass  # not one of the decoded kinds: 415 below
    if ctype and not (ctype in ("application/json", "application/yaml", "*/*") or ctype in PATCH_TYPES):
        # protobuf / CBOR are not served: a 415 makes client-go switch to JSON (its content-type
        # fallback on 415 Unsupported Media Type); kubectl 1.37 sends built-ins as protobuf first.
        raise KubeError(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json, application/yaml",
        )
    if not raw.strip():
        raise bad_request(
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json, application/yaml"
        )
    try:
        if ctype in ("application/yaml", "application/apply-patch+yaml") and not raw.lstrip().startswith((b"{", b"[")):
            import yaml  # pylint: disable=import-outside-toplevel

            return yaml.safe_load(raw.decode("utf-8"))
        return json.loads(raw.decode("utf-8"))
    except Exception as exc:  # pylint: disable=broad-except
        raise bad_request(f"error decoding {what}: {exc}") from exc


# -- label and field selectors --------------------------------------------------------------------

_LABEL_KEY = r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_LABEL_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"


def _split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def parse_label_selector(text: str | None) -> list[tuple[str, str, list[str]]]:
    """``[(key, op, values)]``, op in =, !=, in, notin, exists, !. Raises 400 BadRequest."""
    if not text or not text.strip():
        return []
    reqs = []
    for part in _split_top(text):
        m = re.fullmatch(rf"\s*({_LABEL_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*", part)
        if m:
            vals = [v.strip() for v in m.group(3).split(",")]
            reqs.append((m.group(1), m.group(2), vals))
            continue
        m = re.fullmatch(rf"\s*({_LABEL_KEY})\s*(==|!=|=)\s*(\S*)\s*", part)
        if m:
            key, op, val = m.group(1), m.group(2), m.group(3)
            if not re.fullmatch(_LABEL_VALUE, val):
                raise bad_request(f'unable to parse requirement: values[0][{key}]: Invalid value: "{val}"')
            reqs.append((key, "!=" if op == "!=" else "=", [val]))
            continue
        m = re.fullmatch(rf"\s*!\s*({_LABEL_KEY})\s*", part)
        if m:
            reqs.append((m.group(1), "!", []))
            continue
        m = re.fullmatch(rf"\s*({_LABEL_KEY})\s*", part)
        if m:
            reqs.append((m.group(1), "exists", []))
            continue
        raise bad_request(f"unable to parse requirement: found '{part}', expected: in, notin, =, ==, !=, gt, lt")
    return reqs


def labels_match(labels: dict[str, str] | None, reqs: list[tuple[str, str, list[str]]]) -> bool:
    labels = labels or {}
    for key, op, vals in reqs:
        have = key in labels
        val = labels.get(key)
        if op == "=" and (not have or val != vals[0]):
            return False
        if op == "!=" and have and val == vals[0]:
            return False
        if op == "in" and (not have or val not in vals):
            return False
        if op == "notin" and have and val in vals:
            return False
        if op == "exists" and not have:
            return False
        if op == "!" and have:
            return False
    return True


# field selectors each resource supports (besides metadata.name / metadata.namespace)
FIELD_LABELS: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("", "events"): {
        "involvedObject.kind": ("involvedObject", "kind"),
        "involvedObject.namespace": ("involvedObject", "namespace"),
        "involvedObject.name": ("involvedObject", "name"),
        "involvedObject.uid": ("involvedObject", "uid"),
        "involvedObject.apiVersion": ("involvedObject", "apiVersion"),
        "involvedObject.resourceVersion": ("involvedObject", "resourceVersion"),
        "involvedObject.fieldPath": ("involvedObject", "fieldPath"),
        "reason": ("reason",),
        "reportingComponent": ("reportingComponent",),
        "source": ("source", "component"),
        "type": ("type",),
    },
    ("", "pods"): {
        "status.phase": ("status", "phase"),
        "spec.nodeName": ("spec", "nodeName"),
        "spec.restartPolicy": ("spec", "restartPolicy"),
        "spec.schedulerName": ("spec", "schedulerName"),
        "spec.serviceAccountName": ("spec", "serviceAccountName"),
        "spec.hostNetwork": ("spec", "hostNetwork"),
        "status.podIP": ("status", "podIP"),
        "status.nominatedNodeName": ("status", "nominatedNodeName"),
    },
    ("", "namespaces"): {"status.phase": ("status", "phase")},
    ("", "nodes"): {"spec.unschedulable": ("spec", "unschedulable")},
    ("", "secrets"): {"type": ("type",)},
    ("apps", "replicasets"): {"status.replicas": ("status", "replicas")},
}


def parse_field_selector(text: str | None, rdef: ResourceDef) -> list[tuple[tuple[str, ...], bool, str]]:
    """``[(path, equal, value)]``; an unsupported field is 400 BadRequest like the real server."""
    if not text or not text.strip():
        return []
    known = {"metadata.name": ("metadata", "name"), "metadata.namespace": ("metadata", "namespace")}
    known.update(FIELD_LABELS.get((rdef.group, rdef.plural), {}))
    out = []
    for part in _split_top(text):
        m = re.fullmatch(r"\s*([^=!\s]+)\s*(==|!=|=)\s*(.*?)\s*", part)
        if not m:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        field, op, value = m.group(1), m.group(2), m.group(3)
        if field not in known:
            raise bad_request(f"field label not supported: {field}")
        out.append((known[field], op != "!=", value))
    return out


def fields_match(obj: dict[str, Any], reqs: list[tuple[tuple[str, ...], bool, str]]) -> bool:
    for path, equal, value in reqs:
        cur: Any = obj
        for key in path:
            cur = cur.get(key) if isinstance(cur, dict) else None
        if isinstance(cur, bool):
            cur = "true" if cur else "false"
        have = "" if cur is None else str(cur)
        if (have == value) != equal:
            return False
    return True


# -- paths ------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Target:
    rdef: ResourceDef
    namespace: str | None
    name: str | None
    sub: str | None


def _resolve(view: KubeView, parts: list[str]) -> Target | None:
    """parts after /api or /apis: [v1, ...] or [group, version, ...]."""
    if parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    else:
        group, version, rest = parts[1], parts[2], parts[3:]
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    elif len(rest) in (1, 2) and rest[0] == "namespaces" and group == "":
        rdef = resources.get(view, "", "namespaces", version)
        if rdef is None:
            return None
        return Target(rdef, None, rest[1] if len(rest) == 2 else None, None)
    elif len(rest) == 3 and rest[0] == "namespaces" and group == "":
        pass
    if not rest:
        return None
    plural = rest[0]
    rdef = resources.get(view, group, plural, version)
    if rdef is None:
        return None
    if namespace is not None and not rdef.namespaced:
        if group == "" and plural == "namespaces":
            return None
        return None
    name = rest[1] if len(rest) >= 2 else None
    sub = rest[2] if len(rest) >= 3 else None
    if len(rest) > 3:
        return None
    if sub is not None and not ((sub == "scale" and rdef.scale) or (sub == "status" and rdef.status_subresource)):
        if not (group == "" and plural == "namespaces" and sub == "finalize"):
            return None
    return Target(rdef, namespace, name, sub)


# -- entry points -------------------------------------------------------------------------------------


def handle(
    emulator: "Emulator",
    server_id: str,
    user: str,
    method: str,
    raw_path: str,
    headers: Any,
    body: bytes | None,
) -> Response:
    """Serve one (authenticated) request of API server ``server_id``."""
    split = urlsplit(raw_path)
    path = split.path.rstrip("/") or "/"
    req = Req(
        method.upper(), path, parse_qs(split.query, keep_blank_values=True), _norm_headers(headers), body or b"", user
    )
    log: dict[str, Any] = {"verb": "get", "resource": "", "write": False, "changed": False}
    if path.startswith(("/api/", "/apis/")):
        # the controllers run lazily: before each request (what a client reads is up to date, as
        # when the real controllers run all the time) and after each write
        _tick_quietly(emulator, server_id, throttle=True)
    try:
        resp = _dispatch(emulator, server_id, req, log)
    except KubeError as err:
        resp = _error(err, log)
    if not resp.log:
        resp.log = log
    if resp.log.get("write") and resp.status < 300:
        _after_write(emulator, server_id)
    return resp


def _after_write(emulator: "Emulator", server_id: str) -> None:
    _tick_quietly(emulator, server_id)


_LAST_TICK: dict[tuple[int, str], float] = {}
TICK_THROTTLE = 0.05


def _tick_quietly(emulator: "Emulator", server_id: str, throttle: bool = False) -> None:
    key = (id(emulator), server_id)
    now = time.monotonic()
    if throttle and now - _LAST_TICK.get(key, 0.0) < TICK_THROTTLE:
        return
    _LAST_TICK[key] = now
    try:
        tick(emulator, server_id)
    except Exception:  # pylint: disable=broad-except
        traceback.print_exc(file=sys.stderr)


def tick(emulator: "Emulator", server_id: str) -> None:
    """Background work of one API server: namespace termination, garbage collection of dependents
    whose owners are gone, CRD cleanup, then the controllers (controllers.reconcile)."""
    with objects.open_view(emulator, server_id) as view:
        _namespace_controller(view)
        _garbage_collector(view)
        try:
            from . import controllers  # pylint: disable=import-outside-toplevel
        except ImportError:
            controllers = None  # type: ignore[assignment]
        if controllers is not None and hasattr(controllers, "reconcile"):
            controllers.reconcile(view)


def bootstrap(view: KubeView) -> None:
    """Seed a new API server: its system namespaces (+ istio-system in a mesh) and, in a mesh,
    the Istio and ASM CRDs (the semantics helper's crds package)."""
    names = list(SYSTEM_NAMESPACES)
    if view.owner == "mesh":
        names.append("istio-system")
    for name in names:
        if view.get("", "namespaces", None, name) is None:
            ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            resources.apply_defaults(view, "", "namespaces", ns)
            view.create(ns, manager="kube-apiserver")
    if view.get("", "services", "default", "kubernetes") is None:
        svc = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": "kubernetes",
                "namespace": "default",
                "labels": {"component": "apiserver", "provider": "kubernetes"},
            },
            "spec": {"ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
        }
        resources.apply_defaults(view, "", "services", svc)
        view.create(svc, manager="kube-apiserver")
    if view.owner == "mesh":
        try:
            from . import crds  # pylint: disable=import-outside-toplevel
        except ImportError:
            crds = None  # type: ignore[assignment]
        if crds is not None:
            for crd in list(crds.istio_crds()) + list(crds.asm_crds()):
                if view.get(CRD_GROUP, "customresourcedefinitions", None, crd["metadata"]["name"]) is None:
                    prepared = _prepare_crd(copy.deepcopy(crd), now_iso=view.now_iso())
                    view.create(prepared, manager="kube-apiserver")


# -- dispatch ---------------------------------------------------------------------------------------------


def _is_watch(req: Req) -> bool:
    return req.method == "GET" and ((req.q("watch") or "").lower() in ("true", "1") or "/watch/" in req.path)


def _throttled(retry_after_s: int) -> Response:
    """The apiserver's in-flight limiter (apiserver/pkg/server/filters/maxinflight.go, tooManyRequests;
    API Priority and Fairness answers the same): a plain-text 429 with Retry-After, not a Status.
    UNCONFIRMED here: quoted from that source, not observed on ACK."""
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "X-Content-Type-Options": "nosniff",
        "Retry-After": str(retry_after_s),
    }
    return Response(429, headers, b"Too many requests, please try again later.\n")


def _internal_error() -> KubeError:
    # apimachinery api/errors NewInternalError: reason InternalError, the cause in details.causes
    return KubeError(
        500,
        "InternalError",
        "Internal error occurred: injected fault: the storage backend timed out",
        causes=[{"message": "injected fault: the storage backend timed out"}],
    )


def _draw_faults(emulator: "Emulator", req: Req) -> None:
    """The Kubernetes faults of the emulator's fault profile (faults.py) for this request."""
    if _is_watch(req):
        return
    req.fault = emulator.faults.kube_before()
    if req.method in ("PUT", "PATCH"):
        req.conflict = emulator.faults.kube_conflict()


def _served_fault(emulator: "Emulator", req: Req, log: dict) -> Response | None:
    """The response of a request that a fault drawn for it ends before it is served."""
    if req.fault is None:
        return None
    log["fault"] = req.fault
    if req.fault == "throttling":
        resp = _throttled(emulator.faults.profile.kube_retry_after_s)
        resp.log = log
        return resp
    return _error(_internal_error(), log)


def _dispatch(emulator: "Emulator", server_id: str, req: Req, log: dict) -> Response:
    path = req.path
    if path in ("/healthz", "/livez", "/readyz"):
        return Response(200, {"Content-Type": "text/plain; charset=utf-8"}, b"ok", None, log)
    _draw_faults(emulator, req)
    if path.startswith("/openapi/v2"):
        raise not_found_path()
    parts = [p for p in path.split("/") if p]
    is_resource = len(parts) >= (3 if parts[:1] == ["api"] else 4)
    if not is_resource:
        # discovery, /version and /openapi meet the in-flight limiter as any other request
        faulted = _served_fault(emulator, req, log)
        if faulted is not None:
            return faulted
    with objects.open_view(emulator, server_id) as view:
        if path == "/version":
            return _json(200, _version(view), log=log)
        if path == "/api":
            host = req.headers.get("host") or "127.0.0.1"
            return _json(
                200,
                {
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
                },
                log=log,
            )
        if path == "/apis":
            return _json(200, _group_list(view), log=log)
        if path == "/openapi/v3":
            return _json(200, _openapi_index(view), log=log)
        if path.startswith("/openapi/v3/"):
            return _json(200, _openapi_gv(view, path[len("/openapi/v3/") :]), log=log)
        parts = [p for p in path.split("/") if p]
        if not parts or parts[0] not in ("api", "apis"):
            raise not_found_path()
        if parts[0] == "api" and len(parts) == 2:
            if parts[1] != "v1":
                raise not_found_path()
            return _json(200, _resource_list(view, "", "v1"), log=log)
        if parts[0] == "apis" and len(parts) == 2:
            gv = resources.group_versions(view).get(parts[1])
            if not gv:
                raise not_found_path()
            return _json(200, _api_group(parts[1], gv), log=log)
        if parts[0] == "apis" and len(parts) == 3:
            if parts[2] not in resources.group_versions(view).get(parts[1], []):
                raise not_found_path()
            return _json(200, _resource_list(view, parts[1], parts[2]), log=log)
        if (parts[0] == "api" and len(parts) < 3) or (parts[0] == "apis" and len(parts) < 4):
            raise not_found_path()
        target = _resolve(view, parts)
        if target is None:
            raise not_found_path()
        rv0 = view.current_rv()
        resp = _resource_request(view, req, target, log)
        # "changed": whether the request changed stored state (a no-op PATCH, as kubernetes.core's
        # client-side apply sends on a re-run, keeps every resourceVersion and changes nothing)
        resp.log["changed"] = view.current_rv() != rv0
        return resp


def _version(view: KubeView) -> dict[str, Any]:
    git = DEFAULT_VERSION
    if view.owner == "mesh":
        git = MESH_VERSION
    else:
        doc = view.ctx.store.get("cs_cluster", view.server_id)
        if doc and doc.get("current_version"):
            git = "v" + str(doc["current_version"]).lstrip("v")
    m = re.match(r"v(\d+)\.(\d+)", git)
    major, minor = (m.group(1), m.group(2)) if m else ("1", "33")
    return {
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "gitVersion": git,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.4",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def _api_group(group: str, versions: list[str]) -> dict[str, Any]:
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in versions],
        "preferredVersion": {"groupVersion": f"{group}/{versions[0]}", "version": versions[0]},
    }


def _group_list(view: KubeView) -> dict[str, Any]:
    groups = [_api_group(g, vs) for g, vs in resources.group_versions(view).items()]
    for g in groups:
        g.pop("kind")
        g.pop("apiVersion")
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _resource_list(view: KubeView, group: str, version: str) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    for rdef in resources.served(view):
        if rdef.group == group and rdef.version == version:
            entries.extend(rdef.discovery())
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": entries}


def _gv_path(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _openapi_index(view: KubeView) -> dict[str, Any]:
    """Minimal /openapi/v3 (reference §1): enough for kubectl's fieldValidation support check."""
    gvs = sorted({(r.group, r.version) for r in resources.served(view)})
    paths = {}
    for group, version in gvs:
        p = _gv_path(group, version)
        doc = _openapi_gv(view, p)
        digest = uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(doc, sort_keys=True)).hex.upper()
        paths[p] = {"serverRelativeURL": f"/openapi/v3/{p}?hash={digest}"}
    return {"paths": paths}


def _openapi_gv(view: KubeView, gv_path: str) -> dict[str, Any]:
    parts = gv_path.split("?")[0].strip("/").split("/")
    if parts[0] == "api" and len(parts) == 2:
        group, version = "", parts[1]
    elif parts[0] == "apis" and len(parts) == 3:
        group, version = parts[1], parts[2]
    else:
        raise not_found_path()
    rdefs = [r for r in resources.served(view) if r.group == group and r.version == version]
    if not rdefs:
        raise not_found_path()
    field_validation = {
        "name": "fieldValidation",
        "in": "query",
        "description": "fieldValidation instructs the server on how to handle objects in the request "
        "containing unknown or duplicate fields.",
        "schema": {"type": "string", "uniqueItems": True},
    }
    paths: dict[str, Any] = {}
    for rdef in rdefs:
        base = "/" + _gv_path(group, version)
        item = (
            f"{base}/namespaces/{{namespace}}/{rdef.plural}/{{name}}"
            if rdef.namespaced
            else f"{base}/{rdef.plural}/{{name}}"
        )
        gvk = {"group": group, "version": version, "kind": rdef.kind}
        op = {
            "operationId": f"patch{rdef.kind}",
            "parameters": [field_validation],
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": gvk,
            "responses": {"200": {"description": "OK"}},
        }
        post = dict(op, operationId=f"create{rdef.kind}", **{"x-kubernetes-action": "post"})
        put = dict(op, operationId=f"replace{rdef.kind}", **{"x-kubernetes-action": "put"})
        paths[item] = {"patch": op, "put": put}
        coll = item.rsplit("/", 1)[0]
        paths[coll] = {"post": post}
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": _version(view)["gitVersion"]},
        "paths": paths,
        "components": {"schemas": {}},
    }


# -- resource requests -------------------------------------------------------------------------------------


def _verb(req: Req, target: Target) -> str:
    m = req.method
    if m in ("GET", "HEAD"):
        if target.name is None:
            return "watch" if (req.q("watch") or "").lower() in ("true", "1") else "list"
        return "get"
    if m == "POST":
        return "create"
    if m == "PUT":
        return "update"
    if m == "PATCH":
        return "patch"
    if m == "DELETE":
        return "delete" if target.name is not None else "deletecollection"
    return m.lower()


def _resource_request(view: KubeView, req: Req, target: Target, log: dict) -> Response:
    rdef = target.rdef
    verb = _verb(req, target)
    log.update(
        {
            "verb": verb,
            "resource": rdef.plural + (f"/{target.sub}" if target.sub else ""),
            "write": verb in ("create", "update", "patch", "delete", "deletecollection") and not req.dry_run,
        }
    )
    if req.fault is not None:
        faulted = _served_fault(view.emulator, req, log)
        assert faulted is not None
        return faulted
    if req.method == "POST" and target.name is not None:
        raise method_not_allowed()
    if verb not in ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"):
        raise method_not_allowed()
    base_verb = verb if verb != "watch" else "watch"
    if target.sub is None and base_verb not in rdef.verbs:
        raise method_not_allowed()
    if target.sub in ("scale", "status") and verb not in ("get", "update", "patch"):
        raise method_not_allowed()
    if target.sub == "finalize":
        if verb != "update":
            raise method_not_allowed()
        target = Target(rdef, None, target.name, "status")
    dry = req.q("dryRun")
    if dry is not None and dry != "All":
        raise invalid_options(f'dryRun: Unsupported value: "{dry}": supported values: "All"')
    fv = req.q("fieldValidation")
    if fv is not None and fv not in ("Ignore", "Warn", "Strict"):
        raise invalid_options(
            f'fieldValidation: Unsupported value: "{fv}": supported values: "Ignore", "Strict", "Warn"'
        )
    if rdef.namespaced and target.namespace is not None and verb in ("create", "update", "patch"):
        pass
    if verb == "list":
        if wants_table(req):
            rdef_items = [_served_as(rdef, o) for o in _selected(view, req, target)]
            return _json(200, _table(view, rdef, rdef_items), log=log)
        return _json(200, _list(view, req, target), log=log)
    if verb == "watch":
        return _watch(view, req, target, log)
    if verb == "deletecollection":
        return _json(200, _delete_collection(view, req, target), log=log)
    if verb == "create":
        obj, warnings = _create(view, req, target)
        return _json(201, obj, _warn_headers(warnings), log)
    assert target.name is not None
    if target.sub == "scale":
        return _json(200, _scale(view, req, target, verb), log=log)
    if verb == "get":
        obj = _get(view, target)
        if wants_table(req) and target.sub is None:
            return _json(200, _table(view, rdef, [obj], obj["metadata"].get("resourceVersion")), log=log)
        return _json(200, obj, log=log)
    if verb == "update":
        obj, warnings, created = _update(view, req, target)
        return _json(201 if created else 200, obj, _warn_headers(warnings), log)
    if verb == "patch":
        obj, warnings, created = _patch(view, req, target)
        return _json(201 if created else 200, obj, _warn_headers(warnings), log)
    if verb == "delete":
        status, obj = _delete(view, req, target)
        return _json(status, obj, log=log)
    raise method_not_allowed()


def invalid_options(message: str) -> KubeError:
    return KubeError(400, "BadRequest", message)


def _warn_headers(warnings: list[str]) -> dict[str, str]:
    if not warnings:
        return {}
    return {"Warning": ", ".join(f'299 - "{w}"'.replace("\\", "\\\\") for w in warnings)}


def _served_as(rdef: ResourceDef, obj: dict[str, Any]) -> dict[str, Any]:
    """The object as served at the request's version (CRs: stored at the storage version,
    relabelled: the Istio versions share one schema, so no conversion is needed)."""
    obj = copy.deepcopy(obj)
    obj["apiVersion"] = rdef.api_version()
    obj["kind"] = rdef.kind
    return obj


def _get(view: KubeView, target: Target) -> dict[str, Any]:
    obj = view.get(target.rdef.group, target.rdef.plural, target.namespace, target.name or "")
    if obj is None:
        raise not_found(target.rdef, target.name or "")
    return _served_as(target.rdef, obj)


def _selected(view: KubeView, req: Req, target: Target) -> list[dict[str, Any]]:
    rdef = target.rdef
    lreqs = parse_label_selector(req.q("labelSelector"))
    freqs = parse_field_selector(req.q("fieldSelector"), rdef)
    items = view.list(rdef.group, rdef.plural, target.namespace)
    return [o for o in items if labels_match(o["metadata"].get("labels"), lreqs) and fields_match(o, freqs)]


def _list(view: KubeView, req: Req, target: Target) -> dict[str, Any]:
    rdef = target.rdef
    items = [_served_as(rdef, o) for o in _selected(view, req, target)]
    if not rdef.custom:
        # built-in lists' items carry no apiVersion / kind (the real server's typed encoding)
        for item in items:
            item.pop("apiVersion", None)
            item.pop("kind", None)
    return {
        "kind": f"{rdef.kind}List",
        "apiVersion": rdef.api_version(),
        "metadata": {"resourceVersion": str(view.current_rv())},
        "items": items,
    }


# -- create ---------------------------------------------------------------------------------------------


def _check_type(rdef: ResourceDef, obj: Any) -> None:
    if not isinstance(obj, dict):
        raise bad_request("the body of the request was in an unknown format")
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    if kind and kind != rdef.kind:
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected API version "
            f"({rdef.api_version()})"
            if api_version != rdef.api_version()
            else f'{kind} in version "{rdef.version}" cannot be handled as a {rdef.kind}: '
            f"the kind in the data ({kind}) does not match the expected kind ({rdef.kind})"
        )
    if api_version and api_version != rdef.api_version():
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected API version "
            f"({rdef.api_version()})"
        )
    if not isinstance(obj.get("metadata", {}), dict):
        raise bad_request(
            f'{rdef.kind} in version "{rdef.version}" cannot be handled as a {rdef.kind}: '
            "json: cannot unmarshal into Go struct field .metadata of type v1.ObjectMeta"
        )


def _field_validation(req: Req, rdef: ResourceDef, obj: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Unknown fields per ``fieldValidation`` (default Warn, reference §4): Strict → 400 BadRequest
    "strict decoding error" (apiserver handlers' transformDecodeError, kubernetes/kubernetes#105916),
    Warn → ``Warning`` headers; then custom objects are pruned (reference §6)."""
    mode = req.q("fieldValidation") or "Warn"
    unknown = resources.unknown_fields(rdef, obj)
    warnings = []
    if unknown and mode == "Strict":
        listed = ", ".join(f'unknown field "{u}"' for u in unknown)
        raise bad_request(
            f'{rdef.kind} in version "{rdef.version}" cannot be handled as a {rdef.kind}: '
            f"strict decoding error: {listed}"
        )
    if unknown and mode == "Warn":
        warnings = [f'unknown field "{u}"' for u in unknown]
    return resources.prune(rdef, obj), warnings


def _validate(view: KubeView, rdef: ResourceDef, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
    name = (obj.get("metadata") or {}).get("name") or ""
    causes = resources.validate(view, rdef, obj, old)
    if causes:
        raise invalid(rdef.kind, rdef.group, name, causes)


def _namespace_ok(view: KubeView, rdef: ResourceDef, namespace: str | None, creating: bool) -> None:
    if not rdef.namespaced or namespace is None:
        return
    ns = view.get("", "namespaces", None, namespace)
    if ns is None:
        raise KubeError(
            404, "NotFound", f'namespaces "{namespace}" not found', {"name": namespace, "kind": "namespaces"}
        )
    if creating and (ns.get("metadata") or {}).get("deletionTimestamp"):
        raise KubeError(
            403,
            "Forbidden",
            f'{resources.qualified(rdef.group, rdef.plural)} "{{name}}" is forbidden: unable to create new '
            f"content in namespace {namespace} because it is being terminated",
            {
                "group": rdef.group,
                "kind": rdef.plural,
                "causes": [
                    {
                        "reason": "NamespaceTerminating",
                        "message": f"namespace {namespace} is being terminated",
                        "field": "metadata.namespace",
                    }
                ],
            },
        )


def _prepare_new(
    view: KubeView, req: Req, target: Target, obj: dict[str, Any], manager: str | None, operation: str = "Update"
) -> dict[str, Any]:
    """Fill the server-set metadata of a new object (not stored)."""
    rdef = target.rdef
    meta = obj.setdefault("metadata", {})
    if rdef.namespaced:
        ns = meta.get("namespace")
        if target.namespace is not None and ns and ns != target.namespace:
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        meta["namespace"] = target.namespace or ns or "default"
    else:
        meta.pop("namespace", None)
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
    for key in (
        "resourceVersion",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "selfLink",
    ):
        meta.pop(key, None)
    obj["apiVersion"] = rdef.api_version()
    obj["kind"] = rdef.kind
    if rdef.status_subresource and rdef.custom:
        obj.pop("status", None)
    if rdef.group == CRD_GROUP:
        obj = _prepare_crd(obj, now_iso=view.now_iso())
    resources.apply_defaults(view, rdef.group, rdef.plural, obj)
    meta = obj["metadata"]
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = view.now_iso()
    if rdef.generation:
        meta["generation"] = 1
    else:
        meta.pop("generation", None)
    if manager and operation == "Update":
        fields = objects._semantics_record_update(  # pylint: disable=protected-access
            None, obj, manager, "Update", rdef.api_version(), view.now_iso()
        )
        if fields:
            meta["managedFields"] = fields
        else:
            meta.pop("managedFields", None)
    return obj


def _admit(view: KubeView, rdef: ResourceDef, obj: dict[str, Any]) -> None:
    """Mutating admission at create: the mesh's sidecar injector for Pods (controllers.inject_on_create)."""
    if (rdef.group, rdef.plural) != ("", "pods"):
        return
    try:
        from . import controllers  # pylint: disable=import-outside-toplevel
    except ImportError:
        return
    inject = getattr(controllers, "inject_on_create", None)
    if inject is not None:
        inject(view, obj)


def _stored(rdef: ResourceDef, obj: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    out["apiVersion"] = rdef.storage_api_version()
    return out


def _create(view: KubeView, req: Req, target: Target) -> tuple[dict[str, Any], list[str]]:
    rdef = target.rdef
    obj = _decode_body(req)
    _check_type(rdef, obj)
    obj, warnings = _field_validation(req, rdef, obj)
    meta = obj.get("metadata") or {}
    if not meta.get("name") and not meta.get("generateName"):
        raise invalid(
            rdef.kind,
            rdef.group,
            "",
            [cause("FieldValueRequired", "metadata.name", "Required value: name or generateName is required")],
        )
    namespace = target.namespace if rdef.namespaced else None
    if rdef.namespaced:
        namespace = namespace or meta.get("namespace") or "default"
    _namespace_ok(view, rdef, namespace, True)
    obj = _prepare_new(view, req, target, obj, req.manager())
    _admit(view, rdef, obj)
    name = obj["metadata"]["name"]
    if view.get(rdef.group, rdef.plural, namespace, name) is not None:
        raise KubeError(
            409,
            "AlreadyExists",
            f'{resources.qualified(rdef.group, rdef.plural)} "{name}" already exists',
            {"name": name, "group": rdef.group, "kind": rdef.plural},
        )
    _validate(view, rdef, obj, None)
    if req.dry_run:
        return obj, warnings
    stored = view.store_new(rdef.group, rdef.plural, _stored(rdef, obj))
    return _served_as(rdef, stored), warnings


# -- update / patch ---------------------------------------------------------------------------------------


def _conflict(rdef: ResourceDef, name: str) -> KubeError:
    return KubeError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {resources.qualified(rdef.group, rdef.plural)} "{name}": the object '
        "has been modified; please apply your changes to the latest version and try again",
        {"name": name, "group": rdef.group, "kind": rdef.plural},
    )


def _finish_update(
    view: KubeView,
    req: Req,
    target: Target,
    old: dict[str, Any],
    new: dict[str, Any],
    manager: str | None,
    operation: str,
    check_rv: bool = True,
    fields_done: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """Validate and store an update of ``old`` to ``new`` (both as served at the request's version)."""
    rdef = target.rdef
    name = old["metadata"]["name"]
    _check_type(rdef, new)
    nmeta = new.setdefault("metadata", {})
    if nmeta.get("name") not in (None, name):
        raise bad_request(f"the name of the object ({nmeta.get('name')}) does not match the name on the URL ({name})")
    if rdef.namespaced and nmeta.get("namespace") not in (None, "", old["metadata"].get("namespace")):
        raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
    if nmeta.get("uid") not in (None, "", old["metadata"].get("uid")):
        raise KubeError(
            409,
            "Conflict",
            f'Operation cannot be fulfilled on {resources.qualified(rdef.group, rdef.plural)} "{name}": '
            f"Precondition failed: UID in precondition: {nmeta.get('uid')}, UID in object meta: "
            f"{old['metadata'].get('uid')}",
            {"name": name, "group": rdef.group, "kind": rdef.plural},
        )
    rv = nmeta.get("resourceVersion")
    if check_rv and rv not in (None, "") and str(rv) != old["metadata"].get("resourceVersion"):
        raise _conflict(rdef, name)
    new, warnings = _field_validation(req, rdef, new)
    nmeta = new.setdefault("metadata", {})
    for key in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "name"):
        if key in old["metadata"]:
            nmeta[key] = old["metadata"][key]
        else:
            nmeta.pop(key, None)
    if rdef.namespaced:
        nmeta["namespace"] = old["metadata"].get("namespace")
    else:
        nmeta.pop("namespace", None)
    nmeta.pop("selfLink", None)
    new["apiVersion"] = rdef.api_version()
    new["kind"] = rdef.kind
    if target.sub == "status":
        status = new.get("status")
        new = copy.deepcopy(old)
        if status is None:
            new.pop("status", None)
        else:
            new["status"] = status
    elif rdef.status_subresource:
        if "status" in old:
            new["status"] = copy.deepcopy(old["status"])
        else:
            new.pop("status", None)
    if rdef.group == CRD_GROUP and target.sub != "status":
        new = _prepare_crd(new, old, now_iso=view.now_iso())
    resources.apply_defaults(view, rdef.group, rdef.plural, new)
    resources.bump_generation(rdef, old, new)
    if old["metadata"].get("deletionTimestamp") and len(new["metadata"].get("finalizers") or []) > len(
        old["metadata"].get("finalizers") or []
    ):
        raise invalid(
            rdef.kind,
            rdef.group,
            name,
            [
                cause(
                    "FieldValueForbidden",
                    "metadata.finalizers",
                    "Forbidden: no new finalizers can be added if the object is being deleted",
                )
            ],
        )
    if not fields_done and manager:
        old_cmp = copy.deepcopy(old)
        fields = objects._semantics_record_update(  # pylint: disable=protected-access
            old_cmp, new, manager, operation, rdef.api_version(), view.now_iso(), subresource=target.sub or ""
        )
        if fields is not None:
            if fields:
                new["metadata"]["managedFields"] = fields
            else:
                new["metadata"].pop("managedFields", None)
        elif "managedFields" in old["metadata"]:
            new["metadata"]["managedFields"] = copy.deepcopy(old["metadata"]["managedFields"])
    _validate(view, rdef, new, old)
    stored = view.store_update(rdef.group, rdef.plural, _stored(rdef, old), _stored(rdef, new), dry_run=req.dry_run)
    return _served_as(rdef, stored), warnings


def _current(view: KubeView, target: Target) -> dict[str, Any] | None:
    obj = view.get(target.rdef.group, target.rdef.plural, target.namespace, target.name or "")
    return None if obj is None else _served_as(target.rdef, obj)


# resources whose PUT creates a missing object (AllowCreateOnUpdate in their registry strategies)
CREATE_ON_UPDATE = {("", "services"), ("", "endpoints"), ("", "events"), ("discovery.k8s.io", "endpointslices")}


def _update(view: KubeView, req: Req, target: Target) -> tuple[dict[str, Any], list[str], bool]:
    rdef = target.rdef
    body = _decode_body(req)
    _check_type(rdef, body)
    old = _current(view, target)
    if old is None:
        if target.sub is None and (rdef.group, rdef.plural) in CREATE_ON_UPDATE:
            body.setdefault("metadata", {}).setdefault("name", target.name)
            obj, warnings = _create(view, dataclasses.replace(req, body=json.dumps(body).encode()), target)
            return obj, warnings, True
        raise not_found(rdef, target.name or "")
    rv = (body.get("metadata") or {}).get("resourceVersion")
    if rv in (None, "") and rdef.custom:
        # AX registry/customresource/strategy.go:268-271 (reference §4)
        raise invalid(
            rdef.kind,
            rdef.group,
            target.name or "",
            [
                cause(
                    "FieldValueInvalid",
                    "metadata.resourceVersion",
                    "Invalid value: 0x0: must be specified for an update",
                )
            ],
        )
    if req.conflict:
        # another writer updated the object since the client read it: its resourceVersion is stale
        raise _conflict(rdef, target.name or "")
    obj, warnings = _finish_update(view, req, target, old, body, req.manager(), "Update")
    return obj, warnings, False


def _patch(view: KubeView, req: Req, target: Target) -> tuple[dict[str, Any], list[str], bool]:
    rdef = target.rdef
    name = target.name or ""
    ptype = PATCH_TYPES.get(req.content_type)
    if ptype is None or ptype == "apply-cbor":
        raise KubeError(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
            + (", application/strategic-merge-patch+json" if not rdef.custom else ""),
        )
    if ptype == "strategic" and rdef.custom:
        # AX apiserver/customresource_handler.go:327-334 (reference §3)
        raise KubeError(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        )
    body = _decode_body(req, "patch")
    old = _current(view, target)
    if ptype == "apply":
        return _apply(view, req, target, old, body)
    if old is None:
        raise not_found(rdef, name)
    pm = _patch_mod()
    try:
        if ptype == "json":
            if not isinstance(body, list):
                raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
            new = pm.json_patch(copy.deepcopy(old), body)
        elif ptype == "merge":
            if not isinstance(body, dict):
                raise bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
            new = pm.merge_patch(copy.deepcopy(old), body)
        else:
            if not isinstance(body, dict):
                raise bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
            new = pm.strategic_merge(copy.deepcopy(old), body, rdef.kind)
    except KubeError:
        raise
    except Exception as exc:  # pylint: disable=broad-except
        if type(exc).__name__ == "PatchError":
            raise _patch_error(exc, rdef, name) from exc
        raise
    # a resourceVersion in the patch is a precondition (reference §4)
    if req.conflict and isinstance(body, dict) and (body.get("metadata") or {}).get("resourceVersion"):
        raise _conflict(rdef, name)
    obj, warnings = _finish_update(view, req, target, old, new, req.manager(), "Update")
    return obj, warnings, False


def _apply(
    view: KubeView, req: Req, target: Target, old: dict[str, Any] | None, body: Any
) -> tuple[dict[str, Any], list[str], bool]:
    """Server-side apply (reference §3): fieldManager required (422), creates a missing object,
    conflicts 409 unless force=true."""
    rdef = target.rdef
    name = target.name or ""
    manager = req.q("fieldManager")
    if not manager:
        # AM apis/meta/v1/validation/validation.go:192-209
        raise invalid(
            "PatchOptions",
            "meta.k8s.io",
            "",
            [cause("FieldValueRequired", "fieldManager", "Required value: is required for apply patch")],
        )
    if not isinstance(body, dict):
        raise bad_request("error decoding YAML: the apply patch must be an object")
    _check_type(rdef, body)
    if not body.get("apiVersion") or not body.get("kind"):
        raise bad_request("apiVersion and kind must be set in the apply patch")
    bmeta = body.get("metadata") or {}
    if bmeta.get("name") not in (None, name):
        raise bad_request(f"the name of the object ({bmeta.get('name')}) does not match the name on the URL ({name})")
    force = (req.q("force") or "").lower() == "true"
    mode = req.q("fieldValidation") or "Warn"
    unknown = resources.unknown_fields(rdef, body)
    warnings: list[str] = []
    if unknown and mode == "Strict":
        raise bad_request(
            f"failed to create typed patch object ({target.namespace or ''}/{name}; {rdef.api_version()}, "
            f"Kind={rdef.kind}): " + ", ".join(f".{u}: field not declared in schema" for u in unknown)
        )
    if unknown and mode == "Warn":
        warnings = [f'unknown field "{u}"' for u in unknown]
    body = resources.prune(rdef, body)
    pm = _patch_mod()
    try:
        new = pm.server_side_apply(
            copy.deepcopy(old) if old is not None else None,
            body,
            manager,
            force,
            rdef.kind,
            view.now_iso(),
            rdef.api_version(),
        )
    except Exception as exc:  # pylint: disable=broad-except
        if type(exc).__name__ == "PatchError":
            raise _patch_error(exc, rdef, name) from exc
        raise
    if old is None:
        meta = new.setdefault("metadata", {})
        meta["name"] = name
        namespace = target.namespace if rdef.namespaced else None
        _namespace_ok(view, rdef, namespace, True)
        fields = meta.get("managedFields")
        new = _prepare_new(view, req, target, new, manager, operation="Apply")
        if fields:
            new["metadata"]["managedFields"] = fields
        _admit(view, rdef, new)
        _validate(view, rdef, new, None)
        if req.dry_run:
            return new, warnings, True
        stored = view.store_new(rdef.group, rdef.plural, _stored(rdef, new))
        return _served_as(rdef, stored), warnings, True
    obj, more = _finish_update(view, req, target, old, new, manager, "Apply", fields_done=True)
    return obj, warnings + more, False


# -- scale ------------------------------------------------------------------------------------------------


def _scale_of(rdef: ResourceDef, obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    selector = (obj.get("spec") or {}).get("selector") or {}
    sel = ",".join(f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items()))
    for expr in selector.get("matchExpressions") or []:
        op = expr.get("operator")
        vals = ",".join(expr.get("values") or [])
        sel_part = {
            "In": f"{expr['key']} in ({vals})",
            "NotIn": f"{expr['key']} notin ({vals})",
            "Exists": expr["key"],
            "DoesNotExist": f"!{expr['key']}",
        }.get(op, "")
        sel = f"{sel},{sel_part}" if sel else sel_part
    status: dict[str, Any] = {"replicas": int((obj.get("status") or {}).get("replicas") or 0)}
    if sel:
        status["selector"] = sel
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta.get("namespace"),
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
            "creationTimestamp": meta.get("creationTimestamp"),
        },
        "spec": {"replicas": int((obj.get("spec") or {}).get("replicas") or 0)},
        "status": status,
    }


def _scale(view: KubeView, req: Req, target: Target, verb: str) -> dict[str, Any]:
    rdef = target.rdef
    name = target.name or ""
    old = _current(view, target)
    if old is None:
        raise not_found(rdef, name)
    scale = _scale_of(rdef, old)
    if verb == "get":
        return scale
    body = _decode_body(req)
    if verb == "update":
        new_scale = body
        if not isinstance(body, dict) or body.get("kind") not in (None, "Scale"):
            raise bad_request("the body of the request was in an unknown format")
        rv = (body.get("metadata") or {}).get("resourceVersion")
        if rv not in (None, "") and str(rv) != old["metadata"]["resourceVersion"]:
            raise _conflict(rdef, name)
    else:
        ptype = PATCH_TYPES.get(req.content_type)
        pm = _patch_mod()
        try:
            if ptype == "json":
                new_scale = pm.json_patch(copy.deepcopy(scale), body)
            elif ptype == "merge":
                new_scale = pm.merge_patch(copy.deepcopy(scale), body)
            elif ptype == "strategic":
                new_scale = pm.strategic_merge(copy.deepcopy(scale), body, "Scale")
            elif ptype == "apply":
                if not req.q("fieldManager"):
                    raise invalid(
                        "PatchOptions",
                        "meta.k8s.io",
                        "",
                        [cause("FieldValueRequired", "fieldManager", "Required value: is required for apply patch")],
                    )
                new_scale = pm.merge_patch(copy.deepcopy(scale), {"spec": (body or {}).get("spec") or {}})
            else:
                raise KubeError(
                    415,
                    "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include: "
                    "application/json-patch+json, application/merge-patch+json, "
                    "application/apply-patch+yaml, application/strategic-merge-patch+json",
                )
        except KubeError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            if type(exc).__name__ == "PatchError":
                raise _patch_error(exc, rdef, name) from exc
            raise
        rv = ((new_scale or {}).get("metadata") or {}).get("resourceVersion")
        if rv not in (None, "") and str(rv) != old["metadata"]["resourceVersion"]:
            raise _conflict(rdef, name)
    replicas = ((new_scale or {}).get("spec") or {}).get("replicas")
    if replicas is None:
        replicas = 0
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise bad_request(
            'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal into Go '
            "struct field ScaleSpec.spec.replicas of type int32"
        )
    if replicas < 0:
        raise invalid(
            "Scale",
            "autoscaling",
            name,
            [
                cause(
                    "FieldValueInvalid",
                    "spec.replicas",
                    f"Invalid value: {replicas}: must be greater than or equal to 0",
                )
            ],
        )
    new = copy.deepcopy(old)
    new.setdefault("spec", {})["replicas"] = replicas
    sub_target = Target(rdef, target.namespace, name, None)
    obj, _warnings = _finish_update(view, req, sub_target, old, new, req.manager(), "Update", check_rv=False)
    return _scale_of(rdef, obj)


# -- delete -----------------------------------------------------------------------------------------------

# DELETE answers with the object for these (the generic registry's ReturnDeletedObject); the others
# answer a Success Status. UNCONFIRMED per resource (reference "Not confirmed").
RETURNS_OBJECT = {("", "pods"), ("", "namespaces"), ("", "services")}


def _delete_options(req: Req) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    if req.body and req.body.strip():
        try:
            opts = json.loads(req.body.decode("utf-8"))
        except ValueError as exc:
            raise bad_request(f"error decoding DeleteOptions: {exc}") from exc
        if not isinstance(opts, dict):
            raise bad_request("the body of the request was in an unknown format")
    if req.q("propagationPolicy"):
        opts["propagationPolicy"] = req.q("propagationPolicy")
    if "All" in (opts.get("dryRun") or []):
        req.query.setdefault("dryRun", []).append("All")
    policy = opts.get("propagationPolicy")
    if policy not in (None, "Orphan", "Background", "Foreground"):
        raise invalid_options(
            f'propagationPolicy: Unsupported value: "{policy}": supported values: "Foreground", "Background", "Orphan"'
        )
    if opts.get("orphanDependents") is True:
        opts["propagationPolicy"] = "Orphan"
    return opts


def _delete_one(view: KubeView, req: Req, rdef: ResourceDef, obj: dict[str, Any], opts: dict) -> dict | None:
    meta = obj["metadata"]
    pre = opts.get("preconditions") or {}
    if pre.get("uid") and pre["uid"] != meta.get("uid"):
        raise KubeError(
            409,
            "Conflict",
            f"Operation cannot be fulfilled on {resources.qualified(rdef.group, rdef.plural)} "
            f'"{meta["name"]}": Precondition failed: UID in precondition: {pre["uid"]}, UID in object '
            f'meta: {meta.get("uid")}',
            {"name": meta["name"], "group": rdef.group, "kind": rdef.plural},
        )
    if pre.get("resourceVersion") and pre["resourceVersion"] != meta.get("resourceVersion"):
        raise _conflict(rdef, meta["name"])
    if rdef.group == CRD_GROUP and not req.dry_run:
        crd_spec = obj.get("spec") or {}
        for cr in view.list(crd_spec.get("group", ""), (crd_spec.get("names") or {}).get("plural", "")):
            view.delete(
                crd_spec.get("group", ""),
                crd_spec["names"]["plural"],
                cr["metadata"].get("namespace"),
                cr["metadata"]["name"],
            )
    return view.delete(
        rdef.group,
        rdef.plural,
        meta.get("namespace"),
        meta["name"],
        propagation=opts.get("propagationPolicy") or "Background",
        dry_run=req.dry_run,
    )


def _delete(view: KubeView, req: Req, target: Target) -> tuple[int, dict[str, Any]]:
    rdef = target.rdef
    name = target.name or ""
    if target.sub is not None:
        raise method_not_allowed()
    opts = _delete_options(req)
    obj = view.get(rdef.group, rdef.plural, target.namespace, name)
    if obj is None:
        raise not_found(rdef, name)
    if rdef.group == "" and rdef.plural == "namespaces" and name in SYSTEM_NAMESPACES:
        raise KubeError(
            403,
            "Forbidden",
            f'namespaces "{name}" is forbidden: this namespace may not be deleted',
            {"name": name, "kind": "namespaces"},
        )
    gone = _delete_one(view, req, rdef, obj, opts)
    still = (
        gone is not None
        and (gone.get("metadata") or {}).get("deletionTimestamp")
        and ((gone["metadata"].get("finalizers")) or (rdef.group == "" and rdef.plural == "namespaces"))
    )
    if still or rdef.custom or (rdef.group, rdef.plural) in RETURNS_OBJECT:
        return 200, _served_as(rdef, gone or obj)
    return 200, {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": rdef.group, "kind": rdef.plural, "uid": obj["metadata"].get("uid")},
    }


def _delete_collection(view: KubeView, req: Req, target: Target) -> dict[str, Any]:
    rdef = target.rdef
    opts = _delete_options(req)
    items = _selected(view, req, target)
    out = []
    for obj in items:
        gone = _delete_one(view, req, rdef, obj, opts)
        if gone is not None:
            out.append(_served_as(rdef, gone))
    return {
        "kind": f"{rdef.kind}List",
        "apiVersion": rdef.api_version(),
        "metadata": {"resourceVersion": str(view.current_rv())},
        "items": out,
    }


# -- watch --------------------------------------------------------------------------------------------------


def _watch(view: KubeView, req: Req, target: Target, log: dict) -> Response:
    rdef = target.rdef
    if (req.q("sendInitialEvents") or "").lower() == "true":
        # reference §5: a 422 makes client-go fall back to LIST + WATCH. The text is UNCONFIRMED
        # (apimachinery's ValidateListOptions without the WatchList feature gate).
        raise invalid(
            "ListOptions",
            "meta.k8s.io",
            "",
            [
                cause(
                    "FieldValueForbidden",
                    "sendInitialEvents",
                    "Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
                )
            ],
        )
    lreqs = parse_label_selector(req.q("labelSelector"))
    freqs = parse_field_selector(req.q("fieldSelector"), rdef)
    rv_param = req.q("resourceVersion") or ""
    try:
        timeout = float(req.q("timeoutSeconds") or WATCH_TIMEOUT)
    except ValueError as exc:
        raise bad_request(f"invalid timeoutSeconds: {req.q('timeoutSeconds')}") from exc
    bookmarks = (req.q("allowWatchBookmarks") or "").lower() == "true"
    emulator = view.emulator
    server_id = view.server_id
    evlog = objects.event_log(emulator, server_id)
    initial: list[dict[str, Any]] = []
    if rv_param in ("", "0"):
        start = view.current_rv()
        initial = [_served_as(rdef, o) for o in _selected(view, req, target)]
        expired = False
    else:
        try:
            start = int(rv_param)
        except ValueError as exc:
            raise bad_request(f'invalid resource version "{rv_param}"') from exc
        expired = not evlog.oldest_ok(start)
    namespace = target.namespace

    def matches(obj: dict[str, Any] | None) -> bool:
        if obj is None:
            return False
        return labels_match((obj.get("metadata") or {}).get("labels"), lreqs) and fields_match(obj, freqs)

    table = wants_table(req)

    def line(etype: str, obj: dict[str, Any]) -> bytes:
        if table and etype in ("ADDED", "MODIFIED", "DELETED"):
            with objects.open_view(emulator, server_id) as tview:
                obj = _table(tview, rdef, [obj], (obj.get("metadata") or {}).get("resourceVersion"))
        return (json.dumps({"type": etype, "object": obj}, separators=(",", ":")) + "\n").encode("utf-8")

    def gen() -> Iterator[bytes]:
        if expired:
            yield line(
                "ERROR",
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Failure",
                    "message": f"too old resource version: {start} ({evlog.start_rv})",
                    "reason": "Expired",
                    "code": 410,
                },
            )
            return
        for obj in initial:
            yield line("ADDED", obj)
        last = start
        deadline = time.monotonic() + timeout
        next_tick = time.monotonic() + WATCH_TICK
        next_bookmark = time.monotonic() + BOOKMARK_EVERY
        while True:
            for rv, etype, group, plural, ns, obj, old in evlog.since(last):
                last = rv
                if group != rdef.group or plural != rdef.plural:
                    continue
                if namespace is not None and ns != namespace:
                    continue
                new_ok, old_ok = matches(obj), matches(old)
                served = _served_as(rdef, obj)
                if etype == "MODIFIED":
                    if new_ok and not old_ok:
                        etype = "ADDED"
                    elif old_ok and not new_ok:
                        etype = "DELETED"
                    elif not new_ok:
                        continue
                elif not new_ok:
                    continue
                yield line(etype, served)
            now = time.monotonic()
            if now >= deadline:
                return
            if bookmarks and now >= next_bookmark:
                next_bookmark = now + BOOKMARK_EVERY
                yield line(
                    "BOOKMARK",
                    {
                        "kind": rdef.kind,
                        "apiVersion": rdef.api_version(),
                        "metadata": {"resourceVersion": str(max(last, objects.current_rv(emulator)))},
                    },
                )
            if now >= next_tick:
                next_tick = now + WATCH_TICK
                _tick_quietly(emulator, server_id, throttle=True)
            evlog.wait(min(WATCH_TICK, max(0.0, deadline - time.monotonic())))
            # an idle pass: the listener's moment to notice a client that went away or a stopping
            # emulator (it skips empty chunks)
            yield b""

    return Response(200, {"Content-Type": JSON_CT, "Transfer-Encoding": "chunked"}, None, gen(), log)


# -- background controllers of the API server itself ---------------------------------------------------------


def _namespace_controller(view: KubeView) -> None:
    """A Terminating namespace loses its objects after a short delay, then goes (reference: the
    namespace lifecycle; D:concepts/overview/working-with-objects/namespaces/)."""
    for ns in view.list("", "namespaces"):
        meta = ns["metadata"]
        if not meta.get("deletionTimestamp"):
            continue
        since = _parse_iso(meta["deletionTimestamp"])
        if view.now() - since < view.ctx.delay(NAMESPACE_DELETE_DELAY, 0.5):
            continue
        name = meta["name"]
        left = 0
        for group, plural, obj in view.all_objects():
            if (obj.get("metadata") or {}).get("namespace") != name:
                continue
            left += 1
            if not (obj.get("metadata") or {}).get("deletionTimestamp"):
                view.delete(group, plural, name, obj["metadata"]["name"])
        if left == 0 or not any((o.get("metadata") or {}).get("namespace") == name for _g, _p, o in view.all_objects()):
            new = copy.deepcopy(ns)
            new["spec"]["finalizers"] = []
            if not meta.get("finalizers"):
                rv = view.next_rv()
                new["metadata"]["resourceVersion"] = str(rv)
                view._raw_delete("", "namespaces", None, name)  # pylint: disable=protected-access
                view._event(rv, "DELETED", "", "namespaces", new, ns)  # pylint: disable=protected-access


def _garbage_collector(view: KubeView) -> None:
    """Dependents whose owners (ownerReferences) are all gone are deleted (Background propagation)."""
    everything = view.all_objects()
    uids = {(o.get("metadata") or {}).get("uid") for _g, _p, o in everything}
    for group, plural, obj in everything:
        meta = obj.get("metadata") or {}
        refs = meta.get("ownerReferences") or []
        if not refs or meta.get("deletionTimestamp"):
            continue
        if all(r.get("uid") not in uids for r in refs):
            view.delete(group, plural, meta.get("namespace"), meta["name"])


def _parse_iso(text: str) -> float:
    import datetime  # pylint: disable=import-outside-toplevel

    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


# -- CRDs ------------------------------------------------------------------------------------------------------


def _prepare_crd(crd: dict[str, Any], old: dict[str, Any] | None = None, now_iso: str | None = None) -> dict[str, Any]:
    """Defaults and status of a CRD: names (singular, listKind), conversion, and the conditions
    NamesAccepted and Established set at once (reference §6)."""
    spec = crd.setdefault("spec", {})
    names = spec.setdefault("names", {})
    if names.get("kind"):
        names.setdefault("singular", str(names["kind"]).lower())
        names.setdefault("listKind", f"{names['kind']}List")
    spec.setdefault("conversion", {"strategy": "None"})
    stored = [v.get("name") for v in spec.get("versions") or [] if v.get("storage")]
    old_status = (old or {}).get("status") or {}
    stored_versions = list(old_status.get("storedVersions") or [])
    for v in stored:
        if v and v not in stored_versions:
            stored_versions.append(v)
    conds = {c.get("type"): c for c in old_status.get("conditions") or []}
    now = now_iso or objects.iso(time.time())

    def cond(ctype: str, reason: str, message: str) -> dict[str, Any]:
        prev = conds.get(ctype)
        if prev and prev.get("status") == "True" and prev.get("reason") == reason:
            return prev
        return {"type": ctype, "status": "True", "lastTransitionTime": now, "reason": reason, "message": message}

    crd["status"] = {
        "conditions": [
            cond("NamesAccepted", "NoConflicts", "no conflicts found"),
            cond("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        "acceptedNames": copy.deepcopy(names),
        "storedVersions": stored_versions,
    }
    return crd


# -- Table output (kubectl get: Accept application/json;as=Table;v=v1;g=meta.k8s.io) ------------------
# Columns after kubernetes pkg/printers/internalversion/printers.go (the ones kubectl shows for the
# kinds served here); custom objects get Name and Age (a CRD's additionalPrinterColumns are not
# modelled). Cells are computed at the emulator clock's time.


def wants_table(req: Req) -> bool:
    accept = req.headers.get("accept") or ""
    first = accept.split(",")[0]
    return "as=Table" in first and "g=meta.k8s.io" in first


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < 0:
        return "<invalid>"
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = s // 3600
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    d = h // 24
    if h < 24 * 8:
        return f"{d}d{h % 24}h" if h % 24 else f"{d}d"
    if d < 365 * 2:
        return f"{d}d"
    return f"{d // 365}y{d % 365}d" if d < 365 * 8 else f"{d // 365}y"


def _age(view: KubeView, obj: dict[str, Any]) -> str:
    ts = (obj.get("metadata") or {}).get("creationTimestamp")
    if not ts:
        return "<unknown>"
    return human_duration(view.now() - _parse_iso(ts))


def _col(name: str, ctype: str = "string", priority: int = 0, fmt: str = "") -> dict[str, Any]:
    return {"name": name, "type": ctype, "format": fmt, "description": name, "priority": priority}


def _ports_text(ports: list[dict[str, Any]]) -> str:
    out = []
    for p in ports or []:
        text = f"{p.get('port')}"
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        out.append(f"{text}/{p.get('protocol', 'TCP')}")
    return ",".join(out) or "<none>"


def _selector_text(sel: dict[str, Any] | None) -> str:
    sel = sel or {}
    labels = sel.get("matchLabels", sel) if isinstance(sel, dict) else {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if isinstance(v, str)) or "<none>"


def _pod_cells(view: KubeView, pod: dict[str, Any]) -> list[Any]:
    spec, st = pod.get("spec") or {}, pod.get("status") or {}
    statuses = st.get("containerStatuses") or []
    ready = sum(1 for c in statuses if c.get("ready"))
    restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
    phase = st.get("reason") or st.get("phase") or "Unknown"
    for c in statuses:
        waiting = (c.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            phase = waiting["reason"]
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        phase = "Terminating"
    return [
        pod["metadata"]["name"],
        f"{ready}/{len(spec.get('containers') or [])}",
        phase,
        restarts,
        _age(view, pod),
        st.get("podIP") or "<none>",
        spec.get("nodeName") or "<none>",
        "<none>",
        "<none>",
    ]


def _containers_images(spec: dict[str, Any]) -> tuple[str, str]:
    ctrs = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    return ",".join(c.get("name", "") for c in ctrs), ",".join(c.get("image", "") for c in ctrs)


def _table_layout(view: KubeView, rdef: ResourceDef) -> tuple[list[dict[str, Any]], Any]:
    key = (rdef.group, rdef.plural)
    name = _col("Name", fmt="name")
    age = _col("Age")
    if key == ("", "namespaces"):
        return [name, _col("Status"), age], lambda o: [
            o["metadata"]["name"],
            (o.get("status") or {}).get("phase", ""),
            _age(view, o),
        ]
    if key == ("", "pods"):
        return [
            name,
            _col("Ready"),
            _col("Status"),
            _col("Restarts", "string"),
            age,
            _col("IP", priority=1),
            _col("Node", priority=1),
            _col("Nominated Node", priority=1),
            _col("Readiness Gates", priority=1),
        ], lambda o: _pod_cells(view, o)
    if key == ("apps", "deployments"):

        def dep(o: dict[str, Any]) -> list[Any]:
            spec, st = o.get("spec") or {}, o.get("status") or {}
            ctrs, imgs = _containers_images(spec)
            return [
                o["metadata"]["name"],
                f"{st.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
                st.get("updatedReplicas", 0),
                st.get("availableReplicas", 0),
                _age(view, o),
                ctrs,
                imgs,
                _selector_text(spec.get("selector")),
            ]

        return [
            name,
            _col("Ready"),
            _col("Up-to-date", "integer"),
            _col("Available", "integer"),
            age,
            _col("Containers", priority=1),
            _col("Images", priority=1),
            _col("Selector", priority=1),
        ], dep
    if key == ("apps", "replicasets"):

        def rs(o: dict[str, Any]) -> list[Any]:
            spec, st = o.get("spec") or {}, o.get("status") or {}
            ctrs, imgs = _containers_images(spec)
            return [
                o["metadata"]["name"],
                spec.get("replicas", 0),
                st.get("replicas", 0),
                st.get("readyReplicas", 0),
                _age(view, o),
                ctrs,
                imgs,
                _selector_text(spec.get("selector")),
            ]

        return [
            name,
            _col("Desired", "integer"),
            _col("Current", "integer"),
            _col("Ready", "integer"),
            age,
            _col("Containers", priority=1),
            _col("Images", priority=1),
            _col("Selector", priority=1),
        ], rs
    if key == ("", "services"):

        def svc(o: dict[str, Any]) -> list[Any]:
            spec = o.get("spec") or {}
            ingress = ((o.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
            external = ",".join(i.get("ip") or i.get("hostname") or "" for i in ingress) or (
                "<pending>" if spec.get("type") == "LoadBalancer" else "<none>"
            )
            return [
                o["metadata"]["name"],
                spec.get("type", ""),
                spec.get("clusterIP") or "<none>",
                external,
                _ports_text(spec.get("ports") or []),
                _age(view, o),
                _selector_text(spec.get("selector")),
            ]

        return [
            name,
            _col("Type"),
            _col("Cluster-IP"),
            _col("External-IP"),
            _col("Port(s)"),
            age,
            _col("Selector", priority=1),
        ], svc
    if key == ("", "nodes"):

        def node(o: dict[str, Any]) -> list[Any]:
            st = o.get("status") or {}
            ready = next((c for c in st.get("conditions") or [] if c.get("type") == "Ready"), {})
            status = "Ready" if ready.get("status") == "True" else "NotReady"
            if (o.get("spec") or {}).get("unschedulable"):
                status += ",SchedulingDisabled"
            roles = (
                ",".join(
                    sorted(
                        k.split("/", 1)[1]
                        for k in (o["metadata"].get("labels") or {})
                        if k.startswith("node-role.kubernetes.io/")
                    )
                )
                or "<none>"
            )
            addrs = {a.get("type"): a.get("address") for a in st.get("addresses") or []}
            info = st.get("nodeInfo") or {}
            return [
                o["metadata"]["name"],
                status,
                roles,
                _age(view, o),
                info.get("kubeletVersion", ""),
                addrs.get("InternalIP", "<none>"),
                addrs.get("ExternalIP", "<none>"),
                info.get("osImage", ""),
                info.get("kernelVersion", ""),
                info.get("containerRuntimeVersion", ""),
            ]

        return [
            name,
            _col("Status"),
            _col("Roles"),
            age,
            _col("Version"),
            _col("Internal-IP", priority=1),
            _col("External-IP", priority=1),
            _col("OS-Image", priority=1),
            _col("Kernel-Version", priority=1),
            _col("Container-Runtime", priority=1),
        ], node
    if key in (("", "configmaps"),):
        return [name, _col("Data", "integer"), age], lambda o: [
            o["metadata"]["name"],
            len(o.get("data") or {}) + len(o.get("binaryData") or {}),
            _age(view, o),
        ]
    if key == ("", "secrets"):
        return [name, _col("Type"), _col("Data", "integer"), age], lambda o: [
            o["metadata"]["name"],
            o.get("type", ""),
            len(o.get("data") or {}),
            _age(view, o),
        ]
    if key == ("", "endpoints"):

        def ep(o: dict[str, Any]) -> list[Any]:
            pairs = [
                f"{a.get('ip')}:{p.get('port')}"
                for s in o.get("subsets") or []
                for a in s.get("addresses") or []
                for p in s.get("ports") or []
            ]
            text = ",".join(pairs[:3]) + (f" + {len(pairs) - 3} more..." if len(pairs) > 3 else "")
            return [o["metadata"]["name"], text or "<none>", _age(view, o)]

        return [name, _col("Endpoints"), age], ep
    if key == ("", "events"):

        def ev(o: dict[str, Any]) -> list[Any]:
            inv = o.get("involvedObject") or {}
            last = o.get("lastTimestamp") or o.get("eventTime") or (o.get("metadata") or {}).get("creationTimestamp")
            seen = human_duration(view.now() - _parse_iso(last[:19] + "Z")) if last else "<unknown>"
            return [
                seen,
                o.get("type", ""),
                o.get("reason", ""),
                f"{str(inv.get('kind', '')).lower()}/{inv.get('name', '')}",
                o.get("message", ""),
            ]

        return [_col("Last Seen"), _col("Type"), _col("Reason"), _col("Object"), _col("Message")], ev
    if key == (CRD_GROUP, "customresourcedefinitions"):
        return [name, _col("Created At", "date")], lambda o: [
            o["metadata"]["name"],
            o["metadata"].get("creationTimestamp", ""),
        ]
    return [name, age], lambda o: [o["metadata"]["name"], _age(view, o)]


def _table(view: KubeView, rdef: ResourceDef, items: list[dict[str, Any]], rv: str | None = None) -> dict[str, Any]:
    columns, cells = _table_layout(view, rdef)
    rows = []
    for obj in items:
        meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
        rows.append(
            {
                "cells": cells(obj),
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta},
            }
        )
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv if rv is not None else str(view.current_rv())},
        "columnDefinitions": columns,
        "rows": rows,
    }


# -- protobuf bodies of the simplest kinds ------------------------------------------------------------------
# kubectl 1.37 sends typed objects (``kubectl create namespace|configmap|secret|serviceaccount``) as
# application/vnd.kubernetes.protobuf: the "k8s\0" magic, then a runtime.Unknown {typeMeta=1
# {apiVersion=1, kind=2}, raw=2} whose raw is the object in the field numbers of k8s.io/api
# core/v1/generated.proto and apimachinery meta/v1/generated.proto. Only these four kinds are
# decoded; any other protobuf body is 415 (not modelled).
PROTOBUF_CT = "application/vnd.kubernetes.protobuf"


def _pb_fields(data: bytes) -> list[tuple[int, Any]]:
    out, i = [], 0

    def varint() -> int:
        nonlocal i
        shift = result = 0
        while True:
            b = data[i]
            i += 1
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    while i < len(data):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            out.append((field, varint()))
        elif wire == 2:
            n = varint()
            out.append((field, data[i : i + n]))
            i += n
        elif wire == 1:
            out.append((field, data[i : i + 8]))
            i += 8
        elif wire == 5:
            out.append((field, data[i : i + 4]))
            i += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    return out


def _pb_map(entries: list[bytes], binary: bool = False) -> dict[str, str]:
    import base64  # pylint: disable=import-outside-toplevel

    out = {}
    for entry in entries:
        kv = dict(_pb_fields(entry))
        value = kv.get(2, b"")
        out[kv.get(1, b"").decode()] = base64.b64encode(value).decode() if binary else value.decode()
    return out


def _pb_meta(data: bytes) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    fields = _pb_fields(data)
    names = {1: "name", 2: "generateName", 3: "namespace"}
    for num, value in fields:
        if num in names and value:  # gogo-protobuf writes empty strings; JSON omits them
            meta[names[num]] = value.decode()
    labels = _pb_map([v for n, v in fields if n == 11])
    annotations = _pb_map([v for n, v in fields if n == 12])
    finalizers = [v.decode() for n, v in fields if n == 14]
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    if finalizers:
        meta["finalizers"] = finalizers
    return meta


def decode_protobuf(raw: bytes) -> dict[str, Any]:
    """The JSON form of a protobuf Namespace / ConfigMap / Secret / ServiceAccount body."""
    if not raw.startswith(b"k8s\x00"):
        raise ValueError("no protobuf magic")
    unknown = _pb_fields(raw[4:])
    type_meta = dict(_pb_fields(next(v for n, v in unknown if n == 1)))
    api_version, kind = type_meta.get(1, b"").decode(), type_meta.get(2, b"").decode()
    obj_fields = _pb_fields(next((v for n, v in unknown if n == 2), b""))
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind}

    def by(num: int) -> list[Any]:
        return [v for n, v in obj_fields if n == num]

    meta = by(1)
    obj["metadata"] = _pb_meta(meta[0]) if meta else {}
    if api_version != "v1" or kind not in ("Namespace", "ConfigMap", "Secret", "ServiceAccount"):
        raise ValueError(f"protobuf {api_version} {kind} is not decoded")
    if kind == "Namespace":
        spec = by(2)
        finalizers = [v.decode() for n, v in _pb_fields(spec[0]) if n == 1] if spec else []
        if finalizers:
            obj["spec"] = {"finalizers": finalizers}
    elif kind == "ConfigMap":
        if by(2):
            obj["data"] = _pb_map(by(2))
        if by(3):
            obj["binaryData"] = _pb_map(by(3), binary=True)
        if by(4):
            obj["immutable"] = bool(by(4)[0])
    elif kind == "Secret":
        if by(2):
            obj["data"] = _pb_map(by(2), binary=True)
        if by(3) and by(3)[0]:
            obj["type"] = by(3)[0].decode()
        if by(4):
            obj["stringData"] = _pb_map(by(4))
        if by(5):
            obj["immutable"] = bool(by(5)[0])
    elif kind == "ServiceAccount" and by(4):
        obj["automountServiceAccountToken"] = bool(by(4)[0])
    return obj
