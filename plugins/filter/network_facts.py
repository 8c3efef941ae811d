# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that shape the network role's results: zone mappings, the inter-region connections
between the regions still up, their bindings, and the ids the role publishes in network_facts."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

# The names of the explicit routes the network role makes when route sync is off: only routes
# whose name starts with this are ever removed by the role.
PEER_ROUTE_PREFIX = "geomesh-peer-"


def _vswitches(results):
    """The vSwitches of a registered loop of geomesh.alicloud.vpc_vswitch (skipped items left out)."""
    if isinstance(results, dict):
        results = results.get("results") or []
    found = []
    for result in results or []:
        vswitch = result.get("vswitch") if isinstance(result, dict) else None
        if vswitch:
            found.append(vswitch)
    return found


def network_zone_mappings(results):
    """One ``{vswitch_id, zone_id}`` per zone (the first vSwitch of each zone), sorted by zone."""
    first = {}
    for vswitch in _vswitches(results):
        first.setdefault(vswitch["zone_id"], vswitch["vswitch_id"])
    return [{"vswitch_id": first[zone], "zone_id": zone} for zone in sorted(first)]


def network_vswitch_ids_by_zone(results):
    """``{zone_id: [vswitch_id, ...]}`` in the order the vSwitches were made."""
    by_zone = {}
    for vswitch in _vswitches(results):
        by_zone.setdefault(vswitch["zone_id"], []).append(vswitch["vswitch_id"])
    return by_zone


def _get(mapping, key):
    try:
        return mapping[key]
    except (KeyError, TypeError):
        return None


def network_peerings(region_hosts, live_hosts, hostvars):
    """The inter-region connections to make, between the region hosts that are still up.

    A region host that failed in its own tasks (not in ``live_hosts``, or without a transit
    router) is left out; its connections are listed in ``skipped``. Returns ``{connections,
    failed, skipped, message}``; each connection has ``name``, ``hosts``, ``regions``,
    ``transit_router_ids`` and ``route_table_ids`` (local side first), and ``owner``: the host that
    makes it, one of the two, so that every host makes about as many as the others (the hosts make
    theirs at the same time).
    """
    if not isinstance(region_hosts, (list, tuple)):
        raise AnsibleFilterError("network_peerings expects a list of region hosts")
    live = set(live_hosts or [])
    up, failed = [], []
    for host in region_hosts:
        hvars = _get(hostvars, host)
        if host in live and _get(hvars, "network_transit_router_id"):
            up.append(host)
        else:
            failed.append(host)

    def region(host):
        return _get(_get(_get(hostvars, host), "network_plan_entry"), "region") or host

    def owner(i, j):
        # a round robin: host i owns its connections to the next half of the circle of hosts
        # (the one straight across, with an even count, to the first half), so that every host
        # owns (N-1)/2 of them, give or take one
        ahead = (j - i) % len(up)
        if ahead * 2 < len(up) or (ahead * 2 == len(up) and i < j):
            return up[i]
        return up[j]

    connections = []
    for index, first in enumerate(up):
        for offset, second in enumerate(up[index + 1 :], start=index + 1):
            pair = [first, second]
            connections.append(
                {
                    "name": "%s-to-%s" % (region(first), region(second)),
                    "owner": owner(index, offset),
                    "hosts": pair,
                    "regions": [region(h) for h in pair],
                    "transit_router_ids": [hostvars[h]["network_transit_router_id"] for h in pair],
                    "route_table_ids": [hostvars[h]["network_route_table_id"] for h in pair],
                }
            )
    skipped = [
        "%s <-> %s" % (region(a), region(b))
        for index, a in enumerate(region_hosts)
        for b in region_hosts[index + 1 :]
        if a in failed or b in failed
    ]
    message = ""
    if failed:
        message = (
            "Regions that failed in their own tasks: %s. Skipped their inter-region connections: %s. "
            "The connections between the other regions were made; fix the failure and run the play again."
            % (", ".join("%s (host %s)" % (region(h), h) for h in failed), ", ".join(skipped))
        )
    return {"connections": connections, "failed": failed, "skipped": skipped, "message": message}


def _connection(result):
    """The connection a registered async_status result waited for (its job's loop item)."""
    return _get(_get(result, "item"), "item") or {}


def _attachment_id(result):
    return _get(_get(result, "peer_attachment"), "transit_router_attachment_id")


def network_peer_bindings(results):
    """Both route-table bindings of every inter-region connection: ``{attachment_id, host, region,
    transit_router_id, route_table_id}``, the local side first."""
    if isinstance(results, dict):
        results = results.get("results") or []
    bindings = []
    for result in results or []:
        connection, attachment_id = _connection(result), _attachment_id(result)
        if not attachment_id:
            raise AnsibleFilterError("network_peer_bindings: a connection result has no peer_attachment")
        for side in (0, 1):
            bindings.append(
                {
                    "attachment_id": attachment_id,
                    "host": (connection.get("hosts") or [None, None])[side],
                    "region": connection["regions"][side],
                    "transit_router_id": connection["transit_router_ids"][side],
                    "route_table_id": connection["route_table_ids"][side],
                }
            )
    return bindings


def network_peer_attachment_ids(results, host):
    """``{peer_region: attachment_id}`` of the inter-region connections of one host."""
    if isinstance(results, dict):
        results = results.get("results") or []
    ids = {}
    for result in results or []:
        connection = _connection(result)
        hosts = connection.get("hosts") or []
        if host in hosts and _attachment_id(result):
            ids[connection["regions"][1 - hosts.index(host)]] = _attachment_id(result)
    return ids


def _route_name(host, what):
    # RouteEntryName: 1-128 characters; keep to letters, digits, periods, underscores and hyphens
    # (VPC CreateRouteEntry, RouteEntryName; alicloud-api.md section 2)
    return (PEER_ROUTE_PREFIX + re.sub(r"[^A-Za-z0-9._-]", "-", str(host)) + "-" + what)[:128]


def network_peer_routes(plan, own):
    """The explicit routes of host ``own``'s VPC when route sync is off: the VPC CIDR and the Flannel
    Pod CIDR of every OTHER host of the plan, as ``{destination_cidr_block, name, description}``,
    sorted by destination. Terway Pod IPs come from vSwitches inside their VPC's CIDR: the VPC route
    covers them.

    ``plan`` is the list of the hosts' ``network_plan_entry`` (``name``, ``vpc``, ``pod_cidr``).
    """
    if not isinstance(plan, (list, tuple)):
        raise AnsibleFilterError("network_peer_routes expects a list of plan entries")
    routes = {}
    for entry in plan:
        if not isinstance(entry, dict) or entry.get("name") == own:
            continue
        host = entry.get("name")
        targets = (
            ("vpc", (entry.get("vpc") or {}).get("cidr_block"), "VPC of %s" % host),
            ("pods", entry.get("pod_cidr"), "Pods of %s" % host),
        )
        for what, cidr, label in targets:
            if not cidr:
                continue
            try:
                net = ipaddress.IPv4Network(str(cidr), strict=True)
            except ValueError as err:
                raise AnsibleFilterError(
                    "network_peer_routes: %s: %r is not a CIDR block (%s)" % (host, cidr, err)
                ) from err
            routes.setdefault(
                str(net),
                {
                    "destination_cidr_block": str(net),
                    "name": _route_name(host, what),
                    "description": "geomesh: %s through the transit router" % label,
                },
            )
    return [routes[cidr] for cidr in sorted(routes, key=ipaddress.IPv4Network)]


class FilterModule:
    def filters(self):
        return {
            "network_zone_mappings": network_zone_mappings,
            "network_vswitch_ids_by_zone": network_vswitch_ids_by_zone,
            "network_peerings": network_peerings,
            "network_peer_bindings": network_peer_bindings,
            "network_peer_attachment_ids": network_peer_attachment_ids,
            "network_peer_routes": network_peer_routes,
        }
