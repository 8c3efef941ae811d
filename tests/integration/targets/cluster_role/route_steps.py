# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Undo one step the stages made, behind their back, with the real SDKs - and put it back.

``route_steps.py SAVED break STEP PREFIX`` / ``route_steps.py SAVED restore STEP PREFIX``, for the
inventory of ``cluster_inventory.py PREFIX 3 ... terway`` (cluster PREFIX-ack-0 in cn-hangzhou,
-1 in cn-shanghai, both Flannel, -2 in cn-beijing, Terway). STEP:

- ``publication``: withdraw the published Pod routes of the cn-hangzhou cluster's nodes;
- ``propagation``: stop the cn-hangzhou <-> cn-shanghai connection propagating into the
  cn-hangzhou router's route table;
- ``route-sync``: turn route sync off on the cn-beijing VPC attachment;
- ``sg-rule``: revoke the rule admitting the cn-hangzhou cluster's Pods from the cn-shanghai
  cluster's security group;
- ``all``: the four (break only; the stages repair them).

``break`` saves what it undid in the JSON file SAVED; ``restore`` puts back exactly that. Each
waits until the change is done (the async states of CEN). ``route_steps.py - scale CLUSTER SIZE``
sets a cluster's first node pool to SIZE nodes (ModifyClusterNodePool), as someone would in the
console. Resource IDs come from the emulator's state (EMULATOR_URL); every change is an API call
through the SDK (GEOMESH_ALICLOUD_ENDPOINT, GEOMESH_ALICLOUD_PROTOCOL, ALIBABA_CLOUD_ACCESS_KEY_ID,
ALIBABA_CLOUD_ACCESS_KEY_SECRET).
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request

from alibabacloud_cbn20170912 import models as cbn_models
from alibabacloud_cbn20170912.client import Client as CbnClient
from alibabacloud_cs20151215 import models as cs_models
from alibabacloud_cs20151215.client import Client as CsClient
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi.models import Config
from alibabacloud_vpc20160428 import models as vpc_models
from alibabacloud_vpc20160428.client import Client as VpcClient

STEPS = ("publication", "propagation", "route-sync", "sg-rule")
WAIT_SECONDS = 60


def config(region):
    return Config(
        endpoint=os.environ["GEOMESH_ALICLOUD_ENDPOINT"],
        protocol=os.environ.get("GEOMESH_ALICLOUD_PROTOCOL", "http"),
        access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        region_id=region,
    )


def state():
    url = os.environ["EMULATOR_URL"].rstrip("/") + "/_emulator/state"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode())


def wait(what, done):
    deadline = time.monotonic() + WAIT_SECONDS
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for %s" % what)
        time.sleep(0.5)


class Plan:
    """The IDs of the test's resources, from the emulator's state."""

    def __init__(self, prefix):
        self.state = state()
        self.cen_id = self.one("cen", lambda c: c.get("Name") == prefix + "-cen")["CenId"]
        self.clusters = {}
        for index, region in enumerate(("cn-hangzhou", "cn-shanghai", "cn-beijing")):
            vpc = self.one("vpc", lambda v, r=region: v.get("VpcName") == "%s-vpc-%s" % (prefix, r))
            cluster = self.one(
                "cs_cluster",
                lambda c, i=index: c.get("name") == "%s-ack-%d" % (prefix, i)
                and c.get("state") not in ("deleting", "deleted"),
            )
            router = self.one(
                "cbn_transit_router", lambda t, r=region: t.get("CenId") == self.cen_id and t.get("RegionId") == r
            )
            self.clusters[region] = {"vpc": vpc, "cluster": cluster, "router": router}

    def one(self, kind, match):
        found = [item for item in self.state.get(kind, []) if match(item)]
        if len(found) != 1:
            raise SystemExit("%d %s found, expected 1" % (len(found), kind))
        return found[0]


def node_routes(region, vpc):
    """The Flannel node routes (Custom, next hop an instance) of a VPC's system route table, paged."""
    client, routes, token = VpcClient(config(region)), [], None
    while True:
        body = client.describe_route_entry_list(
            vpc_models.DescribeRouteEntryListRequest(
                region_id=region,
                route_table_id=vpc["RouteTableId"],
                route_entry_type="Custom",
                next_hop_type="Instance",
                max_result=100,
                next_token=token,
            )
        ).body.to_map()
        routes += (body.get("RouteEntrys") or {}).get("RouteEntry") or []
        token = body.get("NextToken")
        if not token:
            return sorted(r["DestinationCidrBlock"] for r in routes)


def publication(plan, undo, saved):
    region = "cn-hangzhou"
    vpc = plan.clusters[region]["vpc"]
    client = CbnClient(config(region))
    cidrs = saved["cidrs"] if not undo else node_routes(region, vpc)
    if not cidrs:
        raise SystemExit("no node route in %s" % vpc["VpcId"])
    fields = {
        "cen_id": plan.cen_id,
        "child_instance_id": vpc["VpcId"],
        "child_instance_region_id": region,
        "child_instance_route_table_id": vpc["RouteTableId"],
        "child_instance_type": "VPC",
    }
    for cidr in cidrs:
        if undo:
            client.withdraw_published_route_entries(
                cbn_models.WithdrawPublishedRouteEntriesRequest(destination_cidr_block=cidr, **fields)
            )
        else:
            client.publish_route_entries(cbn_models.PublishRouteEntriesRequest(destination_cidr_block=cidr, **fields))

    def settled():
        body = client.describe_published_route_entries(
            cbn_models.DescribePublishedRouteEntriesRequest(page_size=50, **fields)
        ).body.to_map()
        entries = (body.get("PublishedRouteEntries") or {}).get("PublishedRouteEntry") or []
        status = {e.get("DestinationCidrBlock"): e.get("PublishStatus") for e in entries}
        return all((status.get(c) == "Published") != undo for c in cidrs)

    wait("the publication of %s" % ", ".join(cidrs), settled)
    return {"cidrs": cidrs}


def propagation(plan, undo, saved):
    here, there = plan.clusters["cn-hangzhou"]["router"], plan.clusters["cn-shanghai"]["router"]
    if undo:
        pair = {here["TransitRouterId"], there["TransitRouterId"]}
        peer = plan.one(
            "cbn_peer_attachment", lambda a: {a.get("TransitRouterId"), a.get("PeerTransitRouterId")} == pair
        )
        binding = plan.one(
            "cbn_propagation",
            lambda b: b.get("TransitRouterAttachmentId") == peer["TransitRouterAttachmentId"]
            and b.get("TransitRouterId") == here["TransitRouterId"],
        )
        saved = {k: binding[k] for k in ("TransitRouterAttachmentId", "TransitRouterRouteTableId")}
    client = CbnClient(config("cn-hangzhou"))
    ids = {
        "transit_router_attachment_id": saved["TransitRouterAttachmentId"],
        "transit_router_route_table_id": saved["TransitRouterRouteTableId"],
    }
    if undo:
        client.disable_transit_router_route_table_propagation(
            cbn_models.DisableTransitRouterRouteTablePropagationRequest(**ids)
        )
    else:
        client.enable_transit_router_route_table_propagation(
            cbn_models.EnableTransitRouterRouteTablePropagationRequest(**ids)
        )

    def settled():
        body = client.list_transit_router_route_table_propagations(
            cbn_models.ListTransitRouterRouteTablePropagationsRequest(**ids)
        ).body.to_map()
        found = body.get("TransitRouterPropagations") or []
        return not found if undo else [p.get("Status") for p in found] == ["Active"]

    wait("the propagation of %s" % saved["TransitRouterAttachmentId"], settled)
    return saved


def route_sync(plan, undo, saved):
    region = "cn-beijing"
    if undo:
        vpc_id = plan.clusters[region]["vpc"]["VpcId"]
        attachment = plan.one("cbn_vpc_attachment", lambda a: a.get("VpcId") == vpc_id)
        saved = {"TransitRouterAttachmentId": attachment["TransitRouterAttachmentId"]}
    client = CbnClient(config(region))
    attachment_id = saved["TransitRouterAttachmentId"]
    client.update_transit_router_vpc_attachment_attribute(
        cbn_models.UpdateTransitRouterVpcAttachmentAttributeRequest(
            transit_router_attachment_id=attachment_id, auto_publish_route_enabled=not undo
        )
    )

    def settled():
        body = client.list_transit_router_vpc_attachments(
            cbn_models.ListTransitRouterVpcAttachmentsRequest(
                region_id=region, transit_router_attachment_id=attachment_id
            )
        ).body.to_map()
        found = body.get("TransitRouterAttachments") or []
        return [(a.get("Status"), a.get("AutoPublishRouteEnabled")) for a in found] == [("Attached", not undo)]

    wait("route sync of %s" % attachment_id, settled)
    return saved


def sg_rule(plan, undo, saved):
    region = "cn-shanghai"
    client = EcsClient(config(region))
    if undo:
        pods = plan.clusters["cn-hangzhou"]["cluster"]["container_cidr"]
        group_id = plan.clusters[region]["cluster"]["security_group_id"]
        group = plan.one("security_group", lambda g: g.get("SecurityGroupId") == group_id)
        rule = [
            r
            for r in group.get("Permissions") or []
            if r.get("SourceCidrIp") == pods and str(r.get("Description") or "").startswith("geomesh:peer-pods:")
        ]
        if len(rule) != 1:
            raise SystemExit("%d peer Pod rules for %s on %s" % (len(rule), pods, group_id))
        saved = {"SecurityGroupId": group_id, "rule": rule[0]}
        client.revoke_security_group(
            ecs_models.RevokeSecurityGroupRequest(
                region_id=region, security_group_id=group_id, security_group_rule_id=[rule[0]["SecurityGroupRuleId"]]
            )
        )
        return saved
    rule = saved["rule"]
    client.authorize_security_group(
        ecs_models.AuthorizeSecurityGroupRequest(
            region_id=region,
            security_group_id=saved["SecurityGroupId"],
            permissions=[
                ecs_models.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol=rule.get("IpProtocol"),
                    port_range=rule.get("PortRange"),
                    source_cidr_ip=rule.get("SourceCidrIp"),
                    policy=rule.get("Policy"),
                    priority=str(rule.get("Priority")),
                    description=rule.get("Description"),
                )
            ],
        )
    )
    return saved


ACTIONS = {"publication": publication, "propagation": propagation, "route-sync": route_sync, "sg-rule": sg_rule}


def scale(name, size):
    cluster = [c for c in state().get("cs_cluster", []) if c.get("name") == name]
    if len(cluster) != 1:
        raise SystemExit("%d clusters named %s" % (len(cluster), name))
    pool = cluster[0]["_nodepools"][0]["nodepool_info"]
    CsClient(config(cluster[0]["region_id"])).modify_cluster_node_pool(
        cluster[0]["cluster_id"],
        pool["nodepool_id"],
        cs_models.ModifyClusterNodePoolRequest(
            scaling_group=cs_models.ModifyClusterNodePoolRequestScalingGroup(desired_size=size)
        ),
    )
    return 0


def main(argv):
    if argv[1:2] == ["scale"] and len(argv) == 4:
        return scale(argv[2], int(argv[3]))
    if len(argv) != 4 or argv[1] not in ("break", "restore") or argv[2] not in STEPS + ("all",):
        sys.stderr.write(__doc__)
        return 2
    path, undo, step, prefix = argv[0], argv[1] == "break", argv[2], argv[3]
    if step == "all" and not undo:
        sys.stderr.write("restore takes one step at a time\n")
        return 2
    plan = Plan(prefix)
    saved = {}
    if not undo:
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
    for name in STEPS if step == "all" else (step,):
        saved[name] = ACTIONS[name](plan, undo, saved.get(name))
        sys.stdout.write("%s %s\n" % ("broke" if undo else "restored", name))
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(saved, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
