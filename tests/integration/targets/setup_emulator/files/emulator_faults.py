# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set the emulator's fault profile: ``emulator_faults.py URL '{"throttling_pct": 20}'``
(``'{}'`` turns every fault off). Prints the profile the emulator now applies."""

from __future__ import annotations

import json
import sys
import urllib.request


def main() -> int:
    request = urllib.request.Request(
        sys.argv[1].rstrip("/") + "/_emulator/faults",
        data=json.dumps(json.loads(sys.argv[2])).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        sys.stdout.write(response.read().decode() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
