# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared helpers of the reliability suites: the repository paths, an emulator of the suite's own,
the base inventory (inventories/local) copied into a directory, the emulator's request log."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import time

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
