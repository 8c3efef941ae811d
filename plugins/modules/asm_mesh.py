#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: asm_mesh
short_description: Create or delete an Alibaba Cloud Service Mesh (ASM) instance
version_added: 0.2.0
description:
  - Manages an ASM instance (service mesh), identified by O(mesh_id) or by O(name) and O(vpc_id) in O(region).
  - C(CreateServiceMesh) takes no C(ClientToken) and mesh names are not unique, so the module looks the mesh up by
    name, VPC and region before it creates one, and again before it sends the create call another time after an
    answer that was lost (a server error or a broken connection), so a retried or interrupted run never makes a second
    mesh. A lookup that finds nothing right after such an answer is repeated for 30 s (a new mesh can be missing
    from the list for a while) before the create is sent again. More than one mesh with the same name in the same VPC
    is an error that lists them.
  - The Istio version defaults to the newest one C(DescribeVersions) offers for the O(edition); it is resolved before
    the create call and reported in the diff and the result.
  - Only the tags change in place. A different O(vpc_id), O(vswitch_ids), O(edition), O(cluster_spec),
    O(istio_version) or O(api_server_public_eip) is refused before any write call, naming the option (upgrades are
    out of scope of this module).
  - Deletion removes the mesh and nothing else. While clusters are in the mesh it is refused before the delete call,
    listing them, unless O(force=true) (C(DeleteServiceMesh) with C(Force)); the module then waits until the mesh is
    gone.
options:
  state:
    description: Whether the mesh should exist.
    type: str
    choices: [present, absent]
    default: present
  mesh_id:
    description: The ID of an existing mesh (C(ServiceMeshId)).
    type: str
    aliases: [id, service_mesh_id]
  name:
    description:
      - The mesh name. Identifies the mesh, with O(vpc_id) and O(region), when O(mesh_id) is not given.
      - Required unless O(mesh_id) is given; cannot be changed.
    type: str
  vpc_id:
    description: The VPC of the mesh's control plane. Required to create a mesh; cannot be changed.
    type: str
  vswitch_ids:
    description:
      - The vSwitches of the control plane, in O(vpc_id) (sent as the JSON array string C(VSwitches)).
      - Required to create a mesh; cannot be changed.
    type: list
    elements: str
  edition:
    description:
      - V(Default) (Standard Edition) or V(Pro) (Enterprise and Ultimate Editions). New meshes get V(Default).
      - Cannot be changed.
    type: str
    choices: [Default, Pro]
  cluster_spec:
    description:
      - The instance specification, V(standard) for the V(Default) edition, V(enterprise) or V(ultimate) for V(Pro).
        New meshes get V(standard) (V(Default)) or V(enterprise) (V(Pro)).
      - Cannot be changed.
    type: str
    choices: [standard, enterprise, ultimate]
  istio_version:
    description:
      - The ASM version, for example V(v1.22.6.66-g1e5b0e4d-aliyun); it must be one C(DescribeVersions) offers for
        the O(edition). New meshes get the newest one offered.
      - Cannot be changed (upgrades are out of scope).
    type: str
  api_server_public_eip:
    description:
      - Whether the mesh's API server gets a public EIP (needed for a kubeconfig with the public endpoint). New meshes
        get V(false).
      - Cannot be changed.
    type: bool
  force:
    description:
      - With O(state=absent), delete the mesh even while clusters are in it (C(DeleteServiceMesh) C(Force=true)).
      - Without it, a mesh with clusters is refused before the delete call, listing the clusters.
    type: bool
    default: false
  wait_timeout:
    description: How many seconds to wait for V(running) or for the deletion to finish.
    type: int
    default: 1200
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.tags
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The mesh of the DR scenario, in the Hangzhou cluster VPC
  geomesh.alicloud.asm_mesh:
    region: cn-hangzhou
    name: mesh-geomesh
    vpc_id: "{{ vpc.vpc.vpc_id }}"
    vswitch_ids:
      - "{{ vswitch.vswitch.vswitch_id }}"
    api_server_public_eip: true
    tags:
      project: geomesh
  register: mesh

- name: Delete it, clusters and all
  geomesh.alicloud.asm_mesh:
    region: cn-hangzhou
    mesh_id: "{{ mesh.mesh.mesh_id }}"
    force: true
    state: absent
"""

RETURN = r"""
mesh:
  description: The mesh as read back after the change; empty when O(state=absent) or in check mode before a create.
  returned: always
  type: dict
  contains:
    mesh_id:
      description: The mesh ID (C(ServiceMeshId)).
      type: str
      sample: c08ba3fd1e6484b0f8cc1ad8fe10d4ef3
    name:
      description: The mesh name.
      type: str
    state:
      description: C(ServiceMeshInfo.State), V(running) once ready (V(initial) while it is created).
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

import json
import time

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import (
    ValidationError,
    WaiterError,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import (
    FIXED,
    Attr,
    ResourceManager,
    create_without_token,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, resource_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import servicemesh
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import dict_to_tag_list
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_resource_id

# How often a create whose answer was lost is looked up and, when still not found, sent again.


class MeshManager(ResourceManager):
    product = "servicemesh"
    resource = "service mesh"
    result_key = "mesh"
    id_option = "mesh_id"
    id_key = "ServiceMeshId"
    create_action = "CreateServiceMesh"
    create_id_path = "ServiceMeshId"
    identity_options = ("name", "vpc_id")
    attributes = (
        Attr("name", "Name", FIXED),
        Attr("vpc_id", "VpcId", FIXED),
        Attr("vswitch_ids", "VSwitches", FIXED),
        Attr("edition", "Profile", FIXED, default="Default"),
        Attr("cluster_spec", "ClusterSpec", FIXED),
        Attr("istio_version", "Version", FIXED),
        Attr("api_server_public_eip", "ApiServerPublicEip", FIXED, kind="bool", default=False),
    )
    required_to_create = ("name", "vpc_id", "vswitch_ids")
    required_without_id = ("name",)
    # Renaming is not offered (the name identifies the mesh): no UPDATE row sends this action.
    update_action = "ModifyServiceMeshName"
    delete_action = "DeleteServiceMesh"
    delete_not_found = servicemesh.MESH_NOT_FOUND
    deleting_states = servicemesh.DELETING_STATES
    waiter = servicemesh.WAITERS["mesh"]
    tag_resource_type = servicemesh.TAG_TYPES["mesh"]

    def __init__(self, module):
        super().__init__(module)
        self.version = None

    # -- reading -----------------------------------------------------------------------------
    def get(self, resource_id):
        return servicemesh.get_mesh(self.client, self.region, resource_id)

    def lookup(self):
        found = servicemesh.find_meshes(self.client, self.region, self.params["name"], self.params["vpc_id"])
        if self.params["state"] == "present":
            # a mesh being deleted is not the one to keep
            found = [m for m in found if m.get("State") not in self.deleting_states]
        mesh = servicemesh.only_mesh(found, self.params["name"], self.params["vpc_id"])
        return self.get(mesh["ServiceMeshId"]) if mesh else None

    def normalize(self, resource):
        return servicemesh.normalize_mesh(resource)

    def describe(self):
        return "%s (VPC %s)" % (self.params["name"], self.params["vpc_id"] or "any")

    def id_params(self, resource_id):
        # ASM's mesh calls take the mesh id only (no RegionId).
        return {"ServiceMeshId": resource_id}

    # -- checks --------------------------------------------------------------------------------
    def edition(self, resource=None):
        return self.params["edition"] or (resource or {}).get("Profile") or "Default"

    def check_options(self):
        p = self.params
        if p["vpc_id"]:
            self.module.validate(validate_resource_id, "vpc_id", p["vpc_id"], "vpc")
        if p["vswitch_ids"] is not None:
            if not p["vswitch_ids"]:
                self.module.fail_json(msg="vswitch_ids must name at least one vSwitch", field="vswitch_ids")
            for vsw in p["vswitch_ids"]:
                self.module.validate(validate_resource_id, "vswitch_ids", vsw, "vsw")
        if p["name"] is not None and not p["name"].strip():
            self.module.fail_json(msg="name must not be empty", field="name")
        if p["cluster_spec"] and p["edition"] and p["cluster_spec"] not in servicemesh.CLUSTER_SPECS[p["edition"]]:
            self.module.fail_json(
                msg="cluster_spec %s does not belong to edition %s (%s: %s)"
                % (
                    p["cluster_spec"],
                    p["edition"],
                    p["edition"],
                    " or ".join(servicemesh.CLUSTER_SPECS[p["edition"]]),
                ),
                field="cluster_spec",
            )
        if p["force"] and p["state"] == "present":
            self.module.fail_json(msg="force only applies to state=absent", field="force")

    def check_create(self):
        super().check_create()
        edition = self.edition()
        spec = self.params["cluster_spec"]
        if spec and spec not in servicemesh.CLUSTER_SPECS[edition]:
            self.module.fail_json(
                msg="cluster_spec %s does not belong to edition %s" % (spec, edition), field="cluster_spec"
            )
        try:
            self.version = servicemesh.resolve_version(self.client, edition, self.params["istio_version"])
        except ValidationError as err:
            self.module.fail_validation(err)

    def check_existing(self, resource):
        p = self.params
        for attr in self.attributes:
            wanted, current = p[attr.option], resource.get(attr.field)
            if wanted is None:
                continue
            if attr.option == "vswitch_ids":
                differs = sorted(wanted) != sorted(current or [])
            elif attr.kind == "bool":
                differs = bool(wanted) != bool(current)
            else:
                differs = bool(current) and wanted != current
            if differs:
                hint = " (upgrades are out of scope of this module)" if attr.option == "istio_version" else ""
                self.module.fail_json(
                    msg="%s cannot change: service mesh %s has %s, asked for %s%s"
                    % (attr.option, resource["ServiceMeshId"], current, wanted, hint),
                    field=attr.option,
                )

    def check_delete(self, resource):
        clusters = resource.get("Clusters") or []
        if clusters and not self.params["force"]:
            self.module.fail_json(
                msg="cannot delete service mesh %s: clusters %s are still in it; remove them first "
                "(geomesh.alicloud.asm_mesh_cluster state=absent) or set force: true"
                % (resource["ServiceMeshId"], ", ".join(clusters)),
                field="force",
                clusters=clusters,
            )

    # -- predicting and creating ------------------------------------------------------------------
    def predict(self, view, resource):
        if resource is None:
            edition = self.edition()
            view["edition"] = edition
            view["cluster_spec"] = self.params["cluster_spec"] or servicemesh.DEFAULT_CLUSTER_SPEC[edition]
            view["istio_version"] = self.version
        return view

    def create_request(self):
        p = self.params
        edition = self.edition()
        request = {
            "RegionId": self.region,
            "Name": p["name"],
            "VpcId": p["vpc_id"],
            # a JSON array string on the wire (alicloud-api.md section 5)
            "VSwitches": json.dumps(p["vswitch_ids"]),
            "Edition": edition,
            "ClusterSpec": p["cluster_spec"] or servicemesh.DEFAULT_CLUSTER_SPEC[edition],
            "IstioVersion": self.version,
            "ApiServerPublicEip": bool(p["api_server_public_eip"]),
        }
        if p["tags"]:
            request["Tag"] = dict_to_tag_list(p["tags"])
        return request

    def create(self):
        """CreateServiceMesh has no ClientToken: after an answer that may hide a new mesh, look it up
        by name + VPC + region before sending it again (manager.create_without_token)."""
        request = self.create_request()
        deadline = time.monotonic() + self.params["wait_timeout"]
        outcome, answer = create_without_token(
            lambda: self.client.call(self.create_action, **request),
            self.lookup,
            self.client.backoff,
            self.product,
            deadline,
        )
        mesh_id = answer[self.create_id_path] if outcome == "created" else answer["ServiceMeshId"]
        return self.wait_ready(mesh_id, 30)

    def wait_ready(self, resource_id, grace=None):
        spec = self.waiter
        success = spec.success if self.params["wait"] else spec.success + spec.in_progress
        waiter = self.module.waiter(
            "service mesh %s running" % resource_id,
            lambda: servicemesh.get_mesh(self.client, self.region, resource_id, tags=False),
            spec.status,
            success,
            failure=spec.failure,
            not_found_grace=grace,
        )
        try:
            mesh = waiter.wait()
        except WaiterError as err:
            last = err.last if isinstance(err.last, dict) else {}
            if last.get("ErrorMessage"):
                raise WaiterError("%s: %s" % (err.message, last["ErrorMessage"]), last, err.code) from err
            raise
        mesh["Tags"] = servicemesh.mesh_tags(self.client, self.region, resource_id)
        return mesh

    def delete_request(self, resource):
        request = {"ServiceMeshId": resource["ServiceMeshId"]}
        if self.params["force"]:
            request["Force"] = True
        return request


def main():
    argument_spec = resource_argument_spec(
        wait_timeout=1200,
        mesh_id={"type": "str", "aliases": ["id", "service_mesh_id"]},
        name={"type": "str"},
        vpc_id={"type": "str"},
        vswitch_ids={"type": "list", "elements": "str"},
        edition={"type": "str", "choices": ["Default", "Pro"]},
        cluster_spec={"type": "str", "choices": ["standard", "enterprise", "ultimate"]},
        istio_version={"type": "str"},
        api_server_public_eip={"type": "bool"},
        force={"type": "bool", "default": False},
    )
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    MeshManager(module).run()


if __name__ == "__main__":
    main()
