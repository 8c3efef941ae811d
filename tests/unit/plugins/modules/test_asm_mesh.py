# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.geomesh.alicloud.plugins.module_utils import manager
from ansible_collections.geomesh.alicloud.plugins.modules import asm_mesh, asm_mesh_info
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules import asm_support
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.conftest import tag_dict

NEWEST = "v1.22.6.66-g1e5b0e4d-aliyun"
OLDER = "v1.21.6.97-g7ec2fd3b-aliyun"


@pytest.fixture
def net(seed, log):
    vpc_id, vsw_id = asm_support.network(seed)
    log.clear()
    return vpc_id, vsw_id


@pytest.fixture
def args(net):
    vpc_id, vsw_id = net
    return {"name": "mesh-a", "vpc_id": vpc_id, "vswitch_ids": [vsw_id], "tags": {"project": "geomesh"}}


def meshes(state):
    return state("asm_mesh")


def test_create(run, log, state, args):
    result = run(asm_mesh, args)
    assert result["changed"] is True
    mesh = result["mesh"]
    (doc,) = meshes(state)
    assert mesh["mesh_id"] == doc["ServiceMeshId"] and mesh["name"] == "mesh-a" == doc["Name"]
    assert mesh["state"] == "running" and mesh["region_id"] == "cn-hangzhou"
    assert mesh["vpc_id"] == args["vpc_id"] == doc["VpcId"] and mesh["vswitch_ids"] == args["vswitch_ids"]
    assert mesh["edition"] == "Default" and mesh["cluster_spec"] == "standard"
    assert mesh["istio_version"] == NEWEST == doc["Version"]  # the newest DescribeVersions offers
    assert mesh["api_server_public_eip"] is False and mesh["clusters"] == []
    assert mesh["tags"] == {"project": "geomesh"} == tag_dict(doc)
    (create,) = log.calls("CreateServiceMesh")
    assert json.loads(create["VSwitches"]) == args["vswitch_ids"] and create["IstioVersion"] == NEWEST
    assert create["Edition"] == "Default" and create["ClusterSpec"] == "standard" and "ClientToken" not in create
    assert log.writes() == ["CreateServiceMesh"]
    # version resolved before the create; looked up by name before it
    actions = log.actions()
    assert (
        actions.index("DescribeServiceMeshes") < actions.index("DescribeVersions") < actions.index("CreateServiceMesh")
    )
    assert result["diff"]["before"] == {} and result["diff"]["after"]["istio_version"] == NEWEST


def test_create_waits_until_running(run, emu, log, args):
    emu.clock.delay_scale = 0.3  # initial for about a second
    result = run(asm_mesh, args)
    assert result["mesh"]["state"] == "running"
    assert log.actions().count("DescribeServiceMeshDetail") >= 2


def test_check_mode_create(run, log, state, args):
    result = run(asm_mesh, dict(args, edition="Pro"), check_mode=True)
    assert result["changed"] is True and result["mesh"] == {}
    after = result["diff"]["after"]
    assert after["istio_version"] == NEWEST and after["edition"] == "Pro" and after["cluster_spec"] == "enterprise"
    assert after["tags"] == {"project": "geomesh"}
    assert log.writes() == [] and meshes(state) == []


def test_rerun_makes_no_write(run, log, state, args):
    first = run(asm_mesh, args)
    log.clear()
    result = run(asm_mesh, args)
    assert result["changed"] is False and result["mesh"] == first["mesh"]
    assert log.writes() == [] and len(meshes(state)) == 1
    assert result["diff"]["before"] == result["diff"]["after"]


def test_lost_create_answer_makes_one_mesh(run, faults, log, state, args):
    """CreateServiceMesh commits but answers 503: the client must not resend it blindly (no ClientToken);
    the module looks the mesh up by name + VPC and finds the one the lost call made."""
    faults(server_error_after_commit_pct=100, actions=["CreateServiceMesh"])
    result = run(asm_mesh, args)
    assert result["changed"] is True
    assert log.codes("CreateServiceMesh") == ["ServiceUnavailable"]
    (doc,) = meshes(state)
    assert result["mesh"]["mesh_id"] == doc["ServiceMeshId"] and result["mesh"]["state"] == "running"
    actions = log.actions()
    create = actions.index("CreateServiceMesh")
    assert "DescribeServiceMeshes" in actions[create + 1 :]  # looked up again after the lost answer
    faults()
    log.clear()
    again = run(asm_mesh, args)
    assert again["changed"] is False and log.writes() == [] and len(meshes(state)) == 1


def test_create_refused_before_commit_is_sent_again(run, faults, log, state, args, monkeypatch):
    """A 5xx before the server did anything: the lookups find nothing for the settle window, so the
    create is sent once more."""
    monkeypatch.setattr(manager, "CREATE_SETTLE_S", 1.0)
    faults(server_error_pct=50, actions=["CreateServiceMesh"], seed=36)  # fails once, then succeeds
    result = run(asm_mesh, args)
    assert result["changed"] is True
    assert log.codes("CreateServiceMesh") == ["ServiceUnavailable", None]
    create = log.actions().index("CreateServiceMesh")
    assert log.actions()[create + 1 :].count("DescribeServiceMeshes") > 1
    assert len(meshes(state)) == 1


def test_lost_create_answer_and_a_lagging_list_make_one_mesh(run, faults, log, state, args):
    """CreateServiceMesh commits but answers 503, and the new mesh is missing from DescribeServiceMeshes
    for 2 s (eventual consistency): the lookups go on for the settle window and find it; the create is
    not sent again. (Found by tests/reliability/faults, seed 5: a second mesh of the name.)"""
    faults(server_error_after_commit_pct=100, actions=["CreateServiceMesh"], eventual_consistency_s=2)
    result = run(asm_mesh, args)
    faults()
    assert not result.get("failed") and result["changed"] is True, result
    assert log.codes("CreateServiceMesh") == ["ServiceUnavailable"]
    (doc,) = meshes(state)
    assert result["mesh"]["mesh_id"] == doc["ServiceMeshId"]


def test_two_meshes_with_the_name_in_the_vpc_are_an_error(run, emu, log, net, args):
    first = asm_support.mesh(emu, *net)
    second = asm_support.mesh(emu, *net)
    log.clear()
    result = run(asm_mesh, args)
    assert result["failed"] is True and first in result["msg"] and second in result["msg"]
    assert result["error"]["code"] == "AmbiguousName" and log.writes() == []


def test_same_name_in_another_vpc_is_another_mesh(run, emu, seed, state, args):
    other_vpc, other_vsw = asm_support.network(seed, cidr="21.0.0.0/8")
    other = asm_support.mesh(emu, other_vpc, other_vsw)
    result = run(asm_mesh, args)
    assert result["changed"] is True and result["mesh"]["mesh_id"] != other and len(meshes(state)) == 2


def test_update_tags(run, log, state, args):
    mesh_id = run(asm_mesh, dict(args, tags={"a": "1", "b": "2"}))["mesh"]["mesh_id"]
    log.clear()
    result = run(asm_mesh, {"mesh_id": mesh_id, "tags": {"a": "1", "c": "3"}})
    assert result["changed"] is True and result["mesh"]["tags"] == {"a": "1", "c": "3"}
    assert tag_dict(state("asm_mesh", mesh_id)) == {"a": "1", "c": "3"}
    (untag,) = log.calls("UntagResources")
    assert untag["ResourceType"] == "servicemesh" and untag["TagKey.1"] == "b" and untag["RegionId"] == "cn-hangzhou"
    (tag,) = log.calls("TagResources")
    assert tag["Tag.1.Key"] == "c" and tag["ResourceId.1"] == mesh_id
    assert result["diff"]["before"]["tags"] == {"a": "1", "b": "2"}
    log.clear()
    again = run(asm_mesh, {"mesh_id": mesh_id, "tags": {"a": "1", "c": "3"}})
    assert again["changed"] is False and log.writes() == []


def test_check_mode_update_tags(run, log, state, args):
    mesh_id = run(asm_mesh, args)["mesh"]["mesh_id"]
    log.clear()
    result = run(asm_mesh, dict(args, tags={"x": "y"}), check_mode=True)
    assert result["changed"] is True and result["diff"]["after"]["tags"] == {"x": "y"}
    assert log.writes() == [] and tag_dict(state("asm_mesh", mesh_id)) == {"project": "geomesh"}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"istio_version": OLDER}, "istio_version"),
        ({"edition": "Pro", "cluster_spec": "enterprise"}, "edition"),
        ({"cluster_spec": "standard", "edition": "Default", "api_server_public_eip": True}, "api_server_public_eip"),
        ({"vswitch_ids": ["vsw-other"]}, "vswitch_ids"),
    ],
)
def test_fixed_change_is_refused_before_any_write(run, log, args, change, field):
    mesh_id = run(asm_mesh, args)["mesh"]["mesh_id"]
    log.clear()
    result = run(asm_mesh, dict({"mesh_id": mesh_id}, **change))
    assert result["failed"] is True and result["field"] == field and field in result["msg"]
    assert log.writes() == []


def test_unknown_version_fails_before_any_write(run, log, state, args):
    result = run(asm_mesh, dict(args, istio_version="v1.0.0.1-gdeadbee-aliyun"))
    assert result["failed"] is True and result["field"] == "istio_version" and NEWEST in result["msg"]
    assert log.writes() == [] and meshes(state) == []


def test_older_offered_version_is_used(run, state, args):
    result = run(asm_mesh, dict(args, istio_version=OLDER))
    assert result["mesh"]["istio_version"] == OLDER == meshes(state)[0]["Version"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"vpc_id": "vsw-1"}, "vpc_id"),
        ({"vswitch_ids": []}, "vswitch_ids"),
        ({"vswitch_ids": ["vpc-1"]}, "vswitch_ids"),
        ({"edition": "Default", "cluster_spec": "ultimate"}, "cluster_spec"),
        ({"force": True}, "force"),
    ],
)
def test_bad_input_fails_before_any_call(run, log, args, change, field):
    result = run(asm_mesh, dict(args, **change))
    assert result["failed"] is True and result["field"] == field and field in result["msg"]
    assert log.entries() == []


def test_create_needs_vswitches(run, log, net):
    result = run(asm_mesh, {"name": "m", "vpc_id": net[0]})
    assert result["failed"] is True and result["field"] == "vswitch_ids" and log.writes() == []


def test_missing_mesh_id_fails(run, log):
    result = run(asm_mesh, {"mesh_id": "c0000000000000000000000000000404"})
    assert result["failed"] is True and result["field"] == "mesh_id" and log.writes() == []


def test_delete_and_delete_again(run, log, state, args):
    mesh_id = run(asm_mesh, args)["mesh"]["mesh_id"]
    log.clear()
    result = run(asm_mesh, {"mesh_id": mesh_id, "state": "absent"})
    assert result["changed"] is True and meshes(state) == []
    assert log.writes() == ["DeleteServiceMesh"] and log.calls("DeleteServiceMesh")[0] == {"ServiceMeshId": mesh_id}
    assert result["diff"]["before"]["name"] == "mesh-a" and result["diff"]["after"] == {}
    log.clear()
    again = run(asm_mesh, dict(args, state="absent"))
    assert again["changed"] is False and log.writes() == []


def test_delete_waits_until_gone(run, emu, log, state, args):
    mesh_id = run(asm_mesh, args)["mesh"]["mesh_id"]
    emu.clock.delay_scale = 0.3
    log.clear()
    result = run(asm_mesh, {"mesh_id": mesh_id, "state": "absent"})
    assert result["changed"] is True and meshes(state) == []
    assert log.codes("DescribeServiceMeshDetail")[-1] == "ServiceMesh.NotFound"
    assert log.actions().count("DescribeServiceMeshDetail") >= 3


def test_delete_check_mode(run, log, state, args):
    mesh_id = run(asm_mesh, args)["mesh"]["mesh_id"]
    log.clear()
    result = run(asm_mesh, {"mesh_id": mesh_id, "state": "absent"}, check_mode=True)
    assert result["changed"] is True and log.writes() == [] and state("asm_mesh", mesh_id)


@pytest.fixture
def mesh_with_cluster(run, emu, log, net, args):
    mesh_id = run(asm_mesh, args)["mesh"]["mesh_id"]
    cluster_id = asm_support.cluster(emu, net[0], net[1], "10.0.0.0/16", "172.19.0.0/20")
    asm_support.join(emu, mesh_id, cluster_id)
    log.clear()
    return mesh_id, cluster_id


def test_delete_with_clusters_is_refused_before_the_delete_call(run, log, state, mesh_with_cluster):
    mesh_id, cluster_id = mesh_with_cluster
    result = run(asm_mesh, {"mesh_id": mesh_id, "state": "absent"})
    assert result["failed"] is True and cluster_id in result["msg"] and "force" in result["msg"]
    assert result["clusters"] == [cluster_id]
    assert log.writes() == [] and state("asm_mesh", mesh_id)


def test_force_delete_with_clusters(run, log, state, mesh_with_cluster):
    mesh_id, _cluster_id = mesh_with_cluster
    result = run(asm_mesh, {"mesh_id": mesh_id, "state": "absent", "force": True})
    assert result["changed"] is True and meshes(state) == []
    (delete,) = log.calls("DeleteServiceMesh")
    assert delete["Force"] in ("true", "True") and log.writes() == ["DeleteServiceMesh"]
    assert len(state("cs_cluster")) == 1  # the cluster itself stays


def test_info(run, emu, seed, log, net, args):
    mesh_id = run(asm_mesh, args)["mesh"]["mesh_id"]
    other_vpc, other_vsw = asm_support.network(seed, cidr="21.0.0.0/8")
    other = asm_support.mesh(emu, other_vpc, other_vsw, name="mesh-b")
    log.clear()
    everything = run(asm_mesh_info, {})
    assert everything["changed"] is False and [m["mesh_id"] for m in everything["meshes"]] == sorted([mesh_id, other])
    by_name = run(asm_mesh_info, {"name": "mesh-a"})["meshes"]
    assert [m["mesh_id"] for m in by_name] == [mesh_id] and by_name[0]["tags"] == {"project": "geomesh"}
    assert [m["mesh_id"] for m in run(asm_mesh_info, {"vpc_id": other_vpc})["meshes"]] == [other]
    assert [m["mesh_id"] for m in run(asm_mesh_info, {"mesh_id": other})["meshes"]] == [other]
    assert run(asm_mesh_info, {"name": "nothing"})["meshes"] == []
    assert run(asm_mesh_info, {"region": "cn-shanghai"})["meshes"] == []
    assert log.writes() == []


def test_create_waits_through_a_busy_state(run, emu, log, args):
    emu.set_scenarios("servicemesh", {"mesh_busy": {"state": "upgrading", "seconds": 1}})
    result = run(asm_mesh, args)
    assert result["changed"] is True and result["mesh"]["state"] == "running"
    assert log.writes() == ["CreateServiceMesh"]


def test_tags_of_a_busy_mesh_change_once_it_is_running(run, emu, log, state, args):
    mesh_id = run(asm_mesh, args)["mesh"]["mesh_id"]
    emu.set_scenarios("servicemesh", {"mesh_busy": {"mesh_id": mesh_id, "seconds": 1}})
    log.clear()
    result = run(asm_mesh, {"mesh_id": mesh_id, "tags": {"x": "y"}})
    assert result["changed"] is True and tag_dict(state("asm_mesh", mesh_id)) == {"x": "y"}
    assert log.codes("TagResources") == [None] and log.codes("UntagResources") == [None]
