"""Contract tests: the region and zone table, through VPC DescribeRegions / DescribeZones and
CreateVSwitch (real alibabacloud_vpc20160428 SDK; responses parsed into the SDK's models)."""

from __future__ import annotations

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vpc20160428 import models as vm
from alibabacloud_vpc20160428.client import Client as VpcClient
from conftest import wait_for


@pytest.fixture
def vpc(client_factory):
    return client_factory(VpcClient, "cn-hangzhou")


def _code(fn) -> str:
    with pytest.raises(ClientException) as exc:
        fn()
    return exc.value.code


def _zones(vpc, region: str, **kw) -> list:
    body = vpc.describe_zones(vm.DescribeZonesRequest(region_id=region, **kw)).body
    return body.zones.zone


def _vpc_in(vpc, region: str, cidr: str = "10.0.0.0/8") -> str:
    vpc_id = vpc.create_vpc(vm.CreateVpcRequest(region_id=region, cidr_block=cidr)).body.vpc_id
    wait_for(
        lambda: vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=region, vpc_id=vpc_id)).body.vpcs.vpc[0].status
        == "Available"
    )
    return vpc_id


def _vswitch(vpc, region: str, vpc_id: str, zone: str, cidr: str) -> str:
    req = vm.CreateVSwitchRequest(region_id=region, vpc_id=vpc_id, zone_id=zone, cidr_block=cidr)
    return vpc.create_vswitch(req).body.v_switch_id


def test_describe_regions_lists_the_table(vpc):
    body = vpc.describe_regions(vm.DescribeRegionsRequest(accept_language="en-US")).body
    assert body.request_id
    regions = {r.region_id: r for r in body.regions.region}
    assert len(regions) == len(body.regions.region)  # no duplicates
    for rid in ("cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "ap-southeast-1", "eu-central-1"):
        assert rid in regions, rid
    assert regions["cn-beijing"].local_name == "China (Beijing)"
    assert regions["cn-qingdao"].region_endpoint == "vpc.aliyuncs.com"  # the doc's example
    assert all(r.region_endpoint and r.local_name for r in regions.values())
    assert "xx-nowhere-1" not in regions
    # every listed region answers DescribeZones with at least one zone of its own
    for rid in regions:
        zones = _zones(vpc, rid)
        assert zones, rid
        assert all(z.zone_id.startswith(rid) for z in zones), rid


def test_describe_zones_shape_and_filters(vpc):
    zones = _zones(vpc, "cn-beijing")
    ids = [z.zone_id for z in zones]
    assert {"cn-beijing-k", "cn-beijing-l"} <= set(ids)
    assert "cn-shanghai-b" not in ids
    k = [z for z in zones if z.zone_id == "cn-beijing-k"][0]
    assert k.local_name == "Beijing Zone K"
    assert k.zone_type == "AvailabilityZone"
    assert "cn-shanghai-b" in [z.zone_id for z in _zones(vpc, "cn-shanghai")]
    # an explicit default ZoneType lists the same; another type lists nothing modelled here
    assert [z.zone_id for z in _zones(vpc, "cn-beijing", zone_type="AvailabilityZone")] == ids
    assert _zones(vpc, "cn-beijing", zone_type="LocalZone") == []
    assert _code(lambda: vpc.describe_zones(vm.DescribeZonesRequest(region_id="xx-nowhere-1"))) == (
        "InvalidRegionId.NotFound"
    )
    assert _code(lambda: vpc.describe_zones(vm.DescribeZonesRequest())) == "MissingParameter"


def test_real_zones_accepted_and_zone_of_another_region_refused(vpc):
    """cn-shanghai-b, cn-beijing-k and cn-beijing-l are real zones (the old table refused them)."""
    sh = _vpc_in(vpc, "cn-shanghai")
    bj = _vpc_in(vpc, "cn-beijing")
    made = {
        "cn-shanghai-b": _vswitch(vpc, "cn-shanghai", sh, "cn-shanghai-b", "10.1.0.0/16"),
        "cn-beijing-k": _vswitch(vpc, "cn-beijing", bj, "cn-beijing-k", "10.1.0.0/16"),
        "cn-beijing-l": _vswitch(vpc, "cn-beijing", bj, "cn-beijing-l", "10.2.0.0/16"),
    }
    for zone, vsw_id in made.items():
        region = zone.rsplit("-", 1)[0]
        got = vpc.describe_vswitches(vm.DescribeVSwitchesRequest(region_id=region, v_switch_id=vsw_id)).body
        assert got.v_switches.v_switch[0].zone_id == zone
    # a zone of another region is refused, and nothing is created
    assert _code(lambda: _vswitch(vpc, "cn-beijing", bj, "cn-shanghai-b", "10.3.0.0/16")) == "InvalidZoneId.NotFound"
    assert _code(lambda: _vswitch(vpc, "cn-shanghai", sh, "cn-beijing-k", "10.3.0.0/16")) == "InvalidZoneId.NotFound"
    listed = vpc.describe_vswitches(vm.DescribeVSwitchesRequest(region_id="cn-beijing", vpc_id=bj)).body
    assert listed.total_count == 2


def test_every_zone_describe_zones_lists_is_accepted(vpc):
    """DescribeZones and CreateVSwitch read the same table."""
    vpc_id = _vpc_in(vpc, "cn-beijing")
    zones = [z.zone_id for z in _zones(vpc, "cn-beijing")]
    for i, zone in enumerate(zones):
        _vswitch(vpc, "cn-beijing", vpc_id, zone, f"10.{i + 1}.0.0/24")
    listed = vpc.describe_vswitches(
        vm.DescribeVSwitchesRequest(region_id="cn-beijing", vpc_id=vpc_id, page_size=50)
    ).body.v_switches.v_switch
    assert sorted(s.zone_id for s in listed) == sorted(zones)
