"""Contract tests for the route model, driven by the real SDKs: transit router route tables learn
routes (ListTransitRouterRouteEntries), route sync into VPC route tables (DescribeRouteEntryList
Type CEN), the publication lifecycle of Flannel node routes, ModifyRouteEntry, and the
address-to-address reachability model behind ``/_emulator/reachability`` and
``/_emulator/addresses`` with every failure code."""

from __future__ import annotations

import ipaddress
import itertools
import urllib.parse

import pytest
from alibabacloud_cbn20170912 import models as cbnm
from alibabacloud_cbn20170912.client import Client as CbnClient
from alibabacloud_cs20151215 import models as csm
from alibabacloud_cs20151215.client import Client as CsClient
from alibabacloud_ecs20140526 import models as ecsm
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vpc20160428 import models as vm
from alibabacloud_vpc20160428.client import Client as VpcClient
from conftest import control

HZ, SH = "cn-hangzhou", "cn-shanghai"
_seq = itertools.count(1)


def error_of(fn) -> ClientException:
    with pytest.raises(ClientException) as info:
        fn()
    return info.value


class Net:
    """A two-region network built through the SDKs, as the network and cluster roles build it."""

    def __init__(self, emu, client_factory) -> None:
        self.emu = emu
        self.vpc = {r: client_factory(VpcClient, region=r) for r in (HZ, SH)}
        self.ecs = {r: client_factory(EcsClient, region=r) for r in (HZ, SH)}
        self.cs = client_factory(CsClient)
        self.cbn = client_factory(CbnClient)
        self.vpcs: dict[str, str] = {}  # region -> vpc id
        self.vsws: dict[str, list[str]] = {}
        self.zones: dict[str, str] = {}
        self.clusters: dict[str, str] = {}
        self.tr: dict[str, tuple[str, str]] = {}  # region -> (tr id, system route table id)
        self.att: dict[str, str] = {}  # region -> VPC attachment id
        self.peer_id = ""
        self.cen_id = ""

    def settle(self, seconds: float = 60.0) -> None:
        self.emu.advance_clock(seconds)

    # -- VPCs and clusters
    def network(self, region: str, cidr: str, vsws: list[tuple[str, str]], key: str | None = None) -> str:
        key = key or region
        client = self.vpc[region]
        vpc_id = client.create_vpc(vm.CreateVpcRequest(region_id=region, cidr_block=cidr)).body.vpc_id
        self.settle()
        ids = []
        for c, zone in vsws:
            vsw = client.create_vswitch(
                vm.CreateVSwitchRequest(region_id=region, vpc_id=vpc_id, zone_id=zone, cidr_block=c)
            ).body.v_switch_id
            self.zones[vsw] = zone
            ids.append(vsw)
        self.settle()
        self.vpcs[key], self.vsws[key] = vpc_id, ids
        return vpc_id

    def cluster(self, key: str, region: str, pod: str | None, svc: str, size: int = 2, terway_vsw: str = "") -> str:
        plugin = csm.Addon(name="terway-eniip") if terway_vsw else csm.Addon(name="flannel")
        cid = self.cs.create_cluster(
            csm.CreateClusterRequest(
                name=f"ack-{key}-{next(_seq)}",
                region_id=region,
                cluster_type="ManagedKubernetes",
                vpcid=self.vpcs[key],
                vswitch_ids=self.vsws[key][:1],
                container_cidr=pod,
                pod_vswitch_ids=[terway_vsw] if terway_vsw else None,
                service_cidr=svc,
                addons=[plugin],
                nodepools=[
                    csm.Nodepool(
                        nodepool_info=csm.NodepoolNodepoolInfo(name="np"),
                        scaling_group=csm.NodepoolScalingGroup(
                            vswitch_ids=self.vsws[key][:1],
                            instance_types=["ecs.g7.xlarge"],
                            desired_size=size,
                            key_pair="kp",
                        ),
                        kubernetes_config=csm.NodepoolKubernetesConfig(runtime="containerd", runtime_version="1.6.36"),
                    )
                ],
            )
        ).body.cluster_id
        self.settle()
        self.clusters[key] = cid
        return cid

    def cluster_sg(self, key: str) -> str:
        return self.cs.describe_cluster_detail(self.clusters[key]).body.security_group_id

    def allow(self, key: str, region: str, cidr: str) -> None:
        self.ecs[region].authorize_security_group(
            ecsm.AuthorizeSecurityGroupRequest(
                region_id=region,
                security_group_id=self.cluster_sg(key),
                permissions=[
                    ecsm.AuthorizeSecurityGroupRequestPermissions(
                        ip_protocol="ALL", port_range="-1/-1", source_cidr_ip=cidr, policy="accept"
                    )
                ],
            )
        )

    def revoke(self, key: str, region: str, cidr: str) -> None:
        self.ecs[region].revoke_security_group(
            ecsm.RevokeSecurityGroupRequest(
                region_id=region,
                security_group_id=self.cluster_sg(key),
                permissions=[
                    ecsm.RevokeSecurityGroupRequestPermissions(
                        ip_protocol="ALL", port_range="-1/-1", source_cidr_ip=cidr, policy="accept"
                    )
                ],
            )
        )

    # -- CEN
    def bind(self, att: str, rtb: str, propagate: bool = True) -> None:
        self.cbn.associate_transit_router_attachment_with_route_table(
            cbnm.AssociateTransitRouterAttachmentWithRouteTableRequest(
                transit_router_attachment_id=att, transit_router_route_table_id=rtb
            )
        )
        if propagate:
            self.propagation(att, rtb, True)
        self.settle()

    def propagation(self, att: str, rtb: str, on: bool) -> None:
        if on:
            self.cbn.enable_transit_router_route_table_propagation(
                cbnm.EnableTransitRouterRouteTablePropagationRequest(
                    transit_router_attachment_id=att, transit_router_route_table_id=rtb
                )
            )
        else:
            self.cbn.disable_transit_router_route_table_propagation(
                cbnm.DisableTransitRouterRouteTablePropagationRequest(
                    transit_router_attachment_id=att, transit_router_route_table_id=rtb
                )
            )
        self.settle()

    def cen(self, regions=(HZ, SH)) -> None:
        self.cen_id = self.cbn.create_cen(cbnm.CreateCenRequest(name=f"cen-{next(_seq)}")).body.cen_id
        self.settle()
        for region in regions:
            tr_id = self.cbn.create_transit_router(
                cbnm.CreateTransitRouterRequest(cen_id=self.cen_id, region_id=region)
            ).body.transit_router_id
            self.settle()
            rtb = (
                self.cbn.list_transit_router_route_tables(
                    cbnm.ListTransitRouterRouteTablesRequest(
                        transit_router_id=tr_id, transit_router_route_table_type="System"
                    )
                )
                .body.transit_router_route_tables[0]
                .transit_router_route_table_id
            )
            self.tr[region] = (tr_id, rtb)

    def attach(self, key: str, region: str, sync: bool = True) -> str:
        att = self.cbn.create_transit_router_vpc_attachment(
            cbnm.CreateTransitRouterVpcAttachmentRequest(
                cen_id=self.cen_id,
                region_id=region,
                transit_router_id=self.tr[region][0],
                vpc_id=self.vpcs[key],
                zone_mappings=[
                    cbnm.CreateTransitRouterVpcAttachmentRequestZoneMappings(v_switch_id=v, zone_id=z)
                    for z, v in {self.zones[v]: v for v in reversed(self.vsws[key])}.items()
                ],
                auto_publish_route_enabled=sync,
            )
        ).body.transit_router_attachment_id
        self.settle()
        self.bind(att, self.tr[region][1])
        self.att[key] = att
        return att

    def peer(self, bind: bool = True, settle: bool = True) -> str:
        self.peer_id = self.cbn.create_transit_router_peer_attachment(
            cbnm.CreateTransitRouterPeerAttachmentRequest(
                cen_id=self.cen_id,
                region_id=HZ,
                transit_router_id=self.tr[HZ][0],
                peer_transit_router_id=self.tr[SH][0],
                peer_transit_router_region_id=SH,
                bandwidth_type="DataTransfer",
                bandwidth=10,
                auto_publish_route_enabled=True,
            )
        ).body.transit_router_attachment_id
        if settle:
            self.settle()
        if bind:
            self.bind(self.peer_id, self.tr[HZ][1])
            self.bind(self.peer_id, self.tr[SH][1])
        return self.peer_id

    def sync(self, key: str, on: bool) -> None:
        self.cbn.update_transit_router_vpc_attachment_attribute(
            cbnm.UpdateTransitRouterVpcAttachmentAttributeRequest(
                transit_router_attachment_id=self.att[key], auto_publish_route_enabled=on
            )
        )
        self.settle()

    # -- routes
    def vpc_routes(self, key: str, region: str, **filters) -> list:
        """Every route entry of the VPC's system table (all pages, MaxResult 2 to exercise paging)."""
        table = self._system_table(key, region)
        out, token = [], None
        while True:
            body = (
                self.vpc[region]
                .describe_route_entry_list(
                    vm.DescribeRouteEntryListRequest(
                        region_id=region, route_table_id=table, max_result=2, next_token=token, **filters
                    )
                )
                .body
            )
            out += body.route_entrys.route_entry
            token = body.next_token
            if not token:
                return out

    def _system_table(self, key: str, region: str) -> str:
        with self.emu.transaction() as ctx:
            return ctx.store.get("vpc", self.vpcs[key])["RouteTableId"]

    def route(self, key: str, region: str, cidr: str, hop_type: str, hop_id: str):
        """CreateRouteEntry in the system route table of VPC ``key`` (the call, so errors surface)."""
        return self.vpc[key].create_route_entry(
            vm.CreateRouteEntryRequest(
                region_id=region,
                route_table_id=self._system_table(key, region),
                destination_cidr_block=cidr,
                next_hop_type=hop_type,
                next_hop_id=hop_id,
            )
        )

    def tr_routes(self, region: str, status: str | None = None, **filters) -> list:
        out, token = [], None
        while True:
            body = self.cbn.list_transit_router_route_entries(
                cbnm.ListTransitRouterRouteEntriesRequest(
                    transit_router_route_table_id=self.tr[region][1],
                    transit_router_route_entry_status=status,
                    max_results=2,
                    next_token=token,
                    **filters,
                )
            ).body
            out += body.transit_router_route_entries
            token = body.next_token
            if not token:
                return out

    def node_routes(self, key: str, region: str) -> list:
        return [r for r in self.vpc_routes(key, region) if r.next_hops.next_hop[0].next_hop_type == "Instance"]

    def publish(self, key: str, region: str, cidr: str, on: bool = True) -> None:
        args = dict(
            cen_id=self.cen_id,
            child_instance_id=self.vpcs[key],
            child_instance_region_id=region,
            child_instance_route_table_id=self._system_table(key, region),
            child_instance_type="VPC",
            destination_cidr_block=cidr,
        )
        if on:
            self.cbn.publish_route_entries(cbnm.PublishRouteEntriesRequest(**args))
        else:
            self.cbn.withdraw_published_route_entries(cbnm.WithdrawPublishedRouteEntriesRequest(**args))

    def publish_nodes(self, key: str, region: str) -> list[str]:
        cidrs = [r.destination_cidr_block for r in self.node_routes(key, region)]
        for c in cidrs:
            self.publish(key, region, c)
        return cidrs

    def published(self, key: str, region: str) -> dict[str, str]:
        body = self.cbn.describe_published_route_entries(
            cbnm.DescribePublishedRouteEntriesRequest(
                cen_id=self.cen_id,
                child_instance_id=self.vpcs[key],
                child_instance_region_id=region,
                child_instance_route_table_id=self._system_table(key, region),
                child_instance_type="VPC",
                page_size=50,
            )
        ).body
        return {e.destination_cidr_block: e.publish_status for e in body.published_route_entries.published_route_entry}

    # -- model
    def addresses(self) -> list[dict]:
        return control(self.emu, "/_emulator/addresses")

    def address(self, key: str, kind: str, index: int = 0) -> str:
        rows = [a for a in self.addresses() if a["cluster_id"] == self.clusters[key] and a["kind"] == kind]
        return rows[index]["ip"]

    def reach(self, src: str, dst: str) -> dict:
        return control(self.emu, "/_emulator/reachability?" + urllib.parse.urlencode({"src": src, "dst": dst}))


def build(emu, client_factory, peer: bool = True, publish: bool = True, rules: bool = True) -> Net:
    """hz: VPC 20/8 (Flannel pods 10.0/16); sh: VPC 21/8 (Flannel pods 10.1/16); one CEN with a
    router per region, route sync on, a bound peer attachment, node routes published and each
    cluster's security group admitting the other's VPC and Pod CIDRs."""
    net = Net(emu, client_factory)
    net.network(HZ, "20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h"), ("20.1.0.0/16", "cn-hangzhou-i")])
    net.network(SH, "21.0.0.0/8", [("21.0.0.0/16", "cn-shanghai-e"), ("21.1.0.0/16", "cn-shanghai-f")])
    net.cluster(HZ, HZ, "10.0.0.0/16", "172.16.0.0/20")
    net.cluster(SH, SH, "10.1.0.0/16", "172.17.0.0/20")
    net.cen()
    net.attach(HZ, HZ)
    net.attach(SH, SH)
    if peer:
        net.peer()
    if publish:
        net.publish_nodes(HZ, HZ)
        net.publish_nodes(SH, SH)
    if rules:
        for key, region, other in ((HZ, HZ, "1"), (SH, SH, "0")):
            net.allow(key, region, f"2{other}.0.0.0/8")
            net.allow(key, region, f"10.{other}.0.0/16")
    return net


@pytest.fixture
def net(fresh, client_factory) -> Net:
    return build(fresh, client_factory)


# ------------------------------------------------------------------ transit router tables learn
def test_router_table_learns_system_routes_and_peer_routes(fresh, client_factory):
    net = build(fresh, client_factory, publish=False)
    rows = net.tr_routes(HZ)
    by_dest = {r.transit_router_route_entry_destination_cidr_block: r for r in rows}
    assert set(by_dest) == {"20.0.0.0/16", "20.1.0.0/16", "21.0.0.0/16", "21.1.0.0/16"}
    local, remote = by_dest["20.0.0.0/16"], by_dest["21.0.0.0/16"]
    assert (local.transit_router_route_entry_type, local.transit_router_route_entry_status) == ("Propagated", "Active")
    assert local.transit_router_route_entry_next_hop_type == "Attachment"
    assert local.transit_router_route_entry_next_hop_id == net.att[HZ]
    assert local.transit_router_route_entry_next_hop_resource_type == "VPC"
    assert local.transit_router_route_entry_origin_resource_id == net.vpcs[HZ]
    assert local.path_attributes.origin_route_type == "System" and local.operational_mode is False
    assert remote.transit_router_route_entry_next_hop_id == net.peer_id
    assert remote.transit_router_route_entry_next_hop_resource_type == "TR"
    assert remote.transit_router_route_entry_next_hop_resource_id == net.tr[SH][0]
    assert remote.transit_router_route_entry_origin_resource_id == net.vpcs[SH]
    # the Flannel node routes are not learned until published
    assert not any(ipaddress.ip_network(d).subnet_of(ipaddress.ip_network("10.0.0.0/8")) for d in by_dest)
    # filters
    only = net.tr_routes(HZ, transit_router_route_entry_destination_cidr_block="21.1.0.0/16")
    assert [r.transit_router_route_entry_destination_cidr_block for r in only] == ["21.1.0.0/16"]
    assert net.tr_routes(HZ, transit_router_route_entry_type="Static") == []


def test_published_node_routes_are_learned_one_hop(net):
    hz_nodes = [r.destination_cidr_block for r in net.node_routes(HZ, HZ)]
    sh_nodes = [r.destination_cidr_block for r in net.node_routes(SH, SH)]
    assert len(hz_nodes) == 2 and len(sh_nodes) == 2
    hz_table = {r.transit_router_route_entry_destination_cidr_block: r for r in net.tr_routes(HZ)}
    for cidr in hz_nodes:
        assert hz_table[cidr].path_attributes.origin_route_type == "Custom"
        assert hz_table[cidr].transit_router_route_entry_next_hop_id == net.att[HZ]
    for cidr in sh_nodes:
        assert hz_table[cidr].transit_router_route_entry_next_hop_id == net.peer_id
    assert set(net.published(SH, SH).values()) == {"Published"}


def test_route_conflict_keeps_one_active_route(net):
    """A third VPC on the hz router advertising 20.0.0.0/16 again: the first attachment keeps it."""
    net.network(HZ, "20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h"), ("20.9.0.0/16", "cn-hangzhou-i")], key="c")
    att_c = net.attach("c", HZ, sync=False)
    rows = [
        r
        for r in net.tr_routes(HZ, status="All")
        if r.transit_router_route_entry_destination_cidr_block == "20.0.0.0/16"
    ]
    assert {(r.transit_router_route_entry_next_hop_id, r.transit_router_route_entry_status) for r in rows} == {
        (net.att[HZ], "Active"),
        (att_c, "Rejected"),
    }
    active = net.tr_routes(HZ, transit_router_route_entry_destination_cidr_block="20.0.0.0/16")
    assert [r.transit_router_route_entry_next_hop_id for r in active] == [net.att[HZ]]
    # over the peer attachment only the far table's Active route travels
    remote = [
        r
        for r in net.tr_routes(SH, status="All")
        if r.transit_router_route_entry_destination_cidr_block == "20.0.0.0/16"
    ]
    assert [(r.transit_router_route_entry_origin_resource_id, r.transit_router_route_entry_status) for r in remote] == [
        (net.vpcs[HZ], "Active")
    ]
    conflicts = {
        e.destination_cidr_block: e.conflicts.conflict
        for e in net.cbn.describe_published_route_entries(
            cbnm.DescribePublishedRouteEntriesRequest(
                cen_id=net.cen_id,
                child_instance_id=net.vpcs["c"],
                child_instance_region_id=HZ,
                child_instance_route_table_id=net._system_table("c", HZ),
                child_instance_type="VPC",
            )
        ).body.published_route_entries.published_route_entry
    }
    assert [(c.instance_id, c.instance_type) for c in conflicts["20.0.0.0/16"]] == [(net.vpcs[HZ], "VPC")]
    assert conflicts["20.9.0.0/16"] == []


def test_disabled_propagation_removes_learned_routes(net):
    net.propagation(net.att[SH], net.tr[SH][1], False)
    dests = {r.transit_router_route_entry_destination_cidr_block for r in net.tr_routes(HZ)}
    assert "21.0.0.0/16" not in dests and "20.0.0.0/16" in dests


def test_list_transit_router_route_entries_strictness(net):
    err = error_of(
        lambda: net.cbn.list_transit_router_route_entries(
            cbnm.ListTransitRouterRouteEntriesRequest(transit_router_route_table_id="vtb-nope")
        )
    )
    assert err.code == "InvalidRouteTableId.NotFound"
    err = error_of(
        lambda: net.cbn.list_transit_router_route_entries(
            cbnm.ListTransitRouterRouteEntriesRequest(transit_router_route_table_id=net.tr[HZ][1], max_results=101)
        )
    )
    assert err.code == "InvalidParameter"


# ------------------------------------------------------------------ route sync into the VPC
def test_route_sync_puts_router_routes_into_the_vpc(net):
    synced = net.vpc_routes(HZ, HZ, route_entry_type="CEN")
    sh_nodes = {r.destination_cidr_block for r in net.node_routes(SH, SH)}
    assert {r.destination_cidr_block for r in synced} == {"21.0.0.0/16", "21.1.0.0/16"} | sh_nodes
    for r in synced:
        hop = r.next_hops.next_hop[0]
        assert (r.type, r.status, hop.next_hop_type, hop.next_hop_id) == ("CEN", "Available", "Attachment", net.att[HZ])
    # the VPC's own routes (next hop = its own attachment) are not synced back
    assert not any(r.destination_cidr_block.startswith("20.") for r in synced)
    net.sync(HZ, False)
    assert net.vpc_routes(HZ, HZ, route_entry_type="CEN") == []


def test_route_sync_precedence_and_refusals(net):
    hz_table = net._system_table(HZ, HZ)
    client = net.vpc[HZ]
    # a custom route may not duplicate a synced route
    err = error_of(lambda: net.route(HZ, HZ, "21.0.0.0/16", "Attachment", net.att[HZ]))
    assert err.code == "InvalidCIDRBlock.Duplicate"
    # nor can a synced route be deleted or modified in the VPC
    for call in (
        lambda: client.delete_route_entry(
            vm.DeleteRouteEntryRequest(region_id=HZ, route_table_id=hz_table, destination_cidr_block="21.0.0.0/16")
        ),
        lambda: client.modify_route_entry(
            vm.ModifyRouteEntryRequest(
                region_id=HZ, route_table_id=hz_table, destination_cidr_block="21.0.0.0/16", route_entry_name="x"
            )
        ),
    ):
        assert error_of(call).code == "OperationUnsupported.DynamicRoute"
    # an existing custom route wins: with sync off, add one, sync on again -> not synced
    net.sync(HZ, False)
    net.route(HZ, HZ, "21.0.0.0/16", "Attachment", net.att[HZ])
    net.settle()
    net.sync(HZ, True)
    rows = [r for r in net.vpc_routes(HZ, HZ) if r.destination_cidr_block == "21.0.0.0/16"]
    assert [r.type for r in rows] == ["Custom"]
    # a router route more specific than a system route is not synced: sh publishes 20.0.5.0/24
    sh_instance = net.node_routes(SH, SH)[0].next_hops.next_hop[0].next_hop_id
    net.route(SH, SH, "20.0.5.0/24", "Instance", sh_instance)
    net.settle()
    net.publish(SH, SH, "20.0.5.0/24")
    assert "20.0.5.0/24" in {r.transit_router_route_entry_destination_cidr_block for r in net.tr_routes(HZ)}
    assert "20.0.5.0/24" not in {r.destination_cidr_block for r in net.vpc_routes(HZ, HZ)}


def test_publishing_a_route_to_a_transit_router_is_refused(net):
    net.sync(HZ, False)
    net.route(HZ, HZ, "21.0.0.0/16", "Attachment", net.att[HZ])
    net.settle()
    err = error_of(lambda: net.publish(HZ, HZ, "21.0.0.0/16"))
    assert err.code == "OperationUnsupported.NextHopType"


# ------------------------------------------------------------------ node join / leave
def _scale(net: Net, key: str, size: int) -> None:
    cid = net.clusters[key]
    pool = net.cs.describe_cluster_node_pools(cid, csm.DescribeClusterNodePoolsRequest()).body.nodepools[0]
    net.cs.modify_cluster_node_pool(
        cid,
        pool.nodepool_info.nodepool_id,
        csm.ModifyClusterNodePoolRequest(scaling_group=csm.ModifyClusterNodePoolRequestScalingGroup(desired_size=size)),
    )
    net.settle(120)


def test_node_join_and_leave_change_learned_and_synced_routes(net):
    before = {r.destination_cidr_block for r in net.node_routes(SH, SH)}
    _scale(net, SH, 3)
    after = {r.destination_cidr_block for r in net.node_routes(SH, SH)}
    (new,) = after - before
    assert net.published(SH, SH)[new] == "NonPublished"
    assert new not in {r.transit_router_route_entry_destination_cidr_block for r in net.tr_routes(HZ)}
    assert new not in {r.destination_cidr_block for r in net.vpc_routes(HZ, HZ)}
    net.publish(SH, SH, new)
    assert net.published(SH, SH)[new] == "Published"
    assert new in {r.transit_router_route_entry_destination_cidr_block for r in net.tr_routes(HZ)}
    assert new in {r.destination_cidr_block for r in net.vpc_routes(HZ, HZ, route_entry_type="CEN")}
    # the node leaves: its route, the learned and the synced route go; the publication goes too
    _scale(net, SH, 2)
    gone = after - {r.destination_cidr_block for r in net.node_routes(SH, SH)}
    assert len(gone) == 1
    (left,) = gone
    assert left not in net.published(SH, SH)
    assert left not in {r.transit_router_route_entry_destination_cidr_block for r in net.tr_routes(HZ)}
    assert left not in {r.destination_cidr_block for r in net.vpc_routes(HZ, HZ)}
    # a later node gets a route with the same destination: it is NOT published
    _scale(net, SH, 3)
    again = {r.destination_cidr_block for r in net.node_routes(SH, SH)}
    assert left in again and net.published(SH, SH)[left] == "NonPublished"
    assert left not in {r.transit_router_route_entry_destination_cidr_block for r in net.tr_routes(HZ)}


# ------------------------------------------------------------------ ModifyRouteEntry
def test_modify_route_entry(net):
    hz_table = net._system_table(HZ, HZ)
    client = net.vpc[HZ]
    net.sync(HZ, False)
    rte = net.route(HZ, HZ, "21.0.0.0/8", "Attachment", net.att[HZ]).body.route_entry_id
    net.settle()
    client.modify_route_entry(
        vm.ModifyRouteEntryRequest(region_id=HZ, route_entry_id=rte, route_entry_name="peer", description="to sh")
    )
    (row,) = net.vpc_routes(HZ, HZ, route_entry_id=rte)
    assert (row.route_entry_name, row.description) == ("peer", "to sh")
    hop = row.next_hops.next_hop[0]
    assert (hop.next_hop_type, hop.next_hop_id) == ("Attachment", net.att[HZ])
    instance = net.node_routes(HZ, HZ)[0].next_hops.next_hop[0].next_hop_id
    client.modify_route_entry(
        vm.ModifyRouteEntryRequest(
            region_id=HZ,
            route_table_id=hz_table,
            destination_cidr_block="21.0.0.0/8",
            new_next_hop_type="Instance",
            new_next_hop_id=instance,
        )
    )
    (row,) = net.vpc_routes(HZ, HZ, route_entry_id=rte)
    hop = row.next_hops.next_hop[0]
    assert (hop.next_hop_type, hop.next_hop_id, row.route_entry_name) == ("Instance", instance, "peer")
    bad = [
        (dict(route_entry_id="rte-nope", route_entry_name="x"), "InvalidRouteEntry.NotFound"),
        (dict(route_entry_id=rte, route_entry_name="http://x"), "IllegalParam.RouteEntryName"),
        (dict(route_entry_id=rte, new_next_hop_type="Nope", new_next_hop_id="x"), "InvalidNextHopType.Malformed"),
        (
            dict(route_entry_id=rte, new_next_hop_type="Attachment", new_next_hop_id="tr-attach-nope"),
            "InvalidNextHopId.NotFound",
        ),
        (
            dict(route_table_id=hz_table, destination_cidr_block="20.0.0.0/16", route_entry_name="x"),
            "OperationUnsupported.SystemRoute",
        ),
        (
            dict(route_entry_id=net.node_routes(HZ, HZ)[0].route_entry_id, new_next_hop_id=instance),
            "OperationUnsupported.ServiceManagedRoute",
        ),
    ]
    for kw, code in bad:
        assert (
            error_of(lambda kw=kw: client.modify_route_entry(vm.ModifyRouteEntryRequest(region_id=HZ, **kw))).code
            == code
        )
    (row,) = net.vpc_routes(HZ, HZ, route_entry_id=rte)
    assert row.next_hops.next_hop[0].next_hop_id == instance  # refusals changed nothing


# ------------------------------------------------------------------ addresses
def test_addresses_lists_nodes_and_one_pod_per_node(fresh, client_factory):
    net = Net(fresh, client_factory)
    net.network(HZ, "20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h"), ("20.1.0.0/16", "cn-hangzhou-h")])
    flannel = net.cluster(HZ, HZ, "10.0.0.0/16", "172.16.0.0/20")
    net.network(SH, "21.0.0.0/8", [("21.0.0.0/16", "cn-shanghai-e"), ("21.1.0.0/16", "cn-shanghai-e")])
    terway = net.cluster(SH, SH, None, "172.17.0.0/20", terway_vsw=net.vsws[SH][1])
    rows = net.addresses()
    assert {tuple(sorted(r)) for r in rows} == {
        ("cluster_id", "cluster_name", "ip", "kind", "node", "region", "vpc_id")
    }
    fl = [r for r in rows if r["cluster_id"] == flannel]
    nodes = net.cs.describe_cluster_nodes(flannel, csm.DescribeClusterNodesRequest()).body.nodes
    assert sorted(r["ip"] for r in fl if r["kind"] == "node") == sorted(n.ip_address[0] for n in nodes)
    routes = {r.next_hops.next_hop[0].next_hop_id: r.destination_cidr_block for r in net.node_routes(HZ, HZ)}
    for n in nodes:
        (pod,) = [r["ip"] for r in fl if r["kind"] == "pod" and r["node"] == n.node_name]
        slice_ = ipaddress.ip_network(routes[n.instance_id])
        assert ipaddress.ip_address(pod) == slice_.network_address + 2
    tw = [r for r in rows if r["cluster_id"] == terway]
    assert {r["region"] for r in tw} == {SH} and {r["vpc_id"] for r in tw} == {net.vpcs[SH]}
    pods = [r["ip"] for r in tw if r["kind"] == "pod"]
    assert len(pods) == 2 and len(set(pods)) == 2
    assert all(ipaddress.ip_address(p) in ipaddress.ip_network("21.1.0.0/16") for p in pods)


# ------------------------------------------------------------------ reachability and its codes
def test_pods_reach_pods_across_regions(net):
    for src, dst in ((HZ, SH), (SH, HZ)):
        for kind in ("pod", "node"):
            verdict = net.reach(net.address(src, kind), net.address(dst, "pod", 1))
            assert verdict["reachable"] is True, verdict
            assert verdict["code"] == "" and verdict["direction"] == ""
    verdict = net.reach(net.address(HZ, "pod"), net.address(SH, "pod"))
    hops = verdict["hops"]
    assert any(net.peer_id in h for h in hops) and any(h.startswith("return: ") for h in hops)
    assert any("security group" in h for h in hops)
    # the VPC-level form keeps working
    assert control(net.emu, f"/_emulator/reachability?src={net.vpcs[HZ]}&dst={net.vpcs[SH]}")["reachable"] is True


def test_same_vpc_pod_to_pod(net):
    net.allow(HZ, HZ, "10.0.0.0/16")  # the enterprise group admits nothing by default, not even its own Pods
    verdict = net.reach(net.address(HZ, "pod", 0), net.address(HZ, "pod", 1))
    assert verdict["reachable"] is True and not any("transit router" in h for h in verdict["hops"])


def _expect(verdict: dict, code: str, direction: str = "forward") -> None:
    assert verdict["reachable"] is False and verdict["code"] == code, verdict
    assert verdict["direction"] == direction and verdict["reason"]


def test_unknown_address(net):
    _expect(net.reach(net.address(HZ, "pod"), "192.0.2.1"), "UnknownAddress", "")
    _expect(net.reach("not-an-ip", net.address(HZ, "pod")), "UnknownAddress", "")


def test_not_published(net):
    src, dst = net.address(HZ, "pod"), net.address(SH, "pod")
    owner = next(a for a in net.addresses() if a["ip"] == dst)
    (cidr,) = [
        r.destination_cidr_block
        for r in net.node_routes(SH, SH)
        if ipaddress.ip_address(dst) in ipaddress.ip_network(r.destination_cidr_block)
    ]
    net.publish(SH, SH, cidr, on=False)
    verdict = net.reach(src, dst)
    _expect(verdict, "NotPublished")
    assert cidr in verdict["reason"] and owner["vpc_id"] in verdict["reason"]
    # the node address of the same node is still reachable (vSwitch routes propagate by default)
    assert net.reach(src, owner["node"].split(".", 1)[1])["reachable"] is True
    net.publish(SH, SH, cidr)
    assert net.reach(src, dst)["reachable"] is True


def test_not_propagated(net):
    net.propagation(net.att[SH], net.tr[SH][1], False)
    verdict = net.reach(net.address(HZ, "node"), net.address(SH, "node"))
    _expect(verdict, "NotPropagated")
    assert net.att[SH] in verdict["reason"]
    net.propagation(net.att[SH], net.tr[SH][1], True)
    net.propagation(net.peer_id, net.tr[HZ][1], False)
    _expect(net.reach(net.address(HZ, "node"), net.address(SH, "node")), "NotPropagated")


def test_no_vpc_route_forward_and_return(net):
    net.sync(HZ, False)
    verdict = net.reach(net.address(HZ, "pod"), net.address(SH, "pod"))
    _expect(verdict, "NoVpcRoute")
    assert net.vpcs[HZ] in verdict["reason"]
    net.sync(HZ, True)
    net.sync(SH, False)
    verdict = net.reach(net.address(HZ, "pod"), net.address(SH, "pod"))
    _expect(verdict, "NoVpcRoute", "return")
    assert net.vpcs[SH] in verdict["reason"] and not verdict["hops"][0].startswith("return: ")


def test_security_group_denied_forward_only(net):
    net.revoke(SH, SH, "10.0.0.0/16")
    verdict = net.reach(net.address(HZ, "pod"), net.address(SH, "pod"))
    _expect(verdict, "SecurityGroupDenied")
    assert net.cluster_sg(SH) in verdict["reason"]
    # hz node addresses are still admitted (the 20.0.0.0/8 rule on sh)
    assert net.reach(net.address(HZ, "node"), net.address(SH, "pod"))["reachable"] is True
    # security groups are stateful: sh Pod -> hz Pod is admitted by hz, and the reply needs no
    # rule on sh any more
    assert net.reach(net.address(SH, "pod"), net.address(HZ, "pod"))["reachable"] is True


def test_not_associated(net):
    net.cbn.dissociate_transit_router_attachment_from_route_table(
        cbnm.DissociateTransitRouterAttachmentFromRouteTableRequest(
            transit_router_attachment_id=net.peer_id, transit_router_route_table_id=net.tr[SH][1]
        )
    )
    net.settle()
    verdict = net.reach(net.address(HZ, "node"), net.address(SH, "node"))
    _expect(verdict, "NotAssociated")
    assert net.peer_id in verdict["reason"]
    net.cbn.dissociate_transit_router_attachment_from_route_table(
        cbnm.DissociateTransitRouterAttachmentFromRouteTableRequest(
            transit_router_attachment_id=net.att[HZ], transit_router_route_table_id=net.tr[HZ][1]
        )
    )
    net.settle()
    verdict = net.reach(net.address(HZ, "node"), net.address(SH, "node"))
    _expect(verdict, "NotAssociated")
    assert net.att[HZ] in verdict["reason"]


def test_no_peer_attachment_then_not_attached(fresh, client_factory):
    net = build(fresh, client_factory, peer=False)
    src, dst = net.address(HZ, "node"), net.address(SH, "node")
    _expect(net.reach(src, dst), "NoPeerAttachment")
    net.peer(bind=False, settle=False)  # Attaching
    verdict = net.reach(src, dst)
    _expect(verdict, "NotAttached")
    assert net.peer_id in verdict["reason"]
    net.settle()
    _expect(net.reach(src, dst), "NotAssociated")  # Attached, not bound yet
    net.bind(net.peer_id, net.tr[HZ][1])
    net.bind(net.peer_id, net.tr[SH][1])
    assert net.reach(src, dst)["reachable"] is True


def test_no_router_route_for_a_vpc_outside_the_cen(net):
    net.network(SH, "22.0.0.0/8", [("22.0.0.0/16", "cn-shanghai-e")], key="lone")
    net.cluster("lone", SH, "10.2.0.0/16", "172.18.0.0/20", size=1)
    verdict = net.reach(net.address(HZ, "node"), net.address("lone", "node"))
    _expect(verdict, "NoRouterRoute")
    assert net.vpcs["lone"] in verdict["reason"]


def test_terway_pods_need_no_publication(fresh, client_factory):
    net = build(fresh, client_factory, publish=False)
    net.network(
        SH,
        "22.0.0.0/8",
        [("22.0.0.0/16", "cn-shanghai-e"), ("22.1.0.0/16", "cn-shanghai-e"), ("22.2.0.0/16", "cn-shanghai-f")],
        key="tw",
    )
    net.cluster("tw", SH, None, "172.18.0.0/20", terway_vsw=net.vsws["tw"][1])
    net.attach("tw", SH)
    net.allow("tw", SH, "20.0.0.0/8")
    assert net.reach(net.address(HZ, "node"), net.address("tw", "pod"))["reachable"] is True
    # a Flannel Pod on the same path is not reachable until its route is published
    _expect(net.reach(net.address("tw", "node"), net.address(HZ, "pod")), "NotPublished")


def test_list_transit_router_route_entries_route_filter(net):
    def dests(key, values):
        return sorted(
            r.transit_router_route_entry_destination_cidr_block
            for r in net.tr_routes(
                HZ, route_filter=[cbnm.ListTransitRouterRouteEntriesRequestRouteFilter(key=key, value=values)]
            )
        )

    sh_nodes = sorted(r.destination_cidr_block for r in net.node_routes(SH, SH))
    assert dests("PrefixExactMatchCidrs", ["21.0.0.0/16"]) == ["21.0.0.0/16"]
    assert dests("SubnetOfMatchCidrs", ["10.1.0.0/16"]) == sh_nodes
    assert dests("SupernetOfMatchCidrs", ["21.1.2.0/24"]) == ["21.1.0.0/16"]
    pod = net.address(SH, "pod")
    (owner,) = [c for c in sh_nodes if ipaddress.ip_address(pod) in ipaddress.ip_network(c)]
    assert dests("LongestPrefixMatchCidrs", [pod + "/32"]) == [owner]
    err = error_of(lambda: dests("Nope", ["21.0.0.0/16"]))
    assert err.code == "IllegalParam.RouteFilter"
