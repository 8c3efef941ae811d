#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sts_caller_identity_info
short_description: Tell which Alibaba Cloud identity the credentials are
version_added: 0.3.0
description:
  - Calls C(GetCallerIdentity) of the STS API with the module's credentials and returns the account, the ARN and the
    kind of identity they belong to (the account itself, a RAM user or an assumed role) - a check that the
    credentials work, and of whose account a run would change, before anything is created.
  - Fails with the API's error when the credentials do not work (C(InvalidAccessKeyId.NotFound),
    C(SignatureDoesNotMatch), ...).
  - Read-only; never changes anything. O(region) picks the STS endpoint.
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: Whose credentials are these
  geomesh.alicloud.sts_caller_identity_info:
    region: cn-hangzhou
  register: me

- name: Refuse to run with the account's own AccessKey
  ansible.builtin.assert:
    that: me.caller.identity_type != 'Account'
    fail_msg: use a RAM user or role, not the root account's AccessKey ({{ me.caller.arn }})
"""

RETURN = r"""
caller:
  description: The identity of the credentials.
  returned: always
  type: dict
  contains:
    account_id:
      description: The ID of the Alibaba Cloud account.
      type: str
      sample: "1234567890123456"
    arn:
      description: The ARN of the identity.
      type: str
      sample: acs:ram::1234567890123456:user/ops
    identity_type:
      description: V(Account), V(RAMUser) or V(AssumedRoleUser).
      type: str
      sample: RAMUser
    principal_id:
      description: The ID of the principal.
      type: str
    user_id:
      description: The ID of the account or RAM user (empty for an assumed role).
      type: str
    role_id:
      description: The ID of the role, for an assumed role.
      type: str
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule


def normalize_caller(body: dict) -> dict:
    return {
        "account_id": body.get("AccountId"),
        "arn": body.get("Arn"),
        "identity_type": body.get("IdentityType"),
        "principal_id": body.get("PrincipalId"),
        "user_id": body.get("UserId"),
        "role_id": body.get("RoleId"),
    }


def main():
    module = AlicloudModule(argument_spec={}, supports_check_mode=True)
    try:
        body = module.client("sts").call("GetCallerIdentity")
    except AlicloudError as err:
        module.fail_json_alicloud(err, "asking STS whose credentials these are")
    module.exit_json(changed=False, caller=normalize_caller(body))


if __name__ == "__main__":
    main()
