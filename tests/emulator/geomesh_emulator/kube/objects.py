"""Object storage of the emulated Kubernetes API servers (``KubeView``) and their watch event logs.

One API server's objects live in the emulator store under kind ``k8s/<server_id>``, id
``<group>|<plural>|<namespace>|<name>`` (group "" for core, namespace "" when cluster-scoped); the
stored document is ``{"object": <the object as served>}``. One global resourceVersion counter
(store meta ``k8s_rv``) is bumped only on real changes: a write that changes nothing keeps the
object's resourceVersion (the real server skips the etcd write; kubernetes.core reports
``changed`` on any resourceVersion change. Reference kube-api-emulation.md §1, §4).

Watch events are kept in memory per API server (``EventLog``) and published when the
transaction that made them commits (``open_view``).
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import threading
import uuid
from collections import deque
from typing import TYPE_CHECKING, Any, Iterator

from .patch import failure_status

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context
    from ..server import Emulator

KIND_PREFIX = "k8s/"
RV_META = "k8s_rv"
SERVER_META = "k8s_server/"
DEFAULT_MANAGER = "geomesh-emulator"
# Events kept per API server for watches; an older resourceVersion gets 410 Gone (the real watch
# cache keeps a bounded window too).
EVENT_WINDOW = 5000


class KubeError(Exception):
    """A Kubernetes API error: rendered as a ``Status`` body by api.py (reference §2)."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        causes: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = dict(details or {})
        if causes:
            self.details["causes"] = causes

    def status(self) -> dict[str, Any]:
        return failure_status(self.code, self.reason, self.message, self.details)


def iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def split_api_version(api_version: str) -> tuple[str, str]:
    if "/" in api_version:
        group, version = api_version.split("/", 1)
        return group, version
    return "", api_version


def store_kind(server_id: str) -> str:
    return f"{KIND_PREFIX}{server_id}"


def store_id(group: str, plural: str, namespace: str | None, name: str) -> str:
    return f"{group}|{plural}|{namespace or ''}|{name}"


def _semantics_record_update(
    old: dict | None, new: dict, manager: str, operation: str, api_version: str, now_iso: str, **kw: Any
) -> list | None:
    try:
        from . import patch as _patch  # pylint: disable=import-outside-toplevel
    except ImportError:  # the semantics helper's module is not there yet
        return None
    fn = getattr(_patch, "record_update", None)
    if fn is None:
        return None
    return fn(old, new, manager, operation, api_version, now_iso, **kw)


# -- watch event logs (in memory, per API server) ----------------------------------------------------


class EventLog:
    """The recent changes of one API server: ``(rv, type, group, plural, namespace, obj, old)``."""

    def __init__(self, start_rv: int) -> None:
        self.cond = threading.Condition()
        self.events: deque[tuple[int, str, str, str, str, dict, dict | None]] = deque(maxlen=EVENT_WINDOW)
        self.start_rv = start_rv

    def publish(self, items: list[tuple[int, str, str, str, str, dict, dict | None]]) -> None:
        with self.cond:
            for item in items:
                if len(self.events) == self.events.maxlen:
                    self.start_rv = self.events[0][0]
                self.events.append(item)
            self.cond.notify_all()

    def since(self, rv: int) -> list[tuple[int, str, str, str, str, dict, dict | None]]:
        with self.cond:
            return [e for e in self.events if e[0] > rv]

    def oldest_ok(self, rv: int) -> bool:
        """Whether a watch from ``rv`` can be served (else 410 Gone)."""
        with self.cond:
            return rv >= self.start_rv

    def wait(self, timeout: float) -> None:
        with self.cond:
            self.cond.wait(timeout)


_LOGS: dict[tuple[int, str], EventLog] = {}
_LOGS_LOCK = threading.Lock()


def event_log(emulator: "Emulator", server_id: str, start_rv: int | None = None) -> EventLog:
    """The event log of ``server_id`` in ``emulator``: when new, it holds every later change than
    ``start_rv`` (default: the current resourceVersion)."""
    key = (id(emulator), server_id)
    now_rv = current_rv(emulator)
    with _LOGS_LOCK:
        log = _LOGS.get(key)
        stale = log is not None and bool(log.events) and log.events[-1][0] > now_rv  # the store was reset
        if log is None or stale or getattr(log, "_store", None) is not emulator.store:
            log = EventLog(now_rv if start_rv is None else start_rv)
            log._store = emulator.store  # type: ignore[attr-defined]
            _LOGS[key] = log
        return log


def current_rv(emulator: "Emulator") -> int:
    with emulator.store.lock:
        return int(emulator.store.meta_get(RV_META, 0) or 0)


def reset_logs(emulator: "Emulator") -> None:
    with _LOGS_LOCK:
        for key in [k for k in _LOGS if k[0] == id(emulator)]:
            del _LOGS[key]


# -- the view ------------------------------------------------------------------------------------------


class KubeView:
    """One API server's objects inside one emulator transaction (``emulator.transaction()``)."""

    def __init__(
        self,
        emulator: "Emulator",
        ctx: "Context",
        server_id: str,
        owner: str | None = None,
        region: str | None = None,
        _pending: list | None = None,
        _views: dict | None = None,
    ) -> None:
        self.emulator = emulator
        self.ctx = ctx
        self.server_id = server_id
        info = ctx.raw_store.meta_get(SERVER_META + server_id, None) or {}
        if owner is not None and (info.get("owner") != owner or info.get("region") != region):
            info = {"owner": owner, "region": region}
            ctx.raw_store.meta_put(SERVER_META + server_id, info)
        self.owner: str = info.get("owner") or "cluster"
        self.region: str = info.get("region") or ""
        # (server_id, event) pairs published when the transaction commits, shared by other() views
        self._pending: list = [] if _pending is None else _pending
        self._views: dict = {} if _views is None else _views
        self._views[server_id] = self

    # -- helpers -------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return store_kind(self.server_id)

    def now(self) -> float:
        return self.ctx.now()

    def now_iso(self) -> str:
        return iso(self.now())

    def exists(self) -> bool:
        return self.ctx.raw_store.meta_get(SERVER_META + self.server_id, None) is not None

    def other(self, server_id: str) -> "KubeView | None":
        """Another API server's view in the same transaction (None when it was never started)."""
        if server_id in self._views:
            return self._views[server_id]
        if self.ctx.raw_store.meta_get(SERVER_META + server_id, None) is None:
            return None
        return KubeView(self.emulator, self.ctx, server_id, _pending=self._pending, _views=self._views)

    def next_rv(self) -> int:
        store = self.ctx.raw_store
        rv = int(store.meta_get(RV_META, 0) or 0) + 1
        store.meta_put(RV_META, rv)
        return rv

    def current_rv(self) -> int:
        return int(self.ctx.raw_store.meta_get(RV_META, 0) or 0)

    def resource_of(self, obj: dict) -> tuple[str, str, bool]:
        """``(group, plural, namespaced)`` of an object from its apiVersion and kind."""
        from . import resources  # pylint: disable=import-outside-toplevel

        group, version = split_api_version(str(obj.get("apiVersion") or ""))
        rdef = resources.by_kind(self, group, version, str(obj.get("kind") or ""))
        if rdef is None:
            raise KubeError(
                404,
                "NotFound",
                f'the server could not find the requested resource (kind {obj.get("kind")} in {obj.get("apiVersion")})',
            )
        return rdef.group, rdef.plural, rdef.namespaced

    # -- raw storage -----------------------------------------------------------------------------
    def _raw_get(self, group: str, plural: str, namespace: str | None, name: str) -> dict | None:
        doc = self.ctx.store.get(self.kind, store_id(group, plural, namespace, name))
        return None if doc is None else doc["object"]

    def _raw_put(self, group: str, plural: str, obj: dict) -> None:
        meta = obj["metadata"]
        self.ctx.store.put(
            self.kind, store_id(group, plural, meta.get("namespace"), meta["name"]), {"object": copy.deepcopy(obj)}
        )

    def _raw_delete(self, group: str, plural: str, namespace: str | None, name: str) -> None:
        self.ctx.store.delete(self.kind, store_id(group, plural, namespace, name))

    def _event(self, rv: int, etype: str, group: str, plural: str, obj: dict, old: dict | None) -> None:
        ns = (obj.get("metadata") or {}).get("namespace") or ""
        self._pending.append((self.server_id, (rv, etype, group, plural, ns, copy.deepcopy(obj), copy.deepcopy(old))))

    def publish(self) -> None:
        """Hand the events of this transaction to the watchers (call after the commit)."""
        by_server: dict[str, list] = {}
        for server_id, ev in self._pending:
            by_server.setdefault(server_id, []).append(ev)
        self._pending.clear()
        for server_id, evs in by_server.items():
            event_log(self.emulator, server_id, min(e[0] for e in evs) - 1).publish(evs)

    # -- reads -----------------------------------------------------------------------------------
    def get(self, group: str, plural: str, namespace: str | None, name: str) -> dict | None:
        obj = self._raw_get(group, plural, namespace, name)
        return copy.deepcopy(obj) if obj is not None else None

    def list(
        self,
        group: str,
        plural: str,
        namespace: str | None = None,
        labels: dict[str, str] | None = None,
    ) -> list[dict]:
        prefix = f"{group}|{plural}|"
        out = []
        for rid, doc in self.ctx.raw_store.raw_list(self.kind):
            if not rid.startswith(prefix):
                continue
            obj = doc["object"]
            meta = obj.get("metadata") or {}
            if namespace is not None and (meta.get("namespace") or "") != namespace:
                continue
            if labels:
                have = meta.get("labels") or {}
                if any(have.get(k) != v for k, v in labels.items()):
                    continue
            out.append(copy.deepcopy(obj))
        out.sort(key=lambda o: ((o["metadata"].get("namespace") or ""), o["metadata"]["name"]))
        return out

    def all_objects(self) -> list[tuple[str, str, dict]]:
        """Every stored object as ``(group, plural, obj)``."""
        out = []
        for rid, doc in self.ctx.raw_store.raw_list(self.kind):
            group, plural, _ns, _name = rid.split("|", 3)
            out.append((group, plural, doc["object"]))
        return out

    # -- writes ----------------------------------------------------------------------------------
    def create(self, obj: dict, manager: str = DEFAULT_MANAGER, dry_run: bool = False) -> dict:
        """Store a new object: fills uid, resourceVersion, creationTimestamp, generation and
        managedFields. Raises ``KubeError`` 409 AlreadyExists."""
        from . import resources  # pylint: disable=import-outside-toplevel

        obj = copy.deepcopy(obj)
        group, plural, namespaced = self.resource_of(obj)
        meta = obj.setdefault("metadata", {})
        name = meta.get("name")
        if not name and meta.get("generateName"):
            name = meta["generateName"] + uuid.uuid4().hex[:5]
            meta["name"] = name
        if not namespaced:
            meta.pop("namespace", None)
        elif not meta.get("namespace"):
            meta["namespace"] = "default"
        if self._raw_get(group, plural, meta.get("namespace"), name) is not None:
            raise KubeError(
                409,
                "AlreadyExists",
                f'{resources.qualified(group, plural)} "{name}" already exists',
                {"name": name, "group": group, "kind": plural},
            )
        for key in ("resourceVersion", "uid", "creationTimestamp", "deletionTimestamp", "managedFields"):
            meta.pop(key, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = self.now_iso()
        rdef = resources.get(self, group, plural)
        if rdef is not None and rdef.generation:
            meta["generation"] = 1
        else:
            meta.pop("generation", None)
        if manager and "managedFields" not in meta:
            fields = _semantics_record_update(None, obj, manager, "Update", obj.get("apiVersion", ""), self.now_iso())
            if fields:
                meta["managedFields"] = fields
        if dry_run:
            return obj
        rv = self.next_rv()
        meta["resourceVersion"] = str(rv)
        self._raw_put(group, plural, obj)
        self._event(rv, "ADDED", group, plural, obj, None)
        return copy.deepcopy(obj)

    def store_new(self, group: str, plural: str, obj: dict) -> dict:
        """Store a fully prepared new object (api.py's create path: metadata already filled)."""
        rv = self.next_rv()
        obj = copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = str(rv)
        self._raw_put(group, plural, obj)
        self._event(rv, "ADDED", group, plural, obj, None)
        return copy.deepcopy(obj)

    def store_update(self, group: str, plural: str, old: dict, new: dict, dry_run: bool = False) -> dict:
        """Store ``new`` over ``old`` unless nothing changed (then ``old`` is returned, its
        resourceVersion kept). The identity fields of ``old`` are kept."""
        new = copy.deepcopy(new)
        nmeta = new.setdefault("metadata", {})
        ometa = old.get("metadata") or {}
        for key in ("uid", "creationTimestamp", "name", "namespace", "deletionTimestamp", "deletionGracePeriodSeconds"):
            if key in ometa:
                nmeta[key] = ometa[key]
            else:
                nmeta.pop(key, None)
        nmeta["resourceVersion"] = ometa.get("resourceVersion")
        if new == old:
            return copy.deepcopy(old)
        if dry_run:
            return new
        rv = self.next_rv()
        nmeta["resourceVersion"] = str(rv)
        if ometa.get("deletionTimestamp") and not nmeta.get("finalizers"):
            # the last finalizer went: the object goes (reference §4)
            self._raw_delete(group, plural, ometa.get("namespace"), ometa["name"])
            self._event(rv, "DELETED", group, plural, new, old)
            return new
        self._raw_put(group, plural, new)
        self._event(rv, "MODIFIED", group, plural, new, old)
        return copy.deepcopy(new)

    def replace(self, obj: dict, manager: str = DEFAULT_MANAGER) -> dict:
        """Replace an object (controllers' writes): a no-op keeps its resourceVersion; generation
        bumps per reference §4. Raises ``KubeError`` 404 when it does not exist."""
        from . import resources  # pylint: disable=import-outside-toplevel

        group, plural, _namespaced = self.resource_of(obj)
        meta = obj.get("metadata") or {}
        old = self._raw_get(group, plural, meta.get("namespace"), meta.get("name", ""))
        if old is None:
            raise KubeError(
                404,
                "NotFound",
                f'{resources.qualified(group, plural)} "{meta.get("name")}" not found',
                {"name": meta.get("name"), "group": group, "kind": plural},
            )
        new = copy.deepcopy(obj)
        rdef = resources.get(self, group, plural)
        if rdef is not None and rdef.status_subresource and "status" in old:
            new["status"] = copy.deepcopy(old["status"])
        elif rdef is not None and rdef.status_subresource:
            new.pop("status", None)
        resources.bump_generation(rdef, old, new)
        fields = _semantics_record_update(old, new, manager, "Update", new.get("apiVersion", ""), self.now_iso())
        if fields is not None:
            new["metadata"]["managedFields"] = fields
        else:
            new["metadata"]["managedFields"] = copy.deepcopy((old.get("metadata") or {}).get("managedFields"))
            if new["metadata"]["managedFields"] is None:
                new["metadata"].pop("managedFields")
        return self.store_update(group, plural, old, new)

    def set_status(self, group: str, plural: str, namespace: str | None, name: str, status: dict) -> dict:
        """Set an object's status (controllers); a no-op keeps its resourceVersion."""
        from . import resources  # pylint: disable=import-outside-toplevel

        old = self._raw_get(group, plural, namespace, name)
        if old is None:
            raise KubeError(
                404,
                "NotFound",
                f'{resources.qualified(group, plural)} "{name}" not found',
                {"name": name, "group": group, "kind": plural},
            )
        new = copy.deepcopy(old)
        if status:
            new["status"] = copy.deepcopy(status)
        else:
            new.pop("status", None)
        return self.store_update(group, plural, old, new)

    def delete(
        self,
        group: str,
        plural: str,
        namespace: str | None,
        name: str,
        propagation: str = "Background",
        dry_run: bool = False,
    ) -> dict | None:
        """Delete an object, honouring finalizers (deletionTimestamp only) and namespaces (a
        Terminating phase; the namespace controller in api.tick removes its objects, then it).
        Returns the object as deleted / marked, None when it did not exist."""
        old = self._raw_get(group, plural, namespace, name)
        if old is None:
            return None
        meta = old.get("metadata") or {}
        is_namespace = group == "" and plural == "namespaces"
        if meta.get("finalizers") or is_namespace:
            if meta.get("deletionTimestamp"):
                return copy.deepcopy(old)
            new = copy.deepcopy(old)
            new["metadata"]["deletionTimestamp"] = self.now_iso()
            new["metadata"]["deletionGracePeriodSeconds"] = 0
            if is_namespace:
                new.setdefault("spec", {})["finalizers"] = ["kubernetes"]
                new.setdefault("status", {})["phase"] = "Terminating"
            if dry_run:
                return new
            rv = self.next_rv()
            new["metadata"]["resourceVersion"] = str(rv)
            self._raw_put(group, plural, new)
            self._event(rv, "MODIFIED", group, plural, new, old)
            return copy.deepcopy(new)
        if dry_run:
            return copy.deepcopy(old)
        rv = self.next_rv()
        gone = copy.deepcopy(old)
        gone["metadata"]["resourceVersion"] = str(rv)
        self._raw_delete(group, plural, namespace, name)
        self._event(rv, "DELETED", group, plural, gone, old)
        if propagation == "Orphan":
            self._orphan(meta.get("uid"))
        return gone

    def _orphan(self, uid: str | None) -> None:
        if not uid:
            return
        for group, plural, obj in self.all_objects():
            refs = (obj.get("metadata") or {}).get("ownerReferences") or []
            kept = [r for r in refs if r.get("uid") != uid]
            if len(kept) != len(refs):
                new = copy.deepcopy(obj)
                if kept:
                    new["metadata"]["ownerReferences"] = kept
                else:
                    new["metadata"].pop("ownerReferences", None)
                self.store_update(group, plural, obj, new)


@contextlib.contextmanager
def open_view(
    emulator: "Emulator", server_id: str, owner: str | None = None, region: str | None = None
) -> Iterator[KubeView]:
    """A ``KubeView`` of ``server_id`` in a new emulator transaction (global lock); its watch
    events are published once the transaction has committed."""
    # the lock is held until the events are published, so they reach the logs in resourceVersion order
    with emulator.store.lock:
        with emulator.transaction(region=region, product="k8s") as ctx:
            view = KubeView(emulator, ctx, server_id, owner=owner, region=region)
            event_log(emulator, server_id)  # watches from now on see every change of this server
            yield view
        view.publish()
