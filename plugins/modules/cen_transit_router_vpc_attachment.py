#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cen_transit_router_vpc_attachment
short_description: Attach a VPC to a CEN transit router, update or detach it
version_added: 0.1.0
description:
  - Manages the connection (attachment) of a VPC to an Enterprise Edition transit router, identified by
    O(transit_router_attachment_id) or by the transit router and O(vpc_id).
  - The transit router is O(transit_router_id), or the router of O(cen_id) in O(region).
  - Creation sends a deterministic C(ClientToken), so a retried or interrupted run never makes a second attachment.
  - An attachment made through the API neither associates with nor propagates to a route table; use
    M(geomesh.alicloud.cen_transit_router_route_table_binding) for that.
options:
  state:
    description: Whether the attachment should exist.
    type: str
    choices: [present, absent]
    default: present
  cen_id:
    description:
      - The CEN instance. Required to create an attachment, and to find the transit router when
        O(transit_router_id) is not given.
    type: str
  transit_router_id:
    description: The transit router. When not given, the transit router of O(cen_id) in O(region) is used.
    type: str
  region:
    description:
      - The region of the transit router and of the VPC, for example V(cn-hangzhou).
      - If not set, taken from E(ALIBABA_CLOUD_REGION_ID), then E(ALICLOUD_REGION), then E(ALICLOUD_REGION_ID).
    type: str
    aliases: [alicloud_region, region_id]
  transit_router_attachment_id:
    description: The ID of an existing attachment (C(tr-attach-...)).
    type: str
    aliases: [id, attachment_id]
  vpc_id:
    description: The VPC to attach. Required unless O(transit_router_attachment_id) is given.
    type: str
  zone_mappings:
    description:
      - The vSwitches the transit router uses in the VPC, one per zone; the router creates a network interface in
        each, so each needs a free IP address.
      - Required to create an attachment. At least two different zones are needed unless O(allow_single_zone=true),
        because regions with several zones require two.
      - Cannot be changed on an existing attachment by this module.
    type: list
    elements: dict
    suboptions:
      vswitch_id:
        description: The vSwitch ID.
        type: str
        required: true
      zone_id:
        description: The zone of the vSwitch, for example V(cn-hangzhou-h).
        type: str
        required: true
  allow_single_zone:
    description: Accept O(zone_mappings) with a single zone (for single-zone regions).
    type: bool
    default: false
  auto_publish_route_enabled:
    description:
      - Whether the transit router publishes the routes it learns into the VPC's route tables (route
        synchronization), so the VPC learns the routes of peer VPCs without custom route entries.
      - Updated in place. When not set, new attachments get V(false) and existing ones are left as they are.
    type: bool
  name:
    description: The attachment name (C(TransitRouterAttachmentName)).
    type: str
    aliases: [transit_router_attachment_name]
  description:
    description: The attachment description (C(TransitRouterAttachmentDescription)).
    type: str
  force:
    description:
      - On delete, also remove the attachment's route table associations, propagations and related routes
        (C(Force=true)).
      - Without it the API refuses to delete an attachment that is still associated with or propagating to a
        route table, and the module reports that.
    type: bool
    default: false
  wait_timeout:
    description: How many seconds to wait for V(Attached) or for the detachment to finish.
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
- name: Attach the Hangzhou VPC with a vSwitch in two zones
  geomesh.alicloud.cen_transit_router_vpc_attachment:
    cen_id: "{{ cen.cen.cen_id }}"
    region: cn-hangzhou
    vpc_id: "{{ vpc.vpc.vpc_id }}"
    zone_mappings:
      - vswitch_id: vsw-bp1a
        zone_id: cn-hangzhou-h
      - vswitch_id: vsw-bp1b
        zone_id: cn-hangzhou-i
    auto_publish_route_enabled: true
    name: attach-hangzhou
  register: attachment

- name: Detach it, removing its route table bindings too
  geomesh.alicloud.cen_transit_router_vpc_attachment:
    transit_router_attachment_id: "{{ attachment.vpc_attachment.transit_router_attachment_id }}"
    region: cn-hangzhou
    force: true
    state: absent
"""

RETURN = r"""
vpc_attachment:
  description: The attachment as read back after the change; empty when O(state=absent).
  returned: always
  type: dict
  contains:
    transit_router_attachment_id:
      description: The attachment ID.
      type: str
      sample: tr-attach-nls9fzkfat8934****
    transit_router_attachment_name:
      description: The name.
      type: str
    transit_router_attachment_description:
      description: The description.
      type: str
    status:
      description: V(Attaching), V(Attached) or V(Detaching).
      type: str
    cen_id:
      description: The CEN instance.
      type: str
    transit_router_id:
      description: The transit router.
      type: str
    vpc_id:
      description: The VPC.
      type: str
    vpc_region_id:
      description: The region of the VPC.
      type: str
    auto_publish_route_enabled:
      description: Whether route synchronization into the VPC is on.
      type: bool
    zone_mappings:
      description: The zones and vSwitches, with the network interface the router made in each.
      type: list
      elements: dict
      contains:
        zone_id:
          description: The zone.
          type: str
        vswitch_id:
          description: The vSwitch.
          type: str
        network_interface_id:
          description: The network interface of the transit router in the vSwitch.
          type: str
    resource_type:
      description: V(VPC).
      type: str
    charge_type:
      description: The billing method.
      type: str
    creation_time:
      description: When the attachment was created.
      type: str
    tags:
      description: The tags as a dictionary.
      type: dict
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import FIXED, Attr
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import get_item, list_items, only_one
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import cbn


class VpcAttachmentManager(cbn.AttachmentManager):
    resource = "VPC attachment"
    result_key = "vpc_attachment"
    create_action = "CreateTransitRouterVpcAttachment"
    token_kind = "transit-router-vpc-attachment"
    attributes = cbn.AttachmentManager.attachment_fields + (Attr("vpc_id", "VpcId", FIXED),)
    required_to_create = ("cen_id", "zone_mappings")
    required_without_id = ("vpc_id",)
    update_action = "UpdateTransitRouterVpcAttachmentAttribute"
    delete_action = "DeleteTransitRouterVpcAttachment"
    delete_blockers = dict(
        cbn.BINDING_BLOCKERS,
        **{"OperationFailed.AttachmentReferencedVpcRouteEntryExisted": "VPC route entries still point to it"},
    )
    tag_resource_type = cbn.TAG_TYPES["vpc_attachment"]

    def get(self, resource_id):
        return get_item(
            self.client, cbn.VPC_ATTACHMENTS, resource_id, TransitRouterAttachmentId=resource_id, RegionId=self.region
        )

    def transit_router_id(self):
        """The transit_router_id option, or the router of cen_id in the region (remembered as the option)."""
        if not self.params["transit_router_id"]:
            tr = cbn.find_transit_router(self.client, self.params["cen_id"], self.region)
            self.params["transit_router_id"] = tr["TransitRouterId"] if tr else None
        return self.params["transit_router_id"]

    def lookup(self):
        p, tr_id = self.params, self.transit_router_id()
        if tr_id is None:
            return None
        found = list_items(
            self.client,
            cbn.VPC_ATTACHMENTS,
            CenId=p["cen_id"],
            RegionId=self.region,
            TransitRouterId=tr_id,
            VpcId=p["vpc_id"],
        )
        found = [a for a in found if a.get("VpcId") == p["vpc_id"] and a.get("TransitRouterId", tr_id) == tr_id]
        if len(found) > 1 and p["name"]:
            found = [a for a in found if a.get("TransitRouterAttachmentName") == p["name"]]
        what = "attachments of %s to %s" % (p["vpc_id"], tr_id)
        return only_one(
            found, cbn.VPC_ATTACHMENTS, what, "pass transit_router_attachment_id or name", "AmbiguousAttachment"
        )

    def normalize(self, resource):
        return cbn.normalize_vpc_attachment(resource)

    def diff_view(self, result):
        return dict(super().diff_view(result), zone_mappings=cbn.zone_mapping_view(result.get("zone_mappings")))

    def describe(self):
        return "of %s" % (self.params["vpc_id"] or "?")

    def identity(self):
        return {"region": self.region, "transit_router_id": self.transit_router_id(), "vpc_id": self.params["vpc_id"]}

    def check_options(self):
        p = self.params
        if p["zone_mappings"] is not None:
            self.module.validate(cbn.validate_zone_mappings, p["zone_mappings"], p["allow_single_zone"])
        if not p["transit_router_attachment_id"] and not p["transit_router_id"] and not p["cen_id"]:
            self.module.fail_json(msg="one of transit_router_id or cen_id is required", field="cen_id")

    def check_create(self):
        super().check_create()
        if self.transit_router_id() is None:
            msg = "CEN %s has no transit router in %s: create it first (geomesh.alicloud.cen_transit_router)"
            self.module.fail_json(msg=msg % (self.params["cen_id"], self.region), field="cen_id")

    def check_existing(self, resource):
        """vpc_id and zone_mappings, when given, must be those of the attachment (they cannot be changed)."""
        super().check_existing(resource)
        wanted, current = self.params["zone_mappings"], cbn.normalize_vpc_attachment(resource)["zone_mappings"]
        if wanted is not None and cbn.zone_mapping_view(wanted) != cbn.zone_mapping_view(current):
            self.module.fail_json(
                msg="zone_mappings of attachment %s cannot be changed by this module (it has %s; asked for %s)"
                % (resource[self.id_key], cbn.zone_mapping_text(current), cbn.zone_mapping_text(wanted)),
                field="zone_mappings",
            )

    def predict(self, view, resource):
        if resource is None:
            view["zone_mappings"] = cbn.zone_mapping_view(self.params["zone_mappings"])
        return view

    def create_request(self):
        mappings = [{"VSwitchId": m["vswitch_id"], "ZoneId": m["zone_id"]} for m in self.params["zone_mappings"]]
        return dict(super().create_request(), RegionId=self.region, ZoneMappings=mappings)


def main():
    mapping = {"vswitch_id": {"type": "str", "required": True}, "zone_id": {"type": "str", "required": True}}
    argument_spec = cbn.attachment_argument_spec(
        vpc_id={"type": "str"},
        zone_mappings={"type": "list", "elements": "dict", "options": mapping},
        allow_single_zone={"type": "bool", "default": False},
    )
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    VpcAttachmentManager(module).run()


if __name__ == "__main__":
    main()
