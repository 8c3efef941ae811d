# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import types

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_vpc_attachment as module,
)
from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_vpc_attachment_info as info,
)

KIND = "cbn_vpc_attachment"


@pytest.fixture
def net(topo):
    found = types.SimpleNamespace(cen_id=topo.cen())
    found.tr_id, found.rtb_id = topo.transit_router(found.cen_id)
    found.vpc_id, found.zones = topo.vpc()
    return found


def args(net, **extra):
    base = {"cen_id": net.cen_id, "region": "cn-hangzhou", "vpc_id": net.vpc_id, "zone_mappings": net.zones}
    base["name"] = "att"
    base.update(extra)
    return base


def test_check_mode_create(run, log, state, net):
    result = run(module, args(net), check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["vpc_id"] == net.vpc_id
    assert log.writes() == [] and state(KIND) == []


def test_create_finds_the_router_and_waits_attached(run, emu, log, state, net):
    emu.clock.delay_scale = 0.2  # Attaching for 0.6 s
    result = run(module, args(net, auto_publish_route_enabled=True, tags={"k": "v"}))
    att = result["vpc_attachment"]
    assert result["changed"] is True
    (doc,) = state(KIND)
    assert att["transit_router_attachment_id"] == doc["TransitRouterAttachmentId"]
    assert (
        att["status"] == "Attached" == doc["Status"] and att["transit_router_id"] == net.tr_id == doc["TransitRouterId"]
    )
    assert att["auto_publish_route_enabled"] is True and doc["AutoPublishRouteEnabled"] is True
    assert {z["zone_id"] for z in att["zone_mappings"]} == {"cn-hangzhou-h", "cn-hangzhou-i"}
    assert {z["vswitch_id"] for z in att["zone_mappings"]} == {z["vswitch_id"] for z in net.zones}
    (create,) = log.calls("CreateTransitRouterVpcAttachment")
    assert [(create["ZoneMappings.%d.VSwitchId" % i], create["ZoneMappings.%d.ZoneId" % i]) for i in (1, 2)] == [
        (z["vswitch_id"], z["zone_id"]) for z in net.zones
    ]
    assert create["TransitRouterId"] == net.tr_id and create["ClientToken"]
    assert str(create["AutoPublishRouteEnabled"]).lower() == "true"
    assert log.writes() == ["CreateTransitRouterVpcAttachment"]

    log.clear()
    again = run(module, args(net, auto_publish_route_enabled=True, tags={"k": "v"}))
    assert again["changed"] is False
    assert again["vpc_attachment"]["transit_router_attachment_id"] == att["transit_router_attachment_id"]
    assert log.writes() == []


def test_auto_publish_and_name_update_in_place(run, log, state, topo, net):
    att_id = topo.vpc_attachment(net.tr_id, net.vpc_id, net.zones)
    result = run(module, args(net, auto_publish_route_enabled=True, name="renamed"))
    assert result["changed"] is True
    assert result["vpc_attachment"]["transit_router_attachment_id"] == att_id
    assert result["vpc_attachment"]["auto_publish_route_enabled"] is True
    assert log.writes() == ["UpdateTransitRouterVpcAttachmentAttribute"]
    (update,) = log.calls("UpdateTransitRouterVpcAttachmentAttribute")
    assert update["TransitRouterAttachmentId"] == att_id and update["TransitRouterAttachmentName"] == "renamed"
    assert str(update["AutoPublishRouteEnabled"]).lower() == "true"
    doc = state(KIND, att_id)
    assert doc["TransitRouterAttachmentName"] == "renamed" and doc["AutoPublishRouteEnabled"] is True
    log.clear()
    assert run(module, args(net, auto_publish_route_enabled=True, name="renamed"))["changed"] is False
    assert log.writes() == []


def test_update_in_check_mode(run, log, state, topo, net):
    att_id = topo.vpc_attachment(net.tr_id, net.vpc_id, net.zones)
    result = run(module, args(net, auto_publish_route_enabled=True), check_mode=True)
    assert result["changed"] is True and result["diff"]["after"]["auto_publish_route_enabled"] is True
    assert log.writes() == [] and state(KIND, att_id)["AutoPublishRouteEnabled"] is False


@pytest.mark.parametrize(
    "pick, needle",
    [
        (lambda z: [], "at least one"),
        (lambda z: [z[0]], "at least two zones"),
        (lambda z: [z[0], dict(z[1], zone_id=z[0]["zone_id"])], "repeated: cn-hangzhou-h"),
        (lambda z: [z[0], dict(z[1], vswitch_id=z[0]["vswitch_id"])], "repeated: "),
    ],
)
def test_zone_mappings_validated_before_any_call(run, log, net, pick, needle):
    result = run(module, args(net, zone_mappings=pick(net.zones)))
    assert result["failed"] is True
    assert result["field"] == "zone_mappings" and needle in result["msg"]
    assert log.entries() == []


def test_single_zone_allowed_when_asked(run, log, state, topo, seed):
    """cn-nanjing has one zone: the module lets one mapping through and the API accepts it."""
    cen_id = topo.cen()
    topo.transit_router(cen_id, region="cn-nanjing")
    vpc_id = seed("CreateVpc", region="cn-nanjing", CidrBlock="20.0.0.0/8")["VpcId"]
    vsw = seed("CreateVSwitch", region="cn-nanjing", VpcId=vpc_id, ZoneId="cn-nanjing-a", CidrBlock="20.1.0.0/16")
    zones = [{"vswitch_id": vsw["VSwitchId"], "zone_id": "cn-nanjing-a"}]
    base = {"cen_id": cen_id, "region": "cn-nanjing", "vpc_id": vpc_id, "zone_mappings": zones}
    refused = run(module, base)
    assert refused["failed"] is True and refused["field"] == "zone_mappings" and log.entries() == []
    result = run(module, dict(base, allow_single_zone=True))
    assert result["changed"] is True and [d["VpcId"] for d in state(KIND)] == [vpc_id]


def test_missing_suboption_is_rejected(run, log, net):
    result = run(module, args(net, zone_mappings=[{"vswitch_id": net.zones[0]["vswitch_id"]}, net.zones[1]]))
    assert result["failed"] is True and "zone_id" in result["msg"]
    assert log.entries() == []


def test_changed_zone_mappings_fail_clearly(run, log, state, topo, net):
    att_id = topo.vpc_attachment(net.tr_id, net.vpc_id, net.zones)
    other = [net.zones[0], {"vswitch_id": "vsw-j", "zone_id": "cn-hangzhou-j"}]
    result = run(module, args(net, zone_mappings=other))
    assert result["failed"] is True and result["field"] == "zone_mappings"
    assert log.writes() == [] and state(KIND, att_id)["Status"] == "Attached"


def test_no_transit_router_fails_clearly(run, log, state, topo):
    cen_id = topo.cen()
    vpc_id, zones = topo.vpc()
    result = run(module, {"cen_id": cen_id, "region": "cn-hangzhou", "vpc_id": vpc_id, "zone_mappings": zones})
    assert result["failed"] is True and "no transit router" in result["msg"]
    assert log.writes() == [] and state("cbn_transit_router") == []


def test_delete_refused_with_bindings_unless_force(run, seed, log, state, topo, net):
    att_id = topo.vpc_attachment(net.tr_id, net.vpc_id, net.zones)
    seed(
        "AssociateTransitRouterAttachmentWithRouteTable",
        TransitRouterAttachmentId=att_id,
        TransitRouterRouteTableId=net.rtb_id,
    )
    result = run(module, {"transit_router_attachment_id": att_id, "state": "absent"})
    assert result["failed"] is True
    assert "still associated" in result["msg"] and "force" in result["msg"]
    assert result["error"]["code"] == "OperationFailed.RouteTableAssociationExist"
    assert state(KIND, att_id) and state("cbn_association")

    result = run(module, {"transit_router_attachment_id": att_id, "state": "absent", "force": True})
    assert result["changed"] is True and state(KIND) == [] and state("cbn_association") == []
    delete = log.calls("DeleteTransitRouterVpcAttachment")[-1]
    assert str(delete["Force"]).lower() == "true"


def test_delete_by_vpc_and_again(run, emu, log, state, topo, net):
    topo.vpc_attachment(net.tr_id, net.vpc_id, net.zones)
    assert run(module, args(net, state="absent"), check_mode=True)["changed"] is True
    assert log.writes() == [] and state(KIND)
    emu.clock.delay_scale = 0.2  # Detaching for 0.4 s
    result = run(module, args(net, state="absent"))
    assert result["changed"] is True and state(KIND) == []
    (delete,) = log.calls("DeleteTransitRouterVpcAttachment")
    assert "Force" not in delete
    log.clear()
    assert run(module, args(net, state="absent"))["changed"] is False
    assert log.writes() == []


def test_info(run, log, topo, net):
    att_id = topo.vpc_attachment(net.tr_id, net.vpc_id, net.zones)
    found = run(info, {"cen_id": net.cen_id}, check_mode=True)["vpc_attachments"]
    assert [a["transit_router_attachment_id"] for a in found] == [att_id]
    assert found[0]["vpc_id"] == net.vpc_id and found[0]["status"] == "Attached"
    assert run(info, {"transit_router_id": net.tr_id, "vpc_id": "vpc-other"})["vpc_attachments"] == []
    assert log.writes() == []
    assert run(info, {})["failed"] is True
