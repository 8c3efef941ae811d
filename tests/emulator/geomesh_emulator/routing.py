"""Reachability model over VPCs, transit routers and their route tables.

Two layers:

- the VPC-level check :func:`vpc_reachable` (kept for ``/_emulator/reachability?src=vpc-..``);
- the route model: what each transit router (TR) route table *learns* (:func:`tr_routes`, computed
  from current state, never stored), what route sync puts into a VPC route table
  (:func:`synced_routes`, :func:`vpc_table_routes`), and the walk from one address to another
  (:func:`address_reachable`) with a stable ``code`` per failure and the path hop by hop.
  :func:`addresses` lists every node and one sample Pod address per node.

Sources (cen-routing.md, /work/shared/reference):
- "Advertise routes to a transit router" (https://www.alibabacloud.com/help/doc-detail/86980.htm,
  read 2026-12-02): VPC system routes are propagated by default; routes whose next hop is an ECS
  instance (and other custom routes) only once published; routes whose next hop is a TR never.
- "Route synchronization" (https://help.aliyun.com/en/cen/user-guide/route-synchronization) and the
  VPC route-table doc (https://help.aliyun.com/zh/vpc/vpc-route-table/): route sync pushes the TR
  routes into the VPC; a TR route equal to an existing custom route, or more specific than a system
  route, is not synced; a custom route cannot duplicate a dynamic route's destination.
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


# ================================================================================================
# Route model: transit router route tables learn routes, route sync fills VPC route tables
# ================================================================================================
# Next hop types whose custom VPC routes can be published to a TR (doc-detail/86980 table: "Supports
# propagate and withdraw: Yes"). Routes to a TR, router interface, VPC peer, ECR, GWLB endpoint: no.
PUBLISHABLE_NEXT_HOPS = (
    "Instance",
    "VpnGateway",
    "HaVip",
    "Ipv4Gateway",
    "NetworkInterface",
    "IPv6Gateway",
    "NatGateway",
)
# UNCONFIRMED: 100.64.0.0/10 (the VPC's service route) is not advertised to a TR (the doc says only
# that it "is used by Alibaba Cloud services"; the sentence that follows could not be read).
SERVICE_CIDR = "100.64.0.0/10"


def _net(cidr: str) -> ipaddress.IPv4Network:
    return ipaddress.ip_network(str(cidr), strict=False)


def _contains(cidr: str, ip: str) -> bool:
    return ipaddress.ip_address(ip) in _net(cidr)


def _longest_match(routes: list[dict[str, Any]], ip: str) -> dict[str, Any] | None:
    """The route with the longest prefix containing ``ip`` (ties: the first in list order)."""
    best = None
    for r in routes:
        if _contains(r["DestinationCidrBlock"], ip) and (
            best is None or _net(r["DestinationCidrBlock"]).prefixlen > _net(best["DestinationCidrBlock"]).prefixlen
        ):
            best = r
    return best


def _attachment(ctx, att_id: str) -> tuple[str, dict[str, Any]] | tuple[None, None]:
    for kind in (K_VATT, K_PATT):
        doc = ctx.store.get(kind, att_id)
        if doc is not None:
            return kind, doc
    return None, None


def _table(ctx, rtb_id: str) -> dict[str, Any] | None:
    return ctx.store.get("cbn_route_table", rtb_id)


def _peer_far_tr(peer: dict[str, Any], tr_id: str) -> str:
    """The transit router on the other side of peer attachment ``peer`` seen from ``tr_id``."""
    return peer["PeerTransitRouterId"] if peer["TransitRouterId"] == tr_id else peer["TransitRouterId"]


# ------------------------------------------------------------------------ what a VPC advertises
def _vpc_system_table(ctx, vpc_id: str) -> str | None:
    vpc = ctx.store.get("vpc", vpc_id)
    return vpc.get("RouteTableId") if vpc else None


def _published(ctx, cen_id: str, entry: dict[str, Any]) -> bool:
    from .products import cbn

    return cbn.is_published(ctx, cen_id, entry)


def advertised_routes(ctx, att: dict[str, Any]) -> list[dict[str, Any]]:
    """Routes VPC attachment ``att`` advertises to its TR: the VPC's system routes (vSwitch CIDRs)
    and its custom routes published to this CEN (doc-detail/86980)."""
    from .products import vpc as vpc_product

    rtb_id = _vpc_system_table(ctx, att["VpcId"])
    out = []
    for e in vpc_product.route_entries(ctx, rtb_id) if rtb_id else []:
        if e["Type"] == "System" and e["DestinationCidrBlock"] != SERVICE_CIDR:
            out.append({"cidr": e["DestinationCidrBlock"], "origin_type": "System"})
        elif e["Type"] == "Custom" and e.get("Status") == "Available" and _published(ctx, att["CenId"], e):
            out.append({"cidr": e["DestinationCidrBlock"], "origin_type": "Custom"})
    return out


# ------------------------------------------------------------------------ transit router tables
def _propagations_into(ctx, rtb_id: str) -> list[dict[str, Any]]:
    return [d for d in ctx.store.list(K_PROP) if d["TransitRouterRouteTableId"] == rtb_id and _live(d, "Active")]


def _learned_from_vpc(ctx, att: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "DestinationCidrBlock": r["cidr"],
            "NextHopId": att["TransitRouterAttachmentId"],
            "NextHopResourceType": "VPC",
            "NextHopResourceId": att["VpcId"],
            "OriginResourceType": "VPC",
            "OriginResourceId": att["VpcId"],
            "OriginRouteType": r["origin_type"],
            "_via_peer": False,
            "_order": (att.get("_created_at") or 0, att["TransitRouterAttachmentId"]),
        }
        for r in advertised_routes(ctx, att)
    ]


def _learned_from_peer(ctx, peer: dict[str, Any], tr_id: str) -> list[dict[str, Any]]:
    """Routes learned over ``peer`` into a table of ``tr_id``: the routes of the far router's table
    the peer attachment is associated with there, whose next hop is a VPC attachment.
    UNCONFIRMED: one hop only -- routes the far table learned over another peer are not
    re-advertised (the emulator's choice; real TRs may carry them further)."""
    if not _live(peer, "Attached"):
        return []
    far_tr = _peer_far_tr(peer, tr_id)
    far_assoc = _association(ctx, peer["TransitRouterAttachmentId"], far_tr)
    if far_assoc is None:
        return []
    out = []
    far_rows = _resolve(_table_candidates(ctx, far_assoc["TransitRouterRouteTableId"], with_peers=False))
    for r in [r for r in far_rows if r["Status"] == "Active"]:
        out.append(
            {
                **r,
                "NextHopId": peer["TransitRouterAttachmentId"],
                "NextHopResourceType": "TR",
                "NextHopResourceId": far_tr,
                "_via_peer": True,
                "_order": (peer.get("_created_at") or 0, peer["TransitRouterAttachmentId"]),
            }
        )
    return out


def _table_candidates(ctx, rtb_id: str, with_peers: bool = True) -> list[dict[str, Any]]:
    """Every route offered to table ``rtb_id`` by the attachments that propagate into it."""
    rtb = _table(ctx, rtb_id)
    if rtb is None:
        return []
    out: list[dict[str, Any]] = []
    for prop in _propagations_into(ctx, rtb_id):
        kind, att = _attachment(ctx, prop["TransitRouterAttachmentId"])
        if kind == K_VATT and _live(att, "Attached"):
            out += _learned_from_vpc(ctx, att)
        elif kind == K_PATT and with_peers:
            out += _learned_from_peer(ctx, att, rtb["TransitRouterId"])
    return out


def tr_routes(ctx, rtb_id: str) -> list[dict[str, Any]]:
    """Learned (``Propagated``) routes of TR route table ``rtb_id``, one per offer, with
    ``Status``: ``Active`` for the route in use per destination, ``Rejected`` for the others.

    Conflicts (same destination offered by several attachments): the CEN docs say only that other
    instances learn a route "if no route conflict exists" (doc-detail/181618). UNCONFIRMED, the
    emulator's deterministic choice: a route learned from a VPC attachment of this router wins
    over one learned over a peer attachment; otherwise the earliest attachment (creation time,
    then id) wins; the losers are listed as ``Rejected``."""
    return [{**r, "TransitRouterRouteTableId": rtb_id} for r in _resolve(_table_candidates(ctx, rtb_id))]


def _resolve(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark one offer per destination ``Active`` (see :func:`tr_routes`), the others ``Rejected``."""
    seen: set[str] = set()
    out = []
    for r in sorted(candidates, key=lambda r: (r["_via_peer"], r["_order"])):
        dest = str(_net(r["DestinationCidrBlock"]))
        status = "Rejected" if dest in seen else "Active"
        seen.add(dest)
        out.append({**r, "DestinationCidrBlock": dest, "Status": status})
    return out


def _active_tr_routes(ctx, rtb_id: str) -> list[dict[str, Any]]:
    return [r for r in tr_routes(ctx, rtb_id) if r["Status"] == "Active"]


# ------------------------------------------------------------------------ route sync into a VPC
def sync_attachment(ctx, vpc_id: str) -> dict[str, Any] | None:
    """The Attached VPC attachment of ``vpc_id`` with route sync on (``AutoPublishRouteEnabled``).
    Only one connection per VPC can sync (route-synchronization doc); the first one is used."""
    for att in sorted(_attached_vpc_attachments(ctx, vpc_id), key=lambda a: a["TransitRouterAttachmentId"]):
        if att.get("AutoPublishRouteEnabled"):
            return att
    return None


def synced_routes(ctx, vpc_id: str) -> list[dict[str, Any]]:
    """Routes route sync puts into the VPC's system route table: the Active routes of the TR table
    the syncing attachment is associated with, except those whose next hop is that attachment,
    those equal to a custom route and those equal to or more specific than a system route
    (vpc-route-table doc, "precedence"). Shown as route entries of ``Type`` ``CEN``
    (DescribeRouteEntryList's RouteEntryType value for "Cloud Enterprise Network (CEN) route";
    UNCONFIRMED that synced TR routes use it), NextHopType ``Attachment``."""
    from .products import vpc as vpc_product

    att = sync_attachment(ctx, vpc_id)
    rtb_id = _vpc_system_table(ctx, vpc_id)
    if att is None or rtb_id is None:
        return []
    assoc = _association(ctx, att["TransitRouterAttachmentId"], att["TransitRouterId"])
    if assoc is None:
        return []
    own = vpc_product.route_entries(ctx, rtb_id)
    custom = {str(_net(e["DestinationCidrBlock"])) for e in own if e["Type"] == "Custom"}
    system = [_net(e["DestinationCidrBlock"]) for e in own if e["Type"] == "System"]
    vpc = ctx.store.get("vpc", vpc_id) or {}
    out, seen = [], set()
    for r in _active_tr_routes(ctx, assoc["TransitRouterRouteTableId"]):
        dest = r["DestinationCidrBlock"]
        if r["NextHopId"] == att["TransitRouterAttachmentId"] or dest in custom or dest in seen:
            continue
        if any(_net(dest).subnet_of(s) for s in system):
            continue
        seen.add(dest)
        out.append(
            {
                "RouteEntryId": "",  # UNCONFIRMED: whether synced routes carry a route entry id
                "RouteTableId": rtb_id,
                "VpcId": vpc_id,
                "RegionId": vpc.get("RegionId", ""),
                "DestinationCidrBlock": dest,
                "NextHopType": "Attachment",
                "NextHopId": att["TransitRouterAttachmentId"],
                "Type": "CEN",
                "Status": "Available",
                "Origin": "",  # UNCONFIRMED: Origin value of a synced route
                "CreationTime": "",
                "_synced": True,
            }
        )
    return out


def vpc_table_routes(ctx, rtb_id: str) -> list[dict[str, Any]]:
    """Every route of a VPC route table that forwards: system, Available custom (incl. Flannel node
    routes) and synced TR routes."""
    from .products import vpc as vpc_product

    rtb = ctx.store.get("vpc_route_table", rtb_id)
    if rtb is None:
        return []
    own = [e for e in vpc_product.route_entries(ctx, rtb_id) if e.get("Status") == "Available"]
    return own + synced_routes(ctx, rtb["VpcId"])


# ================================================================================================
# Addresses
# ================================================================================================
def _clusters(ctx) -> list[dict[str, Any]]:
    from .products import cs

    out = []
    for doc in ctx.store.list("cs_cluster"):
        if lifecycle.is_deleting(doc) or doc.get("state") in ("deleting", "deleted", "failed"):
            continue
        full = cs.get_cluster(ctx, doc["cluster_id"])
        if full is not None:
            out.append(full)
    return out


def _pod_sample_flannel(node: dict[str, Any]) -> str | None:
    """Flannel: the second address of the node's Pod CIDR slice (the first, .1, is the cni0
    gateway; the first Pod gets the next one)."""
    if not node.get("pod_cidr"):
        return None
    return str(_net(node["pod_cidr"]).network_address + 2)


def _pod_sample_terway(ctx, cluster: dict[str, Any], node: dict[str, Any], index: int) -> str | None:
    """UNCONFIRMED stand-in where no Pod runs yet: Terway Pod IPs come from the pod vSwitch of the
    node's zone (ASM CIDR planning page); the sample is the address the Kubernetes emulation hands
    the ``index``-th Pod of that zone (kube/controllers.py ``_alloc_pod_ip``: from the top down,
    leaving out the last three addresses and the broadcast address)."""
    for vsw_id in cluster.get("_pod_vswitch_ids") or []:
        vsw = ctx.store.get("vswitch", vsw_id)
        if vsw and vsw.get("ZoneId") == node.get("zone_id"):
            net = _net(vsw["CidrBlock"])
            return str(net.network_address + net.num_addresses - 5 - index)
    return None


def _running_pods(ctx, cluster_id: str) -> list[tuple[str, str]]:
    """``(pod IP, node name)`` of the cluster's Pods in the Kubernetes emulation (kube/)."""
    out = []
    for rid, doc in ctx.raw_store.raw_list(f"k8s/{cluster_id}"):
        if not rid.startswith("|pods|"):
            continue
        obj = doc.get("object") or {}
        ip = (obj.get("status") or {}).get("podIP")
        node = (obj.get("spec") or {}).get("nodeName")
        if ip and node and ip != (obj.get("status") or {}).get("hostIP"):
            out.append((ip, node))
    return out


def _endpoints(ctx, every_pod: bool = False) -> list[dict[str, Any]]:
    """Node addresses and one Pod address per node (the first running Pod's, else the sample),
    with internal fields (``_node``, ``_cluster``); with ``every_pod`` every running Pod's too."""
    from .products import cs

    out = []
    for cl in _clusters(ctx):
        base = {
            "cluster_id": cl["cluster_id"],
            "cluster_name": cl.get("name", ""),
            "region": cl.get("region_id", ""),
            "vpc_id": cl.get("vpc_id", ""),
        }
        terway = cl.get("_network_plugin") != "flannel"
        nodes = cs.cluster_nodes(cl, ctx.now())
        on_node: dict[str, list[str]] = {}
        for ip, name in _running_pods(ctx, cl["cluster_id"]):
            on_node.setdefault(name, []).append(ip)
        zone_index: dict[str, int] = {}
        for node in nodes:
            common = {**base, "node": node["node_name"], "_node": node, "_cluster": cl}
            out.append({"ip": node["ip"], "kind": "node", **common})
            running = sorted(on_node.get(node["node_name"]) or [], key=ipaddress.ip_address)
            if terway:
                index = zone_index.get(node.get("zone_id"), 0)
                zone_index[node.get("zone_id")] = index + 1
                sample = _pod_sample_terway(ctx, cl, node, index)
            else:
                sample = _pod_sample_flannel(node)
            for ip in (running if every_pod else running[:1]) or ([sample] if sample else []):
                out.append({"ip": ip, "kind": "pod", **common})
    return out


def addresses(ctx) -> list[dict[str, Any]]:
    """Every Ready node IP and one sample Pod IP per node:
    ``[{ip, kind: node|pod, cluster_id, cluster_name, region, vpc_id, node}]``."""
    return [{k: v for k, v in e.items() if not k.startswith("_")} for e in _endpoints(ctx)]


def _find_endpoint(ctx, ip: str) -> dict[str, Any] | None:
    for e in _endpoints(ctx, every_pod=True):
        if e["ip"] == ip:
            return e
    return None


# ================================================================================================
# Address-to-address reachability
# ================================================================================================
CODES = (
    "UnknownAddress",
    "NoVpcRoute",
    "NotAssociated",
    "NoPeerAttachment",
    "NotPropagated",
    "NotPublished",
    "NoRouterRoute",
    "SecurityGroupDenied",
    "NotAttached",
)


class _Fail(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _route_text(r: dict[str, Any]) -> str:
    return f"{r['DestinationCidrBlock']} -> {r.get('NextHopType') or 'Attachment'} {r.get('NextHopId') or ''}".rstrip()


# ------------------------------------------------------------------------ why a TR table lacks a route
def _origin_entry(ctx, vpc_id: str, ip: str) -> dict[str, Any] | None:
    """The route of the destination VPC that would carry ``ip`` to a TR (system or custom)."""
    from .products import vpc as vpc_product

    rtb_id = _vpc_system_table(ctx, vpc_id)
    own = [e for e in vpc_product.route_entries(ctx, rtb_id) if e.get("Status") == "Available"] if rtb_id else []
    return _longest_match([e for e in own if e["DestinationCidrBlock"] != SERVICE_CIDR], ip)


def _check_peer_path(ctx, rtb: dict[str, Any], dst_att: dict[str, Any]) -> dict[str, Any]:
    """The peer attachment that should carry routes of ``dst_att``'s router into ``rtb``; raises
    the reason it cannot. Returns the far table id in ``["far_rtb"]``."""
    tr_id, far_tr = rtb["TransitRouterId"], dst_att["TransitRouterId"]
    peers = [p for p in ctx.store.list(K_PATT) if {p["TransitRouterId"], p["PeerTransitRouterId"]} == {tr_id, far_tr}]
    if not peers:
        raise _Fail(
            "NoPeerAttachment",
            f"no peer attachment (inter-region connection) between transit routers {tr_id} and {far_tr}",
        )
    peer = peers[0]
    pid = peer["TransitRouterAttachmentId"]
    if not _live(peer, "Attached"):
        raise _Fail("NotAttached", f"peer attachment {pid} is not Attached (status {peer.get('Status')})")
    far_assoc = _association(ctx, pid, far_tr)
    if far_assoc is None:
        raise _Fail("NotAssociated", f"peer attachment {pid} is not associated with a route table of {far_tr}")
    if not _propagates(ctx, pid, rtb["TransitRouterRouteTableId"]):
        raise _Fail(
            "NotPropagated",
            f"peer attachment {pid} does not propagate routes into route table {rtb['TransitRouterRouteTableId']}",
        )
    return {"peer": peer, "far_rtb": far_assoc["TransitRouterRouteTableId"]}


def diagnose_router(ctx, rtb_id: str, dst_ip: str, dst_vpc_id: str | None) -> _Fail:
    """Why TR table ``rtb_id`` has no Active route for ``dst_ip`` (of VPC ``dst_vpc_id``)."""
    rtb = _table(ctx, rtb_id) or {"TransitRouterId": "", "TransitRouterRouteTableId": rtb_id}
    lacks = f"route table {rtb_id} of transit router {rtb['TransitRouterId']} has no route for {dst_ip}"
    tr = ctx.store.get("cbn_transit_router", rtb["TransitRouterId"]) or {}
    atts = [a for a in ctx.store.list(K_VATT) if a.get("VpcId") == dst_vpc_id and a.get("CenId") == tr.get("CenId")]
    if not dst_vpc_id or not atts:
        return _Fail("NoRouterRoute", f"{lacks}: the destination VPC {dst_vpc_id} is not attached to this CEN")
    dst_att = sorted(atts, key=lambda a: (not _live(a, "Attached"), a["TransitRouterAttachmentId"]))[0]
    aid = dst_att["TransitRouterAttachmentId"]
    if not _live(dst_att, "Attached"):
        return _Fail("NotAttached", f"{lacks}: VPC attachment {aid} is not Attached (status {dst_att.get('Status')})")
    try:
        if dst_att["TransitRouterId"] == rtb["TransitRouterId"]:
            into = rtb_id
        else:
            into = _check_peer_path(ctx, rtb, dst_att)["far_rtb"]
        if not _propagates(ctx, aid, into):
            raise _Fail("NotPropagated", f"VPC attachment {aid} does not propagate routes into route table {into}")
    except _Fail as f:
        return _Fail(f.code, f"{lacks}: {f.reason}")
    origin = _origin_entry(ctx, dst_vpc_id, dst_ip)
    if origin is None:
        return _Fail("NoRouterRoute", f"{lacks}: VPC {dst_vpc_id} has no route for it to advertise")
    if origin["Type"] == "Custom" and origin.get("NextHopType") == "Instance":
        if not _published(ctx, dst_att["CenId"], origin):
            return _Fail(
                "NotPublished",
                f"{lacks}: the route {_route_text(origin)} of VPC {dst_vpc_id} is not published to CEN "
                f"{dst_att['CenId']} (PublishRouteEntries)",
            )
    return _Fail(
        "NoRouterRoute", f"{lacks}: the route {_route_text(origin)} is not learned (conflict or not advertisable)"
    )


# ------------------------------------------------------------------------ the walk
def _vpc_lookup(ctx, vpc_id: str, ip: str, hops: list[str], dst_vpc: str | None) -> dict[str, Any]:
    """Longest-prefix match in the VPC's route table; raises NoVpcRoute (or, when route sync is on
    and the router lacks the route, the router's reason)."""
    rtb_id = _vpc_system_table(ctx, vpc_id)
    route = _longest_match(vpc_table_routes(ctx, rtb_id), ip) if rtb_id else None
    if route is not None:
        hops.append(f"VPC {vpc_id} route table {rtb_id}: {_route_text(route)} ({route['Type']})")
        return route
    lacks = f"the route table {rtb_id} of VPC {vpc_id} has no route for {ip}"
    att = sync_attachment(ctx, vpc_id)
    assoc = att and _association(ctx, att["TransitRouterAttachmentId"], att["TransitRouterId"])
    if att and not assoc:
        raise _Fail(
            "NotAssociated",
            f"{lacks}: its route sync attachment {att['TransitRouterAttachmentId']} is not associated with a "
            f"route table of {att['TransitRouterId']}",
        )
    if assoc:
        rtb = assoc["TransitRouterRouteTableId"]
        if _longest_match(_active_tr_routes(ctx, rtb), ip) is None:
            f = diagnose_router(ctx, rtb, ip, dst_vpc)
            raise _Fail(f.code, f"{lacks} (route sync over {att['TransitRouterAttachmentId']}): {f.reason}")
        raise _Fail(
            "NoVpcRoute", f"{lacks}: the transit router route is not synced (a custom or system route takes precedence)"
        )
    raise _Fail("NoVpcRoute", f"{lacks} (no route sync, no custom route to a transit router)")


def _enter_router(ctx, att_id: str, hops: list[str]) -> str:
    """From a VPC route with next hop Attachment into the TR table the attachment is associated with."""
    kind, att = _attachment(ctx, att_id)
    if kind != K_VATT:
        raise _Fail("NotAttached", f"next hop {att_id} is not a VPC attachment that exists")
    if not _live(att, "Attached"):
        raise _Fail("NotAttached", f"VPC attachment {att_id} is not Attached (status {att.get('Status')})")
    assoc = _association(ctx, att_id, att["TransitRouterId"])
    if assoc is None:
        raise _Fail(
            "NotAssociated", f"VPC attachment {att_id} is not associated with a route table of {att['TransitRouterId']}"
        )
    hops.append(
        f"VPC attachment {att_id} -> transit router {att['TransitRouterId']} table {assoc['TransitRouterRouteTableId']}"
    )
    return assoc["TransitRouterRouteTableId"]


def _router_lookup(ctx, rtb_id: str, ip: str, dst_vpc: str | None, hops: list[str]) -> str:
    """Follow TR table ``rtb_id`` (and at most one peer hop) to the VPC attachment for ``ip``;
    returns the destination VPC id."""
    route = _longest_match(_active_tr_routes(ctx, rtb_id), ip)
    if route is None:
        raise diagnose_router(ctx, rtb_id, ip, dst_vpc)
    hops.append(
        f"transit router table {rtb_id}: {route['DestinationCidrBlock']} -> Attachment {route['NextHopId']} "
        f"(Propagated from {route['OriginResourceType']} {route['OriginResourceId']})"
    )
    kind, att = _attachment(ctx, route["NextHopId"])
    if kind == K_PATT:
        far_tr = route["NextHopResourceId"]
        far_rtb = _association(ctx, att["TransitRouterAttachmentId"], far_tr)["TransitRouterRouteTableId"]
        hops.append(f"peer attachment {att['TransitRouterAttachmentId']} -> transit router {far_tr} table {far_rtb}")
        route = _longest_match([r for r in _active_tr_routes(ctx, far_rtb) if not r["_via_peer"]], ip)
        if route is None:
            raise diagnose_router(ctx, far_rtb, ip, dst_vpc)
        hops.append(
            f"transit router table {far_rtb}: {route['DestinationCidrBlock']} -> Attachment {route['NextHopId']}"
        )
        kind, att = _attachment(ctx, route["NextHopId"])
    hops.append(f"VPC attachment {att['TransitRouterAttachmentId']} -> VPC {att['VpcId']}")
    return att["VpcId"]


def _deliver(ctx, vpc_id: str, ip: str, dst: dict[str, Any], hops: list[str]) -> None:
    """Inside the destination VPC: the route for ``ip`` must reach the receiving node (a local
    vSwitch route for node / Terway addresses, the node's Instance route for a Flannel Pod)."""
    if dst["vpc_id"] != vpc_id:
        raise _Fail("NoVpcRoute", f"{ip} is in VPC {dst['vpc_id']}, but the path ends in VPC {vpc_id}")
    route = _vpc_lookup(ctx, vpc_id, ip, hops, vpc_id)
    hop_type = route.get("NextHopType")
    node = dst.get("_node")
    if hop_type == "local":
        hops.append(f"vSwitch {route['DestinationCidrBlock']} -> {dst.get('node') or ip}")
        return
    if hop_type == "Instance" and node and route.get("NextHopId") == node["instance_id"]:
        hops.append(f"node {node['node_name']} ({node['instance_id']}) -> Pod {ip}")
        return
    raise _Fail(
        "NoVpcRoute", f"the route {_route_text(route)} of VPC {vpc_id} does not lead to {dst.get('node') or ip}"
    )


def _walk(ctx, src: dict[str, Any], dst: dict[str, Any], hops: list[str]) -> None:
    """One direction: from endpoint ``src`` to endpoint ``dst`` (routing only)."""
    ip = dst["ip"]
    if src["vpc_id"] == dst["vpc_id"]:
        _deliver(ctx, dst["vpc_id"], ip, dst, hops)
        return
    route = _vpc_lookup(ctx, src["vpc_id"], ip, hops, dst["vpc_id"])
    if route.get("NextHopType") != "Attachment":
        raise _Fail(
            "NoVpcRoute", f"the route {_route_text(route)} of VPC {src['vpc_id']} does not lead to a transit router"
        )
    rtb_id = _enter_router(ctx, route["NextHopId"], hops)
    vpc_id = _router_lookup(ctx, rtb_id, ip, dst["vpc_id"], hops)
    _deliver(ctx, vpc_id, ip, dst, hops)


# ------------------------------------------------------------------------ security groups
def _node_security_groups(dst: dict[str, Any]) -> list[str]:
    """The security groups of the receiving node: its node pool's (default: the cluster's).
    UNCONFIRMED: a Terway Pod's ENI is in the same groups as its node."""
    node, cl = dst.get("_node"), dst.get("_cluster")
    if not node or not cl:
        return []
    for pool in cl.get("_nodepools") or []:
        if pool.get("nodepool_info", {}).get("nodepool_id") == node.get("nodepool_id"):
            ids = pool.get("scaling_group", {}).get("security_group_ids")
            if ids:
                return list(ids)
    return [cl["security_group_id"]] if cl.get("security_group_id") else []


def _sg_verdict(sg: dict[str, Any], src_ip: str, src_sgs: list[str]) -> tuple[bool, str]:
    """Does security group ``sg`` admit all traffic from ``src_ip``?

    UNCONFIRMED simplifications: reachability is judged for all traffic, so only ingress rules
    with IpProtocol ALL count; among rules matching the source, the lowest Priority number wins
    and Drop beats Accept at equal priority (ECS rule order doc); a basic (normal) group admits its
    own members (InnerAccessPolicy Accept), an enterprise group does not (Drop)."""
    if sg.get("SecurityGroupType", "normal") != "enterprise" and sg["SecurityGroupId"] in src_sgs:
        return True, f"security group {sg['SecurityGroupId']} admits its own members"
    matching = [
        r
        for r in sg.get("Permissions", [])
        if r.get("Direction", "ingress") == "ingress"
        and str(r.get("IpProtocol", "")).upper() == "ALL"
        and r.get("SourceCidrIp")
        and _contains(r["SourceCidrIp"], src_ip)
    ]
    if not matching:
        return False, f"security group {sg['SecurityGroupId']} has no rule admitting {src_ip}"
    best = sorted(matching, key=lambda r: (int(r.get("Priority") or 1), r.get("Policy") != "Drop"))[0]
    if best.get("Policy") == "Drop":
        return False, f"security group {sg['SecurityGroupId']} drops {src_ip} (rule {best['SourceCidrIp']})"
    return True, f"security group {sg['SecurityGroupId']} admits {src_ip} (rule {best['SourceCidrIp']} ALL)"


def _check_security_groups(ctx, src: dict[str, Any], dst: dict[str, Any], hops: list[str]) -> None:
    """A security group of the receiving node must admit the source address. UNCONFIRMED: Pod
    source addresses are preserved across VPCs (no masquerade), so the Pod IP is what is checked."""
    sg_ids = _node_security_groups(dst)
    if not sg_ids:
        return
    src_sgs = _node_security_groups(src)
    reasons = []
    for sg_id in sg_ids:
        sg = ctx.store.get("security_group", sg_id)
        if sg is None:
            continue
        ok, why = _sg_verdict(sg, src["ip"], src_sgs)
        if ok:
            hops.append(why)
            return
        reasons.append(why)
    raise _Fail(
        "SecurityGroupDenied", "; ".join(reasons) or f"no security group of {dst.get('node')} admits {src['ip']}"
    )


# ------------------------------------------------------------------------ public entry points
def path_between(ctx, src: dict[str, Any], dst: dict[str, Any], check_security_groups: bool = True) -> dict[str, Any]:
    """Forward walk (with the receiving node's security group), then the return walk (security
    groups are stateful: none on the way back). ``src`` / ``dst``: ``{ip, vpc_id, ...}`` endpoints
    (from :func:`addresses`, or synthetic ones such as an API server address)."""
    hops: list[str] = []
    direction = "forward"
    try:
        _walk(ctx, src, dst, hops)
        if check_security_groups:
            _check_security_groups(ctx, src, dst, hops)
        direction = "return"
        back: list[str] = []
        try:
            _walk(ctx, dst, src, back)
        finally:
            hops += ["return: " + h for h in back]
    except _Fail as f:
        return {"reachable": False, "code": f.code, "reason": f.reason, "direction": direction, "hops": hops}
    return {
        "reachable": True,
        "code": "",
        "reason": f"{src['ip']} reaches {dst['ip']} and back",
        "direction": "",
        "hops": hops,
    }


def address_reachable(ctx, src_ip: str, dst_ip: str, check_security_groups: bool = True) -> dict[str, Any]:
    """``{reachable, code, reason, direction, hops}`` from node/Pod address ``src_ip`` to ``dst_ip``."""
    ends = {}
    for name, ip in (("source", src_ip), ("destination", dst_ip)):
        try:
            ipaddress.IPv4Address(str(ip))
        except ValueError:
            return {
                "reachable": False,
                "code": "UnknownAddress",
                "reason": f"{name} {ip!r} is not an IPv4 address",
                "direction": "",
                "hops": [],
            }
        ends[name] = _find_endpoint(ctx, str(ip))
        if ends[name] is None:
            return {
                "reachable": False,
                "code": "UnknownAddress",
                "reason": f"{name} {ip} is not a node or Pod address of any cluster",
                "direction": "",
                "hops": [],
            }
    return path_between(ctx, ends["source"], ends["destination"], check_security_groups)


# ================================================================================================
# ASM join check (ForbiddenFlag 2)
# ================================================================================================
def _vswitch_address(ctx, vsw_id: str | None) -> str | None:
    vsw = ctx.store.get("vswitch", vsw_id) if vsw_id else None
    return str(_net(vsw["CidrBlock"]).broadcast_address - 1) if vsw else None


def mesh_reaches_api_server(ctx, mesh: dict[str, Any], cluster: dict[str, Any]) -> dict[str, Any]:
    """The mesh VPC reaches the cluster's API server address and back (no security group check).

    UNCONFIRMED stand-ins: the API server's private address is the last usable address of the
    cluster's first vSwitch, and the mesh control plane's the last usable address of the mesh's
    first vSwitch (real addresses are allocated by ACK/ASM)."""
    src_ip = _vswitch_address(ctx, (mesh.get("VSwitches") or [None])[0])
    dst_ip = _vswitch_address(ctx, (cluster.get("vswitch_ids") or [None])[0])
    if not src_ip or not dst_ip:
        return {
            "reachable": False,
            "code": "UnknownAddress",
            "reason": "the mesh or the cluster has no vSwitch",
            "direction": "",
            "hops": [],
        }
    src = {"ip": src_ip, "vpc_id": mesh.get("VpcId"), "node": f"mesh {mesh.get('ServiceMeshId')}"}
    dst = {"ip": dst_ip, "vpc_id": cluster.get("vpc_id"), "node": f"API server of {cluster.get('cluster_id')}"}
    return path_between(ctx, src, dst, check_security_groups=False)
