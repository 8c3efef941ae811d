# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import vpc
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.conftest import flat_tags, tag_dict

ARGS = {"name": "vpc-a", "cidr_block": "20.0.0.0/8", "description": "first", "tags": {"project": "geomesh"}}


@pytest.fixture
def add_vpc(seed):
    def add(name="vpc-a", cidr="20.0.0.0/8", tags=None):
        return seed("CreateVpc", VpcName=name, CidrBlock=cidr, **flat_tags(tags or {}))["VpcId"]

    return add


def test_create(run, log, state):
    result = run(vpc, ARGS)
    assert result["changed"] is True
    created = result["vpc"]
    (doc,) = state("vpc")
    assert created["vpc_id"] == doc["VpcId"] and created["vpc_name"] == "vpc-a" == doc["VpcName"]
    assert created["cidr_block"] == "20.0.0.0/8" == doc["CidrBlock"]
    assert created["description"] == "first" == doc["Description"]
    assert created["tags"] == {"project": "geomesh"} == tag_dict(doc)
    assert created["route_table_id"] == doc["RouteTableId"] and created["status"] == "Available"
    (create,) = log.calls("CreateVpc")
    assert create["ClientToken"] and create["Tag.1.Key"] == "project" and create["Tag.1.Value"] == "geomesh"
    assert log.writes() == ["CreateVpc"]
    assert result["diff"]["before"] == {} and result["diff"]["after"]["vpc_name"] == "vpc-a"


def test_create_waits_until_available(run, emu, log):
    emu.clock.delay_scale = 0.7  # Pending for 0.7 s after the create: the first read sees it
    result = run(vpc, ARGS)
    assert result["vpc"]["status"] == "Available"
    assert log.actions().count("DescribeVpcs") >= 3  # identify, the Pending read(s), Available


def test_check_mode_create(run, log, state):
    result = run(vpc, ARGS, check_mode=True)
    assert result["changed"] is True and result["vpc"] == {}
    assert result["diff"]["after"]["cidr_block"] == "20.0.0.0/8"
    assert log.writes() == [] and state("vpc") == []


def test_rerun_makes_no_write(run, log, state):
    first = run(vpc, ARGS)
    log.clear()
    result = run(vpc, ARGS)
    assert result["changed"] is False and result["vpc"]["vpc_id"] == first["vpc"]["vpc_id"]
    assert log.actions() == ["DescribeVpcs"]
    assert len(state("vpc")) == 1


# With this seed the emulator's fault dice say yes once, then no five times (percent 50).
ONCE = {"seed": 36}


def test_lost_create_response_is_replayed_by_client_token(run, faults, log, state):
    """The first CreateVpc commits but answers 503; the client's retry reuses the token: one VPC."""
    faults(server_error_after_commit_pct=50, actions=["CreateVpc"], **ONCE)
    result = run(vpc, ARGS)
    assert result["changed"] is True
    assert log.codes("CreateVpc") == ["ServiceUnavailable", None]
    tokens = {c["ClientToken"] for c in log.calls("CreateVpc")}
    assert len(tokens) == 1
    assert [d["VpcId"] for d in state("vpc")] == [result["vpc"]["vpc_id"]]


def test_throttled_read_is_retried(run, faults, log):
    faults(throttling_pct=50, throttling_retry_after_pct=0, actions=["DescribeVpcs"], **ONCE)
    result = run(vpc, ARGS)
    assert result["changed"] is True
    assert log.codes("DescribeVpcs")[:2] == ["Throttling.User", None]
    assert log.writes() == ["CreateVpc"]


def test_update_by_id(run, log, state, add_vpc):
    vpc_id = add_vpc(name="old", tags={"a": "1", "b": "2"})
    result = run(vpc, {"vpc_id": vpc_id, "name": "new", "description": "d", "tags": {"a": "1"}})
    assert result["changed"] is True
    assert result["vpc"]["vpc_name"] == "new" and result["vpc"]["description"] == "d"
    assert result["vpc"]["tags"] == {"a": "1"}
    doc = state("vpc", vpc_id)
    assert doc["VpcName"] == "new" and doc["Description"] == "d" and tag_dict(doc) == {"a": "1"}
    (modify,) = log.calls("ModifyVpcAttribute")
    assert modify == {"RegionId": "cn-hangzhou", "VpcId": vpc_id, "VpcName": "new", "Description": "d"}
    (untag,) = log.calls("UnTagResources")
    assert untag["TagKey.1"] == "b" and "TagKey.2" not in untag
    assert "TagResources" not in log.writes()
    log.clear()
    again = run(vpc, {"vpc_id": vpc_id, "name": "new", "description": "d", "tags": {"a": "1"}})
    assert again["changed"] is False and log.writes() == []


def test_check_mode_update(run, log, state, add_vpc):
    vpc_id = add_vpc(name="old")
    result = run(vpc, {"vpc_id": vpc_id, "description": "d"}, check_mode=True)
    assert result["changed"] is True and log.writes() == []
    assert result["diff"]["after"]["description"] == "d" and state("vpc", vpc_id)["Description"] == ""


def test_same_name_other_cidr_is_another_vpc(run, state, add_vpc):
    first = add_vpc(name="vpc-a", cidr="20.0.0.0/8")
    result = run(vpc, {"name": "vpc-a", "cidr_block": "21.0.0.0/8"})
    # found by name only when the CIDR matches: a different CIDR is another VPC, so a create
    assert result["changed"] is True and result["vpc"]["vpc_id"] != first
    assert sorted(d["CidrBlock"] for d in state("vpc")) == ["20.0.0.0/8", "21.0.0.0/8"]


def test_two_vpcs_with_name_and_cidr_are_ambiguous(run, log, add_vpc):
    first, second = add_vpc(name="vpc-a"), add_vpc(name="vpc-a")
    result = run(vpc, ARGS)
    assert result["failed"] is True and first in result["msg"] and second in result["msg"]
    assert log.writes() == []


def test_cidr_cannot_change_by_id(run, log, add_vpc):
    vpc_id = add_vpc(name="vpc-a", cidr="20.0.0.0/8")
    result = run(vpc, {"vpc_id": vpc_id, "cidr_block": "21.0.0.0/8"})
    assert result["failed"] is True and result["field"] == "cidr_block" and log.writes() == []


def test_delete_and_delete_again(run, log, state, add_vpc):
    vpc_id = add_vpc()
    result = run(vpc, {"vpc_id": vpc_id, "state": "absent"})
    assert result["changed"] is True and state("vpc") == []
    assert log.writes() == ["DeleteVpc"]
    assert result["diff"]["before"]["vpc_name"] == "vpc-a" and result["diff"]["after"] == {}
    log.clear()
    result = run(vpc, {"name": "vpc-a", "state": "absent"})
    assert result["changed"] is False and log.writes() == []


def test_delete_check_mode(run, log, state, add_vpc):
    vpc_id = add_vpc()
    result = run(vpc, {"vpc_id": vpc_id, "state": "absent"}, check_mode=True)
    assert result["changed"] is True and log.writes() == [] and state("vpc", vpc_id)


def test_delete_retries_dependency_violations(run, emu, seed, log, state, add_vpc):
    """A vSwitch still being deleted makes DeleteVpc answer DependencyViolation; the module retries."""
    vpc_id = add_vpc()
    vsw_id = seed("CreateVSwitch", VpcId=vpc_id, ZoneId="cn-hangzhou-h", CidrBlock="20.1.0.0/16")["VSwitchId"]
    emu.clock.delay_scale = 2.0  # the vSwitch stays Deleting for 1 s
    seed("DeleteVSwitch", VSwitchId=vsw_id)
    result = run(vpc, {"vpc_id": vpc_id, "state": "absent"})
    assert result["changed"] is True
    codes = log.codes("DeleteVpc")
    assert codes[0] == "DependencyViolation.VSwitch" and codes[-1] is None and len(codes) >= 2
    emu.clock.delay_scale = 0.0
    assert state("vpc") == []


def test_delete_gives_up_after_wait_timeout(run, seed, log, state, add_vpc):
    vpc_id = add_vpc()
    seed("CreateVSwitch", VpcId=vpc_id, ZoneId="cn-hangzhou-h", CidrBlock="20.1.0.0/16")
    result = run(vpc, {"vpc_id": vpc_id, "state": "absent", "wait_timeout": 0})
    assert result["failed"] is True and result["error"]["code"] == "DependencyViolation.VSwitch"
    assert log.codes("DeleteVpc") == ["DependencyViolation.VSwitch"] and state("vpc", vpc_id)


@pytest.mark.parametrize(
    "args, field",
    [
        ({"name": "a", "cidr_block": "20.0.0.1/8"}, "cidr_block"),
        ({"name": "a", "cidr_block": "20.0.0.0/29"}, "cidr_block"),
        ({"name": "a", "cidr_block": "20.0.0.0/7"}, "cidr_block"),
        ({"vpc_id": "vsw-1"}, "vpc_id"),
    ],
)
def test_bad_input_fails_before_any_call(run, log, args, field):
    result = run(vpc, args)
    assert result["failed"] is True and result["field"] == field and field in result["msg"]
    assert log.entries() == []


def test_create_needs_cidr_block_even_in_check_mode(run, log):
    result = run(vpc, {"name": "new"}, check_mode=True)
    assert result["failed"] is True and result["field"] == "cidr_block" and log.writes() == []


def test_missing_vpc_id_fails(run, log):
    result = run(vpc, {"vpc_id": "vpc-404", "name": "x"})
    assert result["failed"] is True and result["field"] == "vpc_id" and "vpc-404" in result["msg"]
    assert log.writes() == []


def test_api_error_is_reported_with_code(run, log):
    result = run(vpc, dict(ARGS, secret_key="wrong-secret"))
    assert result["failed"] is True and result["error"]["code"] == "SignatureDoesNotMatch"
    assert result["error"]["request_id"] == log.entries()[0]["request_id"]
    assert "wrong-secret" not in str(result)
    assert log.writes() == []
