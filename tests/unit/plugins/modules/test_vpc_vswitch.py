# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import vpc_vswitch
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.conftest import flat_tags, tag_dict


@pytest.fixture
def vpc_id(seed, log):
    found = seed("CreateVpc", VpcName="vpc-a", CidrBlock="20.0.0.0/8")["VpcId"]
    log.clear()
    return found


@pytest.fixture
def add_vswitch(seed, vpc_id):
    def add(cidr="20.1.0.0/16", zone="cn-hangzhou-h", name="", tags=None):
        params = dict(VpcId=vpc_id, ZoneId=zone, CidrBlock=cidr, VSwitchName=name or None, **flat_tags(tags or {}))
        return seed("CreateVSwitch", **params)["VSwitchId"]

    return add


def create_args(vpc_id, **extra):
    args = {"vpc_id": vpc_id, "cidr_block": "20.1.0.0/16", "zone_id": "cn-hangzhou-h", "name": "vsw-a"}
    args.update(extra)
    return args


def test_create_waits_until_available(run, emu, log, state, vpc_id):
    emu.clock.delay_scale = 0.7  # Pending for 0.7 s: the first read after the create sees it
    result = run(vpc_vswitch, create_args(vpc_id, tags={"project": "geomesh"}, description="main"))
    assert result["changed"] is True
    vsw = result["vswitch"]
    (doc,) = state("vswitch")
    assert vsw["vswitch_id"] == doc["VSwitchId"] and vsw["status"] == "Available"
    assert vsw["cidr_block"] == "20.1.0.0/16" == doc["CidrBlock"] and vsw["zone_id"] == "cn-hangzhou-h" == doc["ZoneId"]
    assert vsw["vswitch_name"] == "vsw-a" == doc["VSwitchName"] and vsw["description"] == "main" == doc["Description"]
    assert vsw["tags"] == {"project": "geomesh"} == tag_dict(doc)
    (create,) = log.calls("CreateVSwitch")
    assert create["ClientToken"] and create["Tag.1.Key"] == "project" and create["Tag.1.Value"] == "geomesh"
    assert log.writes() == ["CreateVSwitch"]
    assert log.actions().count("DescribeVSwitches") >= 3  # identify, Pending, Available
    assert result["diff"]["before"] == {} and result["diff"]["after"]["cidr_block"] == "20.1.0.0/16"


def test_client_token_is_deterministic(run, emu, seed, log, restart_ids):
    """The same request sends the same ClientToken in another run (a lost create is replayed)."""
    tokens = []
    for _life in range(2):
        emu.reset()
        restart_ids()
        vpc_id = seed("CreateVpc", VpcName="vpc-a", CidrBlock="20.0.0.0/8")["VpcId"]
        run(vpc_vswitch, create_args(vpc_id))
        run(vpc_vswitch, create_args(vpc_id, cidr_block="20.2.0.0/16", name="vsw-b"))
        tokens.append([p["ClientToken"] for p in log.calls("CreateVSwitch")])
    assert tokens[0] == tokens[1]
    assert len(set(tokens[0])) == 2  # another request, another token


def test_check_mode_create_makes_no_write(run, log, state, vpc_id):
    result = run(vpc_vswitch, create_args(vpc_id), check_mode=True)
    assert result["changed"] is True and result["vswitch"] == {}
    assert result["diff"]["after"]["vswitch_name"] == "vsw-a"
    assert log.writes() == [] and state("vswitch") == []


def test_idempotent_rerun_reads_once(run, log, state, vpc_id):
    args = create_args(vpc_id, tags={"a": "1"})
    run(vpc_vswitch, args)
    log.clear()
    result = run(vpc_vswitch, args)
    assert result["changed"] is False
    assert log.actions() == ["DescribeVSwitches"]
    assert result["diff"]["before"] == result["diff"]["after"]
    assert len(state("vswitch")) == 1


def test_update_name_description_and_tags(run, log, state, add_vswitch):
    vsw_id = add_vswitch(name="old", tags={"keep": "x", "drop": "y"})
    args = {"vswitch_id": vsw_id, "name": "new", "description": "d", "tags": {"keep": "x", "add": "z"}}
    result = run(vpc_vswitch, args)
    assert result["changed"] is True
    assert result["vswitch"]["vswitch_name"] == "new" and result["vswitch"]["description"] == "d"
    assert result["vswitch"]["tags"] == {"keep": "x", "add": "z"}
    doc = state("vswitch", vsw_id)
    assert doc["VSwitchName"] == "new" and doc["Description"] == "d"
    assert tag_dict(doc) == {"keep": "x", "add": "z"}
    (modify,) = log.calls("ModifyVSwitchAttribute")
    assert modify == {"RegionId": "cn-hangzhou", "VSwitchId": vsw_id, "VSwitchName": "new", "Description": "d"}
    (untag,) = log.calls("UnTagResources")
    assert untag["ResourceType"] == "VSWITCH" and untag["TagKey.1"] == "drop" and "TagKey.2" not in untag
    assert result["diff"]["before"]["vswitch_name"] == "old" and result["diff"]["after"]["vswitch_name"] == "new"
    log.clear()
    assert run(vpc_vswitch, args)["changed"] is False and log.writes() == []


def test_purge_tags_false_keeps_other_tags(run, log, state, add_vswitch):
    vsw_id = add_vswitch(tags={"other": "x"})
    result = run(vpc_vswitch, {"vswitch_id": vsw_id, "tags": {"a": "1"}, "purge_tags": False})
    assert result["vswitch"]["tags"] == {"other": "x", "a": "1"} == tag_dict(state("vswitch", vsw_id))
    assert log.writes() == ["TagResources"]


def test_check_mode_update_makes_no_write(run, log, state, add_vswitch):
    vsw_id = add_vswitch(name="old")
    result = run(vpc_vswitch, {"vswitch_id": vsw_id, "name": "new"}, check_mode=True)
    assert result["changed"] is True and log.writes() == []
    assert result["diff"]["after"]["vswitch_name"] == "new"
    assert state("vswitch", vsw_id)["VSwitchName"] == "old"


def test_fixed_field_mismatch_fails(run, log, add_vswitch):
    vsw_id = add_vswitch(zone="cn-hangzhou-h")
    result = run(vpc_vswitch, {"vswitch_id": vsw_id, "zone_id": "cn-hangzhou-i"})
    assert result["failed"] is True and result["field"] == "zone_id"
    assert log.writes() == []


def test_delete_then_delete_again(run, log, state, vpc_id, add_vswitch):
    add_vswitch(name="a")
    args = {"vpc_id": vpc_id, "cidr_block": "20.1.0.0/16", "state": "absent"}
    result = run(vpc_vswitch, args)
    assert result["changed"] is True and result["vswitch"] == {}
    assert result["diff"]["before"]["vswitch_name"] == "a" and result["diff"]["after"] == {}
    assert state("vswitch") == [] and log.writes() == ["DeleteVSwitch"]
    log.clear()
    result = run(vpc_vswitch, args)
    assert result["changed"] is False and log.writes() == []


def test_delete_check_mode(run, log, state, vpc_id, add_vswitch):
    add_vswitch()
    result = run(vpc_vswitch, {"vpc_id": vpc_id, "cidr_block": "20.1.0.0/16", "state": "absent"}, True)
    assert result["changed"] is True and log.writes() == [] and state("vswitch")


def test_delete_retries_dependency_violation(run, inject, log, state, add_vswitch):
    vsw_id = add_vswitch()
    inject("DeleteVSwitch", "DependencyViolation.NetworkInterface")
    result = run(vpc_vswitch, {"vswitch_id": vsw_id, "state": "absent"})
    assert result["changed"] is True
    assert log.codes("DeleteVSwitch") == ["DependencyViolation.NetworkInterface", None]
    assert state("vswitch") == []


def test_delete_not_found_is_done(run, inject, add_vswitch):
    vsw_id = add_vswitch()
    inject("DeleteVSwitch", "InvalidVswitchID.NotFound", status=404)
    result = run(vpc_vswitch, {"vswitch_id": vsw_id, "state": "absent", "wait": False})
    assert result["changed"] is True and "failed" not in result


def test_delete_gives_up_after_timeout(run, inject, log, state, add_vswitch):
    vsw_id = add_vswitch()
    inject("DeleteVSwitch", "DependencyViolation.Instance", times=50)
    result = run(vpc_vswitch, {"vswitch_id": vsw_id, "state": "absent", "wait_timeout": 0})
    assert result["failed"] is True and result["error"]["code"] == "DependencyViolation.Instance"
    assert log.codes("DeleteVSwitch") == ["DependencyViolation.Instance"] and state("vswitch", vsw_id)


def test_delete_other_error_fails(run, inject, log, add_vswitch):
    vsw_id = add_vswitch()
    inject("DeleteVSwitch", "Forbidden.NoPermission", status=403)
    result = run(vpc_vswitch, {"vswitch_id": vsw_id, "state": "absent"})
    assert result["failed"] is True and "Forbidden.NoPermission" in result["msg"]
    assert log.codes("DeleteVSwitch") == ["Forbidden.NoPermission"]


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
def test_bad_input_fails_before_any_call(run, log, args, field):
    result = run(vpc_vswitch, args)
    assert result["failed"] is True and result["field"] == field and field in result["msg"]
    assert log.entries() == []


def test_create_needs_zone(run, log, vpc_id):
    result = run(vpc_vswitch, {"vpc_id": vpc_id, "cidr_block": "20.1.0.0/16"})
    assert result["failed"] is True and result["field"] == "zone_id"
    assert log.writes() == []


def test_create_outside_vpc_cidr_fails_before_write(run, log, vpc_id):
    result = run(vpc_vswitch, {"vpc_id": vpc_id, "cidr_block": "21.1.0.0/16", "zone_id": "cn-hangzhou-h"})
    assert result["failed"] is True and result["field"] == "cidr_block"
    assert log.writes() == []


def test_create_in_missing_vpc_fails(run, log):
    result = run(vpc_vswitch, {"vpc_id": "vpc-404", "cidr_block": "20.1.0.0/16", "zone_id": "cn-hangzhou-h"})
    assert result["failed"] is True and result["field"] == "vpc_id"
    assert log.writes() == []


def test_missing_vswitch_id_fails(run, log):
    result = run(vpc_vswitch, {"vswitch_id": "vsw-404"})
    assert result["failed"] is True and result["field"] == "vswitch_id"
    assert log.writes() == []


def test_wait_false_returns_pending(run, emu, state, vpc_id):
    emu.clock.delay_scale = 5.0  # Pending for 5 s
    result = run(vpc_vswitch, create_args(vpc_id, wait=False))
    assert result["changed"] is True and result["vswitch"]["status"] == "Pending"
    assert state("vswitch")[0]["Status"] == "Pending"


def test_create_in_an_international_region_takes_its_zone_ids(run, seed, log, state):
    """Outside the Chinese mainland a zone ID is "<region><letter>" (ap-southeast-1a), not "<region>-<letter>"."""
    vpc_id = seed("CreateVpc", region="ap-southeast-1", VpcName="vpc-sg", CidrBlock="26.0.0.0/8")["VpcId"]
    log.clear()
    args = {"region": "ap-southeast-1", "vpc_id": vpc_id, "cidr_block": "26.0.0.0/16", "zone_id": "ap-southeast-1a"}
    result = run(vpc_vswitch, args)
    assert result["changed"] is True and result["vswitch"]["zone_id"] == "ap-southeast-1a"
    (doc,) = state("vswitch")
    assert doc["ZoneId"] == "ap-southeast-1a"
    assert run(vpc_vswitch, args)["changed"] is False


@pytest.mark.parametrize("zone", ["cn-hangzhou-h", "ap-southeast-10a", "ap-southeast-1-aa"])
def test_zone_of_another_region_fails_before_any_call(run, log, zone):
    args = {"region": "ap-southeast-1", "vpc_id": "vpc-sg", "cidr_block": "26.0.0.0/16", "zone_id": zone}
    result = run(vpc_vswitch, args)
    assert result["failed"] is True and result["field"] == "zone_id" and zone in result["msg"]
    assert log.entries() == []
