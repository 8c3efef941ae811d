# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import asm_mesh_cluster
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules import asm_support


class World:
    """A mesh in VPC A (20.0.0.0/8) and a cluster in the same VPC; more clusters on demand."""

    def __init__(self, emu, seed, topo):
        self.emu, self.seed, self.topo = emu, seed, topo
        self.vpc_id, self.vsw_id = asm_support.network(seed)
        self.mesh_id = asm_support.mesh(emu, self.vpc_id, self.vsw_id)
        self.cluster_id = asm_support.cluster(emu, self.vpc_id, self.vsw_id, "10.0.0.0/16", "172.19.0.0/20")

    def args(self, **extra):
        return dict({"mesh_id": self.mesh_id, "cluster_id": self.cluster_id}, **extra)

    def members(self):
        rows = asm_support.api(self.emu, "servicemesh").call(
            "DescribeClustersInServiceMesh", ServiceMeshId=self.mesh_id
        )
        return [r["ClusterId"] for r in rows["Clusters"]]

    def other_vpc_cluster(self, pod_cidr="10.1.0.0/16", connect=False):
        """A cluster in VPC B (21.0.0.0/8); with ``connect``, both VPCs on one transit router, bound."""
        vpc_id, mappings = self.topo.vpc(cidr="21.0.0.0/8")  # a vSwitch in each of two zones
        vsw_id = mappings[0]["vswitch_id"]
        if connect:
            # an attachment needs a vSwitch in two zones: VPC A gets its second one
            extra = self.seed("CreateVSwitch", VpcId=self.vpc_id, ZoneId="cn-hangzhou-i", CidrBlock="20.2.0.0/16")
            mappings_a = [
                {"vswitch_id": self.vsw_id, "zone_id": "cn-hangzhou-h"},
                {"vswitch_id": extra["VSwitchId"], "zone_id": "cn-hangzhou-i"},
            ]
            tr_id, rtb_id = self.topo.transit_router(self.topo.cen())
            for vpc, zones in ((self.vpc_id, mappings_a), (vpc_id, mappings)):
                att = self.topo.vpc_attachment(tr_id, vpc, zones)
                for action in (
                    "AssociateTransitRouterAttachmentWithRouteTable",
                    "EnableTransitRouterRouteTablePropagation",
                ):
                    self.seed(action, TransitRouterAttachmentId=att, TransitRouterRouteTableId=rtb_id)
                # route sync: the emulator's join check walks real routes (mesh VPC -> API server)
                self.seed(
                    "UpdateTransitRouterVpcAttachmentAttribute",
                    TransitRouterAttachmentId=att,
                    AutoPublishRouteEnabled="true",
                )
        return asm_support.cluster(self.emu, vpc_id, vsw_id, pod_cidr, "172.20.0.0/20", name="ack-b")


@pytest.fixture
def world(emu, seed, topo, log):
    built = World(emu, seed, topo)
    log.clear()
    return built


def test_join(run, log, world):
    result = run(asm_mesh_cluster, world.args())
    assert result["changed"] is True
    membership = result["membership"]
    assert membership["joined"] is True and membership["state"] == "running" and membership["error_message"] == ""
    assert membership["cluster_id"] == world.cluster_id and membership["vpc_id"] == world.vpc_id
    assert world.members() == [world.cluster_id]
    assert log.writes() == ["AddClusterIntoServiceMesh"]
    actions = log.actions()
    assert actions.index("DescribeServiceMeshClusters") < actions.index("AddClusterIntoServiceMesh")
    assert "IgnoreNamespaceCheck" not in log.calls("AddClusterIntoServiceMesh")[0]
    assert result["diff"] == {"before": {"joined": False}, "after": {"joined": True}}
    log.clear()
    again = run(asm_mesh_cluster, world.args())
    assert again["changed"] is False and again["membership"]["joined"] is True and log.writes() == []


def test_join_waits_for_the_mesh_and_the_listing(run, emu, log, world):
    emu.clock.delay_scale = 0.4  # the join is pending (mesh updating) for about a second
    result = run(asm_mesh_cluster, world.args())
    assert result["changed"] is True and result["membership"]["joined"] is True
    assert world.members() == [world.cluster_id]
    details = log.actions().count("DescribeServiceMeshDetail")
    assert details >= 3  # the check before the join, the busy read(s), running


def test_join_without_wait_returns_at_once(run, emu, log, world):
    emu.clock.delay_scale = 5.0
    result = run(asm_mesh_cluster, world.args(wait=False))
    assert result["changed"] is True and result["membership"]["joined"] is False
    assert result["diff"]["after"] == {"joined": True} and log.writes() == ["AddClusterIntoServiceMesh"]


def test_check_mode_join(run, log, world):
    result = run(asm_mesh_cluster, world.args(), check_mode=True)
    assert result["changed"] is True and result["diff"]["after"] == {"joined": True}
    assert log.writes() == [] and world.members() == []


def test_leave(run, emu, log, world):
    asm_support.join(emu, world.mesh_id, world.cluster_id)
    log.clear()
    result = run(asm_mesh_cluster, world.args(state="absent", reserve_namespace=True))
    assert result["changed"] is True and result["membership"]["joined"] is False
    assert world.members() == []
    (remove,) = log.calls("RemoveClusterFromServiceMesh")
    assert remove["ClusterId"] == world.cluster_id and remove["ReserveNamespace"] in ("true", "True")
    assert log.writes() == ["RemoveClusterFromServiceMesh"]
    log.clear()
    again = run(asm_mesh_cluster, world.args(state="absent"))
    assert again["changed"] is False and log.writes() == []


def test_leave_waits_until_the_cluster_is_gone(run, emu, log, world):
    asm_support.join(emu, world.mesh_id, world.cluster_id)
    emu.clock.delay_scale = 0.4
    log.clear()
    result = run(asm_mesh_cluster, world.args(state="absent"))
    assert result["changed"] is True and result["membership"]["joined"] is False
    assert world.members() == []
    assert log.actions().count("DescribeClustersInServiceMesh") >= 2


def test_check_mode_leave(run, emu, log, world):
    asm_support.join(emu, world.mesh_id, world.cluster_id)
    log.clear()
    result = run(asm_mesh_cluster, world.args(state="absent"), check_mode=True)
    assert result["changed"] is True and log.writes() == [] and world.members() == [world.cluster_id]


def test_join_without_connectivity_is_refused_before_any_write(run, log, world):
    cluster_b = world.other_vpc_cluster()
    log.clear()
    result = run(asm_mesh_cluster, world.args(cluster_id=cluster_b))
    assert result["failed"] is True and result["field"] == "cluster_id" and result["forbidden_flag"] == 2
    msg = result["msg"]
    assert cluster_b in msg and "private connection" in msg
    assert "transit router" in msg and "peer attachment" in msg and "propagate" in msg
    assert log.writes() == []


def test_cidr_conflict_is_refused_naming_the_cidrs(run, emu, log, world):
    asm_support.join(emu, world.mesh_id, world.cluster_id)
    cluster_b = world.other_vpc_cluster(pod_cidr="10.0.0.0/16", connect=True)  # same Pod CIDR as cluster A
    log.clear()
    result = run(asm_mesh_cluster, world.args(cluster_id=cluster_b))
    assert result["failed"] is True and result["forbidden_flag"] == 3
    assert "Pod 10.0.0.0/16 of %s" % cluster_b in result["msg"] and world.cluster_id in result["msg"]
    assert "non-overlapping" in result["msg"] and log.writes() == []


def test_connected_cluster_in_another_vpc_joins(run, log, world):
    cluster_b = world.other_vpc_cluster(connect=True)
    log.clear()
    result = run(asm_mesh_cluster, world.args(cluster_id=cluster_b))
    assert result["changed"] is True and world.members() == [cluster_b]


def flag_for(cluster_id, flag):
    def serve(original, ctx, params):
        body = original(ctx, params)
        for row in body["Clusters"]:
            if row["ClusterId"] == cluster_id:
                row["ForbiddenFlag"] = flag
        return body

    return serve


def test_istio_system_namespace_is_refused_unless_ignored(run, emu, log, world):
    emu.set_scenarios("servicemesh", {"istio_system_namespace": {"cluster_id": world.cluster_id}})
    result = run(asm_mesh_cluster, world.args())
    assert result["failed"] is True and result["forbidden_flag"] == 4
    assert "istio-system" in result["msg"] and "ignore_namespace_check" in result["msg"] and log.writes() == []
    result = run(asm_mesh_cluster, world.args(ignore_namespace_check=True))
    assert result["changed"] is True and world.members() == [world.cluster_id]
    assert log.calls("AddClusterIntoServiceMesh")[0]["IgnoreNamespaceCheck"] in ("true", "True")


def test_no_permission_is_refused(run, log, monkeypatch, world):
    asm_support.serve(monkeypatch, "DescribeServiceMeshClusters", flag_for(world.cluster_id, 1))
    result = run(asm_mesh_cluster, world.args(ignore_namespace_check=True))
    assert result["failed"] is True and result["forbidden_flag"] == 1
    assert "administrator permissions" in result["msg"] and log.writes() == []


def test_join_that_leaves_an_error_fails_with_it(run, emu, log, world):
    emu.set_scenarios("servicemesh", {"join_failure": {"cluster_id": world.cluster_id, "message": "sidecar boom"}})
    result = run(asm_mesh_cluster, world.args())
    assert result["failed"] is True and "sidecar boom" in result["msg"]
    assert result["membership"]["error_message"] == "sidecar boom" and result["membership"]["state"] == "failed"
    assert log.writes() == ["AddClusterIntoServiceMesh"]
    log.clear()
    again = run(asm_mesh_cluster, world.args())  # a re-run does not hide it
    assert again["failed"] is True and "sidecar boom" in again["msg"] and log.writes() == []


def test_busy_mesh_is_waited_for_before_the_join(run, emu, log, world):
    emu.set_scenarios("servicemesh", {"mesh_busy": {"mesh_id": world.mesh_id, "seconds": 1}})
    result = run(asm_mesh_cluster, world.args())
    assert result["changed"] is True and world.members() == [world.cluster_id]
    assert log.codes("AddClusterIntoServiceMesh") == [None]  # sent once the mesh was running


def test_cluster_in_another_mesh_is_refused(run, emu, log, world):
    other = asm_support.mesh(emu, world.vpc_id, world.vsw_id, name="mesh-other")
    asm_support.join(emu, other, world.cluster_id)
    log.clear()
    result = run(asm_mesh_cluster, world.args())
    assert result["failed"] is True and other in result["msg"] and log.writes() == []


def test_missing_mesh(run, log, world):
    args = world.args(mesh_id="c0000000000000000000000000000404")
    result = run(asm_mesh_cluster, args)
    assert result["failed"] is True and result["field"] == "mesh_id" and log.writes() == []
    gone = run(asm_mesh_cluster, dict(args, state="absent"))
    assert gone["changed"] is False and gone["membership"]["joined"] is False and log.writes() == []


def test_unknown_cluster_is_refused_before_any_write(run, log, world):
    result = run(asm_mesh_cluster, world.args(cluster_id="c404"))
    assert result["failed"] is True and result["field"] == "cluster_id" and "c404" in result["msg"]
    assert log.writes() == []


@pytest.mark.parametrize("field", ["mesh_id", "cluster_id"])
def test_empty_ids_fail_before_any_call(run, log, world, field):
    result = run(asm_mesh_cluster, world.args(**{field: " "}))
    assert result["failed"] is True and result["field"] == field and log.entries() == []


def test_rejoin_after_a_leave_that_kept_istio_system(run, log, world):
    run(asm_mesh_cluster, world.args())
    run(asm_mesh_cluster, world.args(state="absent", reserve_namespace=True))
    log.clear()
    refused = run(asm_mesh_cluster, world.args())
    assert refused["failed"] is True and refused["forbidden_flag"] == 4 and log.writes() == []
    joined = run(asm_mesh_cluster, world.args(ignore_namespace_check=True))
    assert joined["changed"] is True and world.members() == [world.cluster_id]


def test_a_join_in_progress_is_not_sent_again(run, emu, log, world):
    emu.clock.delay_scale = 0.75  # the join is pending (mesh updating) for 1.5 s
    first = run(asm_mesh_cluster, world.args(wait=False))
    assert first["changed"] is True and world.members() == []
    log.clear()
    again = run(asm_mesh_cluster, world.args(wait=False))  # waits for the busy mesh, finds the cluster
    assert again["changed"] is False and again["membership"]["joined"] is True and log.writes() == []
