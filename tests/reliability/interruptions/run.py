# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interruptions: ``interruptions/run.py [--points N] [--seed S]``.

A fault-free site.yml run (two regions, inventories/local) against an emulator of its own is the
baseline: its census (as in faults/run.py) and the order in which its write actions first appear in
the request log (cloud actions such as CreateVpc, and Kubernetes writes such as ``create
deployments``). The kill points are N of those actions (default 14), seeded, always including the
first write action of every stage that writes first (network, the mesh started early, clusters, node
pools, the mesh join, the gateway, Bookinfo, geo-LB) and the inter-region connection's create, in the
order they first appear.

On a second emulator, site.yml is started again and again: each run is killed with SIGKILL -
ansible-playbook and every process below it, its workers (each in a session of its own) and the
modules (``common.kill_run``) - as soon as the request log
shows the next kill point's action made by this run; then the next run resumes (a point whose action
an earlier, killed run already made - hosts run in parallel, so the order can differ from the
baseline's - is skipped; at least 10 kills must happen). After the last kill,
a run to the end must converge, the census must equal the baseline's with no two cloud resources of
a kind sharing a name, and a re-run must report changed=0 with no write call.

Then teardown.yml the same way, killed at each of its first 3 delete actions (from the order a
teardown of the baseline's emulator makes them), and run to the end: the emulator must hold no cloud
resource of the run any more (the census of tests/integration/targets/runbook/census.py).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402  pylint: disable=wrong-import-position

TEARDOWN = os.path.join(common.COLL, "playbooks", "teardown.yml")
# the first write action of each stage that writes, and the inter-region connection (started as an async job,
# awaited by a later task: the kill lands between the two); a kill point always includes them
STAGE_FIRST = (
    "CreateCen",
    "CreateVpc",
    "CreateTransitRouterPeerAttachment",
    "CreateServiceMesh",
    "CreateCluster",
    "CreateClusterNodePool",
    "AddClusterIntoServiceMesh",
    "UpdateMeshFeature",
)
KUBE_STAGE_WORDS = ("istiogateways", "deployments", "destinationrules")


def write_actions(state_dir, since=0):
    return [entry.get("action") for entry in common.request_log(state_dir)[since:] if entry.get("write")]


def first_appearances(actions):
    seen = []
    for action in actions:
        if action not in seen:
            seen.append(action)
    return seen


def pick_points(order, count, seed):
    """``count`` actions of ``order``, in its order: every stage's first one, the rest seeded."""
    must = [a for a in order if a in STAGE_FIRST]
    for word in KUBE_STAGE_WORDS:
        first = next((a for a in order if word in str(a)), None)
        if first and first not in must:
            must.append(first)
    rest = [a for a in order if a not in must]
    extra = random.Random(seed).sample(rest, max(0, min(len(rest), count - len(must))))
    chosen = set(must) | set(extra)
    return [a for a in order if a in chosen]


def run_until(playbook, inventory, env, state_dir, action, timeout=1800):
    """Run ``playbook``; SIGKILL it, every process below it included (``common.kill_run``), once this run
    made a write of ``action`` (None: run to the end). Returns ``(killed, returncode, output, seconds)``."""
    since = len(common.request_log(state_dir))
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [os.path.join(common.BIN, "ansible-playbook"), "-i", inventory, playbook],
            cwd=common.COLL,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        killed = False
        while proc.poll() is None:
            if time.monotonic() - started > timeout:
                common.kill_run(proc.pid)
                break
            if action and action in write_actions(state_dir, since):
                common.kill_run(proc.pid)
                killed = True
                # requests the killed run had in flight land in the log now, not in the next run's part
                time.sleep(2)
                break
            time.sleep(0.2)
        proc.wait()
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    return killed, proc.returncode, output, time.monotonic() - started


def cloud_left(url):
    sys.path.insert(0, os.path.join(common.TOP, "tests", "integration", "targets", "runbook"))
    from census import not_a_resource  # pylint: disable=import-outside-toplevel

    state = common.control(url, "/_emulator/state")
    live = {c.get("cluster_id") for c in state.get("cs_cluster", [])} | {
        m.get("ServiceMeshId") for m in state.get("asm_mesh", [])
    }
    return {
        kind: len([doc for doc in docs if not not_a_resource(kind, doc, state, live)])
        for kind, docs in state.items()
        if any(not not_a_resource(kind, doc, state, live) for doc in docs)
    }


def tail(output, lines=20):
    return "".join("  | %s\n" % line[:300] for line in output.splitlines()[-lines:])


def emulator(workdir, label):
    state_dir = os.path.join(workdir, label, "emulator")
    os.makedirs(os.path.dirname(state_dir), exist_ok=True)
    env = common.start_emulator(state_dir)
    url = "http://" + env["GEOMESH_ALICLOUD_ENDPOINT"].split("://")[-1].rstrip("/")
    inventory = common.write_inventory(
        common.base_inventory(),
        os.path.join(workdir, label, "inventory"),
        {
            "geomesh_kubeconfig_dir": os.path.join(workdir, label, "kubeconfig"),
            "geomesh_report_dir": os.path.join(workdir, label, "report"),
        },
    )
    return state_dir, url, inventory, common.playbook_env(env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=14)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.monotonic()
    problems, rows = [], []
    with tempfile.TemporaryDirectory(prefix="geomesh-kills-") as workdir:
        # the baseline: a converge, its census and write order; a teardown, its delete order
        state_dir, url, inventory, env = emulator(workdir, "baseline")
        try:
            code, output, seconds = common.run_site(inventory, env)
            if code != 0:
                sys.stdout.write(tail(output))
                sys.exit("FAIL: the fault-free baseline failed (rc %d)" % code)
            order = first_appearances(write_actions(state_dir))
            base_counts, _dups = common.census(url)
            mark = len(common.request_log(state_dir))
            _killed, code, output, _seconds = run_until(TEARDOWN, inventory, env, state_dir, None)
            if code != 0:
                sys.stdout.write(tail(output))
                sys.exit("FAIL: the baseline's teardown failed (rc %d)" % code)
            teardown_order = first_appearances(write_actions(state_dir, mark))
        finally:
            common.stop_emulator(state_dir)
        points = pick_points(order, args.points, args.seed)
        sys.stdout.write(
            "baseline: converge %.0fs, %d write actions; kill points (%d): %s\n"
            % (seconds, len(order), len(points), ", ".join(points))
        )

        state_dir, url, inventory, env = emulator(workdir, "killed")
        try:
            for action in points:
                if action in write_actions(state_dir):
                    # the runs run their hosts in parallel: an action can come earlier than in the baseline
                    sys.stdout.write("site.yml: %s was made by an earlier, killed run; skipped\n" % action)
                    continue
                killed, code, output, seconds = run_until(common.SITE, inventory, env, state_dir, action)
                rows.append(("site.yml", action, killed, seconds))
                sys.stdout.write("site.yml killed at %s: %s after %.0fs\n" % (action, killed, seconds))
                if not killed:
                    problems.append("site.yml was not killed at %s (rc %d): the run did not reach it" % (action, code))
                    sys.stdout.write(tail(output))
            _killed, code, output, seconds = run_until(common.SITE, inventory, env, state_dir, None)
            sys.stdout.write("site.yml to the end: rc %d, %.0fs\n" % (code, seconds))
            if code != 0:
                problems.append("site.yml after the kills failed (rc %d)" % code)
                sys.stdout.write(tail(output))
            counts, duplicates = common.census(url)
            diff = {
                key: (base_counts.get(key, 0), counts.get(key, 0))
                for key in set(base_counts) | set(counts)
                if base_counts.get(key, 0) != counts.get(key, 0)
            }
            if diff:
                problems.append(
                    "the census differs from the baseline: %s"
                    % ", ".join("%s %d -> %d" % (key, *pair) for key, pair in sorted(diff.items()))
                )
            if duplicates:
                problems.append("duplicates: %s" % "; ".join(duplicates))
            mark = sum(1 for entry in common.request_log(state_dir) if entry.get("write"))
            _killed, code, output, seconds = run_until(common.SITE, inventory, env, state_dir, None)
            rerun_writes = sum(1 for entry in common.request_log(state_dir) if entry.get("write")) - mark
            sys.stdout.write(
                "re-run: rc %d, changed=%d, %d write calls, %.0fs\n"
                % (code, common.changed(output), rerun_writes, seconds)
            )
            if code != 0 or common.changed(output) or rerun_writes:
                problems.append(
                    "the re-run: rc %d, changed=%d, %d write calls" % (code, common.changed(output), rerun_writes)
                )

            mark = len(common.request_log(state_dir))
            for action in teardown_order[:3]:
                if action in write_actions(state_dir, mark):
                    sys.stdout.write("teardown.yml: %s was made by an earlier, killed run; skipped\n" % action)
                    continue
                killed, code, output, seconds = run_until(TEARDOWN, inventory, env, state_dir, action)
                rows.append(("teardown.yml", action, killed, seconds))
                sys.stdout.write("teardown.yml killed at %s: %s after %.0fs\n" % (action, killed, seconds))
                if not killed:
                    problems.append("teardown.yml was not killed at %s (rc %d)" % (action, code))
                    sys.stdout.write(tail(output))
            _killed, code, output, seconds = run_until(TEARDOWN, inventory, env, state_dir, None)
            sys.stdout.write("teardown.yml to the end: rc %d, %.0fs\n" % (code, seconds))
            if code != 0:
                problems.append("teardown.yml after the kills failed (rc %d)" % code)
                sys.stdout.write(tail(output))
            left = cloud_left(url)
            sys.stdout.write("left after the teardown: %s\n" % (left or "nothing"))
            if left:
                problems.append("the teardown left %s" % left)
        finally:
            common.stop_emulator(state_dir)
    sys.stdout.write("\n| playbook | killed at the first write of | killed | seconds |\n|---|---|---|---|\n")
    sys.stdout.write("".join("| %s | %s | %s | %.0f |\n" % row for row in rows))
    kills = sum(1 for row in rows if row[2])
    if kills < 10:
        problems.append("only %d kill points were reached (at least 10)" % kills)
    for problem in problems:
        sys.stdout.write("FAIL: %s\n" % problem)
    sys.stdout.write("interruptions: %s, %.0fs\n" % ("FAIL" if problems else "pass", time.monotonic() - started))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
