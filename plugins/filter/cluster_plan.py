# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the cluster plan: check every cluster of every region (and the mesh VPC) before
any API call, and derive the peer security-group rules of each cluster."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import zone_in_region

NETWORK_PLUGINS = ("flannel", "terway")

# CreateCluster `node_cidr_mask` (Flannel only): the module accepts 24..28
# (issue8-interfaces.md, ack_cluster); the API's default is 26 (alicloud-api.md section 4,
# CreateCluster). Each node gets one /node_cidr_mask slice of the Pod CIDR, so the Pod CIDR must
# hold node_count slices.
NODE_CIDR_MASK_MIN = 24
NODE_CIDR_MASK_MAX = 28
NODE_CIDR_MASK_DEFAULT = 26

# ECS instance types are named ecs.<family>.<size>, e.g. ecs.g7.xlarge (alicloud-api.md section 4,
# CreateCluster example; Alibaba Cloud "Instance family" naming,
# https://www.alibabacloud.com/help/en/ecs/user-guide/overview-of-instance-families).
_INSTANCE_TYPE = re.compile(r"^ecs\.[a-z0-9-]+(\.[a-z0-9-]+)+$")

# The description prefix of the rules the cluster role adds (ecs_security_group_rule rule_marker):
# its own marker, so the role never touches rules made by ACK, by hand or by other tasks.
RULE_MARKER = "geomesh:peer-pods:"


def _net(errors, where, value):
    if value in (None, ""):
        return None
    try:
        net = ipaddress.IPv4Network(str(value), strict=True)
    except ValueError as err:
        errors.append("%s: %r is not an IPv4 CIDR block in canonical form (%s)" % (where, value, err))
        return None
    if "/" not in str(value):
        errors.append("%s: %r needs a prefix length" % (where, value))
        return None
    return net


def _int(errors, where, value, minimum=None, maximum=None):
    if isinstance(value, bool):
        errors.append("%s: %r is not a whole number" % (where, value))
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.append("%s: %r is not a whole number" % (where, value))
        return None
    if minimum is not None and number < minimum or maximum is not None and number > maximum:
        if maximum is None:
            errors.append("%s: %d is less than %d" % (where, number, minimum))
        else:
            errors.append("%s: %d is outside %d to %d" % (where, number, minimum, maximum))
        return None
    return number


def _plugin(cluster):
    return str(cluster.get("network_plugin") or "flannel").lower()


def _check_cluster(entry, errors, ranges):
    """Check one region's cluster; append its routed ranges to ``ranges`` as (host, label, net, kind)."""
    host = entry.get("name") or entry.get("region") or "?"
    region = entry.get("region")
    cluster = entry.get("cluster")
    where = "%s: geomesh_cluster" % host
    if not isinstance(cluster, dict) or not cluster:
        errors.append(
            "%s is required for a region host (name, pod_cidr or pod_vswitches, node_count, instance_types)" % where
        )
        return
    if not cluster.get("name"):
        errors.append("%s.name is required" % where)
    plugin = _plugin(cluster)
    if plugin not in NETWORK_PLUGINS:
        errors.append("%s.network_plugin: %r is neither flannel nor terway" % (where, cluster.get("network_plugin")))
        return
    vpc_net = _net(errors, "%s: vpc.cidr_block" % host, (entry.get("vpc") or {}).get("cidr_block"))
    node_vswitches = []
    for index, vsw in enumerate(entry.get("vswitches") or []):
        net = _net(errors, "%s: vswitches[%d].cidr_block" % (host, index), vsw.get("cidr_block"))
        if net is not None:
            node_vswitches.append(("vswitches[%d]" % index, net))
    node_zones = {v.get("zone_id") for v in entry.get("vswitches") or [] if v.get("zone_id")}

    service = _net(errors, "%s.service_cidr" % where, cluster.get("service_cidr"))
    if service is not None:
        ranges.append((host, "%s geomesh_cluster.service_cidr %s" % (host, service), service, "service_cidr"))

    node_count = _int(errors, "%s.node_count" % where, cluster.get("node_count", 2), minimum=1)
    instance_types = cluster.get("instance_types")
    if not isinstance(instance_types, list) or not instance_types:
        errors.append(
            "%s.instance_types: a non-empty list of ECS instance types is required (e.g. ecs.g7.xlarge)" % where
        )
    else:
        for index, itype in enumerate(instance_types):
            if not isinstance(itype, str) or not _INSTANCE_TYPE.match(itype):
                errors.append(
                    "%s.instance_types[%d]: %r is not an ECS instance type (ecs.<family>.<size>)"
                    % (where, index, itype)
                )
        if len(set(instance_types)) != len(instance_types):
            errors.append("%s.instance_types lists a type twice" % where)
    version = cluster.get("kubernetes_version")
    if version not in (None, "") and not isinstance(version, str):
        errors.append("%s.kubernetes_version: %r is not a version string (quote it)" % (where, version))

    pod_vswitches = cluster.get("pod_vswitches") or []
    if plugin == "flannel":
        if pod_vswitches:
            errors.append("%s.pod_vswitches are for network_plugin terway; flannel takes pod_cidr" % where)
        if not cluster.get("pod_cidr"):
            errors.append("%s.pod_cidr is required with network_plugin flannel" % where)
        pod = _net(errors, "%s.pod_cidr" % where, cluster.get("pod_cidr"))
        mask = _int(
            errors,
            "%s.node_cidr_mask" % where,
            cluster.get("node_cidr_mask", NODE_CIDR_MASK_DEFAULT),
            NODE_CIDR_MASK_MIN,
            NODE_CIDR_MASK_MAX,
        )
        if pod is not None:
            ranges.append((host, "%s geomesh_cluster.pod_cidr %s" % (host, pod), pod, "pod_cidr"))
            if mask is not None and mask < pod.prefixlen:
                errors.append("%s.node_cidr_mask /%d is larger than the pod_cidr %s" % (where, mask, pod))
            elif mask is not None and node_count is not None and 2 ** (mask - pod.prefixlen) < node_count:
                errors.append(
                    "%s.pod_cidr %s holds %d node slices of /%d, fewer than node_count %d"
                    % (where, pod, 2 ** (mask - pod.prefixlen), mask, node_count)
                )
        return
    # terway: Pod IPs come from vSwitches of the cluster's VPC (alicloud-api.md section 4, Terway;
    # section 8.1), created by the cluster role; they must lie in the VPC and beside the node vSwitches.
    if cluster.get("pod_cidr"):
        errors.append("%s.pod_cidr is for network_plugin flannel; terway takes pod_vswitches" % where)
    if "node_cidr_mask" in cluster:
        errors.append("%s.node_cidr_mask is for network_plugin flannel only" % where)
    if not isinstance(pod_vswitches, list) or not pod_vswitches:
        errors.append(
            "%s.pod_vswitches: network_plugin terway needs at least one pod vSwitch (name, cidr_block, zone_id)" % where
        )
        return
    seen = []
    for index, vsw in enumerate(pod_vswitches):
        label = "%s.pod_vswitches[%d]" % (where, index)
        if not isinstance(vsw, dict):
            errors.append("%s is not a dictionary" % label)
            continue
        net = _net(errors, "%s.cidr_block" % label, vsw.get("cidr_block"))
        if vsw.get("cidr_block") in (None, ""):
            errors.append("%s.cidr_block is required" % label)
        zone = vsw.get("zone_id")
        if not zone:
            errors.append("%s.zone_id is required" % label)
        elif region and not zone_in_region(zone, region):
            errors.append("%s.zone_id %s is not a zone of the region %s" % (label, zone, region))
        elif node_zones and zone not in node_zones:
            errors.append(
                "%s.zone_id %s has no node vSwitch (nodes are in %s); Terway gives a node Pod IPs from a pod vSwitch"
                " of its own zone" % (label, zone, ", ".join(sorted(node_zones)))
            )
        if net is None:
            continue
        if vpc_net is not None and not net.subnet_of(vpc_net):
            errors.append("%s.cidr_block %s is not inside the VPC's %s" % (label, net, vpc_net))
        for other_label, other in node_vswitches:
            if net.overlaps(other):
                errors.append("%s.cidr_block %s overlaps the node vSwitch %s %s" % (label, net, other_label, other))
        for other_label, other in seen:
            if net.overlaps(other):
                errors.append("%s.cidr_block %s overlaps %s %s" % (label, net, other_label, other))
        seen.append(("pod_vswitches[%d]" % index, net))
        ranges.append((host, "%s geomesh_cluster.pod_vswitches[%d] %s" % (host, index, net), net, "pod_vswitch"))


def cluster_plan_errors(plan):
    """Return one message per problem of the cluster plan (empty when it is valid).

    ``plan`` is a list of entries ``{name, region, vpc: {cidr_block}, vswitches: [{cidr_block,
    zone_id}], cluster: {...geomesh_cluster...} | None, mesh: bool}``: one per region host (with a
    cluster) and one per mesh host (``mesh: true``, no cluster). Pod, Service and VPC ranges of all
    entries are routed to each other (over CEN, through the mesh), so none may overlap, and no
    cluster's Pod or Service range may overlap any VPC; Terway pod vSwitches lie inside their own VPC.
    """
    if not isinstance(plan, list):
        raise AnsibleFilterError("cluster_plan_errors expects a list of plan entries, got %s" % type(plan).__name__)
    errors = []
    ranges = []
    names = {}
    meshes = []
    for entry in plan:
        if not isinstance(entry, dict):
            errors.append("plan entry %r is not a dictionary" % (entry,))
            continue
        host = entry.get("name") or entry.get("region") or "?"
        vpc = entry.get("vpc") or {}
        vpc_net = _net(errors, "%s: vpc.cidr_block" % host, vpc.get("cidr_block"))
        if vpc_net is not None:
            ranges.append((host, "%s vpc.cidr_block %s" % (host, vpc_net), vpc_net, "vpc"))
        if entry.get("mesh"):
            meshes.append(host)
            if not vpc:
                errors.append("%s: the mesh host needs a VPC of its own (geomesh_vpc)" % host)
            continue
        if not vpc:
            errors.append("%s: a region host needs a VPC (geomesh_vpc) for its cluster" % host)
        _check_cluster(entry, errors, ranges)
        name = (entry.get("cluster") or {}).get("name") if isinstance(entry.get("cluster"), dict) else None
        if name:
            if name in names:
                errors.append("%s: geomesh_cluster.name %s is also the cluster of %s" % (host, name, names[name]))
            names.setdefault(name, host)
    if len(meshes) > 1:
        errors.append("only one mesh host is supported, found %s" % ", ".join(meshes))
    for index, (host_a, label_a, net_a, kind_a) in enumerate(ranges):
        for host_b, label_b, net_b, kind_b in ranges[index + 1 :]:
            if not net_a.overlaps(net_b):
                continue
            # a Terway pod vSwitch lies in its own VPC by design
            if host_a == host_b and {kind_a, kind_b} == {"vpc", "pod_vswitch"}:
                continue
            errors.append("%s overlaps %s" % (label_a, label_b))
    return errors


def cluster_pod_ranges(cluster):
    """The CIDR blocks a cluster's Pods use: its Pod CIDR (Flannel) or its pod vSwitch CIDR blocks (Terway)."""
    if not isinstance(cluster, dict):
        return []
    if _plugin(cluster) == "terway":
        return [
            v["cidr_block"] for v in cluster.get("pod_vswitches") or [] if isinstance(v, dict) and v.get("cidr_block")
        ]
    return [cluster["pod_cidr"]] if cluster.get("pod_cidr") else []


def cluster_peer_rules(clusters, own):
    """The ingress rules of cluster ``own``'s security group: every OTHER cluster's Pod ranges, protocol all.

    ``clusters`` maps a host (or any key) to its ``geomesh_cluster``; ``own`` is the key of this
    cluster. Rules are sorted by source, each described with the peer cluster's name.
    """
    if not isinstance(clusters, dict):
        raise AnsibleFilterError("cluster_peer_rules expects a dictionary of host to geomesh_cluster")
    if own not in clusters:
        raise AnsibleFilterError("cluster_peer_rules: %s is not one of the clusters" % own)
    rules = {}
    own_ranges = set(cluster_pod_ranges(clusters[own]))
    for key in sorted(clusters):
        if key == own:
            continue
        peer = clusters[key] or {}
        for cidr in cluster_pod_ranges(peer):
            if cidr in own_ranges:
                continue
            rules.setdefault(
                cidr,
                {
                    "source_cidr_ip": cidr,
                    "ip_protocol": "all",
                    "port_range": "-1/-1",
                    "policy": "accept",
                    "priority": 1,
                    "description": "%s pods of %s" % (RULE_MARKER, peer.get("name") or key),
                },
            )
    return [rules[cidr] for cidr in sorted(rules, key=ipaddress.IPv4Network)]


def cluster_check_errors(results):
    """Messages of the hosts whose check-mode ``ack_cluster`` (the preflight) failed.

    ``results`` maps a host to its registered result; hosts that skipped or passed give none.
    """
    errors = []
    for host in sorted(results or {}):
        result = results[host]
        if isinstance(result, dict) and result.get("failed"):
            errors.append("%s: %s" % (host, result.get("msg") or "the cluster check failed"))
    return errors


class FilterModule:
    def filters(self):
        return {
            "cluster_plan_errors": cluster_plan_errors,
            "cluster_peer_rules": cluster_peer_rules,
            "cluster_pod_ranges": cluster_pod_ranges,
            "cluster_check_errors": cluster_check_errors,
        }
