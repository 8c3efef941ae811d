# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ack_node_pool and ack_node_pool_info against the in-process emulator.

The cluster comes from a raw CreateCluster request through the collection's ApiClient (no module
of this branch creates clusters); the request log is cleared after it.
"""

from __future__ import annotations

import ipaddress

import pytest

from ansible_collections.geomesh.alicloud.plugins.module_utils.clients import create_client
from ansible_collections.geomesh.alicloud.plugins.modules import ack_node_pool, ack_node_pool_info
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.conftest import REGION, connection_args

POD_CIDR = "10.0.0.0/16"
WRITES = ("CreateClusterNodePool", "ModifyClusterNodePool", "DeleteClusterNodepool")


def api(emu, product):
    args = connection_args(emu)
    settings = {k: args[k] for k in ("access_key", "secret_key", "endpoint", "protocol")}
    return create_client(product, settings, REGION)


@pytest.fixture
def cluster(emu, topo, log):
    """-> {cluster_id, vpc_id, vswitches: [{vswitch_id, zone_id}]}: a running Flannel cluster without nodes."""
    vpc_id, mappings = topo.vpc()
    vswitch_ids = [m["vswitch_id"] for m in mappings]
    answer = api(emu, "cs").call(
        "CreateCluster",
        name="np-test",
        region_id=REGION,
        cluster_type="ManagedKubernetes",
        cluster_spec="ack.pro.small",
        vpcid=vpc_id,
        vswitch_ids=vswitch_ids,
        container_cidr=POD_CIDR,
        service_cidr="172.16.0.0/16",
        node_cidr_mask="24",
        addons=[{"name": "flannel"}],
    )
    emu.advance_clock(600)
    log.clear()
    return {"cluster_id": answer["cluster_id"], "vpc_id": vpc_id, "vswitches": mappings}


def pool_args(cluster, **extra):
    args = {
        "cluster_id": cluster["cluster_id"],
        "name": "workers",
        "instance_types": ["ecs.g7.xlarge"],
        "desired_size": 2,
        "vswitch_ids": [m["vswitch_id"] for m in cluster["vswitches"]],
        "system_disk_category": "cloud_essd",
        "system_disk_size": 120,
        "key_pair": "ops",
    }
    args.update(extra)
    return {k: v for k, v in args.items() if v is not None}  # None: the option is left out


def pools_named(emu, cluster, name):
    found = api(emu, "cs").call("DescribeClusterNodePools", cluster["cluster_id"])["nodepools"]
    return [p for p in found if p["nodepool_info"]["name"] == name]


def node_routes(emu, cluster):
    """instance id -> destination of the VPC's instance routes (the Flannel node routes)."""
    network = api(emu, "vpc")
    table = network.call("DescribeVpcs", RegionId=REGION, VpcId=cluster["vpc_id"])["Vpcs"]["Vpc"][0]
    entries = network.call(
        "DescribeRouteEntryList",
        RegionId=REGION,
        RouteTableId=table["RouterTableIds"]["RouterTableIds"][0],
        RouteEntryType="Custom",
        MaxResult=100,
    )["RouteEntrys"]["RouteEntry"]
    return {e["NextHops"]["NextHop"][0]["NextHopId"]: e["DestinationCidrBlock"] for e in entries}


def info(run, cluster, **extra):
    result = run(ack_node_pool_info, dict(cluster_id=cluster["cluster_id"], **extra))
    assert not result.get("failed"), result
    return result


def create(run, cluster, log, **extra):
    result = run(ack_node_pool, pool_args(cluster, **extra))
    assert result["changed"] and not result.get("failed"), result
    log.clear()
    return result["node_pool"]


def test_check_mode_predicts_and_creates_nothing(run, cluster, log, emu):
    result = run(ack_node_pool, pool_args(cluster), check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["desired_size"] == 2
    assert result["diff"]["after"]["instance_charge_type"] == "PostPaid"
    assert log.writes() == []
    assert pools_named(emu, cluster, "workers") == []


def test_create_waits_until_every_node_is_ready_and_rerun_writes_nothing(run, cluster, log, emu):
    emu.clock.delay_scale = 0.3  # nodes join one by one, a fraction of a second apart
    result = run(ack_node_pool, pool_args(cluster, labels={"role": "mesh"}))
    assert result["changed"] is True, result
    pool = result["node_pool"]
    assert pool["total_nodes"] == pool["healthy_nodes"] == pool["desired_size"] == 2
    assert pool["state"] == "active" and pool["labels"] == {"role": "mesh"}
    (request,) = log.calls("CreateClusterNodePool")
    assert log.writes() == ["CreateClusterNodePool"]
    # the module polled the nodes, and when it returned every node was running and Ready
    assert log.calls("DescribeClusterNodes")
    nodes = info(run, cluster)["nodes"]
    assert len(nodes) == 2
    assert {(n["state"], n["node_status"]) for n in nodes} == {("running", "Ready")}
    assert "ClientToken" not in str(request) and "client_token" not in str(request)

    log.clear()
    again = run(ack_node_pool, pool_args(cluster, labels={"role": "mesh"}))
    assert again["changed"] is False, again
    assert again["node_pool"]["node_pool_id"] == pool["node_pool_id"]
    assert log.writes() == []


def test_info_lists_nodes_with_ip_zone_and_the_pod_cidr_of_their_route(run, cluster, log, emu):
    pool = create(run, cluster, log, desired_size=3)
    result = info(run, cluster)
    assert [p["node_pool_id"] for p in result["node_pools"]] == [pool["node_pool_id"]]
    nodes = result["nodes"]
    assert len(nodes) == 3 and {n["node_pool_id"] for n in nodes} == {pool["node_pool_id"]}
    routes = node_routes(emu, cluster)
    zones = {m["vswitch_id"]: m["zone_id"] for m in cluster["vswitches"]}
    nets = {}
    for vsw in api(emu, "vpc").call("DescribeVSwitches", RegionId=REGION, VpcId=cluster["vpc_id"])["VSwitches"][
        "VSwitch"
    ]:
        nets[vsw["VSwitchId"]] = ipaddress.ip_network(vsw["CidrBlock"])
    for node in nodes:
        address = ipaddress.ip_address(node["ip_address"])
        (vswitch_id,) = [v for v, net in nets.items() if address in net]
        assert node["zone_id"] == zones[vswitch_id]
        assert node["pod_cidr"] == routes[node["instance_id"]]
        assert ipaddress.ip_network(node["pod_cidr"]).subnet_of(ipaddress.ip_network(POD_CIDR))
    assert len({n["pod_cidr"] for n in nodes}) == 3
    assert log.writes() == []
    only = info(run, cluster, node_pool_id=pool["node_pool_id"])
    assert len(only["node_pools"]) == 1 and len(only["nodes"]) == 3


def test_scale_up_and_down_changes_nodes_and_routes(run, cluster, log, emu):
    pool = create(run, cluster, log, desired_size=1)
    (first,) = info(run, cluster)["nodes"]
    log.clear()

    up = run(ack_node_pool, pool_args(cluster, desired_size=3))
    assert up["changed"] is True and up["node_pool"]["total_nodes"] == 3, up
    (modify,) = log.calls("ModifyClusterNodePool")
    assert log.writes() == ["ModifyClusterNodePool"]
    assert modify["scaling_group"]["desired_size"] == 3 and modify["NodepoolId"] == pool["node_pool_id"]
    assert "kubernetes_config" not in modify and "nodepool_info" not in modify
    nodes = info(run, cluster)["nodes"]
    assert len(nodes) == 3 and first["instance_id"] in {n["instance_id"] for n in nodes}
    routes = node_routes(emu, cluster)
    assert {n["instance_id"] for n in nodes} <= set(routes)

    log.clear()
    down = run(ack_node_pool, pool_args(cluster, node_pool_id=pool["node_pool_id"], desired_size=1))
    assert down["changed"] is True and down["node_pool"]["total_nodes"] == 1, down
    assert log.writes() == ["ModifyClusterNodePool"]
    remaining = info(run, cluster)["nodes"]
    assert len(remaining) == 1
    gone = {n["instance_id"] for n in nodes} - {n["instance_id"] for n in remaining}
    assert len(gone) == 2 and not gone & set(node_routes(emu, cluster))

    log.clear()
    assert run(ack_node_pool, pool_args(cluster, desired_size=1))["changed"] is False
    assert log.writes() == []


def test_check_mode_scale_predicts_without_writing(run, cluster, log):
    create(run, cluster, log, desired_size=1)
    result = run(ack_node_pool, pool_args(cluster, desired_size=4), check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["desired_size"] == 1 and result["diff"]["after"]["desired_size"] == 4
    assert log.writes() == []


def test_labels_taints_and_scaling_group_fields_are_updated_in_place(run, cluster, log, emu):
    pool = create(run, cluster, log, desired_size=1)
    taints = [{"key": "dedicated", "value": "mesh", "effect": "NoSchedule"}]
    args = pool_args(cluster, desired_size=1, labels={"tier": "edge"}, taints=taints, instance_types=["ecs.g7.2xlarge"])
    result = run(ack_node_pool, args)
    assert result["changed"] is True, result
    (body,) = log.calls("ModifyClusterNodePool")
    assert log.writes() == ["ModifyClusterNodePool"]
    assert body["scaling_group"]["instance_types"] == ["ecs.g7.2xlarge"] and "desired_size" not in body["scaling_group"]
    assert body["kubernetes_config"]["labels"] == [{"key": "tier", "value": "edge"}]
    assert body["kubernetes_config"]["taints"] == taints and body["update_nodes"] is True
    read = pools_named(emu, cluster, "workers")[0]
    assert read["scaling_group"]["instance_types"] == ["ecs.g7.2xlarge"]
    assert result["node_pool"]["labels"] == {"tier": "edge"}
    assert result["node_pool"]["taints"] == taints
    assert result["node_pool"]["node_pool_id"] == pool["node_pool_id"]
    log.clear()
    assert run(ack_node_pool, args)["changed"] is False
    assert log.writes() == []


def test_password_on_a_key_pair_pool_is_refused_naming_the_option_before_any_write(run, cluster, log):
    create(run, cluster, log, desired_size=0)
    args = pool_args(cluster, desired_size=3, key_pair=None, login_password="Secret-Passw0rd")
    result = run(ack_node_pool, args)
    assert result["failed"] is True
    assert result["field"] == "login_password" and "login_password" in result["msg"]
    assert "Secret-Passw0rd" not in str(result)
    assert log.writes() == []


@pytest.mark.parametrize(
    "change,field",
    [
        ({"desired_size": -1}, "desired_size"),
        ({"system_disk_size": 10}, "system_disk_size"),
        ({"instance_types": ["ecs.t%d" % i for i in range(11)]}, "instance_types"),
        ({"instance_types": []}, "instance_types"),
        ({"vswitch_ids": ["subnet-1"]}, "vswitch_ids"),
        ({"key_pair": None, "login_password": "short"}, "login_password"),
        ({"cluster_id": ""}, "cluster_id"),
    ],
)
def test_bad_input_fails_naming_the_field_before_any_call(run, cluster, log, change, field):
    result = run(ack_node_pool, pool_args(cluster, **change))
    assert result["failed"] is True and result["field"] == field, result
    assert log.actions() == []


def test_missing_login_or_size_fails_before_any_write(run, cluster, log):
    result = run(ack_node_pool, pool_args(cluster, key_pair=None))
    assert result["failed"] is True and result["field"] == "key_pair", result
    result = run(ack_node_pool, pool_args(cluster, desired_size=None))
    assert result["failed"] is True and result["field"] == "desired_size", result
    assert log.writes() == []


def test_unknown_cluster_fails_naming_cluster_id(run, cluster, log):
    result = run(ack_node_pool, pool_args(cluster, cluster_id="c" + "0" * 32))
    assert result["failed"] is True and result["field"] == "cluster_id", result
    assert log.writes() == []


def test_a_create_whose_answer_was_lost_is_found_not_repeated(run, cluster, log, emu, faults):
    """Every CreateClusterNodePool commits, then answers 503: the module finds the pool by name
    instead of sending the create again (there is no ClientToken to make a retry safe)."""
    faults(server_error_after_commit_pct=100, actions=["CreateClusterNodePool"])
    result = run(ack_node_pool, pool_args(cluster, desired_size=1))
    assert result["changed"] is True and not result.get("failed"), result
    assert log.codes("CreateClusterNodePool") == ["ServiceUnavailable"]
    assert len(pools_named(emu, cluster, "workers")) == 1
    assert result["node_pool"]["total_nodes"] == 1


def test_delete_removes_the_pool_and_its_nodes_then_delete_again_does_nothing(run, cluster, log, emu):
    pool = create(run, cluster, log, desired_size=2)
    instance_ids = {n["instance_id"] for n in info(run, cluster)["nodes"]}
    log.clear()
    result = run(ack_node_pool, {"cluster_id": cluster["cluster_id"], "name": "workers", "state": "absent"})
    assert result["changed"] is True and result["node_pool"] == {}, result
    (request,) = log.calls("DeleteClusterNodepool")
    assert log.writes() == ["DeleteClusterNodepool"]
    assert pools_named(emu, cluster, "workers") == []
    assert info(run, cluster)["nodes"] == []
    assert not instance_ids & set(node_routes(emu, cluster))
    assert result["diff"]["before"]["desired_size"] == 2

    log.clear()
    again = run(
        ack_node_pool, {"cluster_id": cluster["cluster_id"], "node_pool_id": pool["node_pool_id"], "state": "absent"}
    )
    assert again["changed"] is False
    assert log.writes() == []


def test_a_failed_scaling_task_fails_the_module_with_the_task_error(run, cluster, log, emu):
    emu.set_scenarios(
        "cs", {"nodepool_scale_fail": {"name": "workers", "code": "NoStock", "message": "ecs.g7.xlarge is sold out"}}
    )
    result = run(ack_node_pool, pool_args(cluster, desired_size=1))
    assert result["failed"] is True, result
    assert "ecs.g7.xlarge is sold out" in result["msg"]
    assert log.writes() == ["CreateClusterNodePool"]


def test_wait_false_returns_before_the_nodes_join(run, cluster, log, emu):
    emu.clock.delay_scale = 1.0
    result = run(ack_node_pool, pool_args(cluster, desired_size=2, wait=False))
    assert result["changed"] is True, result
    assert result["node_pool"]["total_nodes"] < 2 or result["node_pool"]["healthy_nodes"] < 2
    assert log.calls("DescribeTaskInfo") == [] and log.calls("DescribeClusterNodes") == []


def test_a_subscription_pool_is_refused_naming_instance_charge_type_before_any_write(run, cluster, log, emu):
    group = pool_args(cluster, desired_size=0)
    request = {k: group[k] for k in ("instance_types", "vswitch_ids", "desired_size", "key_pair")}
    request.update(instance_charge_type="PrePaid", period=1, period_unit="Month")
    api(emu, "cs").call(
        "CreateClusterNodePool", cluster["cluster_id"], nodepool_info={"name": "workers"}, scaling_group=request
    )
    log.clear()
    result = run(ack_node_pool, pool_args(cluster, desired_size=0, instance_charge_type="PostPaid"))
    assert result["failed"] is True and result["field"] == "instance_charge_type", result
    assert "PrePaid" in result["msg"]
    assert log.writes() == []
