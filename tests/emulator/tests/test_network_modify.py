"""Contract tests: attribute updates used by the network-stage modules, through the real SDKs.

ModifyVpcAttribute / ModifyVSwitchAttribute (VPC 2016-04-28), ModifySecurityGroupRule (ECS 2014-05-26),
and tags on vSwitches (TagResources / UnTagResources with ResourceType VSWITCH).
"""

from __future__ import annotations

import pytest
from alibabacloud_ecs20140526 import models as em
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vpc20160428 import models as vm
from alibabacloud_vpc20160428.client import Client as VpcClient
from conftest import control, wait_for

REGION = "cn-hangzhou"


@pytest.fixture
def vpc(client_factory):
    return client_factory(VpcClient, REGION)


@pytest.fixture
def ecs(client_factory):
    return client_factory(EcsClient, REGION)


def _vpc_item(vpc, vpc_id):
    return vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION, vpc_id=vpc_id)).body.vpcs.vpc[0]


def _vsw_item(vpc, vsw_id):
    return vpc.describe_vswitches(
        vm.DescribeVSwitchesRequest(region_id=REGION, v_switch_id=vsw_id)
    ).body.v_switches.v_switch[0]


@pytest.fixture
def vpc_id(vpc):
    vid = vpc.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="20.0.0.0/8", vpc_name="v")).body.vpc_id
    wait_for(lambda: _vpc_item(vpc, vid).status == "Available")
    return vid


@pytest.fixture
def vsw_id(vpc, vpc_id):
    vid = vpc.create_vswitch(
        vm.CreateVSwitchRequest(
            region_id=REGION, vpc_id=vpc_id, zone_id="cn-hangzhou-h", cidr_block="20.1.0.0/16", v_switch_name="s"
        )
    ).body.v_switch_id
    wait_for(lambda: _vsw_item(vpc, vid).status == "Available")
    return vid


def _code(exc_info):
    return exc_info.value.code


# ------------------------------------------------------------------------------------------ VPC
def test_modify_vpc_name_and_description(fresh, vpc, vpc_id):
    vpc.modify_vpc_attribute(vm.ModifyVpcAttributeRequest(region_id=REGION, vpc_id=vpc_id, description="d1"))
    item = _vpc_item(vpc, vpc_id)
    assert item.vpc_name == "v" and item.description == "d1"  # fields not sent stay as they are
    vpc.modify_vpc_attribute(vm.ModifyVpcAttributeRequest(region_id=REGION, vpc_id=vpc_id, vpc_name="v2"))
    item = _vpc_item(vpc, vpc_id)
    assert item.vpc_name == "v2" and item.description == "d1"
    writes = [e for e in control(fresh, "/_emulator/log") if e["action"] == "ModifyVpcAttribute"]
    assert len(writes) == 2 and all(e["write"] for e in writes)


def test_modify_vpc_errors(vpc, vpc_id):
    with pytest.raises(ClientException) as err:
        vpc.modify_vpc_attribute(vm.ModifyVpcAttributeRequest(region_id=REGION, vpc_id="vpc-nope", vpc_name="x"))
    assert _code(err) == "InvalidVpcId.NotFound"
    with pytest.raises(ClientException) as err:
        vpc.modify_vpc_attribute(vm.ModifyVpcAttributeRequest(region_id=REGION, vpc_id=vpc_id, vpc_name="http://x"))
    assert _code(err) == "InvalidVpcName.Malformed"
    with pytest.raises(ClientException) as err:
        vpc.modify_vpc_attribute(vm.ModifyVpcAttributeRequest(region_id="cn-shanghai", vpc_id=vpc_id, vpc_name="x"))
    assert _code(err) == "InvalidVpcId.NotFound"


# -------------------------------------------------------------------------------------- vSwitch
def test_modify_vswitch_name_and_description(vpc, vsw_id):
    vpc.modify_vswitch_attribute(
        vm.ModifyVSwitchAttributeRequest(region_id=REGION, v_switch_id=vsw_id, v_switch_name="s2")
    )
    item = _vsw_item(vpc, vsw_id)
    assert item.v_switch_name == "s2" and item.description == ""
    vpc.modify_vswitch_attribute(
        vm.ModifyVSwitchAttributeRequest(region_id=REGION, v_switch_id=vsw_id, description="main")
    )
    item = _vsw_item(vpc, vsw_id)
    assert item.v_switch_name == "s2" and item.description == "main"


def test_modify_vswitch_errors(vpc, vsw_id):
    with pytest.raises(ClientException) as err:
        vpc.modify_vswitch_attribute(
            vm.ModifyVSwitchAttributeRequest(region_id=REGION, v_switch_id="vsw-nope", v_switch_name="x")
        )
    assert _code(err) == "InvalidVSwitchId.NotFound" and err.value.status_code == 404
    with pytest.raises(ClientException) as err:
        vpc.modify_vswitch_attribute(
            vm.ModifyVSwitchAttributeRequest(region_id=REGION, v_switch_id=vsw_id, description="x" * 300)
        )
    assert _code(err) == "InvalidDescription.Malformed"


def test_vswitch_tags(vpc, vsw_id):
    vpc.tag_resources(
        vm.TagResourcesRequest(
            region_id=REGION,
            resource_type="VSWITCH",
            resource_id=[vsw_id],
            tag=[vm.TagResourcesRequestTag(key="a", value="1"), vm.TagResourcesRequestTag(key="b", value="2")],
        )
    )
    tags = {t.key: t.value for t in _vsw_item(vpc, vsw_id).tags.tag}
    assert tags == {"a": "1", "b": "2"}
    vpc.un_tag_resources(
        vm.UnTagResourcesRequest(region_id=REGION, resource_type="VSWITCH", resource_id=[vsw_id], tag_key=["a"])
    )
    assert {t.key: t.value for t in _vsw_item(vpc, vsw_id).tags.tag} == {"b": "2"}


# ---------------------------------------------------------------------------------- ECS rules
def _sg(ecs, vpc_id):
    return ecs.create_security_group(
        em.CreateSecurityGroupRequest(region_id=REGION, vpc_id=vpc_id)
    ).body.security_group_id


def _rules(ecs, sg_id):
    return ecs.describe_security_group_attribute(
        em.DescribeSecurityGroupAttributeRequest(region_id=REGION, security_group_id=sg_id, direction="ingress")
    ).body.permissions.permission


def _authorize(ecs, sg_id, **kw):
    base = {"ip_protocol": "tcp", "port_range": "80/80", "source_cidr_ip": "10.1.0.0/16"}
    base.update(kw)
    ecs.authorize_security_group(
        em.AuthorizeSecurityGroupRequest(
            region_id=REGION,
            security_group_id=sg_id,
            permissions=[em.AuthorizeSecurityGroupRequestPermissions(**base)],
        )
    )
    return _rules(ecs, sg_id)[-1].security_group_rule_id


def test_modify_rule_by_id_keeps_id_and_tuple(ecs, vpc_id):
    sg_id = _sg(ecs, vpc_id)
    rule_id = _authorize(ecs, sg_id, description="old", priority="5")
    ecs.modify_security_group_rule(
        em.ModifySecurityGroupRuleRequest(
            region_id=REGION,
            security_group_id=sg_id,
            security_group_rule_id=rule_id,
            ip_protocol="tcp",
            port_range="80/80",
            source_cidr_ip="10.1.0.0/16",
            policy="accept",
            priority="10",
            description="geomesh:new",
        )
    )
    (rule,) = _rules(ecs, sg_id)
    assert rule.security_group_rule_id == rule_id
    assert rule.priority == "10" and rule.description == "geomesh:new"
    assert rule.ip_protocol == "TCP" and rule.port_range == "80/80" and rule.policy == "Accept"
    # by id, fields not sent stay as they are
    ecs.modify_security_group_rule(
        em.ModifySecurityGroupRuleRequest(
            region_id=REGION, security_group_id=sg_id, security_group_rule_id=rule_id, description="d3"
        )
    )
    (rule,) = _rules(ecs, sg_id)
    assert rule.priority == "10" and rule.description == "d3" and rule.source_cidr_ip == "10.1.0.0/16"


def test_modify_rule_by_tuple_changes_description(ecs, vpc_id):
    sg_id = _sg(ecs, vpc_id)
    rule_id = _authorize(ecs, sg_id, ip_protocol="all", port_range="-1/-1")
    ecs.modify_security_group_rule(
        em.ModifySecurityGroupRuleRequest(
            region_id=REGION,
            security_group_id=sg_id,
            ip_protocol="ALL",
            port_range="-1/-1",
            source_cidr_ip="10.1.0.0/16",
            description="by tuple",
        )
    )
    (rule,) = _rules(ecs, sg_id)
    assert rule.security_group_rule_id == rule_id and rule.description == "by tuple"


def test_modify_rule_errors(ecs, vpc_id):
    sg_id = _sg(ecs, vpc_id)
    rule_id = _authorize(ecs, sg_id)
    other_id = _authorize(ecs, sg_id, port_range="443/443")
    with pytest.raises(ClientException) as err:
        ecs.modify_security_group_rule(
            em.ModifySecurityGroupRuleRequest(
                region_id=REGION, security_group_id=sg_id, security_group_rule_id="sgr-nope", description="x"
            )
        )
    assert _code(err) == "InvalidSecurityGroupRuleId.NotFound"
    with pytest.raises(ClientException) as err:
        ecs.modify_security_group_rule(
            em.ModifySecurityGroupRuleRequest(
                region_id=REGION, security_group_id="sg-nope", security_group_rule_id=rule_id, description="x"
            )
        )
    assert _code(err) == "InvalidSecurityGroupId.NotFound"
    with pytest.raises(ClientException) as err:
        ecs.modify_security_group_rule(
            em.ModifySecurityGroupRuleRequest(
                region_id=REGION, security_group_id=sg_id, security_group_rule_id=rule_id, priority="101"
            )
        )
    assert _code(err) == "InvalidPriority.Malformed"
    with pytest.raises(ClientException) as err:  # would duplicate the other rule
        ecs.modify_security_group_rule(
            em.ModifySecurityGroupRuleRequest(
                region_id=REGION, security_group_id=sg_id, security_group_rule_id=rule_id, port_range="443/443"
            )
        )
    assert _code(err) == "InvalidPermission.Duplicate"
    with pytest.raises(ClientException) as err:
        ecs.modify_security_group_rule(
            em.ModifySecurityGroupRuleRequest(
                region_id=REGION,
                security_group_id=sg_id,
                ip_protocol="udp",
                port_range="53/53",
                source_cidr_ip="10.1.0.0/16",
                description="x",
            )
        )
    assert _code(err) == "InvalidSecurityGroupRule.RuleNotExist"
    assert {r.security_group_rule_id for r in _rules(ecs, sg_id)} == {rule_id, other_id}


def test_modify_rule_client_token_replay(fresh, ecs, vpc_id):
    sg_id = _sg(ecs, vpc_id)
    rule_id = _authorize(ecs, sg_id)
    request = em.ModifySecurityGroupRuleRequest(
        region_id=REGION, security_group_id=sg_id, security_group_rule_id=rule_id, description="a", client_token="t1"
    )
    ecs.modify_security_group_rule(request)
    ecs.modify_security_group_rule(
        em.ModifySecurityGroupRuleRequest(
            region_id=REGION, security_group_id=sg_id, security_group_rule_id=rule_id, description="b"
        )
    )
    ecs.modify_security_group_rule(request)  # replayed: the description stays "b"
    assert _rules(ecs, sg_id)[0].description == "b"
