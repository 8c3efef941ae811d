# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy

import pytest

from ansible_collections.geomesh.alicloud.plugins.filter.network_plan import full_mesh_pairs, network_plan_errors

RUNBOOK = [
    {
        "name": "cn-hangzhou",
        "vpc": {"name": "vpc-hangzhou", "cidr_block": "20.0.0.0/8"},
        "vswitches": [
            {"cidr_block": "20.0.0.0/16", "zone_id": "cn-hangzhou-h"},
            {"cidr_block": "20.1.0.0/16", "zone_id": "cn-hangzhou-i"},
        ],
        "pod_cidr": "10.0.0.0/16",
        "service_cidr": "172.16.0.0/16",
    },
    {
        "name": "cn-shanghai",
        "vpc": {"name": "vpc-shanghai", "cidr_block": "21.0.0.0/8"},
        "vswitches": [
            {"cidr_block": "21.0.0.0/16", "zone_id": "cn-shanghai-e"},
            {"cidr_block": "21.1.0.0/16", "zone_id": "cn-shanghai-f"},
        ],
        "pod_cidr": "10.1.0.0/16",
        "service_cidr": "172.17.0.0/16",
    },
    {
        "name": "asm-hangzhou",
        "vpc": {"name": "vpc-hangzhou2", "cidr_block": "192.168.0.0/16"},
        "vswitches": [
            {"cidr_block": "192.168.0.0/24", "zone_id": "cn-hangzhou-h"},
            {"cidr_block": "192.168.1.0/24", "zone_id": "cn-hangzhou-i"},
        ],
    },
]


def plan_with(change):
    plan = copy.deepcopy(RUNBOOK)
    change(plan)
    return plan


def test_the_runbook_plan_is_valid():
    assert network_plan_errors(RUNBOOK) == []


def test_overlapping_vpcs_name_both_sides():
    errors = network_plan_errors(plan_with(lambda p: p[1]["vpc"].update(cidr_block="20.0.0.0/8")))
    assert any("cn-shanghai" in e and "cn-hangzhou vpc.cidr_block" in e for e in errors), errors


def test_vswitch_outside_its_vpc():
    errors = network_plan_errors(plan_with(lambda p: p[0]["vswitches"][0].update(cidr_block="30.0.0.0/16")))
    assert any("cn-hangzhou: vswitches[0].cidr_block 30.0.0.0/16 is not inside" in e for e in errors), errors


def test_two_vswitches_sharing_a_cidr():
    def change(plan):
        plan[0]["vswitches"][1]["cidr_block"] = "20.0.0.0/16"

    errors = network_plan_errors(plan_with(change))
    assert any("no two vSwitches may share a CIDR block" in e for e in errors), errors


def test_pod_cidr_overlapping_the_peer_pod_cidr():
    errors = network_plan_errors(plan_with(lambda p: p[1].update(pod_cidr="10.0.0.0/16")))
    assert any("pod_cidr" in e and "overlaps" in e for e in errors), errors


def test_pod_cidr_inside_own_vpc():
    errors = network_plan_errors(plan_with(lambda p: p[0].update(pod_cidr="20.5.0.0/16")))
    assert "cn-hangzhou vpc.cidr_block 20.0.0.0/8 overlaps cn-hangzhou pod_cidr 20.5.0.0/16" in errors


def test_service_cidr_overlapping_mesh_vpc():
    errors = network_plan_errors(plan_with(lambda p: p[1].update(service_cidr="192.168.0.0/20")))
    assert any("service_cidr" in e and "asm-hangzhou" in e for e in errors), errors


def test_single_zone_needs_opt_in():
    plan = plan_with(lambda p: p[0]["vswitches"].pop())
    assert any("at least 2 zones" in e for e in network_plan_errors(plan))
    plan[0]["single_zone"] = True
    assert network_plan_errors(plan) == []


@pytest.mark.parametrize("bad", ["20.0.0.1/8", "banana", "20.0.0.0/33"])
def test_malformed_cidrs_name_the_field(bad):
    errors = network_plan_errors(plan_with(lambda p: p[0]["vpc"].update(cidr_block=bad)))
    assert any(e.startswith("cn-hangzhou: vpc.cidr_block") for e in errors), errors


def test_missing_zone_and_name():
    def change(plan):
        del plan[0]["vswitches"][0]["zone_id"]
        del plan[0]["vpc"]["name"]

    errors = network_plan_errors(plan_with(change))
    assert "cn-hangzhou: vswitches[0].zone_id is required" in errors
    assert "cn-hangzhou: vpc.name is required" in errors


def test_full_mesh_pairs():
    assert full_mesh_pairs(["a", "b", "c"]) == [["a", "b"], ["a", "c"], ["b", "c"]]
    assert len(full_mesh_pairs(range(8))) == 28
    assert full_mesh_pairs(["a"]) == []
