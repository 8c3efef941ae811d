# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.geomesh.alicloud.plugins.filter.teardown import (
    KIND_ORDER,
    FilterModule,
    teardown_line,
    teardown_members,
    teardown_report,
    teardown_split,
)

TAGS = {"project": "geomesh"}


def vpc(vpc_id, tags, name="vpc-hangzhou", region="cn-hangzhou"):
    return {"vpc_id": vpc_id, "vpc_name": name, "region_id": region, "tags": tags}


def test_split_deletes_only_what_carries_every_tag():
    found = [
        vpc("vpc-ours", {"project": "geomesh", "owner": "ops"}),
        vpc("vpc-untagged", {}),
        vpc("vpc-other", {"project": "other"}),
    ]
    split = teardown_split(found, TAGS, "vpc", "vpc_id", "vpc_name")
    assert split["delete"] == [
        {"kind": "vpc", "id": "vpc-ours", "name": "vpc-hangzhou", "region": "cn-hangzhou", "parent": None}
    ]
    assert [(e["id"], e["reason"]) for e in split["kept"]] == [
        ("vpc-untagged", "not made by this collection: it does not carry the tags project=geomesh"),
        ("vpc-other", "not made by this collection: it does not carry the tags project=geomesh"),
    ]


def test_split_names_every_missing_tag_and_compares_values_as_strings():
    found = [{"id": "x", "name": "n", "tags": {"a": "1"}}, {"id": "y", "name": "n", "tags": {"a": 1, "b": "2"}}]
    split = teardown_split(found, {"a": 1, "b": "2"}, "vpc", "id", "name", "cn-shanghai")
    assert [e["id"] for e in split["delete"]] == ["y"]
    assert split["delete"][0]["region"] == "cn-shanghai"
    assert split["kept"][0]["reason"].endswith("the tags b=2")


def test_empty_tags_take_everything_with_parent_and_extra_keys():
    routes = [{"route_entry_id": "rte-1", "name": "geomesh-peer-x-vpc", "destination_cidr_block": "21.0.0.0/8"}]
    split = teardown_split(
        routes,
        {},
        "vpc_route_entry",
        "route_entry_id",
        "name",
        "cn-hangzhou",
        "vpc-1",
        None,
        ["destination_cidr_block"],
    )
    assert split == {
        "delete": [
            {
                "kind": "vpc_route_entry",
                "id": "rte-1",
                "name": "geomesh-peer-x-vpc",
                "region": "cn-hangzhou",
                "parent": "vpc-1",
                "destination_cidr_block": "21.0.0.0/8",
            }
        ],
        "kept": [],
    }


def test_a_resource_holding_a_kept_one_is_kept():
    vswitches = teardown_split(
        [
            {"vswitch_id": "vsw-ours", "vswitch_name": "a", "tags": TAGS},
            {"vswitch_id": "vsw-foreign", "vswitch_name": "b", "tags": {}},
        ],
        TAGS,
        "vpc_vswitch",
        "vswitch_id",
        "vswitch_name",
        "cn-hangzhou",
        "vpc-ours",
    )
    split = teardown_split([vpc("vpc-ours", TAGS)], TAGS, "vpc", "vpc_id", "vpc_name", blockers=vswitches["kept"])
    assert split["delete"] == []
    assert split["kept"][0]["reason"] == "holds what this collection did not make: vpc_vswitch vsw-foreign"
    assert [e["id"] for e in vswitches["delete"]] == ["vsw-ours"]


def test_split_refuses_bad_input():
    with pytest.raises(AnsibleFilterError, match="unknown kind"):
        teardown_split([], TAGS, "ecs_instance", "id", "name")
    with pytest.raises(AnsibleFilterError, match="without vpc_id"):
        teardown_split([{"vpc_name": "x", "tags": TAGS}], TAGS, "vpc", "vpc_id", "vpc_name")
    with pytest.raises(AnsibleFilterError, match="tags must be a dictionary"):
        teardown_split([], ["project"], "vpc", "vpc_id", "vpc_name")


def test_report_orders_by_kind_keeps_order_within_a_kind_and_drops_repeats():
    entries = [
        {"kind": "vpc", "id": "vpc-1"},
        {"kind": "vpc_vswitch", "id": "vsw-2"},
        {"kind": "vpc_vswitch", "id": "vsw-1"},
        {"kind": "asm_mesh", "id": "m-1"},
        {"kind": "cen_transit_router_peer_attachment", "id": "tr-attach-1"},
        {"kind": "cen_transit_router_peer_attachment", "id": "tr-attach-1"},
        {"kind": "asm_mesh_cluster", "id": "c-1", "parent": "m-1"},
    ]
    assert [(e["kind"], e["id"]) for e in teardown_report(entries)] == [
        ("asm_mesh_cluster", "c-1"),
        ("asm_mesh", "m-1"),
        ("cen_transit_router_peer_attachment", "tr-attach-1"),
        ("vpc_vswitch", "vsw-2"),
        ("vpc_vswitch", "vsw-1"),
        ("vpc", "vpc-1"),
    ]
    with pytest.raises(AnsibleFilterError, match="not a teardown entry"):
        teardown_report([{"kind": "bucket"}])


def test_filters_are_registered_and_the_order_is_the_reverse_of_creation():
    assert set(FilterModule().filters()) == {"teardown_split", "teardown_report", "teardown_members", "teardown_line"}
    assert KIND_ORDER.index("asm_mesh") < KIND_ORDER.index("ack_cluster") < KIND_ORDER.index("cen_instance")
    assert KIND_ORDER.index("cen_transit_router_vpc_attachment") < KIND_ORDER.index("cen_transit_router")
    assert KIND_ORDER[-2:] == ("vpc_vswitch", "vpc")


def test_ids_alone_parent_key_and_deletion_protection():
    members = teardown_split(["c-1", "c-2"], {}, "asm_mesh_cluster", "cluster_id", "name", "cn-hangzhou", "m-1")
    assert [(e["id"], e["name"], e["parent"]) for e in members["delete"]] == [("c-1", "", "m-1"), ("c-2", "", "m-1")]
    clusters = teardown_split(
        [
            {"cluster_id": "c-1", "name": "a", "vpc_id": "vpc-1", "deletion_protection": False, "tags": TAGS},
            {"cluster_id": "c-2", "name": "b", "vpc_id": "vpc-1", "deletion_protection": True, "tags": TAGS},
        ],
        TAGS,
        "ack_cluster",
        "cluster_id",
        "name",
        parent_key="vpc_id",
        protected_key="deletion_protection",
    )
    assert [(e["id"], e["parent"]) for e in clusters["delete"]] == [("c-1", "vpc-1")]
    assert clusters["kept"][0]["id"] == "c-2"
    assert clusters["kept"][0]["reason"].startswith("deletion protection is on")


def test_members_of_meshes_and_lines():
    meshes = [{"kind": "asm_mesh", "id": "m-1", "name": "mesh", "region": "cn-hangzhou", "clusters": ["c-1", "c-2"]}]
    members = teardown_members(meshes + [{"kind": "asm_mesh", "id": "m-2", "clusters": None}])
    assert [(e["kind"], e["id"], e["parent"], e["region"]) for e in members] == [
        ("asm_mesh_cluster", "c-1", "m-1", "cn-hangzhou"),
        ("asm_mesh_cluster", "c-2", "m-1", "cn-hangzhou"),
    ]
    assert teardown_line(members[0]) == "asm_mesh_cluster c-1 in cn-hangzhou, of m-1"
    kept = {"kind": "vpc", "id": "vpc-1", "name": "v", "region": "cn-shanghai", "parent": None, "reason": "why"}
    assert teardown_line(kept) == "vpc vpc-1 (v) in cn-shanghai: why"
