#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: asm_locality_lb
short_description: Set a service mesh's geolocation load balancing (inter-region failover or traffic distribution)
version_added: 0.3.0
description:
  - Sets the mesh-wide geolocation-based load balancing of an ASM instance through C(UpdateMeshFeature), the setting
    the console shows under Base Information, Geolocation-based Load Balancing. It applies to every service of the
    mesh; for one service only, set C(trafficPolicy.loadBalancer.localityLbSetting) on its DestinationRule instead
    (the C(geomesh.alicloud.geo_lb) role does either).
  - V(failover) - when the endpoints of a service in region C(from) fail (outlier detection ejects them), its callers
    in C(from) go to the same service in region C(to). Failover needs a DestinationRule with C(outlierDetection) for
    the service; without it Istio ignores the setting.
  - V(distribute) - callers in locality C(from) send the given shares of their requests to each locality of C(to).
    ASM offers it from version 1.22.6.66.
  - V(disabled) - turns geolocation load balancing off (C(LocalityLoadBalancing=false)).
  - Checks, before any write call - the rules (no region failing over to itself, no C(from) twice, integer weights
    from 1 to 100 summing to 100 per rule, one mode at a time); then, with read calls, that the mesh exists, that
    every region the rules name is a region of one of the mesh's clusters, and that the mesh's version offers
    V(distribute).
  - Idempotent - compares the rules with C(Spec.MeshConfig.LocalityLB) of C(DescribeServiceMeshDetail), whatever
    shape ASM answers in (the rules wrapped in an object under C(failover) or a bare list, as an object or as a
    JSON string; C(region) or C(region/*) keys; rule order aside), and sends nothing when they already match.
  - Failover and distribution are mutually exclusive in ASM (one must be disabled before the other is enabled), so
    a change from one mode to the other is two calls - disable, wait for the mesh, enable. A run interrupted between
    them finds the setting disabled and enables the new mode.
  - Every call sends C(LocalityLoadBalancing) explicitly - an C(UpdateMeshFeature) call without it turns geolocation
    load balancing off.
  - The priority rules per region of ASM 1.22.6.66 and later (the console's "Specify priority rules for regions") have
    no documented API shape and are not offered; V(failover) rules work on every version.
options:
  mesh_id:
    description: The mesh (C(ServiceMeshId)). It must be in O(region).
    type: str
    required: true
    aliases: [service_mesh_id]
  mode:
    description: Which geolocation load balancing the mesh should do.
    type: str
    required: true
    choices: [failover, distribute, disabled]
  failover:
    description:
      - With O(mode=failover), where the traffic of each region goes when the service fails there. One rule per
        source region. For more than two regions, a chain (A to B, B to C, C to A) gives every region a preferred
        failover region; Istio sends to the remaining regions after that.
    type: list
    elements: dict
    suboptions:
      from:
        description: The region whose failing endpoints are failed over, for example V(cn-hangzhou).
        type: str
        required: true
      to:
        description: The region that takes the traffic over, for example V(cn-shanghai).
        type: str
        required: true
  distribute:
    description:
      - With O(mode=distribute), how the requests of callers in one locality are shared between localities.
    type: list
    elements: dict
    suboptions:
      from:
        description:
          - The callers' locality - a region (V(cn-hangzhou)), a zone (V(cn-hangzhou/cn-hangzhou-h)), with or without
            a trailing V(/*).
        type: str
        required: true
      to:
        description:
          - Locality to weight, for example C(cn-hangzhou) to V(90) and C(cn-shanghai) to V(10). Weights are
            integers from 1 to 100 summing to 100; a locality takes the same forms as O(distribute[].from).
        type: dict
        required: true
  wait_timeout:
    description: How many seconds to wait for the mesh to be V(running) after each change.
    type: int
    default: 600
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
notes:
  - With O(wait=false) the module still waits for the mesh between the two calls of a mode change (a busy mesh
    refuses changes), but not after the last one.
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: Inter-region failover both ways (the runbook)
  geomesh.alicloud.asm_locality_lb:
    region: cn-hangzhou
    mesh_id: "{{ mesh_id }}"
    mode: failover
    failover:
      - {from: cn-hangzhou, to: cn-shanghai}
      - {from: cn-shanghai, to: cn-hangzhou}

- name: From Hangzhou, 10% of the requests to Shanghai (ASM 1.22.6.66 or later)
  geomesh.alicloud.asm_locality_lb:
    region: cn-hangzhou
    mesh_id: "{{ mesh_id }}"
    mode: distribute
    distribute:
      - from: cn-hangzhou
        to: {cn-hangzhou: 90, cn-shanghai: 10}

- name: Turn it off
  geomesh.alicloud.asm_locality_lb:
    region: cn-hangzhou
    mesh_id: "{{ mesh_id }}"
    mode: disabled
"""

RETURN = r"""
locality_lb:
  description: The mesh's geolocation load balancing as read back after the change (predicted in check mode).
  returned: always
  type: dict
  contains:
    mesh_id:
      description: The mesh.
      type: str
    mode:
      description:
        - V(failover), V(distribute) or V(disabled); V(other) when ASM reports it enabled with no rule the module
          reads (set by other means, for example the console's priority rules).
      type: str
    failover:
      description: The failover rules (C(from), C(to)); empty unless O(mode=failover).
      type: list
      elements: dict
    distribute:
      description: The distribution rules (C(from), C(to) locality to weight); empty unless O(mode=distribute).
      type: list
      elements: dict
    raw:
      description: C(Spec.MeshConfig.LocalityLB) as ASM returned it.
      type: dict
updates:
  description:
    - The C(UpdateMeshFeature) calls made (or, in check mode, that would be made), in order - V(disable), then
      V(enable failover) or V(enable distribute).
  returned: always
  type: list
  elements: str
  sample: [disable, enable distribute]
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils import locality
from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, ValidationError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, wait_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import servicemesh


class LocalityManager:
    def __init__(self, module: AlicloudModule, setting: dict):
        self.module = module
        self.params = module.params
        self.region = module.region
        self.client = module.client("servicemesh", self.region)
        self.mesh_id = self.params["mesh_id"]
        self.setting = setting

    def mesh(self):
        return servicemesh.get_mesh(self.client, self.region, self.mesh_id, tags=False)

    def result(self, mesh, setting=None) -> dict:
        current = setting if setting is not None else locality.read_api((mesh or {}).get("LocalityLB"))
        out = {"mesh_id": self.mesh_id}
        out.update(locality.view(current))
        out["raw"] = (mesh or {}).get("LocalityLB") or {}
        return out

    def wait_running(self):
        """The mesh is busy (``updating``) after each call and refuses the next one until ``running``."""
        return self.module.waiter(
            "service mesh %s running" % self.mesh_id,
            self.mesh,
            servicemesh.WAITERS["mesh"].status,
            ["running"],
            failure=servicemesh.WAITERS["mesh"].failure,
        ).wait()

    def check_against(self, mesh):
        """Read calls only: the regions of the mesh's clusters and its version."""
        if self.setting["mode"] == "disabled":
            return
        regions = [row.get("RegionId") for row in servicemesh.members(self.client, self.mesh_id)]
        locality.check_regions(self.setting, [r for r in regions if r])
        version = mesh.get("Version") or ""
        locality.check_version(self.setting, servicemesh.version_key(version), version)

    def plan(self, current: dict) -> list:
        wanted = self.setting["mode"]
        if locality.comparable(current) == locality.comparable(self.setting):
            return []
        if wanted == "disabled":
            return ["disable"]
        steps = ["enable %s" % wanted]
        if current["mode"] not in ("disabled", wanted):
            steps.insert(0, "disable")
        return steps

    def send(self, step: str):
        if step == "disable":
            self.client.call("UpdateMeshFeature", ServiceMeshId=self.mesh_id, LocalityLoadBalancing=False)
        else:
            self.client.call(
                "UpdateMeshFeature",
                ServiceMeshId=self.mesh_id,
                LocalityLoadBalancing=True,
                LocalityLBConf=locality.conf_json(self.setting),
            )

    def run(self):
        mesh = self.mesh()
        if mesh is None:
            self.module.fail_json(
                msg="service mesh %s was not found in %s" % (self.mesh_id, self.region),
                field="mesh_id",
                locality_lb={"mesh_id": self.mesh_id},
                updates=[],
            )
        try:
            self.check_against(mesh)
        except ValidationError as err:
            self.module.fail_validation(err, locality_lb=self.result(mesh), updates=[])
        current = locality.read_api(mesh.get("LocalityLB"))
        steps = self.plan(current)
        diff = {"before": locality.view(current), "after": locality.view(current if not steps else self.setting)}
        if not steps:
            return False, self.result(mesh, current), steps, diff
        if self.module.check_mode:
            return True, self.result(mesh, self.setting), steps, diff
        for i, step in enumerate(steps):
            if mesh.get("State") != "running":
                mesh = self.wait_running()
            self.send(step)
            mesh = {"State": "updating"}
            if i + 1 < len(steps) or self.params["wait"]:
                mesh = self.wait_running()
        if self.params["wait"]:
            got = locality.read_api(mesh.get("LocalityLB"))
            if locality.comparable(got) != locality.comparable(self.setting):
                self.module.fail_json(
                    msg="service mesh %s accepted the update but reports %s geolocation load balancing: %s"
                    % (self.mesh_id, got["mode"], mesh.get("LocalityLB")),
                    locality_lb=self.result(mesh, got),
                    updates=steps,
                )
            return True, self.result(mesh, got), steps, diff
        return True, self.result(self.mesh(), self.setting), steps, diff


def main():
    rule = {"from": {"type": "str", "required": True}, "to": {"type": "str", "required": True}}
    share = {"from": {"type": "str", "required": True}, "to": {"type": "dict", "required": True}}
    argument_spec = {
        "mesh_id": {"type": "str", "required": True, "aliases": ["service_mesh_id"]},
        "mode": {"type": "str", "required": True, "choices": list(locality.MODES)},
        "failover": {"type": "list", "elements": "dict", "options": rule},
        "distribute": {"type": "list", "elements": "dict", "options": share},
    }
    argument_spec.update(wait_argument_spec(600))
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    if not module.params["mesh_id"].strip():
        module.fail_json(msg="mesh_id must not be empty", field="mesh_id")
    setting = module.validate(
        locality.check_setting, module.params["mode"], module.params["failover"], module.params["distribute"]
    )
    manager = LocalityManager(module, setting)
    try:
        changed, result, steps, diff = manager.run()
    except AlicloudError as err:
        module.fail_json_alicloud(err, "geolocation load balancing of service mesh %s" % manager.mesh_id)
    module.exit_json(changed=changed, locality_lb=result, updates=steps, diff=diff)


if __name__ == "__main__":
    main()
