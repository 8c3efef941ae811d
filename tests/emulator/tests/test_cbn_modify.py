"""Contract tests: CEN / transit router attribute updates (ModifyCenAttribute, UpdateTransitRouter)
through the real alibabacloud_cbn20170912 SDK."""

from __future__ import annotations

import pytest
from alibabacloud_cbn20170912 import models as cm
from alibabacloud_cbn20170912.client import Client as CbnClient
from alibabacloud_tea_openapi.exceptions import ClientException
from conftest import control

HZ = "cn-hangzhou"


@pytest.fixture
def cbn(client_factory):
    return client_factory(CbnClient, HZ)


def _code(fn) -> str:
    with pytest.raises(ClientException) as exc:
        fn()
    return exc.value.code


def _cen(cbn, cen_id):
    flt = [cm.DescribeCensRequestFilter(key="CenId", value=[cen_id])]
    return cbn.describe_cens(cm.DescribeCensRequest(filter=flt)).body.cens.cen[0]


def _tr(cbn, tr_id):
    req = cm.ListTransitRoutersRequest(transit_router_id=tr_id, region_id=HZ)
    return cbn.list_transit_routers(req).body.transit_routers[0]


def test_modify_cen_attribute(cbn, fresh):
    cen_id = cbn.create_cen(cm.CreateCenRequest(name="a", description="old")).body.cen_id
    # only queries while Creating
    assert _code(lambda: cbn.modify_cen_attribute(cm.ModifyCenAttributeRequest(cen_id=cen_id, name="b"))) == (
        "InvalidOperation.CenInstanceStatus"
    )
    fresh.advance_clock(30)
    cbn.modify_cen_attribute(cm.ModifyCenAttributeRequest(cen_id=cen_id, description="new"))
    cen = _cen(cbn, cen_id)
    assert (cen.name, cen.description) == ("a", "new")
    cbn.modify_cen_attribute(cm.ModifyCenAttributeRequest(cen_id=cen_id, name="b", description=""))
    cen = _cen(cbn, cen_id)
    assert (cen.name, cen.description) == ("b", "")
    assert _code(lambda: cbn.modify_cen_attribute(cm.ModifyCenAttributeRequest(cen_id="cen-nope", name="x"))) == (
        "InvalidCenId.NotFound"
    )
    log = [e for e in control(fresh, "/_emulator/log") if e.get("action") == "ModifyCenAttribute"]
    assert log and all(e["write"] for e in log)


def test_update_transit_router(cbn, fresh):
    cen_id = cbn.create_cen(cm.CreateCenRequest(name="a")).body.cen_id
    fresh.advance_clock(30)
    tr_id = cbn.create_transit_router(
        cm.CreateTransitRouterRequest(cen_id=cen_id, region_id=HZ, transit_router_name="tr")
    ).body.transit_router_id

    def update(**kw):
        return cbn.update_transit_router(cm.UpdateTransitRouterRequest(transit_router_id=tr_id, **kw))

    assert _code(lambda: update(region_id=HZ, transit_router_name="x")) == "IncorrectStatus.Status"
    fresh.advance_clock(30)
    update(region_id=HZ, transit_router_name="tr-hz", transit_router_description="hangzhou")
    tr = _tr(cbn, tr_id)
    assert (tr.transit_router_name, tr.transit_router_description) == ("tr-hz", "hangzhou")
    update(region_id=HZ, transit_router_description="")
    tr = _tr(cbn, tr_id)
    assert (tr.transit_router_name, tr.transit_router_description) == ("tr-hz", "")
    assert _code(lambda: update(region_id="cn-shanghai", transit_router_name="y")) == "IllegalParam.RegionId"
    assert _code(lambda: update(transit_router_name="y", dry_run=True)) == "DryRunOperation"
    assert _tr(cbn, tr_id).transit_router_name == "tr-hz"
    missing = cm.UpdateTransitRouterRequest(transit_router_id="tr-nope", region_id=HZ, transit_router_name="z")
    assert _code(lambda: cbn.update_transit_router(missing)) == "InvalidTransitRouterId.NotFound"
