"""HTTP server: request parsing, authentication, dispatch, errors, faults, request log."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlsplit

from . import products, registry, routing, signing
from .clock import Clock
from .context import Context
from .dataplane.manager import DataPlane
from .errors import ApiError
from .faults import FaultProfile, Faults
from .kube.listeners import ApiServers
from .loopback import LoopbackBlock
from .params import flag
from .reqlog import RequestLog, scrub
from .scenarios import Scenarios
from .store import Store, StoreView

HOST = "127.0.0.1"
# Legacy v1 (and protocol) parameters that are not API parameters.
PROTOCOL_PARAMS = {
    "Action",
    "Version",
    "Format",
    "Timestamp",
    "SignatureNonce",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureType",
    "Signature",
    "AccessKeyId",
    "SecurityToken",
    "BearerToken",
}
JSON_CT = "application/json;charset=utf-8"
LOOPBACK_META = "kube_lb_block"


def new_request_id() -> str:
    return str(uuid.uuid4()).upper()


class Emulator:
    """One emulator instance: API listener, Kubernetes API servers (``kube``), store, clock, faults, log."""

    def __init__(
        self,
        state_dir: str,
        port: int = 0,
        delay_scale: float | None = None,
        delay_profile: str | None = None,
        faults: FaultProfile | None = None,
        keys: dict[str, signing.AccessKey] | None = None,
        verify_signatures: bool = True,
        dataplane: bool = False,
    ) -> None:
        self.state_dir = os.path.abspath(state_dir)
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        products.load_all()
        self.store = Store(os.path.join(self.state_dir, "state.sqlite3"))
        # LoadBalancer addresses 127.<block>.<n>.<k>: a block no other running emulator holds
        self.loopback = LoopbackBlock(self.store.meta_get(LOOPBACK_META))
        self.store.meta_put(LOOPBACK_META, self.loopback.block)
        self.clock = Clock(
            delay_scale, offset=float(self.store.meta_get("clock_offset", 0.0) or 0.0), profile=delay_profile
        )
        self.startup_faults = faults or FaultProfile()
        self.faults = Faults(self.startup_faults)
        self.scenarios = Scenarios()
        self.reqlog = RequestLog(os.path.join(self.state_dir, "requests.jsonl"))
        self.keys = keys if keys is not None else signing.default_keys()
        self.nonces = signing.NonceCache()
        self.verify_signatures = verify_signatures
        self.httpd = ThreadingHTTPServer((HOST, port), ApiHandler)
        self.httpd.daemon_threads = True
        self.httpd.emulator = self  # type: ignore[attr-defined]
        # One https listener per ACK cluster / ASM mesh API server (kube/listeners.py).
        self.kube = ApiServers(self)
        self._threads: list[threading.Thread] = []
        # real Envoys and Bookinfo-like backends on loopback (dataplane/; issue 11), when asked for
        self.dataplane: DataPlane | None = DataPlane(self) if dataplane else None
        self._stopped = False

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def endpoint(self) -> str:
        return f"{HOST}:{self.port}"

    def start(self) -> "Emulator":
        t = threading.Thread(target=self.httpd.serve_forever, name="geomesh-emulator-api", daemon=True)
        t.start()
        self._threads.append(t)
        # the API servers of the clusters and meshes in the store, on their ports of last time
        self.kube.reopen()
        if self.dataplane is not None:
            self.dataplane.start()
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.dataplane is not None:
            self.dataplane.stop()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.kube.stop_all()
        for t in self._threads:
            t.join(timeout=5)
        self._threads = []
        self.store.close()
        self.loopback.release()

    def default_key(self) -> signing.AccessKey:
        for key in self.keys.values():
            if not key.is_sts:
                return key
        return next(iter(self.keys.values()))

    def env(self) -> dict[str, str]:
        key = self.default_key()
        return {
            "ALIBABA_CLOUD_ACCESS_KEY_ID": key.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": key.access_key_secret,
            "GEOMESH_ALICLOUD_ENDPOINT": self.endpoint,
            "GEOMESH_ALICLOUD_PROTOCOL": "http",
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
            "GEOMESH_EMULATOR_STATE_DIR": self.state_dir,
        }

    # -- state helpers --------------------------------------------------------------------------
    def snapshot(self) -> dict[str, list[dict]]:
        with self.store.lock:
            self.store.begin()
            try:
                view = StoreView(self.store, self.clock.now)
                out = {kind: view.list(kind) for kind in view.kinds()}
                self.store.commit()
            except Exception:
                self.store.rollback()
                raise
        return {k: v for k, v in out.items() if v}

    def reset(self) -> None:
        with self.store.lock:
            self.store.reset()
        self.kube.stop_all()
        self.reqlog.truncate()
        self.faults.set(self.startup_faults)
        self.scenarios.clear()
        self.clock.offset = 0.0
        self.store.meta_put(LOOPBACK_META, self.loopback.block)
        if self.dataplane is not None:
            self.dataplane.poke()

    @contextlib.contextmanager
    def transaction(self, region: str | None = None, product: str = "internal") -> Iterator[Context]:
        """A handler-like ``ctx`` outside any request (for tests and the Kubernetes emulation).

        Holds the global lock; commits on success, rolls back on an exception.
        """
        with self.store.lock:
            view = StoreView(self.store, self.clock.now)
            key = self.default_key()
            ctx = Context(self, view, product, "", "", {}, new_request_id(), key.account_id, key.access_key_id, region)
            self.store.begin()
            try:
                yield ctx
            except BaseException:
                self.store.rollback()
                raise
            self.store.commit()

    def set_scenarios(self, product: str, data: Any) -> dict[str, list[dict[str, Any]]]:
        """Replace ``product``'s scenario faults (scenarios.py): every spec is validated first,
        then applied at once where its kind can, the others armed. Returns the armed ones."""
        checked = self.scenarios.normalise(product, data)
        armed = []
        with self.transaction(product=product) as ctx:
            for found, spec in checked:
                if found.apply is None or not found.apply(ctx, spec):
                    armed.append((found.name, spec))
        return self.scenarios.replace(product, armed)

    def advance_clock(self, seconds: float) -> float:
        with self.store.lock:
            offset = self.clock.advance(seconds)
            self.store.meta_put("clock_offset", offset)
        return offset


def _lower_headers(msg) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in msg.items():
        out.setdefault(name.lower(), []).append(value)
    return out


class _BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "geomesh-emulator"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  pylint: disable=redefined-builtin
        return

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator  # type: ignore[attr-defined]

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self, status: int, body: bytes, headers: dict[str, str] | None = None, content_type: str = JSON_CT
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(doc).encode("utf-8"), headers)


class ApiHandler(_BaseHandler):
    def _handle(self) -> None:
        split = urlsplit(self.path)
        if split.path.startswith("/_emulator/") or split.path == "/_emulator":
            self._control(split.path, split.query)
            return
        self._api(split.path, split.query)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    # -- control endpoints ------------------------------------------------------------------------
    def _control(self, path: str, raw_query: str) -> None:
        emu = self.emulator
        body = self._read_body()
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        method = self.command
        try:
            if path == "/_emulator/health" and method in ("GET", "HEAD"):
                self._send_json(
                    200,
                    {
                        "status": "ok",
                        "pid": os.getpid(),
                        "port": emu.port,
                        "kube": emu.kube.urls(),
                        "state_dir": emu.state_dir,
                        "delay_scale": emu.clock.delay_scale,
                        "delay_profile": emu.clock.profile,
                    },
                )
            elif path == "/_emulator/state" and method == "GET":
                self._send_json(200, emu.snapshot())
            elif path == "/_emulator/log" and method == "GET":
                if query.get("format") == "jsonl":
                    self._send(200, emu.reqlog.raw().encode("utf-8"), content_type="application/x-ndjson")
                else:
                    self._send_json(200, emu.reqlog.lines())
            elif path == "/_emulator/reachability" and method == "GET":
                # the routing model's verdict, so tests can assert what the network stage built:
                # src/dst VPC ids (VPC-level check) or node/Pod addresses (routing.address_reachable)
                src, dst = query.get("src") or "", query.get("dst") or ""
                with emu.transaction() as ctx:
                    if src.startswith("vpc-") or dst.startswith("vpc-"):
                        ok, reason = routing.vpc_reachable(
                            ctx, src, dst, require_vpc_routes=query.get("require_vpc_routes", "").lower() == "true"
                        )
                        verdict = {"reachable": ok, "reason": reason}
                    else:
                        verdict = routing.address_reachable(ctx, src, dst)
                self._send_json(200, verdict)
            elif path == "/_emulator/addresses" and method == "GET":
                with emu.transaction() as ctx:
                    rows = routing.addresses(ctx)
                self._send_json(200, rows)
            elif path == "/_emulator/faults" and method == "GET":
                self._send_json(200, emu.faults.profile.to_dict())
            elif path == "/_emulator/faults" and method == "POST":
                data = json.loads(body or b"{}")
                prof = FaultProfile.from_dict(data)
                emu.faults.set(prof)
                self._send_json(200, prof.to_dict())
            elif path.startswith("/_emulator/faults/") and method in ("GET", "POST"):
                # scenario faults of one product (scenarios.py)
                product = path[len("/_emulator/faults/") :]
                if method == "POST":
                    self._send_json(200, emu.set_scenarios(product, json.loads(body or b"{}")))
                else:
                    emu.scenarios.check_product(product)
                    self._send_json(200, emu.scenarios.get(product))
            elif path.startswith("/_emulator/dataplane"):
                self._dataplane(path, method, query, body)
            elif path == "/_emulator/reset" and method == "POST":
                emu.reset()
                self._send_json(200, {"status": "reset"})
            elif path == "/_emulator/clock" and method in ("GET", "POST"):
                if method == "POST":
                    data = json.loads(body or b"{}")
                    if "delay_scale" in data:
                        emu.clock.delay_scale = max(0.0, float(data["delay_scale"]))
                    if "advance" in data:
                        emu.advance_clock(float(data["advance"]))
                self._send_json(
                    200, {"now": emu.clock.now(), "offset": emu.clock.offset, "delay_scale": emu.clock.delay_scale}
                )
            else:
                self._send_json(404, {"code": "NotFound", "message": f"no control endpoint {method} {path}"})
        except (ValueError, TypeError) as exc:
            self._send_json(400, {"code": "InvalidRequest", "message": str(exc)})

    def _dataplane(self, path: str, method: str, query: dict[str, str], body: bytes) -> None:
        """``GET /_emulator/dataplane[?live=true]``: proxies, their endpoints (locality, priority,
        weight, reachability; with ``live`` Envoy's own health flags and counters) and backends;
        ``POST /_emulator/dataplane/faults``: make backends answer a status (dataplane.manager)."""
        dp = self.emulator.dataplane
        if dp is None:
            self._send_json(
                404, {"code": "DataPlaneOff", "message": "the data plane is off: start the emulator with --dataplane"}
            )
        elif path == "/_emulator/dataplane" and method == "GET":
            self._send_json(200, dp.status(live=query.get("live", "").lower() in ("1", "true", "yes")))
        elif path == "/_emulator/dataplane/faults" and method == "POST":
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise ValueError("the body must be a JSON object")
            self._send_json(200, dp.set_fault(data))
        else:
            self._send_json(404, {"code": "NotFound", "message": f"no control endpoint {method} {path}"})

    # -- Alibaba Cloud APIs ---------------------------------------------------------------------
    def _api(self, path: str, raw_query: str) -> None:
        emu = self.emulator
        started = time.monotonic()
        request_id = new_request_id()
        body = self._read_body()
        headers = _lower_headers(self.headers)
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        method = self.command.upper()
        ctype = (headers.get("content-type") or [""])[0].lower()
        form: dict[str, str] = {}
        if body and "application/x-www-form-urlencoded" in ctype:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))

        action_name = (headers.get("x-acs-action") or [None])[0] or query.get("Action")
        version = (headers.get("x-acs-version") or [None])[0] or query.get("Version")
        spec: registry.ActionSpec | None = None
        path_params: dict[str, str] = {}
        style = "RPC"
        product = registry.PRODUCTS.get(version or "")
        log: dict[str, Any] = {
            "ts": time.time(),
            "request_id": request_id,
            "product": product,
            "version": version,
            "action": action_name,
            "write": None,
            "params": {},
            "status": None,
            "code": None,
            "latency_ms": None,
            "fault": None,
        }
        extra_headers: dict[str, str] = {}
        status = 200
        result: Any = None
        params: dict[str, Any] = {}
        try:
            spec, path_params = self._resolve(method, path, action_name, version)
            style = spec.style
            log.update(product=spec.product, version=spec.version, action=spec.name, write=spec.write)

            # parameters
            if spec.style == "ROA":
                params = dict(query)
                if body and "json" in ctype:
                    try:
                        doc = json.loads(body.decode("utf-8"))
                    except ValueError as exc:
                        raise ApiError("InvalidParameter", "The request body is not valid JSON.") from exc
                    if isinstance(doc, dict):
                        params.update(doc)
                    else:
                        params["body"] = doc
                elif form:
                    params.update(form)
                params.update(path_params)
            else:
                params = dict(query)
                params.update(form)
            api_params = {k: v for k, v in params.items() if k not in PROTOCOL_PARAMS}
            log["params"] = scrub(api_params)

            # authentication
            key = self._authenticate(method, path, raw_query, query, form, headers, body)

            # faults (never for /_emulator/*)
            lat = emu.faults.latency_s(spec.name, spec.write)
            if lat > 0:
                time.sleep(lat)
            fault = emu.faults.before(spec.name, spec.write)
            if fault is not None:
                log["fault"] = fault[0]
                raise fault[1]

            result = self._execute(spec, api_params, request_id, key)
            fault = emu.faults.after(spec.name, spec.write)
            if fault is not None:
                log["fault"] = fault[0]
                raise fault[1]
        except ApiError as err:
            status = err.status
            extra_headers.update(err.headers)
            log["code"] = err.code
            result = self._error_doc(err, request_id, style, log.get("product"))
        except Exception as exc:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            status = 500
            log["code"] = "InternalError"
            err = ApiError("InternalError", f"The request processing has failed due to some unknown error: {exc}", 500)
            result = self._error_doc(err, request_id, style, log.get("product"))
        else:
            if isinstance(result, dict):
                result = dict(result)
                if style == "ROA":
                    result.setdefault("request_id", request_id)
                else:
                    result["RequestId"] = request_id
            elif result is None:
                result = {"request_id": request_id} if style == "ROA" else {"RequestId": request_id}
        extra_headers["x-acs-request-id"] = request_id
        log["status"] = status
        log["latency_ms"] = round((time.monotonic() - started) * 1000.0, 3)
        # Logged before the response goes out, so that a client which has its answer also finds
        # its call in the log (tests count calls right after making them).
        emu.reqlog.write(log)
        self._send_json(status, result, extra_headers)

    def _resolve(
        self, method: str, path: str, action_name: str | None, version: str | None
    ) -> tuple[registry.ActionSpec, dict[str, str]]:
        not_found = ApiError(
            "InvalidAction.NotFound", "Specified api is not found, please check your url and method.", 404
        )
        if action_name and version:
            if version not in registry.PRODUCTS:
                raise ApiError("InvalidVersion", "Specified parameter Version is not valid.", 400)
            spec = registry.lookup(version, action_name)
            if spec is None:
                raise not_found
            if spec.style == "ROA":
                m = spec.path_re.match(path) if spec.path_re else None
                if m is None or method != spec.method:
                    raise not_found
                return spec, m.groupdict()
            if path not in ("", "/") or method not in ("GET", "POST"):
                raise not_found
            return spec, {}
        found = registry.match_roa(method, path)
        if found is None:
            if action_name and not version:
                raise ApiError(
                    "MissingParameter",
                    'The input parameter "Version" that is mandatory for processing this request is not supplied.',
                )
            raise not_found
        return found

    def _authenticate(
        self,
        method: str,
        path: str,
        raw_query: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: dict[str, list[str]],
        body: bytes,
    ) -> signing.AccessKey:
        emu = self.emulator
        now = time.time()
        if not emu.verify_signatures:
            return emu.default_key()
        raw_path = urlsplit(self.path).path or "/"
        if "authorization" in headers:
            return signing.verify_v3(method, raw_path, query, headers, body, emu.keys, emu.nonces, now)
        if "Signature" in query:
            merged = dict(query)
            merged.update(form)
            return signing.verify_v1(method, merged, emu.keys, emu.nonces, now)
        # UNCONFIRMED: code for an unsigned request.
        raise ApiError(
            "MissingAuthorization", "The request is not signed: no Authorization header or Signature parameter.", 400
        )

    def _execute(
        self, spec: registry.ActionSpec, params: dict[str, Any], request_id: str, key: signing.AccessKey
    ) -> Any:
        emu = self.emulator
        region = params.get("RegionId") or params.get("region_id")
        ec = emu.faults.profile.eventual_consistency_s
        with emu.store.lock:
            now = emu.clock.now()
            hide = (now - ec) if (ec > 0 and not spec.write) else None
            view = StoreView(emu.store, emu.clock.now, hide_newer_than=hide)
            ctx = Context(
                emu,
                view,
                spec.product,
                spec.version,
                spec.name,
                params,
                request_id,
                key.account_id,
                key.access_key_id,
                str(region) if region not in (None, "") else None,
            )
            dry_run = spec.write and flag(params, "DryRun", False)
            emu.store.begin()
            try:
                result = spec.handler(ctx, params)
            except BaseException:
                emu.store.rollback()
                raise
            if dry_run:
                emu.store.rollback()
                raise ApiError("DryRunOperation", "Request validation has been passed with DryRun flag set.", 400)
            emu.store.commit()
        return result

    @staticmethod
    def _error_doc(err: ApiError, request_id: str, style: str, product: str | None) -> dict[str, Any]:
        if style == "ROA":
            return {"requestId": request_id, "code": err.code, "message": err.message}
        host = registry.HOSTS.get(product or "", "aliyuncs.com")
        return {
            "RequestId": request_id,
            "HostId": host,
            "Code": err.code,
            "Message": err.message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={err.code}&product={product or ''}&requestId={request_id}",
        }
