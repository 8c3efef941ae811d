# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set the emulator's fault profile: ``emulator_faults.py URL '{"throttling_pct": 20}'``
(``'{}'`` turns every fault off). Prints the profile the emulator now applies.

With a third argument, set that product's scenario faults instead (tests/emulator/INTERFACE.md,
"Scenario faults"): ``emulator_faults.py URL '{"cluster_task_fail": {"name": "ack-x",
"message": "..."}}' cs``."""

from __future__ import annotations

import json
import sys
import urllib.request


def main() -> int:
    request = urllib.request.Request(
        sys.argv[1].rstrip("/") + "/_emulator/faults" + ("/" + sys.argv[3] if len(sys.argv) > 3 else ""),
        data=json.dumps(json.loads(sys.argv[2])).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        sys.stdout.write(response.read().decode() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
