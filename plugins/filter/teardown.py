# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the teardown role: which of the resources found by name are the collection's (they
carry its tags) and may go, which stay and why, and the whole run's list in deletion order."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

# The order the teardown role deletes in: the reverse of the stages' creation order.
KIND_ORDER = (
    "asm_mesh_cluster",
    "asm_mesh",
    "ack_cluster",
    "vpc_route_entry",
    "cen_transit_router_peer_attachment",
    "cen_transit_router_vpc_attachment",
    "cen_transit_router",
    "cen_instance",
    "vpc_vswitch",
    "vpc",
)


def _missing_tags(resource: dict, tags: dict) -> dict:
    have = resource.get("tags") or {}
    if not isinstance(have, dict):
        raise AnsibleFilterError("teardown_split: tags of %r are not a dictionary" % resource)
    return {str(k): str(v) for k, v in tags.items() if str(have.get(str(k))) != str(v) or str(k) not in have}


def teardown_split(
    resources,
    tags,
    kind,
    id_key,
    name_key,
    region="",
    parent=None,
    blockers=None,
    extra=None,
    parent_key=None,
    protected_key=None,
):
    """``{delete: [...], kept: [...]}``: one entry ``{kind, id, name, region, parent}`` (plus the
    ``extra`` keys of the resource) per resource; a resource that does not carry every tag of
    ``tags`` is kept, and so is one that ``blockers`` (kept entries) name as their ``parent``:
    deleting it would fail, or take with it what the collection did not make. ``parent`` is the
    parent's ID, or ``parent_key`` the resource's key holding it; a resource given as a string is
    an ID alone; a resource whose ``protected_key`` is true (deletion protection) is kept."""
    if kind not in KIND_ORDER:
        raise AnsibleFilterError("teardown_split: unknown kind %r (one of %s)" % (kind, ", ".join(KIND_ORDER)))
    if not isinstance(tags, dict):
        raise AnsibleFilterError("teardown_split: tags must be a dictionary, got %r" % (tags,))
    if isinstance(resources, dict):
        resources = [resources]
    held = {}
    for blocker in blockers or []:
        held.setdefault(blocker.get("parent"), []).append("%s %s" % (blocker.get("kind"), blocker.get("id")))
    delete, kept = [], []
    for resource in resources or []:
        if isinstance(resource, str):
            resource = {id_key: resource}
        resource_id = resource.get(id_key)
        if not resource_id:
            raise AnsibleFilterError("teardown_split: %s without %s: %r" % (kind, id_key, resource))
        entry = {
            "kind": kind,
            "id": resource_id,
            "name": resource.get(name_key) or "",
            "region": resource.get("region_id") or region or "",
            "parent": resource.get(parent_key) if parent_key else parent,
        }
        for key in extra or []:
            entry[key] = resource.get(key)
        missing = _missing_tags(resource, tags)
        if missing:
            wanted = ", ".join("%s=%s" % item for item in sorted(missing.items()))
            entry["reason"] = "not made by this collection: it does not carry the tags %s" % wanted
            kept.append(entry)
        elif protected_key and resource.get(protected_key):
            entry["reason"] = "deletion protection is on (%s): turn it off to delete it" % protected_key
            kept.append(entry)
        elif resource_id in held:
            entry["reason"] = "holds what this collection did not make: %s" % ", ".join(sorted(held[resource_id]))
            kept.append(entry)
        else:
            delete.append(entry)
    return {"delete": delete, "kept": kept}


def teardown_report(entries):
    """The entries in deletion order (stable within a kind), each resource once."""
    seen = set()
    unique = []
    for entry in entries or []:
        if not isinstance(entry, dict) or entry.get("kind") not in KIND_ORDER:
            raise AnsibleFilterError("teardown_report: not a teardown entry: %r" % (entry,))
        key = (entry["kind"], entry.get("id"), entry.get("parent"))
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return sorted(unique, key=lambda entry: KIND_ORDER.index(entry["kind"]))


def teardown_members(meshes):
    """One ``asm_mesh_cluster`` entry per cluster of each mesh entry (``teardown_split`` with
    ``extra=['clusters']``): the memberships carry no tags, they go with their mesh."""
    members = []
    for mesh in meshes or []:
        for cluster_id in mesh.get("clusters") or []:
            members.append(
                {
                    "kind": "asm_mesh_cluster",
                    "id": cluster_id,
                    "name": "",
                    "region": mesh.get("region") or "",
                    "parent": mesh["id"],
                }
            )
    return members


def teardown_line(entry):
    """One line for a person: ``kind id (name) in region[, of parent][: reason]``."""
    line = "%s %s" % (entry.get("kind"), entry.get("id"))
    if entry.get("name"):
        line += " (%s)" % entry["name"]
    if entry.get("region"):
        line += " in %s" % entry["region"]
    if entry.get("parent"):
        line += ", of %s" % entry["parent"]
    if entry.get("reason"):
        line += ": %s" % entry["reason"]
    return line


class FilterModule:
    def filters(self):
        return {
            "teardown_split": teardown_split,
            "teardown_report": teardown_report,
            "teardown_members": teardown_members,
            "teardown_line": teardown_line,
        }
