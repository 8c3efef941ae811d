# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets: one full site.yml run (two regions, inventories/local) at -vvv with STS credentials
(an access key, its secret and a security token, all recognisable) against an emulator of its own
that knows only those keys (and a default key of its own, which it prints in its env files). The run must pass; then neither the secret nor the token nor any
kubeconfig client key or token may appear in the run's output or in any file the emulator wrote
in its state dir, and every kubeconfig file the run wrote must be mode 0600."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402  pylint: disable=wrong-import-position

ACCESS_KEY_ID = "STS.reliabilityKeyId0001"
ACCESS_KEY_SECRET = "reliability-sts-secret-Zq81xv"
SECURITY_TOKEN = "reliability-security-token-Hn27pw-CAIS"
# the emulator's own credential files: they hold its keys by design (mode 0600), and the keys file
# it was started with is ours. Everything else it writes is scanned.
CREDENTIAL_FILES = ("env.sh", "env.json")


def kubeconfig_needles(path):
    """The client keys and tokens of a kubeconfig file, in the forms they could leak in."""
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    needles = []
    for user in document.get("users") or []:
        data = (user or {}).get("user") or {}
        for field in ("client-key-data", "token"):
            value = data.get(field)
            if not value:
                continue
            needles.append(("%s %s" % (os.path.basename(path), field), value))
            if field == "client-key-data":
                decoded = base64.b64decode(value).decode("utf-8", "replace")
                # the PEM body, one line of it is enough to recognise the key
                body = [line for line in decoded.splitlines() if line and not line.startswith("-----")]
                if body:
                    needles.append(("%s client key (PEM line)" % os.path.basename(path), max(body, key=len)))
    return needles


def find(needles, name, data):
    return ["%s found in %s" % (label, name) for label, needle in needles if needle.encode("utf-8") in data]


def main():
    started = time.monotonic()
    problems = []
    with tempfile.TemporaryDirectory(prefix="geomesh-secrets-") as workdir:
        keys_file = os.path.join(workdir, "keys.json")
        fd = os.open(keys_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(
                [
                    # the emulator's default key: the one its env files and its output name. The run
                    # uses the STS key below, which the emulator never prints.
                    {"access_key_id": "LTAIreliabilityDefault01", "access_key_secret": "reliability-unused-secret"},
                    {
                        "access_key_id": ACCESS_KEY_ID,
                        "access_key_secret": ACCESS_KEY_SECRET,
                        "security_token": SECURITY_TOKEN,
                        "expiration": time.time() + 6 * 3600,
                    },
                ],
                handle,
            )
        state_dir = os.path.join(workdir, "emulator")
        kubeconfig_dir = os.path.join(workdir, "kubeconfig")
        emulator_env = common.start_emulator(state_dir, "--keys", keys_file)
        try:
            path = common.write_inventory(
                common.base_inventory(),
                os.path.join(workdir, "inventory"),
                {"geomesh_kubeconfig_dir": kubeconfig_dir, "geomesh_report_dir": os.path.join(workdir, "report")},
            )
            env = common.playbook_env(emulator_env)
            env.update(
                {
                    "ALIBABA_CLOUD_ACCESS_KEY_ID": ACCESS_KEY_ID,
                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET,
                    "ALIBABA_CLOUD_SECURITY_TOKEN": SECURITY_TOKEN,
                }
            )
            code, output, seconds = common.run_site(path, env, "-vvv")
        finally:
            common.stop_emulator(state_dir)
        with open(os.path.join(workdir, "output.txt"), "w", encoding="utf-8") as handle:
            handle.write(output)
        sys.stdout.write(
            "site.yml -vvv (STS credentials): rc %d, %.0fs, %d lines of output\n" % (code, seconds, output.count("\n"))
        )
        if code != 0:
            problems.append("the run failed (rc %d)" % code)
            sys.stdout.write("".join("  | %s\n" % line[:300] for line in output.splitlines()[-25:]))
        calls = common.request_log(state_dir)
        refused = [entry for entry in calls if str(entry.get("code") or "").startswith(common.AUTH_CODES)]
        sys.stdout.write("emulator: %d requests logged, %d refused for credentials\n" % (len(calls), len(refused)))
        if not calls:
            problems.append("the emulator logged no request")
        if refused:
            problems.append("%d requests were refused for their credentials (the STS key was not used)" % len(refused))

        needles = [("the access key secret", ACCESS_KEY_SECRET), ("the security token", SECURITY_TOKEN)]
        kubeconfigs = []
        for root, _dirs, files in os.walk(kubeconfig_dir):
            kubeconfigs.extend(os.path.join(root, name) for name in files)
        if not kubeconfigs:
            problems.append("the run wrote no kubeconfig file under %s" % kubeconfig_dir)
        for kubeconfig in sorted(kubeconfigs):
            mode = stat.S_IMODE(os.stat(kubeconfig).st_mode)
            sys.stdout.write("kubeconfig %s mode %04o\n" % (os.path.relpath(kubeconfig, workdir), mode))
            if mode != 0o600:
                problems.append("%s is mode %04o, not 0600" % (kubeconfig, mode))
            found = kubeconfig_needles(kubeconfig)
            if not found:
                problems.append("%s holds no client key or token to look for" % kubeconfig)
            needles.extend(found)
        sys.stdout.write("needles: %d (%s)\n" % (len(needles), ", ".join(label for label, _needle in needles)))

        problems.extend(find(needles, "the run's output", output.encode("utf-8")))
        scanned = []
        for root, _dirs, files in os.walk(state_dir):
            for name in files:
                full = os.path.join(root, name)
                if os.path.relpath(full, state_dir) in CREDENTIAL_FILES:
                    continue
                with open(full, "rb") as handle:
                    data = handle.read()
                scanned.append("%s (%d bytes)" % (os.path.relpath(full, state_dir), len(data)))
                problems.extend(find(needles, "emulator file %s" % os.path.relpath(full, state_dir), data))
        sys.stdout.write("emulator files scanned: %s\n" % ", ".join(scanned))
        if not scanned:
            problems.append("no emulator file to scan")
    for problem in problems:
        sys.stdout.write("FAIL: %s\n" % problem)
    sys.stdout.write("secrets: %s, %.0fs\n" % ("FAIL" if problems else "pass", time.monotonic() - started))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
