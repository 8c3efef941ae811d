# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tags: API tag lists <-> dicts, the difference to apply, and the one implementation that applies it.

Products differ only in data - the action names (VPC spells ``UnTagResources``, CBN
``UntagResources``), the request shape (RPC ``RegionId`` / ``ResourceId.N`` / ``Tag.N.Key`` for
VPC and CBN, ROA snake_case ``region_id`` / ``resource_ids`` / ``tags: [{key, value}]`` for ACK) -
so each product has a row in ``TAG_APIS`` and each taggable resource a ``ResourceType`` value in
its product module.
"""

from __future__ import annotations

from dataclasses import dataclass

RESERVED_PREFIXES = ("acs:", "aliyun")


RPC = "rpc"
ROA = "roa"


@dataclass(frozen=True)
class TagApi:
    """A product's tag actions and the shape of their requests (``RPC`` or ``ROA``)."""

    tag_action: str
    untag_action: str
    shape: str = RPC


TAG_APIS = {
    # alicloud-api.md: VPC TagResources / UnTagResources, CBN TagResources / UntagResources,
    # both RPC with RegionId, ResourceType, ResourceId.N, Tag.N.Key/Value and TagKey.N.
    "vpc": TagApi("TagResources", "UnTagResources"),
    "cbn": TagApi("TagResources", "UntagResources"),
    # alicloud-api.md section 4 (Tags) and the cs 2015-12-15 SDK models: TagResources is
    # PUT /tags with body {region_id, resource_ids, resource_type: "CLUSTER", tags: [{key, value}]};
    # UntagResources is DELETE /tags with query region_id, resource_ids, resource_type, tag_keys.
    "cs": TagApi("TagResources", "UntagResources", ROA),
    # alicloud-api.md "Tags (ASM)": RPC with RegionId, ResourceType=servicemesh, ResourceId.N, Tag.N, TagKey.N.
    "servicemesh": TagApi("TagResources", "UntagResources"),
}


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


def dict_to_tag_list(tags: dict | None) -> list | None:
    """The ``Tag`` request parameter of a create or tag call (None when there are no tags)."""
    return [{"Key": str(k), "Value": "" if v is None else str(v)} for k, v in sorted((tags or {}).items())] or None


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


def predict_tags(current: dict, desired: dict | None, purge: bool) -> dict:
    """The tags a resource will have after ``compare_tags`` is applied."""
    if desired is None:
        return dict(current)
    unset = compare_tags(current, desired, purge)[1]
    result = {k: v for k, v in current.items() if k not in unset}
    result.update({str(k): "" if v is None else str(v) for k, v in desired.items()})
    return result


def apply_tags(client, api: TagApi, region: str, resource_type: str, resource_id: str, to_set, to_unset) -> None:
    if api.shape == ROA:
        common = {"region_id": region, "resource_type": resource_type, "resource_ids": [resource_id]}
        if to_unset:
            client.call(api.untag_action, tag_keys=list(to_unset), **common)
        if to_set:
            tags = [{"key": str(k), "value": "" if v is None else str(v)} for k, v in sorted(to_set.items())]
            client.call(api.tag_action, tags=tags, **common)
        return
    common = {"RegionId": region, "ResourceType": resource_type, "ResourceId": [resource_id]}
    if to_unset:
        client.call(api.untag_action, TagKey=list(to_unset), **common)
    if to_set:
        client.call(api.tag_action, Tag=dict_to_tag_list(to_set), **common)


def has_tags(resource_tags: dict, wanted: dict | None) -> bool:
    """True when every wanted tag is present with the same value (values compared as strings)."""
    return all(resource_tags.get(str(k)) == ("" if v is None else str(v)) for k, v in (wanted or {}).items())
