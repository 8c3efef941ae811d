# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count the emulator's logged calls: ``emulator_log.py URL`` prints ``<calls> <writes>``;
``emulator_log.py URL faults`` prints how many of them got an injected fault;
``emulator_log.py URL actions N`` prints ``<count> <action>`` for each write action among the
calls after the first N (N from an earlier ``<calls>``), one line each, sorted by action;
``emulator_log.py URL actions N ACTION`` prints how many calls of ACTION (read or write) follow
the first N."""

from __future__ import annotations

import json
import sys
import urllib.request


def main() -> int:
    with urllib.request.urlopen(sys.argv[1].rstrip("/") + "/_emulator/log", timeout=10) as response:
        entries = json.loads(response.read().decode())
    if sys.argv[2:] == ["faults"]:
        sys.stdout.write("%d\n" % sum(1 for entry in entries if entry.get("fault")))
        return 0
    if sys.argv[2:3] == ["actions"]:
        since = entries[int(sys.argv[3]) :]
        if len(sys.argv) > 4:
            sys.stdout.write("%d\n" % sum(1 for entry in since if entry.get("action") == sys.argv[4]))
            return 0
        counts = {}
        for entry in since:
            if entry.get("write"):
                counts[entry.get("action")] = counts.get(entry.get("action"), 0) + 1
        sys.stdout.write("".join("%d %s\n" % (counts[action], action) for action in sorted(counts)))
        return 0
    writes = sum(1 for entry in entries if entry.get("write"))
    sys.stdout.write("%d %d\n" % (len(entries), writes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
