# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count the emulator's logged calls: ``emulator_log.py URL`` prints ``<calls> <writes>``;
``emulator_log.py URL faults`` prints how many of them got an injected fault."""

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
    writes = sum(1 for entry in entries if entry.get("write"))
    sys.stdout.write("%d %d\n" % (len(entries), writes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
