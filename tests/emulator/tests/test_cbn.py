"""Contract tests: CBN (CEN) 2017-09-12 through the real alibabacloud_cbn20170912 SDK."""

from __future__ import annotations

import pytest
from alibabacloud_cbn20170912 import models as cm
from alibabacloud_cbn20170912.client import Client as CbnClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vpc20160428 import models as vm
from alibabacloud_vpc20160428.client import Client as VpcClient
from conftest import control, control_refused

from geomesh_emulator import routing
from geomesh_emulator.products._common import ZONES

HZ, SH = "cn-hangzhou", "cn-shanghai"
PLAN = {
    HZ: ("20.0.0.0/8", [("20.1.0.0/16", "cn-hangzhou-h"), ("20.2.0.0/16", "cn-hangzhou-i")]),
    SH: ("21.0.0.0/8", [("21.1.0.0/16", "cn-shanghai-e"), ("21.2.0.0/16", "cn-shanghai-f")]),
}


class Net:
    def __init__(self, emu, client_factory):
        self.emu = emu
        self.cbn = client_factory(CbnClient, HZ)
        self.vpcs = {r: client_factory(VpcClient, r) for r in (HZ, SH)}

    def settle(self, seconds: float = 30.0) -> None:
        self.emu.advance_clock(seconds)

    def network(self, region: str, cidr: str | None = None, vsws=None):
        vpc = self.vpcs[region]
        cidr = cidr or PLAN[region][0]
        vsws = vsws if vsws is not None else PLAN[region][1]
        vpc_id = vpc.create_vpc(vm.CreateVpcRequest(region_id=region, cidr_block=cidr)).body.vpc_id
        self.settle()
        ids = [
            (
                vpc.create_vswitch(
                    vm.CreateVSwitchRequest(region_id=region, vpc_id=vpc_id, zone_id=z, cidr_block=c)
                ).body.v_switch_id,
                z,
            )
            for c, z in vsws
        ]
        self.settle()
        return vpc_id, ids

    def cen(self, **kw) -> str:
        cen_id = self.cbn.create_cen(cm.CreateCenRequest(name="geomesh", **kw)).body.cen_id
        self.settle()
        return cen_id

    def tr(self, cen_id: str, region: str) -> tuple[str, str]:
        tr_id = self.cbn.create_transit_router(
            cm.CreateTransitRouterRequest(cen_id=cen_id, region_id=region)
        ).body.transit_router_id
        self.settle()
        rtb = self.cbn.list_transit_router_route_tables(
            cm.ListTransitRouterRouteTablesRequest(transit_router_id=tr_id, transit_router_route_table_type="System")
        ).body.transit_router_route_tables[0]
        return tr_id, rtb.transit_router_route_table_id

    def attach(self, tr_id: str, region: str, vpc_id: str, vsws, settle: bool = True, **kw) -> str:
        att = self.cbn.create_transit_router_vpc_attachment(
            cm.CreateTransitRouterVpcAttachmentRequest(
                region_id=region,
                transit_router_id=tr_id,
                vpc_id=vpc_id,
                zone_mappings=[
                    cm.CreateTransitRouterVpcAttachmentRequestZoneMappings(v_switch_id=v, zone_id=z) for v, z in vsws
                ],
                **kw,
            )
        ).body.transit_router_attachment_id
        if settle:
            self.settle()
        return att

    def bind(self, att: str, rtb: str) -> None:
        self.cbn.associate_transit_router_attachment_with_route_table(
            cm.AssociateTransitRouterAttachmentWithRouteTableRequest(
                transit_router_attachment_id=att, transit_router_route_table_id=rtb
            )
        )
        self.cbn.enable_transit_router_route_table_propagation(
            cm.EnableTransitRouterRouteTablePropagationRequest(
                transit_router_attachment_id=att, transit_router_route_table_id=rtb
            )
        )
        self.settle()

    def reachable(self, a: str, b: str):
        with self.emu.transaction() as ctx:
            return routing.vpc_reachable(ctx, a, b)


@pytest.fixture
def net(emu, client_factory) -> Net:
    return Net(emu, client_factory)


def _code(fn) -> str:
    with pytest.raises(ClientException) as exc:
        fn()
    return exc.value.code


def test_cen_lifecycle_filters_tags_and_delete(net):
    cen_id = net.cbn.create_cen(
        cm.CreateCenRequest(
            name="geomesh",
            description="dr",
            tag=[cm.CreateCenRequestTag(key="owner", value="geomesh")],
            client_token="c1",
        )
    ).body.cen_id
    assert cen_id.startswith("cen-")
    again = net.cbn.create_cen(
        cm.CreateCenRequest(
            name="geomesh",
            description="dr",
            tag=[cm.CreateCenRequestTag(key="owner", value="geomesh")],
            client_token="c1",
        )
    ).body.cen_id
    assert again == cen_id

    def describe(**kw):
        return net.cbn.describe_cens(cm.DescribeCensRequest(**kw)).body

    body = describe(filter=[cm.DescribeCensRequestFilter(key="CenId", value=[cen_id])])
    assert body.total_count == 1 and body.cens.cen[0].status == "Creating"
    assert body.cens.cen[0].tags.tag[0].key == "owner"
    assert body.cens.cen[0].protection_level == "REDUCED"
    assert describe(filter=[cm.DescribeCensRequestFilter(key="Name", value=["other"])]).total_count == 0
    assert describe(tag=[cm.DescribeCensRequestTag(key="owner", value="geomesh")]).total_count == 1
    assert _code(lambda: net.cbn.delete_cen(cm.DeleteCenRequest(cen_id=cen_id))) == "InvalidOperation.CenInstanceStatus"
    net.settle()
    assert describe(filter=[cm.DescribeCensRequestFilter(key="CenId", value=[cen_id])]).cens.cen[0].status == "Active"
    tr_id, _rtb = net.tr(cen_id, HZ)
    assert _code(lambda: net.cbn.delete_cen(cm.DeleteCenRequest(cen_id=cen_id))) == "DependencyViolation.TransitRouter"
    net.cbn.delete_transit_router(cm.DeleteTransitRouterRequest(transit_router_id=tr_id))
    net.settle()
    net.cbn.delete_cen(cm.DeleteCenRequest(cen_id=cen_id))
    assert describe(filter=[cm.DescribeCensRequestFilter(key="CenId", value=[cen_id])]).cens.cen[0].status == "Deleting"
    net.settle()
    assert describe().total_count == 0
    assert _code(lambda: net.cbn.delete_cen(cm.DeleteCenRequest(cen_id=cen_id))) == "ParameterCenInstanceId"


def test_transit_router_one_per_region_and_system_route_table(net):
    cen_id = net.cen()
    resp = net.cbn.create_transit_router(
        cm.CreateTransitRouterRequest(cen_id=cen_id, region_id=HZ, transit_router_name="hz")
    )
    tr_id = resp.body.transit_router_id
    assert tr_id.startswith("tr-")
    listed = net.cbn.list_transit_routers(cm.ListTransitRoutersRequest(cen_id=cen_id, region_id=HZ)).body
    assert listed.total_count == 1
    item = listed.transit_routers[0]
    assert item.status == "Creating" and item.type == "Enterprise" and item.transit_router_name == "hz"
    tables = net.cbn.list_transit_router_route_tables(
        cm.ListTransitRouterRouteTablesRequest(transit_router_id=tr_id)
    ).body
    assert len(tables.transit_router_route_tables) == 1
    rtb = tables.transit_router_route_tables[0]
    assert rtb.transit_router_route_table_id.startswith("vtb-")
    assert rtb.transit_router_route_table_type == "System"
    net.settle()
    assert (
        net.cbn.list_transit_routers(cm.ListTransitRoutersRequest(transit_router_id=tr_id))
        .body.transit_routers[0]
        .status
        == "Active"
    )
    assert (
        _code(lambda: net.cbn.create_transit_router(cm.CreateTransitRouterRequest(cen_id=cen_id, region_id=HZ)))
        == "QuotaExceeded.TransitRouter"
    )
    assert (
        _code(lambda: net.cbn.create_transit_router(cm.CreateTransitRouterRequest(cen_id="cen-missing", region_id=HZ)))
        == "InvalidCenId.NotFound"
    )
    net.tr(cen_id, SH)
    assert net.cbn.list_transit_routers(cm.ListTransitRoutersRequest(cen_id=cen_id)).body.total_count == 2


def test_vpc_attachment_zone_mapping_validation(net):
    cen_id = net.cen()
    tr_id, _rtb = net.tr(cen_id, HZ)
    vpc_id, vsws = net.network(HZ)
    other_vpc, other_vsws = net.network(
        HZ, "22.0.0.0/8", [("22.1.0.0/16", "cn-hangzhou-h"), ("22.2.0.0/16", "cn-hangzhou-j")]
    )
    sh_vpc, sh_vsws = net.network(SH)
    (v1, z1), (v2, z2) = vsws

    def create(vpc, mappings):
        return lambda: net.attach(tr_id, HZ, vpc, mappings, settle=False)

    assert _code(create(vpc_id, [(v1, z1)])) == "IllegalParam.ZoneMappings"
    assert _code(create(vpc_id, [(v1, z1), (v1, z1)])) == "Duplicated.ZoneMapping"
    assert _code(create(vpc_id, [(v1, z2), (v2, z2)])) == "IllegalParam.ZoneId"
    assert _code(create(vpc_id, [(v1, z1), (other_vsws[1][0], "cn-hangzhou-j")])) == "IllegalParam.VSwitchId"
    assert _code(create(vpc_id, [(v1, z1), ("vsw-missing", z2)])) == "InvalidVSwitchId.NotFound"
    assert _code(create(sh_vpc, sh_vsws)) == "IllegalParam.VpcId"
    assert _code(create("vpc-missing", vsws)) == "InvalidVpcId.NotFound"
    att = net.attach(tr_id, HZ, vpc_id, vsws, settle=False, auto_publish_route_enabled=True, client_token="att-1")
    assert (
        net.attach(tr_id, HZ, vpc_id, vsws, settle=False, auto_publish_route_enabled=True, client_token="att-1") == att
    )
    listed = net.cbn.list_transit_router_vpc_attachments(
        cm.ListTransitRouterVpcAttachmentsRequest(transit_router_attachment_id=att)
    ).body
    item = listed.transit_router_attachments[0]
    assert item.status == "Attaching" and item.vpc_id == vpc_id and item.auto_publish_route_enabled is True
    assert sorted(z.zone_id for z in item.zone_mappings) == ["cn-hangzhou-h", "cn-hangzhou-i"]
    assert all(z.network_interface_id.startswith("eni-") for z in item.zone_mappings)
    assert item.resource_type == "VPC" and item.vpc_region_id == HZ
    net.settle()
    assert (
        net.cbn.list_transit_router_vpc_attachments(
            cm.ListTransitRouterVpcAttachmentsRequest(transit_router_attachment_id=att)
        )
        .body.transit_router_attachments[0]
        .status
        == "Attached"
    )
    # the TR ENI blocks the vSwitch delete; the attachment blocks the TR delete
    assert _code(lambda: net.vpcs[HZ].delete_vswitch(vm.DeleteVSwitchRequest(region_id=HZ, v_switch_id=v1))).startswith(
        "DependencyViolation"
    )
    assert (
        _code(lambda: net.cbn.delete_transit_router(cm.DeleteTransitRouterRequest(transit_router_id=tr_id)))
        == "DependencyViolation.Attachment"
    )
    net.cbn.update_transit_router_vpc_attachment_attribute(
        cm.UpdateTransitRouterVpcAttachmentAttributeRequest(
            transit_router_attachment_id=att, transit_router_attachment_name="hz-att", auto_publish_route_enabled=False
        )
    )
    item = net.cbn.list_transit_router_vpc_attachments(
        cm.ListTransitRouterVpcAttachmentsRequest(vpc_id=vpc_id)
    ).body.transit_router_attachments[0]
    assert item.transit_router_attachment_name == "hz-att" and item.auto_publish_route_enabled is False


def test_attachment_delete_needs_force_when_bound(net):
    # Real-scale delays: the Detaching state is asserted, then the clock is moved (settle); at the
    # test scale (0.1 s) a loaded machine could pass it between two calls.
    net.emu.clock.delay_scale = 1.0
    cen_id = net.cen()
    tr_id, rtb = net.tr(cen_id, HZ)
    vpc_id, vsws = net.network(HZ)
    att = net.attach(tr_id, HZ, vpc_id, vsws)
    net.bind(att, rtb)
    assoc = net.cbn.list_transit_router_route_table_associations(
        cm.ListTransitRouterRouteTableAssociationsRequest(transit_router_attachment_id=att)
    ).body.transit_router_associations
    assert [(a.status, a.resource_id, a.resource_type) for a in assoc] == [("Active", vpc_id, "VPC")]

    def deleting(force=None):
        return net.cbn.delete_transit_router_vpc_attachment(
            cm.DeleteTransitRouterVpcAttachmentRequest(transit_router_attachment_id=att, force=force)
        )

    assert _code(deleting) == "OperationFailed.RouteTableAssociationExist"
    net.cbn.dissociate_transit_router_attachment_from_route_table(
        cm.DissociateTransitRouterAttachmentFromRouteTableRequest(
            transit_router_attachment_id=att, transit_router_route_table_id=rtb
        )
    )
    net.settle()
    assert _code(deleting) == "OperationFailed.RouteTablePropagationExist"
    deleting(True)
    assert (
        net.cbn.list_transit_router_vpc_attachments(
            cm.ListTransitRouterVpcAttachmentsRequest(transit_router_attachment_id=att)
        )
        .body.transit_router_attachments[0]
        .status
        == "Detaching"
    )
    props = net.cbn.list_transit_router_route_table_propagations(
        cm.ListTransitRouterRouteTablePropagationsRequest(transit_router_route_table_id=rtb)
    ).body
    assert props.total_count == 0
    net.settle()
    assert (
        net.cbn.list_transit_router_vpc_attachments(
            cm.ListTransitRouterVpcAttachmentsRequest(transit_router_id=tr_id)
        ).body.total_count
        == 0
    )
    assert _code(deleting) == "InvalidTransitRouterAttachmentId.NotFound"


def test_association_propagation_lifecycle_and_errors(net):
    cen_id = net.cen()
    tr_id, rtb = net.tr(cen_id, HZ)
    vpc_id, vsws = net.network(HZ)
    att = net.attach(tr_id, HZ, vpc_id, vsws, settle=False)
    assoc_req = cm.AssociateTransitRouterAttachmentWithRouteTableRequest(
        transit_router_attachment_id=att, transit_router_route_table_id=rtb
    )
    assert (
        _code(lambda: net.cbn.associate_transit_router_attachment_with_route_table(assoc_req))
        == "IncorrectStatus.AttachmentOrRouteTable"
    )
    net.settle()
    net.cbn.associate_transit_router_attachment_with_route_table(assoc_req)
    lst = net.cbn.list_transit_router_route_table_associations(
        cm.ListTransitRouterRouteTableAssociationsRequest(transit_router_route_table_id=rtb)
    ).body
    assert lst.transit_router_associations[0].status == "Associating"
    assert (
        _code(lambda: net.cbn.associate_transit_router_attachment_with_route_table(assoc_req))
        == "OperationFailed.RouteTableAssociationExist"
    )
    net.cbn.enable_transit_router_route_table_propagation(
        cm.EnableTransitRouterRouteTablePropagationRequest(
            transit_router_attachment_id=att, transit_router_route_table_id=rtb
        )
    )
    props = net.cbn.list_transit_router_route_table_propagations(
        cm.ListTransitRouterRouteTablePropagationsRequest(
            transit_router_route_table_id=rtb, transit_router_attachment_id=att
        )
    ).body.transit_router_propagations
    assert props[0].status == "Enabling"
    net.settle()
    assert (
        net.cbn.list_transit_router_route_table_propagations(
            cm.ListTransitRouterRouteTablePropagationsRequest(transit_router_route_table_id=rtb)
        )
        .body.transit_router_propagations[0]
        .status
        == "Active"
    )
    net.cbn.disable_transit_router_route_table_propagation(
        cm.DisableTransitRouterRouteTablePropagationRequest(
            transit_router_attachment_id=att, transit_router_route_table_id=rtb
        )
    )
    assert (
        net.cbn.list_transit_router_route_table_propagations(
            cm.ListTransitRouterRouteTablePropagationsRequest(transit_router_route_table_id=rtb)
        )
        .body.transit_router_propagations[0]
        .status
        == "Disabling"
    )
    net.settle()
    assert (
        net.cbn.list_transit_router_route_table_propagations(
            cm.ListTransitRouterRouteTablePropagationsRequest(transit_router_route_table_id=rtb)
        ).body.total_count
        == 0
    )
    bad = cm.AssociateTransitRouterAttachmentWithRouteTableRequest(
        transit_router_attachment_id="tr-attach-x", transit_router_route_table_id=rtb
    )
    assert (
        _code(lambda: net.cbn.associate_transit_router_attachment_with_route_table(bad))
        == "InvalidAttachmentId.NotFound"
    )
    bad = cm.AssociateTransitRouterAttachmentWithRouteTableRequest(
        transit_router_attachment_id=att, transit_router_route_table_id="vtb-x"
    )
    assert (
        _code(lambda: net.cbn.associate_transit_router_attachment_with_route_table(bad))
        == "InvalidRouteTableId.NotFound"
    )


def test_peer_attachment_bandwidth_rules_and_two_region_reachability(net):
    cen_id = net.cen()
    hz_tr, hz_rtb = net.tr(cen_id, HZ)
    sh_tr, sh_rtb = net.tr(cen_id, SH)
    hz_vpc, hz_vsws = net.network(HZ)
    sh_vpc, sh_vsws = net.network(SH)
    hz_att = net.attach(hz_tr, HZ, hz_vpc, hz_vsws)
    sh_att = net.attach(sh_tr, SH, sh_vpc, sh_vsws)
    assert net.reachable(hz_vpc, sh_vpc) == (
        False,
        f"VPC attachment {hz_att} is not associated with a route table of {hz_tr}",
    )
    net.bind(hz_att, hz_rtb)
    net.bind(sh_att, sh_rtb)
    ok, why = net.reachable(hz_vpc, sh_vpc)
    assert not ok and "no inter-region connection" in why

    def peer(**kw):
        args = {
            "region_id": HZ,
            "transit_router_id": hz_tr,
            "peer_transit_router_id": sh_tr,
            "peer_transit_router_region_id": SH,
        }
        args.update(kw)
        return net.cbn.create_transit_router_peer_attachment(cm.CreateTransitRouterPeerAttachmentRequest(**args)).body

    assert _code(lambda: peer(bandwidth_type="DataTransfer")) == "MissingParam.Bandwidth"
    assert _code(lambda: peer(bandwidth_type="DataTransfer", bandwidth=0)) == "IllegalParam.Bandwidth"
    assert _code(lambda: peer(bandwidth_type="BandwidthPackage", bandwidth=10)) == "InvalidOperation.BwpNotAssociated"
    assert _code(lambda: peer(bandwidth_type="DataTransfer", bandwidth=10, default_link_type="Silver")) == (
        "ParameterIllegal.CdtDefaultLinkTypeOnlySupportPlatinumOrGold"
    )
    assert (
        _code(lambda: peer(peer_transit_router_id=hz_tr, bandwidth_type="DataTransfer", bandwidth=10))
        == "IllegalParam.PeerTransitRouterId"
    )
    assert _code(lambda: peer(peer_transit_router_id="tr-missing", bandwidth_type="DataTransfer", bandwidth=10)) == (
        "InvalidPeerTransitRouterId.NotFound"
    )
    p = peer(
        bandwidth_type="DataTransfer",
        bandwidth=10,
        default_link_type="Platinum",
        auto_publish_route_enabled=True,
        client_token="p1",
    )
    assert (
        peer(
            bandwidth_type="DataTransfer",
            bandwidth=10,
            default_link_type="Platinum",
            auto_publish_route_enabled=True,
            client_token="p1",
        ).transit_router_attachment_id
        == p.transit_router_attachment_id
    )
    pid = p.transit_router_attachment_id
    item = net.cbn.list_transit_router_peer_attachments(
        cm.ListTransitRouterPeerAttachmentsRequest(transit_router_attachment_id=pid)
    ).body.transit_router_attachments[0]
    assert item.status == "Attaching" and item.bandwidth == 10 and item.bandwidth_type == "DataTransfer"
    assert item.default_link_type == "Platinum" and item.peer_transit_router_id == sh_tr and item.resource_type == "TR"
    assert item.geographic_span_id == "china_china"
    net.settle()
    net.cbn.update_transit_router_peer_attachment_attribute(
        cm.UpdateTransitRouterPeerAttachmentAttributeRequest(
            transit_router_attachment_id=pid, bandwidth=20, bandwidth_type="DataTransfer"
        )
    )
    assert (
        _code(
            lambda: net.cbn.update_transit_router_peer_attachment_attribute(
                cm.UpdateTransitRouterPeerAttachmentAttributeRequest(transit_router_attachment_id=pid, bandwidth=-1)
            )
        )
        == "IllegalParam.Bandwidth"
    )
    item = net.cbn.list_transit_router_peer_attachments(
        cm.ListTransitRouterPeerAttachmentsRequest(transit_router_id=hz_tr)
    ).body.transit_router_attachments[0]
    assert item.status == "Attached" and item.bandwidth == 20
    # the peer attachment is associated/propagated on BOTH transit routers with the same id
    net.bind(pid, hz_rtb)
    ok, why = net.reachable(hz_vpc, sh_vpc)
    assert not ok and sh_tr in why
    net.bind(pid, sh_rtb)
    assert net.reachable(hz_vpc, sh_vpc)[0] is True
    assert net.reachable(sh_vpc, hz_vpc)[0] is True
    sh_assoc = net.cbn.list_transit_router_route_table_associations(
        cm.ListTransitRouterRouteTableAssociationsRequest(
            transit_router_route_table_id=sh_rtb, transit_router_attachment_id=pid
        )
    ).body.transit_router_associations[0]
    assert sh_assoc.resource_id == hz_tr and sh_assoc.resource_type == "TR"
    assert (
        _code(
            lambda: net.cbn.delete_transit_router_peer_attachment(
                cm.DeleteTransitRouterPeerAttachmentRequest(transit_router_attachment_id=pid)
            )
        )
        == "OperationFailed.RouteTableAssociationExist"
    )
    net.cbn.delete_transit_router_peer_attachment(
        cm.DeleteTransitRouterPeerAttachmentRequest(transit_router_attachment_id=pid, force=True)
    )
    ok, why = net.reachable(hz_vpc, sh_vpc)
    assert not ok
    net.settle()
    assert (
        net.cbn.list_transit_router_peer_attachments(
            cm.ListTransitRouterPeerAttachmentsRequest(cen_id=cen_id)
        ).body.total_count
        == 0
    )


def test_peer_attachment_bandwidth_limits(net):
    """Bandwidth is 1..10000 Mbit/s (limits and sources in products/cbn.py); out of range ->
    IllegalParam.Bandwidth on create and update, and nothing changes."""
    cen_id = net.cen()
    hz_tr, _hz_rtb = net.tr(cen_id, HZ)
    sh_tr, _sh_rtb = net.tr(cen_id, SH)

    def create(bandwidth):
        req = cm.CreateTransitRouterPeerAttachmentRequest(
            region_id=HZ,
            transit_router_id=hz_tr,
            peer_transit_router_id=sh_tr,
            bandwidth_type="DataTransfer",
            bandwidth=bandwidth,
        )
        return net.cbn.create_transit_router_peer_attachment(req).body.transit_router_attachment_id

    def listed():
        req = cm.ListTransitRouterPeerAttachmentsRequest(transit_router_id=hz_tr)
        return net.cbn.list_transit_router_peer_attachments(req).body.transit_router_attachments

    def update(pid, bandwidth):
        req = cm.UpdateTransitRouterPeerAttachmentAttributeRequest(
            transit_router_attachment_id=pid, bandwidth=bandwidth
        )
        return net.cbn.update_transit_router_peer_attachment_attribute(req)

    for bad in (1_000_000, 10001, 0):
        assert _code(lambda b=bad: create(b)) == "IllegalParam.Bandwidth", bad
    assert listed() == []
    pid = create(10000)
    net.settle()
    assert listed()[0].bandwidth == 10000
    for bad in (10001, 1_000_000):
        assert _code(lambda b=bad: update(pid, b)) == "IllegalParam.Bandwidth", bad
    net.settle()
    assert listed()[0].bandwidth == 10000
    update(pid, 1)
    net.settle()
    assert listed()[0].bandwidth == 1


def test_same_region_reachability_and_cidrs_overlap(net):
    cen_id = net.cen()
    tr_id, rtb = net.tr(cen_id, HZ)
    a_vpc, a_vsws = net.network(HZ)
    b_vpc, b_vsws = net.network(
        HZ, "192.168.0.0/16", [("192.168.1.0/24", "cn-hangzhou-h"), ("192.168.2.0/24", "cn-hangzhou-k")]
    )
    assert net.reachable(a_vpc, a_vpc) == (True, "same VPC")
    a_att = net.attach(tr_id, HZ, a_vpc, a_vsws)
    b_att = net.attach(tr_id, HZ, b_vpc, b_vsws)
    net.bind(a_att, rtb)
    ok, why = net.reachable(a_vpc, b_vpc)
    assert not ok and b_att in why
    net.bind(b_att, rtb)
    assert net.reachable(a_vpc, b_vpc)[0] is True
    with net.emu.transaction() as ctx:
        ok, why = routing.vpc_reachable(ctx, a_vpc, b_vpc, require_vpc_routes=True)
    assert not ok and "no route" in why
    net.vpcs[HZ].create_route_entry(
        vm.CreateRouteEntryRequest(
            region_id=HZ,
            route_table_id=net.vpcs[HZ]
            .describe_vpcs(vm.DescribeVpcsRequest(region_id=HZ, vpc_id=a_vpc))
            .body.vpcs.vpc[0]
            .router_table_ids.router_table_ids[0],
            destination_cidr_block="192.168.0.0/16",
            next_hop_type="Attachment",
            next_hop_id=a_att,
        )
    )
    net.cbn.update_transit_router_vpc_attachment_attribute(
        cm.UpdateTransitRouterVpcAttachmentAttributeRequest(
            transit_router_attachment_id=b_att, auto_publish_route_enabled=True
        )
    )
    net.settle()
    with net.emu.transaction() as ctx:
        assert routing.vpc_reachable(ctx, a_vpc, b_vpc, require_vpc_routes=True)[0] is True
    # a VPC route pointing at the attachment blocks its deletion even with Force
    assert (
        _code(
            lambda: net.cbn.delete_transit_router_vpc_attachment(
                cm.DeleteTransitRouterVpcAttachmentRequest(transit_router_attachment_id=a_att, force=True)
            )
        )
        == "OperationFailed.AttachmentReferencedVpcRouteEntryExisted"
    )
    assert routing.cidrs_overlap("10.0.0.0/16", "10.0.128.0/17") is True
    assert routing.cidrs_overlap("10.0.0.0/16", "10.1.0.0/16") is False


def test_cbn_tags_case_insensitive_type(net):
    cen_id = net.cen()
    tr_id, _rtb = net.tr(cen_id, HZ)
    net.cbn.tag_resources(
        cm.TagResourcesRequest(
            resource_type="CEN",
            resource_id=[cen_id],
            region_id="global",
            tag=[cm.TagResourcesRequestTag(key="a", value="1")],
        )
    )
    net.cbn.tag_resources(
        cm.TagResourcesRequest(
            resource_type="TransitRouter",
            resource_id=[tr_id],
            region_id=HZ,
            tag=[cm.TagResourcesRequestTag(key="b", value="2")],
        )
    )
    rows = net.cbn.list_tag_resources(
        cm.ListTagResourcesRequest(resource_type="cen", resource_id=[cen_id], region_id="global")
    ).body
    assert [(r.resource_id, r.tag_key, r.tag_value, r.resource_type) for r in rows.tag_resources.tag_resource] == [
        (cen_id, "a", "1", "cen")
    ]
    trs = net.cbn.list_transit_routers(cm.ListTransitRoutersRequest(cen_id=cen_id)).body.transit_routers
    assert [(t.key, t.value) for t in trs[0].tags] == [("b", "2")]
    net.cbn.untag_resources(
        cm.UntagResourcesRequest(resource_type="cen", resource_id=[cen_id], region_id="global", all=True)
    )
    assert (
        net.cbn.list_tag_resources(
            cm.ListTagResourcesRequest(resource_type="cen", resource_id=[cen_id])
        ).body.tag_resources.tag_resource
        == []
    )


def test_list_paging_next_token(net):
    cen_id = net.cen()
    tr_id, rtb = net.tr(cen_id, HZ)
    atts = []
    for i in range(3):
        vpc_id, vsws = net.network(
            HZ, f"{30 + i}.0.0.0/8", [(f"{30 + i}.1.0.0/16", "cn-hangzhou-h"), (f"{30 + i}.2.0.0/16", "cn-hangzhou-i")]
        )
        atts.append(net.attach(tr_id, HZ, vpc_id, vsws, settle=False))
    first = net.cbn.list_transit_router_vpc_attachments(
        cm.ListTransitRouterVpcAttachmentsRequest(transit_router_id=tr_id, max_results=2)
    ).body
    assert first.total_count == 3 and len(first.transit_router_attachments) == 2 and first.next_token
    second = net.cbn.list_transit_router_vpc_attachments(
        cm.ListTransitRouterVpcAttachmentsRequest(transit_router_id=tr_id, max_results=2, next_token=first.next_token)
    ).body
    assert len(second.transit_router_attachments) == 1 and not second.next_token
    got = [a.transit_router_attachment_id for a in first.transit_router_attachments + second.transit_router_attachments]
    assert sorted(got) == sorted(atts)


def test_publish_flannel_node_routes(net):
    cen_id = net.cen()
    tr_id, rtb = net.tr(cen_id, HZ)
    vpc_id, vsws = net.network(HZ)
    vpc = net.vpcs[HZ]
    vtb = (
        vpc.describe_vpcs(vm.DescribeVpcsRequest(region_id=HZ, vpc_id=vpc_id))
        .body.vpcs.vpc[0]
        .router_table_ids.router_table_ids[0]
    )
    vpc.create_route_entry(
        vm.CreateRouteEntryRequest(
            region_id=HZ,
            route_table_id=vtb,
            destination_cidr_block="10.0.1.0/26",
            next_hop_type="Instance",
            next_hop_id="i-node1",
        )
    )
    keys = dict(
        cen_id=cen_id,
        child_instance_id=vpc_id,
        child_instance_region_id=HZ,
        child_instance_route_table_id=vtb,
        child_instance_type="VPC",
    )
    publish = cm.PublishRouteEntriesRequest(destination_cidr_block="10.0.1.0/26", **keys)
    assert _code(lambda: net.cbn.publish_route_entries(publish)) == "ParameterInstanceId"  # not attached yet
    net.attach(tr_id, HZ, vpc_id, vsws)

    def rows():
        body = net.cbn.describe_published_route_entries(cm.DescribePublishedRouteEntriesRequest(**keys)).body
        return {
            r.destination_cidr_block: (r.route_type, r.publish_status)
            for r in body.published_route_entries.published_route_entry
        }

    assert rows()["10.0.1.0/26"] == ("Custom", "NonPublished")
    assert rows()["20.1.0.0/16"] == ("System", "Published")
    net.cbn.publish_route_entries(publish)
    assert rows()["10.0.1.0/26"] == ("Custom", "Published")
    net.cbn.withdraw_published_route_entries(
        cm.WithdrawPublishedRouteEntriesRequest(destination_cidr_block="10.0.1.0/26", **keys)
    )
    assert rows()["10.0.1.0/26"] == ("Custom", "NonPublished")
    missing = cm.PublishRouteEntriesRequest(destination_cidr_block="10.9.0.0/26", **keys)
    assert _code(lambda: net.cbn.publish_route_entries(missing)) == "InvalidDestinationCidrBlock.NotFound"


# ----------------------------------------------------------------------------- transit router zones
def _available(net: Net, region: str = HZ, **kw) -> cm.ListTransitRouterAvailableResourceResponseBody:
    return net.cbn.list_transit_router_available_resource(
        cm.ListTransitRouterAvailableResourceRequest(region_id=region, **kw)
    ).body


def test_transit_router_available_resource(net):
    body = _available(net)
    assert body.available_zones == ZONES[HZ]
    assert body.master_zones == [] and body.slave_zones == []
    assert _available(net, SH).available_zones == ZONES[SH]
    assert _available(net, support_multicast=True).available_zones == []  # multicast is not modelled
    with pytest.raises(ClientException) as exc:
        _available(net, "cn-nowhere")
    assert exc.value.code == "IllegalParam.RegionId"  # as every other cbn action with an unknown region
    assert (
        _code(
            lambda: net.cbn.create_transit_router(cm.CreateTransitRouterRequest(cen_id="cen-x", region_id="cn-nowhere"))
        )
        == exc.value.code
    )
    with pytest.raises(ClientException) as exc:
        net.cbn.list_transit_router_available_resource(cm.ListTransitRouterAvailableResourceRequest())
    assert exc.value.code == "MissingParameter" and "RegionId" in exc.value.message
    log = [e for e in control(net.emu, "/_emulator/log") if e["action"] == "ListTransitRouterAvailableResource"]
    assert len(log) == 5 and all(e["write"] is False for e in log)


def test_zone_without_transit_router_scenario(net):
    cen_id = net.cen()
    tr_id, _rtb = net.tr(cen_id, HZ)
    vpc_id, vsws = net.network(
        HZ,
        vsws=[("20.1.0.0/16", "cn-hangzhou-h"), ("20.2.0.0/16", "cn-hangzhou-i"), ("20.3.0.0/16", "cn-hangzhou-j")],
    )
    h, i, j = vsws
    spec = {"region": HZ, "zone": "cn-hangzhou-i"}
    armed = {"zone_without_transit_router": [spec]}
    assert control(net.emu, "/_emulator/faults/cbn", {"zone_without_transit_router": spec}) == armed
    assert control(net.emu, "/_emulator/faults/cbn") == armed
    assert _available(net).available_zones == [z for z in ZONES[HZ] if z != "cn-hangzhou-i"]
    assert _available(net, SH).available_zones == ZONES[SH]  # other regions untouched
    with pytest.raises(ClientException) as exc:
        net.attach(tr_id, HZ, vpc_id, [h, i], settle=False)
    assert exc.value.code == "IllegalParam.ZoneId"
    assert "cn-hangzhou-i" in exc.value.message and "does not support transit router" in exc.value.message
    assert not net.emu.snapshot().get("cbn_vpc_attachment")
    att = net.attach(tr_id, HZ, vpc_id, [h, j])
    listed = net.cbn.list_transit_router_vpc_attachments(
        cm.ListTransitRouterVpcAttachmentsRequest(transit_router_attachment_id=att)
    ).body.transit_router_attachments[0]
    assert listed.status == "Attached"
    assert sorted(z.zone_id for z in listed.zone_mappings) == ["cn-hangzhou-h", "cn-hangzhou-j"]
    net.emu.reset()
    assert control(net.emu, "/_emulator/faults/cbn") == {}
    assert _available(net).available_zones == ZONES[HZ]


def test_zone_without_transit_router_spec_validation(net):
    def refused(body) -> str:
        return control_refused(net.emu, "/_emulator/faults/cbn", body)

    fault = "zone_without_transit_router"
    assert "region" in refused({fault: {"zone": "cn-hangzhou-i"}})
    assert "zone" in refused({fault: {"region": HZ}})
    assert "cn-nowhere" in refused({fault: {"region": "cn-nowhere", "zone": "cn-nowhere-a"}})
    assert "cn-shanghai-e" in refused({fault: {"region": HZ, "zone": "cn-shanghai-e"}})  # another region's zone
    assert "zones" in refused({fault: {"region": HZ, "zone": "cn-hangzhou-i", "zones": []}})
    assert "count" in refused({fault: {"region": HZ, "zone": "cn-hangzhou-i", "count": 1}})
    assert control(net.emu, "/_emulator/faults/cbn") == {}
