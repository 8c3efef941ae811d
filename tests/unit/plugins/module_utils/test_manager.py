# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The generic manager's tables: Attr rows, the ClientToken identity rule, the predicted diff."""

from __future__ import annotations

import time

import pytest

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import (
    CREATE,
    FIXED,
    Attr,
    attribute_changes,
    create_without_token,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.retries import Backoff
from ansible_collections.geomesh.alicloud.plugins.modules.cen_transit_router_peer_attachment import (
    PeerAttachmentManager,
)
from ansible_collections.geomesh.alicloud.plugins.modules.vpc import VpcManager


class Module:
    """Just enough of AlicloudModule for a manager that makes no call."""

    check_mode = False
    region = "cn-hangzhou"
    settings = {"region": "cn-hangzhou"}

    def __init__(self, **params):
        self.params = params

    def client(self, product, region):
        return None

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs)


def vpc_params(**extra):
    params = {"vpc_id": None, "name": "n", "cidr_block": "20.0.0.0/8", "description": None, "tags": None}
    params.update(purge_tags=True, state="present", wait=True, wait_timeout=300)
    params.update(extra)
    return params


ROWS = (Attr("name", "Name"), Attr("flag", "Flag", kind="bool"), Attr("cidr", "Cidr", FIXED), Attr("x", "X", CREATE))


def test_attribute_changes_compare_update_rows_only_and_treat_missing_as_empty():
    resource = {"Name": "a", "Cidr": "10.0.0.0/8", "X": "1"}
    params = {"name": "b", "flag": False, "cidr": "20.0.0.0/8", "x": "2"}
    assert attribute_changes(params, resource, ROWS) == {"Name": "b"}
    assert attribute_changes(dict(params, name="a", flag=True), resource, ROWS) == {"Flag": True}
    assert attribute_changes({"name": None, "flag": None, "cidr": None, "x": None}, resource, ROWS) == {}


def test_attr_key_defaults_to_the_option():
    assert Attr("description", "Description").key == "description"
    assert Attr("name", "VpcName", key="vpc_name").key == "vpc_name"


def test_token_identity_is_the_identifying_options_and_region_not_the_labels():
    plain = VpcManager(Module(**vpc_params())).identity()
    labelled = VpcManager(Module(**vpc_params(description="d", tags={"a": "1"}))).identity()
    assert plain == labelled == {"name": "n", "cidr_block": "20.0.0.0/8", "region": "cn-hangzhou"}
    assert VpcManager(Module(**vpc_params(cidr_block="30.0.0.0/8"))).identity() != plain


def test_peer_identity_does_not_depend_on_the_side():
    base = {"cen_id": "cen-1", "transit_router_id": "tr-a", "peer_transit_router_id": "tr-b"}
    other = {"cen_id": "cen-1", "transit_router_id": "tr-b", "peer_transit_router_id": "tr-a"}
    assert PeerAttachmentManager(Module(**base)).identity() == PeerAttachmentManager(Module(**other)).identity()


@pytest.mark.parametrize(
    "resource,expected",
    [
        (None, {"vpc_name": "n", "cidr_block": "20.0.0.0/8", "description": None, "tags": {"a": "1"}}),
        (
            {"VpcId": "vpc-1", "VpcName": "n", "CidrBlock": "20.0.0.0/8", "Description": "old", "Tags": {"b": "2"}},
            {"vpc_name": "n", "cidr_block": "20.0.0.0/8", "description": "old", "tags": {"a": "1"}},
        ),
    ],
)
def test_predicted_diff_applies_every_set_option(resource, expected):
    manager = VpcManager(Module(**vpc_params(tags={"a": "1"})))
    assert manager.predicted(resource) == expected


class _Sender:
    """send() answers from a script: an AlicloudError is raised, anything else returned."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, AlicloudError):
            raise answer
        return answer


def _lost():
    return AlicloudError("InternalError", "answer lost after the write", status_code=503)


def test_create_without_token_finds_what_a_lost_answer_created():
    send, lookups = _Sender(_lost()), []
    found = {"Id": "made-by-the-lost-call"}
    outcome = create_without_token(send, lambda: lookups.append(1) or found, Backoff(base=0.01), "servicemesh")
    assert outcome == ("found", found)
    assert send.calls == 1 and len(lookups) == 1


def test_create_without_token_resends_only_when_the_lookup_finds_nothing():
    send, lookups = _Sender(_lost(), {"Id": "new"}), []
    started = time.monotonic()
    outcome = create_without_token(send, lambda: lookups.append(1), Backoff(base=0.01), "servicemesh", settle=0.3)
    assert outcome == ("created", {"Id": "new"})
    # looked up again and again for the settle window before the create was sent again
    assert send.calls == 2 and len(lookups) > 1
    assert time.monotonic() - started >= 0.3


def test_create_without_token_waits_out_a_lagging_list():
    """The list shows the resource the lost answer made only on the third lookup (eventual consistency):
    it is found, the create is not sent again."""
    send, answers = _Sender(_lost()), [None, None, {"Id": "made-by-the-lost-call"}]
    outcome = create_without_token(send, lambda: answers.pop(0), Backoff(base=0.01), "servicemesh", settle=5)
    assert outcome == ("found", {"Id": "made-by-the-lost-call"})
    assert send.calls == 1 and not answers


def test_create_without_token_raises_rather_than_resend_blind_near_the_deadline():
    lost, lookups = _lost(), []
    send = _Sender(lost, {"Id": "new"})
    deadline = time.monotonic() + 1
    with pytest.raises(AlicloudError) as info:
        create_without_token(send, lambda: lookups.append(1), Backoff(base=0.01), "servicemesh", deadline, settle=30)
    assert info.value is lost and send.calls == 1 and not lookups


def test_create_without_token_raises_a_refusal_at_once():
    refusal = AlicloudError("InvalidParameter", "bad vSwitch", status_code=400)
    send, lookups = _Sender(refusal), []
    with pytest.raises(AlicloudError) as info:
        create_without_token(send, lambda: lookups.append(1), Backoff(base=0.01), "servicemesh")
    assert info.value is refusal and send.calls == 1 and not lookups


def test_create_without_token_gives_up_after_its_attempts():
    send = _Sender(*[_lost(), _lost(), _lost()])
    with pytest.raises(AlicloudError):
        create_without_token(send, lambda: None, Backoff(base=0.01), "cs", attempts=3, settle=0.05)
    assert send.calls == 3
