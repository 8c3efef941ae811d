# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write an N-region inventory (N <= 8, plus the mesh VPC) for the network role tests.

``make_inventory.py PREFIX N OUT [MODE]``: region i gets VPC 2i.0.0.0/8-style ranges. MODE makes
the plan wrong in the second region: ``bad`` (its VPC overlaps the first one's), ``zone-elsewhere``
(a vSwitch in a zone of the first region), ``unknown-region`` (the region cn-atlantis does not
exist), ``unknown-zone`` (a vSwitch in zone cn-shanghai-z, named right but not a real zone).
"""

from __future__ import annotations

import json
import sys

REGIONS = [
    ("cn-hangzhou", ["cn-hangzhou-h", "cn-hangzhou-i"]),
    ("cn-shanghai", ["cn-shanghai-e", "cn-shanghai-f"]),
    ("cn-beijing", ["cn-beijing-h", "cn-beijing-i"]),
    ("cn-shenzhen", ["cn-shenzhen-d", "cn-shenzhen-e"]),
    ("cn-zhangjiakou", ["cn-zhangjiakou-a", "cn-zhangjiakou-b"]),
    ("cn-hongkong", ["cn-hongkong-b", "cn-hongkong-c"]),
    ("ap-southeast-1", ["ap-southeast-1a", "ap-southeast-1b"]),
    ("eu-central-1", ["eu-central-1a", "eu-central-1b"]),
]


def main() -> int:
    prefix, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    mode = sys.argv[4] if len(sys.argv) > 4 else ""
    if mode not in ("", "bad", "zone-elsewhere", "unknown-region", "unknown-zone"):
        sys.exit("unknown mode %r" % mode)
    regions = {}
    for index, (region, zones) in enumerate(REGIONS[:count]):
        first = 20 + index if not (mode == "bad" and index == 1) else 20
        if index == 1 and mode == "zone-elsewhere":
            zones = [REGIONS[0][1][0], zones[1]]
        elif index == 1 and mode == "unknown-region":
            region, zones = "cn-atlantis", ["cn-atlantis-a", "cn-atlantis-b"]
        elif index == 1 and mode == "unknown-zone":
            zones = [zones[0], region + "-z"]
        regions[region] = {
            "geomesh_region": region,
            "geomesh_vpc": {"name": "%s-vpc-%s" % (prefix, region), "cidr_block": "%d.0.0.0/8" % first},
            "geomesh_vswitches": [
                {
                    "name": "%s-vsw-%s-%d" % (prefix, region, n),
                    "cidr_block": "%d.%d.0.0/16" % (first, n),
                    "zone_id": zone,
                }
                for n, zone in enumerate(zones)
            ],
            "geomesh_transit_router_name": "%s-%s-router" % (prefix, region),
            "geomesh_cluster": {"pod_cidr": "10.%d.0.0/16" % index, "service_cidr": "172.%d.0.0/16" % (16 + index)},
        }
    inventory = {
        "all": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "geomesh_cen_name": "%s-cen" % prefix,
                "geomesh_tags": {"test": prefix},
            },
            "children": {
                "regions": {"hosts": regions},
                "mesh": {
                    "hosts": {
                        "asm-hangzhou": {
                            "geomesh_region": "cn-hangzhou",
                            "geomesh_vpc": {"name": "%s-vpc-mesh" % prefix, "cidr_block": "192.168.0.0/16"},
                            "geomesh_vswitches": [
                                {"cidr_block": "192.168.0.0/24", "zone_id": "cn-hangzhou-h"},
                                {"cidr_block": "192.168.1.0/24", "zone_id": "cn-hangzhou-i"},
                            ],
                        }
                    }
                },
            },
        }
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
