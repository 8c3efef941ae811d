"""SQLite-backed document store (persisted under the state dir, survives restarts)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from typing import Any, Callable

from . import lifecycle

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    doc TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS tokens (
    product TEXT NOT NULL,
    action TEXT NOT NULL,
    token TEXT NOT NULL,
    params_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (product, action, token)
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

CREATED_AT = "_created_at"
# Documents carrying this emulator-clock time are invisible to get/list until it has come.
VISIBLE_FROM = "_visible_from"


class Store:
    """Raw store. All access happens under :attr:`lock` (one global lock for the emulator)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.RLock()
        # The state holds the per-cluster and per-mesh Kubernetes tokens: owner-only, like the
        # request log (SQLite gives its -wal / -shm files the database file's mode).
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        row = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM resources").fetchone()
        self._seq = int(row[0])
        # bumped by every write (a rolled-back one too): lets a reader tell cheaply that nothing changed
        self.generation = 0

    # -- transactions -------------------------------------------------------------------------
    def begin(self) -> None:
        self.db.execute("BEGIN")

    def commit(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # -- documents ----------------------------------------------------------------------------
    def raw_put(self, kind: str, rid: str, doc: dict[str, Any], now: float) -> None:
        doc.setdefault(CREATED_AT, now)
        self.generation += 1
        row = self.db.execute("SELECT seq FROM resources WHERE kind=? AND id=?", (kind, rid)).fetchone()
        if row is None:
            self._seq += 1
            seq = self._seq
        else:
            seq = int(row[0])
        self.db.execute(
            "INSERT OR REPLACE INTO resources(kind, id, doc, seq) VALUES (?, ?, ?, ?)",
            (kind, rid, json.dumps(doc, sort_keys=True), seq),
        )

    def raw_get(self, kind: str, rid: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT doc FROM resources WHERE kind=? AND id=?", (kind, rid)).fetchone()
        return None if row is None else json.loads(row[0])

    def raw_list(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        rows = self.db.execute("SELECT id, doc FROM resources WHERE kind=? ORDER BY seq", (kind,)).fetchall()
        return [(r[0], json.loads(r[1])) for r in rows]

    def delete(self, kind: str, rid: str) -> None:
        self.generation += 1
        self.db.execute("DELETE FROM resources WHERE kind=? AND id=?", (kind, rid))

    def kinds(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT kind FROM resources ORDER BY kind").fetchall()]

    def reset(self) -> None:
        with self.lock:
            self.generation += 1
            self.db.execute("DELETE FROM resources")
            self.db.execute("DELETE FROM tokens")
            self.db.execute("DELETE FROM meta")

    # -- idempotency tokens ---------------------------------------------------------------------
    @staticmethod
    def params_hash(params: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()

    def token_get(self, product: str, action: str, token: str) -> tuple[str, Any] | None:
        row = self.db.execute(
            "SELECT params_hash, response FROM tokens WHERE product=? AND action=? AND token=?",
            (product, action, token),
        ).fetchone()
        return None if row is None else (row[0], json.loads(row[1]))

    def token_put(self, product: str, action: str, token: str, phash: str, response: Any, now: float) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO tokens(product, action, token, params_hash, response, created) VALUES (?,?,?,?,?,?)",
            (product, action, token, phash, json.dumps(response), now),
        )

    # -- meta -----------------------------------------------------------------------------------
    def meta_get(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def meta_put(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, json.dumps(value)))


class StoreView:
    """The ``ctx.store`` handed to handlers: resolves lifecycles, drops expired deletions and
    (for read actions under an eventual-consistency fault) hides recently created documents."""

    def __init__(self, store: Store, now: Callable[[], float], hide_newer_than: float | None = None) -> None:
        self._store = store
        self._now = now
        self._hide_newer_than = hide_newer_than

    def _visible(self, kind: str, rid: str, doc: dict[str, Any], now: float) -> dict[str, Any] | None:
        if lifecycle.is_deleted(doc, now):
            self._store.delete(kind, rid)
            return None
        if self._hide_newer_than is not None and doc.get(CREATED_AT, 0) > self._hide_newer_than:
            return None
        if doc.get(VISIBLE_FROM) is not None and float(doc[VISIBLE_FROM]) > now:
            # a document that exists from a later time on (e.g. the route of a node still joining)
            return None
        return lifecycle.resolve(doc, now)

    def put(self, kind: str, rid: str, doc: dict[str, Any]) -> dict[str, Any]:
        self._store.raw_put(kind, rid, doc, self._now())
        return doc

    def get(self, kind: str, rid: str | None) -> dict[str, Any] | None:
        if not rid:
            return None
        doc = self._store.raw_get(kind, rid)
        if doc is None:
            return None
        return self._visible(kind, rid, doc, self._now())

    def list(self, kind: str) -> list[dict[str, Any]]:
        now = self._now()
        out = []
        for rid, doc in self._store.raw_list(kind):
            vis = self._visible(kind, rid, doc, now)
            if vis is not None:
                out.append(vis)
        return out

    def delete(self, kind: str, rid: str) -> None:
        self._store.delete(kind, rid)

    def kinds(self) -> list[str]:
        return self._store.kinds()
