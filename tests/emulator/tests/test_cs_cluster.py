"""Contract tests for the emulated ACK API (cs 2015-12-15, ROA), driven through the real SDK."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json

import pytest
import yaml
from alibabacloud_cs20151215 import models as csm
from alibabacloud_cs20151215.client import Client as CsClient
from alibabacloud_ecs20140526 import models as ecsm
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vpc20160428 import models as vm
from alibabacloud_vpc20160428.client import Client as VpcClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes

REGION = "cn-hangzhou"
_names = itertools.count(1)


# ------------------------------------------------------------------------------------------ helpers
@pytest.fixture
def cs(emu, client_factory) -> CsClient:
    # Real-scale delays: intermediate states are asserted, then the clock is moved forward.
    emu.clock.delay_scale = 1.0
    return client_factory(CsClient)


def _settle(emu, seconds: float = 30.0) -> None:
    """Move the emulator clock past every provisioning delay."""
    emu.advance_clock(seconds)


def make_network(emu, vpc: VpcClient, cidr: str, vsw_cidrs: list[tuple[str, str]]) -> tuple[str, list[str]]:
    vpc_id = vpc.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block=cidr)).body.vpc_id
    _settle(emu)
    vsws = [
        vpc.create_vswitch(
            vm.CreateVSwitchRequest(region_id=REGION, vpc_id=vpc_id, zone_id=zone, cidr_block=c)
        ).body.v_switch_id
        for c, zone in vsw_cidrs
    ]
    _settle(emu)
    return vpc_id, vsws


def cluster_request(vpc_id: str, vsws: list[str], **kw) -> csm.CreateClusterRequest:
    args = dict(
        name=f"ack-test-{next(_names)}",
        region_id=REGION,
        cluster_type="ManagedKubernetes",
        cluster_spec="ack.pro.small",
        profile="Default",
        vpcid=vpc_id,
        vswitch_ids=vsws,
        container_cidr="10.0.0.0/16",
        service_cidr="172.16.0.0/16",
        addons=[csm.Addon(name="flannel")],
        nodepools=[
            csm.Nodepool(
                nodepool_info=csm.NodepoolNodepoolInfo(name="default-nodepool"),
                scaling_group=csm.NodepoolScalingGroup(
                    vswitch_ids=vsws, instance_types=["ecs.g7.xlarge"], desired_size=3, key_pair="kp-test"
                ),
                kubernetes_config=csm.NodepoolKubernetesConfig(runtime="containerd", runtime_version="1.6.36"),
            )
        ],
    )
    args.update(kw)
    return csm.CreateClusterRequest(**args)


def error_of(fn) -> ClientException:
    with pytest.raises(ClientException) as info:
        fn()
    return info.value


@pytest.fixture
def net(emu, cs, vpc):
    return make_network(emu, vpc, "20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h"), ("20.1.0.0/16", "cn-hangzhou-i")])


# ------------------------------------------------------------------------------------------ tests
def test_create_lifecycle_task_and_detail(emu, cs, ecs, net):
    vpc_id, vsws = net
    resp = cs.create_cluster(cluster_request(vpc_id, vsws, container_cidr="10.10.0.0/16", service_cidr="172.20.0.0/16"))
    body = resp.body
    assert body.cluster_id.startswith("c") and len(body.cluster_id) == 33
    assert body.task_id and body.request_id

    task = cs.describe_task_info(body.task_id).body
    assert task.state == "running" and task.cluster_id == body.cluster_id
    detail = cs.describe_cluster_detail(body.cluster_id).body
    assert detail.state == "initial"

    _settle(emu)
    assert cs.describe_task_info(body.task_id).body.state == "success"
    detail = cs.describe_cluster_detail(body.cluster_id).body
    assert detail.state == "running"
    assert detail.vpc_id == vpc_id and detail.vswitch_ids == vsws
    assert detail.cluster_type == "ManagedKubernetes" and detail.region_id == REGION
    assert detail.security_group_id.startswith("sg-")
    assert detail.container_cidr == "10.10.0.0/16" and detail.service_cidr == "172.20.0.0/16"
    assert detail.node_cidr_mask == "26" and detail.size == 3
    assert detail.deletion_protection is False
    kube_url = emu.kube.info(body.cluster_id)["url"]  # the cluster's own https API server
    assert kube_url.startswith("https://127.0.0.1:") and kube_url != f"https://{emu.endpoint}"
    assert json.loads(detail.master_url) == {"api_server_endpoint": "", "intranet_api_server_endpoint": kube_url}

    pools = cs.describe_cluster_node_pools(body.cluster_id, csm.DescribeClusterNodePoolsRequest()).body.nodepools
    assert len(pools) == 1 and pools[0].status.total_nodes == 3 and pools[0].status.state == "active"
    nodes = emu.snapshot()["cs_cluster"]
    nodes = next(d for d in nodes if d["cluster_id"] == body.cluster_id)["_nodes"]
    assert [n["pod_cidr"] for n in nodes] == ["10.10.0.0/26", "10.10.0.64/26", "10.10.0.128/26"]
    assert {n["labels"]["topology.kubernetes.io/zone"] for n in nodes} == {"cn-hangzhou-h", "cn-hangzhou-i"}
    assert all(n["labels"]["topology.kubernetes.io/region"] == REGION for n in nodes)

    # Flannel: one VPC route per node (pod CIDR -> node instance), the routes CEN publication needs.
    routes = {(e["DestinationCidrBlock"], e["NextHopId"]) for e in emu.snapshot()["vpc_route_entry"]}
    assert {(n["pod_cidr"], n["instance_id"]) for n in nodes} <= routes
    sg = ecs.describe_security_group_attribute(
        ecsm.DescribeSecurityGroupAttributeRequest(region_id=REGION, security_group_id=detail.security_group_id)
    ).body
    assert sg.vpc_id == vpc_id

    cs.delete_cluster(body.cluster_id, csm.DeleteClusterRequest())
    assert not [
        e for e in emu.snapshot().get("vpc_route_entry", []) if e["NextHopId"] in {n["instance_id"] for n in nodes}
    ]
    err = error_of(
        lambda: ecs.describe_security_group_attribute(
            ecsm.DescribeSecurityGroupAttributeRequest(region_id=REGION, security_group_id=detail.security_group_id)
        )
    )
    assert err.code == "InvalidSecurityGroupId.NotFound"


def test_existing_security_group(emu, cs, ecs, net):
    vpc_id, vsws = net
    sg_id = ecs.create_security_group(
        ecsm.CreateSecurityGroupRequest(region_id=REGION, vpc_id=vpc_id)
    ).body.security_group_id
    cid = cs.create_cluster(
        cluster_request(
            vpc_id, vsws, security_group_id=sg_id, container_cidr="10.20.0.0/16", service_cidr="172.30.0.0/20"
        )
    ).body.cluster_id
    assert cs.describe_cluster_detail(cid).body.security_group_id == sg_id
    err = error_of(lambda: cs.create_cluster(cluster_request(vpc_id, vsws, security_group_id="sg-nope")))
    assert "sg-nope" in err.message


def test_describe_clusters_v1_filters_and_paging(emu, cs, vpc):
    vpc_id, vsws = make_network(emu, vpc, "30.0.0.0/8", [("30.0.0.0/16", "cn-hangzhou-h")])
    ids = [
        cs.create_cluster(
            cluster_request(
                vpc_id,
                vsws,
                name=f"paging-{i}",
                container_cidr=f"10.{40 + i}.0.0/16",
                service_cidr=f"172.{24 + i}.0.0/20",
            )
        ).body.cluster_id
        for i in range(3)
    ]
    page = cs.describe_clusters_v1(csm.DescribeClustersV1Request(name="paging-", page_size=2, page_number=1)).body
    assert page.page_info.total_count == 3 and page.page_info.page_size == 2 and len(page.clusters) == 2
    page2 = cs.describe_clusters_v1(csm.DescribeClustersV1Request(name="paging-", page_size=2, page_number=2)).body
    assert len(page2.clusters) == 1
    assert {c.cluster_id for c in page.clusters + page2.clusters} == set(ids)
    one = cs.describe_clusters_v1(csm.DescribeClustersV1Request(name="paging-1")).body.clusters
    assert [c.name for c in one] == ["paging-1"]
    assert (
        cs.describe_clusters_v1(csm.DescribeClustersV1Request(name="paging-", region_id="cn-shanghai")).body.clusters
        == []
    )
    assert (
        cs.describe_clusters_v1(
            csm.DescribeClustersV1Request(name="paging-", cluster_type="ManagedKubernetes")
        ).body.page_info.total_count
        == 3
    )


def test_kubeconfig_public_and_private(emu, cs, net):
    vpc_id, vsws = net
    private_only = cs.create_cluster(
        cluster_request(vpc_id, vsws, container_cidr="10.11.0.0/16", service_cidr="172.21.0.0/16")
    ).body.cluster_id
    public = cs.create_cluster(
        cluster_request(
            vpc_id, vsws, container_cidr="10.12.0.0/16", service_cidr="172.22.0.0/16", endpoint_public_access=True
        )
    ).body.cluster_id
    err = error_of(lambda: cs.describe_cluster_user_kubeconfig(public, csm.DescribeClusterUserKubeconfigRequest()))
    assert err.code == "ErrorClusterState"  # still initial
    _settle(emu)

    err = error_of(
        lambda: cs.describe_cluster_user_kubeconfig(
            private_only, csm.DescribeClusterUserKubeconfigRequest(private_ip_address=False)
        )
    )
    assert err.code == "ErrorCheckPublicEndpoint" and "endpoint_public_access" in err.message

    seen = {}
    for cid, private in ((private_only, True), (public, False)):
        body = cs.describe_cluster_user_kubeconfig(
            cid, csm.DescribeClusterUserKubeconfigRequest(private_ip_address=private)
        ).body
        cfg = yaml.safe_load(body.config)
        assert cfg["kind"] == "Config"
        cluster = cfg["clusters"][0]["cluster"]
        assert cluster["server"] == emu.kube.info(cid)["url"]
        assert (
            cluster["server"]
            == json.loads(cs.describe_cluster_detail(cid).body.master_url)["intranet_api_server_endpoint"]
        )
        ctx = next(c for c in cfg["contexts"] if c["name"] == cfg["current-context"])
        user = next(u for u in cfg["users"] if u["name"] == ctx["context"]["user"])["user"]
        assert set(user) == {"client-certificate-data", "client-key-data"}
        ca = x509.load_pem_x509_certificate(base64.b64decode(cluster["certificate-authority-data"]))
        cert = x509.load_pem_x509_certificate(base64.b64decode(user["client-certificate-data"]))
        cert.verify_directly_issued_by(ca)  # the cluster's CA signed the client certificate
        expires = dt.datetime.fromisoformat(body.expiration.replace("Z", "+00:00"))
        assert expires > dt.datetime.now(dt.timezone.utc)
        assert cert.not_valid_after_utc == expires  # the certificate expires with the kubeconfig
        seen[cid] = (cluster["server"], ca.fingerprint(hashes.SHA256()), user["client-certificate-data"])
    # an API server and a CA per cluster
    assert len({v[0] for v in seen.values()}) == 2 and len({v[1] for v in seen.values()}) == 2
    again = yaml.safe_load(
        cs.describe_cluster_user_kubeconfig(
            public, csm.DescribeClusterUserKubeconfigRequest(private_ip_address=False)
        ).body.config
    )
    # a new client certificate on every call, for the same server and CA
    assert again["clusters"][0]["cluster"]["server"] == seen[public][0]
    assert again["users"][0]["user"]["client-certificate-data"] != seen[public][2]

    temp = cs.describe_cluster_user_kubeconfig(
        public, csm.DescribeClusterUserKubeconfigRequest(temporary_duration_minutes=60)
    ).body
    assert dt.datetime.fromisoformat(temp.expiration.replace("Z", "+00:00")) < dt.datetime.now(
        dt.timezone.utc
    ) + dt.timedelta(minutes=61, seconds=60)
    err = error_of(
        lambda: cs.describe_cluster_user_kubeconfig(
            public, csm.DescribeClusterUserKubeconfigRequest(temporary_duration_minutes=5)
        )
    )
    assert err.code == "InvalidParameter"


@pytest.mark.parametrize(
    "overrides, needle",
    [
        (dict(name=""), "name"),
        (dict(name="-bad"), "name"),
        (dict(container_cidr=None), "container_cidr"),
        (dict(container_cidr="8.8.0.0/16"), "container_cidr"),  # not a private range
        (dict(service_cidr="20.6.0.0/16"), "service_cidr"),  # not a private range
        (dict(service_cidr="172.16.0.0/12"), "service_cidr"),  # mask outside /16../24
        (dict(service_cidr="10.0.0.0/16", container_cidr="10.0.0.0/16"), "overlaps"),
        (dict(node_cidr_mask="30"), "node_cidr_mask"),
        (dict(vswitch_ids=[]), "vswitch_ids"),
        (dict(vswitch_ids=["vsw-doesnotexist"]), "vsw-doesnotexist"),
        (dict(vpcid="vpc-doesnotexist"), "vpc-doesnotexist"),
        (dict(cluster_type="Kubernetes"), "cluster_type"),
    ],
)
def test_create_validation(cs, net, overrides, needle):
    vpc_id, vsws = net
    req = cluster_request(vpc_id, vsws, container_cidr="10.13.0.0/16", service_cidr="172.23.0.0/16")
    for key, value in overrides.items():
        setattr(req, key, value)
    err = error_of(lambda: cs.create_cluster(req))
    assert err.status_code == 400
    assert err.code in ("InvalidParameter", "ErrorCheck")
    assert needle in err.message


def test_cidrs_must_not_overlap_the_vpc(emu, cs, vpc):
    vpc_id, vsws = make_network(emu, vpc, "172.16.0.0/12", [("172.16.0.0/16", "cn-hangzhou-h")])
    err = error_of(lambda: cs.create_cluster(cluster_request(vpc_id, vsws, container_cidr="172.20.0.0/16")))
    assert "container_cidr" in err.message and "overlaps" in err.message and vpc_id in err.message
    err = error_of(
        lambda: cs.create_cluster(
            cluster_request(vpc_id, vsws, container_cidr="10.0.0.0/16", service_cidr="172.30.0.0/20")
        )
    )
    assert "service_cidr" in err.message and "overlaps" in err.message


def test_vswitch_of_another_vpc_and_cidr_of_another_cluster(emu, cs, vpc, net):
    vpc_id, vsws = net
    _other_vpc, other_vsws = make_network(emu, vpc, "40.0.0.0/8", [("40.0.0.0/16", "cn-hangzhou-h")])
    err = error_of(lambda: cs.create_cluster(cluster_request(vpc_id, other_vsws, container_cidr="10.14.0.0/16")))
    assert "does not belong to VPC" in err.message

    first = cs.create_cluster(
        cluster_request(vpc_id, vsws, container_cidr="10.15.0.0/16", service_cidr="172.25.0.0/20")
    ).body.cluster_id
    err = error_of(
        lambda: cs.create_cluster(
            cluster_request(vpc_id, vsws, container_cidr="10.15.0.0/17", service_cidr="172.26.0.0/20")
        )
    )
    assert first in err.message and "overlaps" in err.message
    err = error_of(
        lambda: cs.create_cluster(
            cluster_request(vpc_id, vsws, container_cidr="10.16.0.0/16", service_cidr="172.25.0.0/24")
        )
    )
    assert first in err.message
    # The same CIDRs are fine in another VPC (the ASM join checks cross-VPC conflicts).
    other_vpc, other_vsws = make_network(emu, vpc, "50.0.0.0/8", [("50.0.0.0/16", "cn-hangzhou-h")])
    cs.create_cluster(
        cluster_request(other_vpc, other_vsws, container_cidr="10.15.0.0/16", service_cidr="172.25.0.0/20")
    )


def test_client_token_replay(cs, net):
    vpc_id, vsws = net
    req = cluster_request(
        vpc_id, vsws, container_cidr="10.17.0.0/16", service_cidr="172.27.0.0/20", client_token="tok-1"
    )
    first = cs.create_cluster(req).body
    again = cs.create_cluster(req).body
    assert (again.cluster_id, again.task_id) == (first.cluster_id, first.task_id)
    req.name = "something-else"
    assert error_of(lambda: cs.create_cluster(req)).code == "IdempotentParameterMismatch"


def test_not_found_codes(cs):
    err = error_of(lambda: cs.describe_cluster_detail("c00000000000000000000000000000000"))
    assert (err.code, err.status_code) == ("ErrorClusterNotFound", 404)
    err = error_of(lambda: cs.delete_cluster("c00000000000000000000000000000000", csm.DeleteClusterRequest()))
    assert err.code == "ErrorClusterNotFound"
    err = error_of(
        lambda: cs.describe_cluster_user_kubeconfig(
            "c00000000000000000000000000000000", csm.DescribeClusterUserKubeconfigRequest()
        )
    )
    assert err.code == "ErrorClusterNotFound"
    assert error_of(lambda: cs.describe_task_info("T-nope")).status_code == 404


def test_delete_protection_lifecycle(emu, cs, net):
    vpc_id, vsws = net
    protected = cs.create_cluster(
        cluster_request(
            vpc_id, vsws, container_cidr="10.18.0.0/16", service_cidr="172.28.0.0/20", deletion_protection=True
        )
    ).body.cluster_id
    plain = cs.create_cluster(
        cluster_request(vpc_id, vsws, container_cidr="10.19.0.0/16", service_cidr="172.29.0.0/20")
    ).body.cluster_id
    assert error_of(lambda: cs.delete_cluster(plain, csm.DeleteClusterRequest())).code == "ErrorClusterState"
    _settle(emu)
    err = error_of(lambda: cs.delete_cluster(protected, csm.DeleteClusterRequest()))
    assert err.code == "ErrorDeletionProtection" and err.status_code == 400

    resp = cs.delete_cluster(
        plain,
        csm.DeleteClusterRequest(
            retain_all_resources=False,
            delete_options=[csm.DeleteClusterRequestDeleteOptions(resource_type="SLB", delete_mode="delete")],
        ),
    ).body
    assert resp.cluster_id == plain and resp.task_id
    assert cs.describe_cluster_detail(plain).body.state == "deleting"
    assert cs.describe_task_info(resp.task_id).body.task_type == "cluster_delete"
    again = cs.delete_cluster(plain, csm.DeleteClusterRequest()).body
    assert again.task_id == resp.task_id
    _settle(emu)
    assert error_of(lambda: cs.describe_cluster_detail(plain)).code == "ErrorClusterNotFound"
    assert cs.describe_task_info(resp.task_id).body.state == "success"
    listed = cs.describe_clusters_v1(csm.DescribeClustersV1Request(cluster_id=plain)).body
    assert listed.clusters == [] and listed.page_info.total_count == 0


def test_terway_cluster_has_no_node_pod_cidrs(emu, cs, vpc):
    vpc_id, vsws = make_network(
        emu, vpc, "192.168.0.0/16", [("192.168.0.0/24", "cn-hangzhou-h"), ("192.168.16.0/20", "cn-hangzhou-h")]
    )
    cid = cs.create_cluster(
        cluster_request(
            vpc_id,
            vsws[:1],
            container_cidr=None,
            pod_vswitch_ids=vsws[1:],
            addons=[csm.Addon(name="terway-eniip")],
            service_cidr="172.21.0.0/20",
        )
    ).body.cluster_id
    _settle(emu)
    detail = cs.describe_cluster_detail(cid).body
    assert detail.state == "running" and not detail.container_cidr
    doc = next(d for d in emu.snapshot()["cs_cluster"] if d["cluster_id"] == cid)
    assert doc["_network_plugin"] == "terway" and all(n["pod_cidr"] is None for n in doc["_nodes"])
    assert not emu.snapshot().get("vpc_route_entry")


def test_modify_cluster_lifts_deletion_protection(emu, cs, net):
    vpc_id, vsws = net
    cid = cs.create_cluster(cluster_request(vpc_id, vsws, deletion_protection=True)).body.cluster_id
    assert error_of(lambda: cs.modify_cluster(cid, csm.ModifyClusterRequest(deletion_protection=False))).code == (
        "ErrorClusterState"
    )
    _settle(emu)
    resp = cs.modify_cluster(cid, csm.ModifyClusterRequest(deletion_protection=False, api_server_eip=True)).body
    assert resp.cluster_id == cid and resp.task_id
    assert cs.describe_cluster_detail(cid).body.deletion_protection is False
    cs.describe_cluster_user_kubeconfig(cid, csm.DescribeClusterUserKubeconfigRequest(private_ip_address=False))
    _settle(emu)  # ModifyCluster leaves the cluster `updating` for a moment
    cs.delete_cluster(cid, csm.DeleteClusterRequest())
    assert cs.describe_cluster_detail(cid).body.state == "deleting"


def test_versions_and_tags(emu, cs, net):
    versions = cs.describe_kubernetes_version_metadata(
        csm.DescribeKubernetesVersionMetadataRequest(region=REGION, cluster_type="ManagedKubernetes")
    ).body
    creatable = [v for v in versions if v.creatable]
    assert creatable and versions[0].creatable
    newest = creatable[0].version
    assert creatable[-1].upgradable_versions and newest in creatable[-1].upgradable_versions
    vpc_id, vsws = net
    err = error_of(lambda: cs.create_cluster(cluster_request(vpc_id, vsws, kubernetes_version="1.2.3-aliyun.1")))
    assert "kubernetes_version" in err.message
    cid = cs.create_cluster(
        cluster_request(vpc_id, vsws, kubernetes_version=newest, tags=[csm.Tag(key="env", value="dr")])
    ).body.cluster_id
    assert cs.describe_cluster_detail(cid).body.current_version == newest
    cs.tag_resources(
        csm.TagResourcesRequest(
            region_id=REGION, resource_ids=[cid], resource_type="CLUSTER", tags=[csm.Tag(key="owner", value="geomesh")]
        )
    )
    detail = cs.describe_cluster_detail(cid).body
    assert {(t.key, t.value) for t in detail.tags} == {("env", "dr"), ("owner", "geomesh")}
    cs.untag_resources(
        csm.UntagResourcesRequest(region_id=REGION, resource_ids=[cid], resource_type="CLUSTER", tag_keys=["env"])
    )
    rows = cs.list_tag_resources(
        csm.ListTagResourcesRequest(region_id=REGION, resource_ids=[cid], resource_type="CLUSTER")
    ).body.tag_resources.tag_resource
    assert [(r.resource_id, r.tag_key, r.tag_value) for r in rows] == [(cid, "owner", "geomesh")]
    filtered = cs.list_tag_resources(
        csm.ListTagResourcesRequest(region_id=REGION, resource_type="CLUSTER", tags=[csm.Tag(key="owner", value="x")])
    ).body.tag_resources.tag_resource
    assert filtered == []
