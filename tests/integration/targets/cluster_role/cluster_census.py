# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count what the cluster and cluster_join roles left in the emulator; fail on any duplicate,
orphan or missing piece.

``cluster_census.py URL INVENTORY [KEPT_CIDR]``: for the inventory of ``cluster_inventory.py``: exactly one
cluster per region host (by name, in its region and VPC), exactly one mesh ``PREFIX-mesh`` with
every cluster joined, each Terway pod vSwitch once, and on every cluster's security group exactly
one ``geomesh:peer-pods:`` rule per Pod range of every other cluster (protocol all, accept) and no
such rule for its own Pods; with KEPT_CIDR, a rule of another origin admitting it is still on a
cluster's group. Prints one line per check.
"""

from __future__ import annotations

import json
import sys
import urllib.request

MARKER = "geomesh:peer-pods:"


def pod_ranges(cluster):
    if cluster.get("network_plugin") == "terway":
        return sorted(v["cidr_block"] for v in cluster.get("pod_vswitches") or [])
    return [cluster["pod_cidr"]]


def main() -> int:
    base, inventory_path = sys.argv[1].rstrip("/"), sys.argv[2]
    kept = sys.argv[3] if len(sys.argv) > 3 else None
    with open(inventory_path, encoding="utf-8") as handle:
        root = json.load(handle)["all"]
    with urllib.request.urlopen(base + "/_emulator/state", timeout=10) as response:
        state = json.loads(response.read().decode())
    regions = root["children"]["regions"]["hosts"]
    mesh_host = root["children"]["mesh"]["hosts"]["asm-hangzhou"]
    failures = []

    def check(label, ok, detail=""):
        sys.stdout.write("%-60s %s %s\n" % (label, "ok" if ok else "FAIL", detail))
        if not ok:
            failures.append(label)

    vpcs = {v["VpcName"]: v for v in state.get("vpc", [])}
    groups = {g["SecurityGroupId"]: g for g in state.get("security_group", [])}
    clusters = {}
    for region, host in regions.items():
        plan = host["geomesh_cluster"]
        vpc = vpcs.get(host["geomesh_vpc"]["name"]) or {}
        found = [
            c
            for c in state.get("cs_cluster", [])
            if c.get("name") == plan["name"] and c.get("state") not in ("deleting", "deleted")
        ]
        check("cluster %s: exactly one" % plan["name"], len(found) == 1, "(%d)" % len(found))
        if len(found) != 1:
            continue
        cluster = found[0]
        clusters[region] = cluster
        check(
            "cluster %s: in %s and its VPC, running" % (plan["name"], region),
            cluster.get("region_id") == region
            and cluster.get("vpc_id") == vpc.get("VpcId")
            and cluster.get("state") == "running",
            "(%s, %s, %s)" % (cluster.get("region_id"), cluster.get("vpc_id"), cluster.get("state")),
        )
        for vsw in plan.get("pod_vswitches") or []:
            same = [
                s
                for s in state.get("vswitch", [])
                if s.get("VpcId") == vpc.get("VpcId") and s.get("CidrBlock") == vsw["cidr_block"]
            ]
            check("pod vSwitch %s of %s: exactly one" % (vsw["cidr_block"], plan["name"]), len(same) == 1)
    others = []
    for region, cluster in clusters.items():
        name = regions[region]["geomesh_cluster"]["name"]
        group = groups.get(cluster.get("security_group_id")) or {}
        rules = [r for r in group.get("Permissions", []) if (r.get("Description") or "").startswith(MARKER)]
        others += [r for r in group.get("Permissions", []) if r not in rules]
        want = sorted(
            cidr for peer, host in regions.items() if peer != region for cidr in pod_ranges(host["geomesh_cluster"])
        )
        got = sorted(r.get("SourceCidrIp") for r in rules)
        check(
            "security group of %s: one rule per peer Pod range" % name, got == want, "(%s, expected %s)" % (got, want)
        )
        check(
            "security group of %s: the rules admit all protocols" % name,
            all(str(r.get("IpProtocol")).lower() == "all" and str(r.get("Policy")).lower() == "accept" for r in rules),
        )
    if kept:
        check(
            "the rule admitting %s made by someone else is kept" % kept,
            any(r.get("SourceCidrIp") == kept for r in others),
        )
    mesh_name = (mesh_host.get("geomesh_mesh") or {}).get("name")
    meshes = [
        m
        for m in state.get("asm_mesh", [])
        if m.get("Name") == mesh_name and m.get("State") not in ("deleting", "deleted")
    ]
    check("mesh %s: exactly one" % mesh_name, len(meshes) == 1, "(%d)" % len(meshes))
    if len(meshes) == 1:
        mesh = meshes[0]
        mesh_vpc = (vpcs.get(mesh_host["geomesh_vpc"]["name"]) or {}).get("VpcId")
        check("mesh %s: in the mesh VPC" % mesh_name, mesh.get("VpcId") == mesh_vpc)
        # the emulator folds due membership changes into Clusters when it is read through the API
        joined = list(mesh.get("Clusters") or [])
        for change in mesh.get("_pending") or []:
            if change.get("Op") == "add":
                joined.append(change.get("ClusterId"))
            else:
                joined = [c for c in joined if c != change.get("ClusterId")]
        joined = sorted(joined)
        want = sorted(c["cluster_id"] for c in clusters.values())
        check("mesh %s: every cluster joined, none twice" % mesh_name, joined == want, "(%s)" % joined)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
