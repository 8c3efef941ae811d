#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_transit_router_peer_attachment
short_description: Connect two CEN transit routers across regions, update or remove the connection
version_added: 0.1.0
description:
  - Manages an inter-region connection (peer attachment) between two transit routers of a CEN instance,
    identified by O(transit_router_attachment_id) or by the pair of routers, whichever side created it.
  - Creation sends a deterministic C(ClientToken), so a retried or interrupted run never makes a second connection.
  - Bandwidth, bandwidth type, bandwidth plan and link type are changed in place
    (C(UpdateTransitRouterPeerAttachmentAttribute)); the connection is never re-created for them.
  - An attachment made through the API neither associates with nor propagates to route tables; use
    M(geomesh.alicloud.cen_transit_router_route_table_binding) on both routers' route tables.
  - After a delete the module always polls, because the API can accept a delete request and do nothing.
options:
  state:
    description: Whether the connection should exist.
    type: str
    choices: [present, absent]
    default: present
  cen_id:
    description: The CEN instance. Required to create a connection.
    type: str
  transit_router_id:
    description: The local transit router, in O(region). Required unless O(transit_router_attachment_id) is given.
    type: str
  region:
    description:
      - The region of O(transit_router_id), for example V(cn-hangzhou).
      - If not set, taken from E(ALIBABA_CLOUD_REGION_ID), then E(ALICLOUD_REGION), then E(ALICLOUD_REGION_ID).
    type: str
    aliases: [alicloud_region, region_id]
  peer_transit_router_id:
    description: The transit router in the other region. Required unless O(transit_router_attachment_id) is given.
    type: str
  peer_region:
    description: The region of O(peer_transit_router_id). Required to create a connection.
    type: str
    aliases: [peer_transit_router_region_id]
  transit_router_attachment_id:
    description: The ID of an existing connection (C(tr-attach-...)).
    type: str
    aliases: [id, attachment_id]
  bandwidth_type:
    description:
      - V(DataTransfer) is pay-by-data-transfer; O(bandwidth) is then the maximum bandwidth.
      - V(BandwidthPackage) allocates O(bandwidth) from the bandwidth plan O(cen_bandwidth_package_id), which must
        already be associated with the CEN instance.
    type: str
    choices: [DataTransfer, BandwidthPackage]
    default: DataTransfer
  cen_bandwidth_package_id:
    description: The bandwidth plan. Required with O(bandwidth_type=BandwidthPackage), not allowed otherwise.
    type: str
  bandwidth:
    description:
      - The bandwidth of the connection in Mbit/s, 1 to 10000 (the largest bandwidth plan), checked before any call.
        Required with O(bandwidth_type=BandwidthPackage).
      - When not set on an existing connection, its bandwidth is left as it is.
    type: int
  default_link_type:
    description:
      - The link type, V(Gold) or V(Platinum); only with O(bandwidth_type=DataTransfer).
      - When not set, new connections get the API default (V(Gold)) and existing ones are left as they are.
    type: str
    choices: [Gold, Platinum]
  auto_publish_route_enabled:
    description:
      - Whether the routers automatically advertise routes to each other over the connection.
      - Updated in place. When not set, new connections get V(false) (the API's default) and existing ones are left
        as they are, as with M(geomesh.alicloud.cen_transit_router_vpc_attachment).
      - Until 0.1.0 the default was V(true), so leaving the option out turned route publishing back on.
    type: bool
  name:
    description: The connection name (C(TransitRouterAttachmentName)).
    type: str
    aliases: [transit_router_attachment_name]
  description:
    description: The connection description (C(TransitRouterAttachmentDescription)).
    type: str
  force:
    description:
      - On delete, also remove the connection's route table associations, propagations and related routes
        (C(Force=true)). Without it the API refuses while those exist, and the module reports that.
    type: bool
    default: false
  wait_timeout:
    description: How many seconds to wait for V(Attached) or for the deletion to finish.
    type: int
    default: 300
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.tags
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: Connect Hangzhou and Shanghai, pay by data transfer, at most 100 Mbit/s
  geomesh.alicloud.cen_transit_router_peer_attachment:
    cen_id: "{{ cen.cen.cen_id }}"
    region: cn-hangzhou
    transit_router_id: "{{ tr_hangzhou.transit_router.transit_router_id }}"
    peer_region: cn-shanghai
    peer_transit_router_id: "{{ tr_shanghai.transit_router.transit_router_id }}"
    bandwidth: 100
    name: hangzhou-shanghai
  register: peer

- name: Raise the bandwidth in place
  geomesh.alicloud.cen_transit_router_peer_attachment:
    cen_id: "{{ cen.cen.cen_id }}"
    region: cn-hangzhou
    transit_router_id: "{{ tr_hangzhou.transit_router.transit_router_id }}"
    peer_region: cn-shanghai
    peer_transit_router_id: "{{ tr_shanghai.transit_router.transit_router_id }}"
    bandwidth: 200

- name: Remove the connection and its route table bindings
  geomesh.alicloud.cen_transit_router_peer_attachment:
    transit_router_attachment_id: "{{ peer.peer_attachment.transit_router_attachment_id }}"
    region: cn-hangzhou
    force: true
    state: absent
"""

RETURN = r"""
peer_attachment:
  description: The connection as read back after the change; empty when O(state=absent).
  returned: always
  type: dict
  contains:
    transit_router_attachment_id:
      description: The connection ID.
      type: str
      sample: tr-attach-r6g0m3epjehw57****
    transit_router_attachment_name:
      description: The name.
      type: str
    transit_router_attachment_description:
      description: The description.
      type: str
    status:
      description: V(Attaching), V(Attached), V(Detaching) or V(Detached).
      type: str
    cen_id:
      description: The CEN instance.
      type: str
    transit_router_id:
      description: The transit router on the side that created the connection.
      type: str
    region_id:
      description: The region of RV(peer_attachment.transit_router_id).
      type: str
    peer_transit_router_id:
      description: The transit router on the other side.
      type: str
    peer_transit_router_region_id:
      description: The region of RV(peer_attachment.peer_transit_router_id).
      type: str
    bandwidth:
      description: The bandwidth in Mbit/s.
      type: int
    bandwidth_type:
      description: V(DataTransfer) or V(BandwidthPackage).
      type: str
    cen_bandwidth_package_id:
      description: The bandwidth plan, with V(BandwidthPackage).
      type: str
    default_link_type:
      description: V(Gold) or V(Platinum).
      type: str
    auto_publish_route_enabled:
      description: Whether routes are advertised automatically.
      type: bool
    resource_type:
      description: V(TR).
      type: str
    geographic_span_id:
      description: The area pair the connection spans.
      type: str
    creation_time:
      description: When the connection was created.
      type: str
    tags:
      description: The tags as a dictionary.
      type: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import CREATE, Attr
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import get_item
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import cbn


class PeerAttachmentManager(cbn.AttachmentManager):
    resource = "peer attachment"
    result_key = "peer_attachment"
    create_action = "CreateTransitRouterPeerAttachment"
    token_kind = "transit-router-peer-attachment"
    attributes = cbn.AttachmentManager.attachment_fields + (
        Attr("peer_transit_router_id", "PeerTransitRouterId", CREATE),
        Attr("peer_region", "PeerTransitRouterRegionId", CREATE, key="peer_transit_router_region_id"),
        # the bandwidth group is compared and updated together by cbn.bandwidth_changes
        Attr("bandwidth_type", "BandwidthType", CREATE),
        Attr("bandwidth", "Bandwidth", CREATE),
        Attr("cen_bandwidth_package_id", "CenBandwidthPackageId", CREATE),
        Attr("default_link_type", "DefaultLinkType", CREATE),
    )
    required_to_create = ("cen_id", "transit_router_id", "peer_transit_router_id", "peer_region")
    required_without_id = ("transit_router_id", "peer_transit_router_id")
    update_action = "UpdateTransitRouterPeerAttachmentAttribute"
    delete_action = "DeleteTransitRouterPeerAttachment"
    delete_blockers = dict(
        cbn.BINDING_BLOCKERS,
        **{
            "OperationFailed.TrafficQosExist": "a traffic QoS policy still uses it",
            "OperationFailed.FlowLogExistOrNisOpened": "a flow log (or NIS) still uses it",
        },
    )
    blocker_hint = cbn.BINDING_HINT.replace("propagation=absent", "propagation=absent, on both routers")
    deleting_states = ("Detaching", "Detached")
    # Always poll: an invalid delete request can be answered with a RequestId and do nothing.
    poll_after_delete = True
    tag_resource_type = cbn.TAG_TYPES["peer_attachment"]

    def get(self, resource_id):
        return get_item(self.client, cbn.PEER_ATTACHMENTS, resource_id, TransitRouterAttachmentId=resource_id)

    def lookup(self):
        p = self.params
        return cbn.find_peer_attachment(
            self.client, p["cen_id"], p["transit_router_id"], self.region, p["peer_transit_router_id"], p["peer_region"]
        )

    def normalize(self, resource):
        return cbn.normalize_peer_attachment(resource)

    def tag_region(self, resource):
        return resource.get("RegionId") or self.region

    def describe(self):
        return "between %s and %s" % (self.params["transit_router_id"], self.params["peer_transit_router_id"])

    def identity(self):
        p = self.params
        return {"cen_id": p["cen_id"], "routers": sorted([p["transit_router_id"], p["peer_transit_router_id"]])}

    def check_options(self):
        self.module.validate(cbn.validate_peer_bandwidth, self.params)

    def check_create(self):
        super().check_create()
        if self.params["bandwidth_type"] == cbn.BANDWIDTH_PACKAGE and self.params["bandwidth"] is None:
            self.module.fail_json(msg="bandwidth is required with bandwidth_type=BandwidthPackage", field="bandwidth")

    def check_existing(self, resource):
        """When both routers are given, the attachment (perhaps found by ID) must connect them."""
        p = self.params
        if p["transit_router_id"] and p["peer_transit_router_id"]:
            if not cbn.peer_matches(resource, p["transit_router_id"], p["peer_transit_router_id"]):
                self.module.fail_json(
                    msg="attachment %s connects %s and %s, not transit_router_id %s and peer_transit_router_id %s"
                    % (
                        resource["TransitRouterAttachmentId"],
                        resource.get("TransitRouterId"),
                        resource.get("PeerTransitRouterId"),
                        p["transit_router_id"],
                        p["peer_transit_router_id"],
                    ),
                    field="peer_transit_router_id",
                )

    def extra_changes(self, resource):
        return cbn.bandwidth_changes(self.params, resource)

    def predict(self, view, resource):
        changes = cbn.bandwidth_changes(self.params, resource) if resource else {}
        view.update({attr.key: changes[attr.field] for attr in self.attributes if attr.field in changes})
        return view

    def create_request(self):
        return dict(super().create_request(), RegionId=self.region)


def main():
    argument_spec = cbn.attachment_argument_spec(
        peer_transit_router_id={"type": "str"},
        peer_region={"type": "str", "aliases": ["peer_transit_router_region_id"]},
        bandwidth_type={
            "type": "str",
            "default": cbn.DATA_TRANSFER,
            "choices": [cbn.DATA_TRANSFER, cbn.BANDWIDTH_PACKAGE],
        },
        cen_bandwidth_package_id={"type": "str"},
        bandwidth={"type": "int"},
        default_link_type={"type": "str", "choices": ["Gold", "Platinum"]},
    )
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    PeerAttachmentManager(module).run()


if __name__ == "__main__":
    main()
