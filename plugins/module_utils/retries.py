# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jittered exponential backoff for retryable Alibaba Cloud API errors.

The code lists come from the project's API reference (alicloud-api.md, sections 0.3, 1-5),
which mirrors terraform-provider-alicloud's NeedRetry and per-resource retry lists.
"""

from __future__ import annotations

import random
import re
import time

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError

_THROTTLING = re.compile(r"^(Throttling.*|Rejected\.Throttling|QPS Limit Exceeded)$")
RETRY_STATUS_MESSAGE = "The current status of the resource does not support this operation, please retry again."

GENERIC_RETRY_CODES = frozenset(["ServiceUnavailable", "InternalError", "UnknownError"])

# "operation in progress / incorrect status / token processing" codes per product
PRODUCT_RETRY_CODES = {
    "vpc": frozenset(
        [
            "OperationFailed.IdempotentTokenProcessing",
            "TaskConflict",
            "OperationConflict",
            "IncorrectVpcStatus",
            "IncorrectVSwitchStatus",
            "IncorrectStatus.cbnStatus",
            "CreateVSwitch.IncorrectStatus.cbnStatus",
            "OperationFailed.DistibuteLock",
            "InvalidStatus.RouteEntry",
            "IncorrectRouteEntryStatus",
            "IncorretRouteEntryStatus",
        ]
    ),
    "cbn": frozenset(
        [
            "Operation.Blocking",
            "TokenProcessing",
            "IncorrectStatus.Status",
            "IncorrectStatus.Attachment",
            "IncorrectStatus.TransitRouter",
            "IncorrectStatus.TransitRouterInstance",
            "IncorrectStatus.Vpc",
            "IncorrectStatus.VpcOrVswitch",
            "IncorrectStatus.VpcResource",
            "IncorrectStatus.VpcRouteTable",
            "IncorrectStatus.VpcSwitch",
            "IncorrectStatus.VpcRouteEntry",
            "IncorrectStatus.CenInstance",
            "IncorrectStatus.AttachmentOrRouteTable",
            "InvalidOperation.CenInstanceStatus",
            "InstanceStatus.NotSupport",
        ]
    ),
    "ecs": frozenset(["OperationConflict", "IncorrectStatus", "LastTokenProcessing"]),
    # alicloud-api.md section 4: ErrorClusterState (400, the cluster is busy: wait); throttling
    # ("QPS Limit Exceeded", retried by TF for ModifyCluster) is covered by _THROTTLING.
    "cs": frozenset(["ErrorClusterState"]),
    "servicemesh": frozenset(["StillInitializing", "RelatedResourceReused", "InvalidActiveState.ACK"]),
}


# Codes retried only for one action: the "still in use" answers of deletes, retried until the
# caller's deadline (wait_timeout) while dependent resources are going away. A trailing "*" is a
# prefix ("DependencyViolation*" covers DependencyViolation.VSwitch, ...RouteTable, ...).
ACTION_RETRY_CODES = {
    "vpc": {
        "DeleteVpc": ("DependencyViolation*",),
        "DeleteVSwitch": ("DependencyViolation*", "IncorrectStatus.VSwitch"),
    },
    # alicloud-api.md section 5 (TF delete retry list): clusters still leaving the mesh.
    "servicemesh": {
        "DeleteServiceMesh": ("ErrorPermitted.ClustersNotEmpty",),
    },
}

# Creates without a trustworthy idempotency token: only answers that prove the request was not
# served (throttling) are retried by the client; after a 5xx or a lost answer the caller looks
# the resource up before it sends the create again (alicloud-api.md section 4: the semantics of
# CreateCluster's client_token are UNCONFIRMED).
NOT_REPLAYABLE_ACTIONS = {
    "cs": frozenset(["CreateCluster", "CreateClusterNodePool"]),
    # alicloud-api.md section 5: "No ClientToken on any ASM call" (asm_mesh: MeshManager.create).
    "servicemesh": frozenset(["CreateServiceMesh"]),
}


def is_ambiguous(error: AlicloudError) -> bool:
    """True when the request may have been executed although it failed: a 5xx, an internal error or
    a lost answer (NetworkError)."""
    code = error.code or ""
    if code == "NetworkError" or code in GENERIC_RETRY_CODES:
        return True
    return error.status_code is not None and 500 <= error.status_code <= 599


def _matches(code: str, patterns) -> bool:
    return any(code.startswith(p[:-1]) if p.endswith("*") else code == p for p in patterns)


def is_retryable(error: AlicloudError, product: str | None = None, action: str | None = None) -> bool:
    """True when the error is transient: throttling, 5xx, in-progress or status conflicts, or a code
    the retry table lists for this product or this action."""
    code = error.code or ""
    if _THROTTLING.match(code):
        return True
    if action in NOT_REPLAYABLE_ACTIONS.get(product or "", ()):
        return False
    if code in GENERIC_RETRY_CODES:
        return True
    if error.status_code is not None and 500 <= error.status_code <= 599:
        return True
    if error.message and RETRY_STATUS_MESSAGE in error.message:
        return True
    if code in PRODUCT_RETRY_CODES.get(product or "", ()):
        return True
    return _matches(code, ACTION_RETRY_CODES.get(product or "", {}).get(action, ()))


class Backoff:
    """Jittered exponential backoff.

    The n-th retry (n = 0, 1, ...) sleeps a random time between ``base / 2`` and
    ``min(cap, base * 2**n)``, and at least the ``Retry-After`` the API sent. Without a deadline a
    call is tried at most ``max_attempts`` times; with one, it is retried until the next sleep
    would end past the deadline.
    """

    def __init__(
        self, base: float = 1.0, cap: float = 20.0, max_attempts: int = 8, sleep=time.sleep, rng=None, clock=None
    ):
        self.base = base
        self.cap = cap
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock = clock or time.monotonic

    def delay(self, attempt: int) -> float:
        return self._rng.uniform(self.base / 2, min(self.cap, self.base * (2**attempt)))

    def run(self, func, should_retry, deadline: float | None = None):
        """Call ``func()`` until it succeeds, raises a non-retryable error, or the attempts or the
        deadline (a ``clock()`` value) run out."""
        attempt = 0
        while True:
            try:
                return func()
            except AlicloudError as err:
                attempt += 1
                if not should_retry(err) or (deadline is None and attempt >= self.max_attempts):
                    raise
                pause = self.delay(attempt - 1)
                if err.retry_after_ms:
                    pause = max(pause, err.retry_after_ms / 1000.0)
                if deadline is not None and self._clock() + pause > deadline:
                    raise
                self._sleep(pause)
