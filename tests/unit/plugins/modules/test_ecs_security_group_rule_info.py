# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import ecs_security_group_rule_info
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.network_fakes import (
    FakeEcsApi,
    Runner,
    error,
)


@pytest.fixture
def api():
    fake = FakeEcsApi()
    fake.sg = fake.add_group(vpc_id="vpc-abc")
    fake.pods = fake.add_rule(fake.sg, "ALL", "-1/-1", "10.1.0.0/16", priority=5, Description="geomesh:pods")
    fake.web = fake.add_rule(fake.sg, "TCP", "80/80", "0.0.0.0/0", priority=1, Description="web")
    fake.deny = fake.add_rule(fake.sg, "UDP", "53/53", "10.9.0.0/16", policy="Drop", priority=2)
    fake.out = fake.add_rule(fake.sg, "ALL", "-1/-1", "0.0.0.0/0", Direction="egress")
    return fake


@pytest.fixture
def run(monkeypatch, capsys, api):
    return Runner(monkeypatch, capsys, ecs=api)


def ids(result):
    return [r["security_group_rule_id"] for r in result["rules"]]


def test_ingress_by_default_sorted_by_priority(run, api):
    rc, result = run(ecs_security_group_rule_info.main, {"security_group_id": api.sg})
    assert rc == 0 and result["changed"] is False
    assert ids(result) == [api.web, api.deny, api.pods]
    assert result["vpc_id"] == "vpc-abc"
    web = result["rules"][0]
    assert web["ip_protocol"] == "tcp" and web["policy"] == "accept" and web["priority"] == 1
    assert api.calls[0][1]["Direction"] == "ingress"


def test_all_directions(run, api):
    rc, result = run(ecs_security_group_rule_info.main, {"security_group_id": api.sg, "direction": "all"})
    assert set(ids(result)) == {api.web, api.deny, api.pods, api.out}


def test_filters(run, api):
    def find(**args):
        return ids(run(ecs_security_group_rule_info.main, dict(args, security_group_id=api.sg))[1])

    assert find(rule_ids=[api.pods, "sgr-404"]) == [api.pods]
    assert find(ip_protocol="udp") == [api.deny]
    assert find(policy="drop") == [api.deny]
    assert find(port_range="80/80") == [api.web]
    assert find(source_cidr_ip="10.1.0.0/16") == [api.pods]
    assert find(description_prefix="geomesh:") == [api.pods]


def test_missing_group_is_empty(run, api):
    rc, result = run(ecs_security_group_rule_info.main, {"security_group_id": "sg-404"})
    assert rc == 0 and result["rules"] == [] and result["vpc_id"] is None


def test_paging_follows_next_token(run, api):
    pages = [
        {"VpcId": "vpc-abc", "NextToken": "t2", "Permissions": {"Permission": [{"SecurityGroupRuleId": "sgr-1"}]}},
        {"VpcId": "vpc-abc", "Permissions": {"Permission": [{"SecurityGroupRuleId": "sgr-2"}]}},
    ]
    api.do_DescribeSecurityGroupAttribute = lambda **params: pages.pop(0)
    rc, result = run(ecs_security_group_rule_info.main, {"security_group_id": api.sg})
    assert ids(result) == ["sgr-1", "sgr-2"]
    assert api.calls[1][1]["NextToken"] == "t2"


def test_check_mode(run, api):
    rc, result = run(ecs_security_group_rule_info.main, {"security_group_id": api.sg}, check_mode=True)
    assert rc == 0 and len(result["rules"]) == 3


def test_bad_input(run, api):
    rc, result = run(ecs_security_group_rule_info.main, {"security_group_id": "vsw-1"})
    assert rc == 1 and result["field"] == "security_group_id" and api.calls == []
    rc, result = run(ecs_security_group_rule_info.main, {"security_group_id": api.sg, "source_cidr_ip": "10.0.0.0"})
    assert rc == 1 and result["field"] == "source_cidr_ip" and api.calls == []


def test_api_error(run, api):
    api.fail("DescribeSecurityGroupAttribute", error("Throttling.User", 400))
    rc, result = run(ecs_security_group_rule_info.main, {"security_group_id": api.sg})
    assert rc == 1 and result["error"]["code"] == "Throttling.User"
