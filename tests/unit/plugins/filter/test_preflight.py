# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.geomesh.alicloud.plugins.filter.preflight import (
    FilterModule,
    preflight_identity_row,
    preflight_quota_rows,
    preflight_role_rows,
    preflight_table,
    preflight_version_row,
    preflight_zone_rows,
)

FAILED = {"msg": "reading: NoPermission: not allowed", "error": {"code": "NoPermission", "message": "not allowed"}}
ZONES = {"zones": [{"zone_id": "cn-hangzhou-h"}, {"zone_id": "cn-hangzhou-i"}, {"zone_id": "cn-hangzhou-j"}]}


def statuses(rows):
    return [(r["check"], r["status"]) for r in rows]


def test_identity():
    row = preflight_identity_row({"caller": {"arn": "acs:ram::1:root", "account_id": "1", "identity_type": "Account"}})
    assert row["status"] == "pass" and row["detail"] == "acs:ram::1:root (account 1, Account)" and row["fix"] == ""
    row = preflight_identity_row({"msg": "x", "error": {"code": "InvalidAccessKeyId.NotFound", "message": "no key"}})
    assert row["status"] == "fail" and "InvalidAccessKeyId.NotFound: no key" == row["detail"]
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in row["fix"]
    long = {
        "msg": "x",
        "error": {"code": "SignatureDoesNotMatch", "message": "does not match. string to sign:\nsecret " + "y" * 300},
    }
    row = preflight_identity_row(long)
    assert row["detail"] == "SignatureDoesNotMatch: does not match. string to sign:"
    row = preflight_identity_row({"msg": "z" * 300})
    assert len(row["detail"]) == 160 and row["detail"].endswith("...")


def test_roles():
    required = [
        {"service": "ACK", "names": ["A", "B"], "fix": "authorise"},
        {"service": "ASM", "names": ["S"], "fix": "create"},
    ]
    rows = preflight_role_rows({"roles": [{"role_name": "A"}], "missing": ["B", "S"]}, required)
    assert [(r["subject"], r["status"], r["fix"]) for r in rows] == [
        ("A (ACK)", "pass", ""),
        ("B (ACK)", "fail", "authorise"),
        ("S (ASM)", "fail", "create"),
    ]
    rows = preflight_role_rows(FAILED, required)
    assert {r["status"] for r in rows} == {"unknown"} and "NoPermission: not allowed" in rows[0]["detail"]
    assert preflight_role_rows({"roles": [], "missing": []}, []) == []


def test_zones_pass_and_fail():
    tr = {"available_zones": ["cn-hangzhou-h", "cn-hangzhou-j"]}
    rows = preflight_zone_rows(ZONES, tr, "h1", "cn-hangzhou", ["cn-hangzhou-h", "cn-hangzhou-j"], ["cn-hangzhou-h"])
    assert statuses(rows) == [("region", "pass"), ("zones", "pass"), ("transit router zones", "pass")]
    rows = preflight_zone_rows(
        ZONES,
        tr,
        "h1",
        "cn-hangzhou",
        ["cn-hangzhou-h", "cn-hangzhou-z", "cn-hangzhou-i"],
        ["cn-hangzhou-h", "cn-hangzhou-i"],
    )
    assert statuses(rows) == [("region", "pass"), ("zones", "fail"), ("transit router zones", "fail")]
    assert "cn-hangzhou-z" in rows[1]["detail"] and "cn-hangzhou-i" in rows[1]["fix"]
    assert rows[2]["detail"] == "no transit router attachment in: cn-hangzhou-i"
    assert "cn-hangzhou-h, cn-hangzhou-j" in rows[2]["fix"]


def test_zones_unknown_region_and_errors():
    missing = {"msg": "x", "error": {"code": "InvalidRegionId.NotFound", "message": "no region"}}
    rows = preflight_zone_rows(missing, {"available_zones": []}, "h1", "cn-nowhere", ["a"], ["a"])
    assert statuses(rows) == [("region", "fail")] and "no region" in rows[0]["detail"]
    rows = preflight_zone_rows(FAILED, FAILED, "h1", "cn-hangzhou", [], [])
    assert statuses(rows) == [("region", "unknown")]
    rows = preflight_zone_rows(ZONES, FAILED, "h1", "cn-hangzhou", ["cn-hangzhou-h"], ["cn-hangzhou-h"])
    assert statuses(rows) == [("region", "pass"), ("zones", "pass"), ("transit router zones", "unknown")]


def test_version():
    versions = [{"version": "1.31.1", "creatable": True}, {"version": "1.30.1", "creatable": False}]
    row = preflight_version_row({"versions": versions, "resolved_version": "1.31.1"}, "h", "Kubernetes", "1.31")
    assert row["status"] == "pass" and row["detail"] == "resolves to 1.31.1"
    row = preflight_version_row({"versions": versions, "resolved_version": None}, "h", "Kubernetes", "1.2")
    assert row["status"] == "fail" and row["fix"] == "ask for one of: 1.31.1" and "Kubernetes 1.2 (h)" == row["subject"]
    assert preflight_version_row(FAILED, "h", "Istio", "")["status"] == "unknown"


def test_quota():
    quota = {"quota": {"cluster_quota": 3, "node_quota": 5}}
    existing = {"clusters": [{"name": "ack-a"}, {"name": "other"}]}
    plan = [{"name": "ack-a", "node_count": 2}, {"name": "ack-b", "node_count": 5}]
    rows = preflight_quota_rows(quota, existing, plan, 3)
    assert [(r["subject"], r["status"]) for r in rows] == [
        ("ACK clusters", "pass"),
        ("ACK nodes per cluster", "pass"),
        ("VPC route entries per table", "pass"),
    ]
    assert rows[0]["detail"] == "1 new + 2 existing of 3" and rows[2]["detail"].startswith("up to 9 ")
    rows = preflight_quota_rows({"quota": {"cluster_quota": 2, "node_quota": 4}}, existing, plan, 3)
    assert [r["status"] for r in rows] == ["fail", "fail", "pass"]
    big = [
        {"name": "x", "node_count": 150},
        {"name": "y", "node_count": 60, "network_plugin": "terway"},
        {"name": "z", "node_count": 60},
    ]
    rows = preflight_quota_rows({"quota": {"cluster_quota": 50, "node_quota": 200}}, {"clusters": []}, big, 3)
    assert rows[2]["status"] == "unknown" and "up to 212" in rows[2]["detail"]
    rows = preflight_quota_rows(FAILED, existing, plan, 3)
    assert [r["status"] for r in rows] == ["unknown", "unknown", "pass"]


def test_table():
    rows = [
        {"status": "pass", "check": "credentials", "subject": "AccessKey", "detail": "me", "fix": ""},
        {"status": "fail", "check": "service role", "subject": "S (ASM)", "detail": "missing", "fix": "create it"},
        {"status": "unknown", "check": "quota", "subject": "VPC", "detail": "?", "fix": "look"},
    ]
    lines = preflight_table(rows)
    assert lines[0].split() == ["STATUS", "CHECK", "SUBJECT", "DETAIL"]
    assert lines[1].startswith("FAIL") and lines[1].endswith("missing -> create it")
    assert lines[2].startswith("UNKNOWN") and lines[3].startswith("PASS") and lines[3].endswith("me")
    assert lines[-1] == "1 pass, 1 fail, 1 unknown"
    assert len({line.index(line.split()[1]) for line in lines[:4]}) == 1
    with pytest.raises(AnsibleFilterError, match="not a preflight row"):
        preflight_table([{"status": "maybe"}])


def test_registered():
    assert set(FilterModule().filters()) == {
        "preflight_identity_row",
        "preflight_role_rows",
        "preflight_zone_rows",
        "preflight_version_row",
        "preflight_quota_rows",
        "preflight_table",
    }
