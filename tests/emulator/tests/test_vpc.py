"""Contract tests: VPC 2016-04-28 through the real alibabacloud_vpc20160428 SDK."""

from __future__ import annotations

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vpc20160428 import models as vm
from alibabacloud_vpc20160428.client import Client as VpcClient
from conftest import wait_for

REGION = "cn-hangzhou"


@pytest.fixture
def vpc(client_factory):
    return client_factory(VpcClient, REGION)


def _status(vpc, vpc_id):
    body = vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION, vpc_id=vpc_id)).body
    return body.vpcs.vpc[0].status if body.vpcs.vpc else None


def make_vpc(vpc, cidr="20.0.0.0/8", name="v1", wait=True, **kw):
    resp = vpc.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block=cidr, vpc_name=name, **kw))
    if wait:
        wait_for(lambda: _status(vpc, resp.body.vpc_id) == "Available")
    return resp.body


def make_vsw(vpc, vpc_id, cidr, zone="cn-hangzhou-h", wait=True, **kw):
    resp = vpc.create_vswitch(
        vm.CreateVSwitchRequest(region_id=REGION, vpc_id=vpc_id, zone_id=zone, cidr_block=cidr, **kw)
    )
    if wait:
        wait_for(
            lambda: vpc.describe_vswitches(
                vm.DescribeVSwitchesRequest(region_id=REGION, v_switch_id=resp.body.v_switch_id)
            )
            .body.v_switches.v_switch[0]
            .status
            == "Available"
        )
    return resp.body


def test_create_vpc_lifecycle_pending_then_available(vpc):
    body = make_vpc(vpc, wait=False, tag=[vm.CreateVpcRequestTag(key="owner", value="geomesh")])
    assert body.vpc_id.startswith("vpc-")
    assert body.vrouter_id.startswith("vrt-")
    assert body.route_table_id.startswith("vtb-")
    assert body.request_id
    desc = vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION, vpc_id=body.vpc_id)).body
    item = desc.vpcs.vpc[0]
    assert item.status == "Pending"
    assert item.cidr_block == "20.0.0.0/8"
    assert item.vpc_name == "v1"
    assert item.router_table_ids.router_table_ids == [body.route_table_id]
    assert item.tags.tag[0].key == "owner" and item.tags.tag[0].value == "geomesh"
    wait_for(lambda: _status(vpc, body.vpc_id) == "Available")
    attr = vpc.describe_vpc_attribute(vm.DescribeVpcAttributeRequest(region_id=REGION, vpc_id=body.vpc_id)).body
    assert attr.status == "Available"
    assert attr.cidr_block == "20.0.0.0/8"
    assert attr.vrouter_id == body.vrouter_id


def test_describe_vpcs_region_isolation_and_paging(vpc, client_factory):
    for i in range(3):
        make_vpc(vpc, cidr=f"10.{i}.0.0/16", name=f"p{i}", wait=False)
    other = client_factory(VpcClient, "cn-shanghai")
    other.create_vpc(vm.CreateVpcRequest(region_id="cn-shanghai", cidr_block="21.0.0.0/8"))
    p1 = vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION, page_size=2, page_number=1)).body
    p2 = vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION, page_size=2, page_number=2)).body
    assert p1.total_count == 3 and len(p1.vpcs.vpc) == 2 and len(p2.vpcs.vpc) == 1
    assert p1.page_number == 1 and p1.page_size == 2
    names = {v.vpc_name for v in p1.vpcs.vpc + p2.vpcs.vpc}
    assert names == {"p0", "p1", "p2"}
    byname = vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION, vpc_name="p1")).body
    assert byname.total_count == 1
    with pytest.raises(ClientException):
        vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION, page_size=51))


def test_create_vpc_client_token_replay(vpc):
    a = vpc.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="20.0.0.0/8", client_token="tok-1")).body
    b = vpc.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="20.0.0.0/8", client_token="tok-1")).body
    assert a.vpc_id == b.vpc_id
    assert a.request_id != b.request_id
    assert vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION)).body.total_count == 1
    with pytest.raises(ClientException) as exc:
        vpc.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="21.0.0.0/8", client_token="tok-1"))
    assert exc.value.code == "IdempotentParameterMismatch"


def test_create_vpc_validation(vpc):
    for cidr in ("10.0.0.1/8", "not-a-cidr", "10.0.0.0/30", "100.64.0.0/16"):
        with pytest.raises(ClientException) as exc:
            vpc.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block=cidr))
        assert exc.value.code == "InvalidCidrBlock.Malformed", cidr
    with pytest.raises(ClientException) as exc:
        vpc.create_vpc(vm.CreateVpcRequest(region_id="xx-nowhere-1", cidr_block="10.0.0.0/8"))
    assert exc.value.code == "InvalidRegionId.NotFound"


def test_vswitch_create_validation_and_describe(vpc):
    v = make_vpc(vpc, cidr="20.0.0.0/8")
    sw = make_vsw(vpc, v.vpc_id, "20.1.0.0/16", tag=[vm.CreateVSwitchRequestTag(key="k", value="v")])
    assert sw.v_switch_id.startswith("vsw-")
    cases = [
        ("20.1.128.0/17", "cn-hangzhou-i", "InvalidCidrBlock.Overlapped"),
        ("21.0.0.0/16", "cn-hangzhou-i", "InvalidCidrBlock.Malformed"),
        ("20.2.0.0/16", "cn-hangzhou-z", "InvalidZoneId.NotFound"),
        ("20.2.0.0/30", "cn-hangzhou-i", "InvalidCidrBlock.Malformed"),
    ]
    for cidr, zone, code in cases:
        with pytest.raises(ClientException) as exc:
            vpc.create_vswitch(
                vm.CreateVSwitchRequest(region_id=REGION, vpc_id=v.vpc_id, zone_id=zone, cidr_block=cidr)
            )
        assert exc.value.code == code, (cidr, zone)
    with pytest.raises(ClientException) as exc:
        vpc.create_vswitch(
            vm.CreateVSwitchRequest(
                region_id=REGION, vpc_id="vpc-missing", zone_id="cn-hangzhou-h", cidr_block="20.3.0.0/16"
            )
        )
    assert exc.value.code == "InvalidVpcId.NotFound" and exc.value.status_code == 404
    make_vsw(vpc, v.vpc_id, "20.2.0.0/16", zone="cn-hangzhou-i")
    body = vpc.describe_vswitches(vm.DescribeVSwitchesRequest(region_id=REGION, vpc_id=v.vpc_id)).body
    assert body.total_count == 2
    item = [s for s in body.v_switches.v_switch if s.v_switch_id == sw.v_switch_id][0]
    assert item.zone_id == "cn-hangzhou-h"
    assert item.cidr_block == "20.1.0.0/16"
    assert item.route_table.route_table_type == "System"
    assert item.available_ip_address_count == 65536 - 4
    assert item.tags.tag[0].key == "k"
    zoned = vpc.describe_vswitches(vm.DescribeVSwitchesRequest(region_id=REGION, zone_id="cn-hangzhou-i")).body
    assert zoned.total_count == 1
    attr = vpc.describe_vpc_attribute(vm.DescribeVpcAttributeRequest(region_id=REGION, vpc_id=v.vpc_id)).body
    assert sorted(attr.v_switch_ids.v_switch_id) == sorted(s.v_switch_id for s in body.v_switches.v_switch)


def test_vswitch_in_pending_vpc_refused(vpc):
    v = make_vpc(vpc, wait=False)
    with pytest.raises(ClientException) as exc:
        vpc.create_vswitch(
            vm.CreateVSwitchRequest(
                region_id=REGION, vpc_id=v.vpc_id, zone_id="cn-hangzhou-h", cidr_block="20.1.0.0/16"
            )
        )
    assert exc.value.code == "IncorrectVpcStatus"


def test_delete_vpc_dependency_and_not_found(vpc):
    v = make_vpc(vpc)
    sw = make_vsw(vpc, v.vpc_id, "20.1.0.0/16")
    with pytest.raises(ClientException) as exc:
        vpc.delete_vpc(vm.DeleteVpcRequest(region_id=REGION, vpc_id=v.vpc_id))
    assert exc.value.code == "DependencyViolation.VSwitch"
    vpc.delete_vswitch(vm.DeleteVSwitchRequest(region_id=REGION, v_switch_id=sw.v_switch_id))
    wait_for(
        lambda: vpc.describe_vswitches(vm.DescribeVSwitchesRequest(region_id=REGION, vpc_id=v.vpc_id)).body.total_count
        == 0
    )
    vpc.delete_vpc(vm.DeleteVpcRequest(region_id=REGION, vpc_id=v.vpc_id))
    wait_for(lambda: vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION)).body.total_count == 0)
    with pytest.raises(ClientException) as exc:
        vpc.delete_vpc(vm.DeleteVpcRequest(region_id=REGION, vpc_id=v.vpc_id))
    assert exc.value.code == "InvalidVpcId.NotFound" and exc.value.status_code == 404
    with pytest.raises(ClientException) as exc:
        vpc.delete_vswitch(vm.DeleteVSwitchRequest(region_id=REGION, v_switch_id=sw.v_switch_id))
    assert exc.value.code == "InvalidVSwitchId.NotFound"
    with pytest.raises(ClientException) as exc:
        vpc.describe_vpc_attribute(vm.DescribeVpcAttributeRequest(region_id=REGION, vpc_id=v.vpc_id))
    assert exc.value.code == "InvalidVpcId.NotFound"


def test_route_entries(vpc):
    v = make_vpc(vpc)
    make_vsw(vpc, v.vpc_id, "20.1.0.0/16")
    r = vpc.create_route_entry(
        vm.CreateRouteEntryRequest(
            region_id=REGION,
            route_table_id=v.route_table_id,
            destination_cidr_block="10.0.0.0/24",
            next_hop_type="Instance",
            next_hop_id="i-node1",
            client_token="rte-1",
        )
    ).body
    assert r.route_entry_id.startswith("rte-")
    again = vpc.create_route_entry(
        vm.CreateRouteEntryRequest(
            region_id=REGION,
            route_table_id=v.route_table_id,
            destination_cidr_block="10.0.0.0/24",
            next_hop_type="Instance",
            next_hop_id="i-node1",
            client_token="rte-1",
        )
    ).body
    assert again.route_entry_id == r.route_entry_id
    with pytest.raises(ClientException) as exc:
        vpc.create_route_entry(
            vm.CreateRouteEntryRequest(
                region_id=REGION,
                route_table_id=v.route_table_id,
                destination_cidr_block="10.0.0.0/24",
                next_hop_id="i-node2",
            )
        )
    assert exc.value.code == "InvalidCIDRBlock.Duplicate"
    with pytest.raises(ClientException) as exc:
        vpc.create_route_entry(
            vm.CreateRouteEntryRequest(
                region_id=REGION,
                route_table_id=v.route_table_id,
                destination_cidr_block="10.1.0.0/16",
                next_hop_type="Attachment",
                next_hop_id="tr-attach-missing",
            )
        )
    assert exc.value.code == "InvalidNextHopId.NotFound"
    lst = vpc.describe_route_entry_list(
        vm.DescribeRouteEntryListRequest(region_id=REGION, route_table_id=v.route_table_id)
    ).body
    types = sorted((e.type, e.destination_cidr_block) for e in lst.route_entrys.route_entry)
    assert ("Custom", "10.0.0.0/24") in types and ("System", "20.1.0.0/16") in types
    custom = vpc.describe_route_entry_list(
        vm.DescribeRouteEntryListRequest(region_id=REGION, route_table_id=v.route_table_id, route_entry_type="Custom")
    ).body.route_entrys.route_entry
    assert len(custom) == 1 and custom[0].next_hops.next_hop[0].next_hop_id == "i-node1"
    wait_for(
        lambda: vpc.describe_route_entry_list(
            vm.DescribeRouteEntryListRequest(
                region_id=REGION, route_table_id=v.route_table_id, route_entry_id=r.route_entry_id
            )
        )
        .body.route_entrys.route_entry[0]
        .status
        == "Available"
    )
    with pytest.raises(ClientException) as exc:
        vpc.delete_vpc(vm.DeleteVpcRequest(region_id=REGION, vpc_id=v.vpc_id))
    assert exc.value.code in ("DependencyViolation.VSwitch", "DependencyViolation.RouteEntry")
    vpc.delete_route_entry(vm.DeleteRouteEntryRequest(region_id=REGION, route_entry_id=r.route_entry_id))
    wait_for(
        lambda: not vpc.describe_route_entry_list(
            vm.DescribeRouteEntryListRequest(
                region_id=REGION, route_table_id=v.route_table_id, route_entry_type="Custom"
            )
        ).body.route_entrys.route_entry
    )
    with pytest.raises(ClientException) as exc:
        vpc.delete_route_entry(vm.DeleteRouteEntryRequest(region_id=REGION, route_entry_id=r.route_entry_id))
    assert exc.value.code == "InvalidRouteEntry.NotFound"


def test_vpc_tags(vpc):
    v = make_vpc(vpc, wait=False)
    vpc.tag_resources(
        vm.TagResourcesRequest(
            region_id=REGION,
            resource_type="vpc",
            resource_id=[v.vpc_id],
            tag=[vm.TagResourcesRequestTag(key="a", value="1"), vm.TagResourcesRequestTag(key="b", value="2")],
        )
    )
    lst = vpc.list_tag_resources(
        vm.ListTagResourcesRequest(region_id=REGION, resource_type="VPC", resource_id=[v.vpc_id])
    ).body
    assert sorted((t.tag_key, t.tag_value) for t in lst.tag_resources.tag_resource) == [("a", "1"), ("b", "2")]
    assert lst.tag_resources.tag_resource[0].resource_type == "VPC"
    vpc.un_tag_resources(
        vm.UnTagResourcesRequest(region_id=REGION, resource_type="VPC", resource_id=[v.vpc_id], tag_key=["a"])
    )
    bytag = vpc.describe_vpcs(
        vm.DescribeVpcsRequest(region_id=REGION, tag=[vm.DescribeVpcsRequestTag(key="b", value="2")])
    ).body
    assert bytag.total_count == 1 and [t.key for t in bytag.vpcs.vpc[0].tags.tag] == ["b"]
    none = vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION, tag=[vm.DescribeVpcsRequestTag(key="a")])).body
    assert none.total_count == 0
