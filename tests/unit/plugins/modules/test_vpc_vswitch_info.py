# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import types

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import vpc_vswitch_info
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.conftest import flat_tags


@pytest.fixture
def net(seed, log):
    def vsw(vpc_id, cidr, zone, name, tags=None):
        params = dict(VpcId=vpc_id, ZoneId=zone, CidrBlock=cidr, VSwitchName=name, **flat_tags(tags or {}))
        return seed("CreateVSwitch", **params)["VSwitchId"]

    found = types.SimpleNamespace()
    found.vpc_a = seed("CreateVpc", CidrBlock="20.0.0.0/8")["VpcId"]
    found.vpc_b = seed("CreateVpc", CidrBlock="21.0.0.0/8")["VpcId"]
    found.h = vsw(found.vpc_a, "20.1.0.0/16", "cn-hangzhou-h", "h", {"project": "geomesh"})
    found.i = vsw(found.vpc_a, "20.2.0.0/16", "cn-hangzhou-i", "i")
    found.other = vsw(found.vpc_b, "21.1.0.0/16", "cn-hangzhou-h", "h")
    log.clear()
    return found


def ids(result):
    return [v["vswitch_id"] for v in result["vswitches"]]


def test_by_vpc(run, log, state, net):
    result = run(vpc_vswitch_info, {"vpc_id": net.vpc_a})
    assert result["changed"] is False
    assert ids(result) == sorted([net.h, net.i])
    first = result["vswitches"][ids(result).index(net.h)]
    assert first["zone_id"] == "cn-hangzhou-h" and first["route_table_id"] == state("vpc", net.vpc_a)["RouteTableId"]
    assert first["tags"] == {"project": "geomesh"} and first["cidr_block"] == "20.1.0.0/16"
    assert log.calls()[0]["VpcId"] == net.vpc_a and log.writes() == []


def test_by_ids(run, log, net):
    result = run(vpc_vswitch_info, {"vswitch_ids": [net.other, net.h, "vsw-404"]})
    assert ids(result) == sorted([net.h, net.other])
    assert log.actions() == ["DescribeVSwitches"] * 3


def test_filters(run, net):
    assert ids(run(vpc_vswitch_info, {"name": "h"})) == sorted([net.h, net.other])
    assert ids(run(vpc_vswitch_info, {"name": "h", "vpc_id": net.vpc_b})) == [net.other]
    assert ids(run(vpc_vswitch_info, {"zone_id": "cn-hangzhou-i"})) == [net.i]
    assert ids(run(vpc_vswitch_info, {"cidr_block": "20.2.0.0/16"})) == [net.i]
    assert ids(run(vpc_vswitch_info, {"tags": {"project": "geomesh"}})) == [net.h]
    assert ids(run(vpc_vswitch_info, {"vswitch_ids": [net.h, net.i], "zone_id": "cn-hangzhou-i"})) == [net.i]


def test_missing_vpc_is_empty(run, net):
    result = run(vpc_vswitch_info, {"vpc_id": "vpc-404"})
    assert "failed" not in result and result["vswitches"] == []


def test_missing_vpc_error_is_empty(run, inject, log, net):
    inject("DescribeVSwitches", "InvalidVpcId.NotFound", status=404)
    result = run(vpc_vswitch_info, {"vpc_id": net.vpc_a})
    assert "failed" not in result and result["vswitches"] == []
    assert log.codes("DescribeVSwitches") == ["InvalidVpcId.NotFound"]


def test_check_mode(run, net):
    result = run(vpc_vswitch_info, {"vpc_id": net.vpc_b}, check_mode=True)
    assert ids(result) == [net.other]


@pytest.mark.parametrize(
    "args, field",
    [
        ({"vswitch_ids": ["vsw-1", "sg-1"]}, "vswitch_ids[1]"),
        ({"vpc_id": "vsw-1"}, "vpc_id"),
        ({"cidr_block": "nope"}, "cidr_block"),
    ],
)
def test_bad_input(run, log, args, field):
    result = run(vpc_vswitch_info, args)
    assert result["failed"] is True and result["field"] == field and log.entries() == []
