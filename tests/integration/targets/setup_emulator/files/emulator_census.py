# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count what a network-role run left in the emulator, and fail on any duplicate or orphan.

``emulator_census.py URL PREFIX REGIONS``: the inventory of ``make_inventory.py PREFIX REGIONS``
(REGIONS regions plus the mesh VPC in the first region) must have left exactly one CEN
``PREFIX-cen``, REGIONS + 1 VPCs ``PREFIX-vpc-*`` with two vSwitches each, one transit router
per region, one VPC attachment per VPC, one peer attachment per pair of regions, and one
association and one propagation per attachment and router it touches. Prints one line per kind.
"""

from __future__ import annotations

import json
import sys
import urllib.request


def main() -> int:
    base, prefix, regions = sys.argv[1].rstrip("/"), sys.argv[2], int(sys.argv[3])
    with urllib.request.urlopen(base + "/_emulator/state", timeout=10) as response:
        state = json.loads(response.read().decode())
    cens = [c for c in state.get("cen", []) if c.get("Name") == prefix + "-cen"]
    cen_ids = {c["CenId"] for c in cens}
    vpcs = [v for v in state.get("vpc", []) if (v.get("VpcName") or "").startswith(prefix + "-vpc-")]
    vpc_ids = {v["VpcId"] for v in vpcs}
    vswitches = [s for s in state.get("vswitch", []) if s.get("VpcId") in vpc_ids]
    routers = [t for t in state.get("cbn_transit_router", []) if t.get("CenId") in cen_ids]
    router_ids = {t["TransitRouterId"] for t in routers}
    vpc_attachments = [a for a in state.get("cbn_vpc_attachment", []) if a.get("VpcId") in vpc_ids]
    peers = [a for a in state.get("cbn_peer_attachment", []) if a.get("TransitRouterId") in router_ids]
    attachment_ids = {a["TransitRouterAttachmentId"] for a in vpc_attachments + peers}
    associations = [b for b in state.get("cbn_association", []) if b.get("TransitRouterAttachmentId") in attachment_ids]
    propagations = [b for b in state.get("cbn_propagation", []) if b.get("TransitRouterAttachmentId") in attachment_ids]
    pairs = regions * (regions - 1) // 2
    # every VPC attachment is bound on its own router, every peer attachment on both routers
    bindings = (regions + 1) + 2 * pairs
    expected = {
        "CEN instances": (cens, 1),
        "VPCs": (vpcs, regions + 1),
        "vSwitches": (vswitches, 2 * (regions + 1)),
        "transit routers": (routers, regions),
        "VPC attachments": (vpc_attachments, regions + 1),
        "peer attachments": (peers, pairs),
        "route-table associations": (associations, bindings),
        "route-table propagations": (propagations, bindings),
    }
    failures = 0
    for label, (found, want) in expected.items():
        verdict = "ok" if len(found) == want else "FAIL"
        failures += verdict != "ok"
        sys.stdout.write("%-25s %d (expected %d) %s\n" % (label, len(found), want, verdict))
    # no two VPCs of a name, vSwitches of a CIDR, attachments of a VPC, routers of a region or
    # connections of a router pair
    for label, keys in (
        ("VPCs per name", [v["VpcName"] for v in vpcs]),
        ("vSwitches per VPC and CIDR block", [(s["VpcId"], s["CidrBlock"]) for s in vswitches]),
        ("VPC attachments per VPC", [a["VpcId"] for a in vpc_attachments]),
        ("transit routers per region", [t["RegionId"] for t in routers]),
        (
            "peer attachments per router pair",
            [tuple(sorted((a["TransitRouterId"], a["PeerTransitRouterId"]))) for a in peers],
        ),
    ):
        if len(keys) != len(set(keys)):
            failures += 1
            sys.stdout.write("FAIL: duplicate %s: %s\n" % (label, sorted(keys)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
