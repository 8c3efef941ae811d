# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from cen_fake import cbn_fixture, run_fixture  # noqa: F401  # pylint: disable=unused-import

from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_peer_attachment as module,
)
from ansible_collections.geomesh.alicloud.plugins.modules import (
    cen_transit_router_peer_attachment_info as info,
)


def args(**extra):
    base = {
        "cen_id": "cen-1",
        "region": "cn-hangzhou",
        "transit_router_id": "tr-hz",
        "peer_region": "cn-shanghai",
        "peer_transit_router_id": "tr-sh",
        "bandwidth": 100,
        "name": "hz-sh",
    }
    base.update(extra)
    return base


def reverse(**extra):
    return args(
        region="cn-shanghai",
        transit_router_id="tr-sh",
        peer_region="cn-hangzhou",
        peer_transit_router_id="tr-hz",
        **extra,
    )


def test_check_mode_create(cbn, run):
    result = run(module, args(), check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["bandwidth"] == 100
    assert result["diff"]["after"]["bandwidth_type"] == "DataTransfer"
    assert cbn.writes == []


def test_create_defaults_and_rerun_unchanged_from_either_side(cbn, run):
    result = run(module, args())
    att = result["peer_attachment"]
    assert result["changed"] is True and att["status"] == "Attached"
    assert att["bandwidth"] == 100 and att["bandwidth_type"] == "DataTransfer"
    assert att["auto_publish_route_enabled"] is True
    create = [c for c in cbn.calls if c[0] == "CreateTransitRouterPeerAttachment"][0][1]
    assert create["AutoPublishRouteEnabled"] is True and create["BandwidthType"] == "DataTransfer"
    assert create["PeerTransitRouterRegionId"] == "cn-shanghai" and create["RegionId"] == "cn-hangzhou"
    assert "CenBandwidthPackageId" not in create and create["ClientToken"]

    cbn.calls.clear()
    again = run(module, args())
    assert again["changed"] is False and cbn.writes == []
    assert again["peer_attachment"]["transit_router_attachment_id"] == att["transit_router_attachment_id"]

    cbn.calls.clear()
    other_side = run(module, reverse())
    assert other_side["changed"] is False and cbn.writes == []
    assert other_side["peer_attachment"]["transit_router_attachment_id"] == att["transit_router_attachment_id"]


def test_bandwidth_update_is_in_place(cbn, run):
    att_id = run(module, args())["peer_attachment"]["transit_router_attachment_id"]
    cbn.calls.clear()
    result = run(module, args(bandwidth=200, default_link_type="Platinum"))
    assert result["changed"] is True
    assert result["peer_attachment"]["transit_router_attachment_id"] == att_id
    assert result["peer_attachment"]["bandwidth"] == 200
    assert result["peer_attachment"]["status"] == "Attached"
    assert result["diff"]["before"]["bandwidth"] == 100 and result["diff"]["after"]["bandwidth"] == 200
    assert cbn.actions(writes_only=True) == ["UpdateTransitRouterPeerAttachmentAttribute"]
    assert cbn.writes[0][1] == {
        "TransitRouterAttachmentId": att_id,
        "BandwidthType": "DataTransfer",
        "Bandwidth": 200,
        "DefaultLinkType": "Platinum",
    }
    assert list(cbn.kinds["peer_att"]) == [att_id]


def test_switch_to_bandwidth_package_sends_the_group(cbn, run):
    att_id = run(module, args())["peer_attachment"]["transit_router_attachment_id"]
    cbn.calls.clear()
    result = run(module, args(bandwidth_type="BandwidthPackage", cen_bandwidth_package_id="cenbwp-1", bandwidth=50))
    assert result["changed"] is True
    assert cbn.writes[0][1] == {
        "TransitRouterAttachmentId": att_id,
        "BandwidthType": "BandwidthPackage",
        "Bandwidth": 50,
        "CenBandwidthPackageId": "cenbwp-1",
    }


def test_bandwidth_update_in_check_mode(cbn, run):
    run(module, args())
    cbn.calls.clear()
    result = run(module, args(bandwidth=300), check_mode=True)
    assert result["changed"] is True and result["diff"]["after"]["bandwidth"] == 300
    assert cbn.writes == []


def test_omitted_bandwidth_leaves_it_alone(cbn, run):
    run(module, args())
    cbn.calls.clear()
    assert run(module, args(bandwidth=None))["changed"] is False
    assert cbn.writes == []


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"bandwidth": 0}, "bandwidth"),
        ({"bandwidth": -5}, "bandwidth"),
        ({"bandwidth_type": "BandwidthPackage"}, "cen_bandwidth_package_id"),
        ({"cen_bandwidth_package_id": "cenbwp-1"}, "cen_bandwidth_package_id"),
        (
            {"bandwidth_type": "BandwidthPackage", "cen_bandwidth_package_id": "cenbwp-1", "default_link_type": "Gold"},
            "default_link_type",
        ),
        ({"peer_transit_router_id": "tr-hz"}, "peer_transit_router_id"),
    ],
)
def test_bad_input_fails_before_any_call(cbn, run, extra, field):
    result = run(module, args(**extra))
    assert result["failed"] is True and result["field"] == field
    assert field in result["msg"]
    assert cbn.calls == []


def test_bad_choice_fails_before_any_call(cbn, run):
    result = run(module, args(default_link_type="Silver"))
    assert result["failed"] is True and "default_link_type" in result["msg"]
    assert cbn.calls == []


def test_peer_region_required_to_create(cbn, run):
    result = run(module, args(peer_region=None))
    assert result["failed"] is True and result["field"] == "peer_region"
    assert cbn.writes == []


def test_delete_polls_until_gone_and_force(cbn, run):
    att_id = run(module, args())["peer_attachment"]["transit_router_attachment_id"]
    cbn.do_EnableTransitRouterRouteTablePropagation(att_id, "vtb-1")
    refused = run(module, args(state="absent"))
    assert refused["failed"] is True and "force" in refused["msg"]
    result = run(module, reverse(state="absent", force=True))
    assert result["changed"] is True and cbn.kinds["peer_att"] == {}
    cbn.calls.clear()
    assert run(module, args(state="absent"))["changed"] is False
    assert cbn.writes == []


def test_delete_that_does_nothing_is_detected(cbn, run, monkeypatch):
    att_id = run(module, args())["peer_attachment"]["transit_router_attachment_id"]
    monkeypatch.setattr(cbn, "do_DeleteTransitRouterPeerAttachment", lambda **kw: {})
    result = run(module, {"transit_router_attachment_id": att_id, "state": "absent", "wait_timeout": 1})
    assert result["failed"] is True and "timed out" in result["msg"]


def test_info_lists_both_sides(cbn, run):
    att_id = run(module, args())["peer_attachment"]["transit_router_attachment_id"]
    cbn.calls.clear()
    assert [a["transit_router_attachment_id"] for a in run(info, {"cen_id": "cen-1"})["peer_attachments"]] == [att_id]
    found = run(info, {"cen_id": "cen-1", "transit_router_id": "tr-sh"}, check_mode=True)["peer_attachments"]
    assert [a["transit_router_attachment_id"] for a in found] == [att_id]
    assert cbn.writes == []
