# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.geomesh.alicloud.plugins.filter.verify import (
    verify_binomial_bound,
    verify_counts,
    verify_expected_shares,
    verify_failover_summary,
    verify_pods,
    verify_served,
    verify_share_check,
    verify_tidy_checks,
    verify_unavailable,
)

HZ, SH, BJ = "cn-hangzhou", "cn-shanghai", "cn-beijing"
ONE_EACH = {"entry": {HZ: 1, SH: 1}, "target": {HZ: 1, SH: 1}}


def test_the_runbook_rule_gives_fourteen_percent_remote():
    """From cn-hangzhou 90/10; no rule from cn-shanghai, whose productpage calls both reviews alike."""
    setting = {"mode": "distribute", "distribute": [{"from": HZ, "to": {HZ: 90, SH: 10}}]}
    assert verify_expected_shares(setting, HZ, ONE_EACH) == {HZ: 0.86, SH: 0.14}


def test_a_rule_from_every_region_applies_to_both_hops():
    setting = {
        "mode": "distribute",
        "distribute": [{"from": HZ + "/*", "to": {HZ + "/*": 90, SH: 10}}, {"from": SH, "to": {SH: 90, HZ: 10}}],
    }
    assert verify_expected_shares(setting, HZ, ONE_EACH) == {HZ: 0.82, SH: 0.18}


def test_three_region_chain_and_a_region_without_pods():
    setting = {
        "mode": "distribute",
        "distribute": [
            {"from": HZ, "to": {HZ: 90, SH: 10}},
            {"from": SH, "to": {SH: 90, BJ: 10}},
            {"from": BJ, "to": {BJ: 90, HZ: 10}},
        ],
    }
    three = {"entry": {HZ: 1, SH: 1, BJ: 1}, "target": {HZ: 1, SH: 1, BJ: 1}}
    shares = verify_expected_shares(setting, HZ, three)
    assert shares == {BJ: 0.01, HZ: 0.81, SH: 0.18}
    assert sum(shares.values()) == pytest.approx(1.0)
    # no reviews in cn-shanghai: Envoy leaves the locality out and renormalises the rule's weights
    shares = verify_expected_shares(setting, HZ, {"entry": {HZ: 1, SH: 1, BJ: 1}, "target": {HZ: 1, SH: 0, BJ: 2}})
    # (cn-hangzhou's productpage keeps all, cn-shanghai's sends all of its rule's weight to cn-beijing)
    assert shares == {BJ: 0.1, HZ: 0.9}


def test_no_distribute_rule_is_every_endpoint_alike():
    assert verify_expected_shares({"mode": "failover"}, HZ, {"entry": {HZ: 1}, "target": {HZ: 1, SH: 3}}) == {
        HZ: 0.25,
        SH: 0.75,
    }


def test_binomial_bound():
    assert verify_binomial_bound(0.14, 1000, 4) == [96, 184]
    assert verify_binomial_bound(0.0, 10) == [0, 0]
    assert verify_binomial_bound(1.0, 10) == [10, 10]
    with pytest.raises(AnsibleFilterError):
        verify_binomial_bound(0.5, 0)
    check = verify_share_check(SH, {SH: 185}, {SH: 0.14}, {SH: [96, 184]}, 1000)
    assert check["passed"] is False and "accepted 96-184" in check["detail"]


def probe(entries, started=1000.0):
    return {
        "started_at": started,
        "timeline": [
            {"start_s": t, "status": status, "error": None if status else "timeout", "labels": {"reviews_pod": pod}}
            for t, status, pod in entries
        ],
    }


PODS = {"reviews-v1-a": HZ, "reviews-v2-b": SH, "reviews-v1-new": HZ}


def test_served_names_the_region_of_the_pod():
    served = verify_served(probe([(0.0, 200, "reviews-v1-a"), (0.1, 200, None), (0.2, None, None)]), PODS)
    assert [s["region"] for s in served] == [HZ, None, None]
    assert [s["ok"] for s in served] == [True, False, False]
    assert served[0]["t"] == 1000.0 and served[2]["t"] == 1000.2
    assert verify_counts(served) == {HZ: 1, "failed": 2}
    assert verify_counts(verify_served(probe([(0.0, 200, "someone-else")]), PODS)) == {"unknown": 1}


def test_failover_summary_measures_the_switch_and_the_way_back():
    entries = (
        [(t / 10, 200, "reviews-v1-a" if t % 2 else "reviews-v2-b") for t in range(10)]  # before: both regions
        + [(1.0, 200, "reviews-v1-a"), (1.1, None, None), (1.2, 200, "reviews-v1-a")]  # switching: one failed
        + [(1.3 + t / 10, 200, "reviews-v2-b") for t in range(10)]  # failed over
        + [(2.5, 200, "reviews-v2-b"), (2.6, 200, "reviews-v1-new")]  # restored
    )
    served = verify_served(probe(entries), PODS)
    summary = verify_failover_summary(served, {"scale_down": 1001.0, "restore": 1002.45}, HZ)
    assert summary["before"] == {HZ: 5, SH: 5}
    assert summary["switch"] == {HZ: 2, "failed": 1}
    assert summary["failed_in_switch"] == 1
    assert summary["switch_s"] == pytest.approx(0.3)
    assert summary["after"] == {SH: 10}
    assert summary["restore"] == {HZ: 1, SH: 1}
    assert summary["restore_s"] == pytest.approx(0.15)
    assert summary["requests"] == len(entries)


def test_failover_that_never_settles():
    served = verify_served(probe([(0.0, 200, "reviews-v1-a"), (1.0, 200, "reviews-v1-a")]), PODS)
    summary = verify_failover_summary(served, {"scale_down": 1000.5}, HZ)
    assert summary["switch_s"] is None and summary["restore_s"] is None and summary["switch"] == {HZ: 1}


def pod(name, phase="Running", ready="True", deleting=False):
    meta = {"name": name}
    if deleting:
        meta["deletionTimestamp"] = "2026-12-02T00:00:00Z"
    return {"metadata": meta, "status": {"phase": phase, "conditions": [{"type": "Ready", "status": ready}]}}


def test_pods_by_region_and_ready_counts():
    results = [
        {"item": [HZ, "reviews"], "resources": [pod("reviews-v1-a"), pod("reviews-v1-b", ready="False")]},
        {"item": [SH, "reviews"], "resources": [pod("reviews-v2-c", deleting=True)]},
        {"item": [HZ, "productpage"], "resources": [pod("productpage-v1-x")]},
    ]
    found = verify_pods(results, "reviews")
    assert found == {
        "regions": {"reviews-v1-a": HZ, "reviews-v1-b": HZ, "reviews-v2-c": SH},
        "ready": {HZ: 1, SH: 0},
    }
    assert verify_pods(results, "productpage")["ready"] == {HZ: 1}


def test_unavailable_deployments():
    deps = [
        {"metadata": {"name": "reviews-v1"}, "spec": {"replicas": 2}, "status": {"availableReplicas": 1}},
        {"metadata": {"name": "reviews-v2"}, "spec": {"replicas": 1}, "status": {"availableReplicas": 1}},
        {"metadata": {"name": "reviews-v3"}, "spec": {"replicas": 1}, "status": {}},
    ]
    assert verify_unavailable(deps) == ["reviews-v1", "reviews-v3"]
    assert verify_unavailable(deps, ["reviews-v2"]) == []


def test_tidy_checks():
    tidy = verify_tidy_checks(
        [{"name": "a", "passed": "True", "detail": "one\n two  "}, {"name": "b", "passed": False}]
    )
    assert tidy == [{"name": "a", "passed": True, "detail": "one two"}, {"name": "b", "passed": False, "detail": ""}]
