# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the network plan: validate every CIDR before any API call, pair regions."""

from __future__ import annotations

import ipaddress

from ansible.errors import AnsibleFilterError


def _net(errors, where, value):
    try:
        net = ipaddress.IPv4Network(str(value), strict=True)
    except ValueError as err:
        errors.append("%s: %r is not an IPv4 CIDR block in canonical form (%s)" % (where, value, err))
        return None
    if "/" not in str(value):
        errors.append("%s: %r needs a prefix length" % (where, value))
        return None
    return net


def _ranges(entry, errors):
    """Yield (label, network, kind, vpc_label) for every range one plan entry routes."""
    host = entry.get("name") or entry.get("region") or "?"
    vpc = entry.get("vpc") or {}
    found = []
    vpc_net = None
    if vpc:
        vpc_net = _net(errors, "%s: vpc.cidr_block" % host, vpc.get("cidr_block"))
        if vpc_net:
            found.append(("%s vpc.cidr_block %s" % (host, vpc_net), vpc_net, "vpc"))
    for index, vsw in enumerate(entry.get("vswitches") or []):
        label = "%s: vswitches[%d].cidr_block" % (host, index)
        net = _net(errors, label, vsw.get("cidr_block"))
        if net is None:
            continue
        if vpc_net is not None and not net.subnet_of(vpc_net):
            errors.append("%s %s is not inside the VPC's %s" % (label, net, vpc_net))
        if not vsw.get("zone_id"):
            errors.append("%s: vswitches[%d].zone_id is required" % (host, index))
        found.append(("%s vswitches[%d].cidr_block %s" % (host, index, net), net, "vswitch"))
    for field in ("pod_cidr", "service_cidr"):
        if entry.get(field):
            net = _net(errors, "%s: %s" % (host, field), entry[field])
            if net:
                found.append(("%s %s %s" % (host, field, net), net, field))
    return host, vpc_net, found


def network_plan_errors(plan, min_zones=2):
    """Return a list of human-readable errors for a network plan (empty when it is valid).

    ``plan`` is a list of entries ``{name, region, vpc: {name, cidr_block}, vswitches:
    [{name, cidr_block, zone_id}], pod_cidr, service_cidr, single_zone}``; ranges of
    different entries are routed to each other over CEN, so none may overlap; within one
    entry, vSwitches must sit inside the VPC and not overlap each other, and Pod/Service
    ranges must not overlap the VPC.
    """
    if not isinstance(plan, list):
        raise AnsibleFilterError("network_plan_errors expects a list of plan entries, got %s" % type(plan).__name__)
    errors = []
    collected = []
    for entry in plan:
        if not isinstance(entry, dict):
            errors.append("plan entry %r is not a dictionary" % (entry,))
            continue
        host, vpc_net, ranges = _ranges(entry, errors)
        if entry.get("vpc") and not (entry["vpc"] or {}).get("name"):
            errors.append("%s: vpc.name is required" % host)
        zones = {v.get("zone_id") for v in entry.get("vswitches") or [] if v.get("zone_id")}
        if entry.get("vpc") and len(zones) < min_zones and not entry.get("single_zone"):
            errors.append(
                "%s: vswitches span %d zone(s); a transit router VPC attachment needs vSwitches in at least %d zones"
                " (set single_zone: true for a region that has only one)" % (host, len(zones), min_zones)
            )
        collected.append((host, vpc_net, ranges))

    seen_vswitch = {}
    for entry_ranges in (c[2] for c in collected):
        for label, net, kind in entry_ranges:
            if kind == "vswitch":
                if net in seen_vswitch:
                    errors.append(
                        "%s: the same CIDR as %s (no two vSwitches may share a CIDR block)" % (label, seen_vswitch[net])
                    )
                else:
                    seen_vswitch[net] = label
    flat = [(c[0], label, net, kind) for c in collected for label, net, kind in c[2]]
    for i, (host_a, label_a, net_a, kind_a) in enumerate(flat):
        for host_b, label_b, net_b, kind_b in flat[i + 1 :]:
            if not net_a.overlaps(net_b) or net_a == net_b and kind_a == kind_b == "vswitch":
                continue
            same_host = host_a == host_b
            # inside one VPC a vSwitch sits in its VPC range by design
            if same_host and {kind_a, kind_b} == {"vpc", "vswitch"}:
                continue
            errors.append("%s overlaps %s" % (label_a, label_b))
    return errors


def full_mesh_pairs(items):
    """All unordered pairs of a list, in order: [a, b, c] -> [[a, b], [a, c], [b, c]]."""
    items = list(items)
    return [[a, b] for i, a in enumerate(items) for b in items[i + 1 :]]


class FilterModule:
    def filters(self):
        return {"network_plan_errors": network_plan_errors, "full_mesh_pairs": full_mesh_pairs}
