# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the teardown role against the emulator's state (``GET /_emulator/state``).

``teardown_check.py URL PREFIX plan FACTS IDS``: the resources of this run in the emulator - those
that carry the run's tag ``test=PREFIX``: the CEN ``PREFIX-cen``, its transit routers, the VPCs
``PREFIX-vpc-*`` with their vSwitches, VPC attachments and the network role's explicit routes
(``geomesh-peer-*``), the inter-region connections, the
clusters ``PREFIX-ack-*``, the mesh ``PREFIX-mesh`` and its members - must be exactly
``would_delete`` of the teardown_facts in FACTS, in the role's order (each kind after the kinds
that depend on it), each once; ``kept`` must be exactly the VPCs named ``PREFIX-vpc-*`` without
the tag (the foreign ones), the vSwitches without it in the run's VPCs, and the run's VPCs that
hold such a vSwitch, each with its reason. Writes the IDs to IDS (JSON) for the census.

``teardown_check.py URL PREFIX census IDS``: no resource in the emulator names an ID of IDS any
more, and what names PREFIX is only the foreign VPCs and
what belongs to them. Prints what is left.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request

# the census rule of the runbook targets: which store records are no resource of the API
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runbook"))
from census import not_a_resource  # noqa: E402  # pylint: disable=wrong-import-position

ORDER = (
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


def state(url: str) -> dict:
    with urllib.request.urlopen(url.rstrip("/") + "/_emulator/state", timeout=30) as response:
        return json.loads(response.read().decode())


def tags(doc: dict) -> dict:
    """The tags of a stored doc: ``[{Key, Value}]`` (RPC products) or ``[{key, value}]`` (ACK)."""
    return {
        str(item.get("Key", item.get("key"))): str(item.get("Value", item.get("value")))
        for item in doc.get("Tags") or doc.get("tags") or []
    }


def run_resources(found: dict, prefix: str) -> tuple[set, set, dict]:
    """``({(kind, id)} to delete, {foreign VPC ids}, {kept (kind, id): reason}``: the VPCs
    ``PREFIX-vpc-*`` without the run's tag and the vSwitches without it in the run's VPCs are
    foreign; a run's VPC holding a foreign vSwitch is kept."""
    ours = {"test": prefix}

    def tagged(doc):
        return all(tags(doc).get(k) == v for k, v in ours.items())

    not_ours = "does not carry the tags test=%s" % prefix
    named = [v for v in found.get("vpc", []) if (v.get("VpcName") or "").startswith(prefix + "-vpc-")]
    vpcs = {v["VpcId"] for v in named if tagged(v)}
    foreign = {v["VpcId"] for v in named if not tagged(v)}
    kept = {("vpc", v): not_ours for v in foreign}
    vswitches = [s for s in found.get("vswitch", []) if s.get("VpcId") in vpcs]
    for vsw in vswitches:
        if not tagged(vsw):
            kept[("vpc_vswitch", vsw["VSwitchId"])] = not_ours
            kept[("vpc", vsw["VpcId"])] = "holds what this collection did not make: vpc_vswitch %s" % vsw["VSwitchId"]
    cens = {c["CenId"] for c in found.get("cen", []) if c.get("Name") == prefix + "-cen" and tagged(c)}
    routers = {t["TransitRouterId"] for t in found.get("cbn_transit_router", []) if t.get("CenId") in cens}
    meshes = [m for m in found.get("asm_mesh", []) if (m.get("Name") or "").startswith(prefix + "-mesh")]
    result = {("vpc", v) for v in vpcs}
    result |= {("vpc_vswitch", s["VSwitchId"]) for s in vswitches}
    result |= {("cen_instance", c) for c in cens}
    result |= {("cen_transit_router", t) for t in routers}
    result |= {
        ("cen_transit_router_vpc_attachment", a["TransitRouterAttachmentId"])
        for a in found.get("cbn_vpc_attachment", [])
        if a.get("VpcId") in vpcs
    }
    result |= {
        ("cen_transit_router_peer_attachment", a["TransitRouterAttachmentId"])
        for a in found.get("cbn_peer_attachment", [])
        if a.get("TransitRouterId") in routers
    }
    result |= {
        ("ack_cluster", c["cluster_id"])
        for c in found.get("cs_cluster", [])
        if (c.get("name") or "").startswith(prefix + "-ack-")
    }
    result |= {
        ("vpc_route_entry", e["RouteEntryId"])
        for e in found.get("vpc_route_entry", [])
        if e.get("VpcId") in vpcs and (e.get("RouteEntryName") or "").startswith("geomesh-peer-")
    }
    result |= {("asm_mesh", m["ServiceMeshId"]) for m in meshes}
    for mesh in meshes:
        # the raw state holds joins and leaves the API shows as done once their time has come
        members = set(mesh.get("Clusters") or [])
        for op in mesh.get("_pending") or []:
            (members.add if op.get("Op") == "add" else members.discard)(op.get("ClusterId"))
        result |= {("asm_mesh_cluster", c) for c in members}
    return result - set(kept), foreign, kept


def plan(url: str, prefix: str, facts_path: str, ids_path: str) -> int:
    with open(facts_path, encoding="utf-8") as handle:
        facts = json.load(handle)
    expected, foreign, expected_kept = run_resources(state(url), prefix)
    listed = [(e["kind"], e["id"]) for e in facts["would_delete"]]
    failures = []
    if facts["deleted"]:
        failures.append("check mode deleted %s" % facts["deleted"])
    if len(listed) != len(set(listed)):
        failures.append("a resource listed twice: %s" % listed)
    if set(listed) != expected:
        failures.append("would_delete %s, expected %s" % (sorted(set(listed)), sorted(expected)))
    ranks = [ORDER.index(kind) for kind, _i in listed]
    if ranks != sorted(ranks):
        failures.append("would_delete is not in deletion order: %s" % [kind for kind, _i in listed])
    kept = {(e["kind"], e["id"]): e.get("reason") or "" for e in facts["kept"]}
    if set(kept) != set(expected_kept) or not foreign:
        failures.append("kept %s, expected %s" % (sorted(kept), sorted(expected_kept)))
    for key, reason in expected_kept.items():
        if reason not in kept.get(key, ""):
            failures.append("%s %s kept without the reason %r: %r" % (key + (reason, kept.get(key))))
    counts = {}
    for kind, _i in listed:
        counts[kind] = counts.get(kind, 0) + 1
    sys.stdout.write("would delete: %s\n" % ", ".join("%d %s" % (counts[k], k) for k in ORDER if k in counts))
    sys.stdout.write("kept: %s\n" % "; ".join("%s %s: %s" % (k[0], k[1], r) for k, r in sorted(kept.items())))
    with open(ids_path, "w", encoding="utf-8") as handle:
        # the IDs of the run's resources, those kept for holding a foreign one too (the census
        # runs once the foreign ones inside are gone)
        held = {i for k, i in expected_kept if k == "vpc" and i not in foreign}
        json.dump({"ids": sorted({i for _k, i in expected} | held), "foreign": sorted(foreign)}, handle)
    for failure in failures:
        sys.stdout.write("FAIL: %s\n" % failure)
    return 1 if failures else 0


def census(url: str, prefix: str, ids_path: str) -> int:
    with open(ids_path, encoding="utf-8") as handle:
        recorded = json.load(handle)
    ids, foreign = set(recorded["ids"]), set(recorded["foreign"])
    found = state(url)
    with urllib.request.urlopen(url.rstrip("/") + "/_emulator/health", timeout=30) as response:
        health = json.loads(response.read().decode())
    servers = json.dumps(health.get("kube") or {})
    live_servers = {c["cluster_id"] for c in found.get("cs_cluster", [])} | {
        m["ServiceMeshId"] for m in found.get("asm_mesh", [])
    }
    left, ignored, failures = {}, {}, []
    # Not a failure of the teardown: the emulator keeps listening for a deleted cluster's or mesh's
    # API server (INTERFACE.md says it stops once they are gone); said, so it is seen.
    listening = sorted(i for i in ids if i in servers)
    if listening:
        sys.stdout.write("note: the emulator still serves the Kubernetes API of %s\n" % ", ".join(listening))
    for kind, docs in found.items():
        for doc in docs if isinstance(docs, list) else []:
            text = json.dumps(doc)
            named = [i for i in ids if i in text]
            if not named and prefix not in text:
                continue
            if not_a_resource(kind, doc, found, live_servers):
                ignored[kind] = ignored.get(kind, 0) + 1
                continue
            left[kind] = left.get(kind, 0) + 1
            if named:
                failures.append("%s still names %s: %s" % (kind, named, text[:300]))
            elif not any(f in text for f in foreign):
                failures.append("%s of the run left: %s" % (kind, text[:300]))
    still = {doc["VpcId"] for doc in found.get("vpc", [])}
    if not foreign <= still:
        failures.append("a foreign VPC was deleted: %s" % sorted(foreign - still))
    sys.stdout.write(
        "left of %s: %s (records that are no resource: %s)\n"
        % (
            prefix,
            ", ".join("%d %s" % (n, k) for k, n in sorted(left.items())) or "nothing",
            ", ".join("%d %s" % (n, k) for k, n in sorted(ignored.items())) or "none",
        )
    )
    for failure in failures:
        sys.stdout.write("FAIL: %s\n" % failure)
    return 1 if failures else 0


def main() -> int:
    url, prefix, mode = sys.argv[1:4]
    if mode == "plan":
        return plan(url, prefix, sys.argv[4], sys.argv[5])
    return census(url, prefix, sys.argv[4])


if __name__ == "__main__":
    sys.exit(main())
