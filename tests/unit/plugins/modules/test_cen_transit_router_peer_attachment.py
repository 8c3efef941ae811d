# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import types

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_peer_attachment as module,
)
from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_peer_attachment_info as info,
)

KIND = "cbn_peer_attachment"
# what the module sets on create besides the bandwidth (args() below)
AS_CREATED = {"TransitRouterAttachmentName": "hz-sh", "AutoPublishRouteEnabled": "true"}


@pytest.fixture
def net(topo):
    found = types.SimpleNamespace(cen_id=topo.cen())
    found.hz, found.hz_rtb = topo.transit_router(found.cen_id, region="cn-hangzhou")
    found.sh, found.sh_rtb = topo.transit_router(found.cen_id, region="cn-shanghai")
    return found


def args(net, **extra):
    base = {
        "cen_id": net.cen_id,
        "region": "cn-hangzhou",
        "transit_router_id": net.hz,
        "peer_region": "cn-shanghai",
        "peer_transit_router_id": net.sh,
        "bandwidth": 100,
        "name": "hz-sh",
    }
    base.update(extra)
    return base


def reverse(net, **extra):
    return args(
        net,
        region="cn-shanghai",
        transit_router_id=net.sh,
        peer_region="cn-hangzhou",
        peer_transit_router_id=net.hz,
        **extra,
    )


def test_check_mode_create(run, log, state, net):
    result = run(module, args(net), check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["bandwidth"] == 100
    assert result["diff"]["after"]["bandwidth_type"] == "DataTransfer"
    assert log.writes() == [] and state(KIND) == []


def test_create_defaults_and_rerun_unchanged_from_either_side(run, emu, log, state, net):
    emu.clock.delay_scale = 0.2  # Attaching for 0.6 s
    result = run(module, args(net, auto_publish_route_enabled=True))
    att = result["peer_attachment"]
    assert result["changed"] is True and att["status"] == "Attached"
    assert att["bandwidth"] == 100 and att["bandwidth_type"] == "DataTransfer"
    assert att["auto_publish_route_enabled"] is True
    (doc,) = state(KIND)
    assert doc["TransitRouterAttachmentId"] == att["transit_router_attachment_id"]
    assert (doc["Bandwidth"], doc["BandwidthType"], doc["AutoPublishRouteEnabled"]) == (100, "DataTransfer", True)
    assert (doc["TransitRouterId"], doc["PeerTransitRouterId"]) == (net.hz, net.sh)
    (create,) = log.calls("CreateTransitRouterPeerAttachment")
    assert str(create["AutoPublishRouteEnabled"]).lower() == "true" and create["BandwidthType"] == "DataTransfer"
    assert create["PeerTransitRouterRegionId"] == "cn-shanghai" and create["RegionId"] == "cn-hangzhou"
    assert "CenBandwidthPackageId" not in create and create["ClientToken"]
    assert log.writes() == ["CreateTransitRouterPeerAttachment"]

    log.clear()
    again = run(module, args(net))
    assert again["changed"] is False and log.writes() == []
    assert again["peer_attachment"]["transit_router_attachment_id"] == att["transit_router_attachment_id"]

    log.clear()
    other_side = run(module, reverse(net))
    assert other_side["changed"] is False and log.writes() == []
    assert other_side["peer_attachment"]["transit_router_attachment_id"] == att["transit_router_attachment_id"]
    assert len(state(KIND)) == 1


def test_auto_publish_left_out_is_the_api_default_on_create(run, log, state, net):
    created = run(module, args(net))
    (create,) = log.calls("CreateTransitRouterPeerAttachment")
    assert str(create["AutoPublishRouteEnabled"]).lower() == "false"  # sent, as the VPC attachment does
    assert created["peer_attachment"]["auto_publish_route_enabled"] is False
    assert not state(KIND)[0]["AutoPublishRouteEnabled"]


def test_auto_publish_left_out_does_not_turn_it_back_on(run, log, state, topo, net):
    att_id = topo.peer_attachment(net.hz, net.sh, bandwidth=100, TransitRouterAttachmentName="hz-sh")
    assert not state(KIND)[0]["AutoPublishRouteEnabled"]
    result = run(module, args(net))
    assert result["changed"] is False and log.writes() == []
    assert result["peer_attachment"]["transit_router_attachment_id"] == att_id
    assert result["peer_attachment"]["auto_publish_route_enabled"] is False


def test_bandwidth_update_is_in_place(run, log, state, topo, net):
    att_id = topo.peer_attachment(net.hz, net.sh, bandwidth=100, **AS_CREATED)
    result = run(module, args(net, bandwidth=200, default_link_type="Platinum"))
    assert result["changed"] is True
    assert result["peer_attachment"]["transit_router_attachment_id"] == att_id
    assert result["peer_attachment"]["bandwidth"] == 200
    assert result["peer_attachment"]["status"] == "Attached"
    assert result["diff"]["before"]["bandwidth"] == 100 and result["diff"]["after"]["bandwidth"] == 200
    assert log.writes() == ["UpdateTransitRouterPeerAttachmentAttribute"]
    (update,) = log.calls("UpdateTransitRouterPeerAttachmentAttribute")
    assert {k: str(v) for k, v in update.items() if k != "ClientToken"} == {
        "TransitRouterAttachmentId": att_id,
        "BandwidthType": "DataTransfer",
        "Bandwidth": "200",
        "DefaultLinkType": "Platinum",
    }
    assert [(d["TransitRouterAttachmentId"], d["Bandwidth"], d["DefaultLinkType"]) for d in state(KIND)] == [
        (att_id, 200, "Platinum")
    ]
    log.clear()
    assert run(module, args(net, bandwidth=200, default_link_type="Platinum"))["changed"] is False
    assert log.writes() == []


def test_switch_to_bandwidth_package_sends_the_group(run, log, state, topo, net):
    """The emulator has no bandwidth plans, so the API refuses; the request carries the whole group."""
    att_id = topo.peer_attachment(net.hz, net.sh, bandwidth=100, **AS_CREATED)
    result = run(
        module, args(net, bandwidth_type="BandwidthPackage", cen_bandwidth_package_id="cenbwp-1", bandwidth=50)
    )
    assert result["failed"] is True and result["error"]["code"] == "InvalidOperation.BwpNotAssociated"
    (update,) = log.calls("UpdateTransitRouterPeerAttachmentAttribute")
    assert {k: str(v) for k, v in update.items() if k != "ClientToken"} == {
        "TransitRouterAttachmentId": att_id,
        "BandwidthType": "BandwidthPackage",
        "Bandwidth": "50",
        "CenBandwidthPackageId": "cenbwp-1",
    }
    assert state(KIND, att_id)["BandwidthType"] == "DataTransfer"


def test_bandwidth_update_in_check_mode(run, log, state, topo, net):
    att_id = topo.peer_attachment(net.hz, net.sh, bandwidth=100, **AS_CREATED)
    result = run(module, args(net, bandwidth=300), check_mode=True)
    assert result["changed"] is True and result["diff"]["after"]["bandwidth"] == 300
    assert log.writes() == [] and state(KIND, att_id)["Bandwidth"] == 100


def test_omitted_bandwidth_leaves_it_alone(run, log, state, topo, net):
    att_id = topo.peer_attachment(net.hz, net.sh, bandwidth=100, **AS_CREATED)
    assert run(module, args(net, bandwidth=None))["changed"] is False
    assert log.writes() == [] and state(KIND, att_id)["Bandwidth"] == 100


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"bandwidth": 0}, "bandwidth"),
        ({"bandwidth": -5}, "bandwidth"),
        ({"bandwidth": 10001}, "bandwidth"),
        ({"bandwidth": 1000000}, "bandwidth"),
        ({"bandwidth_type": "BandwidthPackage"}, "cen_bandwidth_package_id"),
        ({"cen_bandwidth_package_id": "cenbwp-1"}, "cen_bandwidth_package_id"),
        (
            {"bandwidth_type": "BandwidthPackage", "cen_bandwidth_package_id": "cenbwp-1", "default_link_type": "Gold"},
            "default_link_type",
        ),
        ({"peer_transit_router_id": "SAME"}, "peer_transit_router_id"),
    ],
)
def test_bad_input_fails_before_any_call(run, log, net, extra, field):
    if extra.get("peer_transit_router_id") == "SAME":
        extra = {"peer_transit_router_id": net.hz}
    result = run(module, args(net, **extra))
    assert result["failed"] is True and result["field"] == field
    assert field in result["msg"]
    assert log.entries() == []


def test_bad_choice_fails_before_any_call(run, log, net):
    result = run(module, args(net, default_link_type="Silver"))
    assert result["failed"] is True and "default_link_type" in result["msg"]
    assert log.entries() == []


def test_peer_region_required_to_create(run, log, net):
    result = run(module, args(net, peer_region=None))
    assert result["failed"] is True and result["field"] == "peer_region"
    assert log.writes() == []


def test_delete_polls_until_gone_and_force(run, emu, seed, log, state, topo, net):
    att_id = topo.peer_attachment(net.hz, net.sh)
    seed(
        "EnableTransitRouterRouteTablePropagation",
        TransitRouterAttachmentId=att_id,
        TransitRouterRouteTableId=net.hz_rtb,
    )
    refused = run(module, args(net, state="absent"))
    assert refused["failed"] is True and "force" in refused["msg"]
    assert state(KIND, att_id) and state("cbn_propagation")
    emu.clock.delay_scale = 0.35  # Detaching for 0.7 s
    log.clear()
    result = run(module, reverse(net, state="absent", force=True))
    assert result["changed"] is True and state(KIND) == [] and state("cbn_propagation") == []
    assert log.writes() == ["DeleteTransitRouterPeerAttachment"]
    assert log.actions().count("ListTransitRouterPeerAttachments") >= 3  # found, Detaching, gone
    log.clear()
    assert run(module, args(net, state="absent"))["changed"] is False
    assert log.writes() == []


def test_delete_that_does_nothing_is_detected(run, wrap_action, state, topo, net):
    att_id = topo.peer_attachment(net.hz, net.sh)
    wrap_action("DeleteTransitRouterPeerAttachment", lambda original, ctx, params: {})
    result = run(module, {"transit_router_attachment_id": att_id, "state": "absent", "wait_timeout": 1})
    assert result["failed"] is True and "timed out" in result["msg"]
    assert state(KIND, att_id)


def test_info_lists_both_sides(run, log, topo, net):
    att_id = topo.peer_attachment(net.hz, net.sh)
    assert [a["transit_router_attachment_id"] for a in run(info, {"cen_id": net.cen_id})["peer_attachments"]] == [
        att_id
    ]
    found = run(info, {"cen_id": net.cen_id, "transit_router_id": net.sh}, check_mode=True)["peer_attachments"]
    assert [a["transit_router_attachment_id"] for a in found] == [att_id]
    assert log.writes() == []
