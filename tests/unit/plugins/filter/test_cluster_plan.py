# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy

import pytest

from ansible_collections.geomesh.alicloud.plugins.filter.cluster_plan import (
    RULE_MARKER,
    cluster_check_errors,
    cluster_peer_rules,
    cluster_plan_errors,
    cluster_pod_ranges,
)

# The runbook's plan (shared/reference/scenario.md), plus a Terway region.
RUNBOOK = [
    {
        "name": "cn-hangzhou",
        "region": "cn-hangzhou",
        "vpc": {"cidr_block": "20.0.0.0/8"},
        "vswitches": [
            {"cidr_block": "20.0.0.0/16", "zone_id": "cn-hangzhou-h"},
            {"cidr_block": "20.1.0.0/16", "zone_id": "cn-hangzhou-i"},
        ],
        "cluster": {
            "name": "ack-hangzhou",
            "pod_cidr": "10.0.0.0/16",
            "service_cidr": "172.16.0.0/16",
            "node_count": 2,
            "instance_types": ["ecs.g7.xlarge"],
        },
    },
    {
        "name": "cn-shanghai",
        "region": "cn-shanghai",
        "vpc": {"cidr_block": "21.0.0.0/8"},
        "vswitches": [
            {"cidr_block": "21.0.0.0/16", "zone_id": "cn-shanghai-e"},
            {"cidr_block": "21.1.0.0/16", "zone_id": "cn-shanghai-f"},
        ],
        "cluster": {
            "name": "ack-shanghai",
            "network_plugin": "flannel",
            "pod_cidr": "10.1.0.0/16",
            "service_cidr": "172.17.0.0/16",
            "node_count": 2,
            "instance_types": ["ecs.g7.xlarge", "ecs.g6.xlarge"],
            "kubernetes_version": "1.31.1-aliyun.1",
        },
    },
    {
        "name": "cn-beijing",
        "region": "cn-beijing",
        "vpc": {"cidr_block": "22.0.0.0/8"},
        "vswitches": [
            {"cidr_block": "22.0.0.0/16", "zone_id": "cn-beijing-h"},
            {"cidr_block": "22.1.0.0/16", "zone_id": "cn-beijing-i"},
        ],
        "cluster": {
            "name": "ack-beijing",
            "network_plugin": "terway",
            "service_cidr": "172.18.0.0/16",
            "pod_vswitches": [
                {"name": "pods-h", "cidr_block": "22.64.0.0/16", "zone_id": "cn-beijing-h"},
                {"name": "pods-i", "cidr_block": "22.65.0.0/16", "zone_id": "cn-beijing-i"},
            ],
            "node_count": 1,
            "instance_types": ["ecs.g7.xlarge"],
        },
    },
    {"name": "asm-hangzhou", "region": "cn-hangzhou", "mesh": True, "vpc": {"cidr_block": "192.168.0.0/16"}},
]


def plan_with(change):
    plan = copy.deepcopy(RUNBOOK)
    change(plan)
    return plan


def cluster(plan, index):
    return plan[index]["cluster"]


def test_the_runbook_plan_is_valid():
    assert cluster_plan_errors(RUNBOOK) == []


def test_not_a_list():
    with pytest.raises(Exception, match="expects a list"):
        cluster_plan_errors({"a": 1})


def test_pod_cidrs_overlapping_across_clusters():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 1).update(pod_cidr="10.0.128.0/17")))
    assert (
        "cn-hangzhou geomesh_cluster.pod_cidr 10.0.0.0/16 overlaps cn-shanghai geomesh_cluster.pod_cidr 10.0.128.0/17"
        in errors
    )


def test_service_cidr_overlapping_another_clusters_pod_cidr():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 1).update(service_cidr="10.0.0.0/20")))
    assert any("cn-shanghai geomesh_cluster.service_cidr 10.0.0.0/20" in e and "overlaps" in e for e in errors), errors


def test_service_cidr_overlapping_the_mesh_vpc():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(service_cidr="192.168.16.0/20")))
    assert (
        "cn-hangzhou geomesh_cluster.service_cidr 192.168.16.0/20 overlaps asm-hangzhou vpc.cidr_block 192.168.0.0/16"
        in errors
    )


def test_pod_cidr_inside_its_own_vpc():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(pod_cidr="20.200.0.0/16")))
    assert "cn-hangzhou vpc.cidr_block 20.0.0.0/8 overlaps cn-hangzhou geomesh_cluster.pod_cidr 20.200.0.0/16" in errors


def test_pod_cidr_overlapping_the_own_service_cidr():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(service_cidr="10.0.16.0/20")))
    assert any("service_cidr 10.0.16.0/20" in e and "pod_cidr 10.0.0.0/16" in e for e in errors), errors


def test_mesh_vpc_overlapping_a_cluster_vpc():
    errors = cluster_plan_errors(plan_with(lambda p: p[3]["vpc"].update(cidr_block="21.0.0.0/16")))
    assert any("asm-hangzhou vpc.cidr_block 21.0.0.0/16" in e for e in errors), errors


def test_terway_without_pod_vswitches():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 2).pop("pod_vswitches")))
    assert errors == [
        "cn-beijing: geomesh_cluster.pod_vswitches: network_plugin terway needs at least one pod vSwitch"
        " (name, cidr_block, zone_id)"
    ]


def test_terway_pod_vswitch_outside_the_vpc():
    errors = cluster_plan_errors(
        plan_with(lambda p: cluster(p, 2)["pod_vswitches"][0].update(cidr_block="23.0.0.0/16"))
    )
    assert (
        "cn-beijing: geomesh_cluster.pod_vswitches[0].cidr_block 23.0.0.0/16 is not inside the VPC's 22.0.0.0/8"
        in errors
    )


def test_terway_pod_vswitch_overlapping_a_node_vswitch():
    errors = cluster_plan_errors(
        plan_with(lambda p: cluster(p, 2)["pod_vswitches"][1].update(cidr_block="22.1.128.0/17"))
    )
    assert (
        "cn-beijing: geomesh_cluster.pod_vswitches[1].cidr_block 22.1.128.0/17 overlaps the node vSwitch vswitches[1]"
        " 22.1.0.0/16" in errors
    )


def test_terway_pod_vswitches_overlapping_each_other():
    errors = cluster_plan_errors(
        plan_with(lambda p: cluster(p, 2)["pod_vswitches"][1].update(cidr_block="22.64.0.0/17"))
    )
    assert any("pod_vswitches[1].cidr_block 22.64.0.0/17 overlaps pod_vswitches[0]" in e for e in errors), errors


def test_terway_pod_vswitch_zone_checks():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 2)["pod_vswitches"][0].update(zone_id="cn-hangzhou-h")))
    assert (
        "cn-beijing: geomesh_cluster.pod_vswitches[0].zone_id cn-hangzhou-h is not a zone of the region cn-beijing"
        in errors
    )
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 2)["pod_vswitches"][0].update(zone_id="cn-beijing-k")))
    assert any("pod_vswitches[0].zone_id cn-beijing-k has no node vSwitch" in e for e in errors), errors
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 2)["pod_vswitches"][0].pop("zone_id")))
    assert "cn-beijing: geomesh_cluster.pod_vswitches[0].zone_id is required" in errors


def test_terway_with_pod_cidr_and_flannel_with_pod_vswitches():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 2).update(pod_cidr="10.2.0.0/16")))
    assert "cn-beijing: geomesh_cluster.pod_cidr is for network_plugin flannel; terway takes pod_vswitches" in errors

    def flannel_with_vswitches(plan):
        cluster(plan, 0)["pod_vswitches"] = [{"cidr_block": "20.64.0.0/16", "zone_id": "cn-hangzhou-h"}]

    errors = cluster_plan_errors(plan_with(flannel_with_vswitches))
    assert "cn-hangzhou: geomesh_cluster.pod_vswitches are for network_plugin terway; flannel takes pod_cidr" in errors


def test_flannel_needs_a_pod_cidr_and_a_known_plugin():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).pop("pod_cidr")))
    assert errors == ["cn-hangzhou: geomesh_cluster.pod_cidr is required with network_plugin flannel"]
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(network_plugin="calico")))
    assert errors == ["cn-hangzhou: geomesh_cluster.network_plugin: 'calico' is neither flannel nor terway"]


@pytest.mark.parametrize("bad", ["10.0.0.1/16", "banana", "10.0.0.0/33"])
def test_malformed_cidrs_name_the_field(bad):
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 1).update(service_cidr=bad)))
    assert any(e.startswith("cn-shanghai: geomesh_cluster.service_cidr: %r" % bad) for e in errors), errors


def test_node_count_and_instance_types():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(node_count=0)))
    assert errors == ["cn-hangzhou: geomesh_cluster.node_count: 0 is less than 1"]
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(node_count="two")))
    assert errors == ["cn-hangzhou: geomesh_cluster.node_count: 'two' is not a whole number"]
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(instance_types=[])))
    assert any(e.startswith("cn-hangzhou: geomesh_cluster.instance_types: a non-empty list") for e in errors), errors
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(instance_types=["g7.xlarge"])))
    assert errors == [
        "cn-hangzhou: geomesh_cluster.instance_types[0]: 'g7.xlarge' is not an ECS instance type (ecs.<family>.<size>)"
    ]
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(instance_types="ecs.g7.xlarge")))
    assert any("instance_types: a non-empty list" in e for e in errors), errors


def test_node_cidr_mask():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(node_cidr_mask=30)))
    assert errors == ["cn-hangzhou: geomesh_cluster.node_cidr_mask: 30 is outside 24 to 28"]
    # a /24 Pod CIDR holds four /26 node slices
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(pod_cidr="10.0.0.0/24", node_count=5)))
    assert errors == [
        "cn-hangzhou: geomesh_cluster.pod_cidr 10.0.0.0/24 holds 4 node slices of /26, fewer than node_count 5"
    ]
    assert cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(pod_cidr="10.0.0.0/24", node_count=4))) == []
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 2).update(node_cidr_mask=26)))
    assert errors == ["cn-beijing: geomesh_cluster.node_cidr_mask is for network_plugin flannel only"]


def test_names_are_required_and_unique():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 1).update(name="ack-hangzhou")))
    assert errors == ["cn-shanghai: geomesh_cluster.name ack-hangzhou is also the cluster of cn-hangzhou"]
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 1).pop("name")))
    assert errors == ["cn-shanghai: geomesh_cluster.name is required"]


def test_missing_cluster_and_vpc():
    errors = cluster_plan_errors(plan_with(lambda p: p[0].pop("cluster")))
    assert any(e.startswith("cn-hangzhou: geomesh_cluster is required") for e in errors), errors
    errors = cluster_plan_errors(plan_with(lambda p: p[3].pop("vpc")))
    assert errors == ["asm-hangzhou: the mesh host needs a VPC of its own (geomesh_vpc)"]


def test_one_mesh_only():
    def two_meshes(plan):
        plan.append({"name": "asm-2", "region": "cn-shanghai", "mesh": True, "vpc": {"cidr_block": "192.169.0.0/16"}})

    assert cluster_plan_errors(plan_with(two_meshes)) == ["only one mesh host is supported, found asm-hangzhou, asm-2"]


def test_version_must_be_a_string():
    errors = cluster_plan_errors(plan_with(lambda p: cluster(p, 0).update(kubernetes_version=1.31)))
    assert errors == ["cn-hangzhou: geomesh_cluster.kubernetes_version: 1.31 is not a version string (quote it)"]


def test_pod_ranges():
    assert cluster_pod_ranges(RUNBOOK[0]["cluster"]) == ["10.0.0.0/16"]
    assert cluster_pod_ranges(RUNBOOK[2]["cluster"]) == ["22.64.0.0/16", "22.65.0.0/16"]
    assert cluster_pod_ranges(None) == []


def test_peer_rules_admit_every_other_cluster_and_not_the_own():
    clusters = {entry["name"]: entry["cluster"] for entry in RUNBOOK if "cluster" in entry}
    rules = cluster_peer_rules(clusters, "cn-hangzhou")
    assert [r["source_cidr_ip"] for r in rules] == ["10.1.0.0/16", "22.64.0.0/16", "22.65.0.0/16"]
    assert all(r["ip_protocol"] == "all" and r["policy"] == "accept" for r in rules)
    assert all(r["description"].startswith(RULE_MARKER) for r in rules)
    assert rules[0]["description"] == RULE_MARKER + " pods of ack-shanghai"
    rules = cluster_peer_rules(clusters, "cn-beijing")
    assert [r["source_cidr_ip"] for r in rules] == ["10.0.0.0/16", "10.1.0.0/16"]
    assert cluster_peer_rules({"a": clusters["cn-hangzhou"]}, "a") == []
    with pytest.raises(Exception, match="not one of the clusters"):
        cluster_peer_rules(clusters, "nowhere")


def test_check_errors_name_the_failed_hosts():
    results = {
        "cn-shanghai": {"failed": True, "msg": "kubernetes_version 1.2.3 is not offered"},
        "cn-hangzhou": {"changed": True},
        "cn-beijing": {"failed": True},
    }
    assert cluster_check_errors(results) == [
        "cn-beijing: the cluster check failed",
        "cn-shanghai: kubernetes_version 1.2.3 is not offered",
    ]
    assert cluster_check_errors({}) == []
