"""RAM: Resource Access Management (``ram`` 2015-05-01, RPC style, a global API: no RegionId).

GetRole for the service roles of a healthy account: the ACK default roles (ordinary service roles
that RAM Quick Authorization creates, trust principal ``cs.aliyuncs.com``) and the service-linked
roles of ASM and CEN (``ROLES``). Every account id has all of them. They are not kept in the
store: the census scripts (tests/integration/targets/runbook/census.py, tests/reliability) count
every stored kind of ``GET /_emulator/state`` as a resource a run left behind, and no run made
these. ``POST /_emulator/reset`` (which clears the scenario faults) brings the healthy account back.

Scenario faults (``scenarios.kind``; ``POST /_emulator/faults/ram``):

- ``missing_role`` ``{"name": "<RoleName>"}`` (``name`` required, one of ``ROLES``; no ``count``):
  the account has no such role: GetRole of that name answers ``EntityNotExist.Role`` (404) until
  the fault is replaced or cleared. Kept, not applied (nothing is stored).

Facts come from the SDK models (``alibabacloud_ram20150501`` 1.3.0) and
``/work/shared/reference/ack-nodepools-preflight.md`` section 4; guesses are marked
``UNCONFIRMED``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from geomesh_emulator import scenarios
from geomesh_emulator.errors import ApiError
from geomesh_emulator.registry import action

from ._common import require

PRODUCT = "ram"
VERSION = "2015-05-01"

# name -> (trusted service, service-linked, description). The names, principals and the
# service-linked flag are documented (reference section 4); the descriptions are UNCONFIRMED
# (paraphrased from the roles' purpose, not the console's exact wording).
ROLES: dict[str, tuple[str, bool, str]] = {
    "AliyunCSDefaultRole": (
        "cs.aliyuncs.com",
        False,
        "The default role of Container Service for Kubernetes to access cloud resources in cluster operations.",
    ),
    "AliyunCSManagedKubernetesRole": (
        "cs.aliyuncs.com",
        False,
        "The role ACK managed clusters use to access cloud resources from the cluster control plane.",
    ),
    "AliyunCSManagedNetworkRole": (
        "cs.aliyuncs.com",
        False,
        "The role the network component of ACK managed clusters uses to access cloud resources.",
    ),
    "AliyunCSManagedCsiRole": (
        "cs.aliyuncs.com",
        False,
        "The role the storage (CSI) components of ACK managed clusters use to access cloud resources.",
    ),
    "AliyunCSManagedLogRole": (
        "cs.aliyuncs.com",
        False,
        "The role the logging component of ACK managed clusters uses to access Simple Log Service.",
    ),
    "AliyunServiceRoleForServiceMesh": (
        "servicemesh.aliyuncs.com",
        True,
        "The service-linked role of Alibaba Cloud Service Mesh.",
    ),
    "AliyunServiceRoleForCEN": (
        "cen.aliyuncs.com",
        True,
        "The service-linked role of Cloud Enterprise Network.",
    ),
}
# UNCONFIRMED: when the roles were made (a fixed date: they existed before any emulated run).
CREATE_DATE = "2024-01-01T00:00:00Z"
MAX_SESSION_DURATION = 3600  # RAM's default maximum session duration (seconds)


def role_id(account_id: str, name: str) -> str:
    """A stable 19-digit role id per account and role name (the format of the doc examples)."""
    digest = hashlib.sha256(f"{account_id}/{name}".encode()).hexdigest()
    return str(3 * 10**18 + int(digest, 16) % 10**18)


def _trust_policy(service: str) -> str:
    return json.dumps(
        {
            "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": [service]}}],
            "Version": "1",
        }
    )


def role_view(account_id: str, name: str) -> dict[str, Any]:
    """The GetRole ``Role`` object of role ``name`` (a key of ``ROLES``) of the account."""
    service, linked, description = ROLES[name]
    return {
        "RoleName": name,
        "RoleId": role_id(account_id, name),
        "Arn": f"acs:ram::{account_id}:role/{name.lower()}",
        "AssumeRolePolicyDocument": _trust_policy(service),
        "IsServiceLinkedRole": linked,
        "Description": description,
        "CreateDate": CREATE_DATE,
        "UpdateDate": CREATE_DATE,
        "MaxSessionDuration": MAX_SESSION_DURATION,
        # UNCONFIRMED: the "<name>@role.<uid>.onaliyunservice.com" form of the RAM doc examples,
        # assumed for service-linked roles too.
        "RolePrincipalName": f"{name}@role.{account_id}.onaliyunservice.com",
    }


# ------------------------------------------------------------------------------------------
# scenario faults (POST /_emulator/faults/ram, see scenarios.py)
# ------------------------------------------------------------------------------------------
@scenarios.kind(PRODUCT, "missing_role")
def _scenario_missing_role(spec: dict[str, Any]) -> dict[str, Any]:
    """The account lacks role ``name``: GetRole of it answers EntityNotExist.Role."""
    unknown = set(spec) - {"name"}
    if unknown:
        raise ValueError(f"unknown missing_role keys: {sorted(unknown)}")
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("missing_role: name required (the RoleName the account lacks)")
    if name not in ROLES:
        raise ValueError(f"missing_role: name {name!r} is no role of the emulated account (roles: {', '.join(ROLES)})")
    return spec


def account_has_role(ctx: Any, name: str) -> bool:
    # UNCONFIRMED: whether RAM matches role names case-insensitively; an exact match is the stricter choice.
    if name not in ROLES:
        return False
    return ctx.emulator.scenarios.take(PRODUCT, "missing_role", name=name) is None


# ------------------------------------------------------------------------------------------
# GetRole
# ------------------------------------------------------------------------------------------
@action(PRODUCT, VERSION, "GetRole", write=False)
def get_role(ctx: Any, p: dict[str, Any]) -> dict[str, Any]:
    name = require(p, "RoleName")
    if not account_has_role(ctx, name):
        # Code documented (TF service_alicloud_ram_v2.go); the message wording is UNCONFIRMED.
        raise ApiError("EntityNotExist.Role", f"The role does not exist: {name}.", status=404)
    return {"Role": role_view(ctx.account_id, name)}
