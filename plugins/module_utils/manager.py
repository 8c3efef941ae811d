# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The generic resource manager: find -> compare -> change -> wait -> re-read, once for every module.

A resource module subclasses ``ResourceManager``, fills in the class attributes (its API actions,
the ``Attr`` rows it updates in place, its waiter, its tag ResourceType, the keys of its diff) and
implements the few hooks that really differ (``get``, ``lookup``, ``create_request``, checks).
``run()`` applies ``state`` and exits the module with ``changed``, the resource and a diff, in
check mode too. See docs/ARCHITECTURE.md for a worked example.
"""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, WaiterError
from ansible_collections.geomesh.alicloud.plugins.module_utils.paths import search
from ansible_collections.geomesh.alicloud.plugins.module_utils.retries import Backoff, is_ambiguous, is_retryable
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import (
    TAG_APIS,
    apply_tags,
    compare_tags,
    dict_to_tag_list,
    predict_tags,
    tag_list_to_dict,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.tokens import client_token
from ansible_collections.geomesh.alicloud.plugins.module_utils.waiters import Waiter, WaiterSpec

UPDATE, CREATE, FIXED = "update", "create", "fixed"


@dataclass(frozen=True)
class Attr:
    """A field of the resource: option ``option`` <-> API field ``field`` <-> returned key ``key``
    (by default the option's name).

    Every row is sent with the create call. ``mode`` says what happens later: UPDATE rows are
    updated in place with ``update_action``; FIXED rows cannot change, so a different value is an
    error naming the option; CREATE rows are only sent on create (another step compares them).
    ``kind`` says how the API's value compares with the option (``str``: a missing value is "";
    ``bool``: a missing value is false); ``default`` is what is sent, and predicted, for a new
    resource when the option is not set.
    """

    option: str
    field: str
    mode: str = UPDATE
    key: str = ""
    kind: str = "str"
    default: object = None

    def __post_init__(self):
        if not self.key:
            object.__setattr__(self, "key", self.option)

    def current(self, resource: dict):
        value = resource.get(self.field)
        return bool(value) if self.kind == "bool" else (value or "")

    def wanted(self, params: dict):
        return self.default if params[self.option] is None else params[self.option]


def attribute_changes(params: dict, resource: dict, attrs) -> dict:
    """The API fields of UPDATE rows whose option is set and differs from the resource."""
    return {
        a.field: params[a.option]
        for a in attrs
        if a.mode == UPDATE and params[a.option] is not None and params[a.option] != a.current(resource)
    }


class ResourceManager(abc.ABC):
    """state=present/absent for one resource; subclasses say what differs (see the module docstring)."""

    product = ""
    resource = ""
    result_key = ""
    # The option that names the resource by id; "" when only the identifying options find it.
    id_option = ""
    id_key = ""
    # The create call, the JMESPath of the new id in its answer, and the ClientToken kind.
    create_action = ""
    create_id_path = ""
    token_kind = ""
    # The options that identify the resource, as the lookup uses them: the ClientToken identity
    # (with the region). Mutable attributes (description, tags) are never part of it.
    identity_options = ()
    # The fields of the resource (see Attr), and the options required to create one or, when
    # ``id_option`` is not given, to find one.
    attributes = ()
    required_to_create = ()
    required_without_id = ()
    update_action = ""
    delete_action = ""
    # Send a deterministic ClientToken with the delete call.
    delete_token = False
    delete_not_found = ()
    # Delete error code -> what still uses the resource (reported with ``blocker_hint``).
    delete_blockers: dict = {}
    blocker_hint = ""
    # States in which a deletion is already under way, so no delete call is sent.
    deleting_states = ()
    # Poll after the delete even with wait=false (briefly, accepting a deletion in progress).
    poll_after_delete = False
    waiter: WaiterSpec = None
    tag_resource_type = None
    # Whether the resource's requests carry RegionId.
    regional = True

    def __init__(self, module, region: str | None = None):
        self.module = module
        self.params = module.params
        self.region = region or module.region
        self.client = module.client(self.product, self.region)

    # -- hooks -------------------------------------------------------------------------------
    @abc.abstractmethod
    def get(self, resource_id: str) -> dict | None:
        """The resource by id, or None."""

    def lookup(self) -> dict | None:
        """The resource the identifying options name (when no id is given), or None."""
        return None

    @abc.abstractmethod
    def normalize(self, resource: dict | None) -> dict:
        """The return shape of an API resource (empty for None)."""

    def create_request(self) -> dict:
        """The create call's parameters, without ClientToken and Tag: every Attr row, and RegionId."""
        request = {a.field: a.wanted(self.params) for a in self.attributes}
        if self.regional:
            request["RegionId"] = self.region
        return request

    def result(self, resource: dict) -> dict:
        """What the module returns for the resource (``normalize`` plus what needs another read)."""
        return self.normalize(resource)

    def check_options(self) -> None:  # noqa: B027 - optional hook
        """Fail on options that can be checked before any API call."""

    def check_create(self) -> None:
        """Fail when the options are not enough to create the resource (none was found)."""
        for option in self.required_to_create:
            if self.params[option] is None or self.params[option] == []:
                self.module.fail_json(msg="%s is required to create a %s" % (option, self.resource), field=option)

    def check_existing(self, resource: dict) -> None:
        """Fail when the found resource differs in a FIXED field."""
        for attr in self.attributes:
            wanted, current = self.params[attr.option], resource.get(attr.field)
            if attr.mode == FIXED and wanted and current and wanted != current:
                self.module.fail_json(
                    msg="%s cannot change: %s %s has %s, asked for %s"
                    % (attr.option, self.resource, resource[self.id_key], current, wanted),
                    field=attr.option,
                )

    def check_delete(self, resource: dict) -> None:  # noqa: B027 - optional hook
        """Fail when the resource cannot be deleted yet (read calls only)."""

    def extra_changes(self, resource: dict) -> dict:
        """Fields of the update call beyond ``attributes`` (e.g. a group sent together)."""
        return {}

    def predict(self, view: dict, resource: dict | None) -> dict:
        """Adjust the predicted diff view beyond ``attributes`` and tags."""
        return view

    def describe(self) -> str:
        """The resource in error messages when no id is given."""
        return str(self.params.get("name") or "")

    # -- identity and requests ---------------------------------------------------------------
    def identity(self) -> dict:
        identity = {option: self.params[option] for option in self.identity_options}
        if self.regional:
            identity["region"] = self.region
        return identity

    def id_params(self, resource_id: str) -> dict:
        params = {self.id_key: resource_id}
        if self.regional:
            params["RegionId"] = self.region
        return params

    def delete_request(self, resource: dict) -> dict:
        params = self.id_params(resource[self.id_key])
        if self.delete_token:
            params["ClientToken"] = client_token("delete-" + self.token_kind, resource[self.id_key])
        return params

    def tag_region(self, resource: dict) -> str:
        return self.region

    # -- reading and waiting -------------------------------------------------------------------
    def given_id(self) -> str | None:
        """The value of the id option (None when the module has none or it is not set)."""
        return self.params.get(self.id_option) if self.id_option else None

    def find(self) -> dict | None:
        if self.given_id():
            return self.get(self.given_id())
        return self.lookup()

    def status(self, resource: dict):
        return search(self.waiter.status, resource)

    def wait_ready(self, resource_id: str, grace=None) -> dict:
        spec = self.waiter
        success = spec.success if self.params["wait"] else spec.success + spec.in_progress
        return self.module.waiter(
            "%s %s %s" % (self.resource, resource_id, "/".join(spec.success).lower()),
            lambda: self.get(resource_id),
            spec.status,
            success,
            pending=spec.pending,
            failure=spec.failure,
            not_found_grace=grace,
        ).wait()

    def wait_gone(self, resource_id: str) -> None:
        success = [Waiter.GONE]
        timeout = None
        if not self.params["wait"]:
            if not self.poll_after_delete:
                return
            success += list(self.deleting_states)
            timeout = min(60, self.params["wait_timeout"])
        waiter = self.module.waiter(
            "%s %s deleted" % (self.resource, resource_id), lambda: self.get(resource_id), self.waiter.status, success
        )
        if timeout is not None:
            waiter.timeout = timeout
        waiter.wait()

    # -- comparing ---------------------------------------------------------------------------
    @property
    def diff_keys(self) -> tuple:
        """What the diff shows: the returned keys of the fields, and the tags."""
        return tuple(a.key for a in self.attributes) + (("tags",) if self.tag_resource_type else ())

    def diff_view(self, result: dict) -> dict:
        return {k: result.get(k) for k in self.diff_keys}

    def predicted(self, resource: dict | None) -> dict:
        view = self.diff_view(self.normalize(resource)) if resource else dict.fromkeys(self.diff_keys)
        for attr in self.attributes:
            value = attr.wanted(self.params) if resource is None else self.params[attr.option]
            if attr.key in view and (value is not None or resource is None):
                view[attr.key] = value
        view = self.predict(view, resource)
        if self.tag_resource_type:
            view["tags"] = predict_tags(view.get("tags") or {}, self.params["tags"], self.params["purge_tags"])
        return view

    # -- changing ----------------------------------------------------------------------------
    def create(self) -> dict:
        request = self.create_request()
        if self.tag_resource_type:
            request["Tag"] = dict_to_tag_list(self.params["tags"])

        def send(token):
            return search(self.create_id_path, self.client.call(self.create_action, ClientToken=token, **request))

        return create_once(self.token_kind, self.identity(), send, lambda new_id: self.wait_ready(new_id, 30))[1]

    def update_attributes(self, resource: dict) -> bool:
        changes = attribute_changes(self.params, resource, self.attributes)
        changes.update(self.extra_changes(resource))
        if not changes:
            return False
        if not self.module.check_mode:
            self.client.call(self.update_action, **self.id_params(resource[self.id_key]), **changes)
        return True

    def update_tags(self, resource: dict) -> bool:
        if not self.tag_resource_type:
            return False
        current = tag_list_to_dict(resource.get("Tags"))
        to_set, to_unset = compare_tags(current, self.params["tags"], self.params["purge_tags"])
        if not to_set and not to_unset:
            return False
        if not self.module.check_mode:
            api = TAG_APIS[self.product]
            region = self.tag_region(resource)
            apply_tags(self.client, api, region, self.tag_resource_type, resource[self.id_key], to_set, to_unset)
        return True

    def delete(self, resource: dict) -> None:
        deadline = time.monotonic() + self.params["wait_timeout"]
        try:
            self.client.call(self.delete_action, deadline=deadline, **self.delete_request(resource))
        except AlicloudError as err:
            if err.code in self.delete_not_found or err.is_not_found:
                return
            if err.code in self.delete_blockers:
                self.module.fail_json_alicloud(
                    err,
                    "cannot delete %s %s: %s; %s"
                    % (self.resource, resource[self.id_key], self.delete_blockers[err.code], self.blocker_hint),
                )
            raise

    # -- the flow ----------------------------------------------------------------------------
    def ensure_present(self):
        resource = self.find()
        if resource is None:
            if self.given_id():
                where = " in %s" % self.region if self.regional else ""
                self.module.fail_json(
                    msg="%s %s was not found%s" % (self.id_option, self.given_id(), where),
                    field=self.id_option,
                )
            self.check_create()
        else:
            self.check_existing(resource)
        before = self.diff_view(self.normalize(resource)) if resource else {}
        after = self.predicted(resource)
        if resource is None:
            if self.module.check_mode:
                return True, {}, {"before": before, "after": after}
            created = self.result(self.create())
            return True, created, {"before": before, "after": self.diff_view(created)}
        resource_id = resource[self.id_key]
        if not self.module.check_mode and self.status(resource) not in self.waiter.success:
            resource = self.wait_ready(resource_id)
        changed = self.update_attributes(resource)
        changed |= self.update_tags(resource)
        if changed and self.module.check_mode:
            return True, self.result(resource), {"before": before, "after": after}
        if changed:
            resource = self.get(resource_id) or resource
            if self.params["wait"] and self.status(resource) not in self.waiter.success:
                resource = self.wait_ready(resource_id)
        result = self.result(resource)
        return changed, result, {"before": before, "after": self.diff_view(result)}

    def ensure_absent(self):
        resource = self.find()
        if resource is None:
            return False, {}, {"before": {}, "after": {}}
        diff = {"before": self.diff_view(self.normalize(resource)), "after": {}}
        self.check_delete(resource)
        if self.module.check_mode:
            return True, {}, diff
        if self.status(resource) not in self.deleting_states:
            self.delete(resource)
        self.wait_gone(resource[self.id_key])
        return True, {}, diff

    def run(self):
        """Apply ``state`` and exit the module with the resource under ``result_key``."""
        if not self.given_id():
            for option in self.required_without_id:
                if not self.params[option]:
                    self.module.fail_json(
                        msg="%s is required unless %s is given" % (option, self.id_option), field=option
                    )
        self.check_options()
        try:
            if self.params["state"] == "present":
                changed, result, diff = self.ensure_present()
            else:
                changed, result, diff = self.ensure_absent()
        except AlicloudError as err:
            self.module.fail_json_alicloud(err, "%s %s" % (self.resource, self.given_id() or self.describe()))
        self.module.exit_json(**{"changed": changed, self.result_key: result, "diff": diff})


def create_once(kind: str, identity, create, wait_visible, max_generations: int = 3, generation: str | None = None):
    """Create a resource with a deterministic ClientToken and return ``(id, resource)``.

    ``create(token)`` sends the create call and returns the new id; ``wait_visible(id)``
    returns the resource once a describe call sees it, and raises WaiterError with code
    ``WaiterNotFound`` when it never shows up. That happens when the token was used before
    for a resource that has since been deleted and the API replays the old answer; the next
    token is then derived from that dead id, so a re-run follows the same chain of tokens and
    still never creates a duplicate. ``generation`` resumes that chain after a create whose id
    (``generation``) was sent and never became visible.
    """
    for attempt in range(max_generations):
        try:
            resource_id = create(client_token(kind, identity, generation))
        except AlicloudError as err:
            # The token was used before with other parameters: move to a token of its own.
            if err.code != "IdempotentParameterMismatch":
                raise
            generation = "parameter-mismatch-%d" % attempt
            continue
        try:
            return resource_id, wait_visible(resource_id)
        except WaiterError as err:
            if err.code != "WaiterNotFound":
                raise
            generation = resource_id
    raise AlicloudError(
        "CreateNotVisible",
        "%s: the API answered create calls with ids that never became visible (last %s)" % (kind, generation),
    )


# How long a lookup that finds nothing is not yet proof that a create whose answer was lost made
# nothing: list calls are eventually consistent right after a create (alicloud-api.md section 6, item
# 5; how long the lag is on each API is UNCONFIRMED). The same 30 s the waiters give a new mesh or
# cluster as "not found" grace. A create refused before commit is sent again only after this window.
CREATE_SETTLE_S = 30.0


def create_without_token(
    send,
    lookup,
    backoff: Backoff,
    product: str,
    deadline: float | None = None,
    attempts: int = 5,
    settle: float | None = None,
):
    """Send a create call whose API offers no trustworthy ClientToken, without ever making a second
    resource; return ``("created", answer)`` or ``("found", resource)``.

    The action is in ``retries.NOT_REPLAYABLE_ACTIONS``, so ``send()`` itself only retries
    throttling. Here an answer that may hide a created resource (5xx, lost answer:
    ``is_ambiguous``) or a transient refusal of the product is followed by ``lookup()`` (the
    identifying read the module found nothing with before), again and again with backoff for
    ``settle`` seconds (default ``CREATE_SETTLE_S``: a new resource can be missing from the list for a
    while); the create is sent again only when that still finds nothing. When ``deadline``
    (``time.monotonic()``) leaves no time to wait the window out, the create's error is raised rather
    than the create sent again blind: the next run looks the resource up first.
    """
    settle = CREATE_SETTLE_S if settle is None else settle
    for attempt in range(attempts):
        try:
            return "created", send()
        except AlicloudError as err:
            if attempt + 1 == attempts or not (is_ambiguous(err) or is_retryable(err, product)):
                raise
            pause = backoff.delay(attempt)
            if err.retry_after_ms:
                pause = max(pause, err.retry_after_ms / 1000.0)
            if deadline is not None and time.monotonic() + pause + settle > deadline:
                raise
            time.sleep(pause)
            found = _lookup_until_settled(lookup, backoff, settle)
            if found is not None:
                return "found", found
    raise AlicloudError("CreateNotConfirmed", "%d create calls were not answered" % attempts)


def _lookup_until_settled(lookup, backoff: Backoff, settle: float):
    """``lookup()`` until it finds something or ``settle`` seconds have passed; the last answer."""
    started = time.monotonic()
    step = 0
    while True:
        found = lookup()
        left = settle - (time.monotonic() - started)
        if found is not None or left <= 0:
            return found
        time.sleep(min(backoff.delay(step), left))
        step += 1
