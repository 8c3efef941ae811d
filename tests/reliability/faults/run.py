# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults across the whole site: ``faults/run.py [SEED ...]`` (default seeds 1-5).

A fault-free site.yml run (two regions, inventories/local) against an emulator of its own is the
baseline: its census - the cloud resources by kind and the Kubernetes objects by API server and kind.
Then, for each seed, a fresh emulator with 20% throttling (half of them with ``x-acs-retry-after``),
5% 503 before and 5% 503 after the write committed (the caller sees an error for a change that
happened) and 2 s eventual consistency (new resources, deletes and status changes), seeded:
site.yml must converge; then, faults off, the census must equal the baseline's with no two cloud
resources of a kind sharing a name, and a fault-free re-run must report changed=0 and make no write
call (the emulator's request log).

The Kubernetes API servers of the clusters and the mesh get faults too: 5% 429 from the in-flight
limiter (Retry-After 1 s), 2% 500 InternalError, and a 409 Conflict drawn for 20% of updates. The
409 reaches only a conditional update (a PUT, or a patch carrying a resourceVersion); the roles send
none (kubernetes.core's apply and patches carry no resourceVersion, and the API server applies such
a patch to the latest object), so the table counts the 429s and 500s they met.
"""

from __future__ import annotations

import collections
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402  pylint: disable=wrong-import-position

PROFILE = {
    "throttling_pct": 20,
    "server_error_pct": 5,
    "server_error_after_commit_pct": 5,
    "eventual_consistency_s": 2,
    "kube_throttling_pct": 5,
    "kube_retry_after_s": 1,
    "kube_server_error_pct": 2,
    "kube_conflict_pct": 20,
}


def writes(state_dir):
    return sum(1 for entry in common.request_log(state_dir) if entry.get("write"))


def one_run(workdir, label, profile):
    """Run site.yml against a fresh emulator (``profile`` on during the run, if any), take the census,
    re-run without faults. Returns a dict of what was seen."""
    state_dir = os.path.join(workdir, label, "emulator")
    os.makedirs(os.path.dirname(state_dir), exist_ok=True)
    emulator_env = common.start_emulator(state_dir)
    url = "http://" + emulator_env["GEOMESH_ALICLOUD_ENDPOINT"].split("://")[-1].rstrip("/")
    seen = {"label": label}
    try:
        path = common.write_inventory(
            common.base_inventory(),
            os.path.join(workdir, label, "inventory"),
            {
                "geomesh_kubeconfig_dir": os.path.join(workdir, label, "kubeconfig"),
                "geomesh_report_dir": os.path.join(workdir, label, "report"),
            },
        )
        env = common.playbook_env(emulator_env)
        if profile:
            common.control(url, "/_emulator/faults", profile)
        code, output, seconds = common.run_site(path, env)
        common.control(url, "/_emulator/faults", {})
        log = common.request_log(state_dir)
        seen.update(
            code=code,
            seconds=seconds,
            calls=len(log),
            faults=collections.Counter(
                ("kube " if entry.get("product") == "k8s" else "") + entry["fault"]
                for entry in log
                if entry.get("fault")
            ),
            kube_calls=sum(1 for entry in log if entry.get("product") == "k8s"),
            output=output,
        )
        seen["counts"], seen["duplicates"] = common.census(url)
        before = writes(state_dir)
        code2, output2, seconds2 = common.run_site(path, env)
        seen.update(
            rerun_code=code2,
            rerun_seconds=seconds2,
            rerun_changed=common.changed(output2),
            rerun_writes=writes(state_dir) - before,
            rerun_output=output2,
        )
    finally:
        common.stop_emulator(state_dir)
    for name in ("output", "rerun_output"):
        with open(os.path.join(workdir, label, name + ".txt"), "w", encoding="utf-8") as handle:
            handle.write(seen.get(name, ""))
    return seen


def tail(output, lines=25):
    return "".join("  | %s\n" % line[:300] for line in output.splitlines()[-lines:])


def main(argv):
    seeds = [int(seed) for seed in argv] or [1, 2, 3, 4, 5]
    started = time.monotonic()
    keep = os.environ.get("GEOMESH_RELIABILITY_KEEP")
    workdir = keep or tempfile.mkdtemp(prefix="geomesh-faults-")
    problems, rows = [], []
    baseline = one_run(workdir, "baseline", None)
    if baseline["code"] != 0 or baseline["rerun_changed"] or baseline["rerun_writes"]:
        sys.stdout.write(tail(baseline["output"]) + tail(baseline["rerun_output"]))
        problems.append("the fault-free baseline did not converge and re-run unchanged")
    if not any(key.startswith("kube ") for key in baseline["counts"]):
        problems.append("the baseline census holds no Kubernetes object")
    rows.append(baseline)
    sys.stdout.write(
        "baseline: rc %d, %.0fs; census %s\n"
        % (baseline["code"], baseline["seconds"], ", ".join("%s %d" % kv for kv in sorted(baseline["counts"].items())))
    )
    for seed in seeds:
        seen = one_run(workdir, "seed-%d" % seed, dict(PROFILE, seed=seed))
        rows.append(seen)
        mine = []
        if seen["code"] != 0:
            mine.append("site.yml failed under faults (rc %d)" % seen["code"])
            sys.stdout.write(tail(seen["output"]))
        if not any(not name.startswith("kube ") for name in seen["faults"]):
            mine.append("no cloud API fault was injected")
        if not any(name.startswith("kube ") for name in seen["faults"]):
            mine.append("no Kubernetes API fault was injected")
        diff = {
            key: (baseline["counts"].get(key, 0), seen["counts"].get(key, 0))
            for key in set(baseline["counts"]) | set(seen["counts"])
            if baseline["counts"].get(key, 0) != seen["counts"].get(key, 0)
        }
        seen["diff"] = diff
        if diff:
            mine.append(
                "census differs from the baseline: %s"
                % ", ".join("%s %d -> %d" % (key, *counts) for key, counts in sorted(diff.items()))
            )
        if seen["duplicates"]:
            mine.append("duplicates: %s" % "; ".join(seen["duplicates"]))
        if seen["rerun_code"] != 0 or seen["rerun_changed"] or seen["rerun_writes"]:
            mine.append(
                "the fault-free re-run: rc %d, changed=%d, %d write calls"
                % (seen["rerun_code"], seen["rerun_changed"], seen["rerun_writes"])
            )
            sys.stdout.write(tail(seen["rerun_output"]))
        seen["verdict"] = "FAIL" if mine else "pass"
        problems.extend("seed %d: %s" % (seed, problem) for problem in mine)
        sys.stdout.write(
            "seed %d: %s, %.0fs, %d calls, faults %s\n"
            % (seed, seen["verdict"], seen["seconds"], seen["calls"], dict(sorted(seen["faults"].items())))
        )
    sys.stdout.write(
        "\n| run | rc | converge s | calls (kube) | throttled | 503 before | 503 after commit | kube 429 | kube 500 "
        "| census vs baseline | duplicates | re-run changed | re-run writes |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    for row in rows:
        sys.stdout.write(
            "| %s | %d | %.0f | %d (%d) | %d | %d | %d | %d | %d | %s | %d | %d | %d |\n"
            % (
                row["label"],
                row["code"],
                row["seconds"],
                row["calls"],
                row["kube_calls"],
                row["faults"].get("throttling", 0),
                row["faults"].get("server_error", 0),
                row["faults"].get("server_error_after_commit", 0),
                row["faults"].get("kube throttling", 0),
                row["faults"].get("kube server_error", 0),
                "-" if row is baseline else ("equal" if not row.get("diff") else "%d kinds differ" % len(row["diff"])),
                len(row["duplicates"]),
                row["rerun_changed"],
                row["rerun_writes"],
            )
        )
    for problem in problems:
        sys.stdout.write("FAIL: %s\n" % problem)
    if keep:
        sys.stdout.write("kept in %s\n" % workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.write("faults: %s, %.0fs\n" % ("FAIL" if problems else "pass", time.monotonic() - started))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
