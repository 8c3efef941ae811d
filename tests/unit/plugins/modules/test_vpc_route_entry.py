# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import vpc_route_entry as module
from ansible_collections.geomesh.alicloud.plugins.modules import vpc_route_entry_info as info

K_RTE = "vpc_route_entry"
NODE = "i-0000000000000abc"
OTHER_NODE = "i-0000000000000def"


@pytest.fixture
def add_route(seed, net, log):
    """``add_route(cidr, hop_type="Instance", hop_id=NODE, name="")`` -> route entry id (not in the log)."""

    def add(cidr, hop_type="Instance", hop_id=NODE, name=""):
        params = dict(RouteTableId=net.table, DestinationCidrBlock=cidr, NextHopType=hop_type, NextHopId=hop_id)
        route_id = seed("CreateRouteEntry", RouteEntryName=name or None, **params)["RouteEntryId"]
        log.clear()
        return route_id

    return add


def route_args(net, **extra):
    args = {
        "vpc_id": net.vpc_id,
        "destination_cidr_block": "21.0.0.0/8",
        "next_hop_type": "Attachment",
        "next_hop_id": net.att,
        "name": "geomesh-peer-b",
        "description": "VPC b over CEN",
    }
    args.update(extra)
    return {k: v for k, v in args.items() if v is not None}


def routes_in(state, table):
    return {d["DestinationCidrBlock"]: d for d in state(K_RTE) if d["RouteTableId"] == table}


def test_create_by_vpc_goes_to_its_system_route_table(run, log, state, net):
    result = run(module, route_args(net))
    assert result["changed"] is True
    route = result["route_entry"]
    doc = routes_in(state, net.table)["21.0.0.0/8"]
    assert route["route_entry_id"] == doc["RouteEntryId"] and route["route_table_id"] == net.table
    assert (doc["NextHopType"], doc["NextHopId"]) == ("Attachment", net.att)
    assert (route["next_hop_type"], route["next_hop_id"]) == ("Attachment", net.att)
    assert route["type"] == "Custom" and route["status"] == "Available"
    assert route["name"] == "geomesh-peer-b" == doc["RouteEntryName"] and doc["Description"] == "VPC b over CEN"
    (create,) = log.calls("CreateRouteEntry")
    assert create["RouteTableId"] == net.table and create["DestinationCidrBlock"] == "21.0.0.0/8"
    assert create["NextHopType"] == "Attachment" and create["NextHopId"] == net.att and create["ClientToken"]
    assert log.writes() == ["CreateRouteEntry"]
    assert result["diff"]["before"] == {} and result["diff"]["after"]["next_hop_id"] == net.att


def test_create_waits_until_available(run, emu, log, net):
    emu.clock.delay_scale = 0.7  # Pending for a while: the module polls until Available
    result = run(module, route_args(net, route_table_id=net.table, vpc_id=None))
    assert result["route_entry"]["status"] == "Available"
    assert log.actions().count("DescribeRouteEntryList") >= 3  # lookup, Pending, Available
    assert "DescribeVpcs" not in log.actions()


def test_client_token_is_deterministic(run, emu, seed, state, log, restart_ids, topo):
    tokens = []
    for _life in range(2):
        emu.reset()
        restart_ids()
        vpc_id, _zones = topo.vpc()
        table = state("vpc", vpc_id)["RouteTableId"]
        run(
            module,
            {
                "route_table_id": table,
                "destination_cidr_block": "10.0.0.0/26",
                "next_hop_type": "Instance",
                "next_hop_id": NODE,
            },
        )
        run(
            module,
            {
                "route_table_id": table,
                "destination_cidr_block": "10.0.0.64/26",
                "next_hop_type": "Instance",
                "next_hop_id": NODE,
                "name": "another",
            },
        )
        tokens.append([p["ClientToken"] for p in log.calls("CreateRouteEntry")])
    assert tokens[0] == tokens[1] and len(set(tokens[0])) == 2


def test_check_mode_create_makes_no_write(run, log, state, net):
    result = run(module, route_args(net), check_mode=True)
    assert result["changed"] is True and result["route_entry"] == {}
    after = result["diff"]["after"]
    assert after["route_table_id"] == net.table and after["destination_cidr_block"] == "21.0.0.0/8"
    assert after["next_hop_type"] == "Attachment" and after["name"] == "geomesh-peer-b"
    assert log.writes() == [] and routes_in(state, net.table) == {}


def test_rerun_changes_nothing_and_reads_twice(run, log, state, net):
    run(module, route_args(net))
    log.clear()
    result = run(module, route_args(net))
    assert result["changed"] is False and log.writes() == []
    assert log.actions() == ["DescribeVpcs", "DescribeRouteEntryList"]
    assert result["diff"]["before"] == result["diff"]["after"]
    log.clear()
    result = run(module, route_args(net, vpc_id=None, route_table_id=net.table))
    assert result["changed"] is False and log.actions() == ["DescribeRouteEntryList"]
    assert len(routes_in(state, net.table)) == 1


def test_rerun_without_next_hop_id_keeps_it(run, log, add_route, net):
    add_route("10.0.0.0/26")
    args = {"route_table_id": net.table, "destination_cidr_block": "10.0.0.0/26", "next_hop_type": "Instance"}
    result = run(module, args)
    assert result["changed"] is False and result["route_entry"]["next_hop_id"] == NODE and log.writes() == []


def test_update_name_and_description_in_place(run, log, state, add_route, net):
    """Needs ModifyRouteEntry in the emulator (H1)."""
    route_id = add_route("21.0.0.0/8", "Attachment", net.att, name="old")
    result = run(module, route_args(net, name="new", description="d"))
    assert result["changed"] is True
    assert result["route_entry"]["name"] == "new" and result["route_entry"]["description"] == "d"
    (modify,) = log.calls("ModifyRouteEntry")
    assert modify == {"RegionId": "cn-hangzhou", "RouteEntryId": route_id, "RouteEntryName": "new", "Description": "d"}
    doc = state(K_RTE, route_id)
    assert doc["RouteEntryName"] == "new" and doc["Description"] == "d"
    assert log.writes() == ["ModifyRouteEntry"]
    assert result["diff"]["before"]["name"] == "old" and result["diff"]["after"]["name"] == "new"
    log.clear()
    assert run(module, route_args(net, name="new", description="d"))["changed"] is False and log.writes() == []


def test_next_hop_changes_in_place(run, log, state, add_route, net):
    """Needs ModifyRouteEntry (NewNextHopType / NewNextHopId) in the emulator (H1)."""
    route_id = add_route("21.0.0.0/8", "Instance", NODE)
    result = run(module, route_args(net, name=None, description=None))
    assert result["changed"] is True
    (modify,) = log.calls("ModifyRouteEntry")
    assert modify["RouteEntryId"] == route_id
    assert modify["NewNextHopType"] == "Attachment" and modify["NewNextHopId"] == net.att
    assert "RouteEntryName" not in modify and "DeleteRouteEntry" not in log.actions()
    doc = state(K_RTE, route_id)
    assert (doc["NextHopType"], doc["NextHopId"]) == ("Attachment", net.att)
    assert result["route_entry"]["route_entry_id"] == route_id
    assert result["route_entry"]["next_hop_type"] == "Attachment"


def test_check_mode_next_hop_change_predicts_and_makes_no_write(run, log, state, add_route, net):
    route_id = add_route("21.0.0.0/8", "Instance", NODE)
    result = run(module, route_args(net, name=None, description=None), check_mode=True)
    assert result["changed"] is True and log.writes() == []
    assert result["diff"]["before"]["next_hop_id"] == NODE and result["diff"]["after"]["next_hop_id"] == net.att
    assert state(K_RTE, route_id)["NextHopId"] == NODE


def test_next_hop_type_change_needs_next_hop_id(run, log, add_route, net):
    add_route("21.0.0.0/8", "Instance", NODE)
    args = {"vpc_id": net.vpc_id, "destination_cidr_block": "21.0.0.0/8", "next_hop_type": "Attachment"}
    result = run(module, args)
    assert result["failed"] is True and result["field"] == "next_hop_id" and "Instance" in result["msg"]
    assert log.writes() == []


def test_system_route_is_refused(run, log, state, net):
    """A vSwitch CIDR block is a system route: present fails naming the destination, absent leaves it."""
    args = route_args(net, destination_cidr_block="20.1.0.0/16")
    result = run(module, args)
    assert result["failed"] is True and result["field"] == "destination_cidr_block"
    assert "System" in result["msg"] and log.writes() == []
    result = run(module, dict(args, state="absent"))
    assert result["changed"] is False and "failed" not in result and log.writes() == []
    assert result["route_entry"] == {} and result["diff"] == {"before": {}, "after": {}}


def test_route_learned_from_the_transit_router_is_refused(run, log, seed, state, topo, net):
    """Needs route sync in the emulator (H1): a second VPC on the same transit router propagates its vSwitch
    routes; the first VPC's attachment syncs them into its route table (next hop type Attachment)."""
    vpc_b, zones_b = topo.vpc(cidr="21.0.0.0/8")
    att_b = topo.vpc_attachment(net.tr, vpc_b, zones_b)
    for att in (net.att, att_b):
        seed(
            "AssociateTransitRouterAttachmentWithRouteTable",
            TransitRouterAttachmentId=att,
            TransitRouterRouteTableId=net.tr_table,
        )
        seed(
            "EnableTransitRouterRouteTablePropagation",
            TransitRouterAttachmentId=att,
            TransitRouterRouteTableId=net.tr_table,
        )
    seed("UpdateTransitRouterVpcAttachmentAttribute", TransitRouterAttachmentId=net.att, AutoPublishRouteEnabled="true")
    log.clear()
    listed = run(info, {"vpc_id": net.vpc_id, "destination_cidr_block": "21.1.0.0/16"})["route_entries"]
    assert [(r["next_hop_type"], r["next_hop_id"]) for r in listed] == [("Attachment", net.att)]
    assert listed[0]["type"] != "Custom"
    args = route_args(net, destination_cidr_block="21.1.0.0/16")
    result = run(module, args)
    assert result["failed"] is True and result["field"] == "destination_cidr_block"
    result = run(module, dict(args, state="absent"))
    assert result["changed"] is False and "failed" not in result
    assert log.writes() == []


def test_delete_then_delete_again(run, log, state, add_route, net):
    route_id = add_route("21.0.0.0/8", "Attachment", net.att, name="a")
    args = {"vpc_id": net.vpc_id, "destination_cidr_block": "21.0.0.0/8", "state": "absent"}
    result = run(module, args)
    assert result["changed"] is True and result["route_entry"] == {}
    assert result["diff"]["before"]["name"] == "a" and result["diff"]["after"] == {}
    (delete,) = log.calls("DeleteRouteEntry")
    assert delete["RouteEntryId"] == route_id
    assert state(K_RTE, route_id) is None and log.writes() == ["DeleteRouteEntry"]
    log.clear()
    result = run(module, args)
    assert result["changed"] is False and log.writes() == []


def test_delete_check_mode(run, log, state, add_route, net):
    route_id = add_route("21.0.0.0/8")
    args = {"route_table_id": net.table, "destination_cidr_block": "21.0.0.0/8", "state": "absent"}
    result = run(module, args, check_mode=True)
    assert result["changed"] is True and log.writes() == [] and state(K_RTE, route_id) is not None


def test_delete_refuses_another_next_hop(run, log, state, add_route, net):
    route_id = add_route("21.0.0.0/8", "Instance", NODE)
    args = {"vpc_id": net.vpc_id, "destination_cidr_block": "21.0.0.0/8", "state": "absent", "next_hop_id": OTHER_NODE}
    result = run(module, args)
    assert result["failed"] is True and result["field"] == "next_hop_id" and NODE in result["msg"]
    assert log.writes() == [] and state(K_RTE, route_id) is not None


def test_absent_in_a_missing_vpc_is_no_change(run, log):
    args = {"vpc_id": "vpc-0000000000000404", "destination_cidr_block": "21.0.0.0/8", "state": "absent"}
    result = run(module, args)
    assert result["changed"] is False and log.writes() == []


def test_present_in_a_missing_route_table_fails_before_writing(run, log, net):
    args = route_args(net, vpc_id=None, route_table_id="vtb-0000000000000404")
    result = run(module, args)
    assert result["failed"] is True and result["field"] == "route_table_id" and log.writes() == []


@pytest.mark.parametrize(
    "args, field",
    [
        ({"destination_cidr_block": "21.0.0.1/8"}, "destination_cidr_block"),
        ({"destination_cidr_block": "100.64.1.0/24"}, "destination_cidr_block"),
        ({"destination_cidr_block": "not-a-cidr"}, "destination_cidr_block"),
        ({"vpc_id": "vtb-123"}, "vpc_id"),
        ({"vpc_id": None, "route_table_id": "vpc-123"}, "route_table_id"),
        ({"next_hop_type": None}, "next_hop_type"),
        ({"next_hop_id": "i-123"}, "next_hop_id"),
        ({"next_hop_type": "Instance", "next_hop_id": "tr-attach-123"}, "next_hop_id"),
        ({"name": "http://x"}, "name"),
        ({"description": "d" * 257}, "description"),
        ({"wait_timeout": -1}, "wait_timeout"),
    ],
)
def test_bad_input_fails_before_any_call(run, log, args, field):
    full = {
        "vpc_id": "vpc-1",
        "destination_cidr_block": "21.0.0.0/8",
        "next_hop_type": "Attachment",
        "next_hop_id": "tr-attach-1",
    }
    full.update(args)
    result = run(module, {k: v for k, v in full.items() if v is not None})
    assert result["failed"] is True and result["field"] == field and field in result["msg"]
    assert log.entries() == []


def test_route_table_and_vpc_are_exclusive(run, log):
    args = {"vpc_id": "vpc-1", "route_table_id": "vtb-1", "destination_cidr_block": "21.0.0.0/8", "state": "absent"}
    result = run(module, args)
    assert result["failed"] is True and "mutually exclusive" in result["msg"] and log.entries() == []


# -- vpc_route_entry_info ---------------------------------------------------------------------------
def test_info_lists_system_and_custom_routes_sorted(run, log, add_route, net):
    add_route("10.0.0.64/26", "Instance", OTHER_NODE)
    add_route("10.0.0.0/26", "Instance", NODE, name="node-a")
    add_route("21.0.0.0/8", "Attachment", net.att)
    result = run(info, {"vpc_id": net.vpc_id})
    assert result["changed"] is False and log.writes() == []
    found = [(r["destination_cidr_block"], r["type"]) for r in result["route_entries"]]
    assert found == [
        ("10.0.0.0/26", "Custom"),
        ("10.0.0.64/26", "Custom"),
        ("20.1.0.0/16", "System"),
        ("20.2.0.0/16", "System"),
        ("21.0.0.0/8", "Custom"),
        ("100.64.0.0/10", "System"),
    ]
    first = result["route_entries"][0]
    assert first["name"] == "node-a" and first["next_hop_id"] == NODE and first["route_table_id"] == net.table


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"route_entry_type": "Custom", "next_hop_type": "Instance"}, ["10.0.0.0/26", "10.0.0.64/26"]),
        ({"next_hop_id": OTHER_NODE}, ["10.0.0.64/26"]),
        ({"destination_cidr_block": "21.0.0.0/8"}, ["21.0.0.0/8"]),
        ({"route_entry_type": "System", "destination_cidr_block": "20.2.0.0/16"}, ["20.2.0.0/16"]),
        ({"next_hop_type": "Attachment", "next_hop_id": NODE}, []),
    ],
)
def test_info_filters(run, add_route, net, filters, expected):
    add_route("10.0.0.0/26", "Instance", NODE)
    add_route("10.0.0.64/26", "Instance", OTHER_NODE)
    add_route("21.0.0.0/8", "Attachment", net.att)
    result = run(info, dict(filters, route_table_id=net.table))
    assert [r["destination_cidr_block"] for r in result["route_entries"]] == expected


def test_info_pages_through_a_long_table(run, log, seed, net):
    for i in range(120):
        seed(
            "CreateRouteEntry",
            RouteTableId=net.table,
            DestinationCidrBlock="10.%d.%d.0/24" % (i // 200, i),
            NextHopType="Instance",
            NextHopId=NODE,
        )
    log.clear()
    result = run(info, {"route_table_id": net.table, "route_entry_type": "Custom"})
    assert len(result["route_entries"]) == 120
    pages = log.calls("DescribeRouteEntryList")
    assert len(pages) == 2 and all(p["MaxResult"] == "100" for p in pages) and pages[1]["NextToken"]


def test_info_missing_vpc_or_table_is_empty(run, log):
    assert run(info, {"vpc_id": "vpc-0000000000000404"})["route_entries"] == []
    assert run(info, {"route_table_id": "vtb-0000000000000404"})["route_entries"] == []
    assert log.writes() == []


@pytest.mark.parametrize(
    "args, field",
    [
        ({"vpc_id": "vtb-1"}, "vpc_id"),
        ({"route_table_id": "vtb-1", "destination_cidr_block": "10.0.0.1/8"}, "destination_cidr_block"),
    ],
)
def test_info_bad_input_fails_before_any_call(run, log, args, field):
    result = run(info, args)
    assert result["failed"] is True and result["field"] == field and log.entries() == []
