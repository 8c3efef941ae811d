# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from cen_fake import cbn_fixture, run_fixture  # noqa: F401  # pylint: disable=unused-import

from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_vpc_attachment as module,
)
from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_vpc_attachment_info as info,
)

ZONES = [
    {"vswitch_id": "vsw-h", "zone_id": "cn-hangzhou-h"},
    {"vswitch_id": "vsw-i", "zone_id": "cn-hangzhou-i"},
]


@pytest.fixture(name="tr_id")
def tr_fixture(cbn):
    tr_id = cbn.do_CreateTransitRouter(CenId="cen-1", RegionId="cn-hangzhou")["TransitRouterId"]
    cbn.kinds["tr"][tr_id].update(Status="Active", _next=None)
    return tr_id


def args(**extra):
    base = {"cen_id": "cen-1", "region": "cn-hangzhou", "vpc_id": "vpc-1", "zone_mappings": ZONES, "name": "att"}
    base.update(extra)
    return base


def test_check_mode_create(cbn, run, tr_id):
    result = run(module, args(), check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["vpc_id"] == "vpc-1"
    assert cbn.writes == []


def test_create_finds_the_router_and_waits_attached(cbn, run, tr_id):
    result = run(module, args(auto_publish_route_enabled=True, tags={"k": "v"}))
    att = result["vpc_attachment"]
    assert result["changed"] is True
    assert att["status"] == "Attached" and att["transit_router_id"] == tr_id
    assert att["auto_publish_route_enabled"] is True
    assert {z["zone_id"] for z in att["zone_mappings"]} == {"cn-hangzhou-h", "cn-hangzhou-i"}
    assert att["zone_mappings"][0]["vswitch_id"] == "vsw-h"
    create = [c for c in cbn.calls if c[0] == "CreateTransitRouterVpcAttachment"][0][1]
    assert create["ZoneMappings"] == [
        {"VSwitchId": "vsw-h", "ZoneId": "cn-hangzhou-h"},
        {"VSwitchId": "vsw-i", "ZoneId": "cn-hangzhou-i"},
    ]
    assert create["TransitRouterId"] == tr_id and create["ClientToken"] and create["AutoPublishRouteEnabled"] is True

    cbn.calls.clear()
    again = run(module, args(auto_publish_route_enabled=True, tags={"k": "v"}))
    assert again["changed"] is False
    assert again["vpc_attachment"]["transit_router_attachment_id"] == att["transit_router_attachment_id"]
    assert cbn.writes == []


def test_auto_publish_and_name_update_in_place(cbn, run, tr_id):
    att_id = run(module, args())["vpc_attachment"]["transit_router_attachment_id"]
    cbn.calls.clear()
    result = run(module, args(auto_publish_route_enabled=True, name="renamed"))
    assert result["changed"] is True
    assert result["vpc_attachment"]["transit_router_attachment_id"] == att_id
    assert result["vpc_attachment"]["auto_publish_route_enabled"] is True
    assert cbn.actions(writes_only=True) == ["UpdateTransitRouterVpcAttachmentAttribute"]
    assert cbn.writes[0][1] == {
        "TransitRouterAttachmentId": att_id,
        "TransitRouterAttachmentName": "renamed",
        "AutoPublishRouteEnabled": True,
    }


def test_update_in_check_mode(cbn, run, tr_id):
    run(module, args())
    cbn.calls.clear()
    result = run(module, args(auto_publish_route_enabled=True), check_mode=True)
    assert result["changed"] is True and result["diff"]["after"]["auto_publish_route_enabled"] is True
    assert cbn.writes == []


@pytest.mark.parametrize(
    "zones, needle",
    [
        ([], "at least one"),
        ([ZONES[0]], "at least two zones"),
        ([ZONES[0], dict(ZONES[1], zone_id="cn-hangzhou-h")], "repeated: cn-hangzhou-h"),
        ([ZONES[0], dict(ZONES[1], vswitch_id="vsw-h")], "repeated: vsw-h"),
    ],
)
def test_zone_mappings_validated_before_any_call(cbn, run, tr_id, zones, needle):
    cbn.calls.clear()
    result = run(module, args(zone_mappings=zones))
    assert result["failed"] is True
    assert result["field"] == "zone_mappings" and needle in result["msg"]
    assert cbn.calls == []


def test_single_zone_allowed_when_asked(cbn, run, tr_id):
    result = run(module, args(zone_mappings=[ZONES[0]], allow_single_zone=True))
    assert result["changed"] is True


def test_missing_suboption_is_rejected(cbn, run, tr_id):
    cbn.calls.clear()
    result = run(module, args(zone_mappings=[{"vswitch_id": "vsw-h"}, ZONES[1]]))
    assert result["failed"] is True and "zone_id" in result["msg"]
    assert cbn.calls == []


def test_changed_zone_mappings_fail_clearly(cbn, run, tr_id):
    run(module, args())
    cbn.calls.clear()
    other = [ZONES[0], {"vswitch_id": "vsw-j", "zone_id": "cn-hangzhou-j"}]
    result = run(module, args(zone_mappings=other))
    assert result["failed"] is True and result["field"] == "zone_mappings"
    assert cbn.writes == []


def test_no_transit_router_fails_clearly(cbn, run):
    result = run(module, args())
    assert result["failed"] is True and "no transit router" in result["msg"]
    assert cbn.writes == []


def test_delete_refused_with_bindings_unless_force(cbn, run, tr_id):
    att_id = run(module, args())["vpc_attachment"]["transit_router_attachment_id"]
    cbn.do_AssociateTransitRouterAttachmentWithRouteTable(att_id, "vtb-x")
    result = run(module, {"transit_router_attachment_id": att_id, "state": "absent"})
    assert result["failed"] is True
    assert "still associated" in result["msg"] and "force" in result["msg"]
    assert result["error"]["code"] == "OperationFailed.RouteTableAssociationExist"

    result = run(module, {"transit_router_attachment_id": att_id, "state": "absent", "force": True})
    assert result["changed"] is True and cbn.kinds["vpc_att"] == {}
    delete = [c for c in cbn.calls if c[0] == "DeleteTransitRouterVpcAttachment"][-1][1]
    assert delete["Force"] is True


def test_delete_by_vpc_and_again(cbn, run, tr_id):
    run(module, args())
    assert run(module, args(state="absent"), check_mode=True)["changed"] is True
    assert cbn.kinds["vpc_att"]
    result = run(module, args(state="absent"))
    assert result["changed"] is True and cbn.kinds["vpc_att"] == {}
    delete = [c for c in cbn.calls if c[0] == "DeleteTransitRouterVpcAttachment"][0][1]
    assert "Force" not in delete
    cbn.calls.clear()
    assert run(module, args(state="absent"))["changed"] is False
    assert cbn.writes == []


def test_info(cbn, run, tr_id):
    att_id = run(module, args())["vpc_attachment"]["transit_router_attachment_id"]
    cbn.calls.clear()
    found = run(info, {"cen_id": "cen-1"}, check_mode=True)["vpc_attachments"]
    assert [a["transit_router_attachment_id"] for a in found] == [att_id]
    assert run(info, {"transit_router_id": tr_id, "vpc_id": "vpc-other"})["vpc_attachments"] == []
    assert cbn.writes == []
    assert run(info, {})["failed"] is True
