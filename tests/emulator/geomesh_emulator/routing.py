"""Reachability model over VPCs, transit routers and their route tables.

Used by the ASM join check (``ForbiddenFlag`` 2) and, later, by the data plane.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from . import lifecycle

K_VATT = "cbn_vpc_attachment"
K_PATT = "cbn_peer_attachment"
K_ASSOC = "cbn_association"
K_PROP = "cbn_propagation"


def cidrs_overlap(a: str, b: str) -> bool:
    """True when the two CIDR blocks share at least one address (host bits ignored)."""
    return ipaddress.ip_network(str(a), strict=False).overlaps(ipaddress.ip_network(str(b), strict=False))


def _live(doc: dict[str, Any] | None, status: str) -> bool:
    return doc is not None and not lifecycle.is_deleting(doc) and doc.get("Status") == status


def _attached_vpc_attachments(ctx, vpc_id: str) -> list[dict[str, Any]]:
    return [a for a in ctx.store.list(K_VATT) if a.get("VpcId") == vpc_id and _live(a, "Attached")]


def _association(ctx, att_id: str, tr_id: str) -> dict[str, Any] | None:
    """Active association of ``att_id`` with a route table of transit router ``tr_id``."""
    for a in ctx.store.list(K_ASSOC):
        if a["TransitRouterAttachmentId"] == att_id and a["TransitRouterId"] == tr_id and _live(a, "Active"):
            return a
    return None


def _propagates(ctx, att_id: str, rtb_id: str) -> bool:
    doc = ctx.store.get(K_PROP, f"{rtb_id}/{att_id}")
    return _live(doc, "Active")


def _vpc_route_to(ctx, att: dict[str, Any], dst_cidr: str) -> bool:
    """The source VPC's route table sends ``dst_cidr`` to the attachment (route sync or custom route)."""
    if att.get("AutoPublishRouteEnabled"):
        return True
    dst = ipaddress.ip_network(dst_cidr, strict=False)
    for e in ctx.store.list("vpc_route_entry"):
        if e.get("VpcId") != att["VpcId"] or e.get("NextHopType") != "Attachment":
            continue
        if e.get("NextHopId") != att["TransitRouterAttachmentId"] or e.get("Status") != "Available":
            continue
        if dst.subnet_of(ipaddress.ip_network(e["DestinationCidrBlock"], strict=False)):
            return True
    return False


def _path(ctx, a: dict[str, Any], b: dict[str, Any]) -> tuple[bool, str]:
    """Is there a forwarding path between VPC attachments ``a`` and ``b`` (both directions)?"""
    tr_a, tr_b = a["TransitRouterId"], b["TransitRouterId"]
    ida, idb = a["TransitRouterAttachmentId"], b["TransitRouterAttachmentId"]
    assoc_a = _association(ctx, ida, tr_a)
    if assoc_a is None:
        return False, f"VPC attachment {ida} is not associated with a route table of {tr_a}"
    assoc_b = _association(ctx, idb, tr_b)
    if assoc_b is None:
        return False, f"VPC attachment {idb} is not associated with a route table of {tr_b}"
    rtb_a, rtb_b = assoc_a["TransitRouterRouteTableId"], assoc_b["TransitRouterRouteTableId"]
    if tr_a == tr_b:
        if not _propagates(ctx, idb, rtb_a):
            return False, f"VPC attachment {idb} does not propagate routes to route table {rtb_a}"
        if not _propagates(ctx, ida, rtb_b):
            return False, f"VPC attachment {ida} does not propagate routes to route table {rtb_b}"
        return True, "connected through transit router " + tr_a
    peers = [pa for pa in ctx.store.list(K_PATT) if {pa["TransitRouterId"], pa["PeerTransitRouterId"]} == {tr_a, tr_b}]
    if not peers:
        return False, f"no inter-region connection (peer attachment) between {tr_a} and {tr_b}"
    peer = peers[0]
    pid = peer["TransitRouterAttachmentId"]
    if not _live(peer, "Attached"):
        return False, f"peer attachment {pid} is not Attached (status {peer.get('Status')})"
    p_assoc_a = _association(ctx, pid, tr_a)
    if p_assoc_a is None:
        return False, f"peer attachment {pid} is not associated with a route table of {tr_a}"
    p_assoc_b = _association(ctx, pid, tr_b)
    if p_assoc_b is None:
        return False, f"peer attachment {pid} is not associated with a route table of {tr_b}"
    checks = [
        (pid, rtb_a, f"peer attachment {pid} does not propagate routes to route table {rtb_a}"),
        (pid, rtb_b, f"peer attachment {pid} does not propagate routes to route table {rtb_b}"),
        (idb, p_assoc_b["TransitRouterRouteTableId"], None),
        (ida, p_assoc_a["TransitRouterRouteTableId"], None),
    ]
    for att_id, rtb_id, reason in checks:
        if not _propagates(ctx, att_id, rtb_id):
            return False, reason or f"VPC attachment {att_id} does not propagate routes to route table {rtb_id}"
    return True, f"connected through {tr_a} and {tr_b} over peer attachment {pid}"


def vpc_reachable(
    ctx, src_vpc_id: str | None, dst_vpc_id: str | None, require_vpc_routes: bool = False
) -> tuple[bool, str]:
    """``(reachable, reason)`` for private connectivity between two VPCs.

    True when same VPC, or both VPCs have ``Attached`` VPC attachments on transit routers of the
    same CEN, each associated with and propagating to the route tables that forward between them,
    and (different transit routers) an ``Attached`` peer attachment between the two transit
    routers, associated and propagating on both. ``reason`` names the first missing piece.

    ``require_vpc_routes`` additionally demands that each VPC route table sends the other VPC's
    CIDR to its attachment (``AutoPublishRouteEnabled`` or a custom route with
    ``NextHopType=Attachment``), as real forwarding does; the ASM join check does not need it.
    """
    if not src_vpc_id or not dst_vpc_id:
        return False, "VPC not specified"
    src = ctx.store.get("vpc", src_vpc_id)
    dst = ctx.store.get("vpc", dst_vpc_id)
    if src is None:
        return False, f"VPC {src_vpc_id} does not exist"
    if dst is None:
        return False, f"VPC {dst_vpc_id} does not exist"
    if src_vpc_id == dst_vpc_id:
        return True, "same VPC"
    src_atts = _attached_vpc_attachments(ctx, src_vpc_id)
    if not src_atts:
        return False, f"VPC {src_vpc_id} has no Attached transit router VPC attachment"
    dst_atts = _attached_vpc_attachments(ctx, dst_vpc_id)
    if not dst_atts:
        return False, f"VPC {dst_vpc_id} has no Attached transit router VPC attachment"
    pairs = [(a, b) for a in src_atts for b in dst_atts if a["CenId"] == b["CenId"]]
    if not pairs:
        return False, f"VPCs {src_vpc_id} and {dst_vpc_id} are attached to different CEN instances"
    first_reason = ""
    for a, b in pairs:
        ok, reason = _path(ctx, a, b)
        if ok and require_vpc_routes:
            if not _vpc_route_to(ctx, a, dst["CidrBlock"]):
                ok, reason = (
                    False,
                    f"the route table of VPC {src_vpc_id} has no route to {dst['CidrBlock']} via {a['TransitRouterAttachmentId']}",
                )
            elif not _vpc_route_to(ctx, b, src["CidrBlock"]):
                ok, reason = (
                    False,
                    f"the route table of VPC {dst_vpc_id} has no route to {src['CidrBlock']} via {b['TransitRouterAttachmentId']}",
                )
        if ok:
            return True, reason
        first_reason = first_reason or reason
    return False, first_reason
