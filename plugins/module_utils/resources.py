# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Create-once helpers shared by the resource modules."""

from __future__ import annotations

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, WaiterError
from ansible_collections.geomesh.alicloud.plugins.module_utils.tokens import client_token


def create_once(kind: str, identity, create, wait_visible, max_generations: int = 3):
    """Create a resource with a deterministic ClientToken and return ``(id, resource)``.

    ``create(token)`` sends the create call and returns the new id; ``wait_visible(id)``
    returns the resource once a describe call sees it, and raises WaiterError with code
    ``WaiterNotFound`` when it never shows up. That happens when the token was used before
    for a resource that has since been deleted and the API replays the old answer; the next
    token is then derived from that dead id, so a re-run follows the same chain of tokens and
    still never creates a duplicate. Pass the whole create request as ``identity`` so that a
    create with other parameters gets another token.
    """
    generation = None
    for attempt in range(max_generations):
        try:
            resource_id = create(client_token(kind, identity, generation))
        except AlicloudError as err:
            # The token was used before with other parameters: move to a token of its own.
            if err.code != "IdempotentParameterMismatch":
                raise
            generation = "parameter-mismatch-%d" % attempt
            continue
        try:
            return resource_id, wait_visible(resource_id)
        except WaiterError as err:
            if err.code != "WaiterNotFound":
                raise
            generation = resource_id
    raise AlicloudError(
        "CreateNotVisible",
        "%s: the API answered create calls with ids that never became visible (last %s)" % (kind, generation),
    )


def diff_dicts(before: dict | None, after: dict | None) -> dict:
    return {"before": before or {}, "after": after or {}}
