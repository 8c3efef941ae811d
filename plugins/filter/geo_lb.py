# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the geo_lb role: the geolocation setting of a plan (with the default rules of each
mode for the plan's regions), its checks, and the same setting as Istio's localityLbSetting."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.geomesh.alicloud.plugins.module_utils import locality
from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import ValidationError

SCOPES = ("mesh", "destination_rule")
# an ASM version as the inventory pins it: 1.22.6.66 or v1.22.6.66-g1e5b0e4d-aliyun
_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)\.(\d+)(?:$|-)")


def _default_rules(mode, regions, remote_share):
    """Each region to the next one in plan order (the last to the first): for two regions, the
    runbook's pair both ways."""
    pairs = [(region, regions[(i + 1) % len(regions)]) for i, region in enumerate(regions)]
    if mode == "failover":
        return [{"from": source, "to": target} for source, target in pairs]
    share = int(remote_share)
    return [{"from": source, "to": {source: 100 - share, target: share}} for source, target in pairs]


def _resolve(plan):
    """-> (setting or None, errors)."""
    plan = plan or {}
    errors = []
    mode = plan.get("mode")
    scope = plan.get("scope") or "mesh"
    regions = [str(r) for r in plan.get("regions") or []]
    if scope not in SCOPES:
        errors.append("geo_lb_scope: %r is not one of %s" % (scope, ", ".join(SCOPES)))
    if mode not in locality.MODES:
        errors.append("geo_lb_mode: %r is not one of %s" % (mode, ", ".join(locality.MODES)))
        return None, errors
    if len(set(regions)) != len(regions):
        errors.append("geo_lb_regions: %s names a region twice" % ", ".join(regions))
    failover = plan.get("failover") or []
    distribute = plan.get("distribute") or []
    rules = failover if mode == "failover" else distribute if mode == "distribute" else []
    if mode != "disabled" and not rules:
        if len(regions) < 2:
            errors.append(
                "geo_lb_%s: no rules, and the default ones (each region to the next) need two regions or more; the "
                "plan has %s" % (mode, ", ".join(regions) or "none")
            )
            return None, errors
        share = plan.get("remote_share", 10)
        if mode == "distribute" and (
            isinstance(share, bool) or not str(share).strip().isdigit() or not 1 <= int(str(share).strip()) <= 99
        ):
            errors.append("geo_lb_remote_share: %r is not a whole number from 1 to 99" % (share,))
            return None, errors
        rules = _default_rules(mode, regions, share)
        if mode == "failover":
            failover = rules
        else:
            distribute = rules
    try:
        setting = locality.check_setting(
            mode, failover if mode == "failover" else [], distribute if mode == "distribute" else []
        )
        if regions:
            locality.check_regions(setting, regions)
    except ValidationError as err:
        errors.append("geo_lb_%s" % err)
        return None, errors
    pinned = str(plan.get("istio_version") or "").strip()
    if mode == "distribute" and pinned:
        numbers = _VERSION.search(pinned)
        if numbers is None:
            errors.append(
                "geo_lb_istio_version: %r is not an ASM version (1.22.6.66 or v1.22.6.66-g...-aliyun)" % pinned
            )
        elif tuple(int(n) for n in numbers.groups()) < locality.DISTRIBUTE_MIN_VERSION:
            errors.append(
                "geo_lb_mode: distribute needs ASM 1.22.6.66 or later; the plan pins %s (geomesh_mesh.istio_version):"
                " use failover, or a newer version" % pinned
            )
    if mode == "failover" and not plan.get("outlier_detection"):
        errors.append(
            "geo_lb_outlier_detection: failover needs outlier detection on the DestinationRule (Istio ignores "
            "failover without it)"
        )
    if errors:
        return None, errors
    setting["scope"] = scope
    return setting, errors


def geo_lb_plan_errors(plan):
    """Every problem of a geo_lb plan, each naming the variable; empty when it is valid."""
    return _resolve(plan)[1]


def geo_lb_setting(plan):
    """The plan's setting ``{mode, scope, failover, distribute}`` with the default rules filled in."""
    setting, errors = _resolve(plan)
    if errors:
        raise AnsibleFilterError("The geo_lb plan is invalid: %s" % "; ".join(errors))
    return setting


def _istio_locality(value):
    """Istio names localities ``region/zone/subzone`` with ``*`` for any: a bare region is ``region/*``."""
    text = locality.canonical_locality(value)
    return text + "/*"


def geo_lb_istio_setting(setting):
    """A setting as a DestinationRule's ``trafficPolicy.loadBalancer.localityLbSetting``."""
    mode = (setting or {}).get("mode")
    if mode == "failover":
        return {
            "enabled": True,
            "failover": [
                {"from": locality.region_of(r["from"]), "to": locality.region_of(r["to"])} for r in setting["failover"]
            ],
        }
    if mode == "distribute":
        return {
            "enabled": True,
            "distribute": [
                {"from": _istio_locality(r["from"]), "to": {_istio_locality(k): int(v) for k, v in r["to"].items()}}
                for r in setting["distribute"]
            ],
        }
    if mode == "disabled":
        return {"enabled": False}
    raise AnsibleFilterError("geo_lb_istio_setting: not a setting: %r" % (setting,))


class FilterModule:
    def filters(self):
        return {
            "geo_lb_plan_errors": geo_lb_plan_errors,
            "geo_lb_setting": geo_lb_setting,
            "geo_lb_istio_setting": geo_lb_istio_setting,
        }
