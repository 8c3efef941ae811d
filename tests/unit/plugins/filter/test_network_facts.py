# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.geomesh.alicloud.plugins.filter.network_facts import (
    FilterModule,
    network_peer_attachment_ids,
    network_peer_bindings,
    network_peer_routes,
    network_peerings,
    network_vswitch_ids_by_zone,
    network_zone_mappings,
)

VSWITCH_RESULTS = {
    "results": [
        {"item": {}, "vswitch": {"vswitch_id": "vsw-2", "zone_id": "cn-hangzhou-i", "cidr_block": "20.1.0.0/16"}},
        {"item": {}, "vswitch": {"vswitch_id": "vsw-1", "zone_id": "cn-hangzhou-h", "cidr_block": "20.0.0.0/16"}},
        {"item": {}, "vswitch": {"vswitch_id": "vsw-3", "zone_id": "cn-hangzhou-h", "cidr_block": "20.2.0.0/16"}},
        {"item": {}, "skipped": True},
    ]
}


def test_zone_mappings_take_the_first_vswitch_of_each_zone():
    assert network_zone_mappings(VSWITCH_RESULTS) == [
        {"vswitch_id": "vsw-1", "zone_id": "cn-hangzhou-h"},
        {"vswitch_id": "vsw-2", "zone_id": "cn-hangzhou-i"},
    ]
    assert network_zone_mappings(VSWITCH_RESULTS["results"]) == network_zone_mappings(VSWITCH_RESULTS)


def test_vswitch_ids_by_zone():
    assert network_vswitch_ids_by_zone(VSWITCH_RESULTS) == {
        "cn-hangzhou-i": ["vsw-2"],
        "cn-hangzhou-h": ["vsw-1", "vsw-3"],
    }
    # a host without a VPC: the vSwitch loop was skipped or empty
    assert network_vswitch_ids_by_zone({"skipped": True, "results": []}) == {}


def hostvars_of(*regions, without_router=()):
    hostvars = {}
    for index, region in enumerate(regions):
        host = "host%d" % index
        hostvars[host] = {"network_plan_entry": {"region": region}}
        if host not in without_router:
            hostvars[host]["network_transit_router_id"] = "tr-%d" % index
            hostvars[host]["network_route_table_id"] = "vtb-%d" % index
    return hostvars


def test_peerings_of_regions_that_are_all_up():
    hostvars = hostvars_of("cn-hangzhou", "cn-shanghai", "cn-beijing")
    peering = network_peerings(list(hostvars), list(hostvars) + ["mesh"], hostvars)
    assert peering["failed"] == [] and peering["skipped"] == [] and peering["message"] == ""
    assert [c["name"] for c in peering["connections"]] == [
        "cn-hangzhou-to-cn-shanghai",
        "cn-hangzhou-to-cn-beijing",
        "cn-shanghai-to-cn-beijing",
    ]
    assert peering["connections"][2] == {
        "name": "cn-shanghai-to-cn-beijing",
        "owner": "host1",
        "hosts": ["host1", "host2"],
        "regions": ["cn-shanghai", "cn-beijing"],
        "transit_router_ids": ["tr-1", "tr-2"],
        "route_table_ids": ["vtb-1", "vtb-2"],
    }


@pytest.mark.parametrize("regions", [2, 3, 4, 8])
def test_connections_are_shared_out_evenly(regions):
    hostvars = hostvars_of(*("region-%d" % n for n in range(regions)))
    connections = network_peerings(list(hostvars), list(hostvars), hostvars)["connections"]
    assert all(c["owner"] in c["hosts"] for c in connections)
    owned = [sum(1 for c in connections if c["owner"] == host) for host in hostvars]
    assert sum(owned) == regions * (regions - 1) // 2 and max(owned) - min(owned) <= 1


def test_a_failed_region_is_left_out_and_named():
    # host2 failed in its own tasks: not in the play any more, and it has no transit router
    hostvars = hostvars_of("cn-hangzhou", "cn-shanghai", "cn-beijing", without_router=("host2",))
    peering = network_peerings(list(hostvars), ["host0", "host1"], hostvars)
    assert [c["hosts"] for c in peering["connections"]] == [["host0", "host1"]]
    assert peering["failed"] == ["host2"]
    assert peering["skipped"] == ["cn-hangzhou <-> cn-beijing", "cn-shanghai <-> cn-beijing"]
    assert "Regions that failed in their own tasks: cn-beijing (host host2)" in peering["message"]
    assert "Skipped their inter-region connections: cn-hangzhou <-> cn-beijing, cn-shanghai <-> cn-beijing" in (
        peering["message"]
    )


def test_a_live_region_without_a_router_counts_as_failed():
    hostvars = hostvars_of("cn-hangzhou", "cn-shanghai", without_router=("host1",))
    peering = network_peerings(list(hostvars), list(hostvars), hostvars)
    assert peering["connections"] == [] and peering["failed"] == ["host1"]


def test_peerings_reject_a_non_list():
    with pytest.raises(AnsibleFilterError):
        network_peerings("host0", [], {})


def peer_results():
    hostvars = hostvars_of("cn-hangzhou", "cn-shanghai", "cn-beijing")
    connections = network_peerings(list(hostvars), list(hostvars), hostvars)["connections"]
    # async_status results: each .item is the async job's result, whose .item is the connection
    return {
        "results": [
            {
                "item": {"ansible_job_id": "j%d" % n, "item": c},
                "peer_attachment": {"transit_router_attachment_id": "tr-attach-%d" % n},
            }
            for n, c in enumerate(connections)
        ]
    }


def test_peer_bindings_are_made_on_both_sides():
    bindings = network_peer_bindings(peer_results())
    assert len(bindings) == 6
    assert bindings[:2] == [
        {
            "attachment_id": "tr-attach-0",
            "host": "host0",
            "region": "cn-hangzhou",
            "transit_router_id": "tr-0",
            "route_table_id": "vtb-0",
        },
        {
            "attachment_id": "tr-attach-0",
            "host": "host1",
            "region": "cn-shanghai",
            "transit_router_id": "tr-1",
            "route_table_id": "vtb-1",
        },
    ]


def test_peer_bindings_of_each_host():
    bindings = network_peer_bindings(peer_results())
    mine = {h: sorted(b["attachment_id"] for b in bindings if b["host"] == h) for h in ("host0", "host2")}
    # 3 regions, 3 connections: every host binds the 2 connections it is a side of
    assert mine == {"host0": ["tr-attach-0", "tr-attach-1"], "host2": ["tr-attach-1", "tr-attach-2"]}


def test_peer_bindings_refuse_a_result_without_attachment():
    results = peer_results()
    del results["results"][0]["peer_attachment"]
    with pytest.raises(AnsibleFilterError):
        network_peer_bindings(results)


def test_peer_attachment_ids_by_peer_region():
    results = peer_results()
    assert network_peer_attachment_ids(results, "host1") == {"cn-hangzhou": "tr-attach-0", "cn-beijing": "tr-attach-2"}
    assert network_peer_attachment_ids(results, "mesh") == {}
    assert network_peer_attachment_ids({}, "host0") == {}


def test_filter_module_lists_every_filter():
    assert set(FilterModule().filters()) == {
        "network_zone_mappings",
        "network_vswitch_ids_by_zone",
        "network_peerings",
        "network_peer_bindings",
        "network_peer_attachment_ids",
        "network_peer_routes",
    }


PLAN = [
    {"name": "cn-hangzhou", "vpc": {"cidr_block": "20.0.0.0/8"}, "pod_cidr": "10.0.0.0/16"},
    {"name": "cn-shanghai", "vpc": {"cidr_block": "21.0.0.0/8"}, "pod_cidr": "10.1.0.0/16"},
    {"name": "cn-beijing", "vpc": {"cidr_block": "22.0.0.0/8"}, "pod_cidr": ""},
    {"name": "asm hangzhou", "vpc": {"cidr_block": "192.168.0.0/16"}, "pod_cidr": ""},
]


def test_peer_routes_name_every_other_vpc_and_flannel_pod_cidr():
    routes = network_peer_routes(PLAN, "cn-hangzhou")
    assert [r["destination_cidr_block"] for r in routes] == [
        "10.1.0.0/16",
        "21.0.0.0/8",
        "22.0.0.0/8",
        "192.168.0.0/16",
    ]
    assert [r["name"] for r in routes] == [
        "geomesh-peer-cn-shanghai-pods",
        "geomesh-peer-cn-shanghai-vpc",
        "geomesh-peer-cn-beijing-vpc",
        "geomesh-peer-asm-hangzhou-vpc",
    ]
    assert routes[0]["description"] == "geomesh: Pods of cn-shanghai through the transit router"


def test_peer_routes_of_a_vpc_without_pods_still_reach_every_cluster():
    routes = network_peer_routes(PLAN, "asm hangzhou")
    assert [r["destination_cidr_block"] for r in routes] == [
        "10.0.0.0/16",
        "10.1.0.0/16",
        "20.0.0.0/8",
        "21.0.0.0/8",
        "22.0.0.0/8",
    ]


def test_peer_routes_skip_hosts_without_a_vpc_and_refuse_a_bad_cidr():
    assert network_peer_routes([{"name": "a", "vpc": {}, "pod_cidr": ""}, {"name": "b"}], "b") == []
    with pytest.raises(AnsibleFilterError, match="b: '10.0.0.1/16' is not a CIDR block"):
        network_peer_routes([{"name": "b", "vpc": {"cidr_block": "10.0.0.1/16"}}], "a")
    with pytest.raises(AnsibleFilterError, match="expects a list"):
        network_peer_routes({"a": {}}, "a")
