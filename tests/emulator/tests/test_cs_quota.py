"""Contract tests: ACK DescribeUserQuota through the real SDK, the ``user_quota`` scenario fault
(``POST /_emulator/faults/cs``) and CreateCluster's ``QuotaExceeded.Cluster`` under it."""

from __future__ import annotations

import pytest
from alibabacloud_cs20151215 import models as csm
from alibabacloud_cs20151215.client import Client as CsClient
from conftest import control, control_refused
from test_cs_cluster import cluster_request, error_of, make_network

DEFAULTS = {
    "cluster_quota": 50,
    "cluster_nodepool_quota": 20,
    "node_quota": 100,
    "amk_cluster_quota": 20,
    "ask_cluster_quota": 20,
    "quotas": {},
}


@pytest.fixture
def cs(client_factory) -> CsClient:
    return client_factory(CsClient)


def _quota(cs: CsClient) -> dict:
    return cs.describe_user_quota().body.to_map()


def refused(emu, body) -> str:
    return control_refused(emu, "/_emulator/faults/cs", body)


def test_describe_user_quota_defaults(fresh, cs):
    assert _quota(cs) == DEFAULTS
    (line,) = control(fresh, "/_emulator/log")
    assert (line["product"], line["action"], line["write"], line["status"]) == ("cs", "DescribeUserQuota", False, 200)


def test_user_quota_scenario(fresh, cs):
    armed = {"user_quota": [{"cluster_quota": 3, "node_quota": 10}]}
    assert control(fresh, "/_emulator/faults/cs", {"user_quota": {"cluster_quota": 3, "node_quota": 10}}) == armed
    assert _quota(cs) == DEFAULTS | {"cluster_quota": 3, "node_quota": 10}
    # several specs: later ones win
    control(fresh, "/_emulator/faults/cs", {"user_quota": [{"cluster_quota": 3}, {"cluster_nodepool_quota": 2}]})
    assert _quota(cs) == DEFAULTS | {"cluster_quota": 3, "cluster_nodepool_quota": 2}
    fresh.reset()
    assert _quota(cs) == DEFAULTS


def test_user_quota_spec_validation(fresh):
    assert "at least one" in refused(fresh, {"user_quota": {}})
    assert "cluster_quota" in refused(fresh, {"user_quota": {"cluster_quota": 0}})
    assert "node_quota" in refused(fresh, {"user_quota": {"node_quota": "5"}})
    assert "cluster_nodepool_quota" in refused(fresh, {"user_quota": {"cluster_nodepool_quota": True}})
    assert "clusters" in refused(fresh, {"user_quota": {"clusters": 1}})
    assert "count" in refused(fresh, {"user_quota": {"cluster_quota": 1, "count": 1}})
    assert control(fresh, "/_emulator/faults/cs") == {}


def test_cluster_quota_enforced_only_when_lowered(emu, cs, vpc):
    vpc_id, vsws = make_network(emu, vpc, "20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h")])
    first = cs.create_cluster(cluster_request(vpc_id, vsws, name="ack-quota-1", client_token="quota-1")).body
    control(emu, "/_emulator/faults/cs", {"user_quota": {"cluster_quota": 1}})
    # a ClientToken replay of the cluster already made is no new cluster
    again = cs.create_cluster(cluster_request(vpc_id, vsws, name="ack-quota-1", client_token="quota-1")).body
    assert again.cluster_id == first.cluster_id
    err = error_of(
        lambda: cs.create_cluster(
            cluster_request(vpc_id, vsws, container_cidr="10.20.0.0/16", service_cidr="172.30.0.0/16")
        )
    )
    assert (err.code, err.status_code) == ("QuotaExceeded.Cluster", 400)
    assert "cluster_quota" in err.message
    assert len(emu.snapshot()["cs_cluster"]) == 1
    assert len(emu.snapshot()["security_group"]) == 1  # nothing was written for the refused one
    # a higher quota lets it through
    control(emu, "/_emulator/faults/cs", {"user_quota": {"cluster_quota": 2}})
    second = cs.create_cluster(
        cluster_request(vpc_id, vsws, container_cidr="10.20.0.0/16", service_cidr="172.30.0.0/16")
    ).body
    assert second.cluster_id != first.cluster_id
    # with only other quotas lowered, the cluster quota is the default and CreateCluster as before
    control(emu, "/_emulator/faults/cs", {"user_quota": {"node_quota": 5}})
    cs.create_cluster(cluster_request(vpc_id, vsws, container_cidr="10.30.0.0/16", service_cidr="172.31.0.0/16"))
    assert cs.describe_clusters_v1(csm.DescribeClustersV1Request()).body.page_info.total_count == 3
    log = [e for e in control(emu, "/_emulator/log") if e["action"] == "CreateCluster"]
    assert [(e["status"], e["code"], e["write"]) for e in log] == [
        (200, None, True),
        (200, None, True),
        (400, "QuotaExceeded.Cluster", True),
        (200, None, True),
        (200, None, True),
    ]
