# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubeconfig files: write one atomically with mode 0600, keep a valid one, never show its contents.

Shared by ack_kubeconfig and asm_kubeconfig. The file written is the kubeconfig the API returned
with one comment line in front that records when it expires (kubectl ignores comments):

    # geomesh.alicloud expiration: 2026-12-02T10:00:00+00:00

A file that already holds a kubeconfig for the same API server(s) and, by that line, stays valid
for more than ``MARGIN`` seconds is kept as it is (only its mode is fixed), so a re-run writes
nothing although the API hands out a new kubeconfig on every call.
"""

from __future__ import annotations

import datetime
import os
import tempfile

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError

try:
    import yaml

    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    HAS_YAML = False

MODE = 0o600
MARGIN = 300
MARKER = "# geomesh.alicloud expiration: "


def parse_time(value) -> datetime.datetime | None:
    """RFC 3339 (ACK ``expiration``) or ``YYYY-MM-DD hh:mm:ss`` (ASM ``ExpireTime``; UTC assumed,
    UNCONFIRMED) as an aware datetime; None when it cannot be read."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    if " " in text and "T" not in text:
        text = text.replace(" ", "T", 1)
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def servers(text: str | None) -> set:
    """The API server URLs of a kubeconfig (empty when it is not a kubeconfig)."""
    if not text or not HAS_YAML:
        return set()
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return set()
    if not isinstance(doc, dict) or doc.get("kind", "Config") != "Config" or not doc.get("users"):
        return set()
    found = set()
    for entry in doc.get("clusters") or []:
        server = ((entry or {}).get("cluster") or {}).get("server") if isinstance(entry, dict) else None
        if server:
            found.add(str(server))
    return found


def recorded_expiration(text: str) -> datetime.datetime | None:
    first = text.split("\n", 1)[0]
    return parse_time(first[len(MARKER) :]) if first.startswith(MARKER) else None


def render(config: str, expiration) -> str:
    parsed = parse_time(expiration)
    header = MARKER + parsed.isoformat() + "\n" if parsed else ""
    return header + config


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def _write_atomic(path: str, text: str) -> None:
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kubeconfig-", dir=directory)
    try:
        os.fchmod(fd, MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def ensure_file(dest: str, config: str, expiration, check_mode: bool = False, now=None) -> dict:
    """Make ``dest`` hold a valid kubeconfig for the servers of ``config``, mode 0600.

    Returns ``{changed, kubeconfig, expiration, written}``: the kubeconfig and expiration in
    effect (those of the kept file when it was kept), and whether the file was (or, in check
    mode, would be) rewritten.
    """
    dest = os.path.abspath(os.path.expanduser(dest))
    now = now or datetime.datetime.now(datetime.timezone.utc)
    wanted = render(config, expiration)
    current = _read(dest)
    keep = False
    if current is not None:
        if current == wanted:
            keep = True
        else:
            until = recorded_expiration(current)
            same = servers(current) and servers(current) == servers(config)
            keep = bool(same and until and (until - now).total_seconds() > MARGIN)
    mode_ok = current is not None and (os.stat(dest).st_mode & 0o777) == MODE
    if keep:
        kept_config = current.split("\n", 1)[1] if current.startswith(MARKER) else current
        kept_expiration = recorded_expiration(current)
        if not mode_ok and not check_mode:
            os.chmod(dest, MODE)
        return {
            "changed": not mode_ok,
            "written": False,
            "kubeconfig": kept_config,
            "expiration": kept_expiration.isoformat() if kept_expiration else iso(expiration),
        }
    if not check_mode:
        _write_atomic(dest, wanted)
    return {"changed": True, "written": True, "kubeconfig": config, "expiration": iso(expiration)}


def iso(expiration) -> str | None:
    parsed = parse_time(expiration)
    return parsed.isoformat() if parsed else expiration


# The options ack_kubeconfig and asm_kubeconfig share (documented in each module).
FILE_OPTIONS = {
    "dest": {"type": "path"},
    "return_content": {"type": "bool", "default": False},
}


def run(module, what: str, fetch) -> None:
    """The flow of ack_kubeconfig and asm_kubeconfig: ``fetch()`` -> ``(config, expiration)`` (a read
    call, made in check mode too), then the file at ``dest`` if one is asked for. Exits the module;
    the kubeconfig is in the result only (no diff, no message carries it)."""
    if not HAS_YAML:  # pragma: no cover
        module.fail_json(msg="PyYAML is required to read kubeconfig files")
    dest = module.params["dest"]
    show = module.params["return_content"]
    if not dest and not show:
        module.fail_json(
            msg="set dest (the kubeconfig is written there, mode 0600) or return_content: true (then set no_log: true "
            "on the task: the kubeconfig holds credentials)",
            field="dest",
        )
    try:
        config, expiration = fetch()
    except AlicloudError as err:
        module.fail_json_alicloud(err, "fetching the kubeconfig of %s" % what)
    if not config:
        module.fail_json(msg="the API returned no kubeconfig for %s" % what)
    result = {"changed": False, "kubeconfig": config, "expiration": iso(expiration), "dest": None}
    if dest:
        path = os.path.abspath(os.path.expanduser(dest))
        before = _read(path)
        before_expiration = recorded_expiration(before) if before else None
        try:
            outcome = ensure_file(path, config, expiration, module.check_mode)
        except OSError as err:
            module.fail_json(msg="cannot write the kubeconfig of %s to %s: %s" % (what, path, err), field="dest")
        result.update(
            changed=outcome["changed"], kubeconfig=outcome["kubeconfig"], expiration=outcome["expiration"], dest=path
        )
        result["diff"] = {
            "before": {"dest": path if before is not None else None, "expiration": iso(before_expiration)},
            "after": {"dest": path, "expiration": outcome["expiration"]},
        }
    if not show:
        # Credentials leave the module only when asked for: a task without no_log must not print them.
        result["kubeconfig"] = None
    module.exit_json(**result)
