"""Command line: ``python -m geomesh_emulator start|stop|status --state-dir DIR``."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from .clock import PROFILES
from .faults import FaultProfile
from .server import Emulator
from .signing import AccessKey

PID_FILE = "emulator.pid"
ENV_SH = "env.sh"
ENV_JSON = "env.json"
OUT_FILE = "emulator.out"


def _write_private(path: str, text: str) -> None:
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def env_sh(env: dict[str, str]) -> str:
    return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())


def write_env_files(state_dir: str, env: dict[str, str], pid: int) -> None:
    doc = dict(env)
    doc["GEOMESH_EMULATOR_PID"] = str(pid)
    _write_private(os.path.join(state_dir, ENV_SH), env_sh(env))
    _write_private(os.path.join(state_dir, ENV_JSON), json.dumps(doc, indent=2, sort_keys=True) + "\n")


def _read_pid(state_dir: str) -> int | None:
    try:
        with open(os.path.join(state_dir, PID_FILE), encoding="utf-8") as fh:
            return int(fh.read().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_emulator(pid: int) -> bool:
    """True when ``pid`` is alive and is a geomesh_emulator process (guards against pid reuse)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ")
        return b"geomesh_emulator" in cmd
    except OSError:
        return True


def _health(env: dict[str, Any], timeout: float = 1.0) -> dict[str, Any] | None:
    endpoint = env.get("GEOMESH_ALICLOUD_ENDPOINT")
    if not endpoint:
        return None
    try:
        with urllib.request.urlopen(f"http://{endpoint}/_emulator/health", timeout=timeout) as resp:  # noqa: S310
            return json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _load_env(state_dir: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(state_dir, ENV_JSON), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _keys_from_file(path: str | None) -> dict[str, AccessKey] | None:
    if not path:
        return None
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    keys = [AccessKey.from_dict(d) for d in data]
    return {k.access_key_id: k for k in keys}


def cmd_start(args: argparse.Namespace) -> int:
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    pid = _read_pid(state_dir)
    if pid is not None and _is_emulator(pid) and pid != os.getpid():
        sys.stderr.write(f"emulator already running for {state_dir} (pid {pid})\n")
        return 1
    if args.daemon:
        return _start_daemon(args, state_dir)
    faults = FaultProfile.load(args.faults) if args.faults else None
    emu = Emulator(
        state_dir,
        port=args.port,
        delay_scale=args.delay_scale,
        delay_profile=args.delay_profile,
        faults=faults,
        keys=_keys_from_file(args.keys),
        dataplane=args.dataplane,
    )
    emu.start()
    _write_private(os.path.join(state_dir, PID_FILE), f"{os.getpid()}\n")
    env = emu.env()
    write_env_files(state_dir, env, os.getpid())
    sys.stdout.write(env_sh(env))
    sys.stdout.flush()
    stop = threading.Event()

    def _on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    watched = args.exit_with_pid
    try:
        while not stop.wait(0.5):
            if watched and not _alive(watched):
                # the process this emulator serves (e.g. an ansible-playbook run) is gone
                break
    finally:
        emu.stop()
        if _read_pid(state_dir) == os.getpid():
            try:
                os.unlink(os.path.join(state_dir, PID_FILE))
            except OSError:
                pass
    return 0


def _start_daemon(args: argparse.Namespace, state_dir: str) -> int:
    env_path = os.path.join(state_dir, ENV_JSON)
    if os.path.exists(env_path):
        os.unlink(env_path)
    cmd = [
        sys.executable,
        "-m",
        "geomesh_emulator",
        "start",
        "--state-dir",
        state_dir,
        "--port",
        str(args.port),
    ]
    if args.delay_scale is not None:
        cmd += ["--delay-scale", str(args.delay_scale)]
    if args.delay_profile is not None:
        cmd += ["--delay-profile", args.delay_profile]
    cmd += ["--dataplane" if args.dataplane else "--no-dataplane"]
    if args.faults:
        cmd += ["--faults", os.path.abspath(args.faults)]
    if args.keys:
        cmd += ["--keys", os.path.abspath(args.keys)]
    if args.exit_with_pid:
        cmd += ["--exit-with-pid", str(args.exit_with_pid)]
    child_env = dict(os.environ)
    pkg_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    child_env["PYTHONPATH"] = pkg_root + (os.pathsep + child_env["PYTHONPATH"] if child_env.get("PYTHONPATH") else "")
    # the foreground server prints the env (with the secret key): keep its output private
    out_fd = os.open(os.path.join(state_dir, OUT_FILE), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.chmod(os.path.join(state_dir, OUT_FILE), 0o600)
    out = os.fdopen(out_fd, "ab")  # pylint: disable=consider-using-with
    try:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=child_env, start_new_session=True, close_fds=True
        )
    finally:
        out.close()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.stderr.write(f"emulator exited with code {proc.returncode}; see {os.path.join(state_dir, OUT_FILE)}\n")
            return 1
        env = _load_env(state_dir)
        if env and env.get("GEOMESH_EMULATOR_PID") == str(proc.pid) and _health(env):
            env.pop("GEOMESH_EMULATOR_PID", None)
            sys.stdout.write(env_sh(env))
            sys.stdout.flush()
            return 0
        time.sleep(0.05)
    sys.stderr.write("emulator did not become healthy in time\n")
    return 1


def cmd_stop(args: argparse.Namespace) -> int:
    state_dir = os.path.abspath(args.state_dir)
    pid = _read_pid(state_dir)
    if pid is None or not _is_emulator(pid):
        sys.stdout.write("not running\n")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if not _is_emulator(pid):
            sys.stdout.write(f"stopped (pid {pid})\n")
            return 0
        time.sleep(0.05)
    sys.stderr.write(f"emulator (pid {pid}) did not stop within {args.timeout}s\n")
    return 1


def cmd_status(args: argparse.Namespace) -> int:
    state_dir = os.path.abspath(args.state_dir)
    pid = _read_pid(state_dir)
    env = _load_env(state_dir) or {}
    health = _health(env) if pid is not None and _is_emulator(pid) else None
    if health is None:
        sys.stdout.write("not running\n")
        return 3
    sys.stdout.write(json.dumps(health, sort_keys=True) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="geomesh_emulator", description="Local Alibaba Cloud API emulator")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start the emulator")
    start.add_argument("--state-dir", required=True)
    start.add_argument("--port", type=int, default=0, help="API port on 127.0.0.1 (0 = ephemeral)")
    start.add_argument(
        "--delay-scale", type=float, default=None, help="provisioning delay scale (env GEOMESH_EMULATOR_DELAY_SCALE)"
    )
    start.add_argument(
        "--delay-profile",
        choices=sorted(PROFILES),
        default=None,
        help="provisioning delays: default, or cloud (the real cloud's proportions; env GEOMESH_EMULATOR_DELAY_PROFILE)",
    )
    start.add_argument("--faults", default=None, help="fault profile JSON file")
    start.add_argument("--keys", default=None, help="JSON list of access keys (access_key_id, access_key_secret, ...)")
    start.add_argument("--daemon", action="store_true", help="run in the background; return once healthy")
    start.add_argument(
        "--dataplane",
        action=argparse.BooleanOptionalAction,
        default=os.environ.get("GEOMESH_EMULATOR_DATAPLANE", "true").lower() not in ("0", "false", "no"),
        help="run real Envoys and Bookinfo-like backends for the emulated gateways and Pods "
        "(default on; env GEOMESH_EMULATOR_DATAPLANE)",
    )
    start.add_argument(
        "--exit-with-pid",
        type=int,
        default=None,
        help="stop (as on SIGTERM) once the process with this id has exited",
    )
    start.add_argument("--timeout", type=float, default=20.0, help=argparse.SUPPRESS)
    start.set_defaults(func=cmd_start)
    stop = sub.add_parser("stop", help="stop a running emulator")
    stop.add_argument("--state-dir", required=True)
    stop.add_argument("--timeout", type=float, default=10.0)
    stop.set_defaults(func=cmd_stop)
    status = sub.add_parser("status", help="print the health of a running emulator")
    status.add_argument("--state-dir", required=True)
    status.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
