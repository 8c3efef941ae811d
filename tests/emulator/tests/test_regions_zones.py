"""Contract tests: the region and zone table, through CreateVSwitch (real alibabacloud_vpc20160428 SDK)."""

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
