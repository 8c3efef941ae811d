#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: asm_kubeconfig
short_description: Fetch the kubeconfig of an ASM service mesh and optionally write it to a file
version_added: 0.2.0
description:
  - Fetches the kubeconfig of the API server of an ASM instance (C(DescribeServiceMeshKubeconfig)), returns it and its
    expiry, and writes it to O(dest) when given.
  - Fetching is a read call; the module changes something only when it writes or fixes the mode of O(dest).
options:
  mesh_id:
    description: The service mesh (C(ServiceMeshId)).
    type: str
    required: true
    aliases: [id, service_mesh_id]
  private:
    description:
      - V(true) for the kubeconfig of the mesh API server's endpoint in the VPC, V(false) for the public endpoint (which
        the mesh only has with C(api_server_public_eip)).
    type: bool
    default: false
extends_documentation_fragment:
  - geomesh.alicloud.kubeconfig
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The kubeconfig of the mesh
  geomesh.alicloud.asm_kubeconfig:
    region: cn-hangzhou
    mesh_id: "{{ mesh.mesh.mesh_id }}"
    private: true
    dest: "{{ playbook_dir }}/.kube/asm.yaml"
  register: kube

- name: The kubeconfig as a value, for a later task (it holds credentials, hence no_log)
  geomesh.alicloud.asm_kubeconfig:
    region: cn-hangzhou
    mesh_id: "{{ mesh.mesh.mesh_id }}"
    return_content: true
  no_log: true
  register: kube_value
"""

RETURN = r"""
kubeconfig:
  description:
    - The kubeconfig (YAML) in effect - the one kept in O(dest) when the file was kept - with O(return_content=true),
      else null. It holds credentials; the module never puts it in its diff or messages.
  returned: always
  type: str
expiration:
  description: When the kubeconfig expires (ISO 8601).
  returned: always
  type: str
  sample: "2026-12-05T10:00:00+00:00"
dest:
  description: The absolute path of the file, or null without O(dest).
  returned: always
  type: str
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils import kubeconfig
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule


def fetch_mesh_kubeconfig(module, mesh_id: str, private: bool):
    """alicloud-api.md section 5: DescribeServiceMeshKubeconfig(ServiceMeshId, PrivateIpAddress) ->
    Kubeconfig and ExpireTime ("YYYY-MM-DD hh:mm:ss", SDK docstring; UTC assumed, UNCONFIRMED)."""
    body = module.client("servicemesh").call(
        "DescribeServiceMeshKubeconfig", ServiceMeshId=mesh_id, PrivateIpAddress=private
    )
    return body.get("Kubeconfig"), body.get("ExpireTime")


def main():
    argument_spec = {
        "mesh_id": {"type": "str", "required": True, "aliases": ["id", "service_mesh_id"]},
        "private": {"type": "bool", "default": False},
        **kubeconfig.FILE_OPTIONS,
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    kubeconfig.run(
        module,
        "service mesh %s" % params["mesh_id"],
        lambda: fetch_mesh_kubeconfig(module, params["mesh_id"], params["private"]),
    )


if __name__ == "__main__":
    main()
