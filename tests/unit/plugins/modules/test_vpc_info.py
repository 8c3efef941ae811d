# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import vpc_info
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.network_fakes import (
    FakeVpcApi,
    Runner,
    error,
)


@pytest.fixture
def api():
    fake = FakeVpcApi()
    fake.a = fake.add_vpc("20.0.0.0/8", "vpc-a", {"project": "geomesh"})
    fake.b = fake.add_vpc("21.0.0.0/8", "vpc-b", {"project": "geomesh", "tier": "1"})
    fake.c = fake.add_vpc("192.168.0.0/16", "vpc-c")
    return fake


@pytest.fixture
def run(monkeypatch, capsys, api):
    return Runner(monkeypatch, capsys, vpc=api)


def ids(result):
    return [v["vpc_id"] for v in result["vpcs"]]


def test_all(run, api):
    rc, result = run(vpc_info.main, {})
    assert rc == 0 and result["changed"] is False
    assert ids(result) == sorted([api.a, api.b, api.c])
    first = result["vpcs"][0]
    assert first["vpc_name"] == "vpc-a" and first["cidr_block"] == "20.0.0.0/8"
    assert first["route_table_id"] == "vtb-1" and first["tags"] == {"project": "geomesh"}
    assert api.writes == []


def test_by_ids_in_one_call(run, api):
    rc, result = run(vpc_info.main, {"vpc_ids": [api.c, api.a, api.a]})
    assert ids(result) == sorted([api.a, api.c])
    assert [p["VpcId"] for a, p in api.calls] == ["%s,%s" % (api.c, api.a)]


def test_by_ids_chunks_of_20(run, api):
    many = [api.add_vpc("10.%d.0.0/16" % i, "n%d" % i) for i in range(25)]
    rc, result = run(vpc_info.main, {"vpc_ids": many})
    assert len(result["vpcs"]) == 25
    assert len(api.calls) == 2


def test_unknown_id_is_left_out(run, api):
    rc, result = run(vpc_info.main, {"vpc_ids": [api.a, "vpc-404"]})
    assert ids(result) == [api.a]


def test_unknown_id_error_falls_back_to_one_call_per_id(run, api):
    api.fail("DescribeVpcs", error("InvalidVpcId.NotFound", 404))
    rc, result = run(vpc_info.main, {"vpc_ids": [api.a, "vpc-404"]})
    assert rc == 0 and ids(result) == [api.a]


def test_empty_id_list_makes_no_call(run, api):
    rc, result = run(vpc_info.main, {"vpc_ids": []})
    assert result["vpcs"] == [] and api.calls == []


def test_filters(run, api):
    rc, result = run(vpc_info.main, {"tags": {"project": "geomesh"}})
    assert ids(result) == sorted([api.a, api.b])
    rc, result = run(vpc_info.main, {"tags": {"project": "geomesh", "tier": 1}})
    assert ids(result) == [api.b]
    rc, result = run(vpc_info.main, {"name": "vpc-c"})
    assert ids(result) == [api.c]
    rc, result = run(vpc_info.main, {"cidr_block": "21.0.0.0/8"})
    assert ids(result) == [api.b]
    rc, result = run(vpc_info.main, {"is_default": True})
    assert ids(result) == []


def test_tag_filter_sent_to_api(run, api):
    run(vpc_info.main, {"tags": {"project": "geomesh"}})
    assert api.calls[0][1]["Tag"] == [{"Key": "project", "Value": "geomesh"}]


def test_check_mode(run, api):
    rc, result = run(vpc_info.main, {"name": "vpc-a"}, check_mode=True)
    assert rc == 0 and ids(result) == [api.a]


@pytest.mark.parametrize(
    "args, field",
    [({"vpc_ids": ["vpc-1", "vsw-2"]}, "vpc_ids[1]"), ({"cidr_block": "20.0.0.1/8"}, "cidr_block")],
)
def test_bad_input(run, api, args, field):
    rc, result = run(vpc_info.main, args)
    assert rc == 1 and result["field"] == field and api.calls == []


def test_api_error_fails(run, api):
    api.fail("DescribeVpcs", error("Forbidden.RAM", 403))
    rc, result = run(vpc_info.main, {})
    assert rc == 1 and result["error"]["code"] == "Forbidden.RAM"
