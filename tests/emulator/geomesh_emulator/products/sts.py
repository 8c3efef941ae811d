"""STS: Security Token Service (``sts`` 2015-04-01, RPC style, a global API: no RegionId).

GetCallerIdentity for the AccessKey that signed the request (``signing.AccessKey``): a key of the
account itself is the account (``IdentityType`` Account, ``Arn`` ``acs:ram::<uid>:root``); an STS
key (``AccessKey.is_sts``) is a role session (``IdentityType`` AssumedRoleUser). RAM users are
not modelled.

Facts come from the SDK models (``alibabacloud_sts20150401`` 1.2.0) and the GetCallerIdentity
doc (https://www.alibabacloud.com/help/doc-detail/43767.htm: ``UserId`` only for an account or
a RAM user, ``RoleId`` only for a RAM role); guesses are marked ``UNCONFIRMED``.
"""

from __future__ import annotations

from typing import Any

from geomesh_emulator.registry import action

from .ram import role_id

PRODUCT = "sts"
VERSION = "2015-04-01"

# UNCONFIRMED (guess): the emulator's STS keys carry no role, so every STS key is a session of
# this role; the real values come from the AssumeRole call that issued the key.
STS_ROLE_NAME = "emulator-role"
STS_SESSION_NAME = "emulator-session"


@action(PRODUCT, VERSION, "GetCallerIdentity", write=False)
def get_caller_identity(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    uid = str(ctx.account_id)
    key = ctx.emulator.keys.get(ctx.access_key_id)
    if key is not None and key.is_sts:
        rid = role_id(uid, STS_ROLE_NAME)
        return {
            "IdentityType": "AssumedRoleUser",
            "AccountId": uid,
            # UNCONFIRMED: the ARN form acs:ram::<uid>:assumed-role/<role>/<session> (lowercase role
            # name as in role ARNs) and PrincipalId "<RoleId>:<session>".
            "Arn": f"acs:ram::{uid}:assumed-role/{STS_ROLE_NAME}/{STS_SESSION_NAME}",
            "PrincipalId": f"{rid}:{STS_SESSION_NAME}",
            "RoleId": rid,
        }
    return {
        "IdentityType": "Account",
        "AccountId": uid,
        "Arn": f"acs:ram::{uid}:root",
        "PrincipalId": uid,
        "UserId": uid,
    }
