# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ask the emulator's routing model what reaches what.

``emulator_reach.py URL PREFIX EXPECTED_VPCS``: every pair of a test's VPCs (named PREFIX*) can
reach each other, with routes in both VPC route tables.

``emulator_reach.py URL pods PREFIX CLUSTERS [--addresses N] [SRC>DST=CODE ...]``: the Pod
addresses of the clusters named PREFIX* (``/_emulator/addresses``: one sample Pod IP per node),
CLUSTERS of them, N addresses in all when given; every Pod address of every cluster against every
Pod address of every other cluster, both directions (``/_emulator/reachability?src=IP&dst=IP``).
Prints the matrix (rows: from, columns: to; clusters named by region; a cell is ``ok`` or the
code of the first failure and its direction). Each ``SRC>DST=CODE`` (regions) says that pair must
fail with that code; every other pair must be reachable. Exit 1 when the matrix is not as said.
"""

from __future__ import annotations

import json
import sys
import urllib.parse
import urllib.request


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode())


def vpcs_main(base, prefix, expected):
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


def parse_expectations(args):
    expected = {}
    for arg in args:
        pair, code = arg.split("=", 1) if "=" in arg else (arg, "")
        src, dst = pair.split(">", 1) if ">" in pair else (pair, "")
        if not (src and dst and code):
            raise SystemExit("an expectation is SRC>DST=CODE, not %r" % arg)
        expected[(src, dst)] = code
    return expected


def pods_main(base, prefix, clusters_wanted, args):
    addresses_wanted = None
    if args[:1] == ["--addresses"]:
        addresses_wanted, args = int(args[1]), args[2:]
    expected = parse_expectations(args)
    pods = [
        a
        for a in get(base + "/_emulator/addresses")
        if a.get("kind") == "pod" and str(a.get("cluster_name") or "").startswith(prefix)
    ]
    by_cluster = {}
    for address in sorted(pods, key=lambda a: (a["cluster_name"], a["ip"])):
        by_cluster.setdefault(address["cluster_name"], []).append(address)
    names = sorted(by_cluster)
    label = {name: by_cluster[name][0].get("region") or name for name in names}
    failures = []
    if len(names) != clusters_wanted:
        failures.append("%d clusters named %s* with Pod addresses, expected %d" % (len(names), prefix, clusters_wanted))
    if addresses_wanted is not None and len(pods) != addresses_wanted:
        failures.append("%d Pod addresses, expected %d" % (len(pods), addresses_wanted))
    unknown = {side for pair in expected for side in pair} - set(label.values())
    if unknown:
        failures.append("expectations name regions without a cluster: %s" % ", ".join(sorted(unknown)))
    cells, details, pairs = {}, [], 0
    for src in names:
        for dst in names:
            if src == dst:
                continue
            codes = set()
            for a in by_cluster[src]:
                for b in by_cluster[dst]:
                    pairs += 1
                    query = urllib.parse.urlencode({"src": a["ip"], "dst": b["ip"]})
                    verdict = get("%s/_emulator/reachability?%s" % (base, query))
                    if verdict.get("reachable"):
                        continue
                    code = "%s(%s)" % (verdict.get("code") or "?", verdict.get("direction") or "?")
                    if code not in codes:
                        details.append(
                            "  %s %s -> %s %s: %s: %s; hops: %s"
                            % (
                                label[src],
                                a["ip"],
                                label[dst],
                                b["ip"],
                                code,
                                verdict.get("reason"),
                                " > ".join(verdict.get("hops") or []),
                            )
                        )
                    codes.add(code)
            cells[(src, dst)] = ", ".join(sorted(codes)) or "ok"
            want = expected.get((label[src], label[dst]))
            got_codes = {c.split("(")[0] for c in codes}
            if want is None and codes:
                failures.append("%s -> %s: expected reachable, got %s" % (label[src], label[dst], cells[(src, dst)]))
            elif want is not None and got_codes != {want}:
                failures.append("%s -> %s: expected %s, got %s" % (label[src], label[dst], want, cells[(src, dst)]))
    width = max([len("from \\ to")] + [len(label[n]) for n in names] + [len(c) for c in cells.values()]) + 2
    out = [
        "Pod reachability, %d clusters %s*, %d Pod addresses, %d address pairs" % (len(names), prefix, len(pods), pairs)
    ]
    out.append("".join(s.ljust(width) for s in ["from \\ to"] + [label[n] for n in names]).rstrip())
    for src in names:
        row = [label[src]] + ["-" if src == dst else cells[(src, dst)] for dst in names]
        out.append("".join(s.ljust(width) for s in row).rstrip())
    out += details
    out += ["FAIL: " + f for f in failures]
    if not failures:
        out.append(
            "as expected: %d directed cluster pairs, %d expected to fail"
            % (len(names) * (len(names) - 1), len(expected))
        )
    sys.stdout.write("\n".join(out) + "\n")
    return 1 if failures else 0


def main() -> int:
    base = sys.argv[1].rstrip("/")
    if sys.argv[2] == "pods":
        return pods_main(base, sys.argv[3], int(sys.argv[4]), sys.argv[5:])
    return vpcs_main(base, sys.argv[2], int(sys.argv[3]))


if __name__ == "__main__":
    sys.exit(main())
