# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import ack_cluster, ack_cluster_info


@pytest.fixture
def two_clusters(run, topo, log):
    """ack-a in one VPC, ack-ab (a name ack-a is a substring of) in another."""
    made = []
    for name, cidr, pod in (("ack-a", "20.0.0.0/8", "10.0.0.0/16"), ("ack-ab", "30.0.0.0/8", "10.1.0.0/16")):
        vpc_id, mappings = topo.vpc(cidr=cidr)
        args = {
            "name": name,
            "vpc_id": vpc_id,
            "vswitch_ids": [mappings[0]["vswitch_id"]],
            "pod_cidr": pod,
            "node_pool": {"instance_types": ["ecs.g7.xlarge"], "desired_size": 1, "key_pair": "kp"},
        }
        result = run(ack_cluster, args)
        assert result["changed"] is True, result
        made.append(result["cluster"])
    log.clear()
    return made


def test_lists_every_cluster_read_only(run, two_clusters, log):
    result = run(ack_cluster_info, {})
    assert result["changed"] is False
    assert sorted(c["cluster_id"] for c in result["clusters"]) == sorted(c["cluster_id"] for c in two_clusters)
    assert {c["name"]: c for c in result["clusters"]}["ack-a"] == two_clusters[0]
    assert log.writes() == []


def test_exact_name_filter(run, two_clusters):
    result = run(ack_cluster_info, {"name": "ack-a"})
    assert [c["cluster_id"] for c in result["clusters"]] == [two_clusters[0]["cluster_id"]]


def test_vpc_and_id_filters(run, two_clusters):
    by_vpc = run(ack_cluster_info, {"vpc_id": two_clusters[1]["vpc_id"]})
    assert [c["name"] for c in by_vpc["clusters"]] == ["ack-ab"]
    by_id = run(ack_cluster_info, {"cluster_id": two_clusters[0]["cluster_id"]})
    assert [c["name"] for c in by_id["clusters"]] == ["ack-a"]
    missing = run(ack_cluster_info, {"cluster_id": "c0000000000000000000000000000000"})
    assert missing["clusters"] == [] and "failed" not in missing


def test_bad_vpc_id_fails_before_any_call(run, log):
    result = run(ack_cluster_info, {"vpc_id": "nope"})
    assert result["failed"] is True and result["field"] == "vpc_id" and log.actions() == []
