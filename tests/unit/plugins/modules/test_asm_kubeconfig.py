# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os
import stat

import pytest
import yaml

from ansible_collections.geomesh.alicloud.plugins.module_utils import kubeconfig
from ansible_collections.geomesh.alicloud.plugins.modules import asm_kubeconfig
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.conftest import REGION, _emulator_classes


@pytest.fixture
def mesh(emu, topo, log):
    """A running mesh made by the emulator's CreateServiceMesh handler (no asm_mesh module on this branch)."""
    registry = _emulator_classes()[2]
    vpc_id, mappings = topo.vpc()
    (spec,) = [s for s in registry.ACTIONS.values() if s.name == "CreateServiceMesh" and s.product == "servicemesh"]
    with emu.transaction(region=REGION, product="servicemesh") as ctx:
        ctx.action, ctx.version = "CreateServiceMesh", spec.version
        params = {"RegionId": REGION, "VpcId": vpc_id, "VSwitches": json.dumps([mappings[0]["vswitch_id"]])}
        mesh_id = spec.handler(ctx, dict(params, Name="mesh-a"))["ServiceMeshId"]
    log.clear()
    return mesh_id


def server_of(text):
    (entry,) = yaml.safe_load(text)["clusters"]
    return entry["cluster"]["server"]


def test_writes_then_keeps_the_file(run, emu, mesh, tmp_path, log):
    dest = tmp_path / "asm" / "mesh.yaml"
    args = {"mesh_id": mesh, "private": True, "dest": str(dest)}
    result = run(asm_kubeconfig, dict(args, return_content=True))
    assert result["changed"] is True and stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert server_of(result["kubeconfig"]) == emu.kube.info(mesh)["url"]  # the mesh's own API server
    assert dest.read_text().endswith(result["kubeconfig"])
    creds = yaml.safe_load(result["kubeconfig"])["users"][0]["user"]
    assert set(creds) == {"client-certificate-data", "client-key-data"}
    assert kubeconfig.parse_time(result["expiration"]).year >= 2026
    (call,) = log.calls("DescribeServiceMeshKubeconfig")
    assert call["ServiceMeshId"] == mesh and call["PrivateIpAddress"] in (True, "true", "True")
    assert log.writes() == []
    text = dest.read_text()
    again = run(asm_kubeconfig, args)
    assert again["changed"] is False and dest.read_text() == text
    assert again["kubeconfig"] is None  # credentials only with return_content
    assert creds["client-key-data"] not in repr(again)


def test_check_mode_and_no_dest(run, emu, mesh, tmp_path):
    dest = tmp_path / "mesh.yaml"
    check = run(asm_kubeconfig, {"mesh_id": mesh, "private": True, "dest": str(dest)}, check_mode=True)
    assert check["changed"] is True and not dest.exists()
    plain = run(asm_kubeconfig, {"mesh_id": mesh, "private": True, "return_content": True})
    assert plain["changed"] is False and plain["dest"] is None
    assert server_of(plain["kubeconfig"]) == emu.kube.info(mesh)["url"]


def test_public_kubeconfig_without_eip_fails_and_writes_nothing(run, mesh, tmp_path):
    dest = tmp_path / "mesh.yaml"
    result = run(asm_kubeconfig, {"mesh_id": mesh, "dest": str(dest)})
    assert result["failed"] is True and "ApiServerPublicEip" in result["msg"] and not dest.exists()


def test_unknown_mesh_fails(run, emu):
    result = run(
        asm_kubeconfig, {"mesh_id": "c0000000000000000000000000000000", "private": True, "return_content": True}
    )
    assert result["failed"] is True and "c0000000000000000000000000000000" in result["msg"]
