# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builders for the ASM module tests: VPCs, ACK clusters and meshes made in the emulator through the
collection's own ApiClient (raw API calls over loopback, so the emulator validates them), and a way
to serve one emulator action differently."""

from __future__ import annotations

import json

from ansible_collections.geomesh.alicloud.plugins.module_utils.clients import create_client
from ansible_collections.geomesh.alicloud.plugins.module_utils.retries import Backoff
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.conftest import REGION, connection_args


def api(emu, product, region=REGION):
    """An ApiClient of the collection against the emulator (no retries)."""
    return create_client(product, connection_args(emu), region, backoff=Backoff(max_attempts=1))


def network(seed, cidr="20.0.0.0/8", region=REGION, zone="cn-hangzhou-h"):
    """A VPC with one vSwitch -> (vpc_id, vswitch_id)."""
    vpc_id = seed("CreateVpc", region=region, CidrBlock=cidr)["VpcId"]
    first = cidr.split(".")[0]
    vsw_id = seed("CreateVSwitch", region=region, VpcId=vpc_id, ZoneId=zone, CidrBlock="%s.1.0.0/16" % first)
    return vpc_id, vsw_id["VSwitchId"]


def cluster(emu, vpc_id, vswitch_id, pod_cidr, service_cidr, region=REGION, name="ack"):
    """A running ACK managed cluster (Flannel) with one node -> its id."""
    cs = api(emu, "cs", region)
    metadata = cs.call("DescribeKubernetesVersionMetadata", Region=region, ClusterType="ManagedKubernetes")
    newest = metadata[0]
    runtime = next(r for r in newest.get("runtimes") or [] if r.get("name") == "containerd")
    body = cs.call(
        "CreateCluster",
        name=name,
        region_id=region,
        cluster_type="ManagedKubernetes",
        kubernetes_version=newest["version"],
        vpcid=vpc_id,
        vswitch_ids=[vswitch_id],
        container_cidr=pod_cidr,
        service_cidr=service_cidr,
        addons=[{"name": "flannel"}],
        nodepools=[
            {
                "nodepool_info": {"name": "default-nodepool"},
                "scaling_group": {
                    "vswitch_ids": [vswitch_id],
                    "instance_types": ["ecs.g7.xlarge"],
                    "desired_size": 1,
                    "key_pair": "geomesh",
                },
                "kubernetes_config": {"runtime": "containerd", "runtime_version": runtime["version"]},
            }
        ],
    )
    return body["cluster_id"]


def mesh(emu, vpc_id, vswitch_id, name="mesh-a", region=REGION):
    """A mesh made with a raw CreateServiceMesh -> its id."""
    body = api(emu, "servicemesh", region).call(
        "CreateServiceMesh", RegionId=region, Name=name, VpcId=vpc_id, VSwitches=json.dumps([vswitch_id])
    )
    return body["ServiceMeshId"]


def join(emu, mesh_id, cluster_id, region=REGION):
    api(emu, "servicemesh", region).call("AddClusterIntoServiceMesh", ServiceMeshId=mesh_id, ClusterId=cluster_id)


def serve(monkeypatch, action, fn, product="servicemesh"):
    """The emulator serves ``action`` with ``fn(original, ctx, params)``."""
    from geomesh_emulator import registry  # pylint: disable=import-outside-toplevel

    (spec,) = [s for s in registry.ACTIONS.values() if s.name == action and s.product == product]
    original = spec.handler
    monkeypatch.setattr(spec, "handler", lambda ctx, params: fn(original, ctx, params))
