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
      - The bandwidth of the connection in Mbit/s, greater than 0. Required with O(bandwidth_type=BandwidthPackage).
      - When not set on an existing connection, its bandwidth is left as it is.
    type: int
  default_link_type:
    description:
      - The link type, V(Gold) or V(Platinum); only with O(bandwidth_type=DataTransfer).
      - When not set, new connections get the API default (V(Gold)) and existing ones are left as they are.
    type: str
    choices: [Gold, Platinum]
  auto_publish_route_enabled:
    description: Whether the routers automatically advertise routes to each other over the connection.
    type: bool
    default: true
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

from ansible_collections.geomesh.alicloud.plugins.module_utils.cen import (
    TAG_TYPE_PEER_ATTACHMENT,
    find_peer_attachment,
    get_peer_attachment,
    normalize_peer_attachment,
    peer_matches,
    predict_tags,
    tag_params,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.cen_attachments import (
    BINDING_HINT,
    TransitRouterAttachmentManager,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import ValidationError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import (
    AlicloudModule,
    tags_argument_spec,
    wait_argument_spec,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.resources import create_once

RETRY_CODES = ("Operation.Blocking", "IncorrectStatus.Status", "IncorrectStatus.TransitRouter")
BLOCKERS = {
    "OperationFailed.RouteTableAssociationExist": "it is still associated with a route table",
    "OperationFailed.RouteTablePropagationExist": "it still propagates routes to a route table",
    "OperationFailed.RouteEntryExist": "route entries still point to it",
    "OperationFailed.TrafficQosExist": "a traffic QoS policy still uses it",
    "OperationFailed.FlowLogExistOrNisOpened": "a flow log (or NIS) still uses it",
}
DATA_TRANSFER = "DataTransfer"
BANDWIDTH_PACKAGE = "BandwidthPackage"


def validate_bandwidth(params) -> None:
    if params["bandwidth"] is not None and params["bandwidth"] <= 0:
        raise ValidationError(
            "bandwidth", "must be an integer number of Mbit/s greater than 0, got %s" % params["bandwidth"]
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


def managed_view(attachment: dict) -> dict:
    return {
        k: attachment.get(k)
        for k in (
            "transit_router_id",
            "peer_transit_router_id",
            "bandwidth",
            "bandwidth_type",
            "cen_bandwidth_package_id",
            "default_link_type",
            "auto_publish_route_enabled",
            "transit_router_attachment_name",
            "transit_router_attachment_description",
            "tags",
        )
    }


def as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class PeerAttachmentManager(TransitRouterAttachmentManager):
    kind = "peer attachment"
    update_action = "UpdateTransitRouterPeerAttachmentAttribute"
    update_retry_codes = RETRY_CODES
    delete_action = "DeleteTransitRouterPeerAttachment"
    delete_token_kind = "delete-peer-attachment"
    delete_retry_codes = RETRY_CODES
    tag_resource_type = TAG_TYPE_PEER_ATTACHMENT
    blockers = BLOCKERS
    blocker_hint = BINDING_HINT + ", on both routers"
    required_to_create = ("cen_id", "transit_router_id", "peer_transit_router_id", "peer_region")
    lookup_options = "transit_router_id and peer_transit_router_id"
    deleting_statuses = ("Detaching", "Detached")
    # Always poll: an invalid delete request can be answered with a RequestId and do nothing.
    poll_after_delete = True
    gone_word = "deleted"

    def normalize(self, attachment: dict | None) -> dict:
        return normalize_peer_attachment(attachment)

    def diff_view(self, result: dict) -> dict:
        return managed_view(result)

    def get(self, attachment_id):
        return get_peer_attachment(self.client, attachment_id)

    def lookup(self):
        if self.params["transit_router_attachment_id"]:
            return self.get(self.params["transit_router_attachment_id"])
        return find_peer_attachment(
            self.client,
            self.params["cen_id"],
            self.params["transit_router_id"],
            self.region,
            self.params["peer_transit_router_id"],
            self.params["peer_region"],
        )

    def lookup_options_given(self) -> bool:
        return bool(self.params["transit_router_id"] and self.params["peer_transit_router_id"])

    def describe_target(self) -> str:
        return "between %s and %s" % (self.params["transit_router_id"], self.params["peer_transit_router_id"])

    def tag_region(self, attachment: dict) -> str:
        return attachment.get("RegionId") or self.region

    def create(self):
        p = self.params

        def send(token):
            body = self.client.call(
                "CreateTransitRouterPeerAttachment",
                CenId=p["cen_id"],
                RegionId=self.region,
                TransitRouterId=p["transit_router_id"],
                PeerTransitRouterId=p["peer_transit_router_id"],
                PeerTransitRouterRegionId=p["peer_region"],
                BandwidthType=p["bandwidth_type"],
                Bandwidth=p["bandwidth"],
                CenBandwidthPackageId=p["cen_bandwidth_package_id"],
                DefaultLinkType=p["default_link_type"],
                AutoPublishRouteEnabled=p["auto_publish_route_enabled"],
                TransitRouterAttachmentName=p["name"],
                TransitRouterAttachmentDescription=p["description"],
                Tag=tag_params(p["tags"]),
                ClientToken=token,
                extra_retry_codes=RETRY_CODES,
            )
            return body["TransitRouterAttachmentId"]

        identity = {
            "cen_id": p["cen_id"],
            "routers": sorted([p["transit_router_id"], p["peer_transit_router_id"]]),
        }
        return create_once("transit-router-peer-attachment", identity, send, lambda i: self.wait_attached(i, 30))[1]

    def bandwidth_changes(self, a: dict) -> dict:
        """The bandwidth group (sent together, as the API and Terraform do) when any part differs."""
        p = self.params
        cur_type = a.get("BandwidthType") or DATA_TRANSFER
        cur_bw = as_int(a.get("Bandwidth"))
        cur_pkg = a.get("CenBandwidthPackageId") or None
        cur_link = a.get("DefaultLinkType") or None
        want_type = p["bandwidth_type"]
        want_bw = p["bandwidth"] if p["bandwidth"] is not None else cur_bw
        want_pkg = p["cen_bandwidth_package_id"] if want_type == BANDWIDTH_PACKAGE else None
        want_link = p["default_link_type"] or (cur_link if want_type == DATA_TRANSFER else None)
        differs = (
            want_type != cur_type
            or want_bw != cur_bw
            or (want_type == BANDWIDTH_PACKAGE and want_pkg != cur_pkg)
            or (want_type == DATA_TRANSFER and want_link != cur_link)
        )
        if not differs:
            return {}
        return {
            "BandwidthType": want_type,
            "Bandwidth": want_bw,
            "CenBandwidthPackageId": want_pkg,
            "DefaultLinkType": want_link,
        }

    def attribute_changes(self, attachment: dict) -> dict:
        p = self.params
        changes = self.bandwidth_changes(attachment)
        if p["name"] is not None and p["name"] != (attachment.get("TransitRouterAttachmentName") or ""):
            changes["TransitRouterAttachmentName"] = p["name"]
        if p["description"] is not None and p["description"] != (
            attachment.get("TransitRouterAttachmentDescription") or ""
        ):
            changes["TransitRouterAttachmentDescription"] = p["description"]
        if p["auto_publish_route_enabled"] != bool(attachment.get("AutoPublishRouteEnabled")):
            changes["AutoPublishRouteEnabled"] = p["auto_publish_route_enabled"]
        return changes

    def predicted(self, attachment: dict | None) -> dict:
        p = self.params
        if attachment:
            view = managed_view(normalize_peer_attachment(attachment))
            changes = self.bandwidth_changes(attachment)
            if changes:
                view.update(
                    bandwidth=changes["Bandwidth"],
                    bandwidth_type=changes["BandwidthType"],
                    cen_bandwidth_package_id=changes["CenBandwidthPackageId"],
                    default_link_type=changes["DefaultLinkType"],
                )
        else:
            view = {
                "transit_router_id": p["transit_router_id"],
                "peer_transit_router_id": p["peer_transit_router_id"],
                "bandwidth": p["bandwidth"],
                "bandwidth_type": p["bandwidth_type"],
                "cen_bandwidth_package_id": p["cen_bandwidth_package_id"],
                "default_link_type": p["default_link_type"],
                "tags": {},
            }
        view["auto_publish_route_enabled"] = p["auto_publish_route_enabled"]
        if p["name"] is not None:
            view["transit_router_attachment_name"] = p["name"]
        if p["description"] is not None:
            view["transit_router_attachment_description"] = p["description"]
        view["tags"] = predict_tags(view.get("tags") or {}, p["tags"], p["purge_tags"])
        return view

    def check_options(self):
        p = self.params
        self.module.validate(validate_bandwidth, p)
        if not p["transit_router_attachment_id"]:
            for field in ("transit_router_id", "peer_transit_router_id"):
                if not p[field]:
                    self.module.fail_json(
                        msg="%s is required unless transit_router_attachment_id is given" % field, field=field
                    )

    def creation_requirements(self):
        super().creation_requirements()
        if self.params["bandwidth_type"] == BANDWIDTH_PACKAGE and self.params["bandwidth"] is None:
            self.module.fail_json(msg="bandwidth is required with bandwidth_type=BandwidthPackage", field="bandwidth")

    def check_existing(self, attachment: dict):
        """When both routers are given, the attachment (perhaps found by ID) must connect them."""
        p = self.params
        if p["transit_router_id"] and p["peer_transit_router_id"]:
            if not peer_matches(attachment, p["transit_router_id"], p["peer_transit_router_id"]):
                self.module.fail_json(
                    msg="attachment %s connects %s and %s, not transit_router_id %s and peer_transit_router_id %s"
                    % (
                        attachment["TransitRouterAttachmentId"],
                        attachment.get("TransitRouterId"),
                        attachment.get("PeerTransitRouterId"),
                        p["transit_router_id"],
                        p["peer_transit_router_id"],
                    ),
                    field="peer_transit_router_id",
                )


def main():
    argument_spec = {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "cen_id": {"type": "str"},
        "transit_router_id": {"type": "str"},
        "peer_transit_router_id": {"type": "str"},
        "peer_region": {"type": "str", "aliases": ["peer_transit_router_region_id"]},
        "transit_router_attachment_id": {"type": "str", "aliases": ["id", "attachment_id"]},
        "bandwidth_type": {"type": "str", "default": DATA_TRANSFER, "choices": [DATA_TRANSFER, BANDWIDTH_PACKAGE]},
        "cen_bandwidth_package_id": {"type": "str"},
        "bandwidth": {"type": "int"},
        "default_link_type": {"type": "str", "choices": ["Gold", "Platinum"]},
        "auto_publish_route_enabled": {"type": "bool", "default": True},
        "name": {"type": "str", "aliases": ["transit_router_attachment_name"]},
        "description": {"type": "str"},
        "force": {"type": "bool", "default": False},
    }
    argument_spec.update(tags_argument_spec())
    argument_spec.update(wait_argument_spec(300))
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    PeerAttachmentManager(module).run("peer_attachment")


if __name__ == "__main__":
    main()
