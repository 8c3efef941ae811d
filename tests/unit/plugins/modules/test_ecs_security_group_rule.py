# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import ecs_security_group_rule
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.network_fakes import (
    FakeEcsApi,
    Runner,
    error,
)

POD_RULE = {"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "all", "description": "pods"}
WEB_RULE = {"source_cidr_ip": "21.0.0.0/8", "ip_protocol": "tcp", "port_range": "80/80", "priority": 10}


@pytest.fixture
def api():
    fake = FakeEcsApi()
    fake.sg = fake.add_group()
    return fake


@pytest.fixture
def run(monkeypatch, capsys, api):
    return Runner(monkeypatch, capsys, ecs=api)


def rules_of(api):
    return api.groups[api.sg]["rules"]


def test_add_rules(run, api):
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [POD_RULE, WEB_RULE]})
    assert rc == 0 and result["changed"] is True
    authorize = [p for a, p in api.calls if a == "AuthorizeSecurityGroup"]
    assert len(authorize) == 1 and authorize[0]["ClientToken"]
    assert authorize[0]["Permissions"] == [
        {
            "IpProtocol": "all",
            "PortRange": "-1/-1",
            "SourceCidrIp": "10.1.0.0/16",
            "Policy": "accept",
            "Priority": "1",
            "NicType": "intranet",
            "Description": "geomesh:pods",
        },
        {
            "IpProtocol": "tcp",
            "PortRange": "80/80",
            "SourceCidrIp": "21.0.0.0/8",
            "Policy": "accept",
            "Priority": "10",
            "NicType": "intranet",
            "Description": "geomesh:",
        },
    ]
    returned = {r["source_cidr_ip"]: r for r in result["rules"]}
    assert returned["10.1.0.0/16"]["ip_protocol"] == "all" and returned["10.1.0.0/16"]["policy"] == "accept"
    assert returned["21.0.0.0/8"]["priority"] == 10 and returned["21.0.0.0/8"]["security_group_rule_id"]
    assert len(result["added"]) == 2 and result["removed"] == [] and result["updated"] == []
    assert result["diff"]["before"] == {"rules": []} and len(result["diff"]["after"]["rules"]) == 2


def test_rerun_is_idempotent_with_api_casing(run, api):
    """The API returns upper-case protocols and capitalised policies; they still match."""
    args = {"security_group_id": api.sg, "rules": [POD_RULE, WEB_RULE]}
    run(ecs_security_group_rule.main, args)
    assert {r["IpProtocol"] for r in rules_of(api)} == {"ALL", "TCP"}
    assert {r["Policy"] for r in rules_of(api)} == {"Accept"}
    api.calls.clear()
    rc, result = run(ecs_security_group_rule.main, args)
    assert rc == 0 and result["changed"] is False
    assert api.actions == ["DescribeSecurityGroupAttribute"]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_check_mode_makes_no_write(run, api):
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [POD_RULE]}, True)
    assert result["changed"] is True and api.writes == [] and rules_of(api) == []
    assert result["added"][0]["source_cidr_ip"] == "10.1.0.0/16"
    assert result["diff"]["after"]["rules"][0]["description"] == "geomesh:pods"


def test_existing_rule_without_marker_is_adopted_by_description_update(run, api):
    rule_id = api.add_rule(api.sg, "ALL", "-1/-1", "10.1.0.0/16", Description="by hand")
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [POD_RULE]})
    assert result["changed"] is True
    modify = [p for a, p in api.calls if a == "ModifySecurityGroupRule"]
    assert len(modify) == 1 and modify[0]["SecurityGroupRuleId"] == rule_id
    assert modify[0]["Description"] == "geomesh:pods" and modify[0]["Priority"] == "1"
    assert "AuthorizeSecurityGroup" not in api.actions
    assert result["updated"][0]["description"] == "geomesh:pods"


def test_description_not_given_keeps_marked_description(run, api):
    api.add_rule(api.sg, "TCP", "80/80", "21.0.0.0/8", priority=10, Description="geomesh:web")
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [WEB_RULE]})
    assert result["changed"] is False and api.writes == []


def test_priority_change_is_modified_in_place(run, api):
    rule_id = api.add_rule(api.sg, "TCP", "80/80", "21.0.0.0/8", priority=5, Description="geomesh:")
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [WEB_RULE]})
    assert result["changed"] is True
    assert [a for a, p in api.writes] == ["ModifySecurityGroupRule"]
    assert rules_of(api)[0]["SecurityGroupRuleId"] == rule_id and rules_of(api)[0]["Priority"] == "10"


def test_purge_removes_only_marked_rules(run, api):
    keep_foreign = api.add_rule(api.sg, "TCP", "22/22", "0.0.0.0/0", Description="ssh by hand")
    keep_egress = api.add_rule(api.sg, "ALL", "-1/-1", "0.0.0.0/0", Direction="egress", Description="geomesh:out")
    stale = api.add_rule(api.sg, "ALL", "-1/-1", "10.9.0.0/16", Description="geomesh:old peer")
    wanted = api.add_rule(api.sg, "ALL", "-1/-1", "10.1.0.0/16", Description="geomesh:pods")
    rc, result = run(
        ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [POD_RULE], "purge_rules": True}
    )
    assert result["changed"] is True
    revoke = [p for a, p in api.calls if a == "RevokeSecurityGroup"]
    assert revoke[0]["SecurityGroupRuleId"] == [stale]
    remaining = {r["SecurityGroupRuleId"] for r in rules_of(api)}
    assert remaining == {keep_foreign, keep_egress, wanted}
    assert [r["source_cidr_ip"] for r in result["removed"]] == ["10.9.0.0/16"]


def test_purge_with_other_marker(run, api):
    ours = api.add_rule(api.sg, "ALL", "-1/-1", "10.9.0.0/16", Description="geomesh:pods:x")
    theirs = api.add_rule(api.sg, "ALL", "-1/-1", "10.8.0.0/16", Description="geomesh:nodes:y")
    rc, result = run(
        ecs_security_group_rule.main,
        {"security_group_id": api.sg, "rules": [], "purge_rules": True, "rule_marker": "geomesh:pods:"},
    )
    assert {r["SecurityGroupRuleId"] for r in rules_of(api)} == {theirs}
    assert ours not in {r["SecurityGroupRuleId"] for r in rules_of(api)}


def test_no_purge_by_default(run, api):
    api.add_rule(api.sg, "ALL", "-1/-1", "10.9.0.0/16", Description="geomesh:old")
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": []})
    assert result["changed"] is False and api.writes == []


def test_absent_removes_listed_rules_whatever_description(run, api):
    rule_id = api.add_rule(api.sg, "TCP", "80/80", "21.0.0.0/8", Description="by hand")
    other = api.add_rule(api.sg, "ALL", "-1/-1", "10.1.0.0/16")
    args = {"security_group_id": api.sg, "rules": [WEB_RULE], "state": "absent"}
    rc, result = run(ecs_security_group_rule.main, args)
    assert result["changed"] is True
    assert [p["SecurityGroupRuleId"] for a, p in api.writes] == [[rule_id]]
    assert [r["SecurityGroupRuleId"] for r in rules_of(api)] == [other]
    api.calls.clear()
    rc, result = run(ecs_security_group_rule.main, args)
    assert result["changed"] is False and api.writes == []


def test_absent_check_mode(run, api):
    api.add_rule(api.sg, "TCP", "80/80", "21.0.0.0/8")
    rc, result = run(
        ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [WEB_RULE], "state": "absent"}, True
    )
    assert result["changed"] is True and api.writes == [] and len(rules_of(api)) == 1


def test_absent_missing_group_is_not_changed(run, api):
    rc, result = run(
        ecs_security_group_rule.main, {"security_group_id": "sg-404", "rules": [WEB_RULE], "state": "absent"}
    )
    assert rc == 0 and result["changed"] is False and result["rules"] == []


def test_present_missing_group_fails(run, api):
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": "sg-404", "rules": [WEB_RULE]})
    assert rc == 1 and result["field"] == "security_group_id"


def test_more_than_100_rules_are_batched(run, api):
    rules = [{"source_cidr_ip": "10.%d.%d.0/24" % (i // 200, i % 200), "ip_protocol": "all"} for i in range(150)]
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": rules})
    batches = [len(p["Permissions"]) for a, p in api.calls if a == "AuthorizeSecurityGroup"]
    assert batches == [100, 50] and len(rules_of(api)) == 150


def test_retry_token_is_stable_within_a_run_and_unique_per_run(run, api):
    run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [POD_RULE]})
    api.groups[api.sg]["rules"] = []
    run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [POD_RULE]})
    tokens = [p["ClientToken"] for a, p in api.calls if a == "AuthorizeSecurityGroup"]
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert len(rules_of(api)) == 1


def test_revoke_of_a_vanished_rule_is_done(run, api):
    api.add_rule(api.sg, "TCP", "80/80", "21.0.0.0/8")
    api.fail("RevokeSecurityGroup", error("InvalidSecurityGroupRuleId.NotFound", 404))
    rc, result = run(
        ecs_security_group_rule.main,
        {"security_group_id": api.sg, "rules": [WEB_RULE], "state": "absent", "wait": False},
    )
    assert rc == 0 and result["changed"] is True


def test_api_error_fails_with_details(run, api):
    api.fail("AuthorizeSecurityGroup", error("QuotaExceeded.Rule", 403, "too many"))
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [POD_RULE]})
    assert rc == 1 and result["error"]["code"] == "QuotaExceeded.Rule" and "too many" in result["msg"]


@pytest.mark.parametrize(
    "rule, field",
    [
        ({"source_cidr_ip": "10.1.0.0/33", "ip_protocol": "all"}, "rules[0].source_cidr_ip"),
        ({"source_cidr_ip": "10.1.0.1/16", "ip_protocol": "all"}, "rules[0].source_cidr_ip"),
        ({"source_cidr_ip": "10.1.0.1", "ip_protocol": "all"}, "rules[0].source_cidr_ip"),
        ({"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "tcp"}, "rules[0].port_range"),
        ({"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "udp", "port_range": "80"}, "rules[0].port_range"),
        ({"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "tcp", "port_range": "0/80"}, "rules[0].port_range"),
        ({"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "tcp", "port_range": "90/80"}, "rules[0].port_range"),
        ({"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "tcp", "port_range": "1/65536"}, "rules[0].port_range"),
        ({"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "tcp", "port_range": "-1/-1"}, "rules[0].port_range"),
        ({"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "icmp", "port_range": "80/80"}, "rules[0].port_range"),
        ({"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "all", "priority": 0}, "rules[0].priority"),
        ({"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "all", "priority": 101}, "rules[0].priority"),
        ({"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "all", "description": "x" * 600}, "rules[0].description"),
    ],
)
def test_bad_rule_fails_before_any_call(run, api, rule, field):
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [rule]})
    assert rc == 1 and result["field"] == field and field in result["msg"]
    assert api.calls == []


def test_bad_second_rule_is_named(run, api):
    bad = {"source_cidr_ip": "10.2.0.0/16", "ip_protocol": "tcp", "port_range": "80-90"}
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [POD_RULE, bad]})
    assert rc == 1 and result["field"] == "rules[1].port_range" and api.calls == []


def test_duplicate_rules_fail(run, api):
    rc, result = run(
        ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [POD_RULE, dict(POD_RULE, priority=5)]}
    )
    assert rc == 1 and result["field"] == "rules[1]" and api.calls == []


@pytest.mark.parametrize(
    "args, field",
    [
        ({"security_group_id": "vpc-1"}, "security_group_id"),
        ({"security_group_id": "sg-1", "rule_marker": ""}, "rule_marker"),
        ({"security_group_id": "sg-1", "wait_timeout": -5}, "wait_timeout"),
    ],
)
def test_bad_options_fail_before_any_call(run, api, args, field):
    rc, result = run(ecs_security_group_rule.main, args)
    assert rc == 1 and result["field"] == field and api.calls == []


def test_bad_protocol_rejected_by_argument_spec(run, api):
    rc, result = run(
        ecs_security_group_rule.main,
        {"security_group_id": api.sg, "rules": [{"source_cidr_ip": "10.0.0.0/8", "ip_protocol": "sctp"}]},
    )
    assert rc == 1 and "ip_protocol" in result["msg"] and api.calls == []


def test_port_range_is_normalised(run, api):
    rule = {"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "udp", "port_range": "053/053"}
    rc, result = run(ecs_security_group_rule.main, {"security_group_id": api.sg, "rules": [rule]})
    assert rules_of(api)[0]["PortRange"] == "53/53"
