# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read-only modules of the preflight against the emulator: ram_role_info, sts_caller_identity_info,
cen_transit_router_zone_info and ack_quota_info, on a healthy account and on one the test breaks
(the emulator's scenario faults)."""

from __future__ import annotations

from ansible_collections.geomesh.alicloud.plugins.modules import (
    ack_quota_info,
    cen_transit_router_zone_info,
    ram_role_info,
    sts_caller_identity_info,
)

ROLES = ["AliyunCSManagedKubernetesRole", "AliyunServiceRoleForServiceMesh"]


def test_roles_found_then_one_missing(run, emu, log):
    result = run(ram_role_info, {"names": ROLES + [ROLES[0]]})
    assert result["changed"] is False and result["missing"] == []
    assert [r["role_name"] for r in result["roles"]] == ROLES
    mesh = result["roles"][1]
    assert mesh["is_service_linked_role"] is True and mesh["arn"].endswith(":role/aliyunserviceroleforservicemesh")
    assert result["roles"][0]["is_service_linked_role"] is False
    assert isinstance(result["roles"][0]["assume_role_policy_document"], dict)  # parsed from its JSON string
    assert [c["RoleName"] for c in log.calls("GetRole")] == ROLES  # a name listed twice is read once
    emu.set_scenarios("ram", {"missing_role": {"name": ROLES[1]}})
    result = run(ram_role_info, {"names": ROLES})
    assert result["missing"] == [ROLES[1]] and [r["role_name"] for r in result["roles"]] == [ROLES[0]]
    assert log.writes() == []


def test_roles_blank_name_refused_before_any_call(run, log):
    result = run(ram_role_info, {"names": ["AliyunCSDefaultRole", " "]})
    assert result["failed"] is True and result["field"] == "names" and "item 1" in result["msg"]
    assert log.calls() == []


def test_caller_identity(run, log):
    result = run(sts_caller_identity_info, {})
    caller = result["caller"]
    assert result["changed"] is False and caller["identity_type"] == "Account"
    assert caller["arn"] == "acs:ram::%s:root" % caller["account_id"] and caller["account_id"]
    assert log.actions() == ["GetCallerIdentity"]


def test_caller_identity_bad_key_fails_with_the_api_error(run):
    result = run(sts_caller_identity_info, {"access_key": "LTAInotAKey", "secret_key": "nope"})
    assert result["failed"] is True and "GetCallerIdentity" in result["msg"]
    assert result["error"]["code"] and result["error"]["status_code"] in (400, 401, 403, 404)
    assert "nope" not in str(result)


def test_transit_router_zones(run, emu, log):
    result = run(cen_transit_router_zone_info, {"region": "cn-hangzhou"})
    every = result["available_zones"]
    assert "cn-hangzhou-h" in every and every == sorted(every) and result["changed"] is False
    assert (log.calls("ListTransitRouterAvailableResource")[0]["RegionId"]) == "cn-hangzhou"
    emu.set_scenarios("cbn", {"zone_without_transit_router": {"region": "cn-hangzhou", "zone": "cn-hangzhou-h"}})
    result = run(cen_transit_router_zone_info, {"region": "cn-hangzhou"})
    assert result["available_zones"] == [z for z in every if z != "cn-hangzhou-h"]
    result = run(cen_transit_router_zone_info, {"region": "cn-nowhere-1"})
    assert result["failed"] is True and "cn-nowhere-1" in result["msg"]
    assert log.writes() == []


def test_ack_quota(run, emu, log):
    result = run(ack_quota_info, {})
    quota = result["quota"]
    assert (quota["cluster_quota"], quota["cluster_nodepool_quota"], quota["node_quota"]) == (50, 20, 100)
    emu.set_scenarios("cs", {"user_quota": {"cluster_quota": 2, "node_quota": 3}})
    quota = run(ack_quota_info, {})["quota"]
    assert (quota["cluster_quota"], quota["node_quota"]) == (2, 3)
    assert log.actions() == ["DescribeUserQuota", "DescribeUserQuota"] and log.writes() == []
