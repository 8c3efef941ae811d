# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CEN / transit router (cbn 2017-09-12) wrappers: lookups that return plain dicts or None.

CBN has one central endpoint; the region a call is about travels as the ``RegionId``
request parameter, never as the client's region.
"""

from __future__ import annotations

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import paginate_pages, paginate_token
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import compare_tags, tag_list_to_dict
from ansible_collections.geomesh.alicloud.plugins.module_utils.transform import snake_dict

# The client's own region is irrelevant for cbn (central endpoint); used when the module has none.
DEFAULT_CLIENT_REGION = "cn-hangzhou"

CEN_NOT_FOUND = ("InvalidCenId.NotFound", "ParameterCenInstanceId")
TR_NOT_FOUND = ("InvalidTransitRouterId.NotFound", "ParameterInstanceId")
ATTACHMENT_NOT_FOUND = ("InvalidTransitRouterAttachmentId.NotFound", "InvalidAttachmentId.NotFound")
ROUTE_TABLE_NOT_FOUND = ("InvalidRouteTableId.NotFound", "InvalidTransitRouterRouteTableId.NotFound")

# Tag ResourceType values (TF uses "cen", "TransitRouter", "TransitRouterVpcAttachment").
TAG_TYPE_CEN = "cen"
TAG_TYPE_TR = "TransitRouter"
TAG_TYPE_VPC_ATTACHMENT = "TransitRouterVpcAttachment"
TAG_TYPE_PEER_ATTACHMENT = "TransitRouterPeerAttachment"


def cbn_client(module):
    """The cbn client; any region works for the central endpoint."""
    return module.client("cbn", module.settings.get("region") or DEFAULT_CLIENT_REGION)


def _not_found(err: AlicloudError, codes) -> bool:
    return err.code in codes or err.is_not_found


def _quiet(call, codes):
    """Run a list call; a not-found error (the filter names a deleted parent) means no items."""
    try:
        return call()
    except AlicloudError as err:
        if _not_found(err, codes):
            return []
        raise


def first(items, key, value):
    return next((i for i in items if i.get(key) == value), None)


# -- CEN instances -----------------------------------------------------------------------------
def describe_cens(client, cen_ids=None, name=None, tags=None) -> list:
    filters = []
    if cen_ids:
        filters.append({"Key": "CenId", "Value": list(cen_ids)})
    if name:
        filters.append({"Key": "Name", "Value": [name]})
    params = {}
    if filters:
        params["Filter"] = filters
    if tags:
        params["Tag"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]

    def call(**kwargs):
        return client.call("DescribeCens", **kwargs)

    return _quiet(lambda: paginate_pages(call, "Cens.Cen", page_size=50, params=params), CEN_NOT_FOUND)


def get_cen(client, cen_id: str) -> dict | None:
    return first(describe_cens(client, cen_ids=[cen_id]), "CenId", cen_id)


def find_cen(client, name: str) -> dict | None:
    """A CEN instance by exact name; more than one match is an error."""
    matches = [c for c in describe_cens(client, name=name) if c.get("Name") == name]
    if len(matches) > 1:
        raise AlicloudError(
            "AmbiguousName",
            "%d CEN instances named %r (%s): pass cen_id to pick one"
            % (len(matches), name, ", ".join(c["CenId"] for c in matches)),
        )
    return matches[0] if matches else None


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


# -- transit routers ---------------------------------------------------------------------------
def list_transit_routers(client, **params) -> list:
    def call(**kwargs):
        return client.call("ListTransitRouters", **kwargs)

    return _quiet(
        lambda: paginate_pages(call, "TransitRouters", page_size=50, params=params), CEN_NOT_FOUND + TR_NOT_FOUND
    )


def get_transit_router(client, transit_router_id: str, cen_id=None, region=None) -> dict | None:
    found = list_transit_routers(client, CenId=cen_id, RegionId=region, TransitRouterId=transit_router_id)
    return first(found, "TransitRouterId", transit_router_id)


def find_transit_router(client, cen_id: str, region: str) -> dict | None:
    """The transit router of a CEN in a region (there is at most one per CEN and region)."""
    found = [
        t
        for t in list_transit_routers(client, CenId=cen_id, RegionId=region)
        if t.get("RegionId") in (None, region) and t.get("CenId") in (None, cen_id)
    ]
    if len(found) > 1:
        enterprise = [t for t in found if t.get("Type", "Enterprise") == "Enterprise"]
        found = enterprise or found
    if len(found) > 1:
        raise AlicloudError(
            "AmbiguousTransitRouter",
            "%d transit routers of %s in %s (%s): pass transit_router_id"
            % (len(found), cen_id, region, ", ".join(t["TransitRouterId"] for t in found)),
        )
    return found[0] if found else None


def list_route_tables(client, transit_router_id: str, **params) -> list:
    def call(**kwargs):
        return client.call("ListTransitRouterRouteTables", **kwargs)

    params["TransitRouterId"] = transit_router_id
    return _quiet(
        lambda: paginate_token(call, "TransitRouterRouteTables", max_results=100, params=params),
        TR_NOT_FOUND + ROUTE_TABLE_NOT_FOUND,
    )


def system_route_table(client, transit_router_id: str) -> dict | None:
    tables = list_route_tables(client, transit_router_id, TransitRouterRouteTableType="System")
    return next((t for t in tables if t.get("TransitRouterRouteTableType", "System") == "System"), None)


def get_route_table(client, route_table_id: str) -> dict | None:
    def call(**kwargs):
        return client.call("ListTransitRouterRouteTables", **kwargs)

    tables = _quiet(
        lambda: paginate_token(
            call, "TransitRouterRouteTables", max_results=100, params={"TransitRouterRouteTableIds": [route_table_id]}
        ),
        TR_NOT_FOUND + ROUTE_TABLE_NOT_FOUND,
    )
    return first(tables, "TransitRouterRouteTableId", route_table_id)


# -- attachments -------------------------------------------------------------------------------
def list_vpc_attachments(client, **params) -> list:
    def call(**kwargs):
        return client.call("ListTransitRouterVpcAttachments", **kwargs)

    return _quiet(
        lambda: paginate_token(call, "TransitRouterAttachments", max_results=50, params=params),
        ATTACHMENT_NOT_FOUND + TR_NOT_FOUND + CEN_NOT_FOUND,
    )


def get_vpc_attachment(client, attachment_id: str, region=None) -> dict | None:
    found = list_vpc_attachments(client, TransitRouterAttachmentId=attachment_id, RegionId=region)
    return first(found, "TransitRouterAttachmentId", attachment_id)


def list_peer_attachments(client, **params) -> list:
    def call(**kwargs):
        return client.call("ListTransitRouterPeerAttachments", **kwargs)

    return _quiet(
        lambda: paginate_token(call, "TransitRouterAttachments", max_results=100, params=params),
        ATTACHMENT_NOT_FOUND + TR_NOT_FOUND + CEN_NOT_FOUND,
    )


def get_peer_attachment(client, attachment_id: str, region=None) -> dict | None:
    found = list_peer_attachments(client, TransitRouterAttachmentId=attachment_id, RegionId=region)
    return first(found, "TransitRouterAttachmentId", attachment_id)


def peer_matches(attachment: dict, tr_a: str, tr_b: str) -> bool:
    """The attachment connects routers ``tr_a`` and ``tr_b``, in either direction."""
    pair = {attachment.get("TransitRouterId"), attachment.get("PeerTransitRouterId")}
    return pair == {tr_a, tr_b}


def find_peer_attachment(client, cen_id, transit_router_id, region, peer_transit_router_id, peer_region) -> dict | None:
    """The peer attachment between two routers, created from either side."""
    sides = [(transit_router_id, region), (peer_transit_router_id, peer_region)]
    for tr_id, tr_region in sides:
        found = [
            a
            for a in list_peer_attachments(client, CenId=cen_id, TransitRouterId=tr_id, RegionId=tr_region)
            if peer_matches(a, transit_router_id, peer_transit_router_id)
        ]
        if len(found) > 1:
            raise AlicloudError(
                "AmbiguousPeerAttachment",
                "%d peer attachments between %s and %s (%s): pass transit_router_attachment_id"
                % (
                    len(found),
                    transit_router_id,
                    peer_transit_router_id,
                    ", ".join(a["TransitRouterAttachmentId"] for a in found),
                ),
            )
        if found:
            return found[0]
    return None


# -- route table association / propagation ------------------------------------------------------
def list_associations(client, **params) -> list:
    def call(**kwargs):
        return client.call("ListTransitRouterRouteTableAssociations", **kwargs)

    return _quiet(
        lambda: paginate_token(call, "TransitRouterAssociations", max_results=50, params=params),
        ATTACHMENT_NOT_FOUND + ROUTE_TABLE_NOT_FOUND,
    )


def list_propagations(client, **params) -> list:
    def call(**kwargs):
        return client.call("ListTransitRouterRouteTablePropagations", **kwargs)

    return _quiet(
        lambda: paginate_token(call, "TransitRouterPropagations", max_results=50, params=params),
        ATTACHMENT_NOT_FOUND + ROUTE_TABLE_NOT_FOUND,
    )


def get_association(client, attachment_id: str, route_table_id: str) -> dict | None:
    found = list_associations(client, TransitRouterAttachmentId=attachment_id, TransitRouterRouteTableId=route_table_id)
    return next(
        (
            a
            for a in found
            if a.get("TransitRouterRouteTableId", route_table_id) == route_table_id
            and a.get("TransitRouterAttachmentId", attachment_id) == attachment_id
        ),
        None,
    )


def get_propagation(client, attachment_id: str, route_table_id: str) -> dict | None:
    found = list_propagations(client, TransitRouterAttachmentId=attachment_id, TransitRouterRouteTableId=route_table_id)
    return next(
        (
            p
            for p in found
            if p.get("TransitRouterRouteTableId", route_table_id) == route_table_id
            and p.get("TransitRouterAttachmentId", attachment_id) == attachment_id
        ),
        None,
    )


# -- tags --------------------------------------------------------------------------------------
def resource_tags(resource: dict | None) -> dict:
    return tag_list_to_dict((resource or {}).get("Tags"))


def set_tags(client, region: str, resource_type: str, resource_id: str, to_set: dict, to_unset: list) -> None:
    if to_unset:
        client.call(
            "UntagResources", RegionId=region, ResourceType=resource_type, ResourceId=[resource_id], TagKey=to_unset
        )
    if to_set:
        client.call(
            "TagResources",
            RegionId=region,
            ResourceType=resource_type,
            ResourceId=[resource_id],
            Tag=[{"Key": k, "Value": v} for k, v in sorted(to_set.items())],
        )


def update_resource_tags(module, client, region: str, resource_type: str, resource: dict, resource_id: str) -> bool:
    """Bring a resource's tags to the module's ``tags`` / ``purge_tags``; whether they differ(ed).

    In check mode nothing is sent.
    """
    to_set, to_unset = compare_tags(resource_tags(resource), module.params["tags"], module.params["purge_tags"])
    if not to_set and not to_unset:
        return False
    if not module.check_mode:
        set_tags(client, region, resource_type, resource_id, to_set, to_unset)
    return True


def tag_params(tags: dict | None):
    return [{"Key": k, "Value": str(v)} for k, v in sorted((tags or {}).items())] or None


def snake_resource(resource: dict | None, drop=()) -> dict:
    """snake_case a resource dict, tags as a plain dictionary."""
    if not resource:
        return {}
    result = snake_dict({k: v for k, v in resource.items() if k not in ("Tags",) + tuple(drop)})
    result["tags"] = resource_tags(resource)
    return result


def predict_tags(current: dict, desired: dict | None, purge: bool) -> dict:
    """The tags a resource will have after ``compare_tags`` is applied."""
    if desired is None:
        return dict(current)
    unset = compare_tags(current, desired, purge)[1]
    result = {k: v for k, v in current.items() if k not in unset}
    result.update({str(k): "" if v is None else str(v) for k, v in desired.items()})
    return result


# -- return shapes -----------------------------------------------------------------------------
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


def normalize_vpc_attachment(attachment: dict | None) -> dict:
    if not attachment:
        return {}
    return {
        "transit_router_attachment_id": attachment.get("TransitRouterAttachmentId"),
        "transit_router_attachment_name": attachment.get("TransitRouterAttachmentName"),
        "transit_router_attachment_description": attachment.get("TransitRouterAttachmentDescription"),
        "status": attachment.get("Status"),
        "cen_id": attachment.get("CenId"),
        "transit_router_id": attachment.get("TransitRouterId"),
        "vpc_id": attachment.get("VpcId"),
        "vpc_region_id": attachment.get("VpcRegionId"),
        "auto_publish_route_enabled": attachment.get("AutoPublishRouteEnabled"),
        "zone_mappings": [
            {
                "zone_id": z.get("ZoneId"),
                "vswitch_id": z.get("VSwitchId"),
                "network_interface_id": z.get("NetworkInterfaceId"),
            }
            for z in zone_mapping_list(attachment)
        ],
        "resource_type": attachment.get("ResourceType"),
        "charge_type": attachment.get("ChargeType"),
        "creation_time": attachment.get("CreationTime"),
        "tags": resource_tags(attachment),
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
        "transit_router_attachment_id": attachment.get("TransitRouterAttachmentId"),
        "transit_router_attachment_name": attachment.get("TransitRouterAttachmentName"),
        "transit_router_attachment_description": attachment.get("TransitRouterAttachmentDescription"),
        "status": attachment.get("Status"),
        "cen_id": attachment.get("CenId"),
        "transit_router_id": attachment.get("TransitRouterId"),
        "region_id": attachment.get("RegionId"),
        "peer_transit_router_id": attachment.get("PeerTransitRouterId"),
        "peer_transit_router_region_id": attachment.get("PeerTransitRouterRegionId"),
        "bandwidth": attachment.get("Bandwidth"),
        "bandwidth_type": attachment.get("BandwidthType"),
        "cen_bandwidth_package_id": attachment.get("CenBandwidthPackageId") or None,
        "default_link_type": attachment.get("DefaultLinkType"),
        "auto_publish_route_enabled": attachment.get("AutoPublishRouteEnabled"),
        "resource_type": attachment.get("ResourceType"),
        "geographic_span_id": attachment.get("GeographicSpanId"),
        "creation_time": attachment.get("CreationTime"),
        "tags": resource_tags(attachment),
    }
