# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tag helpers: API tag lists <-> dicts, and the difference to apply."""

from __future__ import annotations

RESERVED_PREFIXES = ("acs:", "aliyun")


def tag_list_to_dict(tags) -> dict:
    """Accept every shape the APIs return: ``[{Key, Value}]``, ``[{TagKey, TagValue}]``,
    ``{"Tag": [...]}`` wrappers, or lowercase ``[{key, value}]`` (CS)."""
    if tags is None:
        return {}
    if isinstance(tags, dict):
        for wrapper in ("Tag", "Tags", "TagResource"):
            if wrapper in tags:
                return tag_list_to_dict(tags[wrapper])
        return {str(k): "" if v is None else str(v) for k, v in tags.items()}
    result = {}
    for item in tags:
        key = item.get("Key", item.get("TagKey", item.get("key")))
        value = item.get("Value", item.get("TagValue", item.get("value")))
        if key is not None:
            result[key] = "" if value is None else value
    return result


def dict_to_tag_list(tags: dict | None, key="Key", value="Value") -> list:
    return [{key: k, value: v} for k, v in sorted((tags or {}).items())]


def compare_tags(current: dict, desired: dict | None, purge: bool = True):
    """Return ``(to_set, to_unset)``; ``desired=None`` leaves tags alone.

    Keys with reserved prefixes (system tags) are never purged.
    """
    if desired is None:
        return {}, []
    desired = {str(k): "" if v is None else str(v) for k, v in desired.items()}
    to_set = {k: v for k, v in desired.items() if current.get(k) != v}
    to_unset = []
    if purge:
        to_unset = sorted(k for k in current if k not in desired and not k.startswith(RESERVED_PREFIXES))
    return to_set, to_unset
