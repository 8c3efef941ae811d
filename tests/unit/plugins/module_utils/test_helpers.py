# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tokens, tags, case conversion, paging, create_once, CIDR validation."""

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, ValidationError, WaiterError
from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import create_once
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import paginate_pages, paginate_token
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import compare_tags, tag_list_to_dict
from ansible_collections.geomesh.alicloud.plugins.module_utils.tokens import client_token
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_cidr


def test_token_is_stable_and_bounded():
    a = client_token("vpc", {"name": "x", "cidr": "10.0.0.0/8", "region": "cn-hangzhou"})
    b = client_token("vpc", {"region": "cn-hangzhou", "cidr": "10.0.0.0/8", "name": "x"})
    assert a == b
    assert len(a) <= 64 and a.isascii()


def test_token_changes_with_identity_kind_and_generation():
    base = client_token("vpc", {"name": "x"})
    assert base != client_token("vpc", {"name": "y"})
    assert base != client_token("cen", {"name": "x"})
    assert base != client_token("vpc", {"name": "x"}, generation="vpc-old")


def test_create_once_moves_to_next_generation_when_replay_points_at_a_deleted_resource():
    tokens = []

    def create(token):
        tokens.append(token)
        return "vpc-dead" if len(tokens) == 1 else "vpc-new"

    def wait_visible(resource_id):
        if resource_id == "vpc-dead":
            raise WaiterError("never visible", code="WaiterNotFound")
        return {"VpcId": resource_id}

    assert create_once("vpc", {"n": 1}, create, wait_visible) == ("vpc-new", {"VpcId": "vpc-new"})
    assert tokens == [client_token("vpc", {"n": 1}), client_token("vpc", {"n": 1}, "vpc-dead")]


def test_create_once_does_not_swallow_other_failures():
    def wait_visible(resource_id):
        raise WaiterError("failed", code="WaiterFailure")

    with pytest.raises(WaiterError):
        create_once("vpc", {}, lambda t: "vpc-1", wait_visible)


def test_create_once_gives_up():
    def wait_visible(resource_id):
        raise WaiterError("nope", code="WaiterNotFound")

    with pytest.raises(AlicloudError) as exc:
        create_once("vpc", {}, lambda t: "vpc-%s" % t[:4], wait_visible, max_generations=2)
    assert exc.value.code == "CreateNotVisible"


def test_tag_shapes():
    assert tag_list_to_dict({"Tag": [{"Key": "a", "Value": "1"}]}) == {"a": "1"}
    assert tag_list_to_dict([{"TagKey": "b", "TagValue": None}]) == {"b": ""}
    assert tag_list_to_dict([{"key": "c", "value": "3"}]) == {"c": "3"}
    assert tag_list_to_dict(None) == {}


def test_compare_tags():
    current = {"a": "1", "b": "2", "acs:system": "x"}
    assert compare_tags(current, None) == ({}, [])
    assert compare_tags(current, {"a": "1", "c": 3}) == ({"c": "3"}, ["b"])
    assert compare_tags(current, {"a": "9"}, purge=False) == ({"a": "9"}, [])


def test_paginate_pages_reads_every_page():
    data = [{"Id": i} for i in range(7)]
    seen = []

    def call(PageNumber, PageSize):
        seen.append(PageNumber)
        start = (PageNumber - 1) * PageSize
        return {"TotalCount": len(data), "Items": {"Item": data[start : start + PageSize]}}

    assert paginate_pages(call, "Items.Item", page_size=3) == data
    assert seen == [1, 2, 3]


def test_paginate_token_follows_next_token():
    pages = {None: (["a", "b"], "t1"), "t1": (["c"], "t2"), "t2": ([], "")}
    seen = []

    def call(MaxResults, NextToken=None):
        seen.append(NextToken)
        items, token = pages[NextToken]
        return {"Items": items, "NextToken": token}

    assert paginate_token(call, "Items", max_results=2) == ["a", "b", "c"]
    assert seen == [None, "t1", "t2"]


@pytest.mark.parametrize("value", ["10.0.0.0/33", "10.0.0.1/16", "banana", "10.0.0.0", "10.0.0.0/4"])
def test_validate_cidr_rejects(value):
    with pytest.raises(ValidationError) as exc:
        validate_cidr("cidr_block", value)
    assert exc.value.field == "cidr_block"


def test_validate_cidr_accepts():
    assert validate_cidr("cidr_block", "20.0.0.0/8") == "20.0.0.0/8"


def test_create_once_moves_on_when_the_token_was_used_with_other_parameters():
    tokens = []

    def create(token):
        tokens.append(token)
        if len(tokens) == 1:
            raise AlicloudError("IdempotentParameterMismatch", "other parameters", status_code=400)
        return "vpc-2"

    assert create_once("vpc", {"n": 1}, create, lambda rid: {"VpcId": rid}) == ("vpc-2", {"VpcId": "vpc-2"})
    assert len(set(tokens)) == 2
