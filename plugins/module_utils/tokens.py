# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deterministic ClientTokens: the same resource identity always gives the same token.

A create that is retried, or re-run after the process was killed, sends the same token, so
the API returns the first result instead of making a second resource. ``generation`` lets a
caller move on to a fresh token when the resource a replayed token points at is gone
(deleted since), without losing determinism: the next generation is derived from the id
the old token produced.
"""

from __future__ import annotations

import json
import uuid

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "geomesh.alicloud")


def client_token(kind: str, identity, generation: str | None = None) -> str:
    """uuid5 of ``kind`` and a JSON rendering of ``identity`` (36 ASCII chars, < 64)."""
    material = json.dumps({"kind": kind, "identity": identity, "generation": generation}, sort_keys=True)
    return str(uuid.uuid5(NAMESPACE, material))
