# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JMESPath for the item and status paths of the product tables (``Vpcs.Vpc``, ``Status``).

``jmespath`` is a dependency of the collection (requirements.txt); when it is missing the module
fails with ``missing_required_lib("jmespath")`` on its first API read instead of at import time.
"""

from __future__ import annotations

try:
    import jmespath

    HAS_JMESPATH = True
except ImportError:  # pragma: no cover - reported by AlicloudModule
    jmespath = None
    HAS_JMESPATH = False

_COMPILED = {}


def search(expression: str, data):
    """The value at ``expression`` in ``data``, or None; expressions are compiled once."""
    if expression not in _COMPILED:
        _COMPILED[expression] = jmespath.compile(expression)
    return _COMPILED[expression].search(data)
