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

from ansible_collections.geomesh.alicloud.plugins.module_utils.cen import (
    TAG_TYPE_VPC_ATTACHMENT,
    find_transit_router,
    get_vpc_attachment,
    list_vpc_attachments,
    normalize_vpc_attachment,
    predict_tags,
    tag_params,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.cen_attachments import TransitRouterAttachmentManager
from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, ValidationError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import (
    AlicloudModule,
    tags_argument_spec,
    wait_argument_spec,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.resources import create_once

CREATE_RETRY_CODES = (
    "Operation.Blocking",
    "IncorrectStatus.Attachment",
    "IncorrectStatus.VpcOrVswitch",
    "InstanceStatus.NotSupport",
    "IncorrectStatus.Status",
    "IncorrectStatus.VpcResource",
    "IncorrectStatus.VpcRouteTable",
    "IncorrectStatus.VpcSwitch",
)
DELETE_RETRY_CODES = CREATE_RETRY_CODES + ("IncorrectStatus.VpcRouteEntry", "IncorrectStatus.Vpc", "TokenProcessing")
BINDING_EXISTS = {
    "OperationFailed.RouteTableAssociationExist": "it is still associated with a route table",
    "OperationFailed.RouteTablePropagationExist": "it still propagates routes to a route table",
    "OperationFailed.AttachmentReferencedVpcRouteEntryExisted": "VPC route entries still point to it",
    "OperationFailed.RouteEntryExist": "route entries still point to it",
}


def validate_zone_mappings(mappings, allow_single_zone: bool) -> list:
    if not mappings:
        raise ValidationError("zone_mappings", "at least one {vswitch_id, zone_id} is required")
    zones = [m["zone_id"] for m in mappings]
    vswitches = [m["vswitch_id"] for m in mappings]
    dup_zones = sorted({z for z in zones if zones.count(z) > 1})
    if dup_zones:
        raise ValidationError("zone_mappings", "each zone may appear once; repeated: %s" % ", ".join(dup_zones))
    dup_vsw = sorted({v for v in vswitches if vswitches.count(v) > 1})
    if dup_vsw:
        raise ValidationError("zone_mappings", "each vSwitch may appear once; repeated: %s" % ", ".join(dup_vsw))
    if len(set(zones)) < 2 and not allow_single_zone:
        raise ValidationError(
            "zone_mappings",
            "vSwitches in at least two zones are required in multi-zone regions "
            "(set allow_single_zone: true for a single-zone region)",
        )
    return mappings


def mapping_set(mappings) -> set:
    return {(m.get("zone_id"), m.get("vswitch_id")) for m in mappings or []}


def managed_view(attachment: dict) -> dict:
    view = {
        k: attachment.get(k)
        for k in (
            "transit_router_attachment_name",
            "transit_router_attachment_description",
            "auto_publish_route_enabled",
            "tags",
        )
    }
    view["vpc_id"] = attachment.get("vpc_id")
    view["zone_mappings"] = sorted(
        ({"zone_id": z, "vswitch_id": v} for z, v in mapping_set(attachment.get("zone_mappings"))),
        key=lambda m: (m["zone_id"] or "", m["vswitch_id"] or ""),
    )
    return view


class VpcAttachmentManager(TransitRouterAttachmentManager):
    kind = "VPC attachment"
    update_action = "UpdateTransitRouterVpcAttachmentAttribute"
    update_retry_codes = CREATE_RETRY_CODES
    delete_action = "DeleteTransitRouterVpcAttachment"
    delete_token_kind = "delete-vpc-attachment"
    delete_retry_codes = DELETE_RETRY_CODES
    tag_resource_type = TAG_TYPE_VPC_ATTACHMENT
    blockers = BINDING_EXISTS
    required_to_create = ("cen_id", "zone_mappings")
    lookup_options = "vpc_id with transit_router_id or cen_id"

    def __init__(self, module: AlicloudModule):
        super().__init__(module)
        self.transit_router_id = self.params["transit_router_id"]

    def normalize(self, attachment: dict | None) -> dict:
        return normalize_vpc_attachment(attachment)

    def diff_view(self, result: dict) -> dict:
        return managed_view(result)

    def get(self, attachment_id):
        return get_vpc_attachment(self.client, attachment_id, self.region)

    def resolve_transit_router(self):
        if self.transit_router_id:
            return self.transit_router_id
        tr = find_transit_router(self.client, self.params["cen_id"], self.region)
        self.transit_router_id = tr["TransitRouterId"] if tr else None
        return self.transit_router_id

    def lookup(self):
        if self.params["transit_router_attachment_id"]:
            return self.get(self.params["transit_router_attachment_id"])
        tr_id = self.resolve_transit_router()
        if tr_id is None:
            return None
        found = [
            a
            for a in list_vpc_attachments(
                self.client,
                CenId=self.params["cen_id"],
                RegionId=self.region,
                TransitRouterId=tr_id,
                VpcId=self.params["vpc_id"],
            )
            if a.get("VpcId") == self.params["vpc_id"] and a.get("TransitRouterId", tr_id) == tr_id
        ]
        if len(found) > 1 and self.params["name"]:
            found = [a for a in found if a.get("TransitRouterAttachmentName") == self.params["name"]]
        if len(found) > 1:
            raise AlicloudError(
                "AmbiguousAttachment",
                "%d attachments of %s to %s (%s): pass transit_router_attachment_id or name"
                % (
                    len(found),
                    self.params["vpc_id"],
                    tr_id,
                    ", ".join(a["TransitRouterAttachmentId"] for a in found),
                ),
            )
        return found[0] if found else None

    def lookup_options_given(self) -> bool:
        return bool(self.params["vpc_id"] and (self.params["transit_router_id"] or self.params["cen_id"]))

    def describe_target(self) -> str:
        return "of %s" % (self.params["vpc_id"] or "?")

    def not_found_message(self, attachment_id) -> str:
        return "%s in %s" % (super().not_found_message(attachment_id), self.region)

    def create(self):
        tr_id = self.transit_router_id
        mappings = self.params["zone_mappings"]

        def send(token):
            body = self.client.call(
                "CreateTransitRouterVpcAttachment",
                CenId=self.params["cen_id"],
                RegionId=self.region,
                TransitRouterId=tr_id,
                VpcId=self.params["vpc_id"],
                ZoneMappings=[{"VSwitchId": m["vswitch_id"], "ZoneId": m["zone_id"]} for m in mappings],
                AutoPublishRouteEnabled=bool(self.params["auto_publish_route_enabled"]),
                TransitRouterAttachmentName=self.params["name"],
                TransitRouterAttachmentDescription=self.params["description"],
                Tag=tag_params(self.params["tags"]),
                ClientToken=token,
                extra_retry_codes=CREATE_RETRY_CODES,
            )
            return body["TransitRouterAttachmentId"]

        identity = {"region": self.region, "transit_router_id": tr_id, "vpc_id": self.params["vpc_id"]}
        return create_once("transit-router-vpc-attachment", identity, send, lambda i: self.wait_attached(i, 30))[1]

    def attribute_changes(self, attachment: dict) -> dict:
        changes = {}
        if self.params["name"] is not None and self.params["name"] != (
            attachment.get("TransitRouterAttachmentName") or ""
        ):
            changes["TransitRouterAttachmentName"] = self.params["name"]
        if self.params["description"] is not None and self.params["description"] != (
            attachment.get("TransitRouterAttachmentDescription") or ""
        ):
            changes["TransitRouterAttachmentDescription"] = self.params["description"]
        wanted = self.params["auto_publish_route_enabled"]
        if wanted is not None and wanted != bool(attachment.get("AutoPublishRouteEnabled")):
            changes["AutoPublishRouteEnabled"] = wanted
        return changes

    def predicted(self, attachment: dict | None) -> dict:
        if attachment:
            view = managed_view(normalize_vpc_attachment(attachment))
        else:
            view = {
                "vpc_id": self.params["vpc_id"],
                "zone_mappings": managed_view({"zone_mappings": self.params["zone_mappings"]})["zone_mappings"],
                "auto_publish_route_enabled": bool(self.params["auto_publish_route_enabled"]),
                "tags": {},
            }
        if self.params["name"] is not None:
            view["transit_router_attachment_name"] = self.params["name"]
        if self.params["description"] is not None:
            view["transit_router_attachment_description"] = self.params["description"]
        if self.params["auto_publish_route_enabled"] is not None:
            view["auto_publish_route_enabled"] = self.params["auto_publish_route_enabled"]
        view["tags"] = predict_tags(view.get("tags") or {}, self.params["tags"], self.params["purge_tags"])
        return view

    def check_options(self):
        if self.params["zone_mappings"] is not None:
            self.module.validate(validate_zone_mappings, self.params["zone_mappings"], self.params["allow_single_zone"])
        if not self.params["transit_router_attachment_id"]:
            if not self.params["vpc_id"]:
                self.module.fail_json(
                    msg="vpc_id is required unless transit_router_attachment_id is given", field="vpc_id"
                )
            if not self.params["transit_router_id"] and not self.params["cen_id"]:
                self.module.fail_json(msg="one of transit_router_id or cen_id is required", field="cen_id")

    def creation_requirements(self):
        super().creation_requirements()
        if self.transit_router_id is None:
            self.module.fail_json(
                msg="CEN %s has no transit router in %s: create it first (geomesh.alicloud.cen_transit_router)"
                % (self.params["cen_id"], self.region),
                field="cen_id",
            )

    def check_existing(self, attachment: dict):
        """vpc_id and zone_mappings, when given, must be those of the attachment (they cannot be changed)."""
        if self.params["vpc_id"] and attachment.get("VpcId") != self.params["vpc_id"]:
            self.module.fail_json(
                msg="attachment %s connects %s, not vpc_id %s"
                % (attachment["TransitRouterAttachmentId"], attachment.get("VpcId"), self.params["vpc_id"]),
                field="vpc_id",
            )
        if self.params["zone_mappings"] is None:
            return
        current = mapping_set(normalize_vpc_attachment(attachment)["zone_mappings"])
        wanted = mapping_set(self.params["zone_mappings"])
        if current != wanted:
            self.module.fail_json(
                msg="zone_mappings of attachment %s cannot be changed by this module (it has %s; asked for %s)"
                % (
                    attachment["TransitRouterAttachmentId"],
                    ", ".join("%s=%s" % m for m in sorted(current)),
                    ", ".join("%s=%s" % m for m in sorted(wanted)),
                ),
                field="zone_mappings",
            )


def main():
    argument_spec = {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "cen_id": {"type": "str"},
        "transit_router_id": {"type": "str"},
        "transit_router_attachment_id": {"type": "str", "aliases": ["id", "attachment_id"]},
        "vpc_id": {"type": "str"},
        "zone_mappings": {
            "type": "list",
            "elements": "dict",
            "options": {
                "vswitch_id": {"type": "str", "required": True},
                "zone_id": {"type": "str", "required": True},
            },
        },
        "allow_single_zone": {"type": "bool", "default": False},
        "auto_publish_route_enabled": {"type": "bool"},
        "name": {"type": "str", "aliases": ["transit_router_attachment_name"]},
        "description": {"type": "str"},
        "force": {"type": "bool", "default": False},
    }
    argument_spec.update(tags_argument_spec())
    argument_spec.update(wait_argument_spec(300))
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    VpcAttachmentManager(module).run("vpc_attachment")


if __name__ == "__main__":
    main()
