# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import types

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_route_table_binding as module,
)
from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_route_table_binding_info as info,
)

ASSOCIATE = "AssociateTransitRouterAttachmentWithRouteTable"
DISSOCIATE = "DissociateTransitRouterAttachmentFromRouteTable"
ENABLE = "EnableTransitRouterRouteTablePropagation"
DISABLE = "DisableTransitRouterRouteTablePropagation"


@pytest.fixture
def net(topo):
    found = types.SimpleNamespace(cen_id=topo.cen())
    found.tr, found.system = topo.transit_router(found.cen_id)
    vpc_id, zones = topo.vpc()
    found.att = topo.vpc_attachment(found.tr, vpc_id, zones)
    return found


@pytest.fixture
def bindings(state):
    """-> {"assoc": [(attachment, route table)], "prop": [...]} as the emulator holds them"""

    def read():
        return {
            key: sorted((d["TransitRouterAttachmentId"], d["TransitRouterRouteTableId"]) for d in state(kind))
            for key, kind in (("assoc", "cbn_association"), ("prop", "cbn_propagation"))
        }

    return read


def by_router(net, **extra):
    return dict({"transit_router_attachment_id": net.att, "transit_router_id": net.tr}, **extra)


def test_check_mode(run, log, bindings, net):
    result = run(module, by_router(net), check_mode=True)
    assert result["changed"] is True
    assert result["diff"] == {
        "before": {"associated": False, "propagating": False},
        "after": {"associated": True, "propagating": True},
    }
    assert log.writes() == [] and bindings() == {"assoc": [], "prop": []}


def test_both_on_the_system_table_then_unchanged(run, emu, log, bindings, net):
    emu.clock.delay_scale = 0.3  # Associating / Enabling for 0.3 s
    result = run(module, by_router(net))
    assert result["changed"] is True
    binding = result["binding"]
    assert binding["transit_router_route_table_id"] == net.system
    assert binding["associated"] and binding["association_status"] == "Active"
    assert binding["propagating"] and binding["propagation_status"] == "Active"
    assert log.writes() == [ASSOCIATE, ENABLE]
    assert all(c["ClientToken"] for c in log.calls(ASSOCIATE) + log.calls(ENABLE))
    assert bindings() == {"assoc": [(net.att, net.system)], "prop": [(net.att, net.system)]}

    log.clear()
    again = run(module, by_router(net))
    assert again["changed"] is False and log.writes() == []
    assert again["diff"]["before"] == again["diff"]["after"] == {"associated": True, "propagating": True}


def test_options_are_independent(run, log, bindings, net):
    params = {"transit_router_attachment_id": net.att, "transit_router_route_table_id": net.system}
    run(module, dict(params, propagation="absent"))
    assert bindings() == {"assoc": [(net.att, net.system)], "prop": []}
    log.clear()
    result = run(module, dict(params, association="absent"))
    assert result["changed"] is True
    assert result["binding"]["associated"] is False and result["binding"]["propagating"] is True
    assert log.writes() == [ENABLE, DISSOCIATE]
    assert bindings() == {"assoc": [], "prop": [(net.att, net.system)]}


def test_absent_removes_each_named_binding(run, emu, log, bindings, net):
    run(module, by_router(net))
    result = run(module, by_router(net, propagation="absent"))
    assert result["changed"] is True
    assert bindings() == {"assoc": [(net.att, net.system)], "prop": []}
    log.clear()
    result = run(module, by_router(net, association="absent", propagation="absent"), check_mode=True)
    assert result["changed"] is True and log.writes() == [] and bindings()["assoc"]
    emu.clock.delay_scale = 0.3  # Dissociating for 0.3 s
    result = run(module, by_router(net, association="absent", propagation="absent"))
    assert result["changed"] is True and log.writes() == [DISSOCIATE]
    assert bindings() == {"assoc": [], "prop": []}
    assert result["binding"]["associated"] is False and result["binding"]["propagating"] is False
    log.clear()
    assert run(module, by_router(net, association="absent", propagation="absent"))["changed"] is False
    assert log.writes() == []


def test_removing_both_stops_learning_first(run, log, bindings, net):
    run(module, by_router(net))
    log.clear()
    run(module, by_router(net, association="absent", propagation="absent"))
    assert log.writes() == [DISABLE, DISSOCIATE]
    assert bindings() == {"assoc": [], "prop": []}


def test_associated_elsewhere_fails_clearly(run, emu, seed, log, bindings, state, net):
    custom = "vtb-custom0000000001"
    table = dict(state("cbn_route_table", net.system), TransitRouterRouteTableId=custom)
    table["TransitRouterRouteTableType"] = "Custom"
    with emu.transaction() as ctx:  # no action creates a custom route table in the emulator yet
        ctx.store.put("cbn_route_table", custom, table)
    seed(ASSOCIATE, TransitRouterAttachmentId=net.att, TransitRouterRouteTableId=custom)
    result = run(module, by_router(net))
    assert result["failed"] is True
    assert custom in result["msg"] and "only one route table" in result["msg"]
    assert result["associated_route_table_ids"] == [custom]
    assert log.writes() == [] and bindings()["assoc"] == [(net.att, custom)]


def test_peer_attachment_on_two_routers_is_fine(run, bindings, topo, net):
    other, other_system = topo.transit_router(net.cen_id, region="cn-shanghai")
    peer = topo.peer_attachment(net.tr, other)
    for tr_id in (net.tr, other):
        result = run(module, {"transit_router_attachment_id": peer, "transit_router_id": tr_id})
        assert result["changed"] is True
    both = sorted([(peer, net.system), (peer, other_system)])
    assert bindings() == {"assoc": both, "prop": both}


def test_reassociate_after_dissociate_gets_a_fresh_token(run, log, monkeypatch, net):
    # the same token replays the first association, which is gone: the module waits this long for it
    monkeypatch.setattr(module, "NOT_FOUND_GRACE", 0.2)
    params = by_router(net, propagation="absent")
    run(module, params)
    run(module, dict(params, association="absent"))
    result = run(module, params)
    assert result["changed"] is True and result["binding"]["associated"] is True
    tokens = [c["ClientToken"] for c in log.calls(ASSOCIATE)]
    assert len(tokens) == 3 and tokens[0] == tokens[1] != tokens[2]


def test_route_table_or_router_required(run, log, net):
    result = run(module, {"transit_router_attachment_id": net.att})
    assert result["failed"] is True and "transit_router_id" in result["msg"]
    assert log.entries() == []


@pytest.mark.parametrize("old", [{"association": True}, {"association": False}, {"propagation": False}])
def test_old_boolean_form_is_refused(run, log, bindings, net, old):
    result = run(module, by_router(net, **old))
    (field,) = old
    assert result["failed"] is True and field in result["msg"] and "present, absent" in result["msg"]
    assert log.entries() == [] and bindings() == {"assoc": [], "prop": []}


def test_removed_state_option_is_refused(run, log, bindings, net):
    run(module, by_router(net))
    log.clear()
    result = run(module, by_router(net, state="absent"))
    assert result["failed"] is True and "state" in result["msg"]
    assert log.entries() == [] and len(bindings()["assoc"]) == 1


def test_info(run, log, net):
    run(module, by_router(net))
    log.clear()
    result = run(info, {"transit_router_id": net.tr}, check_mode=True)
    assert [a["transit_router_attachment_id"] for a in result["associations"]] == [net.att]
    assert [p["status"] for p in result["propagations"]] == ["Active"]
    none = run(info, {"transit_router_route_table_id": net.system, "transit_router_attachment_id": "tr-attach-x"})
    assert none["associations"] == [] and none["propagations"] == []
    assert log.writes() == []


# -- several attachments in one run (transit_router_attachment_ids) ---------------------------------


@pytest.fixture
def two(topo, net, log):
    """The VPC attachment and an inter-region connection, both of the Hangzhou router."""
    other, _other_system = topo.transit_router(net.cen_id, region="cn-shanghai")
    net.peer = topo.peer_attachment(net.tr, other)
    log.clear()
    return net


def several(net, **extra):
    return dict({"transit_router_attachment_ids": [net.att, net.peer], "transit_router_id": net.tr}, **extra)


def test_several_send_each_kind_for_all_before_waiting_then_unchanged(run, emu, log, bindings, two):
    emu.clock.delay_scale = 0.3  # Associating / Enabling for 0.3 s
    result = run(module, several(two))
    assert result["changed"] is True and "binding" not in result
    assert [b["transit_router_attachment_id"] for b in result["bindings"]] == [two.att, two.peer]
    assert all(b["association_status"] == b["propagation_status"] == "Active" for b in result["bindings"])
    # both associations went out before the first enable, and each write before its binding was awaited
    assert log.writes() == [ASSOCIATE, ASSOCIATE, ENABLE, ENABLE]
    assert [c["TransitRouterAttachmentId"] for c in log.calls(ASSOCIATE)] == [two.att, two.peer]
    both = sorted([(two.att, two.system), (two.peer, two.system)])
    assert bindings() == {"assoc": both, "prop": both}
    off = {"associated": False, "propagating": False}
    on = {"associated": True, "propagating": True}
    assert result["diff"] == {"before": {two.att: off, two.peer: off}, "after": {two.att: on, two.peer: on}}

    log.clear()
    again = run(module, several(two))
    assert again["changed"] is False and log.writes() == []
    assert again["diff"]["before"] == again["diff"]["after"] == {two.att: on, two.peer: on}


def test_several_only_what_is_missing(run, log, bindings, two):
    run(module, by_router(two))
    log.clear()
    result = run(module, several(two, transit_router_attachment_ids=[two.peer, two.att, two.peer]))
    assert result["changed"] is True
    assert [b["transit_router_attachment_id"] for b in result["bindings"]] == [two.peer, two.att]
    assert log.writes() == [ASSOCIATE, ENABLE]
    assert {c["TransitRouterAttachmentId"] for c in log.calls(ASSOCIATE) + log.calls(ENABLE)} == {two.peer}


def test_several_check_mode_and_removal_order(run, log, bindings, two):
    result = run(module, several(two), check_mode=True)
    assert result["changed"] is True and log.writes() == [] and bindings() == {"assoc": [], "prop": []}
    assert all(b["associated"] and b["propagating"] for b in result["bindings"])
    run(module, several(two))
    log.clear()
    result = run(module, several(two, association="absent", propagation="absent"))
    assert result["changed"] is True
    assert log.writes() == [DISABLE, DISABLE, DISSOCIATE, DISSOCIATE]
    assert bindings() == {"assoc": [], "prop": []}


def test_several_associated_elsewhere_fails_before_any_write(run, emu, seed, log, bindings, state, two):
    custom = "vtb-custom0000000002"
    table = dict(state("cbn_route_table", two.system), TransitRouterRouteTableId=custom)
    table["TransitRouterRouteTableType"] = "Custom"
    with emu.transaction() as ctx:
        ctx.store.put("cbn_route_table", custom, table)
    seed(ASSOCIATE, TransitRouterAttachmentId=two.peer, TransitRouterRouteTableId=custom)
    log.clear()
    result = run(module, several(two))
    assert result["failed"] is True
    assert two.peer in result["msg"] and custom in result["msg"] and two.att not in result["msg"]
    assert result["associated_route_table_ids"] == [custom] and result["field"] == "transit_router_route_table_id"
    assert log.writes() == [] and bindings()["assoc"] == [(two.peer, custom)]


def test_several_one_refused_is_named(run, inject, log, bindings, two):
    inject(
        ENABLE, "OperationUnsupported.EnablePropagation", when=lambda p: p.get("TransitRouterAttachmentId") == two.peer
    )
    result = run(module, several(two))
    assert result["failed"] is True
    assert result["transit_router_attachment_id"] == two.peer and two.peer in result["msg"]
    assert result["error"]["code"] == "OperationUnsupported.EnablePropagation"
    # both associations and the other attachment's propagation were made; a re-run makes the rest
    assert log.writes() == [ASSOCIATE, ASSOCIATE, ENABLE, ENABLE]
    assert bindings()["prop"] == [(two.att, two.system)]
    log.clear()
    assert run(module, several(two))["changed"] is True and log.writes() == [ENABLE]


def test_several_empty_list_makes_no_call(run, log, two):
    result = run(module, several(two, transit_router_attachment_ids=[]))
    assert result["changed"] is False and result["bindings"] == [] and log.entries() == []


@pytest.mark.parametrize(
    "params",
    [
        {"transit_router_attachment_id": "tr-attach-a", "transit_router_attachment_ids": ["tr-attach-b"]},
        {},
    ],
)
def test_one_attachment_option_required(run, log, net, params):
    result = run(module, dict(params, transit_router_id=net.tr))
    assert result["failed"] is True and "transit_router_attachment_id" in result["msg"]
    assert log.entries() == []
