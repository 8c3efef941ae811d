# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bad-inputs catalogue: every case of cases.yml is a valid inventory (inventories/local) with
one mistake; site.yml must fail, name the field, and (for an error known in advance) send no write
call to the emulator. ``run.py [CASE ...]`` runs all cases or the named ones against one emulator
it starts itself, prints a table and exits 1 when a case fails. GEOMESH_RELIABILITY_KEEP=DIR keeps
each case's inventory and output (and the emulator's state dir) in DIR."""

from __future__ import annotations

import copy
import os
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402  pylint: disable=wrong-import-position

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIXES = {
    "hz": ("hosts", "all", "children", "regions", "hosts", "cn-hangzhou"),
    "sh": ("hosts", "all", "children", "regions", "hosts", "cn-shanghai"),
    "mesh": ("hosts", "all", "children", "mesh", "hosts", "asm-hangzhou"),
    "vars": ("vars",),
}


def _split(path):
    head, _sep, rest = path.partition(".")
    if head not in PREFIXES:
        raise ValueError("case path %s: starts with none of %s" % (path, ", ".join(PREFIXES)))
    keys = list(PREFIXES[head]) + (rest.split(".") if rest else [])
    return [int(k) if k.isdigit() else k for k in keys]


def _walk(document, keys):
    for key in keys:
        document = document[key]
    return document


def apply_case(inventory, case):
    inventory = copy.deepcopy(inventory)
    for path, value in (case.get("set") or {}).items():
        keys = _split(path)
        parent = _walk(inventory, keys[:-1])
        parent[keys[-1]] = value
    for path in case.get("delete") or []:
        keys = _split(path)
        parent = _walk(inventory, keys[:-1])
        del parent[keys[-1]]
    return inventory


def run_case(case, base, emulator_env, state_dir, workdir):
    """-> (ok, seconds, writes, notes and problems)."""
    inventory = apply_case(base, case)
    case_dir = os.path.join(workdir, case["name"])
    # distinct names per case, so a case that reaches writes does not disturb the next
    inventory["vars"]["geomesh_cen_name"] = "cen-%s" % case["name"].replace("_", "-")
    path = common.write_inventory(
        inventory,
        case_dir,
        {
            "geomesh_kubeconfig_dir": os.path.join(case_dir, "kubeconfig"),
            "geomesh_report_dir": os.path.join(case_dir, "report"),
        },
    )
    env = common.playbook_env(emulator_env)
    for name in case.get("env_drop") or []:
        env.pop(name, None)
    env.update(case.get("env_set") or {})
    before = len(common.request_log(state_dir))
    code, output, seconds = common.run_site(path, env)
    calls = common.request_log(state_dir)[before:]
    writes = sum(1 for entry in calls if entry.get("write"))
    with open(os.path.join(case_dir, "output.txt"), "w", encoding="utf-8") as handle:
        handle.write(output)
    problems = []
    notes = []
    if code == 0:
        problems.append("the run succeeded")
    if case["expect"] not in output:
        problems.append("the output does not contain %r" % case["expect"])
    if case.get("before_writes", True) and writes:
        problems.append("%d write call(s) reached the emulator before the failure" % writes)
    bad = [entry for entry in calls if str(entry.get("code") or "").startswith(common.AUTH_CODES)]
    if "max_bad_requests" in case:
        notes.append("%d request(s) refused for their credentials (at most %d)" % (len(bad), case["max_bad_requests"]))
        if not bad:
            problems.append("no request was refused for its credentials")
        elif len(bad) > case["max_bad_requests"]:
            problems.append("%d requests refused for their credentials (retry storm?)" % len(bad))
    if case.get("expect_request_id") and not any(entry.get("request_id") in output for entry in bad):
        problems.append("the output carries no request id of the refused requests")
    return not problems, seconds, writes, notes + problems


def main(argv):
    with open(os.path.join(HERE, "cases.yml"), encoding="utf-8") as handle:
        cases = yaml.safe_load(handle)["cases"]
    names = [case["name"] for case in cases]
    if len(set(names)) != len(names):
        sys.stderr.write("cases.yml names a case twice\n")
        return 2
    if argv:
        unknown = sorted(set(argv) - set(names))
        if unknown:
            sys.stderr.write("no such case: %s\n" % ", ".join(unknown))
            return 2
        cases = [case for case in cases if case["name"] in argv]
    base = common.base_inventory()
    started = time.monotonic()
    rows = []
    keep = os.environ.get("GEOMESH_RELIABILITY_KEEP")
    with tempfile.TemporaryDirectory(prefix="geomesh-bad-inputs-") as scratch:
        workdir = keep or scratch
        state_dir = os.path.join(workdir, "emulator")
        emulator_env = common.start_emulator(state_dir)
        try:
            for case in cases:
                ok, seconds, writes, problems = run_case(case, base, emulator_env, state_dir, workdir)
                rows.append((case["name"], seconds, writes, ok, problems))
                sys.stdout.write(
                    "%-45s %6.1fs %3d writes  %s\n" % (case["name"], seconds, writes, "pass" if ok else "FAIL")
                )
                for problem in problems:
                    sys.stdout.write("    %s\n" % problem)
                if not ok:
                    if keep:
                        sys.stdout.write("    output kept: %s\n" % os.path.join(workdir, case["name"], "output.txt"))
                    sys.stdout.write(_tail(os.path.join(workdir, case["name"], "output.txt")))
                sys.stdout.flush()
        finally:
            common.stop_emulator(state_dir)
    failed = [row for row in rows if not row[3]]
    sys.stdout.write("\n%-45s %8s %7s %s\n" % ("case", "seconds", "writes", "result"))
    for name, seconds, writes, ok, _problems in rows:
        sys.stdout.write("%-45s %8.1f %7d %s\n" % (name, seconds, writes, "pass" if ok else "FAIL"))
    sys.stdout.write(
        "\nbad inputs: %d case(s), %d failed, %.0fs\n" % (len(rows), len(failed), time.monotonic() - started)
    )
    return 1 if failed else 0


def _tail(path, lines=15):
    with open(path, encoding="utf-8") as handle:
        text = [line for line in handle.read().splitlines() if "fatal:" in line or "FAILED" in line or "msg" in line]
    return "".join("      | %s\n" % line[:400] for line in text[-lines:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
