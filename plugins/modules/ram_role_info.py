#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_role_info
short_description: Look up RAM roles of the account by name, and tell which are missing
version_added: 0.3.0
description:
  - Reads each role of O(names) with C(GetRole) of the RAM API and returns the roles that exist and the names that do
    not (C(EntityNotExist.Role)), for example to check before anything is created that the service roles ACK and ASM
    need have been authorised in the account.
  - Any other error (no permission to read roles, for one) fails the module naming the role.
  - RAM is a global service; O(region) only picks the endpoint the SDK calls.
  - Read-only; never changes anything.
options:
  names:
    description:
      - The names of the roles, for example V(AliyunCSManagedKubernetesRole) or V(AliyunServiceRoleForServiceMesh).
      - A name listed twice is read once.
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
notes:
  - ACK's default roles (AliyunCSDefaultRole, AliyunCSManagedKubernetesRole, ...) are ordinary service roles made by
    the console's quick authorisation; AliyunServiceRoleForServiceMesh is ASM's service-linked role
    (U(https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/ack-default-roles),
    U(https://www.alibabacloud.com/help/en/asm/sidecar/manage-the-service-linked-role-for-asm)).
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The service roles of ACK and ASM
  geomesh.alicloud.ram_role_info:
    region: cn-hangzhou
    names:
      - AliyunCSManagedKubernetesRole
      - AliyunServiceRoleForServiceMesh
  register: service_roles

- name: Stop when one is missing
  ansible.builtin.assert:
    that: service_roles.missing | length == 0
    fail_msg: "authorise these roles first: {{ service_roles.missing | join(', ') }}"
"""

RETURN = r"""
roles:
  description: The roles that exist, in the order of O(names).
  returned: always
  type: list
  elements: dict
  contains:
    role_name:
      description: The name of the role.
      type: str
      sample: AliyunCSManagedKubernetesRole
    role_id:
      description: The ID of the role.
      type: str
    arn:
      description: The ARN of the role.
      type: str
      sample: acs:ram::1234567890123456:role/aliyuncsmanagedkubernetesrole
    is_service_linked_role:
      description: Whether the role is a service-linked role.
      type: bool
    description:
      description: The description of the role.
      type: str
    assume_role_policy_document:
      description: The trust policy of the role, parsed (the API returns a JSON string; it is kept as such when it does not parse).
      type: raw
    create_date:
      description: When the role was made.
      type: str
missing:
  description: The names of O(names) that are not roles of the account, in the order of O(names).
  returned: always
  type: list
  elements: str
  sample: [AliyunServiceRoleForServiceMesh]
"""

import json

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule

ROLE_NOT_FOUND = "EntityNotExist.Role"


def normalize_role(role: dict) -> dict:
    policy = role.get("AssumeRolePolicyDocument")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            pass
    return {
        "role_name": role.get("RoleName"),
        "role_id": role.get("RoleId"),
        "arn": role.get("Arn"),
        "is_service_linked_role": bool(role.get("IsServiceLinkedRole")),
        "description": role.get("Description"),
        "assume_role_policy_document": policy,
        "create_date": role.get("CreateDate"),
    }


def get_role(client, name: str) -> dict | None:
    """GetRole; None when the account has no such role."""
    try:
        body = client.call("GetRole", RoleName=name)
    except AlicloudError as err:
        if err.code == ROLE_NOT_FOUND:
            return None
        raise
    return body.get("Role") or None


def main():
    module = AlicloudModule(
        argument_spec={"names": {"type": "list", "elements": "str", "required": True}}, supports_check_mode=True
    )
    names = list(dict.fromkeys(module.params["names"]))
    blank = [index for index, name in enumerate(names) if not name or not name.strip()]
    if blank:
        module.fail_json(msg="Invalid names: item %d is empty" % blank[0], field="names")
    client = module.client("ram")
    roles, missing = [], []
    for name in names:
        try:
            role = get_role(client, name)
        except AlicloudError as err:
            module.fail_json_alicloud(err, "reading the RAM role %s" % name, role_name=name)
        if role is None:
            missing.append(name)
        else:
            roles.append(normalize_role(role))
    module.exit_json(changed=False, roles=roles, missing=missing)


if __name__ == "__main__":
    main()
