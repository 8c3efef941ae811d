# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the whole site (site.yml) for N regions, a converge and a no-op re-run.

    .venv/bin/python tests/perf/site_scaling.py [--regions 2 4 8] [--delay-scale 0.02] [--forks N]

(run after ``make deps sync``; ``make perf`` runs it). For each region count, against an emulator
of its own (no data plane) whose provisioning delays have the real cloud's proportions (the
emulator's ``cloud`` delay profile: an ACK cluster 900 s, a mesh 180 s, an attachment 60 s, a VPC
5 s, times the delay scale), it runs site.yml twice on an inventory of N regions (one cluster of one
node each) and the mesh, and prints a Markdown table per run:

- tasks run (task results that were not skipped, loop items counted once), module runs (loop items
  counted), cloud and Kubernetes API calls (read / write) from the emulator's request log, and
  reads per resource (the resources the emulator holds at the end, Kubernetes objects included);
- wall time, and for the converge its ratio to the critical path: the longest chain of the
  profile's provisioning delays that any plan of this site must wait for (CRITICAL_PATH);
- where the time went: the 8 stages (plays) by wall time, and the module runs by action.

It measures and prints; it asserts nothing (benchmarks measure, tests assert). Ansible's forks are
set to the number of hosts (regions + the mesh host) unless --forks says otherwise.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
TARGETS = TOP / "tests" / "integration" / "targets"
BIN = TOP / ".venv" / "bin"
COLLECTIONS = TOP / ".build" / "collections"
# the synced collection's playbook (make sync): an edit of the working tree during a run changes nothing
SITE = COLLECTIONS / "ansible_collections" / "geomesh" / "alicloud" / "playbooks" / "site.yml"

# The longest chain of provisioning delays a site must wait for, whatever its tasks do: a region's
# VPC, its vSwitch, its cluster (created without nodes), the node pool and its one node, the join to
# the mesh, then the gateway's address and the Pods of Bookinfo (they start together) and the
# geo-LB update of the mesh. Everything else (the mesh itself, 180 s, and the CEN attachments) can
# be built while the clusters are created, so it is off the path.
CRITICAL_PATH = (
    ("vpc_create",),
    ("vswitch_create",),
    ("cluster_create",),
    ("nodepool_create",),
    ("node_join",),
    ("mesh_join",),
    ("kube_gateway_address", "kube_pod_start"),
    ("mesh_update",),
)


def delays(profile: str) -> dict:
    sys.path.insert(0, str(TOP / "tests" / "emulator"))
    from geomesh_emulator.clock import DELAYS, PROFILES  # pylint: disable=import-outside-toplevel

    return {**DELAYS, **PROFILES[profile]}


def critical_path(profile: str, scale: float) -> float:
    table = delays(profile)
    return sum(max(table[name] for name in step) for step in CRITICAL_PATH) * scale


def emulator(command: str, state: Path, *args: str) -> None:
    subprocess.run([str(TOP / "tools" / "emulator.sh"), command, str(state), *args], check=True)


def read_env(state: Path) -> dict:
    env = {}
    for line in (state / "env.sh").read_text(encoding="utf-8").splitlines():
        if line.startswith("export ") and "=" in line:
            key, _eq, value = line[len("export ") :].partition("=")
            env[key] = value
    return env


def inventory(state: Path, regions: int) -> Path:
    path = state / ("site%d.json" % regions)
    subprocess.run(
        [
            str(BIN / "python"),
            str(TARGETS / "cluster_role" / "cluster_inventory.py"),
            "perf%d" % regions,
            str(regions),
            str(path),
            str(state / "kube"),
        ],
        check=True,
    )
    data = json.loads(path.read_text(encoding="utf-8"))
    data["all"]["vars"].update(
        {
            "geomesh_geo_lb": {"mode": "failover", "remote_share": 10},
            "geomesh_report_dir": str(state / "report"),
        }
    )
    for host in data["all"]["children"]["regions"]["hosts"].values():
        host["geomesh_bookinfo"] = {"reviews_versions": ["v1", "v2", "v3"]}
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def request_lines(state: Path, start: int) -> list:
    if not (state / "requests.jsonl").exists():
        return []
    with open(state / "requests.jsonl", encoding="utf-8") as log:
        return [json.loads(line) for line in log.readlines()[start:] if line.strip()]


def resources(url: str) -> int:
    with urllib.request.urlopen(url + "/_emulator/state", timeout=60) as resp:  # noqa: S310  (loopback)
        state = json.load(resp)
    return sum(len(docs or []) for kind, docs in state.items() if kind != "cs_task")


def run_site(state: Path, env: dict, inv: Path, forks: int, label: str) -> dict:
    timing = state / ("%s.timing.jsonl" % label)
    log_start = len(request_lines(state, 0))
    run_env = dict(
        os.environ,
        **env,
        PATH="%s:%s" % (BIN, os.environ.get("PATH", "")),
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        ANSIBLE_CALLBACK_PLUGINS=str(TOP / "tests" / "perf" / "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="task_timing",
        ANSIBLE_FORCE_COLOR="0",
        GEOMESH_PERF_TIMING=str(timing),
    )
    started = time.monotonic()
    with open(state / ("%s.log" % label), "w", encoding="utf-8") as out:
        done = subprocess.run(
            [str(BIN / "ansible-playbook"), "-f", str(forks), "-i", str(inv), str(SITE)],
            env=run_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    wall = time.monotonic() - started
    if done.returncode:
        sys.exit("site.yml (%s) failed: see %s" % (label, state / ("%s.log" % label)))
    calls = request_lines(state, log_start)
    results = [json.loads(line) for line in timing.read_text(encoding="utf-8").splitlines() if line.strip()]
    ran = [r for r in results if r["status"] != "skipped"]
    local = ("ansible.builtin.set_fact", "ansible.builtin.assert", "ansible.builtin.include_tasks")
    local += ("ansible.builtin.include_role", "ansible.builtin.validate_argument_spec", "ansible.builtin.meta")
    local += ("ansible.builtin.debug", "ansible.builtin.fail", "ansible.builtin.import_tasks")
    module_runs = collections.Counter()
    module_seconds = collections.Counter()
    for r in ran:
        if r["action"] not in local:
            module_runs[r["action"]] += r["items"] or 1
            module_seconds[r["action"]] += r["seconds"] or 0.0
    plays = collections.OrderedDict()
    for r in results:
        if r["start"] is None:
            continue
        span = plays.setdefault(r["play"], [r["start"], r["start"]])
        span[0] = min(span[0], r["start"])
        span[1] = max(span[1], r["start"] + r["seconds"])
    return {
        "wall": wall,
        "tasks": len(ran),
        "module_runs": sum(module_runs.values()),
        "cloud": [
            sum(1 for c in calls if c.get("product") != "k8s" and not c.get("write")),
            sum(1 for c in calls if c.get("product") != "k8s" and c.get("write")),
        ],
        "kube": [
            sum(1 for c in calls if c.get("product") == "k8s" and not c.get("write")),
            sum(1 for c in calls if c.get("product") == "k8s" and c.get("write")),
        ],
        "plays": {name: span[1] - span[0] for name, span in plays.items()},
        "module_seconds": dict(module_seconds.most_common(8)),
        "module_runs_by_action": dict(module_runs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--delay-scale", type=float, default=0.02)
    parser.add_argument("--profile", default="cloud")
    parser.add_argument("--forks", type=int, default=0, help="default: one per host")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args()

    path_s = critical_path(args.profile, args.delay_scale)
    figures = {}
    for regions in args.regions:
        state = TOP / ".build" / ("perf-site-%d" % regions)
        shutil.rmtree(state, ignore_errors=True)
        emulator(
            "start", state, "--delay-scale", str(args.delay_scale), "--delay-profile", args.profile, "--no-dataplane"
        )
        try:
            env = read_env(state)
            inv = inventory(state, regions)
            forks = args.forks or regions + 1
            converge = run_site(state, env, inv, forks, "converge")
            noop = run_site(state, env, inv, forks, "no-op")
            noop["resources"] = converge["resources"] = resources("http://" + env["GEOMESH_ALICLOUD_ENDPOINT"])
        finally:
            emulator("stop", state)
        figures[regions] = {"converge": converge, "no-op": noop}
        print("%d regions: converge %.1f s, no-op %.1f s" % (regions, converge["wall"], noop["wall"]), flush=True)

    base = min(figures)
    print()
    print(
        "delay profile %s x %.3g: critical path %.1f s; forks: %s"
        % (args.profile, args.delay_scale, path_s, args.forks or "one per host")
    )
    print()
    print(
        "| regions | run | wall s | vs %d regions | vs critical path | tasks run | module runs "
        "| cloud calls read / write | kube calls read / write | resources | reads per resource |" % base
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for regions, runs in figures.items():
        for label, f in runs.items():
            reads = f["cloud"][0] + f["kube"][0]
            print(
                "| %d | %s | %.1f | %.2fx | %s | %d | %d | %d / %d | %d / %d | %d | %.2f |"
                % (
                    regions,
                    label,
                    f["wall"],
                    f["wall"] / figures[base][label]["wall"],
                    "%.2fx" % (f["wall"] / path_s) if label == "converge" else "",
                    f["tasks"],
                    f["module_runs"],
                    f["cloud"][0],
                    f["cloud"][1],
                    f["kube"][0],
                    f["kube"][1],
                    f["resources"],
                    reads / max(1, f["resources"]),
                )
            )
    for regions, runs in figures.items():
        for label, f in runs.items():
            print()
            print(
                "%d regions, %s: stages (wall s): %s"
                % (regions, label, "; ".join("%s %.1f" % (name.split(" - ")[0], s) for name, s in f["plays"].items()))
            )
            print(
                "  module seconds (summed over hosts), the largest: %s"
                % "; ".join(
                    "%s %.1f (%d runs)" % (a.split(".")[-1], s, f["module_runs_by_action"][a])
                    for a, s in f["module_seconds"].items()
                )
            )
    if args.json:
        Path(args.json).write_text(json.dumps({"critical_path_s": path_s, "figures": figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
