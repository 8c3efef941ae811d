# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write an N-region inventory with clusters and a mesh for the cluster role tests.

``cluster_inventory.py PREFIX N OUT KUBECONFIG_DIR [MODE]``: the network plan of
``setup_emulator/files/make_inventory.py`` plus, per region, a Flannel cluster ``PREFIX-ack-<i>``
(one node) and, on the mesh host, the mesh ``PREFIX-mesh``. MODE changes the plan: ``terway`` (the
third region's cluster uses Terway with two pod vSwitches), or one mistake in the second region:
``pod-overlap`` (its Pod CIDR is the first one's), ``mesh-overlap`` (its Service CIDR lies in the
mesh VPC), ``terway-no-pod-vswitches``, ``pod-vswitch-outside`` (a Terway pod vSwitch outside its
VPC), ``no-instance-types``, ``unknown-version`` (a new cluster ``PREFIX-ack-1v`` of a Kubernetes
version no region offers),
``no-mesh-name``; ``unknown-istio`` (a new mesh ``PREFIX-mesh2`` of an Istio version ASM does not
offer).

``--node-counts 4,1``: the node count of each region's cluster in order (default 1 each);
``--no-route-sync``: the network stage makes explicit routes instead of route sync
(``network_auto_publish_routes: false``); ``--base B``: region i gets the VPC (B+i).0.0.0/8 (its
vSwitches and Terway pod vSwitches inside) and the Pod CIDR 10.(B+i).0.0/16 instead of 20+i and
10.i. The emulator's reachability model finds an endpoint by its address alone, so each test
whose Pods it asks about keeps its addresses apart from every other test run against the same
emulator (ack_cluster, for one, uses 20.0.0.0/8 and 10.0.0.0/16).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

MODES = (
    "",
    "terway",
    "pod-overlap",
    "mesh-overlap",
    "terway-no-pod-vswitches",
    "pod-vswitch-outside",
    "no-instance-types",
    "unknown-version",
    "no-mesh-name",
    "unknown-istio",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix")
    parser.add_argument("count", type=int)
    parser.add_argument("out")
    parser.add_argument("kubeconfig_dir")
    parser.add_argument("mode", nargs="?", default="", choices=MODES)
    parser.add_argument("--node-counts", default="")
    parser.add_argument("--no-route-sync", action="store_true")
    parser.add_argument("--base", type=int, default=0)
    args = parser.parse_args()
    prefix, count, out, kubeconfig_dir, mode = args.prefix, args.count, args.out, args.kubeconfig_dir, args.mode
    node_counts = [int(n) for n in args.node_counts.split(",") if n]
    here = os.path.dirname(os.path.abspath(__file__))
    make = os.path.join(here, "..", "setup_emulator", "files", "make_inventory.py")
    subprocess.run([sys.executable, make, prefix, str(count), out], check=True)
    with open(out, encoding="utf-8") as handle:
        inventory = json.load(handle)
    root = inventory["all"]
    root["vars"]["geomesh_node_login_password"] = "Emulator-only-1"
    root["vars"]["geomesh_kubeconfig_dir"] = kubeconfig_dir
    if args.no_route_sync:
        root["vars"]["network_auto_publish_routes"] = False
    regions = root["children"]["regions"]["hosts"]
    for index, (region, host) in enumerate(regions.items()):
        cluster = host["geomesh_cluster"]
        nodes = node_counts[index] if index < len(node_counts) else 1
        cluster.update(
            {"name": "%s-ack-%d" % (prefix, index), "node_count": nodes, "instance_types": ["ecs.g7.xlarge"]}
        )
        if args.base:
            first = args.base + index
            host["geomesh_vpc"]["cidr_block"] = "%d.0.0.0/8" % first
            for vsw in host["geomesh_vswitches"]:
                vsw["cidr_block"] = "%d.%s" % (first, vsw["cidr_block"].split(".", 1)[1])
            cluster["pod_cidr"] = "10.%d.0.0/16" % first
        first = int(host["geomesh_vpc"]["cidr_block"].split(".")[0])
        if (mode == "terway" and index == 2) or (mode == "terway-no-pod-vswitches" and index == 1):
            del cluster["pod_cidr"]
            cluster["network_plugin"] = "terway"
            if mode == "terway":
                cluster["pod_vswitches"] = [
                    {
                        "name": "%s-pods-%s-%d" % (prefix, region, n),
                        "cidr_block": "%d.%d.0.0/16" % (first, 64 + n),
                        "zone_id": vsw["zone_id"],
                    }
                    for n, vsw in enumerate(host["geomesh_vswitches"])
                ]
        if index != 1:
            continue
        if mode == "pod-overlap":
            cluster["pod_cidr"] = "10.0.0.0/16"
        elif mode == "mesh-overlap":
            cluster["service_cidr"] = "192.168.16.0/20"
        elif mode == "pod-vswitch-outside":
            del cluster["pod_cidr"]
            cluster["network_plugin"] = "terway"
            cluster["pod_vswitches"] = [
                {"cidr_block": "99.0.0.0/16", "zone_id": host["geomesh_vswitches"][0]["zone_id"]}
            ]
        elif mode == "no-instance-types":
            cluster["instance_types"] = []
        elif mode == "unknown-version":
            # a new cluster (its region's network may be converged already)
            cluster["name"] += "v"
            cluster["kubernetes_version"] = "1.2.3-aliyun.1"
    mesh = root["children"]["mesh"]["hosts"]["asm-hangzhou"]
    mesh["geomesh_mesh"] = {} if mode == "no-mesh-name" else {"name": "%s-mesh" % prefix}
    if mode == "unknown-istio":
        mesh["geomesh_mesh"] = {"name": "%s-mesh2" % prefix, "istio_version": "v1.0.0.1-g0000000-aliyun"}
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
