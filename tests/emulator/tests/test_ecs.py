"""Contract tests: ECS 2014-05-26 security groups through the real alibabacloud_ecs20140526 SDK."""

from __future__ import annotations

import pytest
from alibabacloud_ecs20140526 import models as em
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vpc20160428 import models as vm
from alibabacloud_vpc20160428.client import Client as VpcClient
from conftest import wait_for

from geomesh_emulator.products import ecs as ecs_product

REGION = "cn-hangzhou"


@pytest.fixture
def ecs(client_factory):
    return client_factory(EcsClient, REGION)


@pytest.fixture
def vpc_id(client_factory):
    vpc = client_factory(VpcClient, REGION)
    vid = vpc.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="20.0.0.0/8")).body.vpc_id
    wait_for(
        lambda: vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION, vpc_id=vid)).body.vpcs.vpc[0].status
        == "Available"
    )
    return vid


def _sg(ecs, vpc_id, **kw):
    return ecs.create_security_group(
        em.CreateSecurityGroupRequest(region_id=REGION, vpc_id=vpc_id, **kw)
    ).body.security_group_id


def _perm(**kw):
    base = {"ip_protocol": "tcp", "port_range": "80/80", "source_cidr_ip": "10.1.0.0/16"}
    base.update(kw)
    return em.AuthorizeSecurityGroupRequestPermissions(**base)


def _rules(ecs, sg_id, **kw):
    body = ecs.describe_security_group_attribute(
        em.DescribeSecurityGroupAttributeRequest(region_id=REGION, security_group_id=sg_id, **kw)
    ).body
    return body, body.permissions.permission


def test_create_describe_delete_security_group(ecs, vpc_id):
    sg_id = _sg(
        ecs,
        vpc_id,
        security_group_name="ack-sg",
        security_group_type="enterprise",
        tag=[em.CreateSecurityGroupRequestTag(key="owner", value="geomesh")],
        client_token="sg-tok",
    )
    assert sg_id.startswith("sg-")
    assert (
        _sg(
            ecs,
            vpc_id,
            security_group_name="ack-sg",
            security_group_type="enterprise",
            tag=[em.CreateSecurityGroupRequestTag(key="owner", value="geomesh")],
            client_token="sg-tok",
        )
        == sg_id
    )
    body = ecs.describe_security_groups(em.DescribeSecurityGroupsRequest(region_id=REGION, vpc_id=vpc_id)).body
    assert body.total_count == 1
    item = body.security_groups.security_group[0]
    assert item.security_group_id == sg_id
    assert item.security_group_type == "enterprise"
    assert item.vpc_id == vpc_id
    assert item.tags.tag[0].tag_key == "owner" and item.tags.tag[0].tag_value == "geomesh"
    by_ids = ecs.describe_security_groups(
        em.DescribeSecurityGroupsRequest(region_id=REGION, security_group_ids=f'["{sg_id}"]', max_results=10)
    ).body
    assert by_ids.total_count == 1 and by_ids.next_token == ""
    ecs.delete_security_group(em.DeleteSecurityGroupRequest(region_id=REGION, security_group_id=sg_id))
    assert ecs.describe_security_groups(em.DescribeSecurityGroupsRequest(region_id=REGION)).body.total_count == 0
    with pytest.raises(ClientException) as exc:
        ecs.delete_security_group(em.DeleteSecurityGroupRequest(region_id=REGION, security_group_id=sg_id))
    assert exc.value.code == "InvalidSecurityGroupId.NotFound" and exc.value.status_code == 404


def test_security_group_needs_existing_vpc(ecs):
    with pytest.raises(ClientException) as exc:
        _sg(ecs, "vpc-missing")
    assert exc.value.code == "InvalidVpcId.NotFound"


def test_authorize_rules_idempotent_and_normalised(ecs, vpc_id):
    sg_id = _sg(ecs, vpc_id)
    ecs.authorize_security_group(
        em.AuthorizeSecurityGroupRequest(
            region_id=REGION,
            security_group_id=sg_id,
            permissions=[
                _perm(ip_protocol="all", port_range="-1/-1", source_cidr_ip="10.1.0.0/16", description="peer pods"),
                _perm(
                    ip_protocol="tcp", port_range="1/65535", source_cidr_ip="21.0.0.0/8", priority="5", policy="accept"
                ),
            ],
        )
    )
    body, rules = _rules(ecs, sg_id)
    assert body.vpc_id == vpc_id and body.security_group_id == sg_id
    assert len(rules) == 2
    allr = [r for r in rules if r.ip_protocol == "ALL"][0]
    assert allr.port_range == "-1/-1" and allr.source_cidr_ip == "10.1.0.0/16"
    assert allr.direction == "ingress" and allr.policy == "Accept" and allr.priority == "1"
    assert allr.nic_type == "intranet" and allr.description == "peer pods"
    assert allr.security_group_rule_id.startswith("sgr-") and allr.create_time
    tcp = [r for r in rules if r.ip_protocol == "TCP"][0]
    assert tcp.priority == "5"
    # documented: an existing rule makes the call succeed without adding one
    ecs.authorize_security_group(
        em.AuthorizeSecurityGroupRequest(
            region_id=REGION, security_group_id=sg_id, permissions=[_perm(ip_protocol="ALL", port_range="-1/-1")]
        )
    )
    assert len(_rules(ecs, sg_id)[1]) == 2


def test_authorize_validation(ecs, vpc_id):
    sg_id = _sg(ecs, vpc_id)
    cases = [
        (_perm(ip_protocol="ALL", port_range="1/100"), "InvalidPortRange.Malformed"),
        (_perm(ip_protocol="ICMP", port_range="80/80"), "InvalidPortRange.Malformed"),
        (_perm(ip_protocol="TCP", port_range="-1/-1"), "InvalidPortRange.Malformed"),
        (_perm(ip_protocol="TCP", port_range="90/80"), "InvalidPortRange.Malformed"),
        (_perm(ip_protocol="TCP", port_range="0/70000"), "InvalidPortRange.Malformed"),
        (_perm(ip_protocol="SCTP"), "InvalidIpProtocol.Malformed"),
        (_perm(priority="101"), "InvalidPriority.Malformed"),
        (_perm(priority="0"), "InvalidPriority.Malformed"),
    ]
    for perm, code in cases:
        with pytest.raises(ClientException) as exc:
            ecs.authorize_security_group(
                em.AuthorizeSecurityGroupRequest(region_id=REGION, security_group_id=sg_id, permissions=[perm])
            )
        assert exc.value.code == code, (perm.to_map(), exc.value.code)
    assert _rules(ecs, sg_id)[1] == []
    with pytest.raises(ClientException) as exc:
        ecs.authorize_security_group(
            em.AuthorizeSecurityGroupRequest(region_id=REGION, security_group_id="sg-missing", permissions=[_perm()])
        )
    assert exc.value.code == "InvalidSecurityGroupId.NotFound"


def test_authorize_client_token(ecs, vpc_id):
    sg_id = _sg(ecs, vpc_id)
    req = em.AuthorizeSecurityGroupRequest(
        region_id=REGION, security_group_id=sg_id, permissions=[_perm()], client_token="auth-1"
    )
    ecs.authorize_security_group(req)
    ecs.authorize_security_group(req)
    assert len(_rules(ecs, sg_id)[1]) == 1
    with pytest.raises(ClientException) as exc:
        ecs.authorize_security_group(
            em.AuthorizeSecurityGroupRequest(
                region_id=REGION,
                security_group_id=sg_id,
                permissions=[_perm(port_range="81/81")],
                client_token="auth-1",
            )
        )
    assert exc.value.code == "IdempotentParameterMismatch"


def test_revoke_by_rule_id_and_by_tuple(ecs, vpc_id):
    sg_id = _sg(ecs, vpc_id)
    ecs.authorize_security_group(
        em.AuthorizeSecurityGroupRequest(
            region_id=REGION,
            security_group_id=sg_id,
            permissions=[_perm(port_range=f"{p}/{p}") for p in (80, 81, 82)],
        )
    )
    _b, rules = _rules(ecs, sg_id)
    rule81 = [r for r in rules if r.port_range == "81/81"][0]
    ecs.revoke_security_group(
        em.RevokeSecurityGroupRequest(
            region_id=REGION, security_group_id=sg_id, security_group_rule_id=[rule81.security_group_rule_id]
        )
    )
    assert sorted(r.port_range for r in _rules(ecs, sg_id)[1]) == ["80/80", "82/82"]
    ecs.revoke_security_group(
        em.RevokeSecurityGroupRequest(
            region_id=REGION,
            security_group_id=sg_id,
            permissions=[
                em.RevokeSecurityGroupRequestPermissions(
                    ip_protocol="TCP", port_range="80/80", source_cidr_ip="10.1.0.0/16"
                )
            ],
        )
    )
    assert [r.port_range for r in _rules(ecs, sg_id)[1]] == ["82/82"]
    with pytest.raises(ClientException) as exc:
        ecs.revoke_security_group(
            em.RevokeSecurityGroupRequest(
                region_id=REGION, security_group_id=sg_id, security_group_rule_id=["sgr-nope"]
            )
        )
    assert exc.value.code == "InvalidSecurityGroupRuleId.NotFound"


def test_describe_attribute_paging_and_direction(ecs, vpc_id):
    sg_id = _sg(ecs, vpc_id)
    ecs.authorize_security_group(
        em.AuthorizeSecurityGroupRequest(
            region_id=REGION,
            security_group_id=sg_id,
            permissions=[_perm(port_range=f"{p}/{p}") for p in range(1000, 1015)],
        )
    )
    body, first = _rules(ecs, sg_id, max_results=10)
    assert len(first) == 10 and body.next_token
    body2, second = _rules(ecs, sg_id, max_results=10, next_token=body.next_token)
    assert len(second) == 5 and not body2.next_token
    assert len({r.security_group_rule_id for r in first + second}) == 15
    assert _rules(ecs, sg_id, direction="egress")[1] == []


def test_helper_security_group_blocks_vpc_delete(emu, ecs, vpc_id, client_factory):
    with emu.transaction(REGION) as ctx:
        sg_id = ecs_product.create_security_group(ctx, vpc_id, REGION, "cluster-sg", "created by ACK")
    groups = ecs.describe_security_groups(em.DescribeSecurityGroupsRequest(region_id=REGION, vpc_id=vpc_id)).body
    assert [g.security_group_id for g in groups.security_groups.security_group] == [sg_id]
    vpc = client_factory(VpcClient, REGION)
    with pytest.raises(ClientException) as exc:
        vpc.delete_vpc(vm.DeleteVpcRequest(region_id=REGION, vpc_id=vpc_id))
    assert exc.value.code == "DependencyViolation.SecurityGroup"
