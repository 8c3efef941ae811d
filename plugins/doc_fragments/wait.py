# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Waiting for asynchronous resource state changes.
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until the resource reaches its target state (for example V(Available), V(Active) or V(Attached)),
        or is gone after a delete.
      - Polling starts at about one second and backs off to a cap; it never sleeps a fixed long time.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true).
    type: int
"""
