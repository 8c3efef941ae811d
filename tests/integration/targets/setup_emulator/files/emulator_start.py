# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start a local emulator for an integration target run on its own:
``emulator_start.py STATE_DIR DELAY_SCALE COLLECTIONS_PATH...``.

Finds the emulator package in the collection (``tests/emulator`` of geomesh.alicloud under one
of the collection paths), starts it in the background on a free loopback port, tied to the
ansible-playbook process that runs this script (it stops when that process exits, even after a
failed play; ``EMULATOR_WATCH_PID`` names another process, e.g. a runme.sh shell), and prints
the connection settings as JSON, with the names of ansible-test's integration_config.yml plus
``emulator_pythonpath``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def emulator_root(paths):
    for base in paths:
        for root in (base, os.path.join(base, "ansible_collections")):
            candidate = os.path.join(root, "geomesh", "alicloud", "tests", "emulator")
            if os.path.isfile(os.path.join(candidate, "geomesh_emulator", "__main__.py")):
                return candidate
    return None


def playbook_pid():
    """The ansible-playbook process above this one, or None. Its task workers are forks that
    share its command line, so this is the outermost of the consecutive ansible-playbook
    ancestors."""
    found = None
    pid = os.getppid()
    while pid > 1:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                is_playbook = b"ansible-playbook" in handle.read()
            with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return found
        if is_playbook:
            found = pid
        elif found is not None:
            return found
        pid = parent
    return found


def main() -> int:
    state_dir, delay_scale, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    root = emulator_root(paths)
    if root is None:
        sys.stderr.write("geomesh.alicloud's tests/emulator not found under %s\n" % ", ".join(paths))
        return 1
    cmd = [sys.executable, "-m", "geomesh_emulator", "start", "--state-dir", state_dir, "--port", "0", "--daemon"]
    cmd += ["--delay-scale", delay_scale]
    watched = int(os.environ.get("EMULATOR_WATCH_PID") or 0) or playbook_pid()
    if watched:
        cmd += ["--exit-with-pid", str(watched)]
    env = dict(os.environ, PYTHONPATH=root)
    started = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    if started.returncode != 0:
        sys.stderr.write(started.stderr)
        return started.returncode
    with open(os.path.join(state_dir, "env.json"), encoding="utf-8") as handle:
        found = json.load(handle)
    endpoint = found["GEOMESH_ALICLOUD_ENDPOINT"]
    config = {
        "alicloud_endpoint": endpoint,
        "alicloud_protocol": found.get("GEOMESH_ALICLOUD_PROTOCOL", "http"),
        "alicloud_access_key": found["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        "alicloud_secret_key": found["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        "emulator_url": "http://" + endpoint,
        "emulator_state_dir": state_dir,
        "emulator_pythonpath": root,
        "emulator_watched_pid": watched or 0,
    }
    sys.stdout.write(json.dumps(config) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
