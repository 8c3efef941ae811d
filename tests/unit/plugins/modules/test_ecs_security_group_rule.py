# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import ecs_security_group_rule as module

POD_RULE = {"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "all", "description": "pods"}
WEB_RULE = {"source_cidr_ip": "21.0.0.0/8", "ip_protocol": "tcp", "port_range": "80/80", "priority": 10}


@pytest.fixture
def sg(add_group):
    return add_group()


@pytest.fixture
def rules_of(state):
    def rules(sg_id):
        return state("security_group", sg_id)["Permissions"]

    return rules


def permissions(call):
    """``Permissions.N.Field`` request parameters -> a list of dicts."""
    out = {}
    for key, value in call.items():
        if key.startswith("Permissions."):
            _prefix, index, field = key.split(".")
            out.setdefault(int(index), {})[field] = value
    return [out[i] for i in sorted(out)]


def test_add_rules(run, log, sg, rules_of):
    result = run(module, {"security_group_id": sg, "rules": [POD_RULE, WEB_RULE]})
    assert result["changed"] is True
    (authorize,) = log.calls("AuthorizeSecurityGroup")
    assert authorize["ClientToken"]
    assert permissions(authorize) == [
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
    stored = {r["SourceCidrIp"]: r for r in rules_of(sg)}
    assert stored["10.1.0.0/16"]["IpProtocol"] == "ALL" and stored["10.1.0.0/16"]["Description"] == "geomesh:pods"
    assert stored["21.0.0.0/8"]["PortRange"] == "80/80" and stored["21.0.0.0/8"]["Priority"] == "10"
    returned = {r["source_cidr_ip"]: r for r in result["rules"]}
    assert returned["10.1.0.0/16"]["ip_protocol"] == "all" and returned["10.1.0.0/16"]["policy"] == "accept"
    assert returned["21.0.0.0/8"]["priority"] == 10
    assert returned["21.0.0.0/8"]["security_group_rule_id"] == stored["21.0.0.0/8"]["SecurityGroupRuleId"]
    assert len(result["added"]) == 2 and result["removed"] == [] and result["updated"] == []
    assert result["diff"]["before"] == {"rules": []} and len(result["diff"]["after"]["rules"]) == 2


def test_rerun_is_idempotent_with_api_casing(run, log, sg, rules_of):
    """The API returns upper-case protocols and capitalised policies; they still match."""
    args = {"security_group_id": sg, "rules": [POD_RULE, WEB_RULE]}
    run(module, args)
    assert {r["IpProtocol"] for r in rules_of(sg)} == {"ALL", "TCP"}
    assert {r["Policy"] for r in rules_of(sg)} == {"Accept"}
    log.clear()
    result = run(module, args)
    assert result["changed"] is False
    assert log.actions() == ["DescribeSecurityGroupAttribute"]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_check_mode_makes_no_write(run, log, sg, rules_of):
    result = run(module, {"security_group_id": sg, "rules": [POD_RULE]}, check_mode=True)
    assert result["changed"] is True and log.writes() == [] and rules_of(sg) == []
    assert result["added"][0]["source_cidr_ip"] == "10.1.0.0/16"
    assert result["diff"]["after"]["rules"][0]["description"] == "geomesh:pods"


def test_existing_rule_without_marker_is_adopted_by_description_update(run, log, sg, add_rule, rules_of):
    rule_id = add_rule(sg, "ALL", "-1/-1", "10.1.0.0/16", description="by hand")
    result = run(module, {"security_group_id": sg, "rules": [POD_RULE]})
    assert result["changed"] is True
    (modify,) = log.calls("ModifySecurityGroupRule")
    assert modify["SecurityGroupRuleId"] == rule_id
    assert modify["Description"] == "geomesh:pods" and modify["Priority"] == "1"
    assert log.writes() == ["ModifySecurityGroupRule"]
    assert [(r["SecurityGroupRuleId"], r["Description"]) for r in rules_of(sg)] == [(rule_id, "geomesh:pods")]
    assert result["updated"][0]["description"] == "geomesh:pods"


def test_description_not_given_keeps_marked_description(run, log, sg, add_rule):
    add_rule(sg, "TCP", "80/80", "21.0.0.0/8", priority=10, description="geomesh:web")
    result = run(module, {"security_group_id": sg, "rules": [WEB_RULE]})
    assert result["changed"] is False and log.writes() == []


def test_priority_change_is_modified_in_place(run, log, sg, add_rule, rules_of):
    rule_id = add_rule(sg, "TCP", "80/80", "21.0.0.0/8", priority=5, description="geomesh:")
    result = run(module, {"security_group_id": sg, "rules": [WEB_RULE]})
    assert result["changed"] is True
    assert log.writes() == ["ModifySecurityGroupRule"]
    assert [(r["SecurityGroupRuleId"], r["Priority"]) for r in rules_of(sg)] == [(rule_id, "10")]


def test_purge_removes_only_marked_rules(run, log, sg, add_rule, rules_of):
    keep_foreign = add_rule(sg, "TCP", "22/22", "0.0.0.0/0", description="ssh by hand")
    keep_egress = add_rule(sg, "ALL", "-1/-1", "0.0.0.0/0", description="geomesh:out", egress=True)
    stale = add_rule(sg, "ALL", "-1/-1", "10.9.0.0/16", description="geomesh:old peer")
    wanted = add_rule(sg, "ALL", "-1/-1", "10.1.0.0/16", description="geomesh:pods")
    result = run(module, {"security_group_id": sg, "rules": [POD_RULE], "purge_rules": True})
    assert result["changed"] is True
    (revoke,) = log.calls("RevokeSecurityGroup")
    assert revoke["SecurityGroupRuleId.1"] == stale and "SecurityGroupRuleId.2" not in revoke
    assert {r["SecurityGroupRuleId"] for r in rules_of(sg)} == {keep_foreign, keep_egress, wanted}
    assert [r["source_cidr_ip"] for r in result["removed"]] == ["10.9.0.0/16"]
    log.clear()
    assert run(module, {"security_group_id": sg, "rules": [POD_RULE], "purge_rules": True})["changed"] is False
    assert log.writes() == []


def test_purge_with_other_marker(run, sg, add_rule, rules_of):
    add_rule(sg, "ALL", "-1/-1", "10.9.0.0/16", description="geomesh:pods:x")
    theirs = add_rule(sg, "ALL", "-1/-1", "10.8.0.0/16", description="geomesh:nodes:y")
    result = run(module, {"security_group_id": sg, "rules": [], "purge_rules": True, "rule_marker": "geomesh:pods:"})
    assert result["changed"] is True
    assert [r["SecurityGroupRuleId"] for r in rules_of(sg)] == [theirs]


def test_no_purge_by_default(run, log, sg, add_rule, rules_of):
    add_rule(sg, "ALL", "-1/-1", "10.9.0.0/16", description="geomesh:old")
    result = run(module, {"security_group_id": sg, "rules": []})
    assert result["changed"] is False and log.writes() == [] and len(rules_of(sg)) == 1


def test_absent_removes_listed_rules_whatever_description(run, log, sg, add_rule, rules_of):
    rule_id = add_rule(sg, "TCP", "80/80", "21.0.0.0/8", description="by hand")
    other = add_rule(sg, "ALL", "-1/-1", "10.1.0.0/16")
    args = {"security_group_id": sg, "rules": [WEB_RULE], "state": "absent"}
    result = run(module, args)
    assert result["changed"] is True
    (revoke,) = log.calls("RevokeSecurityGroup")
    assert revoke["SecurityGroupRuleId.1"] == rule_id and "SecurityGroupRuleId.2" not in revoke
    assert [r["SecurityGroupRuleId"] for r in rules_of(sg)] == [other]
    log.clear()
    result = run(module, args)
    assert result["changed"] is False and log.writes() == []


def test_absent_check_mode(run, log, sg, add_rule, rules_of):
    add_rule(sg, "TCP", "80/80", "21.0.0.0/8")
    result = run(module, {"security_group_id": sg, "rules": [WEB_RULE], "state": "absent"}, check_mode=True)
    assert result["changed"] is True and log.writes() == [] and len(rules_of(sg)) == 1


def test_absent_missing_group_is_not_changed(run, log):
    result = run(module, {"security_group_id": "sg-404", "rules": [WEB_RULE], "state": "absent"})
    assert "failed" not in result and result["changed"] is False and result["rules"] == []
    assert log.codes("DescribeSecurityGroupAttribute") == ["InvalidSecurityGroupId.NotFound"]
    assert log.writes() == []


def test_present_missing_group_fails(run, log):
    result = run(module, {"security_group_id": "sg-404", "rules": [WEB_RULE]})
    assert result["failed"] is True and result["field"] == "security_group_id" and "sg-404" in result["msg"]
    assert log.writes() == []


def test_more_than_100_rules_are_batched(run, log, sg, rules_of):
    rules = [{"source_cidr_ip": "10.%d.%d.0/24" % (i // 200, i % 200), "ip_protocol": "all"} for i in range(150)]
    result = run(module, {"security_group_id": sg, "rules": rules})
    assert result["changed"] is True
    assert [len(permissions(c)) for c in log.calls("AuthorizeSecurityGroup")] == [100, 50]
    assert len(rules_of(sg)) == 150


def test_retry_token_is_stable_within_a_run_and_unique_per_run(run, seed, log, sg, rules_of):
    run(module, {"security_group_id": sg, "rules": [POD_RULE]})
    seed("RevokeSecurityGroup", SecurityGroupId=sg, **{"SecurityGroupRuleId.1": rules_of(sg)[0]["SecurityGroupRuleId"]})
    run(module, {"security_group_id": sg, "rules": [POD_RULE]})
    tokens = [p["ClientToken"] for p in log.calls("AuthorizeSecurityGroup")]
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert len(rules_of(sg)) == 1


def test_lost_authorize_response_is_replayed(run, faults, log, sg, rules_of):
    # seed 36: the fault dice say yes once, then no (percent 50)
    faults(server_error_after_commit_pct=50, actions=["AuthorizeSecurityGroup"], seed=36)
    result = run(module, {"security_group_id": sg, "rules": [POD_RULE]})
    assert result["changed"] is True
    assert log.codes("AuthorizeSecurityGroup") == ["ServiceUnavailable", None]
    assert len({p["ClientToken"] for p in log.calls("AuthorizeSecurityGroup")}) == 1
    assert len(rules_of(sg)) == 1


def test_revoke_of_a_vanished_rule_is_done(run, after_action, log, sg, add_rule, rules_of):
    """Another client revokes one of two rules after the module listed them: the batch revoke fails
    not-found, the module revokes one by one and counts the vanished rule as done."""
    gone = add_rule(sg, "TCP", "80/80", "21.0.0.0/8")
    other = add_rule(sg, "ALL", "-1/-1", "10.1.0.0/16")

    def revoke_by_someone_else(ctx):
        doc = ctx.store.get("security_group", sg)
        doc["Permissions"] = [r for r in doc["Permissions"] if r["SecurityGroupRuleId"] != gone]
        ctx.store.put("security_group", sg, doc)

    after_action("DescribeSecurityGroupAttribute", revoke_by_someone_else)
    args = {"security_group_id": sg, "rules": [WEB_RULE, POD_RULE], "state": "absent", "wait": False}
    result = run(module, args)
    assert "failed" not in result and result["changed"] is True
    codes = log.codes("RevokeSecurityGroup")
    assert codes[0] == "InvalidSecurityGroupRuleId.NotFound" and sorted(codes[1:], key=str) == [
        "InvalidSecurityGroupRuleId.NotFound",
        None,
    ]
    assert [c["SecurityGroupRuleId.1"] for c in log.calls("RevokeSecurityGroup")[1:]] == sorted([gone, other])
    assert rules_of(sg) == []


def test_api_error_fails_with_details(run, inject, sg):
    inject("AuthorizeSecurityGroup", "QuotaExceeded.Rule", status=403, message="too many")
    result = run(module, {"security_group_id": sg, "rules": [POD_RULE]})
    assert result["failed"] is True and result["error"]["code"] == "QuotaExceeded.Rule" and "too many" in result["msg"]


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
def test_bad_rule_fails_before_any_call(run, log, sg, rule, field):
    result = run(module, {"security_group_id": sg, "rules": [rule]})
    assert result["failed"] is True and result["field"] == field and field in result["msg"]
    assert log.entries() == []


def test_bad_second_rule_is_named(run, log, sg):
    bad = {"source_cidr_ip": "10.2.0.0/16", "ip_protocol": "tcp", "port_range": "80-90"}
    result = run(module, {"security_group_id": sg, "rules": [POD_RULE, bad]})
    assert result["failed"] is True and result["field"] == "rules[1].port_range" and log.entries() == []


def test_duplicate_rules_fail(run, log, sg):
    result = run(module, {"security_group_id": sg, "rules": [POD_RULE, dict(POD_RULE, priority=5)]})
    assert result["failed"] is True and result["field"] == "rules[1]" and log.entries() == []


@pytest.mark.parametrize(
    "args, field",
    [
        ({"security_group_id": "vpc-1"}, "security_group_id"),
        ({"security_group_id": "sg-1", "rule_marker": ""}, "rule_marker"),
        ({"security_group_id": "sg-1", "wait_timeout": -5}, "wait_timeout"),
    ],
)
def test_bad_options_fail_before_any_call(run, log, args, field):
    result = run(module, args)
    assert result["failed"] is True and result["field"] == field and log.entries() == []


def test_bad_protocol_rejected_by_argument_spec(run, log, sg):
    rule = {"source_cidr_ip": "10.0.0.0/8", "ip_protocol": "sctp"}
    result = run(module, {"security_group_id": sg, "rules": [rule]})
    assert result["failed"] is True and "ip_protocol" in result["msg"] and log.entries() == []


def test_port_range_is_normalised(run, log, sg, rules_of):
    rule = {"source_cidr_ip": "10.1.0.0/16", "ip_protocol": "udp", "port_range": "053/053"}
    run(module, {"security_group_id": sg, "rules": [rule]})
    assert log.calls("AuthorizeSecurityGroup")[0]["Permissions.1.PortRange"] == "53/53"
    assert rules_of(sg)[0]["PortRange"] == "53/53"
