# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import types

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import ecs_security_group_rule_info as info


@pytest.fixture
def sg(seed, add_rule, state, log):
    vpc_id = seed("CreateVpc", CidrBlock="10.0.0.0/8")["VpcId"]
    found = types.SimpleNamespace(vpc_id=vpc_id, id=seed("CreateSecurityGroup", VpcId=vpc_id)["SecurityGroupId"])
    found.pods = add_rule(found.id, "ALL", "-1/-1", "10.1.0.0/16", priority=5, description="geomesh:pods")
    found.web = add_rule(found.id, "TCP", "80/80", "0.0.0.0/0", priority=1, description="web")
    found.deny = add_rule(found.id, "UDP", "53/53", "10.9.0.0/16", policy="drop", priority=2)
    found.out = add_rule(found.id, "ALL", "-1/-1", "0.0.0.0/0", egress=True)
    log.clear()
    return found


def ids(result):
    return [r["security_group_rule_id"] for r in result["rules"]]


def test_ingress_by_default_sorted_by_priority(run, log, sg):
    result = run(info, {"security_group_id": sg.id})
    assert result["changed"] is False
    assert ids(result) == [sg.web, sg.deny, sg.pods]
    assert result["vpc_id"] == sg.vpc_id
    web = result["rules"][0]
    assert web["ip_protocol"] == "tcp" and web["policy"] == "accept" and web["priority"] == 1
    assert web["port_range"] == "80/80" and web["description"] == "web"
    assert log.calls()[0]["Direction"] == "ingress" and log.writes() == []


def test_all_directions(run, sg):
    result = run(info, {"security_group_id": sg.id, "direction": "all"})
    assert set(ids(result)) == {sg.web, sg.deny, sg.pods, sg.out}


def test_filters(run, sg):
    def find(**args):
        return ids(run(info, dict(args, security_group_id=sg.id)))

    assert find(rule_ids=[sg.pods, "sgr-404"]) == [sg.pods]
    assert find(ip_protocol="udp") == [sg.deny]
    assert find(policy="drop") == [sg.deny]
    assert find(port_range="80/80") == [sg.web]
    assert find(source_cidr_ip="10.1.0.0/16") == [sg.pods]
    assert find(description_prefix="geomesh:") == [sg.pods]


def test_missing_group_is_empty(run, log):
    result = run(info, {"security_group_id": "sg-404"})
    assert "failed" not in result and result["rules"] == [] and result["vpc_id"] is None
    assert log.codes("DescribeSecurityGroupAttribute") == ["InvalidSecurityGroupId.NotFound"]


def test_paging_follows_next_token(run, wrap_action, add_rule, log, sg):
    """A server that answers fewer rules than MaxResults asked for: the module follows NextToken."""

    def small_pages(original, ctx, params):
        return original(ctx, dict(params, MaxResults="10"))

    for i in range(20):
        add_rule(sg.id, "ALL", "-1/-1", "10.%d.0.0/16" % (100 + i))
    log.clear()
    wrap_action("DescribeSecurityGroupAttribute", small_pages)
    result = run(info, {"security_group_id": sg.id})
    assert len(result["rules"]) == 23
    calls = log.calls("DescribeSecurityGroupAttribute")
    assert len(calls) == 3 and "NextToken" not in calls[0] and calls[1]["NextToken"] and calls[2]["NextToken"]


def test_check_mode(run, sg):
    result = run(info, {"security_group_id": sg.id}, check_mode=True)
    assert len(result["rules"]) == 3


def test_bad_input(run, log, sg):
    result = run(info, {"security_group_id": "vsw-1"})
    assert result["failed"] is True and result["field"] == "security_group_id" and log.entries() == []
    result = run(info, {"security_group_id": sg.id, "source_cidr_ip": "10.0.0.0"})
    assert result["failed"] is True and result["field"] == "source_cidr_ip" and log.entries() == []


def test_api_error(run, inject, sg):
    inject("DescribeSecurityGroupAttribute", "Forbidden.RAM", status=403)
    result = run(info, {"security_group_id": sg.id})
    assert result["failed"] is True and result["error"]["code"] == "Forbidden.RAM"
