# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ASM (servicemesh 2020-01-11, RPC): list actions, waiters, tag types, lookups and return shapes.

ASM calls take no ClientToken: creates are made idempotent by looking up before every attempt.
"""

from __future__ import annotations
