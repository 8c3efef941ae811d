"""Contract tests for the emulated ACK node pools and nodes (cs 2015-12-15, ROA), driven through the
real SDK: required fields refused like the API, nodes joining one by one, scaling, deletion and the
Flannel node routes that follow the nodes."""

from __future__ import annotations

import ipaddress

import pytest
from alibabacloud_cs20151215 import models as csm
from alibabacloud_cs20151215.client import Client as CsClient
from test_cs_cluster import REGION, cluster_request, error_of, make_network


@pytest.fixture
def cs(emu, client_factory) -> CsClient:
    # node_join 10 s, node_remove 10 s, nodepool_create 5 s: the wall clock running between calls
    # (a loaded machine) cannot move a node past a step the test asserts.
    emu.clock.delay_scale = 10.0
    return client_factory(CsClient)


@pytest.fixture
def net(emu, cs, vpc):
    return make_network(emu, vpc, "20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h"), ("20.1.0.0/16", "cn-hangzhou-i")])


def _nodes(cs, cluster_id, **kw):
    return cs.describe_cluster_nodes(cluster_id, csm.DescribeClusterNodesRequest(**kw)).body


def _routes(emu, cluster_id=None):
    return {
        (e["DestinationCidrBlock"], e["NextHopId"])
        for e in emu.snapshot().get("vpc_route_entry", [])
        if cluster_id is None or f"ack:{cluster_id}:" in e.get("Description", "")
    }


def _pool_request(vsws, **kw) -> csm.CreateClusterNodePoolRequest:
    sg = dict(vswitch_ids=vsws, instance_types=["ecs.g7.large"], desired_size=3, key_pair="kp-test")
    sg.update(kw.pop("scaling_group", {}))
    args = dict(
        nodepool_info=csm.CreateClusterNodePoolRequestNodepoolInfo(name="workers"),
        scaling_group=csm.CreateClusterNodePoolRequestScalingGroup(**sg),
        kubernetes_config=csm.CreateClusterNodePoolRequestKubernetesConfig(
            labels=[csm.Tag(key="role", value="mesh")],
            taints=[csm.Taint(key="dedicated", value="mesh", effect="NoSchedule")],
        ),
    )
    args.update(kw)
    return csm.CreateClusterNodePoolRequest(**args)


@pytest.fixture
def running(emu, cs, net):
    """A running Flannel cluster (pod 10.10.0.0/16, mask 26) with a 2-node initial pool."""
    vpc_id, vsws = net
    req = cluster_request(vpc_id, vsws, container_cidr="10.10.0.0/16", service_cidr="172.20.0.0/16")
    req.nodepools[0].scaling_group.desired_size = 2
    cluster_id = cs.create_cluster(req).body.cluster_id
    emu.advance_clock(300)
    return cluster_id, vpc_id, vsws


def test_initial_pool_nodes_join_one_by_one(emu, cs, net):
    vpc_id, vsws = net
    req = cluster_request(vpc_id, vsws, container_cidr="10.10.0.0/16", service_cidr="172.20.0.0/16")
    body = cs.create_cluster(req).body
    cid = body.cluster_id
    nodes = _nodes(cs, cid).nodes
    assert [n.state for n in nodes] == ["initial"] * 3 and all(n.node_status != "Ready" for n in nodes)
    pool = cs.describe_cluster_node_pools(cid, csm.DescribeClusterNodePoolsRequest()).body.nodepools[0]
    assert pool.status.state == "scaling" and pool.status.initial_nodes == 3 and pool.status.healthy_nodes == 0
    assert not _routes(emu, cid)  # no route before a node is Ready

    emu.advance_clock(10.5)
    states = [n.state for n in _nodes(cs, cid).nodes]
    assert states == ["running", "initial", "initial"]
    first = _nodes(cs, cid, state="running").nodes[0]
    assert len(_routes(emu, cid)) == 1 and next(iter(_routes(emu, cid)))[1] == first.instance_id
    assert cs.describe_cluster_detail(cid).body.state == "initial"
    assert cs.describe_task_info(body.task_id).body.state == "running"

    emu.advance_clock(10.0)
    assert [n.state for n in _nodes(cs, cid).nodes] == ["running", "running", "initial"]
    emu.advance_clock(10.0)
    assert cs.describe_task_info(body.task_id).body.state == "success"
    assert cs.describe_cluster_detail(cid).body.state == "running"
    nodes = _nodes(cs, cid).nodes
    assert all(n.state == "running" and n.node_status == "Ready" for n in nodes)
    pool = cs.describe_cluster_node_pools(cid, csm.DescribeClusterNodePoolsRequest()).body.nodepools[0]
    assert pool.status.state == "active" and pool.status.healthy_nodes == 3 and pool.nodepool_info.is_default
    assert len(_routes(emu, cid)) == 3


def test_nodepool_lifecycle(emu, cs, running):
    cid, vpc_id, vsws = running
    before = _routes(emu, cid)
    assert len(before) == 2

    created = cs.create_cluster_node_pool(cid, _pool_request(vsws)).body
    assert created.nodepool_id.startswith("np") and created.task_id
    np_id = created.nodepool_id
    detail = cs.describe_cluster_node_pool_detail(cid, np_id).body
    assert detail.status.state == "scaling" and detail.status.total_nodes == 3 and detail.status.healthy_nodes == 0
    assert detail.scaling_group.instance_types == ["ecs.g7.large"] and detail.scaling_group.desired_size == 3
    assert detail.scaling_group.system_disk_category == "cloud_efficiency"  # SDK default
    assert detail.kubernetes_config.runtime == "containerd"
    assert [(t.key, t.value, t.effect) for t in detail.kubernetes_config.taints] == [
        ("dedicated", "mesh", "NoSchedule")
    ]
    assert cs.describe_task_info(created.task_id).body.state == "running"

    emu.advance_clock(300)
    assert cs.describe_task_info(created.task_id).body.state == "success"
    detail = cs.describe_cluster_node_pool_detail(cid, np_id).body
    assert detail.status.state == "active" and detail.status.healthy_nodes == 3
    nodes = _nodes(cs, cid, nodepool_id=np_id).nodes
    assert len(nodes) == 3
    vsw_nets = [ipaddress.ip_network(c) for c in ("20.0.0.0/16", "20.1.0.0/16")]
    assert all(any(ipaddress.ip_address(n.ip_address[0]) in net for net in vsw_nets) for n in nodes)
    assert all(n.node_name == f"{REGION}.{n.ip_address[0]}" for n in nodes)
    # Flannel: every node of the cluster has its own /26 of the pod CIDR and its route
    routes = _routes(emu, cid)
    assert len(routes) == 5
    slices = [ipaddress.ip_network(dst) for dst, _hop in routes]
    assert all(s.prefixlen == 26 and s.subnet_of(ipaddress.ip_network("10.10.0.0/16")) for s in slices)
    assert len(set(slices)) == 5
    assert {n.instance_id for n in nodes} <= {hop for _dst, hop in routes}
    snap = next(d for d in emu.snapshot()["cs_cluster"] if d["cluster_id"] == cid)
    zones = {n["zone_id"] for n in snap["_nodes"] if n["nodepool_id"] == np_id}
    assert zones == {"cn-hangzhou-h", "cn-hangzhou-i"}
    assert all(n["labels"]["role"] == "mesh" for n in snap["_nodes"] if n["nodepool_id"] == np_id)

    # scale in: removing, the removed nodes' routes go when they are gone
    mod = cs.modify_cluster_node_pool(
        cid,
        np_id,
        csm.ModifyClusterNodePoolRequest(scaling_group=csm.ModifyClusterNodePoolRequestScalingGroup(desired_size=1)),
    ).body
    assert mod.task_id
    detail = cs.describe_cluster_node_pool_detail(cid, np_id).body
    assert detail.status.state == "removing" and detail.status.removing_nodes == 2
    assert detail.scaling_group.desired_size == 1
    assert len(_nodes(cs, cid, nodepool_id=np_id, state="removing").nodes) == 2
    assert len(_routes(emu, cid)) == 5
    busy = error_of(
        lambda: cs.modify_cluster_node_pool(
            cid,
            np_id,
            csm.ModifyClusterNodePoolRequest(
                scaling_group=csm.ModifyClusterNodePoolRequestScalingGroup(desired_size=4)
            ),
        )
    )
    assert busy.code == "ErrorNodePoolState"
    emu.advance_clock(300)
    assert cs.describe_task_info(mod.task_id).body.state == "success"
    assert cs.describe_cluster_node_pool_detail(cid, np_id).body.status.state == "active"
    remaining = _nodes(cs, cid, nodepool_id=np_id).nodes
    assert len(remaining) == 1 and remaining[0].instance_id == nodes[0].instance_id  # newest removed first
    assert len(_routes(emu, cid)) == 3
    assert cs.describe_cluster_detail(cid).body.size == 3

    # scale out again: one more node joins
    cs.modify_cluster_node_pool(
        cid,
        np_id,
        csm.ModifyClusterNodePoolRequest(scaling_group=csm.ModifyClusterNodePoolRequestScalingGroup(desired_size=2)),
    )
    assert cs.describe_cluster_node_pool_detail(cid, np_id).body.status.state == "scaling"
    emu.advance_clock(300)
    assert cs.describe_cluster_node_pool_detail(cid, np_id).body.status.healthy_nodes == 2

    # delete: refused while nodes remain unless force; force removes the nodes, then the pool
    err = error_of(lambda: cs.delete_cluster_nodepool(cid, np_id, csm.DeleteClusterNodepoolRequest(force=False)))
    assert err.code == "ErrorNodePoolNotEmpty"
    deleted = cs.delete_cluster_nodepool(cid, np_id, csm.DeleteClusterNodepoolRequest(force=True)).body
    assert deleted.task_id
    assert cs.describe_cluster_node_pool_detail(cid, np_id).body.status.state == "deleting"
    emu.advance_clock(300)
    assert cs.describe_task_info(deleted.task_id).body.state == "success"
    err = error_of(lambda: cs.describe_cluster_node_pool_detail(cid, np_id))
    assert err.code == "ErrorNodePoolNotFound" and err.status_code == 404
    assert _routes(emu, cid) == before
    assert len(_nodes(cs, cid).nodes) == 2


def test_empty_pool_deletes_without_force(emu, cs, running):
    cid, _vpc_id, vsws = running
    np_id = cs.create_cluster_node_pool(cid, _pool_request(vsws, scaling_group=dict(desired_size=0))).body.nodepool_id
    assert cs.describe_cluster_node_pool_detail(cid, np_id).body.status.state == "active"
    cs.delete_cluster_nodepool(cid, np_id, csm.DeleteClusterNodepoolRequest())
    emu.advance_clock(50)
    pools = cs.describe_cluster_node_pools(cid, csm.DescribeClusterNodePoolsRequest()).body.nodepools
    ids = [p.nodepool_info.nodepool_id for p in pools]
    assert np_id not in ids and len(ids) == 1 and pools[0].nodepool_info.is_default


def test_describe_cluster_nodes_paging_and_states(emu, cs, running):
    cid, _vpc_id, vsws = running
    cs.create_cluster_node_pool(cid, _pool_request(vsws, scaling_group=dict(desired_size=12)))
    emu.advance_clock(26)  # nodepool_create 5 s, then one node every 10 s: 2 joined
    page = _nodes(cs, cid, page_size="5", page_number="1")
    assert len(page.nodes) == 5 and page.page.total_count == 14 and page.page.page_size == 5
    page3 = _nodes(cs, cid, page_size="5", page_number="3")
    assert len(page3.nodes) == 4 and page3.page.page_number == 3
    assert _nodes(cs, cid).page.page_size == 10 and len(_nodes(cs, cid).nodes) == 10  # default page size
    assert _nodes(cs, cid, state="running").page.total_count == 4
    assert _nodes(cs, cid, state="initial").page.total_count == 10
    assert _nodes(cs, cid, state="failed").page.total_count == 0
    for bad in (dict(page_size="101"), dict(page_size="0"), dict(state="bogus")):
        assert error_of(lambda bad=bad: _nodes(cs, cid, **bad)).status_code == 400
    assert error_of(lambda: _nodes(cs, cid, nodepool_id="np-nope")).code == "ErrorNodePoolNotFound"


def test_login_password_is_never_returned(emu, cs, running):
    cid, _vpc_id, vsws = running
    req = _pool_request(vsws, scaling_group=dict(key_pair=None, login_password="S3cret-pass!"))
    np_id = cs.create_cluster_node_pool(cid, req).body.nodepool_id
    detail = cs.describe_cluster_node_pool_detail(cid, np_id).body
    assert detail.scaling_group.login_password in (None, "")
    assert "S3cret-pass!" not in str(emu.snapshot())
    assert "S3cret-pass!" not in str(emu.reqlog.lines())


@pytest.mark.parametrize(
    "change, needle",
    [
        (dict(nodepool_info=csm.CreateClusterNodePoolRequestNodepoolInfo(name="")), "nodepool_info.name"),
        (dict(scaling_group=dict(instance_types=[])), "scaling_group.instance_types"),
        (dict(scaling_group=dict(instance_types=[f"ecs.g7.t{i}" for i in range(11)])), "scaling_group.instance_types"),
        (dict(scaling_group=dict(vswitch_ids=[])), "scaling_group.vswitch_ids"),
        (dict(scaling_group=dict(key_pair=None)), "key_pair and login_password"),
        (dict(scaling_group=dict(login_password="Pass-word-1")), "key_pair and login_password"),
        (dict(scaling_group=dict(system_disk_size=19)), "system_disk_size"),
        (dict(scaling_group=dict(system_disk_size=2049)), "system_disk_size"),
        (dict(scaling_group=dict(desired_size=-1)), "desired_size"),
        (dict(scaling_group=dict(instance_charge_type="Spot")), "instance_charge_type"),
        (
            dict(kubernetes_config=csm.CreateClusterNodePoolRequestKubernetesConfig(runtime_version="0.0.1")),
            "runtime_version",
        ),
        (
            dict(
                kubernetes_config=csm.CreateClusterNodePoolRequestKubernetesConfig(
                    taints=[csm.Taint(key="k", value="v", effect="Sometimes")]
                )
            ),
            "taints",
        ),
    ],
)
def test_create_nodepool_refuses_bad_input(emu, cs, running, change, needle):
    cid, _vpc_id, vsws = running
    sg = change.pop("scaling_group", None)
    req = _pool_request(vsws, scaling_group=sg or {}, **change)
    err = error_of(lambda: cs.create_cluster_node_pool(cid, req))
    assert err.status_code == 400 and needle in err.message
    assert len(cs.describe_cluster_node_pools(cid, csm.DescribeClusterNodePoolsRequest()).body.nodepools) == 1


def test_nodepool_vswitch_must_be_in_cluster_vpc(emu, cs, vpc, running):
    cid, _vpc_id, _vsws = running
    _other_vpc, other_vsws = make_network(emu, vpc, "30.0.0.0/8", [("30.0.0.0/16", "cn-hangzhou-h")])
    err = error_of(lambda: cs.create_cluster_node_pool(cid, _pool_request(other_vsws)))
    assert "does not belong to VPC" in err.message


def test_nodepool_of_unknown_cluster_and_pool(cs, running):
    cid, _vpc_id, vsws = running
    assert error_of(lambda: cs.create_cluster_node_pool("c" + "0" * 32, _pool_request(vsws))).code == (
        "ErrorClusterNotFound"
    )
    assert error_of(lambda: cs.describe_cluster_node_pool_detail(cid, "np" + "0" * 32)).code == "ErrorNodePoolNotFound"
    err = error_of(lambda: cs.delete_cluster_nodepool(cid, "np" + "0" * 32, csm.DeleteClusterNodepoolRequest()))
    assert err.code == "ErrorNodePoolNotFound"


def test_pod_cidr_capacity_limits_scale_out(emu, cs, net):
    vpc_id, vsws = net
    # /24 pod CIDR with /26 per node: room for 4 nodes
    req = cluster_request(vpc_id, vsws, container_cidr="10.30.0.0/24", service_cidr="172.20.0.0/16")
    req.nodepools[0].scaling_group.desired_size = 3
    cid = cs.create_cluster(req).body.cluster_id
    emu.advance_clock(300)
    np_id = cs.describe_cluster_node_pools(cid, csm.DescribeClusterNodePoolsRequest()).body.nodepools[0]
    np_id = np_id.nodepool_info.nodepool_id
    err = error_of(
        lambda: cs.modify_cluster_node_pool(
            cid,
            np_id,
            csm.ModifyClusterNodePoolRequest(
                scaling_group=csm.ModifyClusterNodePoolRequestScalingGroup(desired_size=5)
            ),
        )
    )
    assert "allows 4 nodes" in err.message
    assert cs.describe_cluster_node_pool_detail(cid, np_id).body.scaling_group.desired_size == 3
