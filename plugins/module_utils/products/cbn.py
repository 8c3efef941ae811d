# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CEN / transit routers (cbn 2017-09-12): list actions, waiters, tag types, lookups and return shapes.

CBN has one central endpoint; the region a call is about travels as the ``RegionId`` request
parameter, never as the client's region.
"""

from __future__ import annotations

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import ValidationError
from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import CREATE, Attr, ResourceManager
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import resource_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import (
    TOKEN,
    ListSpec,
    get_item,
    list_items,
    only_one,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import tag_list_to_dict
from ansible_collections.geomesh.alicloud.plugins.module_utils.tokens import client_token
from ansible_collections.geomesh.alicloud.plugins.module_utils.waiters import WaiterSpec

# The client's own region is irrelevant for cbn (central endpoint); used when the module has none.
DEFAULT_CLIENT_REGION = "cn-hangzhou"

CEN_NOT_FOUND = ("InvalidCenId.NotFound", "ParameterCenInstanceId")
TR_NOT_FOUND = ("InvalidTransitRouterId.NotFound", "ParameterInstanceId")
ATTACHMENT_NOT_FOUND = ("InvalidTransitRouterAttachmentId.NotFound", "InvalidAttachmentId.NotFound")
ROUTE_TABLE_NOT_FOUND = ("InvalidRouteTableId.NotFound", "InvalidTransitRouterRouteTableId.NotFound")

CENS = ListSpec("DescribeCens", "Cens.Cen", "CenId", not_found=CEN_NOT_FOUND)
TRANSIT_ROUTERS = ListSpec(
    "ListTransitRouters", "TransitRouters", "TransitRouterId", not_found=CEN_NOT_FOUND + TR_NOT_FOUND
)
ROUTE_TABLES = ListSpec(
    "ListTransitRouterRouteTables",
    "TransitRouterRouteTables",
    "TransitRouterRouteTableId",
    TOKEN,
    100,
    TR_NOT_FOUND + ROUTE_TABLE_NOT_FOUND,
)
_ATTACHMENT_PARENTS = ATTACHMENT_NOT_FOUND + TR_NOT_FOUND + CEN_NOT_FOUND
VPC_ATTACHMENTS = ListSpec(
    "ListTransitRouterVpcAttachments",
    "TransitRouterAttachments",
    "TransitRouterAttachmentId",
    TOKEN,
    50,
    _ATTACHMENT_PARENTS,
)
PEER_ATTACHMENTS = ListSpec(
    "ListTransitRouterPeerAttachments",
    "TransitRouterAttachments",
    "TransitRouterAttachmentId",
    TOKEN,
    100,
    _ATTACHMENT_PARENTS,
)
ASSOCIATIONS = ListSpec(
    "ListTransitRouterRouteTableAssociations",
    "TransitRouterAssociations",
    "TransitRouterAttachmentId",
    TOKEN,
    50,
    ATTACHMENT_NOT_FOUND + ROUTE_TABLE_NOT_FOUND,
)
PROPAGATIONS = ListSpec(
    "ListTransitRouterRouteTablePropagations",
    "TransitRouterPropagations",
    "TransitRouterAttachmentId",
    TOKEN,
    50,
    ATTACHMENT_NOT_FOUND + ROUTE_TABLE_NOT_FOUND,
)

WAITERS = {
    "cen": WaiterSpec("Status", ("Active",), failure=("Deleting",), in_progress=("Creating",)),
    "transit_router": WaiterSpec("Status", ("Active",), failure=("Deleting",), in_progress=("Creating",)),
    "attachment": WaiterSpec("Status", ("Attached",), failure=("Detaching", "Detached"), in_progress=("Attaching",)),
}
TAG_TYPES = {
    "cen": "cen",
    "transit_router": "TransitRouter",
    "vpc_attachment": "TransitRouterVpcAttachment",
    "peer_attachment": "TransitRouterPeerAttachment",
}
BINDING_HINT = (
    "remove it first (geomesh.alicloud.cen_transit_router_route_table_binding association=absent"
    " propagation=absent) or set force: true"
)
BINDING_BLOCKERS = {
    "OperationFailed.RouteTableAssociationExist": "it is still associated with a route table",
    "OperationFailed.RouteTablePropagationExist": "it still propagates routes to a route table",
    "OperationFailed.RouteEntryExist": "route entries still point to it",
}


# -- CEN instances -------------------------------------------------------------------------------
def describe_cens(client, cen_ids=None, name=None, tags=None) -> list:
    filters = []
    if cen_ids:
        filters.append({"Key": "CenId", "Value": list(cen_ids)})
    if name:
        filters.append({"Key": "Name", "Value": [name]})
    tag = [{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())] or None
    return list_items(client, CENS, Filter=filters or None, Tag=tag)


def get_cen(client, cen_id: str) -> dict | None:
    return next((c for c in describe_cens(client, cen_ids=[cen_id]) if c.get("CenId") == cen_id), None)


def find_cen(client, name: str) -> dict | None:
    """A CEN instance by exact name; more than one match is an error."""
    matches = [c for c in describe_cens(client, name=name) if c.get("Name") == name]
    return only_one(matches, CENS, "CEN instances named %r" % name, "pass cen_id to pick one", "AmbiguousName")


# -- transit routers and route tables --------------------------------------------------------------
def get_transit_router(client, transit_router_id: str, cen_id=None, region=None) -> dict | None:
    return get_item(
        client, TRANSIT_ROUTERS, transit_router_id, CenId=cen_id, RegionId=region, TransitRouterId=transit_router_id
    )


def find_transit_router(client, cen_id: str, region: str) -> dict | None:
    """The transit router of a CEN in a region (there is at most one per CEN and region)."""
    found = [
        t
        for t in list_items(client, TRANSIT_ROUTERS, CenId=cen_id, RegionId=region)
        if t.get("RegionId") in (None, region) and t.get("CenId") in (None, cen_id)
    ]
    if len(found) > 1:
        found = [t for t in found if t.get("Type", "Enterprise") == "Enterprise"] or found
    what = "transit routers of %s in %s" % (cen_id, region)
    return only_one(found, TRANSIT_ROUTERS, what, "pass transit_router_id", "AmbiguousTransitRouter")


def system_route_table(client, transit_router_id: str) -> dict | None:
    tables = list_items(client, ROUTE_TABLES, TransitRouterId=transit_router_id, TransitRouterRouteTableType="System")
    return next((t for t in tables if t.get("TransitRouterRouteTableType", "System") == "System"), None)


def get_route_table(client, route_table_id: str) -> dict | None:
    return get_item(client, ROUTE_TABLES, route_table_id, TransitRouterRouteTableIds=[route_table_id])


# -- attachments ---------------------------------------------------------------------------------
def peer_matches(attachment: dict, tr_a: str, tr_b: str) -> bool:
    """The attachment connects routers ``tr_a`` and ``tr_b``, in either direction."""
    return {attachment.get("TransitRouterId"), attachment.get("PeerTransitRouterId")} == {tr_a, tr_b}


def find_peer_attachment(client, cen_id, transit_router_id, region, peer_transit_router_id, peer_region):
    """The peer attachment between two routers, created from either side."""
    for tr_id, tr_region in ((transit_router_id, region), (peer_transit_router_id, peer_region)):
        found = [
            a
            for a in list_items(client, PEER_ATTACHMENTS, CenId=cen_id, TransitRouterId=tr_id, RegionId=tr_region)
            if peer_matches(a, transit_router_id, peer_transit_router_id)
        ]
        what = "peer attachments between %s and %s" % (transit_router_id, peer_transit_router_id)
        found = only_one(found, PEER_ATTACHMENTS, what, "pass transit_router_attachment_id", "AmbiguousPeerAttachment")
        if found:
            return found
    return None


def binding_of(spec: ListSpec, client, attachment_id: str, route_table_id: str) -> dict | None:
    """The association (ASSOCIATIONS) or propagation (PROPAGATIONS) of an attachment with a route table."""
    found = list_items(client, spec, TransitRouterAttachmentId=attachment_id, TransitRouterRouteTableId=route_table_id)
    return next(
        (
            b
            for b in found
            if b.get("TransitRouterRouteTableId", route_table_id) == route_table_id
            and b.get("TransitRouterAttachmentId", attachment_id) == attachment_id
        ),
        None,
    )


class AttachmentManager(ResourceManager):
    """What the VPC and peer attachment modules share: ids, fields, waiter, forced delete, blockers."""

    # The fields both kinds of attachment update in place; a module adds its own.
    attachment_fields = (
        Attr("name", "TransitRouterAttachmentName", key="transit_router_attachment_name"),
        Attr("description", "TransitRouterAttachmentDescription", key="transit_router_attachment_description"),
        Attr("auto_publish_route_enabled", "AutoPublishRouteEnabled", kind="bool", default=False),
        Attr("cen_id", "CenId", CREATE),
        Attr("transit_router_id", "TransitRouterId", CREATE),
    )

    product = "cbn"
    id_option = "transit_router_attachment_id"
    id_key = "TransitRouterAttachmentId"
    create_id_path = "TransitRouterAttachmentId"
    waiter = WAITERS["attachment"]
    regional = False
    deleting_states = ("Detaching",)
    delete_not_found = ATTACHMENT_NOT_FOUND
    blocker_hint = BINDING_HINT

    def delete_request(self, resource: dict) -> dict:
        force = self.params["force"]
        return {
            "TransitRouterAttachmentId": resource[self.id_key],
            "Force": True if force else None,
            "ClientToken": client_token("delete-" + self.token_kind, {"id": resource[self.id_key], "force": force}),
        }


def attachment_argument_spec(**options) -> dict:
    """The options both attachment modules have, and ``options``."""
    return resource_argument_spec(
        wait_timeout=300,
        cen_id={"type": "str"},
        transit_router_id={"type": "str"},
        transit_router_attachment_id={"type": "str", "aliases": ["id", "attachment_id"]},
        auto_publish_route_enabled={"type": "bool"},
        name={"type": "str", "aliases": ["transit_router_attachment_name"]},
        description={"type": "str"},
        force={"type": "bool", "default": False},
        **options,
    )


# -- VPC attachment zones --------------------------------------------------------------------------
def validate_zone_mappings(mappings, allow_single_zone: bool) -> None:
    if not mappings:
        raise ValidationError("zone_mappings", "at least one {vswitch_id, zone_id} is required")
    for label, key in (("zone", "zone_id"), ("vSwitch", "vswitch_id")):
        values = [m[key] for m in mappings]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValidationError(
                "zone_mappings", "each %s may appear once; repeated: %s" % (label, ", ".join(repeated))
            )
    if len({m["zone_id"] for m in mappings}) < 2 and not allow_single_zone:
        raise ValidationError(
            "zone_mappings",
            "vSwitches in at least two zones are required in multi-zone regions "
            "(set allow_single_zone: true for a single-zone region)",
        )


def zone_mapping_text(mappings) -> str:
    return ", ".join("%(zone_id)s=%(vswitch_id)s" % m for m in zone_mapping_view(mappings))


def zone_mapping_view(mappings) -> list:
    """Zone mappings (API or option shape) as a sorted list of {zone_id, vswitch_id}, for comparing."""
    pairs = {
        (m.get("zone_id") or m.get("ZoneId") or "", m.get("vswitch_id") or m.get("VSwitchId") or "")
        for m in mappings or []
    }
    return [{"zone_id": z, "vswitch_id": v} for z, v in sorted(pairs)]


# -- peer attachment bandwidth ----------------------------------------------------------------------
DATA_TRANSFER, BANDWIDTH_PACKAGE = "DataTransfer", "BandwidthPackage"
# An inter-region connection cannot exceed its bandwidth plan (SetCenInterRegionBandwidthLimit,
# https://www.alibabacloud.com/help/doc-detail/65942.html) and a plan is 2-10000 Mbit/s
# (CreateCenBandwidthPackage, doc-detail/65919); read 2026-12-01. The API reference of
# CreateTransitRouterPeerAttachment gives no range. UNCONFIRMED: the same ceiling with DataTransfer;
# if the API allows more there, this constant is the one place to change.
BANDWIDTH_MAX_MBPS = 10000


def validate_peer_bandwidth(params) -> None:
    bandwidth = params["bandwidth"]
    if bandwidth is not None and not 1 <= bandwidth <= BANDWIDTH_MAX_MBPS:
        raise ValidationError(
            "bandwidth", "must be 1 to %d Mbit/s (the largest bandwidth plan), got %s" % (BANDWIDTH_MAX_MBPS, bandwidth)
        )
    if params["bandwidth_type"] == BANDWIDTH_PACKAGE:
        if not params["cen_bandwidth_package_id"]:
            raise ValidationError("cen_bandwidth_package_id", "is required with bandwidth_type=BandwidthPackage")
        if params["default_link_type"]:
            raise ValidationError("default_link_type", "is only allowed with bandwidth_type=DataTransfer")
    elif params["cen_bandwidth_package_id"]:
        raise ValidationError("cen_bandwidth_package_id", "is only allowed with bandwidth_type=BandwidthPackage")
    if params["peer_transit_router_id"] and params["peer_transit_router_id"] == params["transit_router_id"]:
        raise ValidationError("peer_transit_router_id", "must differ from transit_router_id")


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def bandwidth_changes(params: dict, attachment: dict) -> dict:
    """The whole bandwidth group of a peer attachment (sent together, as the API and Terraform do)
    when any part of it differs; the field of the other bandwidth type is not compared."""
    current = {
        "BandwidthType": attachment.get("BandwidthType") or DATA_TRANSFER,
        "Bandwidth": _as_int(attachment.get("Bandwidth")),
        "CenBandwidthPackageId": attachment.get("CenBandwidthPackageId") or None,
        "DefaultLinkType": attachment.get("DefaultLinkType") or None,
    }
    package = params["bandwidth_type"] == BANDWIDTH_PACKAGE
    wanted = {
        "BandwidthType": params["bandwidth_type"],
        "Bandwidth": current["Bandwidth"] if params["bandwidth"] is None else params["bandwidth"],
        "CenBandwidthPackageId": params["cen_bandwidth_package_id"] if package else None,
        "DefaultLinkType": None if package else params["default_link_type"] or current["DefaultLinkType"],
    }
    ignored = "DefaultLinkType" if package else "CenBandwidthPackageId"
    return wanted if any(wanted[k] != current[k] for k in wanted if k != ignored) else {}


# -- return shapes -------------------------------------------------------------------------------
def resource_tags(resource: dict | None) -> dict:
    return tag_list_to_dict((resource or {}).get("Tags"))


def normalize_cen(cen: dict | None) -> dict:
    if not cen:
        return {}
    packages = cen.get("CenBandwidthPackageIds") or {}
    if isinstance(packages, dict):
        packages = packages.get("CenBandwidthPackageId") or []
    return {
        "cen_id": cen.get("CenId"),
        "name": cen.get("Name"),
        "description": cen.get("Description"),
        "status": cen.get("Status"),
        "protection_level": cen.get("ProtectionLevel"),
        "cen_bandwidth_package_ids": list(packages),
        "resource_group_id": cen.get("ResourceGroupId"),
        "creation_time": cen.get("CreationTime"),
        "tags": resource_tags(cen),
    }


def normalize_transit_router(tr: dict | None, system_table: dict | None = None) -> dict:
    if not tr:
        return {}
    return {
        "transit_router_id": tr.get("TransitRouterId"),
        "transit_router_name": tr.get("TransitRouterName"),
        "transit_router_description": tr.get("TransitRouterDescription"),
        "cen_id": tr.get("CenId"),
        "region_id": tr.get("RegionId"),
        "status": tr.get("Status"),
        "type": tr.get("Type"),
        "support_multicast": tr.get("SupportMulticast"),
        "creation_time": tr.get("CreationTime"),
        "system_route_table_id": (system_table or {}).get("TransitRouterRouteTableId"),
        "tags": resource_tags(tr),
    }


def _attachment_fields(attachment: dict) -> dict:
    """The fields every kind of transit router attachment has."""
    return {
        "transit_router_attachment_id": attachment.get("TransitRouterAttachmentId"),
        "transit_router_attachment_name": attachment.get("TransitRouterAttachmentName"),
        "transit_router_attachment_description": attachment.get("TransitRouterAttachmentDescription"),
        "status": attachment.get("Status"),
        "cen_id": attachment.get("CenId"),
        "transit_router_id": attachment.get("TransitRouterId"),
        "auto_publish_route_enabled": attachment.get("AutoPublishRouteEnabled"),
        "resource_type": attachment.get("ResourceType"),
        "creation_time": attachment.get("CreationTime"),
        "tags": resource_tags(attachment),
    }


def normalize_vpc_attachment(attachment: dict | None) -> dict:
    if not attachment:
        return {}
    return {
        **_attachment_fields(attachment),
        "vpc_id": attachment.get("VpcId"),
        "vpc_region_id": attachment.get("VpcRegionId"),
        "zone_mappings": [
            {
                "zone_id": z.get("ZoneId"),
                "vswitch_id": z.get("VSwitchId"),
                "network_interface_id": z.get("NetworkInterfaceId"),
            }
            for z in zone_mapping_list(attachment)
        ],
        "charge_type": attachment.get("ChargeType"),
    }


def zone_mapping_list(attachment: dict) -> list:
    zones = attachment.get("ZoneMappings") or []
    if isinstance(zones, dict):
        zones = zones.get("ZoneMapping") or []
    return zones


def normalize_peer_attachment(attachment: dict | None) -> dict:
    if not attachment:
        return {}
    return {
        **_attachment_fields(attachment),
        "region_id": attachment.get("RegionId"),
        "peer_transit_router_id": attachment.get("PeerTransitRouterId"),
        "peer_transit_router_region_id": attachment.get("PeerTransitRouterRegionId"),
        "bandwidth": attachment.get("Bandwidth"),
        "bandwidth_type": attachment.get("BandwidthType"),
        "cen_bandwidth_package_id": attachment.get("CenBandwidthPackageId") or None,
        "default_link_type": attachment.get("DefaultLinkType"),
        "geographic_span_id": attachment.get("GeographicSpanId"),
    }


def cbn_client(module):
    """The cbn client; any region works for the central endpoint."""
    return module.client("cbn", module.settings.get("region") or DEFAULT_CLIENT_REGION)


# -- VPC routes published to a CEN (PublishRouteEntries) -------------------------------------------
# DescribePublishedRouteEntries pages with PageNumber / PageSize (1..50) (cbn SDK
# describe_published_route_entries_request). It lists the route entries of the child route table,
# each with RouteType (System, Custom, BGP), NextHopType, NextHopId and PublishStatus (Published or
# NonPublished) (https://www.alibabacloud.com/help/doc-detail/85470.html; Terraform
# alicloud_cen_route_entries). Publishing and withdrawing take one DestinationCidrBlock per call.
PUBLISHED_ROUTES = ListSpec(
    "DescribePublishedRouteEntries",
    "PublishedRouteEntries.PublishedRouteEntry",
    "DestinationCidrBlock",
    page_size=50,
)
PUBLISHED = "Published"
NOT_PUBLISHED = "NonPublished"
# Custom VPC routes whose next hop has one of these types can be published to a transit router;
# routes to a transit router, a router interface, a VPC peering connection, an ECR or a GWLB endpoint
# cannot ("Advertise routes to a transit router", https://www.alibabacloud.com/help/doc-detail/86980.htm).
PUBLISHABLE_NEXT_HOP_TYPES = (
    "Instance",
    "VpnGateway",
    "HaVip",
    "Ipv4Gateway",
    "NetworkInterface",
    "IPv6Gateway",
    "NatGateway",
)


def publishable(row: dict) -> bool:
    """Whether a DescribePublishedRouteEntries row can be published or withdrawn: its next hop type
    allows it and ``OperationalMode`` ("whether the route can be published or withdrawn", a boolean in
    the cbn SDK model) does not say no."""
    mode = row.get("OperationalMode")
    if mode is False or str(mode).lower() == "false":
        return False
    return row.get("NextHopType") in PUBLISHABLE_NEXT_HOP_TYPES


def child_route_table(cen_id: str, vpc_id: str, region: str, route_table_id: str | None) -> dict:
    """The request keys naming a VPC route table as a CEN child instance's (all four are required by
    PublishRouteEntries and WithdrawPublishedRouteEntries; the route table is optional for
    DescribePublishedRouteEntries)."""
    return {
        "CenId": cen_id,
        "ChildInstanceId": vpc_id,
        "ChildInstanceRegionId": region,
        "ChildInstanceType": "VPC",
        "ChildInstanceRouteTableId": route_table_id,
    }


def published_route_entries(client, cen_id, vpc_id, region, route_table_id, destination=None) -> list:
    """The DescribePublishedRouteEntries rows of a VPC route table (every page), or of one destination."""
    params = child_route_table(cen_id, vpc_id, region, route_table_id)
    return list_items(client, PUBLISHED_ROUTES, quiet=False, DestinationCidrBlock=destination, **params)


def normalize_published_route(row: dict | None) -> dict:
    """A DescribePublishedRouteEntries row, snake_cased."""
    if not row:
        return {}
    return {
        "destination_cidr_block": row.get("DestinationCidrBlock"),
        "next_hop_type": row.get("NextHopType") or "",
        "next_hop_id": row.get("NextHopId") or "",
        "route_type": row.get("RouteType") or "",
        "publish_status": row.get("PublishStatus") or "",
    }
