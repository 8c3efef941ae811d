#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: asm_mesh_cluster
short_description: Add an ACK cluster to a service mesh (ASM), or remove it
version_added: 0.2.0
description:
  - Joins a cluster to an ASM instance (C(AddClusterIntoServiceMesh)) or removes it
    (C(RemoveClusterFromServiceMesh)), one cluster per call.
  - Before a join, the module reads the mesh's candidate clusters (C(DescribeServiceMeshClusters)); when ASM says the
    cluster cannot join (its C(ForbiddenFlag)), the module fails before any write call, naming the reason and what to
    do. The reasons are no administrator permission on the cluster (1), the cluster's VPC not privately connected
    to the mesh's VPC (2; attach both VPCs to transit routers of one CEN instance, connect the routers with a peer
    attachment and let every attachment associate with and propagate to its route table), a CIDR conflict (3,
    naming the CIDR blocks), or an existing C(istio-system) namespace (4; remove it, or set
    O(ignore_namespace_check=true)).
  - Membership changes take time. With O(wait=true) the module waits until the mesh is V(running) again and the
    cluster is listed in C(DescribeClustersInServiceMesh) (or no longer listed, for O(state=absent)). A join that
    leaves the cluster V(failed) or with an error message fails with that message.
  - The mesh must be in O(region).
options:
  state:
    description: Whether the cluster should be in the mesh.
    type: str
    choices: [present, absent]
    default: present
  mesh_id:
    description: The mesh (C(ServiceMeshId)).
    type: str
    required: true
    aliases: [service_mesh_id]
  cluster_id:
    description: The ACK cluster.
    type: str
    required: true
  ignore_namespace_check:
    description:
      - Join even when the cluster already has an C(istio-system) namespace (C(IgnoreNamespaceCheck)).
    type: bool
    default: false
  reserve_namespace:
    description: When the cluster leaves, keep its C(istio-system) namespace (C(ReserveNamespace)).
    type: bool
    default: false
  wait_timeout:
    description: How many seconds to wait for the mesh to be V(running) with the cluster listed (or gone).
    type: int
    default: 900
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: Join both clusters to the mesh
  geomesh.alicloud.asm_mesh_cluster:
    region: cn-hangzhou
    mesh_id: "{{ mesh.mesh.mesh_id }}"
    cluster_id: "{{ item }}"
  loop: "{{ cluster_ids }}"

- name: The Shanghai cluster leaves the mesh
  geomesh.alicloud.asm_mesh_cluster:
    region: cn-hangzhou
    mesh_id: "{{ mesh.mesh.mesh_id }}"
    cluster_id: "{{ shanghai_cluster_id }}"
    state: absent
"""

RETURN = r"""
membership:
  description: The cluster's membership as read back after the change.
  returned: always
  type: dict
  contains:
    mesh_id:
      description: The mesh.
      type: str
    cluster_id:
      description: The cluster.
      type: str
    joined:
      description: Whether C(DescribeClustersInServiceMesh) lists the cluster.
      type: bool
    state:
      description: The cluster's state in the mesh (for example V(running)); null when not joined.
      type: str
    region_id:
      description: The cluster's region (the mesh's region when not joined).
      type: str
    vpc_id:
      description: The cluster's VPC; null when not joined.
      type: str
    name:
      description: The cluster's name; null when not joined.
      type: str
    error_message:
      description: The cluster's error message in the mesh; empty when there is none.
      type: str
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, WaiterError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, wait_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import servicemesh

# Cluster states in DescribeClustersInServiceMesh that end a join badly (SDK: running | starting |
# stopping | stopped | failed).
FAILED = ("failed",)


class MembershipManager:
    def __init__(self, module: AlicloudModule):
        self.module = module
        self.params = module.params
        self.region = module.region
        self.client = module.client("servicemesh", self.region)
        self.mesh_id = self.params["mesh_id"]
        self.cluster_id = self.params["cluster_id"]

    # -- reading -------------------------------------------------------------------------------
    def mesh(self):
        return servicemesh.get_mesh(self.client, self.region, self.mesh_id, tags=False)

    def member(self):
        return next(
            (r for r in servicemesh.members(self.client, self.mesh_id) if r.get("ClusterId") == self.cluster_id), None
        )

    def view(self, row):
        return servicemesh.normalize_membership(self.mesh_id, self.cluster_id, row, self.region)

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, membership=self.view(None), **kwargs)

    # -- waiting -------------------------------------------------------------------------------
    def settled(self, want_member: bool):
        """``{"Status": done | pending | error, ...}``: the mesh running and the cluster listed (or not)."""
        mesh = self.mesh()
        if mesh is None:
            return {"Status": "error", "Message": "service mesh %s disappeared" % self.mesh_id}
        if mesh.get("State") != "running":
            return {"Status": "pending", "Mesh": mesh.get("State")}
        row = self.member()
        if want_member:
            if row is None:
                return {"Status": "pending", "Mesh": "running"}
            message = row.get("ErrorMessage") or ""
            if row.get("State") in FAILED or message:
                return {"Status": "error", "Row": row, "Message": message or "cluster state %s" % row.get("State")}
            return {"Status": "done", "Row": row}
        return {"Status": "pending" if row is not None else "done", "Row": row}

    def wait(self, want_member: bool, what: str):
        waiter = self.module.waiter(
            "%s %s %s service mesh %s" % (what, self.cluster_id, "into" if want_member else "from", self.mesh_id),
            lambda: self.settled(want_member),
            "Status",
            ["done"],
            failure=["error"],
        )
        try:
            return waiter.wait().get("Row")
        except WaiterError as err:
            last = err.last if isinstance(err.last, dict) else {}
            if last.get("Status") == "error":
                self.module.fail_json(
                    msg="cluster %s in service mesh %s: %s" % (self.cluster_id, self.mesh_id, last.get("Message")),
                    membership=self.view(last.get("Row")),
                    error={"code": "JoinFailed", "message": last.get("Message")},
                )
            raise

    def wait_mesh_running(self):
        """A busy mesh refuses membership changes: wait until it is running first."""
        self.module.waiter(
            "service mesh %s running" % self.mesh_id,
            self.mesh,
            servicemesh.WAITERS["mesh"].status,
            ["running"],
            failure=servicemesh.WAITERS["mesh"].failure,
        ).wait()

    # -- joining and leaving -----------------------------------------------------------------------
    def precheck(self):
        """Read-only: fail, before any write call, when ASM says the cluster cannot join; return whether
        the cluster is already joining this mesh (a join in progress, not listed as a member yet)."""
        rows = servicemesh.candidates(self.client, self.mesh_id)
        row = next((r for r in rows if r.get("ClusterId") == self.cluster_id), None)
        if row is None:
            self.fail(
                "cluster %s is not among the clusters service mesh %s can add (DescribeServiceMeshClusters): check the "
                "cluster ID, that the cluster exists and that the caller can see it" % (self.cluster_id, self.mesh_id),
                field="cluster_id",
            )
        other = row.get("ServiceMeshId")
        if other and other != self.mesh_id:
            self.fail(
                "cluster %s already belongs to service mesh %s; remove it there first (state: absent)"
                % (self.cluster_id, other),
                field="cluster_id",
            )
        if other == self.mesh_id:
            return True
        flag = int(row.get("ForbiddenFlag") or 0)
        if flag == 4 and self.params["ignore_namespace_check"]:
            return False
        if flag:
            self.fail(
                servicemesh.forbidden_message(self.mesh_id, row),
                field="cluster_id",
                forbidden_flag=flag,
                forbidden_info=servicemesh.forbidden_info(row),
            )
        return False

    def join(self):
        self.wait_mesh_running()
        try:
            self.client.call(
                "AddClusterIntoServiceMesh",
                ServiceMeshId=self.mesh_id,
                ClusterId=self.cluster_id,
                IgnoreNamespaceCheck=True if self.params["ignore_namespace_check"] else None,
            )
        except AlicloudError:
            # a resent request whose first copy went through is refused (code UNCONFIRMED): fine if
            # the cluster is in the mesh now
            if self.member() is None:
                raise

    def leave(self):
        self.wait_mesh_running()
        try:
            self.client.call(
                "RemoveClusterFromServiceMesh",
                ServiceMeshId=self.mesh_id,
                ClusterId=self.cluster_id,
                ReserveNamespace=True if self.params["reserve_namespace"] else None,
            )
        except AlicloudError:
            if self.member() is not None:
                raise

    def run(self):
        present = self.params["state"] == "present"
        mesh = self.mesh()
        if mesh is None:
            if not present:
                return False, self.view(None), {"before": {"joined": False}, "after": {"joined": False}}
            self.fail("service mesh %s was not found in %s" % (self.mesh_id, self.region), field="mesh_id")
        row = self.member()
        # A join or leave in progress is not listed yet (or still listed) while the mesh is busy: wait for
        # it first - with wait=false too when a change looks needed, since a busy mesh refuses changes.
        busy = mesh.get("State") != "running"
        if busy and not self.module.check_mode and (self.params["wait"] or present != (row is not None)):
            self.wait_mesh_running()
            row = self.member()
        before = {"joined": row is not None}
        after = {"joined": present}
        if present and row is not None:
            message = row.get("ErrorMessage") or ""
            if row.get("State") in FAILED or message:
                self.module.fail_json(
                    msg="cluster %s in service mesh %s: %s"
                    % (self.cluster_id, self.mesh_id, message or "cluster state %s" % row.get("State")),
                    membership=self.view(row),
                    error={"code": "JoinFailed", "message": message},
                )
            return False, self.view(row), {"before": before, "after": after}
        if not present and row is None:
            return False, self.view(None), {"before": before, "after": after}
        if present and self.precheck():
            # joining already (an earlier run that did not wait): nothing to send
            if self.params["wait"] and not self.module.check_mode:
                row = self.wait(True, "joining")
            return False, self.view(row), {"before": before, "after": after}
        if self.module.check_mode:
            return True, self.view(row if present else None), {"before": before, "after": after}
        if present:
            self.join()
        else:
            self.leave()
        if self.params["wait"]:
            row = self.wait(present, "joining" if present else "removing")
        else:
            row = self.member()
        return True, self.view(row), {"before": before, "after": after}


def main():
    argument_spec = {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "mesh_id": {"type": "str", "required": True, "aliases": ["service_mesh_id"]},
        "cluster_id": {"type": "str", "required": True},
        "ignore_namespace_check": {"type": "bool", "default": False},
        "reserve_namespace": {"type": "bool", "default": False},
    }
    argument_spec.update(wait_argument_spec(900))
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    for option in ("mesh_id", "cluster_id"):
        if not module.params[option].strip():
            module.fail_json(msg="%s must not be empty" % option, field=option)
    manager = MembershipManager(module)
    try:
        changed, membership, diff = manager.run()
    except AlicloudError as err:
        module.fail_json_alicloud(err, "cluster %s in service mesh %s" % (manager.cluster_id, manager.mesh_id))
    module.exit_json(changed=changed, membership=membership, diff=diff)


if __name__ == "__main__":
    main()
