# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import types

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import vpc_info
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.conftest import flat_tags


def add(seed, cidr, name, tags=None):
    return seed("CreateVpc", VpcName=name, CidrBlock=cidr, **flat_tags(tags or {}))["VpcId"]


@pytest.fixture
def vpcs(seed, log):
    found = types.SimpleNamespace(
        a=add(seed, "20.0.0.0/8", "vpc-a", {"project": "geomesh"}),
        b=add(seed, "21.0.0.0/8", "vpc-b", {"project": "geomesh", "tier": "1"}),
        c=add(seed, "192.168.0.0/16", "vpc-c"),
    )
    log.clear()
    return found


def ids(result):
    return [v["vpc_id"] for v in result["vpcs"]]


def test_all(run, log, state, vpcs):
    result = run(vpc_info, {})
    assert result["changed"] is False
    assert ids(result) == sorted([vpcs.a, vpcs.b, vpcs.c])
    first = result["vpcs"][ids(result).index(vpcs.a)]
    assert first["vpc_name"] == "vpc-a" and first["cidr_block"] == "20.0.0.0/8"
    assert first["route_table_id"] == state("vpc", vpcs.a)["RouteTableId"]
    assert first["tags"] == {"project": "geomesh"} and first["status"] == "Available"
    assert log.writes() == []


def test_by_ids_in_one_call(run, log, vpcs):
    result = run(vpc_info, {"vpc_ids": [vpcs.c, vpcs.a, vpcs.a]})
    assert ids(result) == sorted([vpcs.a, vpcs.c])
    assert [p["VpcId"] for p in log.calls()] == ["%s,%s" % (vpcs.c, vpcs.a)]


def test_by_ids_chunks_of_20(run, seed, log, vpcs):
    many = [add(seed, "10.%d.0.0/16" % i, "n%d" % i) for i in range(25)]
    log.clear()
    result = run(vpc_info, {"vpc_ids": many})
    assert sorted(ids(result)) == sorted(many)
    assert [len(p["VpcId"].split(",")) for p in log.calls("DescribeVpcs")] == [20, 5]


def test_unknown_id_is_left_out(run, vpcs):
    result = run(vpc_info, {"vpc_ids": [vpcs.a, "vpc-404"]})
    assert result["changed"] is False and ids(result) == [vpcs.a]


def test_unknown_id_error_falls_back_to_one_call_per_id(run, inject, log, vpcs):
    inject("DescribeVpcs", "InvalidVpcId.NotFound", status=404)
    result = run(vpc_info, {"vpc_ids": [vpcs.a, "vpc-404"]})
    assert ids(result) == [vpcs.a]
    assert [p["VpcId"] for p in log.calls()] == ["%s,vpc-404" % vpcs.a, vpcs.a, "vpc-404"]


def test_empty_id_list_makes_no_call(run, log, vpcs):
    result = run(vpc_info, {"vpc_ids": []})
    assert result["vpcs"] == [] and log.entries() == []


def test_filters(run, vpcs):
    assert ids(run(vpc_info, {"tags": {"project": "geomesh"}})) == sorted([vpcs.a, vpcs.b])
    assert ids(run(vpc_info, {"tags": {"project": "geomesh", "tier": 1}})) == [vpcs.b]
    assert ids(run(vpc_info, {"name": "vpc-c"})) == [vpcs.c]
    assert ids(run(vpc_info, {"cidr_block": "21.0.0.0/8"})) == [vpcs.b]
    assert ids(run(vpc_info, {"is_default": True})) == []


def test_tag_filter_sent_to_api(run, log, vpcs):
    run(vpc_info, {"tags": {"project": "geomesh"}})
    (call,) = log.calls()
    assert call["Tag.1.Key"] == "project" and call["Tag.1.Value"] == "geomesh"


def test_check_mode(run, vpcs):
    result = run(vpc_info, {"name": "vpc-a"}, check_mode=True)
    assert ids(result) == [vpcs.a]


@pytest.mark.parametrize(
    "args, field",
    [({"vpc_ids": ["vpc-1", "vsw-2"]}, "vpc_ids[1]"), ({"cidr_block": "20.0.0.1/8"}, "cidr_block")],
)
def test_bad_input(run, log, args, field):
    result = run(vpc_info, args)
    assert result["failed"] is True and result["field"] == field and log.entries() == []


def test_api_error_fails(run, inject, vpcs):
    inject("DescribeVpcs", "Forbidden.RAM", status=403)
    result = run(vpc_info, {})
    assert result["failed"] is True and result["error"]["code"] == "Forbidden.RAM"
