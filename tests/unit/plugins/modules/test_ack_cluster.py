# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import ack_cluster

READS_ONLY = ("Describe", "List")


@pytest.fixture
def net(topo, log):
    vpc_id, mappings = topo.vpc()
    log.clear()
    return vpc_id, [m["vswitch_id"] for m in mappings]


@pytest.fixture
def args(net):
    vpc_id, vswitches = net
    return {
        "name": "ack-a",
        "vpc_id": vpc_id,
        "vswitch_ids": vswitches[:1],
        "pod_cidr": "10.0.0.0/16",
        "node_pool": {"instance_types": ["ecs.g7.xlarge"], "desired_size": 2, "key_pair": "kp"},
        "tags": {"project": "geomesh"},
    }


def clusters(state):
    return state("cs_cluster")


def test_check_mode_create_writes_nothing(run, args, log, state):
    result = run(ack_cluster, args, check_mode=True)
    assert result["changed"] is True and result["cluster"] == {}
    after = result["diff"]["after"]
    assert after["name"] == "ack-a" and after["pod_cidr"] == "10.0.0.0/16"
    assert after["kubernetes_version"] == "1.31.1-aliyun.1"  # resolved before create: the newest creatable
    assert after["service_cidr"] == "172.19.0.0/20" and after["cluster_spec"] == "ack.pro.small"
    assert log.writes() == [] and clusters(state) == []


def test_create_sends_what_the_api_requires_and_the_cluster_runs(run, args, log, state):
    result = run(ack_cluster, args)
    assert result["changed"] is True, result
    (doc,) = clusters(state)
    created = result["cluster"]
    assert created["cluster_id"] == doc["cluster_id"] and created["state"] == "running" == doc["state"]
    assert created["vpc_id"] == args["vpc_id"] == doc["vpc_id"]
    assert created["pod_cidr"] == "10.0.0.0/16" == doc["container_cidr"] and created["network_plugin"] == "flannel"
    assert created["kubernetes_version"] == "1.31.1-aliyun.1" == doc["current_version"]
    assert created["tags"] == {"project": "geomesh"} and created["security_group_id"] == doc["security_group_id"]
    assert created["endpoint_public_access"] is False and created["intranet_api_server_endpoint"]
    assert log.writes() == ["CreateCluster"]
    (body,) = log.calls("CreateCluster")
    assert body["vpcid"] == args["vpc_id"] and body["addons"] == [{"name": "flannel"}]
    assert body["cluster_type"] == "ManagedKubernetes" and body["client_token"]
    (pool,) = body["nodepools"]
    assert pool["nodepool_info"] == {"name": "default-nodepool"}
    assert pool["scaling_group"]["instance_types"] == ["ecs.g7.xlarge"] and pool["scaling_group"]["key_pair"] == "kp"
    assert pool["scaling_group"]["vswitch_ids"] == args["vswitch_ids"]
    config = pool["kubernetes_config"]
    assert config["runtime"] == "containerd" and config["runtime_version"] == "1.6.36"
    actions = log.actions()
    assert actions.index("DescribeKubernetesVersionMetadata") < actions.index("CreateCluster")
    assert actions.index("DescribeClustersV1") < actions.index("CreateCluster")
    assert "DescribeTaskInfo" in actions[actions.index("CreateCluster") :]


def test_rerun_makes_no_write(run, args, log, state):
    first = run(ack_cluster, args)
    log.clear()
    result = run(ack_cluster, args)
    assert result["changed"] is False and result["cluster"]["cluster_id"] == first["cluster"]["cluster_id"]
    assert log.writes() == [] and all(a.startswith(READS_ONLY) for a in log.actions())
    assert len(clusters(state)) == 1


def test_terway_create(run, args, net, seed, log, state):
    pod_vsw = seed("CreateVSwitch", VpcId=net[0], ZoneId="cn-hangzhou-h", CidrBlock="20.3.0.0/16")["VSwitchId"]
    log.clear()
    terway = dict(args, network_plugin="terway", pod_vswitch_ids=[pod_vsw], pod_cidr=None)
    result = run(ack_cluster, terway)
    assert not result.get("failed") and result["changed"] is True, result
    (body,) = log.calls("CreateCluster")
    assert body["addons"] == [{"name": "terway-eniip"}] and body["pod_vswitch_ids"] == [pod_vsw]
    assert "container_cidr" not in body
    assert result["cluster"]["network_plugin"] == "terway" and result["cluster"]["pod_cidr"] is None


def test_update_deletion_protection_and_tags(run, args, log, state):
    first = run(ack_cluster, args)
    cluster_id = first["cluster"]["cluster_id"]
    log.clear()
    result = run(ack_cluster, dict(args, deletion_protection=True, tags={"project": "x", "env": "dr"}))
    assert result["changed"] is True
    assert result["cluster"]["deletion_protection"] is True and result["cluster"]["tags"] == {
        "project": "x",
        "env": "dr",
    }
    (doc,) = clusters(state)
    assert doc["deletion_protection"] is True
    assert {t["key"]: t["value"] for t in doc["tags"]} == {"project": "x", "env": "dr"}
    assert sorted(log.writes()) == ["ModifyCluster", "TagResources"]
    (tag,) = log.calls("TagResources")
    assert tag["resource_type"] == "CLUSTER" and tag["resource_ids"] == [cluster_id]
    log.clear()
    result = run(ack_cluster, dict(args, tags={"env": "dr"}))
    assert result["changed"] is True and result["cluster"]["tags"] == {"env": "dr"}
    assert log.writes() == ["UntagResources"]
    log.clear()
    again = run(ack_cluster, dict(args, deletion_protection=True, tags={"env": "dr"}))
    assert again["changed"] is False and log.writes() == []


def test_update_check_mode_writes_nothing(run, args, log, state):
    run(ack_cluster, args)
    log.clear()
    result = run(ack_cluster, dict(args, deletion_protection=True), check_mode=True)
    assert result["changed"] is True and result["diff"]["after"]["deletion_protection"] is True
    assert log.writes() == [] and clusters(state)[0]["deletion_protection"] is False


@pytest.mark.parametrize(
    "option,value",
    [
        ("pod_cidr", "10.8.0.0/16"),
        ("service_cidr", "172.20.0.0/20"),
        ("cluster_spec", "ack.standard"),
        ("kubernetes_version", "1.30.7-aliyun.1"),
        ("endpoint_public_access", True),
        ("proxy_mode", "iptables"),
        ("node_cidr_mask", 25),
    ],
)
def test_fixed_change_is_refused_before_any_write(run, args, log, option, value):
    run(ack_cluster, args)
    log.clear()
    result = run(ack_cluster, dict(args, **{option: value}, deletion_protection=True))
    assert result["failed"] is True and result["field"] == option, result
    assert option in result["msg"]
    assert log.writes() == []


def test_rename_by_id_is_refused(run, args, log):
    created = run(ack_cluster, args)["cluster"]
    log.clear()
    result = run(ack_cluster, {"cluster_id": created["cluster_id"], "name": "ack-b"})
    assert result["failed"] is True and result["field"] == "name" and log.writes() == []


def test_a_minor_version_names_its_newest_patch_and_the_rerun_keeps_it(run, args, log):
    created = run(ack_cluster, dict(args, kubernetes_version="1.30"))
    assert created["changed"] is True and created["cluster"]["kubernetes_version"] == "1.30.7-aliyun.1"
    log.clear()
    again = run(ack_cluster, dict(args, kubernetes_version="1.30"))
    assert again["changed"] is False and log.writes() == []
    other = run(ack_cluster, dict(args, kubernetes_version="1.3"))  # not a whole-part prefix of 1.30.7
    assert other["failed"] is True and other["field"] == "kubernetes_version" and log.writes() == []


def test_version_upgrade_refusal_says_upgrades_are_out_of_scope(run, args, log):
    run(ack_cluster, dict(args, kubernetes_version="1.30.7-aliyun.1"))
    result = run(ack_cluster, dict(args, kubernetes_version="1.31.1-aliyun.1"))
    assert result["failed"] is True and "upgrades are out of the scope" in result["msg"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"pod_cidr": None}, "pod_cidr"),
        ({"pod_cidr": "10.0.0.0/33"}, "pod_cidr"),
        ({"pod_cidr": "172.19.0.0/16"}, "pod_cidr"),  # overlaps the default service CIDR
        ({"network_plugin": "terway"}, "pod_cidr"),  # Flannel-only option with Terway
        ({"network_plugin": "terway", "pod_cidr": None}, "pod_vswitch_ids"),
        ({"network_plugin": "terway", "pod_cidr": None, "pod_vswitch_ids": ["second"]}, "pod_vswitch_ids"),
        ({"node_cidr_mask": 30}, "node_cidr_mask"),
        ({"kubernetes_version": "1.20.0-aliyun.1"}, "kubernetes_version"),
        ({"vpc_id": "not-a-vpc"}, "vpc_id"),
        ({"vpc_id": "vpc-doesnotexist"}, "vpc_id"),
        ({"pod_cidr": "20.5.0.0/16"}, "pod_cidr"),  # inside the VPC 20.0.0.0/8
        ({"service_cidr": "20.6.0.0/20"}, "service_cidr"),
        ({"vswitch_ids": ["vsw-doesnotexist"]}, "vswitch_ids"),
        ({"node_pool": {"instance_types": ["ecs.g7.xlarge"], "desired_size": 1}}, "node_pool.key_pair"),
        (
            {
                "node_pool": {
                    "instance_types": ["t"],
                    "desired_size": 1,
                    "key_pair": "kp",
                    "login_password": "Pw-1234567",
                }
            },
            "node_pool.key_pair",
        ),
        (
            {"node_pool": {"instance_types": ["t"], "desired_size": 1, "key_pair": "kp", "runtime": "docker"}},
            "node_pool.runtime",
        ),
        (
            {"node_pool": {"instance_types": ["t"], "desired_size": 1, "login_password": "weak"}},
            "node_pool.login_password",
        ),
        (
            {"node_pool": {"instance_types": ["t"] * 11, "desired_size": 1, "key_pair": "kp"}},
            "node_pool.instance_types",
        ),
        (
            {"node_pool": {"instance_types": ["t"], "desired_size": 1, "key_pair": "kp", "system_disk_size": 10}},
            "node_pool.system_disk_size",
        ),
        ({"node_pool": None}, "node_pool"),
    ],
)
def test_bad_input_fails_before_any_write(run, args, net, log, state, change, field):
    if change.get("pod_vswitch_ids") == ["second"]:  # a Pod vSwitch in the other zone than the nodes'
        change = dict(change, pod_vswitch_ids=net[1][1:])
    result = run(ack_cluster, dict(args, **change))
    assert result["failed"] is True and result.get("field") == field, result
    assert log.writes() == [] and clusters(state) == []


def test_login_password_is_never_returned(run, args, log):
    pool = {"instance_types": ["ecs.g7.xlarge"], "desired_size": 1, "login_password": "Secret-Pass-123"}
    result = run(ack_cluster, dict(args, node_pool=pool))
    assert result["changed"] is True
    assert "Secret-Pass-123" not in repr(result)
    (body,) = log.calls("CreateCluster")
    group = body["nodepools"][0]["scaling_group"]
    assert group["login_password"] and "key_pair" not in group  # the emulator's log redacts the password


def test_failed_creation_task_fails_with_the_task_message(run, args, emu, log, state):
    """The emulator's scenario fault: CreateCluster answers, its task ends `fail` with an error."""
    fault = {"name": "ack-a", "code": "ErrorQuota", "message": "node quota exceeded in zone h"}
    emu.set_scenarios("cs", {"cluster_task_fail": fault})
    result = run(ack_cluster, args)
    assert result["failed"] is True and "node quota exceeded in zone h" in result["msg"], result
    (doc,) = clusters(state)
    assert result["cluster_id"] == doc["cluster_id"] and log.writes() == ["CreateCluster"]
    # the module failed on the task, not after waiting for the cluster
    actions = log.actions()
    assert actions[-1] == "DescribeTaskInfo"


def test_lost_create_answer_never_makes_a_second_cluster(run, args, faults, log, state):
    """CreateCluster commits but answers 503: the module looks up by name and VPC, finds it, waits."""
    faults(server_error_after_commit_pct=100, actions=["CreateCluster"])
    result = run(ack_cluster, args)
    assert result["changed"] is True, result
    assert log.codes("CreateCluster") == ["ServiceUnavailable"]  # no second create call
    (doc,) = clusters(state)
    assert result["cluster"]["cluster_id"] == doc["cluster_id"] and result["cluster"]["state"] == "running"
    actions = log.actions()
    assert "DescribeClustersV1" in actions[actions.index("CreateCluster") :]


def test_delete_refused_while_deletion_protection_is_on(run, args, log, state):
    run(ack_cluster, dict(args, deletion_protection=True))
    log.clear()
    result = run(ack_cluster, dict(args, state="absent"))
    assert result["failed"] is True and result["field"] == "deletion_protection"
    assert "deletion_protection" in result["msg"] and log.writes() == [] and len(clusters(state)) == 1


def test_delete_then_delete_again(run, args, log, state):
    created = run(ack_cluster, args)["cluster"]
    log.clear()
    check = run(ack_cluster, {"cluster_id": created["cluster_id"], "state": "absent"}, check_mode=True)
    assert check["changed"] is True and log.writes() == [] and len(clusters(state)) == 1
    result = run(ack_cluster, {"cluster_id": created["cluster_id"], "state": "absent"})
    assert result["changed"] is True and result["cluster"] == {}
    assert log.writes() == ["DeleteCluster"] and clusters(state) == []
    log.clear()
    again = run(ack_cluster, dict(args, state="absent"))
    assert again["changed"] is False and log.writes() == []


def test_create_waits_on_the_task_then_on_running(run, args, emu, log):
    emu.clock.delay_scale = 0.2  # the creation takes a moment: the first polls see it running / initial
    result = run(ack_cluster, args)
    assert result["changed"] is True and result["cluster"]["state"] == "running"
    assert log.actions().count("DescribeTaskInfo") >= 2


def test_no_wait_returns_the_initial_cluster(run, args, emu, log):
    emu.clock.delay_scale = 1.0
    result = run(ack_cluster, dict(args, wait=False))
    assert result["changed"] is True and result["cluster"]["state"] == "initial"
    assert "DescribeTaskInfo" not in log.actions()


def test_rerun_on_a_failed_cluster_says_what_to_do(run, args, emu, log, state):
    emu.set_scenarios("cs", {"cluster_task_fail": {"name": "ack-a", "message": "boom"}})
    assert run(ack_cluster, args)["failed"] is True
    emu.set_scenarios("cs", {})
    log.clear()
    result = run(ack_cluster, args)
    assert result["failed"] is True and "delete it (state: absent)" in result["msg"], result
    assert log.writes() == [] and len(clusters(state)) == 1
