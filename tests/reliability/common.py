# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared helpers of the reliability suites: the repository paths, an emulator of the suite's own,
the base inventory (inventories/local) copied into a directory, the emulator's request log, the census
of what the emulator holds (cloud resources by kind, Kubernetes objects by API server and kind)."""

from __future__ import annotations

import collections
import copy
import json
import os
import re
import signal
import subprocess
import time
import urllib.request

import yaml

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLL = os.path.join(TOP, ".build", "collections", "ansible_collections", "geomesh", "alicloud")
SITE = os.path.join(COLL, "playbooks", "site.yml")
BIN = os.path.join(TOP, ".venv", "bin")
AUTH_CODES = ("SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeyId", "InvalidSecurityToken")


def start_emulator(state_dir: str, *extra: str) -> dict:
    """Start an emulator in ``state_dir`` (no dataplane, small delay scale); return its env."""
    subprocess.run(
        [os.path.join(TOP, "tools", "emulator.sh"), "start", state_dir, "--delay-scale", "0.02", "--no-dataplane"]
        + list(extra),
        check=True,
    )
    with open(os.path.join(state_dir, "env.json"), encoding="utf-8") as handle:
        return json.load(handle)


def kill_run(pid: int) -> None:
    """SIGKILL a run started in a session of its own as a crash would: the process group of ``pid`` and
    every process below it. ansible-core's workers call setsid() (``WorkerProcess._detach``), so each
    leads a session of its own: a kill of the playbook's process group alone leaves the workers, and the
    module each runs, going (and then blocked for ever on their result pipes). The tree is stopped first,
    so nothing forks past the walk. An async job's wrapper daemonizes (its parent is init): it is no
    process below ``pid`` and goes on, as it would after the controller died."""
    seen, todo = [], [pid]
    while todo:
        current = todo.pop(0)
        seen.append(current)
        _signal(current, signal.SIGSTOP)
        listed = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(current)], capture_output=True, text=True, check=False
        )
        todo.extend(int(child) for child in listed.stdout.split())
    for target in seen:
        _signal(target, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    """Signal ``pid``'s process group if it leads one, else ``pid``; a process already gone is fine."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def stop_emulator(state_dir: str) -> None:
    subprocess.run([os.path.join(TOP, "tools", "emulator.sh"), "stop", state_dir], check=False)


def request_log(state_dir: str) -> list:
    path = os.path.join(state_dir, "requests.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def base_inventory() -> dict:
    """``{'hosts': <hosts.yml>, 'vars': <group_vars/all.yml>}`` of inventories/local."""
    with open(os.path.join(TOP, "inventories", "local", "hosts.yml"), encoding="utf-8") as handle:
        hosts = yaml.safe_load(handle)
    with open(os.path.join(TOP, "inventories", "local", "group_vars", "all.yml"), encoding="utf-8") as handle:
        group_vars = yaml.safe_load(handle)
    return {"hosts": hosts, "vars": group_vars}


def write_inventory(inventory: dict, directory: str, extra_vars: dict) -> str:
    """Write the inventory (hosts.yml + group_vars/all.yml, with ``extra_vars`` over the group vars)
    into ``directory``; return the hosts.yml path."""
    os.makedirs(os.path.join(directory, "group_vars"), exist_ok=True)
    group_vars = copy.deepcopy(inventory["vars"])
    group_vars.update(extra_vars)
    with open(os.path.join(directory, "group_vars", "all.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(group_vars, handle, default_flow_style=False)
    path = os.path.join(directory, "hosts.yml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(inventory["hosts"], handle, default_flow_style=False)
    return path


def playbook_env(emulator_env: dict) -> dict:
    env = dict(os.environ)
    env.update(emulator_env)
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": os.path.join(TOP, ".build", "collections"),
            "PATH": BIN + os.pathsep + env.get("PATH", ""),
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
        }
    )
    return env


def run_site(inventory_path: str, env: dict, *args: str, timeout: int = 1800) -> tuple:
    """Run site.yml; return (returncode, output, seconds)."""
    started = time.monotonic()
    proc = subprocess.run(
        [os.path.join(BIN, "ansible-playbook"), "-i", inventory_path, SITE] + list(args),
        cwd=COLL,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return proc.returncode, proc.stdout, time.monotonic() - started


# records that are no resource of an API (ACK's task history) and Kubernetes objects that the
# emulator's controllers make at their own pace (their number follows timing, not the run's calls)
NOT_COUNTED = {"cs_task"}
KUBE_GENERATED = {"Event", "Pod", "ReplicaSet", "Endpoints", "EndpointSlice", "Lease", "ControllerRevision"}
# the name field of each cloud kind that has one: no two resources of a kind may share it
NAME_FIELDS = ("Name", "VpcName", "VSwitchName", "TransitRouterName", "TransitRouterAttachmentName", "name")


def control(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url + path, data=data, headers={"Content-Type": "application/json"}, method="GET" if body is None else "POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  (loopback)
        return json.load(response)


def census(url):
    """``(counts, duplicates)``: counts by ``cloud <kind>`` and ``kube <server> <kind>``, where a server is
    ``mesh`` or the region of its cluster; duplicates are cloud names held by more than one resource."""
    state = control(url, "/_emulator/state")
    servers = {c.get("cluster_id"): "cluster/%s" % c.get("region_id") for c in state.get("cs_cluster", [])}
    servers.update({m.get("ServiceMeshId"): "mesh" for m in state.get("asm_mesh", [])})
    counts, duplicates = collections.Counter(), []
    for kind, docs in state.items():
        if kind in NOT_COUNTED:
            continue
        if kind.startswith("k8s/"):
            server = servers.get(kind[len("k8s/") :])
            if server is None:
                continue  # the objects of an API server whose cluster or mesh is gone
            for doc in docs:
                obj = doc.get("object", doc)
                if obj.get("kind") not in KUBE_GENERATED:
                    counts["kube %s %s" % (server, obj.get("kind"))] += 1
            continue
        counts["cloud %s" % kind] += len(docs)
        for field in NAME_FIELDS:
            names = collections.Counter(
                (doc.get("RegionId") or doc.get("region_id"), doc[field]) for doc in docs if doc.get(field)
            )
            duplicates.extend("%s %s %r x%d" % (kind, field, key, n) for key, n in names.items() if n > 1)
            if names:
                break
    return counts, duplicates


def changed(output):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", output))
