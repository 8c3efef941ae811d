# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The present/absent flow shared by the transit router attachment modules.

cen_transit_router_vpc_attachment and cen_transit_router_peer_attachment manage different
resources through the same steps. A subclass of TransitRouterAttachmentManager names its API
actions, retry codes and messages in class attributes and implements the hooks that really
differ: reading (``get``, ``lookup``), ``create``, ``attribute_changes``, ``predicted``, the
return shape (``normalize``, ``diff_view``) and the option checks.
"""

from __future__ import annotations

import abc

from ansible_collections.geomesh.alicloud.plugins.module_utils.cen import (
    ATTACHMENT_NOT_FOUND,
    cbn_client,
    update_resource_tags,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.tokens import client_token

BINDING_HINT = "geomesh.alicloud.cen_transit_router_route_table_binding state=absent"


class TransitRouterAttachmentManager(abc.ABC):
    """ensure_present / ensure_absent of one transit router attachment.

    Both return ``(changed, attachment, diff)``: the attachment as ``normalize`` shapes it
    (empty when absent or not created yet) and a diff of ``diff_view`` dicts.
    """

    # The resource in messages and waiter names ("VPC attachment", "peer attachment").
    kind = "attachment"
    update_action = ""
    update_retry_codes = ()
    delete_action = ""
    delete_token_kind = ""
    delete_retry_codes = ()
    tag_resource_type = ""
    # Delete error code -> what still uses the attachment; reported with blocker_hint.
    blockers: dict = {}
    blocker_hint = BINDING_HINT
    # Options that must be set to create an attachment, checked in this order.
    required_to_create = ()
    # What else than transit_router_attachment_id state=absent finds an attachment by (for the message).
    lookup_options = ""
    # Statuses in which a deletion is already under way, so no delete call is sent.
    deleting_statuses = ("Detaching",)
    # Poll after the delete even with wait=false (then briefly, accepting a deletion in progress).
    poll_after_delete = False
    # The end of the absent waiter's name: "<kind> <id> detached".
    gone_word = "detached"

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.region = module.region
        self.client = cbn_client(module)

    # -- hooks: the abstract ones are what each module must say ---------------------------------
    @abc.abstractmethod
    def get(self, attachment_id):
        """The attachment by ID, or None."""

    @abc.abstractmethod
    def lookup(self):
        """The attachment the options name, or None."""

    @abc.abstractmethod
    def create(self):
        """Create the attachment and return it once visible."""

    @abc.abstractmethod
    def attribute_changes(self, attachment: dict) -> dict:
        """The parameters of the update call that bring the attachment to the options; empty when none."""

    @abc.abstractmethod
    def predicted(self, attachment: dict | None) -> dict:
        """The diff_view the attachment will have (``attachment`` None: a new one)."""

    @abc.abstractmethod
    def normalize(self, attachment: dict | None) -> dict:
        """The return shape of an API attachment."""

    @abc.abstractmethod
    def diff_view(self, result: dict) -> dict:
        """The part of a normalized attachment the diff shows."""

    @abc.abstractmethod
    def lookup_options_given(self) -> bool:
        """Whether the options other than transit_router_attachment_id are enough for lookup()."""

    @abc.abstractmethod
    def check_options(self):
        """Fail on options that cannot name an attachment (before any API call)."""

    @abc.abstractmethod
    def check_existing(self, attachment: dict):
        """Fail when the found attachment is not the one the options describe."""

    def creation_requirements(self):
        """Fail when the options are not enough to create an attachment (none was found)."""
        for field in self.required_to_create:
            if not self.params[field]:
                self.module.fail_json(msg="%s is required to create a %s" % (field, self.kind), field=field)

    def not_found_message(self, attachment_id) -> str:
        return "transit_router_attachment_id %s was not found" % attachment_id

    def tag_region(self, attachment: dict) -> str:
        """The RegionId of the tag calls."""
        return self.region

    @abc.abstractmethod
    def describe_target(self) -> str:
        """The attachment in error messages when transit_router_attachment_id is not given."""

    # -- shared flow -------------------------------------------------------------------------------
    def wait_attached(self, attachment_id, grace=None):
        return self.module.waiter(
            "%s %s attached" % (self.kind, attachment_id),
            lambda: self.get(attachment_id),
            "Status",
            ["Attached"] if self.params["wait"] else ["Attached", "Attaching"],
            failure=["Detaching", "Detached"],
            not_found_grace=grace,
        ).wait()

    def update_attributes(self, attachment_id, changes: dict) -> bool:
        if not changes:
            return False
        if not self.module.check_mode:
            self.client.call(
                self.update_action,
                TransitRouterAttachmentId=attachment_id,
                extra_retry_codes=self.update_retry_codes,
                **changes,
            )
        return True

    def update_tags(self, attachment: dict) -> bool:
        return update_resource_tags(
            self.module,
            self.client,
            self.tag_region(attachment),
            self.tag_resource_type,
            attachment,
            attachment["TransitRouterAttachmentId"],
        )

    def ensure_present(self):
        self.check_options()
        attachment = self.lookup()
        if attachment is None:
            if self.params["transit_router_attachment_id"]:
                self.module.fail_json(msg=self.not_found_message(self.params["transit_router_attachment_id"]))
            self.creation_requirements()
        else:
            self.check_existing(attachment)
        before = self.diff_view(self.normalize(attachment)) if attachment else {}
        after = self.predicted(attachment)
        if attachment is None:
            if self.module.check_mode:
                return True, {}, {"before": before, "after": after}
            attachment = self.create()
            changed = True
        else:
            attachment_id = attachment["TransitRouterAttachmentId"]
            changes = self.attribute_changes(attachment)
            if changes and not self.module.check_mode and attachment.get("Status") != "Attached":
                attachment = self.wait_attached(attachment_id)
            changed = self.update_attributes(attachment_id, changes)
            changed |= self.update_tags(attachment)
            if changed and self.module.check_mode:
                return True, self.normalize(attachment), {"before": before, "after": after}
            if changed:
                attachment = self.get(attachment_id) or attachment
            if self.params["wait"] and attachment.get("Status") != "Attached":
                attachment = self.wait_attached(attachment_id)
        result = self.normalize(attachment)
        return changed, result, {"before": before, "after": self.diff_view(result)}

    def delete(self, attachment_id):
        force = self.params["force"]
        try:
            self.client.call(
                self.delete_action,
                TransitRouterAttachmentId=attachment_id,
                Force=True if force else None,
                ClientToken=client_token(self.delete_token_kind, {"id": attachment_id, "force": force}),
                extra_retry_codes=self.delete_retry_codes,
            )
        except AlicloudError as err:
            if err.code in ATTACHMENT_NOT_FOUND or err.is_not_found:
                return
            if err.code in self.blockers:
                self.module.fail_json_alicloud(
                    err,
                    "cannot delete %s %s: %s; remove it first (%s) or set force: true"
                    % (self.kind, attachment_id, self.blockers[err.code], self.blocker_hint),
                )
            raise

    def wait_deleted(self, attachment_id):
        success = [self.module.waiter_gone]
        timeout = None
        if not self.params["wait"]:
            if not self.poll_after_delete:
                return
            success += ["Detaching", "Detached"]
            timeout = min(60, self.params["wait_timeout"])
        waiter = self.module.waiter(
            "%s %s %s" % (self.kind, attachment_id, self.gone_word), lambda: self.get(attachment_id), "Status", success
        )
        if timeout is not None:
            waiter.timeout = timeout
        waiter.wait()

    def ensure_absent(self):
        if not self.params["transit_router_attachment_id"] and not self.lookup_options_given():
            self.module.fail_json(msg="state=absent needs transit_router_attachment_id, or %s" % self.lookup_options)
        attachment = self.lookup()
        if attachment is None:
            return False, {}, {"before": {}, "after": {}}
        attachment_id = attachment["TransitRouterAttachmentId"]
        diff = {"before": self.diff_view(self.normalize(attachment)), "after": {}}
        if self.module.check_mode:
            return True, {}, diff
        if attachment.get("Status") not in self.deleting_statuses:
            self.delete(attachment_id)
        self.wait_deleted(attachment_id)
        return True, {}, diff

    def run(self, result_key: str):
        """Apply state=present/absent and exit the module, the attachment under ``result_key``."""
        try:
            if self.params["state"] == "present":
                changed, attachment, diff = self.ensure_present()
            else:
                changed, attachment, diff = self.ensure_absent()
        except AlicloudError as err:
            self.module.fail_json_alicloud(
                err, "%s %s" % (self.kind, self.params["transit_router_attachment_id"] or self.describe_target())
            )
        self.module.exit_json(**{"changed": changed, result_key: attachment, "diff": diff})
