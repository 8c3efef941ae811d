# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper (tests/perf only): where a playbook run spends its time, per task.

Enabled with ANSIBLE_CALLBACK_PLUGINS=tests/perf/callback_plugins ANSIBLE_CALLBACKS_ENABLED=task_timing;
writes JSON lines to $GEOMESH_PERF_TIMING: one per task result (task, role, action, host, seconds,
items, status), timed from the runner's start to its result.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_timing
type: aggregate
short_description: per-task result durations as JSON lines (benchmarks only)
description: [Writes one JSON line per task result to the file named by GEOMESH_PERF_TIMING.]
requirements: [GEOMESH_PERF_TIMING in the environment]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_timing"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get("GEOMESH_PERF_TIMING")
        self._started = {}
        self._t0 = time.monotonic()
        self._play = None

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def _write(self, result, status):
        if not self._path:
            return
        task = result._task
        key = (result._host.get_name(), task._uuid)
        started = self._started.pop(key, None)
        now = time.monotonic()
        items = result._result.get("results")
        line = {
            "play": self._play,
            "task": task.get_name(),
            "role": task._role.get_name() if task._role else None,
            "action": task.action,
            "host": result._host.get_name(),
            "start": round(started - self._t0, 3) if started else None,
            "seconds": round(now - started, 3) if started else None,
            "items": len(items) if isinstance(items, list) else None,
            "status": status,
            "changed": bool(result._result.get("changed")),
        }
        with open(self._path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.monotonic()

    def v2_runner_on_ok(self, result):
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable")
