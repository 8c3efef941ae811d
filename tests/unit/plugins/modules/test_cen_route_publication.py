# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import cen_route_publication as module
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.conftest import REGION

PUBLISH = "PublishRouteEntries"
WITHDRAW = "WithdrawPublishedRouteEntries"
DESCRIBE = "DescribePublishedRouteEntries"
POD_CIDR = "10.0.0.0/16"


def emulator_vpc():
    from geomesh_emulator.products import vpc as emu_vpc  # pylint: disable=import-outside-toplevel

    return emu_vpc


@pytest.fixture
def node_route(emu, net):
    """``node_route(cidr, node)``: the route a Flannel cluster's cloud controller installs for a node (next hop:
    its instance); ``node_route(cidr, None)`` removes it (the node left)."""

    def change(cidr, node="i-0000000000000001"):
        with emu.transaction(region=REGION) as ctx:
            if node is None:
                emulator_vpc().remove_system_route_entry(ctx, vpc_id=net.vpc_id, destination_cidr=cidr)
            else:
                emulator_vpc().add_system_route_entry(ctx, vpc_id=net.vpc_id, destination_cidr=cidr, next_hop_id=node)

    return change


@pytest.fixture
def published(emu, net):
    """-> the destinations the emulator holds as published to the CEN (whose route still exists)."""
    from geomesh_emulator.products import cbn as emu_cbn  # pylint: disable=import-outside-toplevel

    def read():
        with emu.transaction() as ctx:
            return sorted(d["DestinationCidrBlock"] for d in emu_cbn.published_routes(ctx, net.cen_id, net.vpc_id))

    return read


def node_cidr(i):
    return "10.0.%d.%d/26" % (i // 4, (i % 4) * 64)


def pod_args(net, **extra):
    args = {"cen_id": net.cen_id, "vpc_id": net.vpc_id, "within": [POD_CIDR]}
    args.update(extra)
    return args


def test_publish_node_routes_one_call_each_then_rerun_reads_only(run, log, published, node_route, net):
    cidrs = [node_cidr(i) for i in range(5)]
    for i, cidr in enumerate(cidrs):
        node_route(cidr, "i-%016x" % (i + 1))
    result = run(module, pod_args(net))
    assert result["changed"] is True
    assert published() == sorted(cidrs) and result["published"] == cidrs and result["withdrawn"] == []
    calls = log.calls(PUBLISH)
    assert sorted(c["DestinationCidrBlock"] for c in calls) == sorted(cidrs) and len(calls) == 5
    for call in calls:
        assert call["CenId"] == net.cen_id and call["ChildInstanceId"] == net.vpc_id
        assert call["ChildInstanceRouteTableId"] == net.table and call["ChildInstanceType"] == "VPC"
        assert call["ChildInstanceRegionId"] == REGION
    assert log.writes() == [PUBLISH] * 5
    routes = result["published_routes"]
    assert [r["destination_cidr_block"] for r in routes] == cidrs
    assert {(r["publish_status"], r["route_type"], r["next_hop_type"]) for r in routes} == {
        ("Published", "Custom", "Instance")
    }
    assert routes[0]["next_hop_id"] == "i-0000000000000001"
    assert result["diff"] == {"before": {"published": []}, "after": {"published": cidrs}}
    # a publish of N routes: DescribeVpcs, one page before, N writes, one page after
    assert log.actions() == ["DescribeVpcs", DESCRIBE] + [PUBLISH] * 5 + [DESCRIBE]
    log.clear()
    result = run(module, pod_args(net))
    assert result["changed"] is False and result["published"] == [] and log.writes() == []
    assert log.actions() == ["DescribeVpcs", DESCRIBE]
    assert [r["publish_status"] for r in result["published_routes"]] == ["Published"] * 5
    log.clear()
    result = run(module, pod_args(net, route_table_id=net.table))
    assert result["changed"] is False and log.actions() == [DESCRIBE]


def test_pages_of_fifty(run, log, published, node_route, net):
    cidrs = [node_cidr(i) for i in range(60)]
    for i, cidr in enumerate(cidrs):
        node_route(cidr, "i-%016x" % (i + 1))
    result = run(module, pod_args(net, route_table_id=net.table))
    assert len(result["published"]) == 60 and len(published()) == 60
    log.clear()
    result = run(module, pod_args(net, route_table_id=net.table))
    assert result["changed"] is False and log.writes() == []
    pages = log.calls(DESCRIBE)
    # 60 node routes + 2 vSwitch routes + 100.64.0.0/10: two pages of at most 50
    assert [p["PageNumber"] for p in pages] == ["1", "2"] and {p["PageSize"] for p in pages} == {"50"}


def test_check_mode_predicts_and_writes_nothing(run, log, published, node_route, net):
    node_route("10.0.0.0/26")
    node_route("10.0.0.64/26", "i-0000000000000002")
    result = run(module, pod_args(net), check_mode=True)
    assert result["changed"] is True and result["published"] == ["10.0.0.0/26", "10.0.0.64/26"]
    assert [r["publish_status"] for r in result["published_routes"]] == ["Published", "Published"]
    assert result["diff"]["after"] == {"published": ["10.0.0.0/26", "10.0.0.64/26"]}
    assert log.writes() == [] and published() == []


def test_only_matching_custom_routes_inside_within_are_touched(run, log, seed, published, node_route, net):
    node_route("10.0.0.0/26")
    node_route("10.1.0.0/26", "i-0000000000000002")  # another cluster's Pod CIDR: outside within
    seed(
        "CreateRouteEntry",
        RouteTableId=net.table,
        DestinationCidrBlock="10.0.200.0/24",
        NextHopType="Attachment",
        NextHopId=net.att,
    )  # inside within, but its next hop type does not match
    seed(
        PUBLISH,
        CenId=net.cen_id,
        ChildInstanceId=net.vpc_id,
        ChildInstanceRegionId=REGION,
        ChildInstanceRouteTableId=net.table,
        ChildInstanceType="VPC",
        DestinationCidrBlock="10.1.0.0/26",
    )
    log.clear()
    result = run(module, pod_args(net))
    assert result["published"] == ["10.0.0.0/26"] and result["withdrawn"] == []
    assert published() == ["10.0.0.0/26", "10.1.0.0/26"]
    scope = {r["destination_cidr_block"]: r["publish_status"] for r in result["published_routes"]}
    assert scope == {"10.0.0.0/26": "Published", "10.0.200.0/24": "NonPublished"}
    assert "20.1.0.0/16" not in scope  # system routes are out of scope
    log.clear()
    result = run(module, pod_args(net, state="absent"))
    assert result["withdrawn"] == ["10.0.0.0/26"] and log.writes() == [WITHDRAW]
    assert published() == ["10.1.0.0/26"]  # the route outside within stays published


def test_within_withdraws_a_published_route_that_no_longer_matches(run, log, seed, published, node_route, net):
    seed(
        "CreateRouteEntry",
        RouteTableId=net.table,
        DestinationCidrBlock="10.0.200.0/24",
        NextHopType="NetworkInterface",
        NextHopId="eni-0000000000000001",
    )
    node_route("10.0.0.0/26")
    log.clear()
    result = run(module, {"cen_id": net.cen_id, "vpc_id": net.vpc_id, "destination_cidr_blocks": ["10.0.200.0/24"]})
    assert result["published"] == ["10.0.200.0/24"] and published() == ["10.0.200.0/24"]
    log.clear()
    result = run(module, pod_args(net))
    assert result["published"] == ["10.0.0.0/26"] and result["withdrawn"] == ["10.0.200.0/24"]
    assert published() == ["10.0.0.0/26"]
    (withdraw,) = log.calls(WITHDRAW)
    assert withdraw["DestinationCidrBlock"] == "10.0.200.0/24" and withdraw["ChildInstanceRouteTableId"] == net.table
    assert result["diff"] == {"before": {"published": ["10.0.200.0/24"]}, "after": {"published": ["10.0.0.0/26"]}}


def test_listed_destination_is_published_whatever_within_says(run, log, seed, published, net):
    seed(
        "CreateRouteEntry",
        RouteTableId=net.table,
        DestinationCidrBlock="21.0.0.0/8",
        NextHopType="HaVip",
        NextHopId="havip-0000000000000001",
    )
    log.clear()
    args = {"cen_id": net.cen_id, "vpc_id": net.vpc_id, "destination_cidr_blocks": ["21.0.0.0/8"]}
    result = run(module, args)
    assert result["published"] == ["21.0.0.0/8"] and log.writes() == [PUBLISH] and published() == ["21.0.0.0/8"]
    log.clear()
    result = run(module, dict(args, state="absent"))
    assert result["withdrawn"] == ["21.0.0.0/8"] and log.writes() == [WITHDRAW] and published() == []
    log.clear()
    result = run(module, dict(args, state="absent"))
    assert result["changed"] is False and log.writes() == []
    assert result["published_routes"][0]["publish_status"] == "NonPublished"


def test_a_route_to_the_transit_router_cannot_be_published(run, log, seed, published, net):
    """doc-detail/86980: routes whose next hop is a transit router cannot be published."""
    params = dict(
        RouteTableId=net.table, DestinationCidrBlock="21.0.0.0/8", NextHopType="Attachment", NextHopId=net.att
    )
    seed("CreateRouteEntry", **params)
    log.clear()
    result = run(module, {"cen_id": net.cen_id, "vpc_id": net.vpc_id, "destination_cidr_blocks": ["21.0.0.0/8"]})
    assert (
        result["failed"] is True and result["field"] == "destination_cidr_blocks[0]" and "Attachment" in result["msg"]
    )
    assert log.writes() == [] and published() == []


@pytest.mark.parametrize(
    "cidrs, index, words",
    [
        (["10.0.0.0/26", "10.9.0.0/24"], 1, "no route to 10.9.0.0/24"),
        (["20.1.0.0/16"], 0, "System"),
    ],
)
def test_listed_destination_must_be_a_custom_route(run, log, published, node_route, net, cidrs, index, words):
    node_route("10.0.0.0/26")
    result = run(module, {"cen_id": net.cen_id, "vpc_id": net.vpc_id, "destination_cidr_blocks": cidrs})
    assert result["failed"] is True and result["field"] == "destination_cidr_blocks[%d]" % index
    assert words in result["msg"] and log.writes() == [] and published() == []


def test_node_left_and_came_back_is_published_again(run, log, published, node_route, net):
    """Needs H1: deleting a published route entry removes its publication (legacy CEN doc), so a new route with the
    same destination is not published until the module runs again."""
    node_route("10.0.0.0/26")
    node_route("10.0.0.64/26", "i-0000000000000002")
    run(module, pod_args(net))
    node_route("10.0.0.64/26", None)  # scale in
    assert published() == ["10.0.0.0/26"]
    log.clear()
    result = run(module, pod_args(net))
    assert result["changed"] is False and log.writes() == []
    node_route("10.0.0.64/26", "i-0000000000000003")  # scale out: a new node gets the same Pod CIDR slice
    log.clear()
    result = run(module, pod_args(net))
    assert result["published"] == ["10.0.0.64/26"] and log.writes() == [PUBLISH]
    assert published() == ["10.0.0.0/26", "10.0.0.64/26"]
    assert result["published_routes"][1]["next_hop_id"] == "i-0000000000000003"


def test_a_route_gone_between_read_and_publish_is_skipped(run, log, after_action, published, node_route, net):
    node_route("10.0.0.0/26")
    node_route("10.0.0.64/26", "i-0000000000000002")

    def node_leaves(ctx):
        emulator_vpc().remove_system_route_entry(ctx, vpc_id=net.vpc_id, destination_cidr="10.0.0.0/26")

    after_action(DESCRIBE, node_leaves)
    result = run(module, pod_args(net))
    assert "failed" not in result and result["published"] == ["10.0.0.64/26"]
    assert published() == ["10.0.0.64/26"]
    assert [r["destination_cidr_block"] for r in result["published_routes"]] == ["10.0.0.64/26"]


def test_an_error_answer_for_a_route_published_meanwhile_is_accepted(
    run, log, after_action, inject, published, node_route, net
):
    """Another client publishes the route between the module's read and its call, and the API refuses the
    second publish (its answer to a repeated publish is UNCONFIRMED): a re-read shows it published, done."""
    from geomesh_emulator.products import cbn as emu_cbn  # pylint: disable=import-outside-toplevel

    node_route("10.0.0.0/26")
    target = {
        "CenId": net.cen_id,
        "ChildInstanceId": net.vpc_id,
        "ChildInstanceRegionId": REGION,
        "ChildInstanceRouteTableId": net.table,
        "ChildInstanceType": "VPC",
        "DestinationCidrBlock": "10.0.0.0/26",
    }
    after_action(DESCRIBE, lambda ctx: emu_cbn.publish_route_entries(ctx, dict(target)))
    inject(PUBLISH, "OperationFailed.RouteEntryPublished")
    result = run(module, pod_args(net))
    assert "failed" not in result and result["published"] == ["10.0.0.0/26"] and published() == ["10.0.0.0/26"]
    assert log.codes(PUBLISH) == ["OperationFailed.RouteEntryPublished"]


def test_a_refused_publish_fails(run, log, inject, published, node_route, net):
    node_route("10.0.0.0/26")
    inject(PUBLISH, "Forbidden.NoPermission", status=403)
    result = run(module, pod_args(net))
    assert result["failed"] is True and "Forbidden.NoPermission" in result["msg"] and published() == []


def test_vpc_not_attached(run, log, topo, net):
    other_vpc, _zones = topo.vpc(cidr="30.0.0.0/8")
    log.clear()
    args = {"cen_id": net.cen_id, "vpc_id": other_vpc, "within": [POD_CIDR]}
    result = run(module, args)
    assert result["failed"] is True and log.writes() == []
    result = run(module, dict(args, state="absent"))
    assert result["changed"] is False and "failed" not in result and log.writes() == []


def test_missing_vpc(run, log, net):
    args = {"cen_id": net.cen_id, "vpc_id": "vpc-0000000000000404", "within": [POD_CIDR]}
    result = run(module, args)
    assert result["failed"] is True and result["field"] == "vpc_id" and log.writes() == []
    assert run(module, dict(args, state="absent"))["changed"] is False


@pytest.mark.parametrize(
    "args, field",
    [
        ({"cen_id": "vpc-1"}, "cen_id"),
        ({"vpc_id": "cen-1"}, "vpc_id"),
        ({"route_table_id": "vpc-1"}, "route_table_id"),
        ({"within": ["10.0.0.1/16"]}, "within[0]"),
        ({"within": None, "destination_cidr_blocks": ["10.0.0.0/26", "x"]}, "destination_cidr_blocks[1]"),
        ({"within": None}, "destination_cidr_blocks"),
        ({"next_hop_types": []}, "next_hop_types"),
        ({"wait_timeout": -1}, "wait_timeout"),
    ],
)
def test_bad_input_fails_before_any_call(run, log, args, field):
    full = {"cen_id": "cen-1", "vpc_id": "vpc-1", "within": [POD_CIDR]}
    full.update(args)
    result = run(module, {k: v for k, v in full.items() if v is not None})
    assert result["failed"] is True and result["field"] == field and field in result["msg"]
    assert log.entries() == []


def test_next_hop_types_that_cannot_be_published_are_refused(run, log):
    args = {"cen_id": "cen-1", "vpc_id": "vpc-1", "within": [POD_CIDR], "next_hop_types": ["Instance", "Attachment"]}
    result = run(module, args)
    assert result["failed"] is True and "next_hop_types" in result["msg"] and "Attachment" in result["msg"]
    assert log.entries() == []
