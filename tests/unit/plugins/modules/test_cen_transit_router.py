# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from cen_fake import cbn_fixture, run_fixture  # noqa: F401  # pylint: disable=unused-import

from ansible_collections.geomesh.alicloud.plugins.modules import cen_transit_router, cen_transit_router_info

ARGS = {"cen_id": "cen-1", "region": "cn-hangzhou", "name": "tr-hz", "description": "hangzhou"}


def test_check_mode_create(cbn, run):
    result = run(cen_transit_router, ARGS, check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["transit_router_name"] == "tr-hz"
    assert cbn.writes == []


def test_create_returns_system_route_table_and_rerun_is_unchanged(cbn, run):
    result = run(cen_transit_router, dict(ARGS, tags={"k": "v"}))
    tr = result["transit_router"]
    assert result["changed"] is True
    assert tr["status"] == "Active" and tr["region_id"] == "cn-hangzhou" and tr["cen_id"] == "cen-1"
    assert tr["system_route_table_id"].startswith("vtb-")
    assert tr["tags"] == {"k": "v"}
    create = [c for c in cbn.calls if c[0] == "CreateTransitRouter"][0][1]
    assert create["RegionId"] == "cn-hangzhou" and create["CenId"] == "cen-1" and create["ClientToken"]
    # looked up by cen_id + region before the create
    assert cbn.actions()[0] == "ListTransitRouters"

    cbn.calls.clear()
    again = run(cen_transit_router, dict(ARGS, tags={"k": "v"}))
    assert again["changed"] is False
    assert again["transit_router"]["transit_router_id"] == tr["transit_router_id"]
    assert cbn.writes == []
    assert len(cbn.calls) <= 2


def test_one_router_per_cen_and_region_even_without_name(cbn, run):
    tr_id = run(cen_transit_router, ARGS)["transit_router"]["transit_router_id"]
    result = run(cen_transit_router, {"cen_id": "cen-1", "region": "cn-hangzhou"})
    assert result["changed"] is False and result["transit_router"]["transit_router_id"] == tr_id
    other = run(cen_transit_router, {"cen_id": "cen-1", "region": "cn-shanghai"})
    assert other["changed"] is True and other["transit_router"]["transit_router_id"] != tr_id


def test_update_name_description_tags(cbn, run):
    tr_id = run(cen_transit_router, ARGS)["transit_router"]["transit_router_id"]
    cbn.calls.clear()
    result = run(cen_transit_router, dict(ARGS, name="tr-new", description="", tags={"a": "b"}))
    assert result["changed"] is True
    assert result["transit_router"]["transit_router_name"] == "tr-new"
    update = [c for c in cbn.writes if c[0] == "UpdateTransitRouter"][0][1]
    assert update == {
        "TransitRouterId": tr_id,
        "RegionId": "cn-hangzhou",
        "TransitRouterName": "tr-new",
        "TransitRouterDescription": "",
    }
    assert [c for c in cbn.writes if c[0] == "TagResources"][0][1]["ResourceType"] == "TransitRouter"


def test_delete_refused_while_attachments_exist(cbn, run):
    tr_id = run(cen_transit_router, ARGS)["transit_router"]["transit_router_id"]
    cbn.do_CreateTransitRouterVpcAttachment(
        VpcId="vpc-1", ZoneMappings=[], CenId="cen-1", RegionId="cn-hangzhou", TransitRouterId=tr_id
    )
    result = run(cen_transit_router, dict(ARGS, state="absent"))
    assert result["failed"] is True and "still has attachments" in result["msg"]
    assert "DeleteTransitRouter" not in cbn.actions()


def test_delete_refused_when_it_is_the_peer_side(cbn, run):
    tr_id = run(cen_transit_router, ARGS)["transit_router"]["transit_router_id"]
    cbn.do_CreateTransitRouterPeerAttachment(
        PeerTransitRouterId=tr_id, TransitRouterId="tr-other", CenId="cen-1", RegionId="cn-shanghai"
    )
    result = run(cen_transit_router, dict(ARGS, state="absent"))
    assert result["failed"] is True and "still has attachments" in result["msg"]


def test_delete_and_delete_again(cbn, run):
    run(cen_transit_router, ARGS)
    assert run(cen_transit_router, dict(ARGS, state="absent"), check_mode=True)["changed"] is True
    assert "DeleteTransitRouter" not in cbn.actions()
    result = run(cen_transit_router, dict(ARGS, state="absent"))
    assert result["changed"] is True and cbn.kinds["tr"] == {}
    cbn.calls.clear()
    assert run(cen_transit_router, dict(ARGS, state="absent"))["changed"] is False
    assert cbn.writes == []


def test_cen_id_is_required_before_any_call(cbn, run):
    result = run(cen_transit_router, {"region": "cn-hangzhou"})
    assert result["failed"] is True and "cen_id" in result["msg"]
    assert cbn.calls == []


def test_unknown_transit_router_id_fails(cbn, run):
    result = run(cen_transit_router, dict(ARGS, transit_router_id="tr-nope"))
    assert result["failed"] is True and "tr-nope" in result["msg"]


def test_info_lists_routers_with_system_tables(cbn, run):
    run(cen_transit_router, ARGS)
    run(cen_transit_router, dict(ARGS, region="cn-shanghai", name="tr-sh"))
    cbn.calls.clear()
    found = run(cen_transit_router_info, {"cen_id": "cen-1", "region": None})["transit_routers"]
    assert sorted(t["region_id"] for t in found) == ["cn-hangzhou", "cn-shanghai"]
    assert all(t["system_route_table_id"] for t in found)
    only = run(cen_transit_router_info, {"cen_id": "cen-1", "region": "cn-shanghai"}, check_mode=True)
    assert [t["transit_router_name"] for t in only["transit_routers"]] == ["tr-sh"]
    assert cbn.writes == []
