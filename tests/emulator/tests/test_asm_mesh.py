"""Contract tests for the emulated ASM API (servicemesh 2020-01-11, RPC form body), driven through
the real SDK: mesh lifecycle, cluster joins (CEN reachability, CIDR conflicts), kubeconfig,
geolocation load balancing, deletion rules, tags."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import urllib.error

import pytest
import yaml
from alibabacloud_cbn20170912 import models as cbnm
from alibabacloud_cbn20170912.client import Client as CbnClient
from alibabacloud_cs20151215 import models as csm
from alibabacloud_cs20151215.client import Client as CsClient
from alibabacloud_servicemesh20200111 import models as am
from alibabacloud_servicemesh20200111.client import Client as AsmClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vpc20160428 import models as vm
from alibabacloud_vpc20160428.client import Client as VpcClient
from conftest import control
from cryptography import x509

HZ = "cn-hangzhou"
_seq = itertools.count(1)


# ------------------------------------------------------------------------------------------ helpers
class Cloud:
    """SDK clients against the emulator plus the few builders the tests need."""

    def __init__(self, emu, client_factory) -> None:
        self.emu = emu
        self.asm = client_factory(AsmClient)
        self.cs = client_factory(CsClient)
        self.vpc = client_factory(VpcClient)
        self.cbn = client_factory(CbnClient)
        self.zones: dict[str, str] = {}
        self.regions: dict[str, str] = {}
        self.cen_id = ""

    def settle(self, seconds: float = 60.0) -> None:
        self.emu.advance_clock(seconds)

    # -- network
    def network(self, cidr: str, vsws: list[tuple[str, str]], region: str = HZ) -> tuple[str, list[str]]:
        vpc_id = self.vpc.create_vpc(vm.CreateVpcRequest(region_id=region, cidr_block=cidr)).body.vpc_id
        self.settle()
        ids = []
        for c, zone in vsws:
            vsw_id = self.vpc.create_vswitch(
                vm.CreateVSwitchRequest(region_id=region, vpc_id=vpc_id, zone_id=zone, cidr_block=c)
            ).body.v_switch_id
            self.zones[vsw_id] = zone
            self.regions[vpc_id] = region
            ids.append(vsw_id)
        self.settle()
        return vpc_id, ids

    def cluster(self, vpc_id: str, vsws: list[str], pod: str, svc: str) -> str:
        cid = self.cs.create_cluster(
            csm.CreateClusterRequest(
                name=f"ack-{next(_seq)}",
                region_id=self.regions[vpc_id],
                cluster_type="ManagedKubernetes",
                vpcid=vpc_id,
                vswitch_ids=vsws[:1],
                container_cidr=pod,
                service_cidr=svc,
                addons=[csm.Addon(name="flannel")],
                nodepools=[
                    csm.Nodepool(
                        nodepool_info=csm.NodepoolNodepoolInfo(name="np"),
                        scaling_group=csm.NodepoolScalingGroup(
                            vswitch_ids=vsws[:1], instance_types=["ecs.g7.xlarge"], desired_size=2, key_pair="kp"
                        ),
                        kubernetes_config=csm.NodepoolKubernetesConfig(runtime="containerd", runtime_version="1.6.36"),
                    )
                ],
            )
        ).body.cluster_id
        self.settle()
        return cid

    def _bind(self, att: str, rtb: str) -> None:
        self.cbn.associate_transit_router_attachment_with_route_table(
            cbnm.AssociateTransitRouterAttachmentWithRouteTableRequest(
                transit_router_attachment_id=att, transit_router_route_table_id=rtb
            )
        )
        self.cbn.enable_transit_router_route_table_propagation(
            cbnm.EnableTransitRouterRouteTablePropagationRequest(
                transit_router_attachment_id=att, transit_router_route_table_id=rtb
            )
        )
        self.settle()

    def connect(self, *vpcs: tuple[str, list[str]], peer: bool = True) -> dict[str, tuple[str, str]]:
        """Attach the VPCs to one CEN: a transit router per region, each VPC attachment associated
        and propagating on its router's system route table; with ``peer``, the routers are joined
        by peer attachments bound on both sides. Returns ``{region: (tr_id, rtb_id)}``."""
        cen_id = self.cbn.create_cen(cbnm.CreateCenRequest(name=f"cen-{next(_seq)}")).body.cen_id
        self.settle()
        self.cen_id = cen_id
        routers: dict[str, tuple[str, str]] = {}
        for region in dict.fromkeys(self.regions[vpc] for vpc, _cidr in vpcs):
            tr_id = self.cbn.create_transit_router(
                cbnm.CreateTransitRouterRequest(cen_id=cen_id, region_id=region)
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
            routers[region] = (tr_id, rtb)
        for vpc_id, vsws in vpcs:
            region = self.regions[vpc_id]
            att = self.cbn.create_transit_router_vpc_attachment(
                cbnm.CreateTransitRouterVpcAttachmentRequest(
                    cen_id=cen_id,
                    region_id=region,
                    transit_router_id=routers[region][0],
                    vpc_id=vpc_id,
                    zone_mappings=[
                        cbnm.CreateTransitRouterVpcAttachmentRequestZoneMappings(v_switch_id=v, zone_id=self.zones[v])
                        for v in vsws
                    ],
                    # route sync: the router's routes reach the VPC route table (the join check
                    # walks the mesh VPC -> API server address path over real routes)
                    auto_publish_route_enabled=True,
                )
            ).body.transit_router_attachment_id
            self.settle()
            self._bind(att, routers[region][1])
        if peer:
            self.peer(routers)
        return routers

    def peer(self, routers: dict[str, tuple[str, str]]) -> None:
        regions = list(routers)
        for i, ra in enumerate(regions):
            for rb in regions[i + 1 :]:
                att = self.cbn.create_transit_router_peer_attachment(
                    cbnm.CreateTransitRouterPeerAttachmentRequest(
                        cen_id=self.cen_id,
                        region_id=ra,
                        transit_router_id=routers[ra][0],
                        peer_transit_router_id=routers[rb][0],
                        peer_transit_router_region_id=rb,
                        bandwidth_type="DataTransfer",
                        bandwidth=10,
                        auto_publish_route_enabled=True,
                    )
                ).body.transit_router_attachment_id
                self.settle()
                self._bind(att, routers[ra][1])
                self._bind(att, routers[rb][1])

    # -- mesh
    def mesh(self, vpc_id: str, vsws: list[str], **kw) -> str:
        req = am.CreateServiceMeshRequest(
            region_id=HZ, vpc_id=vpc_id, v_switches=json.dumps(vsws[:1]), name=f"mesh-{next(_seq)}", **kw
        )
        mesh_id = self.asm.create_service_mesh(req).body.service_mesh_id
        self.settle()
        return mesh_id

    def detail(self, mesh_id: str):
        return self.asm.describe_service_mesh_detail(
            am.DescribeServiceMeshDetailRequest(service_mesh_id=mesh_id)
        ).body.service_mesh

    def state(self, mesh_id: str) -> str:
        return self.detail(mesh_id).service_mesh_info.state

    def add(self, mesh_id: str, cluster_id: str):
        return self.asm.add_cluster_into_service_mesh(
            am.AddClusterIntoServiceMeshRequest(service_mesh_id=mesh_id, cluster_id=cluster_id)
        ).body

    def members(self, mesh_id: str) -> list[am.DescribeClustersInServiceMeshResponseBodyClusters]:
        return self.asm.describe_clusters_in_service_mesh(
            am.DescribeClustersInServiceMeshRequest(service_mesh_id=mesh_id)
        ).body.clusters

    def candidates(self, mesh_id: str) -> dict[str, am.DescribeServiceMeshClustersResponseBodyClusters]:
        body = self.asm.describe_service_mesh_clusters(
            am.DescribeServiceMeshClustersRequest(service_mesh_id=mesh_id)
        ).body
        return {c.cluster_id: c for c in body.clusters}

    def locality(self, mesh_id: str, enabled: bool | None, conf) -> None:
        self.asm.update_mesh_feature(
            am.UpdateMeshFeatureRequest(
                service_mesh_id=mesh_id,
                locality_load_balancing=enabled,
                locality_lbconf=None if conf is None else (conf if isinstance(conf, str) else json.dumps(conf)),
            )
        )


def error_of(fn) -> ClientException:
    with pytest.raises(ClientException) as info:
        fn()
    return info.value


@pytest.fixture
def cloud(emu, client_factory) -> Cloud:
    emu.clock.delay_scale = 1.0  # intermediate states are asserted; the clock is then moved on
    return Cloud(emu, client_factory)


@pytest.fixture
def mesh_net(cloud):
    """The runbook's mesh VPC (vpc-hangzhou2, 192.168.0.0/16) with vSwitches in two zones."""
    return cloud.network("192.168.0.0/16", [("192.168.0.0/24", "cn-hangzhou-h"), ("192.168.1.0/24", "cn-hangzhou-i")])


# ------------------------------------------------------------------------------------------ lifecycle
def test_create_describe_lifecycle(cloud, mesh_net):
    vpc_id, vsws = mesh_net
    resp = cloud.asm.create_service_mesh(
        am.CreateServiceMeshRequest(
            region_id=HZ,
            vpc_id=vpc_id,
            v_switches=json.dumps(vsws[:1]),
            name="asm-dr",
            edition="Pro",
            api_server_public_eip=True,
            tag=[am.CreateServiceMeshRequestTag(key="env", value="dr")],
        )
    ).body
    mesh_id = resp.service_mesh_id
    assert resp.request_id and mesh_id.startswith("c") and len(mesh_id) == 33
    assert cloud.state(mesh_id) == "initial"
    cloud.settle()
    mesh = cloud.detail(mesh_id)
    info = mesh.service_mesh_info
    assert (info.state, info.name, info.region_id, info.profile) == ("running", "asm-dr", HZ, "Pro")
    assert info.version.startswith("v1.22.6.66-g") and info.version.endswith("-aliyun")
    assert mesh.spec.network.vpc_id == vpc_id and mesh.spec.network.v_switches == vsws[:1]
    assert mesh.spec.network.security_group_id.startswith("sg-")
    assert mesh.spec.load_balancer.api_server_public_eip is True
    assert mesh.spec.mesh_config.locality_lb.enabled is False and mesh.spec.mesh_config.enable_locality_lb is False
    assert mesh.clusters == []
    # the mesh's own https API server
    assert mesh.endpoints.public_api_server_endpoint == cloud.emu.kube.info(mesh_id)["url"]
    assert mesh.endpoints.intranet_api_server_endpoint == mesh.endpoints.public_api_server_endpoint

    listed = cloud.asm.describe_service_meshes(am.DescribeServiceMeshesRequest()).body.service_meshes
    assert [m.service_mesh_info.service_mesh_id for m in listed] == [mesh_id]
    assert listed[0].spec.network.vpc_id == vpc_id and listed[0].tag[0].to_map() == {"Key": "env", "Value": "dr"}
    by_tag = cloud.asm.describe_service_meshes(
        am.DescribeServiceMeshesRequest(tag=[am.DescribeServiceMeshesRequestTag(key="env", value="prod")])
    ).body.service_meshes
    assert by_tag == []

    # Names are not unique and there is no ClientToken: the same request again is a second mesh.
    twin = cloud.asm.create_service_mesh(
        am.CreateServiceMeshRequest(region_id=HZ, vpc_id=vpc_id, v_switches=json.dumps(vsws[:1]), name="asm-dr")
    ).body.service_mesh_id
    assert twin != mesh_id
    listed = cloud.asm.describe_service_meshes(am.DescribeServiceMeshesRequest()).body.service_meshes
    assert sorted((m.service_mesh_info.service_mesh_id, m.service_mesh_info.name) for m in listed) == sorted(
        [(mesh_id, "asm-dr"), (twin, "asm-dr")]
    )


def test_versions_and_default_version(cloud, mesh_net):
    info = cloud.asm.describe_versions().body.version_info
    editions = {v.edition: v.versions for v in info}
    assert set(editions) == {"Default", "Pro"}
    vpc_id, vsws = mesh_net
    mesh_id = cloud.mesh(vpc_id, vsws)
    assert cloud.detail(mesh_id).service_mesh_info.version == editions["Default"][0]


@pytest.mark.parametrize(
    "overrides, code",
    [
        (dict(vpc_id=None), "MissingParameter"),
        (dict(v_switches=None), "MissingParameter"),
        (dict(v_switches='"vsw-a"'), "InvalidParameter"),
        (dict(cluster_spec="huge"), "InvalidParameter"),
        (dict(v_switches="vsw-not-json"), "InvalidParameter"),
        (dict(v_switches="[]"), "InvalidParameter"),
        (dict(v_switches='["vsw-doesnotexist"]'), "InvalidVSwitchId.NotFound"),
        (dict(vpc_id="vpc-doesnotexist"), "InvalidVpcId.NotFound"),
        (dict(edition="Gold"), "InvalidParameter"),
        (dict(istio_version="v1.0.0.1-gdeadbeef-aliyun"), "InvalidParameter.IstioVersion"),
        (dict(locality_lbconf="{not json"), "InvalidParameter.LocalityLBConf"),
    ],
)
def test_create_validation(cloud, mesh_net, overrides, code):
    vpc_id, vsws = mesh_net
    args = dict(region_id=HZ, vpc_id=vpc_id, v_switches=json.dumps(vsws[:1]))
    args.update(overrides)
    assert error_of(lambda: cloud.asm.create_service_mesh(am.CreateServiceMeshRequest(**args))).code == code


def test_vswitch_of_another_vpc_is_refused(cloud, mesh_net):
    vpc_id, _vsws = mesh_net
    _other, other_vsws = cloud.network("20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h")])
    err = error_of(
        lambda: cloud.asm.create_service_mesh(
            am.CreateServiceMeshRequest(region_id=HZ, vpc_id=vpc_id, v_switches=json.dumps(other_vsws))
        )
    )
    assert err.code == "InvalidParameter" and other_vsws[0] in err.message


def test_not_found(cloud):
    for call in (
        lambda: cloud.detail("c" + "0" * 32),
        lambda: cloud.asm.delete_service_mesh(am.DeleteServiceMeshRequest(service_mesh_id="c" + "0" * 32)),
        lambda: cloud.add("c" + "0" * 32, "c" + "1" * 32),
        lambda: cloud.asm.describe_service_mesh_kubeconfig(
            am.DescribeServiceMeshKubeconfigRequest(service_mesh_id="c" + "0" * 32)
        ),
    ):
        err = error_of(call)
        assert err.code == "ServiceMesh.NotFound"


# ------------------------------------------------------------------------------------------ kubeconfig
def test_kubeconfig(cloud, mesh_net):
    vpc_id, vsws = mesh_net
    private_mesh = cloud.mesh(vpc_id, vsws)
    public_mesh = cloud.mesh(vpc_id, vsws, api_server_public_eip=True)
    err = error_of(
        lambda: cloud.asm.describe_service_mesh_kubeconfig(
            am.DescribeServiceMeshKubeconfigRequest(service_mesh_id=private_mesh, private_ip_address=False)
        )
    )
    assert err.code == "InvalidOperation.ApiServerPublicEipNotEnabled" and "ApiServerPublicEip" in err.message
    cas = set()
    for mesh_id, private in ((private_mesh, True), (public_mesh, False)):
        body = cloud.asm.describe_service_mesh_kubeconfig(
            am.DescribeServiceMeshKubeconfigRequest(service_mesh_id=mesh_id, private_ip_address=private)
        ).body
        cfg = yaml.safe_load(body.kubeconfig)
        cluster = cfg["clusters"][0]["cluster"]
        assert (
            cluster["server"]
            == cloud.emu.kube.info(mesh_id)["url"]
            == cloud.detail(mesh_id).endpoints.intranet_api_server_endpoint
        )
        ctx = next(c for c in cfg["contexts"] if c["name"] == cfg["current-context"])
        user = next(u for u in cfg["users"] if u["name"] == ctx["context"]["user"])["user"]
        assert set(user) == {"client-certificate-data", "client-key-data"}
        ca = x509.load_pem_x509_certificate(base64.b64decode(cluster["certificate-authority-data"]))
        cert = x509.load_pem_x509_certificate(base64.b64decode(user["client-certificate-data"]))
        cert.verify_directly_issued_by(ca)
        expires = dt.datetime.strptime(body.expire_time, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc)
        assert expires > dt.datetime.now(dt.timezone.utc) and cert.not_valid_after_utc == expires
        cas.add(cluster["certificate-authority-data"])
    assert len(cas) == 2  # a CA per mesh


# ------------------------------------------------------------------------------------------ joins
def test_join_refused_without_cen_then_accepted(cloud, mesh_net):
    mesh_vpc, mesh_vsws = mesh_net
    ack_vpc, ack_vsws = cloud.network(
        "20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h"), ("20.1.0.0/16", "cn-hangzhou-i")]
    )
    cluster_id = cloud.cluster(ack_vpc, ack_vsws, "10.0.0.0/16", "172.16.0.0/16")
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)

    cand = cloud.candidates(mesh_id)[cluster_id]
    assert cand.forbidden_flag == 2 and cand.vpc_id == ack_vpc and cand.state == "running"
    err = error_of(lambda: cloud.add(mesh_id, cluster_id))
    assert err.code == "ErrorPermitted.VpcNotConnected"
    assert ack_vpc in err.message and mesh_vpc in err.message
    assert cloud.detail(mesh_id).clusters == []

    cloud.connect((mesh_vpc, mesh_vsws), (ack_vpc, ack_vsws))
    assert cloud.candidates(mesh_id)[cluster_id].forbidden_flag == 0
    assert cloud.add(mesh_id, cluster_id).code == "200"
    # The join takes time: the mesh is busy and the cluster is not listed yet.
    mesh = cloud.detail(mesh_id)
    assert mesh.service_mesh_info.state == "updating" and mesh.clusters == []
    assert cloud.members(mesh_id) == []
    assert error_of(lambda: cloud.add(mesh_id, cluster_id)).code == "StatusForbidden"  # busy
    cloud.settle()
    assert cloud.state(mesh_id) == "running" and cloud.detail(mesh_id).clusters == [cluster_id]
    members = cloud.members(mesh_id)
    assert [(c.cluster_id, c.vpc_id, c.state) for c in members] == [(cluster_id, ack_vpc, "running")]
    assert cluster_id not in cloud.candidates(mesh_id)
    assert error_of(lambda: cloud.add(mesh_id, cluster_id)).code == "ClusterAlreadyInServiceMesh"


def test_cross_region_join_needs_the_inter_region_connection(cloud, mesh_net):
    """The runbook: mesh VPC in cn-hangzhou, cluster in cn-shanghai, joined over CEN."""
    mesh_vpc, mesh_vsws = mesh_net
    sh_vpc, sh_vsws = cloud.network(
        "21.0.0.0/8", [("21.0.0.0/16", "cn-shanghai-e"), ("21.1.0.0/16", "cn-shanghai-f")], region="cn-shanghai"
    )
    cluster_id = cloud.cluster(sh_vpc, sh_vsws, "10.1.0.0/16", "172.17.0.0/16")
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    routers = cloud.connect((mesh_vpc, mesh_vsws), (sh_vpc, sh_vsws), peer=False)
    cand = cloud.candidates(mesh_id)[cluster_id]
    assert cand.forbidden_flag == 2 and cand.region_id == "cn-shanghai"
    err = error_of(lambda: cloud.add(mesh_id, cluster_id))
    assert err.code == "ErrorPermitted.VpcNotConnected" and "inter-region" in err.message
    assert "NoPeerAttachment" in err.message

    cloud.peer(routers)
    assert cloud.candidates(mesh_id)[cluster_id].forbidden_flag == 0
    cloud.add(mesh_id, cluster_id)
    cloud.settle()
    mesh = cloud.detail(mesh_id)
    assert mesh.service_mesh_info.state == "running" and mesh.clusters == [cluster_id]


def test_join_cidr_conflict(cloud, mesh_net):
    mesh_vpc, mesh_vsws = mesh_net
    a_vpc, a_vsws = cloud.network("20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h"), ("20.1.0.0/16", "cn-hangzhou-i")])
    b_vpc, b_vsws = cloud.network("21.0.0.0/8", [("21.0.0.0/16", "cn-hangzhou-h"), ("21.1.0.0/16", "cn-hangzhou-i")])
    a = cloud.cluster(a_vpc, a_vsws, "10.0.0.0/16", "172.16.0.0/16")
    b = cloud.cluster(b_vpc, b_vsws, "10.0.0.0/16", "172.17.0.0/16")  # same pod CIDR as a
    ok = cloud.cluster(b_vpc, b_vsws, "10.1.0.0/16", "172.18.0.0/16")
    cloud.connect((mesh_vpc, mesh_vsws), (a_vpc, a_vsws), (b_vpc, b_vsws))
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    cloud.add(mesh_id, a)
    cloud.settle()

    cand = cloud.candidates(mesh_id)
    assert cand[b].forbidden_flag == 3 and cand[ok].forbidden_flag == 0
    info = json.loads(cand[b].forbidden_info)
    assert {"cluster": b, "object": "Pod", "cidr": "10.0.0.0/16"} in info
    assert {"cluster": a, "object": "Pod", "cidr": "10.0.0.0/16"} in info
    err = error_of(lambda: cloud.add(mesh_id, b))
    assert err.code == "ErrorPermitted.CidrConflict" and "10.0.0.0/16" in err.message and a in err.message
    cloud.add(mesh_id, ok)
    cloud.settle()
    assert sorted(cloud.detail(mesh_id).clusters) == sorted([a, ok])


def test_join_requires_running_cluster(cloud, mesh_net):
    mesh_vpc, mesh_vsws = mesh_net
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    cid = cloud.cs.create_cluster(
        csm.CreateClusterRequest(
            name="young",
            region_id=HZ,
            cluster_type="ManagedKubernetes",
            vpcid=mesh_vpc,
            vswitch_ids=mesh_vsws[:1],
            container_cidr="10.5.0.0/16",
            service_cidr="172.19.0.0/20",
            addons=[csm.Addon(name="flannel")],
        )
    ).body.cluster_id
    assert error_of(lambda: cloud.add(mesh_id, cid)).code == "InvalidActiveState.ACK"
    assert error_of(lambda: cloud.add(mesh_id, "c" + "9" * 32)).code == "ErrorClusterNotFound"


# ------------------------------------------------------------------------------------------ delete
def test_delete_rules(cloud, mesh_net):
    mesh_vpc, mesh_vsws = mesh_net
    # A cluster in the mesh VPC needs no CEN (same VPC is reachable).
    cid = cloud.cluster(mesh_vpc, mesh_vsws, "10.2.0.0/16", "172.20.0.0/20")
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    young = cloud.asm.create_service_mesh(
        am.CreateServiceMeshRequest(region_id=HZ, vpc_id=mesh_vpc, v_switches=json.dumps(mesh_vsws[:1]))
    ).body.service_mesh_id
    assert error_of(lambda: cloud.asm.delete_service_mesh(am.DeleteServiceMeshRequest(service_mesh_id=young))).code == (
        "StillInitializing"
    )
    cloud.add(mesh_id, cid)
    cloud.settle()
    err = error_of(lambda: cloud.asm.delete_service_mesh(am.DeleteServiceMeshRequest(service_mesh_id=mesh_id)))
    assert err.code == "ErrorPermitted.ClustersNotEmpty"

    cloud.asm.remove_cluster_from_service_mesh(
        am.RemoveClusterFromServiceMeshRequest(service_mesh_id=mesh_id, cluster_id=cid)
    )
    # The removal takes time too: still listed while the mesh is updating.
    assert cloud.state(mesh_id) == "updating" and cloud.detail(mesh_id).clusters == [cid]
    assert [c.cluster_id for c in cloud.members(mesh_id)] == [cid]
    cloud.settle()
    assert cloud.detail(mesh_id).clusters == [] and cloud.members(mesh_id) == []
    err = error_of(
        lambda: cloud.asm.remove_cluster_from_service_mesh(
            am.RemoveClusterFromServiceMeshRequest(service_mesh_id=mesh_id, cluster_id=cid)
        )
    )
    assert err.code == "ClusterNotInServiceMesh"
    cloud.asm.delete_service_mesh(am.DeleteServiceMeshRequest(service_mesh_id=mesh_id))
    assert cloud.state(mesh_id) == "deleting"
    assert error_of(
        lambda: cloud.asm.delete_service_mesh(am.DeleteServiceMeshRequest(service_mesh_id=mesh_id))
    ).code == ("StatusForbidden")
    cloud.settle()
    assert error_of(lambda: cloud.detail(mesh_id)).code == "ServiceMesh.NotFound"


def test_force_delete_with_clusters(cloud, mesh_net):
    mesh_vpc, mesh_vsws = mesh_net
    cid = cloud.cluster(mesh_vpc, mesh_vsws, "10.3.0.0/16", "172.21.0.0/20")
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    cloud.add(mesh_id, cid)
    cloud.settle()
    cloud.asm.delete_service_mesh(am.DeleteServiceMeshRequest(service_mesh_id=mesh_id, force=True))
    cloud.settle()
    listed = cloud.asm.describe_service_meshes(am.DescribeServiceMeshesRequest()).body.service_meshes
    assert mesh_id not in [m.service_mesh_info.service_mesh_id for m in listed]


# ------------------------------------------------------------------------------------------ locality LB
def test_locality_failover_round_trip(cloud, mesh_net):
    mesh_id = cloud.mesh(*mesh_net)
    failover = {
        "failover": [{"from": "cn-hangzhou", "to": "cn-shanghai"}, {"from": "cn-shanghai", "to": "cn-hangzhou"}]
    }
    cloud.locality(mesh_id, True, failover)
    assert cloud.state(mesh_id) == "updating"
    cloud.settle()
    mesh_config = cloud.detail(mesh_id).spec.mesh_config
    assert cloud.state(mesh_id) == "running"
    assert mesh_config.locality_lb.enabled is True and mesh_config.enable_locality_lb is True
    assert mesh_config.locality_lb.failover == failover
    assert mesh_config.locality_lb.distribute is None

    cloud.locality(mesh_id, False, None)
    cloud.settle()
    assert cloud.detail(mesh_id).spec.mesh_config.locality_lb.enabled is False


def test_locality_distribute_round_trip_and_switch(cloud, mesh_net):
    mesh_id = cloud.mesh(*mesh_net)
    cloud.locality(mesh_id, True, {"failover": [{"from": "cn-hangzhou", "to": "cn-shanghai"}]})
    cloud.settle()
    distribute = [{"from": "cn-hangzhou/*", "to": {"cn-hangzhou/*": 90, "cn-shanghai/*": 10}}]
    # failover and distribution are mutually exclusive: one is disabled before the other is enabled
    err = error_of(lambda: cloud.locality(mesh_id, True, {"distribute": distribute}))
    assert err.code == "InvalidParameter.LocalityLBConf" and "disable" in err.message
    lb = cloud.detail(mesh_id).spec.mesh_config.locality_lb
    assert cloud.state(mesh_id) == "running" and lb.enabled is True and lb.distribute is None
    # the same mode with another setting is one call
    cloud.locality(mesh_id, True, {"failover": [{"from": "cn-hangzhou", "to": "cn-beijing"}]})
    cloud.settle()
    assert cloud.detail(mesh_id).spec.mesh_config.locality_lb.failover["failover"][0]["to"] == "cn-beijing"
    cloud.locality(mesh_id, False, None)
    cloud.settle()
    cloud.locality(mesh_id, True, {"distribute": distribute})
    cloud.settle()
    lb = cloud.detail(mesh_id).spec.mesh_config.locality_lb
    assert lb.enabled is True and lb.distribute == distribute and lb.failover is None


@pytest.mark.parametrize(
    "conf, code, needle",
    [
        ("{not json", "InvalidParameter.LocalityLBConf", "JSON"),
        (
            {
                "failover": [{"from": "cn-hangzhou", "to": "cn-shanghai"}],
                "distribute": [{"from": "cn-hangzhou", "to": {"cn-hangzhou": 100}}],
            },
            "InvalidParameter.LocalityLBConf",
            "mutually exclusive",
        ),
        (
            {"distribute": [{"from": "cn-hangzhou", "to": {"cn-hangzhou": 90, "cn-shanghai": 20}}]},
            "InvalidParameter.LocalityLBConf",
            "100",
        ),
        ({"failover": [{"from": "cn-hangzhou"}]}, "InvalidParameter.LocalityLBConf", "failover[0]"),
        (["failover"], "InvalidParameter.LocalityLBConf", "object"),
    ],
)
def test_locality_validation(cloud, mesh_net, conf, code, needle):
    mesh_id = cloud.mesh(*mesh_net)
    err = error_of(lambda: cloud.locality(mesh_id, True, conf))
    assert err.code == code and needle in err.message
    assert cloud.state(mesh_id) == "running"
    assert cloud.detail(mesh_id).spec.mesh_config.locality_lb.enabled is False


def test_distribute_needs_recent_version(cloud, mesh_net):
    old = cloud.asm.describe_versions().body.version_info[0].versions[-1]
    assert old < "v1.22"
    mesh_id = cloud.mesh(*mesh_net, istio_version=old)
    err = error_of(
        lambda: cloud.locality(mesh_id, True, {"distribute": [{"from": "cn-hangzhou", "to": {"cn-hangzhou": 100}}]})
    )
    assert err.code == "UnsupportedVersion.LocalityLBDistribute" and "1.22.6.66" in err.message
    cloud.locality(mesh_id, True, {"failover": [{"from": "cn-hangzhou", "to": "cn-shanghai"}]})  # failover is fine


def test_locality_at_creation_and_busy_mesh(cloud, mesh_net):
    conf = {"failover": [{"from": "cn-hangzhou", "to": "cn-shanghai"}]}
    mesh_id = cloud.mesh(*mesh_net, locality_load_balancing=True, locality_lbconf=json.dumps(conf))
    assert cloud.detail(mesh_id).spec.mesh_config.locality_lb.failover == conf
    cloud.locality(mesh_id, False, None)
    err = error_of(lambda: cloud.locality(mesh_id, True, None))
    assert err.code == "StatusForbidden"


# ------------------------------------------------------------------------------------------ tags
def test_tags(cloud, mesh_net):
    mesh_id = cloud.mesh(*mesh_net)
    cloud.asm.tag_resources(
        am.TagResourcesRequest(
            region_id=HZ,
            resource_type="servicemesh",
            resource_id=[mesh_id],
            tag=[
                am.TagResourcesRequestTag(key="owner", value="geomesh"),
                am.TagResourcesRequestTag(key="tier", value="dr"),
            ],
        )
    )
    rows = cloud.asm.list_tag_resources(
        am.ListTagResourcesRequest(region_id=HZ, resource_type="servicemesh", resource_id=[mesh_id])
    ).body.tag_resources
    assert {(r.resource_id, r.tag_key, r.tag_value) for r in rows} == {
        (mesh_id, "owner", "geomesh"),
        (mesh_id, "tier", "dr"),
    }
    cloud.asm.untag_resources(
        am.UntagResourcesRequest(region_id=HZ, resource_type="servicemesh", resource_id=[mesh_id], tag_key=["tier"])
    )
    rows = cloud.asm.list_tag_resources(
        am.ListTagResourcesRequest(region_id=HZ, resource_type="servicemesh", resource_id=[mesh_id])
    ).body.tag_resources
    assert [(r.tag_key, r.resource_type) for r in rows] == [("owner", "servicemesh")]
    listed = cloud.asm.describe_service_meshes(
        am.DescribeServiceMeshesRequest(tag=[am.DescribeServiceMeshesRequestTag(key="owner", value="geomesh")])
    ).body.service_meshes
    assert [m.service_mesh_info.service_mesh_id for m in listed] == [mesh_id]


def test_candidates_paging_and_deleted_member(cloud, mesh_net):
    mesh_vpc, mesh_vsws = mesh_net
    ids = [cloud.cluster(mesh_vpc, mesh_vsws, f"10.{20 + i}.0.0/16", f"172.{20 + i}.0.0/20") for i in range(3)]
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    page = cloud.asm.describe_service_mesh_clusters(
        am.DescribeServiceMeshClustersRequest(service_mesh_id=mesh_id, limit=2, offset=0)
    ).body
    rest = cloud.asm.describe_service_mesh_clusters(
        am.DescribeServiceMeshClustersRequest(service_mesh_id=mesh_id, limit=2, offset=2)
    ).body
    assert page.number_of_clusters == 3 and len(page.clusters) == 2 and len(rest.clusters) == 1
    assert {c.cluster_id for c in page.clusters + rest.clusters} == set(ids)
    assert all(c.forbidden_flag == 0 for c in page.clusters + rest.clusters)  # same VPC, disjoint CIDRs

    cloud.add(mesh_id, ids[0])
    cloud.settle()
    other_mesh = cloud.mesh(mesh_vpc, mesh_vsws)
    assert cloud.candidates(other_mesh)[ids[0]].service_mesh_id == mesh_id
    assert error_of(lambda: cloud.add(other_mesh, ids[0])).code == "ClusterAlreadyInServiceMesh"

    # UNCONFIRMED behaviour: ACK lets a member cluster be deleted; the mesh then lists it as failed.
    cloud.cs.delete_cluster(ids[0], csm.DeleteClusterRequest())
    cloud.settle()
    members = cloud.asm.describe_clusters_in_service_mesh(
        am.DescribeClustersInServiceMeshRequest(service_mesh_id=mesh_id)
    ).body.clusters
    assert [(c.cluster_id, c.state) for c in members] == [(ids[0], "failed")]


# ------------------------------------------------------------------------------------------ membership over time
def test_join_in_progress_blocks_other_meshes_and_delete(cloud, mesh_net):
    mesh_vpc, mesh_vsws = mesh_net
    cid = cloud.cluster(mesh_vpc, mesh_vsws, "10.30.0.0/16", "172.30.0.0/20")
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    other = cloud.mesh(mesh_vpc, mesh_vsws)
    cloud.add(mesh_id, cid)
    # Joining: not listed yet, but already taken (no second mesh) and the mesh refuses changes.
    assert cloud.candidates(other)[cid].service_mesh_id == mesh_id
    assert cid not in cloud.candidates(mesh_id)
    assert error_of(lambda: cloud.add(other, cid)).code == "ClusterAlreadyInServiceMesh"
    for call in (
        lambda: cloud.asm.delete_service_mesh(am.DeleteServiceMeshRequest(service_mesh_id=mesh_id, force=True)),
        lambda: cloud.asm.remove_cluster_from_service_mesh(
            am.RemoveClusterFromServiceMeshRequest(service_mesh_id=mesh_id, cluster_id=cid)
        ),
        lambda: cloud.locality(mesh_id, True, None),
    ):
        err = error_of(call)
        assert err.code == "StatusForbidden" and "updating" in err.message
    cloud.settle()
    assert [c.cluster_id for c in cloud.members(mesh_id)] == [cid]


def test_update_mesh_feature_without_locality_switch_turns_it_off(cloud, mesh_net):
    mesh_id = cloud.mesh(*mesh_net)
    cloud.locality(mesh_id, True, {"failover": [{"from": "cn-hangzhou", "to": "cn-shanghai"}]})
    cloud.settle()
    assert cloud.detail(mesh_id).spec.mesh_config.locality_lb.enabled is True
    # SDK: UpdateMeshFeatureRequest.locality_load_balancing "Default value: false".
    cloud.asm.update_mesh_feature(am.UpdateMeshFeatureRequest(service_mesh_id=mesh_id, tracing=True))
    assert cloud.state(mesh_id) == "updating"
    cloud.settle()
    mesh_config = cloud.detail(mesh_id).spec.mesh_config
    assert mesh_config.locality_lb.enabled is False and mesh_config.enable_locality_lb is False


# ------------------------------------------------------------------------------------------ scenario faults
FAULTS = "/_emulator/faults/servicemesh"
ANY_MESSAGE = "failed to install the data-plane components into the cluster: timeout"


def test_scenario_join_failure(cloud, mesh_net):
    mesh_vpc, mesh_vsws = mesh_net
    bad = cloud.cluster(mesh_vpc, mesh_vsws, "10.31.0.0/16", "172.31.0.0/20")
    good = cloud.cluster(mesh_vpc, mesh_vsws, "10.32.0.0/16", "172.29.0.0/20")
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    armed = control(cloud.emu, FAULTS, {"join_failure": {"cluster_id": bad, "message": "istiod sync timeout"}})
    assert armed == {"join_failure": [{"cluster_id": bad, "message": "istiod sync timeout"}]}
    assert control(cloud.emu, FAULTS) == armed

    cloud.add(mesh_id, good)  # another cluster: not matched
    cloud.settle()
    cloud.add(mesh_id, bad)
    assert cloud.members(mesh_id)[0].error_message == ""
    cloud.settle()
    rows = {c.cluster_id: c for c in cloud.members(mesh_id)}
    assert (rows[bad].state, rows[bad].error_message) == ("failed", "istiod sync timeout")
    assert (rows[good].state, rows[good].error_message) == ("running", "")
    info = cloud.detail(mesh_id).service_mesh_info
    assert info.state == "running" and info.error_message == "istiod sync timeout"

    # leaving clears the error; with the fault cleared, the join succeeds
    cloud.asm.remove_cluster_from_service_mesh(
        am.RemoveClusterFromServiceMeshRequest(service_mesh_id=mesh_id, cluster_id=bad)
    )
    cloud.settle()
    assert cloud.detail(mesh_id).service_mesh_info.error_message == ""
    assert [c.cluster_id for c in cloud.members(mesh_id)] == [good]
    assert control(cloud.emu, FAULTS, {}) == {}
    cloud.add(mesh_id, bad)
    cloud.settle()
    assert {(c.cluster_id, c.state) for c in cloud.members(mesh_id)} == {(good, "running"), (bad, "running")}


def test_scenario_join_failure_count(cloud, mesh_net):
    mesh_vpc, mesh_vsws = mesh_net
    a = cloud.cluster(mesh_vpc, mesh_vsws, "10.34.0.0/16", "172.27.0.0/20")
    b = cloud.cluster(mesh_vpc, mesh_vsws, "10.35.0.0/16", "172.26.0.0/20")
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    control(cloud.emu, FAULTS, {"join_failure": [{"count": 1}]})  # any cluster, once
    cloud.add(mesh_id, a)
    cloud.settle()
    assert control(cloud.emu, FAULTS) == {}
    cloud.add(mesh_id, b)
    cloud.settle()
    states = {c.cluster_id: c.state for c in cloud.members(mesh_id)}
    assert states == {a: "failed", b: "running"}


def test_scenario_mesh_busy_now_and_on_create(cloud, mesh_net):
    mesh_vpc, mesh_vsws = mesh_net
    cid = cloud.cluster(mesh_vpc, mesh_vsws, "10.33.0.0/16", "172.28.0.0/20")
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    out = control(cloud.emu, FAULTS, {"mesh_busy": {"mesh_id": mesh_id, "state": "upgrading", "seconds": 120}})
    assert out == {}  # applied at once, not kept
    assert cloud.state(mesh_id) == "upgrading"
    err = error_of(lambda: cloud.add(mesh_id, cid))
    assert err.code == "StatusForbidden" and "upgrading" in err.message
    cloud.settle(100)
    assert cloud.state(mesh_id) == "upgrading"
    cloud.settle(30)
    assert cloud.state(mesh_id) == "running"
    cloud.add(mesh_id, cid)

    # without mesh_id: a mesh created while it is set comes up, then stays updating for the time given
    control(cloud.emu, FAULTS, {"mesh_busy": {"seconds": 50, "count": 1}})
    young = cloud.asm.create_service_mesh(
        am.CreateServiceMeshRequest(region_id=HZ, vpc_id=mesh_vpc, v_switches=json.dumps(mesh_vsws[:1]))
    ).body.service_mesh_id
    assert cloud.state(young) == "initial" and control(cloud.emu, FAULTS) == {}
    cloud.settle(30)
    assert cloud.state(young) == "updating"
    assert error_of(lambda: cloud.locality(young, True, None)).code == "StatusForbidden"
    cloud.settle(60)
    assert cloud.state(young) == "running"


@pytest.mark.parametrize(
    "path, body, needle",
    [
        (FAULTS, {"meteor": {}}, "unknown servicemesh scenario faults: meteor"),
        (FAULTS, {"mesh_busy": {}}, "seconds"),
        (FAULTS, {"mesh_busy": {"seconds": 5, "state": "stopped"}}, "state"),
        (FAULTS, {"mesh_busy": {"seconds": 5, "mesh_id": "c" + "0" * 32}}, "no service mesh"),
        (FAULTS, {"join_failure": {"colour": "red"}}, "colour"),
        (FAULTS, {"join_failure": {"count": 0}}, "count"),
        (FAULTS, {"join_failure": "x"}, "object"),
        (FAULTS, ["join_failure"], "JSON object"),
        ("/_emulator/faults/nosuchproduct", {}, "no scenario faults"),
    ],
)
def test_scenario_validation(cloud, path, body, needle):
    control(cloud.emu, FAULTS, {"join_failure": {"cluster_id": "c1"}})
    with pytest.raises(urllib.error.HTTPError) as exc:
        control(cloud.emu, path, body)
    assert exc.value.code == 400 and needle in json.loads(exc.value.read())["message"]
    # a refused body changes nothing
    assert control(cloud.emu, FAULTS) == {"join_failure": [{"cluster_id": "c1", "message": ANY_MESSAGE}]}


def test_istio_system_namespace_forbidden_flag_4(cloud, mesh_net):
    mesh_vpc, mesh_vsws = mesh_net
    cid = cloud.cluster(mesh_vpc, mesh_vsws, "10.36.0.0/16", "172.25.0.0/20")
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    assert control(cloud.emu, FAULTS, {"istio_system_namespace": {"cluster_id": cid}}) == {}  # applied
    cand = cloud.candidates(mesh_id)[cid]
    assert cand.forbidden_flag == 4
    err = error_of(lambda: cloud.add(mesh_id, cid))
    assert err.code == "ErrorPermitted.IstioSystemNamespaceExists"
    assert "istio-system" in err.message and "IgnoreNamespaceCheck" in err.message
    assert cloud.state(mesh_id) == "running"

    # the documented way around it: IgnoreNamespaceCheck
    cloud.asm.add_cluster_into_service_mesh(
        am.AddClusterIntoServiceMeshRequest(service_mesh_id=mesh_id, cluster_id=cid, ignore_namespace_check=True)
    )
    cloud.settle()
    assert cloud.detail(mesh_id).clusters == [cid]

    # leaving with ReserveNamespace keeps istio-system: flag 4 again; leaving without it does not
    cloud.asm.remove_cluster_from_service_mesh(
        am.RemoveClusterFromServiceMeshRequest(service_mesh_id=mesh_id, cluster_id=cid, reserve_namespace=True)
    )
    cloud.settle()
    assert cloud.candidates(mesh_id)[cid].forbidden_flag == 4
    cloud.asm.add_cluster_into_service_mesh(
        am.AddClusterIntoServiceMeshRequest(service_mesh_id=mesh_id, cluster_id=cid, ignore_namespace_check=True)
    )
    cloud.settle()
    cloud.asm.remove_cluster_from_service_mesh(
        am.RemoveClusterFromServiceMeshRequest(service_mesh_id=mesh_id, cluster_id=cid)
    )
    cloud.settle()
    assert cloud.candidates(mesh_id)[cid].forbidden_flag == 0
    cloud.add(mesh_id, cid)
    cloud.settle()
    assert cloud.detail(mesh_id).clusters == [cid]
    with pytest.raises(urllib.error.HTTPError) as exc:
        control(cloud.emu, FAULTS, {"istio_system_namespace": {"cluster_id": "c" + "0" * 32}})
    assert exc.value.code == 400


def test_join_needs_routes_in_the_vpc_route_tables(cloud, mesh_net):
    """Bound attachments are not enough: the mesh VPC route table must send the cluster's API
    server address to the transit router (route sync here), and the cluster VPC must route back."""
    mesh_vpc, mesh_vsws = mesh_net
    ack_vpc, ack_vsws = cloud.network(
        "21.0.0.0/8", [("21.0.0.0/16", "cn-hangzhou-h"), ("21.1.0.0/16", "cn-hangzhou-i")]
    )
    cluster_id = cloud.cluster(ack_vpc, ack_vsws, "10.1.0.0/16", "172.17.0.0/16")
    mesh_id = cloud.mesh(mesh_vpc, mesh_vsws)
    cloud.connect((mesh_vpc, mesh_vsws), (ack_vpc, ack_vsws))
    atts = {
        a.vpc_id: a.transit_router_attachment_id
        for a in cloud.cbn.list_transit_router_vpc_attachments(
            cbnm.ListTransitRouterVpcAttachmentsRequest(cen_id=cloud.cen_id)
        ).body.transit_router_attachments
    }

    def sync(vpc_id: str, on: bool) -> None:
        cloud.cbn.update_transit_router_vpc_attachment_attribute(
            cbnm.UpdateTransitRouterVpcAttachmentAttributeRequest(
                transit_router_attachment_id=atts[vpc_id], auto_publish_route_enabled=on
            )
        )
        cloud.settle()

    assert cloud.candidates(mesh_id)[cluster_id].forbidden_flag == 0
    sync(ack_vpc, False)  # no way back
    assert cloud.candidates(mesh_id)[cluster_id].forbidden_flag == 2
    err = error_of(lambda: cloud.add(mesh_id, cluster_id))
    assert err.code == "ErrorPermitted.VpcNotConnected" and "NoVpcRoute" in err.message and ack_vpc in err.message
    sync(ack_vpc, True)
    sync(mesh_vpc, False)  # no way there
    err = error_of(lambda: cloud.add(mesh_id, cluster_id))
    assert "NoVpcRoute" in err.message and mesh_vpc in err.message
    sync(mesh_vpc, True)
    assert cloud.add(mesh_id, cluster_id).code == "200"
