# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ask the emulator's routing model whether every pair of a test's VPCs can reach each other,
with routes in both VPC route tables: ``emulator_reach.py URL PREFIX EXPECTED_VPCS``."""

from __future__ import annotations

import json
import sys
import urllib.request


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode())


def main() -> int:
    base, prefix, expected = sys.argv[1].rstrip("/"), sys.argv[2], int(sys.argv[3])
    vpcs = sorted(v["VpcId"] for v in get(base + "/_emulator/state").get("vpc", []) if v["VpcName"].startswith(prefix))
    if len(vpcs) != expected:
        sys.stdout.write("FAIL: %d VPCs named %s-*, expected %d\n" % (len(vpcs), prefix, expected))
        return 1
    failures = 0
    for src in vpcs:
        for dst in vpcs:
            if src == dst:
                continue
            verdict = get("%s/_emulator/reachability?src=%s&dst=%s&require_vpc_routes=true" % (base, src, dst))
            if not verdict["reachable"]:
                failures += 1
                sys.stdout.write("FAIL: %s -> %s: %s\n" % (src, dst, verdict["reason"]))
    sys.stdout.write("%d VPCs, %d directed pairs reachable\n" % (len(vpcs), len(vpcs) * (len(vpcs) - 1) - failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
