# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.module_utils import vpc as vpc_utils
from ansible_collections.geomesh.alicloud.plugins.modules import vpc_vswitch
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.network_fakes import (
    FakeVpcApi,
    Runner,
    error,
)


@pytest.fixture
def api():
    return FakeVpcApi()


@pytest.fixture
def run(monkeypatch, capsys, api):
    monkeypatch.setattr(vpc_utils.time, "sleep", lambda seconds: None)
    return Runner(monkeypatch, capsys, vpc=api)


def create_args(api, **extra):
    vpc_id = api.vpcs and next(iter(api.vpcs)) or api.add_vpc()
    args = {"vpc_id": vpc_id, "cidr_block": "20.1.0.0/16", "zone_id": "cn-hangzhou-h", "name": "vsw-a"}
    args.update(extra)
    return args


def test_create(run, api):
    api.pending_reads = 1
    rc, result = run(vpc_vswitch.main, create_args(api, tags={"project": "geomesh"}, description="main"))
    assert rc == 0 and result["changed"] is True
    vsw = result["vswitch"]
    assert vsw["vswitch_id"].startswith("vsw-")
    assert vsw["status"] == "Available"
    assert vsw["cidr_block"] == "20.1.0.0/16" and vsw["zone_id"] == "cn-hangzhou-h"
    assert vsw["vswitch_name"] == "vsw-a" and vsw["description"] == "main"
    assert vsw["tags"] == {"project": "geomesh"}
    create = [p for a, p in api.calls if a == "CreateVSwitch"]
    assert len(create) == 1
    assert create[0]["ClientToken"] and create[0]["Tag"] == [{"Key": "project", "Value": "geomesh"}]
    assert result["diff"]["before"] == {} and result["diff"]["after"]["cidr_block"] == "20.1.0.0/16"


def test_client_token_is_deterministic(run, api):
    args = create_args(api)
    run(vpc_vswitch.main, args)
    token = [p for a, p in api.calls if a == "CreateVSwitch"][0]["ClientToken"]
    api.vswitches.clear()
    run(vpc_vswitch.main, args)
    assert [p for a, p in api.calls if a == "CreateVSwitch"][1]["ClientToken"] == token


def test_check_mode_create_makes_no_write(run, api):
    rc, result = run(vpc_vswitch.main, create_args(api), check_mode=True)
    assert rc == 0 and result["changed"] is True
    assert result["vswitch"] == {}
    assert result["diff"]["after"]["vswitch_name"] == "vsw-a"
    assert api.writes == [] and not api.vswitches


def test_idempotent_rerun_reads_once(run, api):
    args = create_args(api, tags={"a": "1"})
    run(vpc_vswitch.main, args)
    api.calls.clear()
    rc, result = run(vpc_vswitch.main, args)
    assert rc == 0 and result["changed"] is False
    assert api.writes == []
    assert api.actions == ["DescribeVSwitches"]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_update_name_description_and_tags(run, api):
    vpc_id = api.add_vpc()
    vsw_id = api.add_vswitch(vpc_id, "20.1.0.0/16", name="old", tags={"keep": "x", "drop": "y"})
    rc, result = run(
        vpc_vswitch.main,
        {"vswitch_id": vsw_id, "name": "new", "description": "d", "tags": {"keep": "x", "add": "z"}},
    )
    assert rc == 0 and result["changed"] is True
    assert result["vswitch"]["vswitch_name"] == "new" and result["vswitch"]["description"] == "d"
    assert result["vswitch"]["tags"] == {"keep": "x", "add": "z"}
    assert (
        "ModifyVSwitchAttribute",
        {"RegionId": "cn-hangzhou", "VSwitchId": vsw_id, "VSwitchName": "new", "Description": "d"},
    ) in api.calls
    untag = [p for a, p in api.calls if a == "UnTagResources"][0]
    assert untag["ResourceType"] == "VSWITCH" and untag["TagKey"] == ["drop"]
    assert result["diff"]["before"]["vswitch_name"] == "old" and result["diff"]["after"]["vswitch_name"] == "new"


def test_purge_tags_false_keeps_other_tags(run, api):
    vpc_id = api.add_vpc()
    vsw_id = api.add_vswitch(vpc_id, "20.1.0.0/16", tags={"other": "x"})
    rc, result = run(vpc_vswitch.main, {"vswitch_id": vsw_id, "tags": {"a": "1"}, "purge_tags": False})
    assert result["vswitch"]["tags"] == {"other": "x", "a": "1"}
    assert "UnTagResources" not in api.actions


def test_check_mode_update_makes_no_write(run, api):
    vpc_id = api.add_vpc()
    vsw_id = api.add_vswitch(vpc_id, "20.1.0.0/16", name="old")
    rc, result = run(vpc_vswitch.main, {"vswitch_id": vsw_id, "name": "new"}, check_mode=True)
    assert result["changed"] is True and api.writes == []
    assert result["diff"]["after"]["vswitch_name"] == "new"
    assert api.vswitches[vsw_id]["VSwitchName"] == "old"


def test_fixed_field_mismatch_fails(run, api):
    vpc_id = api.add_vpc()
    vsw_id = api.add_vswitch(vpc_id, "20.1.0.0/16", zone="cn-hangzhou-h")
    rc, result = run(vpc_vswitch.main, {"vswitch_id": vsw_id, "zone_id": "cn-hangzhou-i"})
    assert rc == 1 and result["field"] == "zone_id"
    assert api.writes == []


def test_delete_then_delete_again(run, api):
    vpc_id = api.add_vpc()
    api.add_vswitch(vpc_id, "20.1.0.0/16", name="a")
    args = {"vpc_id": vpc_id, "cidr_block": "20.1.0.0/16", "state": "absent"}
    rc, result = run(vpc_vswitch.main, args)
    assert rc == 0 and result["changed"] is True and result["vswitch"] == {}
    assert result["diff"]["before"]["vswitch_name"] == "a" and result["diff"]["after"] == {}
    assert not api.vswitches
    api.calls.clear()
    rc, result = run(vpc_vswitch.main, args)
    assert result["changed"] is False and api.writes == []


def test_delete_check_mode(run, api):
    vpc_id = api.add_vpc()
    api.add_vswitch(vpc_id, "20.1.0.0/16")
    rc, result = run(vpc_vswitch.main, {"vpc_id": vpc_id, "cidr_block": "20.1.0.0/16", "state": "absent"}, True)
    assert result["changed"] is True and api.writes == [] and api.vswitches


def test_delete_retries_dependency_violation(run, api):
    vpc_id = api.add_vpc()
    vsw_id = api.add_vswitch(vpc_id, "20.1.0.0/16")
    api.fail("DeleteVSwitch", error("DependencyViolation.NetworkInterface"), error("IncorrectVSwitchStatus"))
    rc, result = run(vpc_vswitch.main, {"vswitch_id": vsw_id, "state": "absent"})
    assert rc == 0 and result["changed"] is True
    assert api.actions.count("DeleteVSwitch") == 3 and not api.vswitches


def test_delete_not_found_is_done(run, api):
    vpc_id = api.add_vpc()
    vsw_id = api.add_vswitch(vpc_id, "20.1.0.0/16")
    api.fail("DeleteVSwitch", error("InvalidVswitchID.NotFound", 404))
    rc, result = run(vpc_vswitch.main, {"vswitch_id": vsw_id, "state": "absent", "wait": False})
    assert rc == 0 and result["changed"] is True


def test_delete_gives_up_after_timeout(run, api):
    vpc_id = api.add_vpc()
    vsw_id = api.add_vswitch(vpc_id, "20.1.0.0/16")
    api.fail("DeleteVSwitch", *[error("DependencyViolation.Instance")] * 50)
    rc, result = run(vpc_vswitch.main, {"vswitch_id": vsw_id, "state": "absent", "wait_timeout": 0})
    assert rc == 1 and result["error"]["code"] == "DependencyViolation.Instance"


def test_delete_other_error_fails(run, api):
    vpc_id = api.add_vpc()
    vsw_id = api.add_vswitch(vpc_id, "20.1.0.0/16")
    api.fail("DeleteVSwitch", error("Forbidden.NoPermission", 403))
    rc, result = run(vpc_vswitch.main, {"vswitch_id": vsw_id, "state": "absent"})
    assert rc == 1 and "Forbidden.NoPermission" in result["msg"]
    assert api.actions.count("DeleteVSwitch") == 1


@pytest.mark.parametrize(
    "args, field",
    [
        ({"vpc_id": "vpc-1", "cidr_block": "20.1.0.0/33", "zone_id": "cn-hangzhou-h"}, "cidr_block"),
        ({"vpc_id": "vpc-1", "cidr_block": "20.1.0.1/16", "zone_id": "cn-hangzhou-h"}, "cidr_block"),
        ({"vpc_id": "vpc-1", "cidr_block": "20.0.0.0/8", "zone_id": "cn-hangzhou-h"}, "cidr_block"),
        ({"vpc_id": "vpc-1", "cidr_block": "20.1.0.0/30", "zone_id": "cn-hangzhou-h"}, "cidr_block"),
        ({"vpc_id": "not-a-vpc", "cidr_block": "20.1.0.0/16"}, "vpc_id"),
        ({"vswitch_id": "vpc-123"}, "vswitch_id"),
        ({"vpc_id": "vpc-1"}, "vpc_id"),
        ({"name": "x"}, "vpc_id"),
        ({"vpc_id": "vpc-1", "cidr_block": "20.1.0.0/16", "zone_id": "cn-shanghai-e"}, "zone_id"),
        ({"vpc_id": "vpc-1", "cidr_block": "20.1.0.0/16", "wait_timeout": -1}, "wait_timeout"),
    ],
)
def test_bad_input_fails_before_any_call(run, api, args, field):
    rc, result = run(vpc_vswitch.main, args)
    assert rc == 1 and result["field"] == field and field in result["msg"]
    assert api.calls == []


def test_create_needs_zone(run, api):
    vpc_id = api.add_vpc()
    rc, result = run(vpc_vswitch.main, {"vpc_id": vpc_id, "cidr_block": "20.1.0.0/16"})
    assert rc == 1 and result["field"] == "zone_id"
    assert api.writes == []


def test_create_outside_vpc_cidr_fails_before_write(run, api):
    vpc_id = api.add_vpc(cidr="20.0.0.0/8")
    rc, result = run(vpc_vswitch.main, {"vpc_id": vpc_id, "cidr_block": "21.1.0.0/16", "zone_id": "cn-hangzhou-h"})
    assert rc == 1 and result["field"] == "cidr_block"
    assert api.writes == []


def test_create_in_missing_vpc_fails(run, api):
    rc, result = run(vpc_vswitch.main, {"vpc_id": "vpc-404", "cidr_block": "20.1.0.0/16", "zone_id": "cn-hangzhou-h"})
    assert rc == 1 and result["field"] == "vpc_id"
    assert api.writes == []


def test_missing_vswitch_id_fails(run, api):
    rc, result = run(vpc_vswitch.main, {"vswitch_id": "vsw-404"})
    assert rc == 1 and result["field"] == "vswitch_id"


def test_wait_false_returns_pending(run, api):
    api.pending_reads = 5
    rc, result = run(vpc_vswitch.main, create_args(api, wait=False))
    assert rc == 0 and result["vswitch"]["status"] == "Pending"
