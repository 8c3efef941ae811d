"""Contract tests: CreateCluster and DescribeKubernetesVersionMetadata are as strict as the API
(SDK models, alicloud-api.md section 4, ack-nodepools-preflight.md section 3). Every refused
request leaves nothing behind (no cluster, no security group)."""

from __future__ import annotations

import pytest
from alibabacloud_cs20151215 import models as csm
from alibabacloud_cs20151215.client import Client as CsClient
from test_cs_cluster import REGION, cluster_request, error_of, make_network


@pytest.fixture
def cs(emu, client_factory) -> CsClient:
    emu.clock.delay_scale = 1.0
    return client_factory(CsClient)


@pytest.fixture
def net(emu, cs, vpc):
    return make_network(emu, vpc, "20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h"), ("20.1.0.0/16", "cn-hangzhou-i")])


def _metadata(cs, **kw):
    return cs.describe_kubernetes_version_metadata(csm.DescribeKubernetesVersionMetadataRequest(**kw)).body


def _pool(vsws, sg=None, kc=None):
    scaling = dict(vswitch_ids=vsws, instance_types=["ecs.g7.xlarge"], desired_size=1, key_pair="kp")
    scaling.update(sg or {})
    config = dict(runtime="containerd", runtime_version="1.6.36")
    config.update(kc or {})
    return [
        csm.Nodepool(
            nodepool_info=csm.NodepoolNodepoolInfo(name="np"),
            scaling_group=csm.NodepoolScalingGroup(**scaling),
            kubernetes_config=csm.NodepoolKubernetesConfig(**config),
        )
    ]


def _refused(emu, cs, req, needle):
    err = error_of(lambda: cs.create_cluster(req))
    assert err.status_code == 400 and needle in err.message, err.message
    snap = emu.snapshot()
    assert not snap.get("cs_cluster") and not snap.get("security_group")  # nothing written
    return err


def test_version_metadata_requires_region_and_cluster_type(cs):
    for kw in (dict(cluster_type="ManagedKubernetes"), dict(region=REGION)):
        err = error_of(lambda kw=kw: _metadata(cs, **kw))
        assert err.status_code == 400 and ("Region" in err.message or "ClusterType" in err.message)
    everything = _metadata(cs, region=REGION, cluster_type="ManagedKubernetes")
    creatable = _metadata(cs, region=REGION, cluster_type="ManagedKubernetes", mode="creatable")
    assert {v.version for v in creatable} < {v.version for v in everything}
    assert all(v.creatable for v in creatable)
    assert all(v.runtimes and v.runtimes[0].name == "containerd" for v in everything)
    one = _metadata(cs, region=REGION, cluster_type="ManagedKubernetes", kubernetes_version="1.30.7-aliyun.1")
    assert [v.version for v in one] == ["1.30.7-aliyun.1"]
    assert error_of(lambda: _metadata(cs, region="xx-nowhere-1", cluster_type="ManagedKubernetes")).status_code == 400


def test_default_version_is_newest_creatable(emu, cs, net):
    vpc_id, vsws = net
    newest = _metadata(cs, region=REGION, cluster_type="ManagedKubernetes", mode="creatable")[0].version
    cid = cs.create_cluster(cluster_request(vpc_id, vsws, kubernetes_version=None)).body.cluster_id
    assert cs.describe_cluster_detail(cid).body.current_version == newest


def test_listed_but_not_creatable_version_is_refused(emu, cs, net):
    vpc_id, vsws = net
    old = [v for v in _metadata(cs, region=REGION, cluster_type="ManagedKubernetes") if not v.creatable]
    assert old
    _refused(emu, cs, cluster_request(vpc_id, vsws, kubernetes_version=old[0].version), "kubernetes_version")
    _refused(emu, cs, cluster_request(vpc_id, vsws, kubernetes_version="1.99.0-aliyun.1"), "kubernetes_version")


@pytest.mark.parametrize(
    "overrides, needle",
    [
        (dict(addons=None), "network component is required"),
        (dict(addons=[csm.Addon(name="csi-plugin")]), "network component is required"),
        (dict(addons=[csm.Addon(name="flannel", disabled=True)]), "network component is required"),
        (dict(addons=[csm.Addon(name="flannel"), csm.Addon(name="terway-eniip")]), "exactly one network component"),
        (dict(addons=[csm.Addon(name="terway")]), "network component is required"),  # not the documented name
        (dict(cluster_spec="ack.pro.huge"), "cluster_spec"),
        (dict(proxy_mode="userspace"), "proxy_mode"),
        (dict(proxy_mode="nftables"), "nftables"),
        (dict(profile="Edge"), "profile"),
    ],
)
def test_create_cluster_refuses(emu, cs, net, overrides, needle):
    vpc_id, vsws = net
    _refused(emu, cs, cluster_request(vpc_id, vsws, **overrides), needle)


@pytest.mark.parametrize(
    "sg, kc, needle",
    [
        (dict(instance_types=None), None, "nodepools[0].scaling_group.instance_types"),
        (dict(instance_types=[]), None, "nodepools[0].scaling_group.instance_types"),
        (dict(vswitch_ids=None), None, "nodepools[0].scaling_group.vswitch_ids"),
        (dict(vswitch_ids=[f"vsw-{i}" for i in range(9)]), None, "nodepools[0].scaling_group.vswitch_ids"),
        (dict(key_pair=None), None, "key_pair and login_password"),
        (dict(login_password="Passw0rd-x"), None, "key_pair and login_password"),
        (dict(system_disk_size=10), None, "system_disk_size"),
        (None, dict(runtime=None), "nodepools[0].kubernetes_config.runtime"),
        (None, dict(runtime_version=None), "nodepools[0].kubernetes_config.runtime_version"),
        (None, dict(runtime_version="1.5.0"), "not offered"),
        (None, dict(runtime="docker"), "not offered"),
    ],
)
def test_create_cluster_refuses_bad_node_pool(emu, cs, net, sg, kc, needle):
    vpc_id, vsws = net
    _refused(emu, cs, cluster_request(vpc_id, vsws, nodepools=_pool(vsws, sg, kc)), needle)


def test_node_pool_name_is_required(emu, cs, net):
    vpc_id, vsws = net
    pools = _pool(vsws)
    pools[0].nodepool_info = csm.NodepoolNodepoolInfo(name=None)
    _refused(emu, cs, cluster_request(vpc_id, vsws, nodepools=pools), "nodepools[0].nodepool_info.name")


def test_runtime_version_must_match_the_cluster_version(emu, cs, net):
    vpc_id, vsws = net
    # 1.28 offers containerd 1.6.28 only; 1.6.36 (1.31) is refused, 1.6.28 accepted
    req = cluster_request(vpc_id, vsws, kubernetes_version="1.28.15-aliyun.1", nodepools=_pool(vsws))
    _refused(emu, cs, req, "runtime_version")
    req = cluster_request(
        vpc_id, vsws, kubernetes_version="1.28.15-aliyun.1", nodepools=_pool(vsws, kc=dict(runtime_version="1.6.28"))
    )
    assert cs.create_cluster(req).body.cluster_id


def test_terway_needs_pod_vswitches_in_the_node_zones(emu, cs, vpc, net):
    vpc_id, vsws = net
    _s, pod_vsws = make_network(emu, vpc, "30.0.0.0/8", [("30.0.0.0/16", "cn-hangzhou-h")])
    terway = dict(addons=[csm.Addon(name="terway-eniip")], container_cidr=None)
    _refused(emu, cs, cluster_request(vpc_id, vsws, **terway), "pod_vswitch_ids is required")
    # a pod vSwitch of another VPC
    _refused(emu, cs, cluster_request(vpc_id, vsws, pod_vswitch_ids=pod_vsws, **terway), "does not belong to VPC")
    # pod vSwitch in the VPC but only in zone h, while the nodes are in h and i
    from alibabacloud_vpc20160428 import models as vm

    pod_h = vpc.create_vswitch(
        vm.CreateVSwitchRequest(region_id=REGION, vpc_id=vpc_id, zone_id="cn-hangzhou-h", cidr_block="20.8.0.0/16")
    ).body.v_switch_id
    emu.advance_clock(30)
    _refused(emu, cs, cluster_request(vpc_id, vsws, pod_vswitch_ids=[pod_h], **terway), "cn-hangzhou-i")
    pod_i = vpc.create_vswitch(
        vm.CreateVSwitchRequest(region_id=REGION, vpc_id=vpc_id, zone_id="cn-hangzhou-i", cidr_block="20.9.0.0/16")
    ).body.v_switch_id
    emu.advance_clock(30)
    cid = cs.create_cluster(cluster_request(vpc_id, vsws, pod_vswitch_ids=[pod_h, pod_i], **terway)).body.cluster_id
    assert cs.describe_cluster_detail(cid).body.container_cidr in (None, "")


def test_service_cidr_must_not_overlap_another_clusters_pod_cidr(emu, cs, net):
    vpc_id, vsws = net
    cs.create_cluster(cluster_request(vpc_id, vsws, container_cidr="10.50.0.0/16", service_cidr="172.21.0.0/20"))
    err = error_of(
        lambda: cs.create_cluster(
            cluster_request(vpc_id, vsws, container_cidr="10.60.0.0/16", service_cidr="10.50.0.0/20")
        )
    )
    assert "service_cidr" in err.message and "overlaps" in err.message
    assert len(emu.snapshot()["cs_cluster"]) == 1
