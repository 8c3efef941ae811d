"""Contract tests: ACK failure paths chosen per test through the control endpoint
(``POST /_emulator/faults/cs``) and the transient ``updating`` state of ModifyCluster."""

from __future__ import annotations

import urllib.error

import pytest
from alibabacloud_cs20151215 import models as csm
from alibabacloud_cs20151215.client import Client as CsClient
from conftest import control
from test_cs_cluster import cluster_request, error_of, make_network


@pytest.fixture
def cs(emu, client_factory) -> CsClient:
    emu.clock.delay_scale = 10.0  # steps far apart: the wall clock between calls cannot skip one
    return client_factory(CsClient)


@pytest.fixture
def net(emu, cs, vpc):
    return make_network(emu, vpc, "20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h"), ("20.1.0.0/16", "cn-hangzhou-i")])


def _routes(emu):
    return emu.snapshot().get("vpc_route_entry", [])


def test_scenario_fault_endpoint_validates_and_resets(emu, cs):
    spec = {"cluster_task_fail": {"name": "ack-x", "code": "QuotaExceeded.Node", "message": "no ECS stock"}}
    armed = {"cluster_task_fail": [spec["cluster_task_fail"]]}
    assert control(emu, "/_emulator/faults/cs", spec) == armed
    assert control(emu, "/_emulator/faults/cs") == armed
    for path, body in (
        ("/_emulator/faults/cs", {"cluster_explodes": {"name": "x"}}),  # unknown fault
        ("/_emulator/faults/cs", {"cluster_task_fail": {"message": "no name"}}),  # target missing
        ("/_emulator/faults/nosuchproduct", {"x": {}}),
    ):
        with pytest.raises(urllib.error.HTTPError) as info:
            control(emu, path, body)
        assert info.value.code == 400
    assert control(emu, "/_emulator/faults/cs") == armed  # a refused request changes nothing
    emu.reset()
    assert control(emu, "/_emulator/faults/cs") == {}
    control(emu, "/_emulator/faults/cs", spec)
    assert control(emu, "/_emulator/faults/cs", {}) == {}  # cleared


def test_cluster_create_task_fails(emu, cs, net):
    vpc_id, vsws = net
    control(
        emu,
        "/_emulator/faults/cs",
        {"cluster_task_fail": [{"name": "ack-doomed", "code": "QuotaExceeded.Node", "message": "no ECS stock"}]},
    )
    body = cs.create_cluster(cluster_request(vpc_id, vsws, name="ack-doomed")).body
    good = cs.create_cluster(
        cluster_request(vpc_id, vsws, name="ack-fine", container_cidr="10.20.0.0/16", service_cidr="172.30.0.0/16")
    ).body
    task = cs.describe_task_info(body.task_id).body
    assert task.state == "running" and task.error is None
    assert cs.describe_cluster_detail(body.cluster_id).body.state == "initial"

    emu.advance_clock(300)
    task = cs.describe_task_info(body.task_id).body
    assert task.state == "fail"
    assert task.error.code == "QuotaExceeded.Node" and task.error.message == "no ECS stock"
    assert cs.describe_cluster_detail(body.cluster_id).body.state == "failed"
    assert cs.describe_cluster_nodes(body.cluster_id, csm.DescribeClusterNodesRequest()).body.page.total_count == 0
    assert not [r for r in _routes(emu) if body.cluster_id in r.get("Description", "")]
    err = error_of(
        lambda: cs.describe_cluster_user_kubeconfig(
            body.cluster_id, csm.DescribeClusterUserKubeconfigRequest(private_ip_address=True)
        )
    )
    assert err.code == "ErrorClusterState"
    # the other cluster is untouched by the fault
    assert cs.describe_task_info(good.task_id).body.state == "success"
    assert cs.describe_cluster_detail(good.cluster_id).body.state == "running"
    # a failed cluster can be deleted
    cs.delete_cluster(body.cluster_id, csm.DeleteClusterRequest())
    emu.advance_clock(300)
    assert error_of(lambda: cs.describe_cluster_detail(body.cluster_id)).code == "ErrorClusterNotFound"


def test_node_pool_scaling_fails(emu, cs, net):
    vpc_id, vsws = net
    cid = cs.create_cluster(cluster_request(vpc_id, vsws)).body.cluster_id
    emu.advance_clock(300)
    routes_before = len(_routes(emu))
    control(emu, "/_emulator/faults/cs", {"nodepool_scale_fail": {"name": "gpu", "message": "ecs.gn7 sold out"}})
    req = csm.CreateClusterNodePoolRequest(
        nodepool_info=csm.CreateClusterNodePoolRequestNodepoolInfo(name="gpu"),
        scaling_group=csm.CreateClusterNodePoolRequestScalingGroup(
            vswitch_ids=vsws, instance_types=["ecs.gn7.xlarge"], desired_size=2, key_pair="kp"
        ),
    )
    created = cs.create_cluster_node_pool(cid, req).body
    assert cs.describe_task_info(created.task_id).body.state == "running"
    emu.advance_clock(300)
    task = cs.describe_task_info(created.task_id).body
    assert task.state == "fail" and task.error.message == "ecs.gn7 sold out"
    status = cs.describe_cluster_node_pool_detail(cid, created.nodepool_id).body.status
    assert status.failed_nodes == 2 and status.healthy_nodes == 0
    nodes = cs.describe_cluster_nodes(cid, csm.DescribeClusterNodesRequest(nodepool_id=created.nodepool_id)).body.nodes
    assert [(n.state, n.node_status) for n in nodes] == [("failed", "NotReady")] * 2
    assert all(n.error_message == "ecs.gn7 sold out" for n in nodes)
    assert len(_routes(emu)) == routes_before  # a failed node gets no route
    # the fault is per pool name: the default pool still scales
    default = cs.describe_cluster_node_pools(cid, csm.DescribeClusterNodePoolsRequest(nodepool_name="default-nodepool"))
    np_id = default.body.nodepools[0].nodepool_info.nodepool_id
    mod = cs.modify_cluster_node_pool(
        cid,
        np_id,
        csm.ModifyClusterNodePoolRequest(scaling_group=csm.ModifyClusterNodePoolRequestScalingGroup(desired_size=4)),
    ).body
    emu.advance_clock(300)
    assert cs.describe_task_info(mod.task_id).body.state == "success"
    assert cs.describe_cluster_node_pool_detail(cid, np_id).body.status.healthy_nodes == 4


def test_modify_cluster_is_updating_for_a_while(emu, cs, net):
    vpc_id, vsws = net
    cid = cs.create_cluster(cluster_request(vpc_id, vsws)).body.cluster_id
    emu.advance_clock(300)
    task_id = cs.modify_cluster(cid, csm.ModifyClusterRequest(deletion_protection=True)).body.task_id
    assert cs.describe_cluster_detail(cid).body.state == "updating"
    assert cs.describe_task_info(task_id).body.state == "running"
    again = error_of(lambda: cs.modify_cluster(cid, csm.ModifyClusterRequest(deletion_protection=False)))
    assert again.code == "ErrorClusterState" and again.status_code == 400
    assert error_of(lambda: cs.delete_cluster(cid, csm.DeleteClusterRequest())).code == "ErrorClusterState"
    req = csm.CreateClusterNodePoolRequest(
        nodepool_info=csm.CreateClusterNodePoolRequestNodepoolInfo(name="later"),
        scaling_group=csm.CreateClusterNodePoolRequestScalingGroup(
            vswitch_ids=vsws, instance_types=["ecs.g7.large"], desired_size=1, key_pair="kp"
        ),
    )
    assert error_of(lambda: cs.create_cluster_node_pool(cid, req)).code == "ErrorClusterState"

    emu.advance_clock(60)
    detail = cs.describe_cluster_detail(cid).body
    assert detail.state == "running" and detail.deletion_protection is True
    assert cs.describe_task_info(task_id).body.state == "success"
    cs.modify_cluster(cid, csm.ModifyClusterRequest(deletion_protection=False))
    assert cs.describe_cluster_detail(cid).body.deletion_protection is False
