# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ASM (servicemesh 2020-01-11, RPC): list actions, waiters, tag types, lookups and return shapes.

ASM calls take no ClientToken: creates are made idempotent by looking up before every attempt.

Facts: alicloud-api.md section 5, asm-details.md, and the ``alibabacloud_servicemesh20200111``
(3.4.0) models, whose docstrings are cited below as "SDK".
"""

from __future__ import annotations

import json
import re

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, ValidationError
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import (
    SINGLE,
    TOKEN,
    ListSpec,
    list_items,
    only_one,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import tag_list_to_dict
from ansible_collections.geomesh.alicloud.plugins.module_utils.waiters import WaiterSpec

# alicloud-api.md section 5: DescribeServiceMeshDetail's not-found code (also DeleteServiceMesh's).
MESH_NOT_FOUND = ("ServiceMesh.NotFound",)

# DescribeServiceMeshes: no paging and no region filter (alicloud-api.md section 5); whether the
# endpoint answers with the meshes of every region is UNCONFIRMED, so lookups filter by RegionId.
# The items are flattened with ``mesh_view`` before ``only_one`` reads ``ServiceMeshId``.
MESHES = ListSpec("DescribeServiceMeshes", "ServiceMeshes", "ServiceMeshId", SINGLE)
# Clusters already in a mesh (no paging) and candidate clusters (Limit / Offset paging).
MEMBERS = ListSpec("DescribeClustersInServiceMesh", "Clusters", "ClusterId", SINGLE, not_found=MESH_NOT_FOUND)
CANDIDATES = ListSpec("DescribeServiceMeshClusters", "Clusters", "ClusterId", SINGLE, not_found=MESH_NOT_FOUND)
CANDIDATE_PAGE = 100
# Tags: RegionId, ResourceType=servicemesh, ResourceId.N, NextToken (alicloud-api.md "Tags (ASM)");
# the request has no MaxResults (SDK ListTagResourcesRequest).
TAGS = ListSpec("ListTagResources", "TagResources", "ResourceId", TOKEN, None)

# ServiceMeshInfo.State: "initial" -> "running" is documented (alicloud-api.md section 5, TF docs);
# "updating" / "upgrading" (joins, feature updates, upgrades) and "failed" are UNCONFIRMED names.
WAITERS = {
    "mesh": WaiterSpec("State", ("running",), failure=("failed",), in_progress=("initial", "updating", "upgrading")),
}
TAG_TYPES = {"mesh": "servicemesh"}
DELETING_STATES = ("deleting",)

# Edition (ServiceMeshInfo.Profile, SDK): "Default" is the Standard Edition, "Pro" the Enterprise and
# Ultimate Editions; ClusterSpec (SDK): standard | enterprise | ultimate.
EDITIONS = ("Default", "Pro")
CLUSTER_SPECS = {"Default": ("standard",), "Pro": ("enterprise", "ultimate")}
DEFAULT_CLUSTER_SPEC = {"Default": "standard", "Pro": "enterprise"}

# DescribeServiceMeshClusters.ForbiddenFlag (SDK docstring) -> (why, what to do). The remedies follow
# alicloud-api.md section 8.2 and the runbook's FAQ.
FORBIDDEN = {
    1: (
        "you do not have administrator permissions on the cluster",
        "grant the caller (RAM user or role) administrator permissions on the cluster (ACK authorization, "
        "RBAC cluster-admin) and run again",
    ),
    2: (
        "the cluster's VPC and the mesh's VPC are different VPCs without a private connection",
        "attach both VPCs to transit routers of one CEN instance (cen_transit_router_vpc_attachment), connect "
        "the routers of different regions with a peer attachment (cen_transit_router_peer_attachment), and "
        "associate every attachment with, and let it propagate to, its router's route table "
        "(cen_transit_router_route_table_binding); or create the mesh in the cluster's VPC",
    ),
    3: (
        "a CIDR block of the cluster conflicts with one of the mesh or of a cluster already in it",
        "choose non-overlapping VPC, vSwitch, Pod and Service CIDR blocks for every cluster and the mesh "
        "(recreate the conflicting cluster)",
    ),
    4: (
        "the cluster already has a namespace named istio-system",
        "delete the istio-system namespace from the cluster, or set ignore_namespace_check: true to join anyway",
    ),
}

_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)")


# -- meshes --------------------------------------------------------------------------------------
def mesh_view(mesh: dict | None, tags=None) -> dict | None:
    """A DescribeServiceMeshes item or a DescribeServiceMeshDetail ``ServiceMesh``, flattened:
    PascalCase keys at the top level (the manager's tables and waiter read them)."""
    if not mesh:
        return None
    info = mesh.get("ServiceMeshInfo") or {}
    spec = mesh.get("Spec") or {}
    network = spec.get("Network") or {}
    balancer = spec.get("LoadBalancer") or {}
    config = spec.get("MeshConfig") or {}
    endpoints = mesh.get("Endpoints") or {}
    return {
        "ServiceMeshId": info.get("ServiceMeshId"),
        "Name": info.get("Name"),
        "State": info.get("State"),
        "RegionId": info.get("RegionId"),
        "Version": info.get("Version"),
        "Profile": info.get("Profile"),
        "ErrorMessage": info.get("ErrorMessage") or "",
        "CreationTime": info.get("CreationTime"),
        "VpcId": network.get("VpcId"),
        "VSwitches": list(network.get("VSwitches") or []),
        "SecurityGroupId": network.get("SecurityGroupId"),
        "ClusterSpec": mesh.get("ClusterSpec"),
        "ApiServerPublicEip": bool(balancer.get("ApiServerPublicEip")),
        "IntranetApiServerEndpoint": endpoints.get("IntranetApiServerEndpoint"),
        "PublicApiServerEndpoint": endpoints.get("PublicApiServerEndpoint"),
        "Clusters": list(mesh.get("Clusters") or []),
        "LocalityLB": config.get("LocalityLB"),
        "Tags": tags if tags is not None else mesh.get("Tag"),
    }


def normalize_mesh(mesh: dict | None) -> dict:
    """A flattened mesh (``mesh_view``), snake_cased with a tag dict."""
    if not mesh:
        return {}
    return {
        "mesh_id": mesh.get("ServiceMeshId"),
        "name": mesh.get("Name"),
        "state": mesh.get("State"),
        "region_id": mesh.get("RegionId"),
        "vpc_id": mesh.get("VpcId"),
        "vswitch_ids": list(mesh.get("VSwitches") or []),
        "edition": mesh.get("Profile"),
        "cluster_spec": mesh.get("ClusterSpec"),
        "istio_version": mesh.get("Version"),
        "api_server_public_eip": bool(mesh.get("ApiServerPublicEip")),
        "intranet_api_server_endpoint": mesh.get("IntranetApiServerEndpoint") or "",
        "public_api_server_endpoint": mesh.get("PublicApiServerEndpoint") or "",
        "clusters": list(mesh.get("Clusters") or []),
        "locality_lb": mesh.get("LocalityLB") or {},
        "error_message": mesh.get("ErrorMessage") or "",
        "tags": tag_list_to_dict(mesh.get("Tags")),
        "created": mesh.get("CreationTime"),
    }


def list_meshes(client, region: str) -> list:
    """The flattened meshes of a region (DescribeServiceMeshes, filtered by ServiceMeshInfo.RegionId)."""
    views = [mesh_view(m) for m in list_items(client, MESHES)]
    return [v for v in views if v and v.get("RegionId") == region]


def mesh_tags(client, region: str, mesh_id: str) -> list:
    """The mesh's tags as ``[{Key, Value}]`` (ListTagResources; the detail call has no tags)."""
    rows = list_items(client, TAGS, RegionId=region, ResourceType=TAG_TYPES["mesh"], ResourceId=[mesh_id])
    return [{"Key": r.get("TagKey"), "Value": r.get("TagValue")} for r in rows if r.get("ResourceId") == mesh_id]


def get_mesh(client, region: str, mesh_id: str, tags: bool = True) -> dict | None:
    """The flattened DescribeServiceMeshDetail of a mesh (with its tags), or None; a mesh of another
    region is None too."""
    try:
        body = client.call("DescribeServiceMeshDetail", ServiceMeshId=mesh_id)
    except AlicloudError as err:
        if err.code in MESH_NOT_FOUND or err.is_not_found:
            return None
        raise
    view = mesh_view(body.get("ServiceMesh"))
    if view is None or view.get("RegionId") not in (None, region):
        return None
    if tags:
        view["Tags"] = mesh_tags(client, region, mesh_id)
    return view


def find_meshes(client, region: str, name: str, vpc_id: str | None) -> list:
    """Meshes of the region with this exact name (and in this VPC, when given)."""
    return [
        m for m in list_meshes(client, region) if m.get("Name") == name and (vpc_id is None or m.get("VpcId") == vpc_id)
    ]


def only_mesh(meshes: list, name: str, vpc_id: str | None) -> dict | None:
    """Mesh names are not unique (there is no NameAlreadyExist guard and no ClientToken): more than one
    match is an error listing them."""
    where = " in VPC %s" % vpc_id if vpc_id else ""
    return only_one(
        meshes, MESHES, "service meshes named %r%s" % (name, where), "pass mesh_id to pick one", "AmbiguousName"
    )


# -- versions ------------------------------------------------------------------------------------
def version_key(version: str) -> tuple:
    """``v1.22.6.66-g1e5b0e4d-aliyun`` -> ``(1, 22, 6, 66)`` (format: asm-details.md section 5)."""
    match = _VERSION.match(version or "")
    return tuple(int(p) for p in match.group(1).split(".")) if match else ()


def version_rows(client) -> list:
    """DescribeVersions as ``(edition, version)`` pairs, newest first."""
    body = client.call("DescribeVersions")
    rows = {(info.get("Edition"), v) for info in body.get("VersionInfo") or [] for v in info.get("Versions") or []}
    return sorted(rows, key=lambda row: version_key(row[1]), reverse=True)


def offered_versions(client, edition: str) -> list:
    """The Istio versions DescribeVersions offers for an edition, newest first."""
    return [version for offered, version in version_rows(client) if offered == edition]


def normalize_version(row: tuple) -> dict:
    """An ``(edition, version)`` pair of DescribeVersions, as asm_version_info returns it."""
    edition, version = row if row else (None, None)
    return {"edition": edition, "version": version}


def resolve_version(client, edition: str, wanted: str | None) -> str:
    """``wanted`` when DescribeVersions offers it for the edition, else the newest offered version;
    raises ValidationError(istio_version) when it is not offered."""
    versions = offered_versions(client, edition)
    if wanted:
        if wanted not in versions:
            raise ValidationError(
                "istio_version",
                "%s is not offered for edition %s (DescribeVersions offers: %s)"
                % (wanted, edition, ", ".join(versions) or "none"),
            )
        return wanted
    if not versions:
        raise ValidationError("istio_version", "DescribeVersions offers no version for edition %s" % edition)
    return versions[0]


# -- clusters ------------------------------------------------------------------------------------
def members(client, mesh_id: str) -> list:
    """DescribeClustersInServiceMesh: the clusters in the mesh (``ClusterId``, ``State``, ``ErrorMessage``...)."""
    return list_items(client, MEMBERS, ServiceMeshId=mesh_id)


def candidates(client, mesh_id: str) -> list:
    """DescribeServiceMeshClusters (Limit / Offset paging): the clusters that could join, with ForbiddenFlag."""
    rows = []
    while True:
        body = client.call("DescribeServiceMeshClusters", ServiceMeshId=mesh_id, Limit=CANDIDATE_PAGE, Offset=len(rows))
        chunk = body.get("Clusters") or []
        rows.extend(chunk)
        total = body.get("NumberOfClusters")
        if len(chunk) < CANDIDATE_PAGE or (total is not None and len(rows) >= int(total)):
            return rows


def forbidden_info(row: dict):
    """ForbiddenInfo (a JSON string, SDK docstring) parsed; the raw value when it is not JSON."""
    raw = row.get("ForbiddenInfo")
    if not raw:
        return []
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return raw


def forbidden_message(mesh_id: str, row: dict) -> str:
    """Why a candidate cluster cannot join (its ForbiddenFlag), and what to do."""
    flag = int(row.get("ForbiddenFlag") or 0)
    why, todo = FORBIDDEN.get(flag, ("ForbiddenFlag %d (not documented)" % flag, "see the ASM console"))
    text = "cluster %s cannot join service mesh %s: %s" % (row.get("ClusterId"), mesh_id, why)
    info = forbidden_info(row)
    if flag == 3 and isinstance(info, list) and info:
        text += " (%s)" % ", ".join(
            "%s %s of %s" % (i.get("object"), i.get("cidr"), i.get("cluster")) for i in info if isinstance(i, dict)
        )
    elif info:
        text += " (%s)" % (info if isinstance(info, str) else json.dumps(info))
    if row.get("ErrorMessage"):
        text += "; %s" % row["ErrorMessage"]
    return "%s. To fix: %s." % (text, todo)


def normalize_membership(mesh_id: str, cluster_id: str, row: dict | None, region: str | None = None) -> dict:
    """A DescribeClustersInServiceMesh row (None: not in the mesh), snake_cased."""
    row = row or {}
    return {
        "mesh_id": mesh_id,
        "cluster_id": cluster_id,
        "joined": bool(row),
        "state": row.get("State"),
        "region_id": row.get("RegionId") or region,
        "vpc_id": row.get("VpcId"),
        "name": row.get("Name"),
        "error_message": row.get("ErrorMessage") or "",
    }
