# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import cen_transit_router, cen_transit_router_info
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.conftest import tag_dict


@pytest.fixture
def cen_id(topo):
    return topo.cen()


def args(cen_id, **extra):
    base = {"cen_id": cen_id, "region": "cn-hangzhou", "name": "tr-hz", "description": "hangzhou"}
    base.update(extra)
    return base


def test_check_mode_create(run, log, state, cen_id):
    result = run(cen_transit_router, args(cen_id), check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["transit_router_name"] == "tr-hz"
    assert log.writes() == [] and state("cbn_transit_router") == []


def test_create_returns_system_route_table_and_rerun_is_unchanged(run, emu, log, state, cen_id):
    emu.clock.delay_scale = 0.3  # Creating for 0.6 s
    result = run(cen_transit_router, args(cen_id, tags={"k": "v"}))
    tr = result["transit_router"]
    assert result["changed"] is True
    (doc,) = state("cbn_transit_router")
    assert tr["transit_router_id"] == doc["TransitRouterId"] and tr["status"] == "Active" == doc["Status"]
    assert tr["region_id"] == "cn-hangzhou" == doc["RegionId"] and tr["cen_id"] == cen_id == doc["CenId"]
    assert tr["system_route_table_id"] == doc["SystemRouteTableId"]
    assert tr["transit_router_name"] == "tr-hz" == doc["TransitRouterName"]
    assert tr["tags"] == {"k": "v"} == tag_dict(doc)
    (create,) = log.calls("CreateTransitRouter")
    assert create["RegionId"] == "cn-hangzhou" and create["CenId"] == cen_id and create["ClientToken"]
    # looked up by cen_id + region before the create
    assert log.actions()[0] == "ListTransitRouters" and log.writes() == ["CreateTransitRouter"]

    log.clear()
    again = run(cen_transit_router, args(cen_id, tags={"k": "v"}))
    assert again["changed"] is False
    assert again["transit_router"]["transit_router_id"] == tr["transit_router_id"]
    assert log.writes() == [] and len(log.entries()) <= 2


def test_one_router_per_cen_and_region_even_without_name(run, state, cen_id):
    tr_id = run(cen_transit_router, args(cen_id))["transit_router"]["transit_router_id"]
    result = run(cen_transit_router, {"cen_id": cen_id, "region": "cn-hangzhou"})
    assert result["changed"] is False and result["transit_router"]["transit_router_id"] == tr_id
    other = run(cen_transit_router, {"cen_id": cen_id, "region": "cn-shanghai"})
    assert other["changed"] is True and other["transit_router"]["transit_router_id"] != tr_id
    assert sorted(d["RegionId"] for d in state("cbn_transit_router")) == ["cn-hangzhou", "cn-shanghai"]


def test_update_name_description_tags(run, log, state, topo, cen_id):
    tr_id, _rtb = topo.transit_router(cen_id, TransitRouterName="tr-hz", TransitRouterDescription="hangzhou")
    result = run(cen_transit_router, args(cen_id, name="tr-new", description="", tags={"a": "b"}))
    assert result["changed"] is True
    assert result["transit_router"]["transit_router_name"] == "tr-new"
    (update,) = log.calls("UpdateTransitRouter")
    assert update == {
        "TransitRouterId": tr_id,
        "RegionId": "cn-hangzhou",
        "TransitRouterName": "tr-new",
        "TransitRouterDescription": "",
    }
    (tag,) = log.calls("TagResources")
    assert tag["ResourceType"] == "TransitRouter"
    doc = state("cbn_transit_router", tr_id)
    assert doc["TransitRouterName"] == "tr-new" and doc["TransitRouterDescription"] == ""
    assert tag_dict(doc) == {"a": "b"}
    log.clear()
    assert run(cen_transit_router, args(cen_id, name="tr-new", description="", tags={"a": "b"}))["changed"] is False
    assert log.writes() == []


def test_delete_refused_while_attachments_exist(run, log, state, topo, cen_id):
    tr_id, _rtb = topo.transit_router(cen_id)
    vpc_id, mappings = topo.vpc()
    topo.vpc_attachment(tr_id, vpc_id, mappings)
    result = run(cen_transit_router, args(cen_id, state="absent"))
    assert result["failed"] is True and "still has attachments" in result["msg"]
    assert "DeleteTransitRouter" not in log.actions() and state("cbn_transit_router", tr_id)


def test_delete_refused_when_it_is_the_peer_side(run, log, topo, cen_id):
    tr_id, _rtb = topo.transit_router(cen_id)
    other, _rtb = topo.transit_router(cen_id, region="cn-shanghai")
    topo.peer_attachment(other, tr_id, region="cn-shanghai")
    result = run(cen_transit_router, args(cen_id, state="absent"))
    assert result["failed"] is True and "still has attachments" in result["msg"]
    assert "DeleteTransitRouter" not in log.actions()


def test_delete_and_delete_again(run, log, state, topo, cen_id):
    tr_id, _rtb = topo.transit_router(cen_id)
    assert run(cen_transit_router, args(cen_id, state="absent"), check_mode=True)["changed"] is True
    assert log.writes() == [] and state("cbn_transit_router", tr_id)
    result = run(cen_transit_router, args(cen_id, state="absent"))
    assert result["changed"] is True and state("cbn_transit_router") == []
    assert log.writes() == ["DeleteTransitRouter"]
    log.clear()
    assert run(cen_transit_router, args(cen_id, state="absent"))["changed"] is False
    assert log.writes() == []


def test_cen_id_is_required_before_any_call(run, log):
    result = run(cen_transit_router, {"region": "cn-hangzhou"})
    assert result["failed"] is True and "cen_id" in result["msg"]
    assert log.entries() == []


def test_unknown_transit_router_id_fails(run, log, cen_id):
    result = run(cen_transit_router, args(cen_id, transit_router_id="tr-nope"))
    assert result["failed"] is True and "tr-nope" in result["msg"]
    assert log.writes() == []


def test_info_lists_routers_with_system_tables(run, log, topo, cen_id):
    topo.transit_router(cen_id, TransitRouterName="tr-hz")
    topo.transit_router(cen_id, region="cn-shanghai", TransitRouterName="tr-sh")
    found = run(cen_transit_router_info, {"cen_id": cen_id, "region": None})["transit_routers"]
    assert sorted(t["region_id"] for t in found) == ["cn-hangzhou", "cn-shanghai"]
    assert all(t["system_route_table_id"].startswith("vtb-") for t in found)
    only = run(cen_transit_router_info, {"cen_id": cen_id, "region": "cn-shanghai"}, check_mode=True)
    assert [t["transit_router_name"] for t in only["transit_routers"]] == ["tr-sh"]
    assert log.writes() == []
