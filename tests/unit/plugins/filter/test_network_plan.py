# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy

import pytest

from ansible_collections.geomesh.alicloud.plugins.filter.network_plan import (
    BANDWIDTH_MAX,
    full_mesh_pairs,
    network_bandwidth_errors,
    network_cloud_errors,
    network_plan_errors,
    zone_in_region,
)

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


def with_regions(plan):
    plan = copy.deepcopy(plan)
    for entry, region in zip(plan, ["cn-hangzhou", "cn-shanghai", "cn-hangzhou"], strict=True):
        entry["region"] = region
    return plan


def test_zone_of_another_region_is_found_from_the_names():
    plan = with_regions(RUNBOOK)
    assert network_plan_errors(plan) == []
    plan[1]["vswitches"][1]["zone_id"] = "cn-hangzhou-i"
    assert network_plan_errors(plan) == [
        "cn-shanghai: vswitches[1].zone_id cn-hangzhou-i is not a zone of the entry's region cn-shanghai"
    ]


@pytest.mark.parametrize(
    "zone, region, expected",
    [
        ("cn-hangzhou-h", "cn-hangzhou", True),
        ("ap-southeast-1a", "ap-southeast-1", True),
        ("cn-shanghai-finance-1a", "cn-shanghai", False),
        ("ap-southeast-1a", "ap-southeast-5", False),
        ("cn-hangzhou", "cn-hangzhou", False),
        ("cn-hangzhou-hh", "cn-hangzhou", False),
    ],
)
def test_zone_in_region(zone, region, expected):
    assert zone_in_region(zone, region) is expected


def test_bandwidth_settings_that_are_valid():
    assert network_bandwidth_errors(10) == []
    assert network_bandwidth_errors("10", "BandwidthPackage", "cenbwp-1") == []
    assert network_bandwidth_errors(BANDWIDTH_MAX, "DataTransfer", "", "Platinum") == []


def test_bandwidth_package_needs_its_id():
    # the role's default for the id is '' (it was omit, which made `is defined` always true)
    assert network_bandwidth_errors(10, "BandwidthPackage", "") == [
        "network_bandwidth_package_id is required with network_bandwidth_type BandwidthPackage"
    ]
    assert network_bandwidth_errors(10, "BandwidthPackage", None) != []


@pytest.mark.parametrize("bandwidth", [0, -5, BANDWIDTH_MAX + 1, 1000000, "ten", "1.5"])
def test_bandwidth_outside_the_documented_range(bandwidth):
    errors = network_bandwidth_errors(bandwidth)
    assert len(errors) == 1 and errors[0].startswith("network_bandwidth:"), errors


def test_bandwidth_type_link_type_and_stray_package():
    assert network_bandwidth_errors(10, "Monthly") == [
        "network_bandwidth_type: 'Monthly' is neither DataTransfer nor BandwidthPackage"
    ]
    assert network_bandwidth_errors(10, "DataTransfer", "cenbwp-1") == [
        "network_bandwidth_package_id is only for network_bandwidth_type BandwidthPackage"
    ]
    assert network_bandwidth_errors(10, "DataTransfer", "", "Silver") == [
        "network_default_link_type: 'Silver' is neither Gold nor Platinum"
    ]


REGIONS_FOUND = {"regions": [{"region_id": "cn-hangzhou"}, {"region_id": "cn-shanghai"}]}
ZONES_FOUND = {
    "results": [
        {"item": "cn-hangzhou", "zones": [{"zone_id": "cn-hangzhou-h"}, {"zone_id": "cn-hangzhou-i"}]},
        {"item": "cn-shanghai", "zones": [{"zone_id": "cn-shanghai-e"}, {"zone_id": "cn-shanghai-f"}]},
    ]
}


def test_cloud_check_passes_a_plan_that_fits():
    assert network_cloud_errors(with_regions(RUNBOOK), REGIONS_FOUND, ZONES_FOUND) == []


def test_cloud_check_finds_an_unknown_region():
    plan = with_regions(RUNBOOK)
    plan[1]["region"] = "cn-atlantis"
    assert network_cloud_errors(plan, REGIONS_FOUND, ZONES_FOUND) == [
        "cn-shanghai: region cn-atlantis is not a region of the account (DescribeRegions lists cn-hangzhou, cn-shanghai)"
    ]


def test_cloud_check_finds_a_zone_that_does_not_exist():
    plan = with_regions(RUNBOOK)
    plan[1]["vswitches"][0]["zone_id"] = "cn-shanghai-z"
    assert network_cloud_errors(plan, REGIONS_FOUND, ZONES_FOUND) == [
        "cn-shanghai: vswitches[0].zone_id cn-shanghai-z is not a zone of cn-shanghai"
        " (DescribeZones lists cn-shanghai-e, cn-shanghai-f)"
    ]


def test_cloud_check_reports_failed_lookups():
    plan = with_regions(RUNBOOK)
    failed = {"failed": True, "msg": "InvalidAccessKeyId.NotFound"}
    assert network_cloud_errors(plan, failed, ZONES_FOUND) == [
        "listing the regions (DescribeRegions) failed: InvalidAccessKeyId.NotFound"
    ]
    zones = copy.deepcopy(ZONES_FOUND)
    zones["results"][1] = {"item": "cn-shanghai", "failed": True, "msg": "Throttling"}
    assert network_cloud_errors(plan, REGIONS_FOUND, zones) == [
        "cn-shanghai: listing the zones (DescribeZones) failed: Throttling"
    ]


def test_cloud_check_reports_lookups_registered_with_failed_when_false():
    # failed_when: false clears `failed`; the missing regions/zones and the msg still tell the failure
    plan = with_regions(RUNBOOK)
    cleared = {
        "failed": False,
        "changed": False,
        "msg": "SignatureDoesNotMatch calling DescribeRegions (request id R1)",
    }
    assert network_cloud_errors(plan, cleared, ZONES_FOUND) == [
        "listing the regions (DescribeRegions) failed: SignatureDoesNotMatch calling DescribeRegions (request id R1)"
    ]
    zones = copy.deepcopy(ZONES_FOUND)
    zones["results"][0] = {"item": "cn-hangzhou", "failed": False, "msg": "Throttling"}
    assert network_cloud_errors(plan, REGIONS_FOUND, zones) == [
        "cn-hangzhou: listing the zones (DescribeZones) failed: Throttling"
    ]
