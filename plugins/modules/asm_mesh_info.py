#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: asm_mesh_info
short_description: List Alibaba Cloud Service Mesh (ASM) instances
version_added: 0.2.0
description:
  - Lists the service meshes of a region (C(DescribeServiceMeshes), filtered by region), optionally only the one with
    O(mesh_id), or those with exactly O(name) or in O(vpc_id); each is then read in detail
    (C(DescribeServiceMeshDetail)) with its tags (C(ListTagResources)).
  - Read-only; never changes anything.
options:
  mesh_id:
    description: Only this mesh. A mesh that does not exist (in this region) gives an empty list, not an error.
    type: str
    aliases: [id, service_mesh_id]
  name:
    description: Only meshes with exactly this name.
    type: str
  vpc_id:
    description: Only meshes whose control plane is in this VPC.
    type: str
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The meshes of the project's VPC
  geomesh.alicloud.asm_mesh_info:
    region: cn-hangzhou
    vpc_id: "{{ vpc.vpc.vpc_id }}"
  register: found

- name: One mesh by ID
  geomesh.alicloud.asm_mesh_info:
    region: cn-hangzhou
    mesh_id: c08ba3fd1e6484b0f8cc1ad8fe10d4ef3
"""

RETURN = r"""
meshes:
  description: The matching meshes, sorted by ID.
  returned: always
  type: list
  elements: dict
  contains:
    mesh_id:
      description: The mesh ID (C(ServiceMeshId)).
      type: str
      sample: c08ba3fd1e6484b0f8cc1ad8fe10d4ef3
    name:
      description: The mesh name.
      type: str
    state:
      description: C(ServiceMeshInfo.State), V(running) once ready.
      type: str
    region_id:
      description: The region.
      type: str
    vpc_id:
      description: The control plane's VPC.
      type: str
    vswitch_ids:
      description: The control plane's vSwitches.
      type: list
      elements: str
    edition:
      description: V(Default) or V(Pro) (C(ServiceMeshInfo.Profile)).
      type: str
    cluster_spec:
      description: V(standard), V(enterprise) or V(ultimate).
      type: str
    istio_version:
      description: The ASM version (C(ServiceMeshInfo.Version)).
      type: str
    api_server_public_eip:
      description: Whether the API server has a public EIP.
      type: bool
    intranet_api_server_endpoint:
      description: The API server's endpoint in the VPC.
      type: str
    public_api_server_endpoint:
      description: The API server's public endpoint; empty without a public EIP.
      type: str
    clusters:
      description: IDs of the clusters in the mesh.
      type: list
      elements: str
    locality_lb:
      description: The geolocation load-balancing setting as read (C(Spec.MeshConfig.LocalityLB)).
      type: dict
    error_message:
      description: C(ServiceMeshInfo.ErrorMessage); empty when there is none.
      type: str
    tags:
      description: The tags as a dictionary.
      type: dict
    created:
      description: When the mesh was created.
      type: str
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import servicemesh


def main():
    argument_spec = {
        "mesh_id": {"type": "str", "aliases": ["id", "service_mesh_id"]},
        "name": {"type": "str"},
        "vpc_id": {"type": "str"},
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    region = module.region
    client = module.client("servicemesh", region)
    try:
        listed = servicemesh.list_meshes(client, region)
        ids = sorted(
            m["ServiceMeshId"]
            for m in listed
            if (not p["mesh_id"] or m.get("ServiceMeshId") == p["mesh_id"])
            and (p["name"] is None or m.get("Name") == p["name"])
            and (not p["vpc_id"] or m.get("VpcId") == p["vpc_id"])
        )
        meshes = [servicemesh.get_mesh(client, region, mesh_id) for mesh_id in ids]
    except AlicloudError as err:
        module.fail_json_alicloud(err, "listing service meshes")
    module.exit_json(changed=False, meshes=[servicemesh.normalize_mesh(m) for m in meshes if m])


if __name__ == "__main__":
    main()
