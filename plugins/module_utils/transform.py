# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CamelCase (API) <-> snake_case (Ansible) conversion."""

from __future__ import annotations

import re

# Product words the generic rule would split badly (VSwitchId -> v_switch_id).
_WORDS = {"VSwitch": "Vswitch", "VSwitches": "Vswitches", "VRouter": "Vrouter", "IPv6": "Ipv6", "IPv4": "Ipv4"}
_WORD_RE = re.compile("|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)))
_BOUNDARY_1 = re.compile(r"(.)([A-Z][a-z]+)")
_BOUNDARY_2 = re.compile(r"([a-z0-9])([A-Z])")


def camel_to_snake(name: str) -> str:
    if "_" in name or name.islower():
        return name
    name = _WORD_RE.sub(lambda m: _WORDS[m.group(0)], name)
    name = _BOUNDARY_1.sub(r"\1_\2", name)
    return _BOUNDARY_2.sub(r"\1_\2", name).lower()


def snake_to_camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def snake_dict(obj, keep=("tags",)):
    """Recursively snake_case dict keys; values under keys in ``keep`` are left as they are
    (user-defined tag keys must not be rewritten)."""
    if isinstance(obj, list):
        return [snake_dict(item, keep) for item in obj]
    if not isinstance(obj, dict):
        return obj
    result = {}
    for key, value in obj.items():
        new_key = camel_to_snake(key) if isinstance(key, str) else key
        result[new_key] = value if new_key in keep else snake_dict(value, keep)
    return result
