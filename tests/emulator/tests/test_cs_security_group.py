"""Contract tests: the security group a new ACK cluster gets is an enterprise (advanced) group
(inner policy Drop, rules referencing other groups refused), unless the request opts out."""

from __future__ import annotations

import pytest
from alibabacloud_cs20151215.client import Client as CsClient
from alibabacloud_ecs20140526 import models as ecsm
from test_cs_cluster import REGION, cluster_request, error_of, make_network


@pytest.fixture
def cs(emu, client_factory) -> CsClient:
    emu.clock.delay_scale = 1.0
    return client_factory(CsClient)


@pytest.fixture
def net(emu, cs, vpc):
    return make_network(emu, vpc, "20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h"), ("20.1.0.0/16", "cn-hangzhou-i")])


def _attr(ecs, sg_id):
    return ecs.describe_security_group_attribute(
        ecsm.DescribeSecurityGroupAttributeRequest(region_id=REGION, security_group_id=sg_id)
    ).body


def _authorize(ecs, sg_id, **perm):
    perm.setdefault("ip_protocol", "ALL")
    perm.setdefault("port_range", "-1/-1")
    return ecs.authorize_security_group(
        ecsm.AuthorizeSecurityGroupRequest(
            region_id=REGION,
            security_group_id=sg_id,
            permissions=[ecsm.AuthorizeSecurityGroupRequestPermissions(**perm)],
        )
    )


def _two_clusters(cs, net, **kw):
    vpc_id, vsws = net
    a = cs.create_cluster(
        cluster_request(vpc_id, vsws, container_cidr="10.10.0.0/16", service_cidr="172.20.0.0/16", **kw)
    ).body.cluster_id
    b = cs.create_cluster(
        cluster_request(vpc_id, vsws, container_cidr="10.11.0.0/16", service_cidr="172.21.0.0/16", **kw)
    ).body.cluster_id
    return [cs.describe_cluster_detail(c).body.security_group_id for c in (a, b)]


def test_cluster_security_group_is_enterprise(emu, cs, ecs, net):
    sg_a, sg_b = _two_clusters(cs, net)
    attr = _attr(ecs, sg_a)
    assert attr.inner_access_policy == "Drop"
    listed = ecs.describe_security_groups(
        ecsm.DescribeSecurityGroupsRequest(region_id=REGION, security_group_id=sg_a)
    ).body.security_groups.security_group
    assert [g.security_group_type for g in listed] == ["enterprise"]
    err = error_of(lambda: _authorize(ecs, sg_a, source_group_id=sg_b))
    assert err.code == "InvalidSecurityGroup.NotSupportGroupAuthorization" and err.status_code == 400
    assert not _attr(ecs, sg_a).permissions.permission  # nothing was added
    # CIDR rules (the peer cluster's Pod CIDR, protocol all) are fine
    _authorize(ecs, sg_a, source_cidr_ip="10.11.0.0/16", description="peer pods")
    rules = _attr(ecs, sg_a).permissions.permission
    assert [(r.source_cidr_ip, r.ip_protocol) for r in rules] == [("10.11.0.0/16", "ALL")]


def test_cluster_can_opt_out_of_enterprise_group(emu, cs, ecs, net):
    sg_a, sg_b = _two_clusters(cs, net, is_enterprise_security_group=False)
    assert _attr(ecs, sg_a).inner_access_policy == "Accept"
    _authorize(ecs, sg_a, source_group_id=sg_b)
    assert [r.source_group_id for r in _attr(ecs, sg_a).permissions.permission] == [sg_b]
