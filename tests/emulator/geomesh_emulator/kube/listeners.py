"""The emulated Kubernetes API servers on the wire: one TLS listener per API server.

Every ACK cluster and every ASM mesh gets its own ``https://127.0.0.1:<port>``, as each has its
own API server in the cloud. ``emulator.kube`` is an :class:`ApiServers`:

- ``ensure(server_id, owner, region)`` starts the listener of a cluster (``owner="cluster"``) or a
  mesh (``"mesh"``): a CA made on first use and kept in the cloud document (``_kube_ca``, the
  state file is 0600), a serving certificate signed by it (SAN IP 127.0.0.1, DNS localhost),
  the port ephemeral at first, then kept in store meta (``kube_port/<server_id>``) and bound again
  when the emulator restarts (a new port if that one is taken; the document's endpoint URLs follow);
  the server is registered for ``kube.objects`` at once and seeded (``api.bootstrap``: system
  namespaces, a mesh's CRDs) before its first request is served;
- ``issue_client_cert(server_id, user, groups, not_after)`` signs a kubeconfig's client
  certificate (CN = user, O = groups);
- ``stop(server_id)``, ``stop_all()`` (emulator stop and reset), ``reopen()`` (emulator start).

Authentication is the real API server's (kube-api-emulation.md section 8): TLS asks for a client
certificate (``CERT_OPTIONAL``) and trusts only this server's CA, so a certificate of another CA
fails the handshake; time is not checked at TLS (``X509_V_FLAG_NO_CHECK_TIME``) but against the
emulator clock afterwards, and no certificate, an expired or a not-yet-valid one get
``401 Unauthorized`` as a ``Status``. An authenticated request goes to
``api.handle(emulator, server_id, user, method, raw_path, headers, body) -> Response``; a
``Response.stream`` (watch) is written chunked. Every request is one request-log line with
``"product": "k8s"``.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import json
import os
import re
import select
import socket
import sqlite3
import ssl
import sys
import tempfile
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from . import pki

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context
    from ..server import Emulator

HOST = "127.0.0.1"
# OpenSSL X509_V_FLAG_NO_CHECK_TIME: the chain is checked, validity dates are not (checked by us
# against the emulator clock, so that an expired client certificate gets 401, not a TLS failure).
X509_V_FLAG_NO_CHECK_TIME = 0x200000
META_PORT = "kube_port/"
CA_FIELD = "_kube_ca"
# owner -> (cloud document kind, id field, region field)
OWNERS: dict[str, tuple[str, str, str]] = {
    "cluster": ("cs_cluster", "cluster_id", "region_id"),
    "mesh": ("asm_mesh", "ServiceMeshId", "RegionId"),
}
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}
HANDSHAKE_TIMEOUT_S = 10.0


def status_doc(code: int, reason: str, message: str) -> dict[str, Any]:
    """A ``Status`` failure body (apimachinery api/errors)."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def guess_action(method: str, raw_path: str) -> tuple[str, bool]:
    """``("<verb> <resource>[/<sub>]", write)`` from the request line alone, for the log lines of
    requests that never reach ``api.handle`` (401) or when it gives no ``Response.log``."""
    split = urlsplit(raw_path)
    query = dict(parse_qsl(split.query, keep_blank_values=True))
    parts = [p for p in split.path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 2:
        rest = parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        rest = parts[3:]
    else:
        rest = []
    if len(rest) >= 3 and rest[0] == "namespaces":
        rest = rest[2:]
    method = method.upper()
    if not rest:
        return f"{method.lower()} {split.path or '/'}", False
    name = rest[1] if len(rest) > 1 else None
    resource = rest[0] + (f"/{rest[2]}" if len(rest) > 2 else "")
    if method in ("GET", "HEAD"):
        verb = "watch" if query.get("watch") in ("true", "1") else ("get" if name else "list")
    elif method == "POST":
        verb = "create"
    elif method == "PUT":
        verb = "update"
    elif method == "PATCH":
        verb = "patch"
    elif method == "DELETE":
        verb = "delete" if name else "deletecollection"
    else:
        verb = method.lower()
    write = verb in WRITE_VERBS and query.get("dryRun") != "All"
    return f"{verb} {resource}", write


def _api_module() -> Any:
    """``kube.api`` (imported late: the listeners load without it)."""
    name = f"{__package__}.api"
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


class _Record:
    """One API server's listener."""

    def __init__(self, server_id: str, owner: str, region: str | None, ca: pki.KeyPair) -> None:
        self.server_id = server_id
        self.owner = owner
        self.region = region
        self.ca = ca
        self.listener: _Listener | None = None
        self.thread: threading.Thread | None = None
        self.bootstrapped = False
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.listener.server_address[1]) if self.listener else 0

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}"


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, servers: "ApiServers", record: _Record, ssl_ctx: ssl.SSLContext, port: int) -> None:
        self.servers = servers
        self.record = record
        self.ssl_ctx = ssl_ctx
        self.closed = threading.Event()
        self.active: set[socket.socket] = set()
        self.active_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = self.socket.accept()
        # The handshake runs in the connection's thread (setup), not in the accept loop.
        return self.ssl_ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ssl.SSLError, OSError, ValueError)):
            return  # failed handshakes (a foreign CA) and dropped connections are the client's business
        traceback.print_exc(file=sys.stderr)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Listener

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  pylint: disable=redefined-builtin
        return

    def setup(self) -> None:
        self.request.settimeout(HANDSHAKE_TIMEOUT_S)
        try:
            self.request.do_handshake()
        except (ssl.SSLError, OSError):
            self._linger()
            raise
        self.request.settimeout(None)
        with self.server.active_lock:
            self.server.active.add(self.request)
        super().setup()

    def _linger(self) -> None:
        """After a refused handshake (its alert is sent): end our side and drain the client's for
        a moment, so that the client reads the alert ("tls: unknown certificate authority")
        rather than a reset. With TLS 1.3 the client may already be sending its request;
        closing with that data unread would reset the connection."""
        sock = self.request
        try:
            socket.socket.shutdown(sock, socket.SHUT_WR)
            socket.socket.settimeout(sock, 0.5)
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline and socket.socket.recv(sock, 65536):
                pass
        except OSError:
            pass

    def finish(self) -> None:
        with self.server.active_lock:
            self.server.active.discard(self.request)
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    # -- request ----------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        servers = self.server.servers
        rec = self.server.record
        emu = servers.emulator
        method = self.command.upper()
        raw_path = self.path
        self._started = time.monotonic()
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send(400, {}, json.dumps(status_doc(400, "BadRequest", "malformed request body")).encode())
            return
        if not servers.alive(rec):
            # The cluster or mesh is gone and so is its API server: drop the connection, as an
            # address that no longer answers would.
            print(
                f"kube API server {rec.server_id}: its {rec.owner} is gone, dropping {method} {raw_path}",
                file=sys.stderr,
            )
            self.close_connection = True
            threading.Thread(target=servers.stop, args=(rec.server_id,), daemon=True).start()
            return
        try:
            ident = pki.check_client(self.request.getpeercert(binary_form=True), rec.ca.cert_pem, emu.clock.now())
        except pki.AuthError:
            self._log(method, raw_path, 401, None)
            self._send(401, {}, json.dumps(status_doc(401, "Unauthorized", "Unauthorized")).encode())
            return
        api = _api_module()
        if api is None:
            doc = status_doc(404, "NotFound", "the Kubernetes API emulation is not available")
            self._log(method, raw_path, 404, None)
            self._send(404, {}, json.dumps(doc).encode())
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            servers.bootstrap(rec)
            resp = api.handle(emu, rec.server_id, ident.user, method, raw_path, headers, body)
        except Exception as exc:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            doc = status_doc(500, "InternalError", f"an error on the server ({exc}) has prevented the request")
            self._log(method, raw_path, 500, None)
            self._send(500, {}, json.dumps(doc).encode())
            return
        status = int(resp.status)
        # Logged before the response goes out (as the cloud API does): a client that has its
        # answer also finds its call in the log.
        self._log(method, raw_path, status, getattr(resp, "log", None))
        stream = getattr(resp, "stream", None)
        if stream is not None:
            self._send_stream(status, dict(getattr(resp, "headers", None) or {}), stream)
        else:
            self._send(status, dict(getattr(resp, "headers", None) or {}), getattr(resp, "body", None) or b"")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    # -- response ---------------------------------------------------------------------------------
    def _start(self, status: int, headers: dict[str, str]) -> None:
        ctype = "application/json"
        for key in list(headers):
            if key.lower() == "content-type":
                ctype = headers.pop(key)
            elif key.lower() in ("content-length", "transfer-encoding", "connection"):
                headers.pop(key)  # framing is the listener's
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        for key, value in headers.items():
            self.send_header(key, value)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self._start(status, headers)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_stream(self, status: int, headers: dict[str, str], stream: Any) -> None:
        self._start(status, headers)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        closed = self.server.closed
        ended = False
        try:
            for chunk in stream:
                # api.handle's stream may yield b"" while idle: the moment to notice that the
                # client went away or the server stops (an empty chunk would end the stream)
                if closed.is_set() or self._client_gone():
                    break
                if not chunk:
                    continue
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            else:
                self.wfile.write(b"0\r\n\r\n")
                ended = True
        except (OSError, ValueError):
            pass
        finally:
            if not ended:
                self.close_connection = True
            close = getattr(stream, "close", None)
            if close is not None:
                close()

    def _client_gone(self) -> bool:
        """During a streamed response an HTTP/1.1 client sends nothing: anything readable on the
        connection is its close (EOF, TLS close_notify, reset)."""
        sock = self.request
        try:
            if not sock.pending() and not select.select([sock], [], [], 0)[0]:
                return False
            sock.settimeout(0.05)
            try:
                sock.recv(1)
            finally:
                sock.settimeout(None)
        except (ssl.SSLWantReadError, socket.timeout):
            return False  # a partial TLS record: not a close yet
        except (OSError, ValueError):
            return True
        return True

    def _log(self, method: str, raw_path: str, status: int, api_log: dict[str, Any] | None) -> None:
        rec = self.server.record
        action, write = guess_action(method, raw_path)
        entry: dict[str, Any] = {"ts": time.time(), "product": "k8s", "action": action, "write": write}
        if api_log:
            # api.handle names what it served: {"verb", "resource" (plural[/sub]; "" for a
            # non-resource path such as /version), "write"} or a ready "action"
            if api_log.get("action"):
                entry["action"] = str(api_log["action"])
            elif api_log.get("verb") and api_log.get("resource"):
                entry["action"] = f"{api_log['verb']} {api_log['resource']}"
            elif api_log.get("verb"):
                entry["action"] = f"{api_log['verb']} {urlsplit(raw_path).path or '/'}"
            # and anything else it says about the request, e.g. "write" and "changed" (whether
            # stored state changed: a no-op PATCH is a write that changed nothing)
            fixed = ("action", "verb", "resource", "product", "server", "region", "method", "path", "status", "ts")
            entry.update({k: v for k, v in api_log.items() if k not in fixed})
        entry.update(
            {
                "server": rec.server_id,
                "region": rec.region,
                "method": method,
                "path": raw_path,
                "status": status,
                "write": bool(entry.get("write")),
                "latency_ms": round((time.monotonic() - getattr(self, "_started", time.monotonic())) * 1000.0, 3),
            }
        )
        self.server.servers.emulator.reqlog.write(entry)


def _b64(pem: str) -> str:
    return base64.b64encode(pem.encode("ascii")).decode("ascii")


def _load_chain(ctx: ssl.SSLContext, pair: pki.KeyPair, directory: str) -> None:
    """``load_cert_chain`` reads files only: a private temporary file, removed at once."""
    fd, path = tempfile.mkstemp(prefix=".kube-serving-", suffix=".pem", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(pair.cert_pem + pair.key_pem)
        ctx.load_cert_chain(path)
    finally:
        os.unlink(path)


class ApiServers:
    """The API servers of one emulator (``emulator.kube``)."""

    def __init__(self, emulator: "Emulator") -> None:
        self.emulator = emulator
        self._servers: dict[str, _Record] = {}
        self._lock = threading.RLock()

    # -- queries ----------------------------------------------------------------------------------
    def info(self, server_id: str) -> dict[str, Any] | None:
        """``{server_id, owner, region, url, port}`` of a running API server, else None."""
        rec = self._servers.get(server_id)
        if rec is None:
            return None
        return {"server_id": rec.server_id, "owner": rec.owner, "region": rec.region, "url": rec.url, "port": rec.port}

    def urls(self) -> dict[str, str]:
        return {sid: rec.url for sid, rec in sorted(self._servers.items())}

    def alive(self, rec: _Record) -> bool:
        """Whether the cloud resource of ``rec`` still exists with the CA it serves."""
        kind = OWNERS[rec.owner][0]
        try:
            with self.emulator.transaction(region=rec.region) as ctx:
                doc = ctx.store.get(kind, rec.server_id)
        except sqlite3.ProgrammingError:  # a closed store: the emulator is stopping
            return False
        except Exception:  # pylint: disable=broad-except
            # not a sign that the resource is gone: serve the request (its handler meets the same
            # error and answers 500), and leave the cause in the emulator's log
            traceback.print_exc(file=sys.stderr)
            return True
        return bool(doc) and (doc.get(CA_FIELD) or {}).get("cert") == rec.ca.cert_pem

    # -- lifecycle --------------------------------------------------------------------------------
    def ensure(
        self,
        server_id: str,
        owner: str,
        region: str | None,
        ctx: "Context | None" = None,
        doc: dict[str, Any] | None = None,
    ) -> dict[str, str]:
        """Start the API server of a cluster / mesh if it is not running; ``{url, ca_pem}``.

        ``ctx``: the caller's transaction (a handler's ``ctx``), else one is opened. ``doc``: the
        cloud document when the caller holds it (and puts it afterwards, e.g. CreateCluster before
        its first put); otherwise it is read from and written back to the store."""
        if owner not in OWNERS:
            raise ValueError(f"owner must be one of {sorted(OWNERS)}, not {owner!r}")
        if ctx is None:
            with self.emulator.transaction(region=region) as own:
                return self.ensure(server_id, owner, region, own, doc)
        kind = OWNERS[owner][0]
        holder = doc if doc is not None else ctx.store.get(kind, server_id)
        if holder is None:
            raise KeyError(f"no {owner} {server_id}")
        created = False
        stored = holder.get(CA_FIELD) or {}
        if stored.get("cert") and stored.get("key"):
            ca = pki.KeyPair(stored["cert"], stored["key"])
        else:
            ca = pki.new_ca(f"geomesh-emulator {owner} {server_id}")
            holder[CA_FIELD] = {"cert": ca.cert_pem, "key": ca.key_pem}
            if doc is None:
                ctx.store.put(kind, server_id, holder)
            created = True
        with self._lock:
            rec = self._servers.get(server_id)
            if rec is not None and rec.ca.cert_pem != ca.cert_pem:
                # a CA that never got committed (rolled back), or a reset store: start afresh
                self._stop_record(self._servers.pop(server_id))
                rec = None
            if rec is None:
                raw = ctx.raw_store
                wanted = int(raw.meta_get(META_PORT + server_id, 0) or 0)
                rec = self._start(server_id, owner, region, ca, wanted)
                self._servers[server_id] = rec
                if rec.port != wanted:
                    raw.meta_put(META_PORT + server_id, rec.port)
                    if wanted:
                        self._retarget(ctx, kind, server_id, holder, doc is None, wanted, rec.port)
        if created and importlib.util.find_spec(f"{__package__}.objects") is not None:
            # register the API server (owner, region) for kube.objects; it is seeded (namespaces,
            # CRDs: api.bootstrap) on its first request, which keeps CreateCluster and
            # CreateServiceMesh quick (a mesh's CRDs take a while)
            self._view(ctx, rec)
        return {"url": rec.url, "ca_pem": ca.cert_pem}

    def issue_client_cert(
        self,
        server_id: str,
        user: str,
        groups: list[str],
        not_after: float,
        not_before: float | None = None,
    ) -> tuple[str, str]:
        """``(cert_pem, key_pem)`` of a new client certificate of a running API server, valid
        from ``not_before`` (default: a little before the emulator's now) to ``not_after``
        (emulator-clock seconds)."""
        rec = self._servers.get(server_id)
        if rec is None:
            raise KeyError(f"API server {server_id} is not running")
        start = not_before if not_before is not None else self.emulator.clock.now() - pki.CLIENT_BACKDATE_S
        pair = pki.client_cert(rec.ca, user, groups, start, not_after)
        return pair.cert_pem, pair.key_pem

    def kubeconfig(
        self,
        server_id: str,
        cluster_name: str,
        user: str,
        groups: list[str],
        not_after: float,
        context_name: str | None = None,
    ) -> str:
        """A kubeconfig for a running API server: its https URL and CA, a NEW client certificate
        (CN ``user``, O ``groups``) valid until ``not_after``, and its key (a secret)."""
        rec = self._servers.get(server_id)
        if rec is None:
            raise KeyError(f"API server {server_id} is not running")
        cert_pem, key_pem = self.issue_client_cert(server_id, user, groups, not_after)
        context = context_name or f"{user}-{server_id}"
        return (
            "apiVersion: v1\n"
            "kind: Config\n"
            "clusters:\n"
            "- cluster:\n"
            f"    server: {rec.url}\n"
            f"    certificate-authority-data: {_b64(rec.ca.cert_pem)}\n"
            f"  name: {cluster_name}\n"
            "contexts:\n"
            "- context:\n"
            f"    cluster: {cluster_name}\n"
            f'    user: "{user}"\n'
            f"  name: {context}\n"
            f"current-context: {context}\n"
            "preferences: {}\n"
            "users:\n"
            f'- name: "{user}"\n'
            "  user:\n"
            f"    client-certificate-data: {_b64(cert_pem)}\n"
            f"    client-key-data: {_b64(key_pem)}\n"
        )

    def stop(self, server_id: str) -> None:
        with self._lock:
            rec = self._servers.pop(server_id, None)
        if rec is not None:
            self._stop_record(rec)

    def stop_all(self) -> None:
        with self._lock:
            recs = list(self._servers.values())
            self._servers.clear()
        # in parallel: each listener takes up to its poll interval to notice the shutdown
        threads = [threading.Thread(target=self._stop_record, args=(rec,), daemon=True) for rec in recs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        if importlib.util.find_spec(f"{__package__}.objects") is not None:
            # the in-memory watch event logs of this emulator go with its servers
            importlib.import_module(f"{__package__}.objects").reset_logs(self.emulator)

    def reopen(self) -> None:
        """Start the API server of every cluster and mesh in the store (emulator start)."""
        with self.emulator.transaction() as ctx:
            for owner, (kind, id_field, region_field) in OWNERS.items():
                for doc in ctx.store.list(kind):
                    if doc.get(CA_FIELD) and doc.get(id_field):
                        self.ensure(str(doc[id_field]), owner, doc.get(region_field), ctx=ctx)

    # -- internals --------------------------------------------------------------------------------
    def _start(self, server_id: str, owner: str, region: str | None, ca: pki.KeyPair, port: int) -> _Record:
        sslctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sslctx.minimum_version = ssl.TLSVersion.TLSv1_2
        _load_chain(sslctx, pki.server_cert(ca), self.emulator.state_dir)
        sslctx.load_verify_locations(cadata=ca.cert_pem)
        sslctx.verify_mode = ssl.CERT_OPTIONAL
        sslctx.verify_flags |= X509_V_FLAG_NO_CHECK_TIME
        sslctx.set_alpn_protocols(["http/1.1"])
        rec = _Record(server_id, owner, region, ca)
        try:
            listener = _Listener(self, rec, sslctx, port)
        except OSError:
            if not port:
                raise
            listener = _Listener(self, rec, sslctx, 0)  # the kept port is taken: a new one
        rec.listener = listener
        rec.thread = threading.Thread(
            target=listener.serve_forever, kwargs={"poll_interval": 0.2}, name=f"geomesh-kube-{server_id}", daemon=True
        )
        rec.thread.start()
        return rec

    @staticmethod
    def _stop_record(rec: _Record) -> None:
        listener = rec.listener
        if listener is None:
            return
        listener.closed.set()
        listener.shutdown()
        listener.server_close()
        with listener.active_lock:
            active = list(listener.active)
        for sock in active:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if rec.thread is not None:
            rec.thread.join(timeout=5)

    @staticmethod
    def _retarget(
        ctx: "Context", kind: str, server_id: str, holder: dict[str, Any], put: bool, old: int, new: int
    ) -> None:
        """The API server came back on another port: the document's endpoint URLs follow."""
        before, after = f"https://{HOST}:{old}", f"https://{HOST}:{new}"
        moved = json.loads(re.sub(re.escape(before) + r"(?!\d)", after, json.dumps(holder)))
        holder.clear()
        holder.update(moved)
        if put:
            ctx.store.put(kind, server_id, holder)

    def bootstrap(self, rec: _Record) -> None:
        """Seed an API server (system namespaces, a mesh's CRDs) through ``api.bootstrap`` once per
        start, before its first request is served (api.bootstrap leaves what exists alone)."""
        if rec.bootstrapped:
            return
        with rec.lock:
            if rec.bootstrapped:
                return
            api = _api_module()
            if api is not None:
                objects = importlib.import_module(f"{__package__}.objects")
                with objects.open_view(self.emulator, rec.server_id, owner=rec.owner, region=rec.region) as view:
                    api.bootstrap(view)
            rec.bootstrapped = True

    def _view(self, ctx: "Context", rec: _Record) -> Any:
        objects = importlib.import_module(f"{__package__}.objects")
        return objects.KubeView(self.emulator, ctx, rec.server_id, rec.owner, rec.region)
