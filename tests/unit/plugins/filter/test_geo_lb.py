# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.geomesh.alicloud.plugins.filter.geo_lb import (
    geo_lb_istio_setting,
    geo_lb_plan_errors,
    geo_lb_setting,
)

HZ, SH, BJ = "cn-hangzhou", "cn-shanghai", "cn-beijing"
OUTLIER = {"baseEjectionTime": "1m", "consecutive5xxErrors": 1, "interval": "1s"}


def plan(**extra):
    base = {"mode": "failover", "scope": "mesh", "regions": [HZ, SH], "outlier_detection": OUTLIER}
    base.update(extra)
    return base


def test_the_runbook_failover_pair_by_default():
    setting = geo_lb_setting(plan())
    assert setting == {
        "mode": "failover",
        "scope": "mesh",
        "failover": [{"from": HZ, "to": SH}, {"from": SH, "to": HZ}],
        "distribute": [],
    }


def test_three_regions_chain_in_plan_order():
    setting = geo_lb_setting(plan(regions=[HZ, SH, BJ]))
    assert setting["failover"] == [{"from": HZ, "to": SH}, {"from": SH, "to": BJ}, {"from": BJ, "to": HZ}]
    shares = geo_lb_setting(plan(mode="distribute", regions=[HZ, SH, BJ], remote_share=25))["distribute"]
    assert shares[2] == {"from": BJ, "to": {BJ: 75, HZ: 25}} and len(shares) == 3


def test_default_distribution_is_ninety_ten():
    setting = geo_lb_setting(plan(mode="distribute"))
    assert setting["distribute"][0] == {"from": HZ, "to": {HZ: 90, SH: 10}}


def test_explicit_rules_of_the_mode_only():
    failover = [{"from": HZ, "to": SH}]
    distribute = [{"from": HZ, "to": {HZ: "95", SH: 5}}]
    setting = geo_lb_setting(plan(mode="distribute", failover=failover, distribute=distribute))
    assert setting["distribute"] == [{"from": HZ, "to": {HZ: 95, SH: 5}}] and setting["failover"] == []
    assert geo_lb_setting(plan(mode="disabled", failover=failover)) == {
        "mode": "disabled",
        "scope": "mesh",
        "failover": [],
        "distribute": [],
    }


@pytest.mark.parametrize(
    "extra, needle",
    [
        ({"mode": "both"}, "geo_lb_mode"),
        ({"scope": "cluster"}, "geo_lb_scope"),
        ({"regions": [HZ]}, "two regions"),
        ({"failover": [{"from": HZ, "to": HZ}]}, "geo_lb_failover[0].to"),
        ({"failover": [{"from": HZ, "to": BJ}]}, "geo_lb_failover[0].to: cn-beijing is not a region"),
        ({"mode": "distribute", "distribute": [{"from": HZ, "to": {HZ: 90, SH: 5}}]}, "sum to 95"),
        ({"mode": "distribute", "remote_share": 100}, "geo_lb_remote_share"),
        ({"outlier_detection": {}}, "geo_lb_outlier_detection"),
        ({"regions": [HZ, HZ]}, "twice"),
        ({"mode": "distribute", "istio_version": "v1.21.6.97-g7ec2fd3b-aliyun"}, "geo_lb_mode: distribute needs ASM"),
        ({"mode": "distribute", "istio_version": "1.22.6.65"}, "the plan pins 1.22.6.65"),
        ({"mode": "distribute", "istio_version": "latest"}, "geo_lb_istio_version: 'latest'"),
    ],
)
def test_errors_name_the_variable(extra, needle):
    errors = geo_lb_plan_errors(plan(**extra))
    assert errors and any(needle in e for e in errors), errors
    with pytest.raises(AnsibleFilterError, match="geo_lb plan is invalid"):
        geo_lb_setting(plan(**extra))


def test_valid_plans_have_no_errors():
    assert geo_lb_plan_errors(plan()) == []
    assert geo_lb_plan_errors(plan(mode="disabled", regions=[HZ])) == []
    # distribute on 1.22.6.66 or later, or with no pinned version; failover on any version
    for version in ("1.22.6.66", "v1.22.6.66-g1e5b0e4d-aliyun", "1.23.0.1", ""):
        assert geo_lb_plan_errors(plan(mode="distribute", istio_version=version)) == [], version
    assert geo_lb_plan_errors(plan(istio_version="v1.20.6.36-g4e4ba0c1-aliyun")) == []


def test_istio_setting():
    failover = geo_lb_istio_setting(geo_lb_setting(plan()))
    assert failover == {"enabled": True, "failover": [{"from": HZ, "to": SH}, {"from": SH, "to": HZ}]}
    distribute = geo_lb_istio_setting(
        geo_lb_setting(plan(mode="distribute", distribute=[{"from": HZ + "/*", "to": {HZ: 90, SH + "/*": 10}}]))
    )
    assert distribute == {"enabled": True, "distribute": [{"from": HZ + "/*", "to": {HZ + "/*": 90, SH + "/*": 10}}]}
    assert geo_lb_istio_setting({"mode": "disabled"}) == {"enabled": False}
    with pytest.raises(AnsibleFilterError):
        geo_lb_istio_setting({"mode": "other"})
