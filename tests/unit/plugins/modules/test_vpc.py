# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.module_utils import vpc as vpc_utils
from ansible_collections.geomesh.alicloud.plugins.modules import vpc
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.network_fakes import (
    FakeVpcApi,
    Runner,
    error,
)

ARGS = {"name": "vpc-a", "cidr_block": "20.0.0.0/8", "description": "first", "tags": {"project": "geomesh"}}


@pytest.fixture
def api():
    return FakeVpcApi()


@pytest.fixture
def run(monkeypatch, capsys, api):
    monkeypatch.setattr(vpc_utils.time, "sleep", lambda seconds: None)
    return Runner(monkeypatch, capsys, vpc=api)


def test_create(run, api):
    rc, result = run(vpc.main, ARGS)
    assert rc == 0 and result["changed"] is True
    created = result["vpc"]
    assert created["vpc_id"].startswith("vpc-") and created["vpc_name"] == "vpc-a"
    assert created["cidr_block"] == "20.0.0.0/8" and created["description"] == "first"
    assert created["tags"] == {"project": "geomesh"} and created["route_table_id"] == "vtb-1"
    (create,) = [p for a, p in api.calls if a == "CreateVpc"]
    assert create["ClientToken"] and create["Tag"] == [{"Key": "project", "Value": "geomesh"}]
    assert result["diff"]["before"] == {} and result["diff"]["after"]["vpc_name"] == "vpc-a"


def test_check_mode_create(run, api):
    rc, result = run(vpc.main, ARGS, check_mode=True)
    assert result["changed"] is True and result["vpc"] == {} and api.writes == [] and not api.vpcs
    assert result["diff"]["after"]["cidr_block"] == "20.0.0.0/8"


def test_rerun_makes_no_write(run, api):
    run(vpc.main, ARGS)
    api.calls.clear()
    rc, result = run(vpc.main, ARGS)
    assert result["changed"] is False and api.writes == []
    assert api.actions == ["DescribeVpcs"]


def test_update_by_id(run, api):
    vpc_id = api.add_vpc(name="old", tags={"a": "1", "b": "2"})
    rc, result = run(vpc.main, {"vpc_id": vpc_id, "name": "new", "description": "d", "tags": {"a": "1"}})
    assert result["changed"] is True
    assert result["vpc"]["vpc_name"] == "new" and result["vpc"]["description"] == "d"
    assert result["vpc"]["tags"] == {"a": "1"}
    assert (
        "ModifyVpcAttribute",
        {"RegionId": "cn-hangzhou", "VpcId": vpc_id, "VpcName": "new", "Description": "d"},
    ) in (api.calls)
    assert [p["TagKey"] for a, p in api.calls if a == "UnTagResources"] == [["b"]]


def test_check_mode_update(run, api):
    vpc_id = api.add_vpc(name="old")
    rc, result = run(vpc.main, {"vpc_id": vpc_id, "description": "d"}, check_mode=True)
    assert result["changed"] is True and api.writes == []
    assert result["diff"]["after"]["description"] == "d" and api.vpcs[vpc_id]["Description"] == ""


def test_same_name_other_cidr_is_another_vpc(run, api):
    api.add_vpc(name="vpc-a", cidr="20.0.0.0/8")
    rc, result = run(vpc.main, {"name": "vpc-a", "cidr_block": "21.0.0.0/8"})
    # found by name only when the CIDR matches: a different CIDR is another VPC, so a create
    assert rc == 0 and result["changed"] is True


def test_cidr_cannot_change_by_id(run, api):
    vpc_id = api.add_vpc(name="vpc-a", cidr="20.0.0.0/8")
    rc, result = run(vpc.main, {"vpc_id": vpc_id, "cidr_block": "21.0.0.0/8"})
    assert rc == 1 and result["field"] == "cidr_block" and api.writes == []


def test_delete_and_delete_again(run, api):
    vpc_id = api.add_vpc()
    rc, result = run(vpc.main, {"vpc_id": vpc_id, "state": "absent"})
    assert result["changed"] is True and not api.vpcs
    assert result["diff"]["before"]["vpc_name"] == "vpc-a" and result["diff"]["after"] == {}
    api.calls.clear()
    rc, result = run(vpc.main, {"name": "vpc-a", "state": "absent"})
    assert result["changed"] is False and api.writes == []


def test_delete_check_mode(run, api):
    vpc_id = api.add_vpc()
    rc, result = run(vpc.main, {"vpc_id": vpc_id, "state": "absent"}, check_mode=True)
    assert result["changed"] is True and api.writes == [] and vpc_id in api.vpcs


def test_delete_retries_dependency_violations(run, api):
    vpc_id = api.add_vpc()
    api.fail("DeleteVpc", error("DependencyViolation.VSwitch"), error("DependencyViolation.SecurityGroup", 403))
    rc, result = run(vpc.main, {"vpc_id": vpc_id, "state": "absent"})
    assert rc == 0 and api.actions.count("DeleteVpc") == 3 and not api.vpcs


def test_delete_gives_up_after_wait_timeout(run, api):
    vpc_id = api.add_vpc()
    api.add_vswitch(vpc_id, "20.1.0.0/16")
    rc, result = run(vpc.main, {"vpc_id": vpc_id, "state": "absent", "wait_timeout": 0})
    assert rc == 1 and result["error"]["code"] == "DependencyViolation.VSwitch"


@pytest.mark.parametrize(
    "args, field",
    [
        ({"name": "a", "cidr_block": "20.0.0.1/8"}, "cidr_block"),
        ({"name": "a", "cidr_block": "20.0.0.0/29"}, "cidr_block"),
        ({"name": "a", "cidr_block": "20.0.0.0/7"}, "cidr_block"),
        ({"vpc_id": "vsw-1"}, "vpc_id"),
    ],
)
def test_bad_input_fails_before_any_call(run, api, args, field):
    rc, result = run(vpc.main, args)
    assert rc == 1 and result["field"] == field and api.calls == []


def test_create_needs_cidr_block_even_in_check_mode(run, api):
    rc, result = run(vpc.main, {"name": "new"}, check_mode=True)
    assert rc == 1 and result["field"] == "cidr_block" and api.writes == []


def test_missing_vpc_id_fails(run, api):
    rc, result = run(vpc.main, {"vpc_id": "vpc-404", "name": "x"})
    assert rc == 1 and result["field"] == "vpc_id"
