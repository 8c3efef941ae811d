# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import asm_locality_lb
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules import asm_support

HZ, SH = "cn-hangzhou", "cn-shanghai"
FAILOVER = [{"from": HZ, "to": SH}, {"from": SH, "to": HZ}]
DISTRIBUTE = [{"from": HZ, "to": {HZ: 90, SH: 10}}]


class World:
    """A mesh in cn-hangzhou with a cluster in cn-hangzhou (the mesh's VPC) and one in cn-shanghai (its
    own VPC, connected over two transit routers and a peer attachment), both joined."""

    def __init__(self, emu, seed, topo, version=None):
        self.emu = emu
        cen = topo.cen()
        routers = {}
        vpcs = {}
        for region, cidr in ((HZ, "20.0.0.0/8"), (SH, "21.0.0.0/8")):
            routers[region] = topo.transit_router(cen, region=region)
            vpcs[region] = topo.vpc(region=region, cidr=cidr)
            tr_id, table = routers[region]
            att = topo.vpc_attachment(tr_id, vpcs[region][0], vpcs[region][1], region=region)
            self.bind(seed, region, att, table)
            seed("UpdateTransitRouterVpcAttachmentAttribute", region=region, TransitRouterAttachmentId=att,
                 AutoPublishRouteEnabled="true")  # fmt: skip
        peer = topo.peer_attachment(routers[HZ][0], routers[SH][0])
        self.bind(seed, HZ, peer, routers[HZ][1])
        self.bind(seed, SH, peer, routers[SH][1])
        vpc_hz, zones_hz = vpcs[HZ]
        vpc_sh, zones_sh = vpcs[SH]
        extra = {} if version is None else {"IstioVersion": version}
        self.mesh_id = asm_support.api(emu, "servicemesh").call(
            "CreateServiceMesh",
            RegionId=HZ,
            Name="mesh-a",
            VpcId=vpc_hz,
            VSwitches=json.dumps([zones_hz[0]["vswitch_id"]]),
            **extra,
        )["ServiceMeshId"]
        self.clusters = {
            HZ: asm_support.cluster(emu, vpc_hz, zones_hz[0]["vswitch_id"], "10.0.0.0/16", "172.16.0.0/16"),
            SH: asm_support.cluster(
                emu, vpc_sh, zones_sh[0]["vswitch_id"], "10.1.0.0/16", "172.17.0.0/16", region=SH, name="ack-sh"
            ),
        }
        for cluster_id in self.clusters.values():
            asm_support.join(emu, self.mesh_id, cluster_id)

    @staticmethod
    def bind(seed, region, att, table):
        for action in ("AssociateTransitRouterAttachmentWithRouteTable", "EnableTransitRouterRouteTablePropagation"):
            seed(action, region=region, TransitRouterAttachmentId=att, TransitRouterRouteTableId=table)

    def args(self, **extra):
        return dict({"mesh_id": self.mesh_id}, **extra)

    def state(self):
        body = asm_support.api(self.emu, "servicemesh").call("DescribeServiceMeshDetail", ServiceMeshId=self.mesh_id)
        return body["ServiceMesh"]["ServiceMeshInfo"]["State"]

    def lb(self):
        body = asm_support.api(self.emu, "servicemesh").call("DescribeServiceMeshDetail", ServiceMeshId=self.mesh_id)
        return body["ServiceMesh"]["Spec"]["MeshConfig"]["LocalityLB"]


@pytest.fixture
def world(emu, seed, topo, log):
    built = World(emu, seed, topo)
    log.clear()
    return built


def conf_of(call):
    return json.loads(call["LocalityLBConf"])


def test_failover_then_idempotent(run, log, world):
    result = run(asm_locality_lb, world.args(mode="failover", failover=FAILOVER))
    assert result["changed"] is True and result["updates"] == ["enable failover"]
    (call,) = log.calls("UpdateMeshFeature")
    assert call["LocalityLoadBalancing"] in ("true", "True")
    assert conf_of(call) == {"failover": FAILOVER}
    assert log.writes() == ["UpdateMeshFeature"]
    lb = world.lb()
    assert lb["Enabled"] is True and lb["Failover"] == {"failover": FAILOVER}
    out = result["locality_lb"]
    assert out["mode"] == "failover" and out["failover"] == FAILOVER and out["distribute"] == []
    assert result["diff"]["before"]["mode"] == "disabled" and result["diff"]["after"]["mode"] == "failover"
    # every check before the write: the mesh, its clusters' regions
    actions = log.actions()
    assert actions.index("DescribeClustersInServiceMesh") < actions.index("UpdateMeshFeature")
    log.clear()
    again = run(asm_locality_lb, world.args(mode="failover", failover=list(reversed(FAILOVER))))
    assert again["changed"] is False and again["updates"] == [] and log.writes() == []


def test_changing_failover_rules_is_one_call(run, emu, log, world):
    run(asm_locality_lb, world.args(mode="failover", failover=FAILOVER[:1]))
    log.clear()
    result = run(asm_locality_lb, world.args(mode="failover", failover=FAILOVER))
    assert result["changed"] is True and result["updates"] == ["enable failover"]
    assert log.writes() == ["UpdateMeshFeature"] and world.lb()["Failover"] == {"failover": FAILOVER}


def test_switching_modes_disables_first(run, log, world):
    run(asm_locality_lb, world.args(mode="failover", failover=FAILOVER))
    log.clear()
    result = run(asm_locality_lb, world.args(mode="distribute", distribute=DISTRIBUTE))
    assert result["changed"] is True and result["updates"] == ["disable", "enable distribute"]
    first, second = log.calls("UpdateMeshFeature")
    assert first["LocalityLoadBalancing"] in ("false", "False") and "LocalityLBConf" not in first
    assert second["LocalityLoadBalancing"] in ("true", "True") and conf_of(second) == {"distribute": DISTRIBUTE}
    # the mesh was running again before the second call
    actions = log.actions()
    between = actions[actions.index("UpdateMeshFeature") + 1 : len(actions) - actions[::-1].index("UpdateMeshFeature")]
    assert "DescribeServiceMeshDetail" in between
    lb = world.lb()
    assert lb["Enabled"] is True and lb["Distribute"] == DISTRIBUTE
    assert result["locality_lb"]["mode"] == "distribute" and result["locality_lb"]["distribute"] == DISTRIBUTE
    log.clear()
    # the same shares written as region/* keys (the form DescribeServiceMeshDetail's example shows)
    same = [{"from": HZ + "/*", "to": {HZ + "/*": "90", SH: 10}}]
    assert run(asm_locality_lb, world.args(mode="distribute", distribute=same))["changed"] is False
    assert log.writes() == []


def test_interrupted_switch_resumes(run, emu, log, world):
    """A run killed after its disable call: the next run enables the new mode in one call."""
    run(asm_locality_lb, world.args(mode="failover", failover=FAILOVER))
    run(asm_locality_lb, world.args(mode="disabled"))
    log.clear()
    result = run(asm_locality_lb, world.args(mode="distribute", distribute=DISTRIBUTE))
    assert result["updates"] == ["enable distribute"] and log.writes() == ["UpdateMeshFeature"]


def test_disable_and_idempotent(run, log, world):
    assert run(asm_locality_lb, world.args(mode="disabled"))["changed"] is False
    assert log.writes() == []
    run(asm_locality_lb, world.args(mode="failover", failover=FAILOVER))
    log.clear()
    result = run(asm_locality_lb, world.args(mode="disabled"))
    assert result["changed"] is True and result["updates"] == ["disable"]
    (call,) = log.calls("UpdateMeshFeature")
    assert call["LocalityLoadBalancing"] in ("false", "False")
    assert world.lb()["Enabled"] is False and result["locality_lb"]["mode"] == "disabled"
    log.clear()
    assert run(asm_locality_lb, world.args(mode="disabled"))["changed"] is False and log.writes() == []


def test_check_mode_predicts_without_writing(run, log, world):
    run(asm_locality_lb, world.args(mode="failover", failover=FAILOVER))
    log.clear()
    result = run(asm_locality_lb, world.args(mode="distribute", distribute=DISTRIBUTE), check_mode=True)
    assert result["changed"] is True and result["updates"] == ["disable", "enable distribute"]
    assert result["locality_lb"]["mode"] == "distribute"
    assert result["diff"]["before"]["failover"] == FAILOVER and result["diff"]["after"]["distribute"] == DISTRIBUTE
    assert log.writes() == [] and world.lb()["Failover"] == {"failover": FAILOVER}


def test_waits_for_a_busy_mesh_before_and_after(run, emu, log, world):
    emu.clock.delay_scale = 0.3  # the mesh stays updating for a moment after each call
    asm_support.api(emu, "servicemesh").call("UpdateMeshFeature", ServiceMeshId=world.mesh_id, Tracing=True)
    assert world.state() == "updating"
    log.clear()
    result = run(asm_locality_lb, world.args(mode="failover", failover=FAILOVER))
    assert result["changed"] is True and world.lb()["Enabled"] is True and world.state() == "running"
    assert log.codes("UpdateMeshFeature") == [None]  # never sent to a busy mesh
    actions = log.actions()
    assert actions.index("UpdateMeshFeature") > 2 and actions[-1] == "DescribeServiceMeshDetail"


@pytest.mark.parametrize(
    "args, field, needle",
    [
        ({"mode": "failover"}, "failover", "at least one"),
        ({"mode": "failover", "failover": [{"from": HZ, "to": HZ}]}, "failover[0].to", "itself"),
        ({"mode": "failover", "failover": [FAILOVER[0], {"from": HZ, "to": "cn-beijing"}]}, "failover[1].from", "already"),
        ({"mode": "failover", "failover": [{"from": HZ + "/cn-hangzhou-h", "to": SH}]}, "failover[0].from", "region"),
        ({"mode": "distribute", "distribute": [{"from": HZ, "to": {HZ: 90, SH: 20}}]}, "distribute[0].to", "110"),
        ({"mode": "distribute", "distribute": [{"from": HZ, "to": {HZ: 100, SH: 0}}]}, "distribute[0].to[cn-shanghai]", "zero"),
        ({"mode": "distribute", "distribute": [{"from": HZ, "to": {HZ: 89.5, SH: 10.5}}]}, "distribute[0].to[cn-hangzhou]", "integer"),
        ({"mode": "distribute", "distribute": [{"from": HZ, "to": {}}]}, "distribute[0].to", "at least one"),
        ({"mode": "disabled", "failover": FAILOVER}, "failover", "one mode at a time"),
        ({"mode": "distribute", "distribute": DISTRIBUTE, "failover": FAILOVER}, "failover", "one mode at a time"),
    ],
)  # fmt: skip
def test_bad_input_fails_before_any_call(run, log, world, args, field, needle):
    result = run(asm_locality_lb, world.args(**args))
    assert result["failed"] is True and result["field"] == field and needle in result["msg"]
    assert log.actions() == []


def test_unknown_region_fails_before_any_write(run, log, world):
    result = run(asm_locality_lb, world.args(mode="failover", failover=[{"from": HZ, "to": "cn-beijing"}]))
    assert result["failed"] is True and result["field"] == "failover[0].to"
    assert "cn-beijing" in result["msg"] and "cn-hangzhou, cn-shanghai" in result["msg"]
    assert log.writes() == [] and "DescribeClustersInServiceMesh" in log.actions()


def test_distribute_refused_on_old_versions_before_any_write(run, emu, seed, topo, log):
    old = asm_support.api(emu, "servicemesh").call("DescribeVersions")["VersionInfo"][0]["Versions"][-1]
    world = World(emu, seed, topo, version=old)
    log.clear()
    result = run(asm_locality_lb, world.args(mode="distribute", distribute=DISTRIBUTE))
    assert result["failed"] is True and result["field"] == "mode" and "1.22.6.66" in result["msg"]
    assert old in result["msg"] and log.writes() == []
    assert run(asm_locality_lb, world.args(mode="failover", failover=FAILOVER))["changed"] is True


def test_unknown_mesh(run, log, world):
    result = run(asm_locality_lb, {"mesh_id": "c0123456789abcdef0123456789abcdef", "mode": "disabled"})
    assert result["failed"] is True and result["field"] == "mesh_id" and log.writes() == []


def test_reads_every_documented_shape():
    from ansible_collections.geomesh.alicloud.plugins.module_utils import locality

    wrapped = locality.read_api({"Enabled": True, "Failover": {"failover": FAILOVER}})
    bare = locality.read_api({"Enabled": True, "Failover": json.dumps(FAILOVER)})
    assert (
        locality.comparable(wrapped)
        == locality.comparable(bare)
        == locality.comparable(locality.check_setting("failover", FAILOVER, None))
    )
    documented = locality.read_api(
        {"Enabled": True, "Distribute": [{"from": "cn-shanghai", "to": {"cn-hangzhou/*": 50, "cn-shanghai/*": 50}}]}
    )
    mine = locality.check_setting("distribute", None, [{"from": SH, "to": {HZ: 50, SH: 50}}])
    assert locality.comparable(documented) == locality.comparable(mine)
    assert locality.read_api({"Enabled": False, "Failover": {"failover": FAILOVER}})["mode"] == "disabled"
    assert locality.read_api({"Enabled": True})["mode"] == "other"
    assert locality.read_api(None)["mode"] == "disabled"
