# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import vpc_vswitch_info
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.network_fakes import (
    FakeVpcApi,
    Runner,
    error,
)


@pytest.fixture
def api():
    fake = FakeVpcApi()
    fake.vpc_a = fake.add_vpc("20.0.0.0/8")
    fake.vpc_b = fake.add_vpc("21.0.0.0/8")
    fake.h = fake.add_vswitch(fake.vpc_a, "20.1.0.0/16", "cn-hangzhou-h", "h", {"project": "geomesh"})
    fake.i = fake.add_vswitch(fake.vpc_a, "20.2.0.0/16", "cn-hangzhou-i", "i")
    fake.other = fake.add_vswitch(fake.vpc_b, "21.1.0.0/16", "cn-hangzhou-h", "h")
    return fake


@pytest.fixture
def run(monkeypatch, capsys, api):
    return Runner(monkeypatch, capsys, vpc=api)


def ids(result):
    return [v["vswitch_id"] for v in result["vswitches"]]


def test_by_vpc(run, api):
    rc, result = run(vpc_vswitch_info.main, {"vpc_id": api.vpc_a})
    assert rc == 0 and result["changed"] is False
    assert ids(result) == sorted([api.h, api.i])
    first = result["vswitches"][0]
    assert first["zone_id"] == "cn-hangzhou-h" and first["route_table_id"] == "vtb-1"
    assert first["tags"] == {"project": "geomesh"}
    assert api.calls[0][1]["VpcId"] == api.vpc_a and api.writes == []


def test_by_ids(run, api):
    rc, result = run(vpc_vswitch_info.main, {"vswitch_ids": [api.other, api.h, "vsw-404"]})
    assert ids(result) == sorted([api.h, api.other])
    assert api.actions == ["DescribeVSwitches"] * 3


def test_filters(run, api):
    rc, result = run(vpc_vswitch_info.main, {"name": "h"})
    assert ids(result) == sorted([api.h, api.other])
    rc, result = run(vpc_vswitch_info.main, {"name": "h", "vpc_id": api.vpc_b})
    assert ids(result) == [api.other]
    rc, result = run(vpc_vswitch_info.main, {"zone_id": "cn-hangzhou-i"})
    assert ids(result) == [api.i]
    rc, result = run(vpc_vswitch_info.main, {"cidr_block": "20.2.0.0/16"})
    assert ids(result) == [api.i]
    rc, result = run(vpc_vswitch_info.main, {"tags": {"project": "geomesh"}})
    assert ids(result) == [api.h]
    rc, result = run(vpc_vswitch_info.main, {"vswitch_ids": [api.h, api.i], "zone_id": "cn-hangzhou-i"})
    assert ids(result) == [api.i]


def test_missing_vpc_is_empty(run, api):
    api.fail("DescribeVSwitches", error("InvalidVpcId.NotFound", 404))
    rc, result = run(vpc_vswitch_info.main, {"vpc_id": "vpc-404"})
    assert rc == 0 and result["vswitches"] == []


def test_check_mode(run, api):
    rc, result = run(vpc_vswitch_info.main, {"vpc_id": api.vpc_b}, check_mode=True)
    assert rc == 0 and ids(result) == [api.other]


@pytest.mark.parametrize(
    "args, field",
    [
        ({"vswitch_ids": ["vsw-1", "sg-1"]}, "vswitch_ids[1]"),
        ({"vpc_id": "vsw-1"}, "vpc_id"),
        ({"cidr_block": "nope"}, "cidr_block"),
    ],
)
def test_bad_input(run, api, args, field):
    rc, result = run(vpc_vswitch_info.main, args)
    assert rc == 1 and result["field"] == field and api.calls == []
