# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from cen_fake import cbn_fixture, run_fixture  # noqa: F401  # pylint: disable=unused-import

from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_route_table_binding as module,
)
from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_route_table_binding_info as info,
)


@pytest.fixture(name="tr")
def tr_fixture(cbn):
    tr_id = cbn.do_CreateTransitRouter(CenId="cen-1", RegionId="cn-hangzhou")["TransitRouterId"]
    cbn.kinds["tr"][tr_id].update(Status="Active", _next=None)
    system = next(k for k, v in cbn.kinds["rt"].items() if v["TransitRouterId"] == tr_id)
    cbn.calls.clear()
    return {"id": tr_id, "system": system}


def test_check_mode(cbn, run, tr):
    result = run(
        module, {"transit_router_attachment_id": "tr-attach-1", "transit_router_id": tr["id"]}, check_mode=True
    )
    assert result["changed"] is True
    assert result["diff"] == {
        "before": {"associated": False, "propagating": False},
        "after": {"associated": True, "propagating": True},
    }
    assert cbn.writes == []


def test_both_on_the_system_table_then_unchanged(cbn, run, tr):
    params = {"transit_router_attachment_id": "tr-attach-1", "transit_router_id": tr["id"]}
    result = run(module, params)
    assert result["changed"] is True
    binding = result["binding"]
    assert binding["transit_router_route_table_id"] == tr["system"]
    assert binding["associated"] and binding["association_status"] == "Active"
    assert binding["propagating"] and binding["propagation_status"] == "Active"
    assert cbn.actions(writes_only=True) == [
        "AssociateTransitRouterAttachmentWithRouteTable",
        "EnableTransitRouterRouteTablePropagation",
    ]
    assert all(w[1]["ClientToken"] for w in cbn.writes)

    cbn.calls.clear()
    again = run(module, params)
    assert again["changed"] is False and cbn.writes == []


def test_flags_are_independent(cbn, run, tr):
    params = {"transit_router_attachment_id": "tr-attach-1", "transit_router_route_table_id": tr["system"]}
    run(module, dict(params, propagation=False))
    assert list(cbn.kinds["assoc"]) == [("tr-attach-1", tr["system"])] and cbn.kinds["prop"] == {}
    cbn.calls.clear()
    result = run(module, dict(params, association=False))
    assert result["changed"] is True
    assert cbn.actions(writes_only=True) == [
        "EnableTransitRouterRouteTablePropagation",
        "DissociateTransitRouterAttachmentFromRouteTable",
    ]
    assert cbn.kinds["assoc"] == {} and list(cbn.kinds["prop"]) == [("tr-attach-1", tr["system"])]


def test_absent_removes_flagged_bindings(cbn, run, tr):
    params = {"transit_router_attachment_id": "tr-attach-1", "transit_router_id": tr["id"]}
    run(module, params)
    result = run(module, dict(params, state="absent", association=False))
    assert result["changed"] is True
    assert cbn.kinds["prop"] == {} and cbn.kinds["assoc"]
    result = run(module, dict(params, state="absent"), check_mode=True)
    assert result["changed"] is True and cbn.kinds["assoc"]
    result = run(module, dict(params, state="absent"))
    assert result["changed"] is True and cbn.kinds["assoc"] == {}
    assert result["binding"]["associated"] is False
    cbn.calls.clear()
    assert run(module, dict(params, state="absent"))["changed"] is False
    assert cbn.writes == []


def test_associated_elsewhere_fails_clearly(cbn, run, tr):
    cbn.kinds["rt"]["vtb-custom"] = {
        "TransitRouterRouteTableId": "vtb-custom",
        "TransitRouterId": tr["id"],
        "TransitRouterRouteTableType": "Custom",
        "Status": "Active",
    }
    run(module, {"transit_router_attachment_id": "tr-attach-1", "transit_router_route_table_id": "vtb-custom"})
    cbn.calls.clear()
    result = run(module, {"transit_router_attachment_id": "tr-attach-1", "transit_router_id": tr["id"]})
    assert result["failed"] is True
    assert "vtb-custom" in result["msg"] and "only one route table" in result["msg"]
    assert cbn.writes == []


def test_peer_attachment_on_two_routers_is_fine(cbn, run, tr):
    other = cbn.do_CreateTransitRouter(CenId="cen-1", RegionId="cn-shanghai")["TransitRouterId"]
    for tr_id in (tr["id"], other):
        result = run(module, {"transit_router_attachment_id": "tr-attach-peer", "transit_router_id": tr_id})
        assert result["changed"] is True
    assert len(cbn.kinds["assoc"]) == 2 and len(cbn.kinds["prop"]) == 2


def test_reassociate_after_dissociate_gets_a_fresh_token(cbn, run, tr, monkeypatch):
    monkeypatch.setattr(module, "NOT_FOUND_GRACE", 0.2)
    params = {"transit_router_attachment_id": "tr-attach-1", "transit_router_id": tr["id"], "propagation": False}
    run(module, params)
    run(module, dict(params, association=False))
    result = run(module, params)
    assert result["changed"] is True and result["binding"]["associated"] is True
    tokens = [c[1]["ClientToken"] for c in cbn.calls if c[0] == "AssociateTransitRouterAttachmentWithRouteTable"]
    assert len(tokens) == 3 and tokens[0] == tokens[1] != tokens[2]


def test_route_table_or_router_required(cbn, run):
    result = run(module, {"transit_router_attachment_id": "tr-attach-1"})
    assert result["failed"] is True and "transit_router_id" in result["msg"]
    assert cbn.calls == []


def test_info(cbn, run, tr):
    run(module, {"transit_router_attachment_id": "tr-attach-1", "transit_router_id": tr["id"]})
    cbn.calls.clear()
    result = run(info, {"transit_router_id": tr["id"]}, check_mode=True)
    assert [a["transit_router_attachment_id"] for a in result["associations"]] == ["tr-attach-1"]
    assert [p["status"] for p in result["propagations"]] == ["Active"]
    none = run(info, {"transit_router_route_table_id": tr["system"], "transit_router_attachment_id": "tr-attach-x"})
    assert none["associations"] == [] and none["propagations"] == []
    assert cbn.writes == []
