# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the routes of the pod_routes test in the emulator, through the real SDKs.

``route_census.py INVENTORY NODES [sync]`` (NODES: the node count of each region's cluster, ``4,1``), for
the inventory of ``cluster_role/cluster_inventory.py ... --no-route-sync``. For every region's VPC:
route sync is off on its attachment; its system route table holds exactly one explicit route
``geomesh-peer-*`` to every other VPC's CIDR and Flannel Pod CIDR of the plan, next hop its own
attachment, and nothing synced from a transit router; exactly NODES Flannel node routes (Custom,
next hop an instance) inside the cluster's Pod CIDR; and the CEN publishes exactly those node routes
(DescribePublishedRouteEntries: each Published, no other Published route inside the Pod CIDR).
With ``sync``: route sync is on instead, and no explicit route is left. Prints one line per check.
IDs come from the emulator's state (EMULATOR_URL), routes and publications from the API
(GEOMESH_ALICLOUD_ENDPOINT, GEOMESH_ALICLOUD_PROTOCOL, ALIBABA_CLOUD_ACCESS_KEY_ID,
ALIBABA_CLOUD_ACCESS_KEY_SECRET).
"""

from __future__ import annotations

import ipaddress
import json
import os
import sys
import urllib.request

from alibabacloud_cbn20170912 import models as cbn_models
from alibabacloud_cbn20170912.client import Client as CbnClient
from alibabacloud_tea_openapi.models import Config
from alibabacloud_vpc20160428 import models as vpc_models
from alibabacloud_vpc20160428.client import Client as VpcClient


def config(region):
    return Config(
        endpoint=os.environ["GEOMESH_ALICLOUD_ENDPOINT"],
        protocol=os.environ.get("GEOMESH_ALICLOUD_PROTOCOL", "http"),
        access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        region_id=region,
    )


def routes_of(region, table):
    client, found, token = VpcClient(config(region)), [], None
    while True:
        body = client.describe_route_entry_list(
            vpc_models.DescribeRouteEntryListRequest(
                region_id=region, route_table_id=table, max_result=100, next_token=token
            )
        ).body.to_map()
        found += (body.get("RouteEntrys") or {}).get("RouteEntry") or []
        token = body.get("NextToken")
        if not token:
            return found


def hop(route):
    """(next hop type, next hop id) of a DescribeRouteEntryList entry (its NextHops.NextHop list)."""
    hops = (route.get("NextHops") or {}).get("NextHop") or [{}]
    return hops[0].get("NextHopType"), hops[0].get("NextHopId")


def published_of(region, cen_id, vpc):
    client, found, page = CbnClient(config(region)), [], 1
    while True:
        body = client.describe_published_route_entries(
            cbn_models.DescribePublishedRouteEntriesRequest(
                cen_id=cen_id,
                child_instance_id=vpc["VpcId"],
                child_instance_region_id=region,
                child_instance_route_table_id=vpc["RouteTableId"],
                child_instance_type="VPC",
                page_number=page,
                page_size=50,
            )
        ).body.to_map()
        entries = (body.get("PublishedRouteEntries") or {}).get("PublishedRouteEntry") or []
        found += entries
        if not entries or len(found) >= int(body.get("TotalCount") or 0):
            return found
        page += 1


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as handle:
        root = json.load(handle)["all"]
    nodes = [int(n) for n in sys.argv[2].split(",")]
    sync = sys.argv[3:] == ["sync"]
    with urllib.request.urlopen(os.environ["EMULATOR_URL"].rstrip("/") + "/_emulator/state", timeout=10) as response:
        state = json.loads(response.read().decode())
    hosts = dict(root["children"]["regions"]["hosts"])
    hosts.update(root["children"]["mesh"]["hosts"])
    cen_id = [c["CenId"] for c in state.get("cen", []) if c.get("Name") == root["vars"]["geomesh_cen_name"]][0]
    vpcs = {v["VpcName"]: v for v in state.get("vpc", [])}
    failures = []

    def check(label, ok, detail=""):
        sys.stdout.write("%-72s %s %s\n" % (label, "ok" if ok else "FAIL", detail))
        if not ok:
            failures.append(label)

    for index, (host, hvars) in enumerate(hosts.items()):
        region = hvars["geomesh_region"]
        vpc = vpcs[hvars["geomesh_vpc"]["name"]]
        attachment = [a for a in state.get("cbn_vpc_attachment", []) if a.get("VpcId") == vpc["VpcId"]]
        check(
            "%s: one VPC attachment, route sync %s" % (host, "on" if sync else "off"),
            [a.get("AutoPublishRouteEnabled") for a in attachment] == [sync],
            "(%s)" % [a.get("AutoPublishRouteEnabled") for a in attachment],
        )
        routes = routes_of(region, vpc["RouteTableId"])
        want = (
            []
            if sync
            else sorted(
                [h["geomesh_vpc"]["cidr_block"] for other, h in hosts.items() if other != host]
                + [
                    h["geomesh_cluster"]["pod_cidr"]
                    for other, h in hosts.items()
                    if other != host and (h.get("geomesh_cluster") or {}).get("pod_cidr")
                ],
                key=ipaddress.IPv4Network,
            )
        )
        explicit = [r for r in routes if str(r.get("RouteEntryName") or "").startswith("geomesh-peer-")]
        got = sorted((r["DestinationCidrBlock"] for r in explicit), key=ipaddress.IPv4Network)
        check(
            "%s: %s"
            % (host, "no explicit route left" if sync else "one explicit route per other VPC and Flannel Pod CIDR"),
            got == want,
            "(%s, expected %s)" % (got, want),
        )
        check(
            "%s: the explicit routes go to its own attachment" % host,
            all(
                r.get("Type") == "Custom" and hop(r) == ("Attachment", attachment[0]["TransitRouterAttachmentId"])
                for r in explicit
            ),
        )
        others = [
            r
            for r in routes
            if r not in explicit and (r.get("Type") not in ("System", "Custom") or hop(r)[0] == "Attachment")
        ]
        check(
            "%s: %s"
            % (host, "routes synced from the transit router" if sync else "nothing synced from a transit router"),
            bool(others) == sync,
            "(%s)" % [(r.get("DestinationCidrBlock"), r.get("Type")) for r in others],
        )
        pod_cidr = (hvars.get("geomesh_cluster") or {}).get("pod_cidr")
        if not pod_cidr:
            continue
        pods = ipaddress.IPv4Network(pod_cidr)
        node_routes = sorted(
            r["DestinationCidrBlock"]
            for r in routes
            if r.get("Type") == "Custom"
            and hop(r)[0] == "Instance"
            and ipaddress.IPv4Network(r["DestinationCidrBlock"]).subnet_of(pods)
        )
        check(
            "%s: %d node routes in %s" % (host, nodes[index], pod_cidr),
            len(node_routes) == nodes[index],
            "(%s)" % node_routes,
        )
        published = published_of(region, cen_id, vpc)
        status = {e.get("DestinationCidrBlock"): e.get("PublishStatus") for e in published}
        check(
            "%s: every node route published" % host,
            all(status.get(c) == "Published" for c in node_routes),
            "(%s)" % status,
        )
        # system routes (vSwitch CIDRs) are listed too, published by default: only the Pod CIDR counts
        stale = sorted(
            c
            for c, s in status.items()
            if s == "Published" and ipaddress.IPv4Network(c).subnet_of(pods) and c not in node_routes
        )
        check("%s: no stale publication" % host, not stale, "(%s)" % stale)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
