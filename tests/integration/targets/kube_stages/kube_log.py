# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count the emulator's logged calls, the cloud's and the Kubernetes API servers' apart.

``kube_log.py URL`` prints ``<calls> <writes> <k8s calls> <k8s writes>`` over the whole log (the
Kubernetes lines are those of ``"product": "k8s"``; writes are the entries logged ``"write": true``:
create, update, patch and delete not under ``dryRun=All``); ``kube_log.py URL writes N`` prints
``<count> <product> <action>`` for each write among the calls after the first N, sorted.
"""

from __future__ import annotations

import json
import sys
import urllib.request


def main() -> int:
    with urllib.request.urlopen(sys.argv[1].rstrip("/") + "/_emulator/log", timeout=10) as response:
        entries = json.loads(response.read().decode())
    if sys.argv[2:3] == ["writes"]:
        counts = {}
        for entry in entries[int(sys.argv[3]) :]:
            if entry.get("write"):
                key = (entry.get("product") or "", entry.get("action") or "")
                counts[key] = counts.get(key, 0) + 1
        sys.stdout.write("".join("%d %s %s\n" % (counts[key], key[0], key[1]) for key in sorted(counts)))
        return 0
    kube = [entry for entry in entries if entry.get("product") == "k8s"]
    sys.stdout.write(
        "%d %d %d %d\n"
        % (
            len(entries),
            sum(1 for entry in entries if entry.get("write")),
            len(kube),
            sum(1 for entry in kube if entry.get("write")),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
