# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Geolocation load balancing: the checks of a setting, the shapes ASM may answer with, and the
comparison that makes asm_locality_lb idempotent.

A setting is ``{"mode": failover | distribute | disabled, "failover": [{"from", "to"}],
"distribute": [{"from", "to": {locality: weight}}]}`` with Istio's meaning (LocalityLoadBalancerSetting):
failover is between regions; distribute goes from a locality (``region``, ``region/zone``, with or
without a trailing ``/*``) to localities with integer weights summing to 100.

Facts: asm-details.md section 1 (UpdateMeshFeature, what DescribeServiceMeshDetail returns: the
``Failover`` / ``Distribute`` payload shapes and the ``region`` vs ``region/*`` keys are UNCONFIRMED,
so every shape seen in the docs is read).
"""

from __future__ import annotations

import json

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import ValidationError

MODES = ("failover", "distribute", "disabled")
# Documented (ACK DR tutorial): traffic distribution needs ASM 1.22.6.66 or later.
DISTRIBUTE_MIN_VERSION = (1, 22, 6, 66)


def canonical_locality(locality: str) -> str:
    """``cn-hangzhou/*`` and ``cn-hangzhou`` are the same locality (both forms appear in ASM's docs)."""
    text = locality.strip()
    while text.endswith("/*"):
        text = text[:-2]
    return text


def region_of(locality: str) -> str:
    return canonical_locality(locality).split("/", 1)[0]


def _weight(value, field: str) -> int:
    if isinstance(value, bool):
        raise ValidationError(field, "must be an integer weight, not %r" % value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValidationError(field, "must be an integer weight, not %r" % (value,))
    if not 1 <= value <= 100:
        raise ValidationError(field, "must be between 1 and 100 (a zero weight is left out), not %d" % value)
    return value


def _locality(value, field: str) -> str:
    if not isinstance(value, str) or not canonical_locality(value):
        raise ValidationError(field, "must be a region or region/zone name")
    return value.strip()


def check_setting(mode: str, failover, distribute) -> dict:
    """The setting with weights as ints; ValidationError naming the field for anything Istio or ASM
    would refuse, checked without the cloud."""
    if mode not in MODES:
        raise ValidationError("mode", "must be one of %s" % ", ".join(MODES))
    failover = failover or []
    distribute = distribute or []
    if mode != "failover" and failover:
        raise ValidationError("failover", "is set but mode is %s: one mode at a time" % mode)
    if mode != "distribute" and distribute:
        raise ValidationError("distribute", "is set but mode is %s: one mode at a time" % mode)
    if mode == "failover" and not failover:
        raise ValidationError("failover", "needs at least one {from, to} rule when mode is failover")
    if mode == "distribute" and not distribute:
        raise ValidationError("distribute", "needs at least one {from, to} rule when mode is distribute")
    rules_out = []
    seen = {}
    for i, rule in enumerate(failover):
        field = "failover[%d]" % i
        if not isinstance(rule, dict):
            raise ValidationError(field, "must be a {from, to} map")
        source = _locality(rule.get("from"), field + ".from")
        target = _locality(rule.get("to"), field + ".to")
        for key, value in (("from", source), ("to", target)):
            if "/" in canonical_locality(value):
                raise ValidationError(
                    "%s.%s" % (field, key), "failover is between regions: %r is not a region name" % value
                )
        source, target = canonical_locality(source), canonical_locality(target)
        if source == target:
            raise ValidationError(field + ".to", "fails over to itself (%s)" % source)
        if source in seen:
            raise ValidationError(field + ".from", "%s already has a rule (failover[%d])" % (source, seen[source]))
        seen[source] = i
        rules_out.append({"from": source, "to": target})
    dist_out = []
    for i, rule in enumerate(distribute):
        field = "distribute[%d]" % i
        if not isinstance(rule, dict):
            raise ValidationError(field, "must be a {from, to} map")
        source = _locality(rule.get("from"), field + ".from")
        weights = rule.get("to")
        if not isinstance(weights, dict) or not weights:
            raise ValidationError(field + ".to", "must map at least one locality to a weight")
        if canonical_locality(source) in seen:
            raise ValidationError(
                field + ".from", "%s already has a rule (distribute[%d])" % (source, seen[canonical_locality(source)])
            )
        seen[canonical_locality(source)] = i
        out = {}
        targets = set()
        for key, value in weights.items():
            target = _locality(key, field + ".to")
            if canonical_locality(target) in targets:
                raise ValidationError(field + ".to", "names %s twice" % canonical_locality(target))
            targets.add(canonical_locality(target))
            out[target] = _weight(value, "%s.to[%s]" % (field, target))
        total = sum(out.values())
        if total != 100:
            raise ValidationError(field + ".to", "weights sum to %d, not 100" % total)
        dist_out.append({"from": source, "to": out})
    return {"mode": mode, "failover": rules_out, "distribute": dist_out}


def setting_regions(setting: dict) -> list:
    """``[(field, region)]`` of every locality the setting names."""
    out = []
    for i, rule in enumerate(setting["failover"]):
        out.append(("failover[%d].from" % i, region_of(rule["from"])))
        out.append(("failover[%d].to" % i, region_of(rule["to"])))
    for i, rule in enumerate(setting["distribute"]):
        out.append(("distribute[%d].from" % i, region_of(rule["from"])))
        out.extend(("distribute[%d].to" % i, region_of(key)) for key in rule["to"])
    return out


def check_regions(setting: dict, regions) -> None:
    """Every region the setting names is a region of the mesh's clusters."""
    known = sorted(set(regions))
    for field, region in setting_regions(setting):
        if region not in known:
            raise ValidationError(
                field,
                "%s is not a region of the mesh's clusters (%s)" % (region, ", ".join(known) or "the mesh has none"),
            )


def check_version(setting: dict, version_key: tuple, version: str) -> None:
    if setting["mode"] == "distribute" and version_key and version_key[:4] < DISTRIBUTE_MIN_VERSION:
        raise ValidationError(
            "mode",
            "distribute needs ASM 1.22.6.66 or later; the mesh runs %s (upgrade it, or use failover)" % version,
        )


def conf_json(setting: dict) -> str:
    """UpdateMeshFeature's ``LocalityLBConf`` (a JSON string; the failover form is the documented
    example, the distribute form is inferred by analogy: asm-details.md section 1)."""
    key = setting["mode"]
    return json.dumps({key: setting[key]}, separators=(",", ":"), sort_keys=True)


def _payload(value, key: str) -> list:
    """A ``Failover`` / ``Distribute`` field in any shape the docs show: a list, the list wrapped as
    ``{key: [...]}``, or either as a JSON string."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else None
        except ValueError:
            return []
    if isinstance(value, dict):
        value = value.get(key)
    return [item for item in value or [] if isinstance(item, dict)]


def read_api(locality_lb) -> dict:
    """``Spec.MeshConfig.LocalityLB`` as a setting: ``{"mode", "failover", "distribute"}``; mode
    ``disabled`` when it is not enabled (whatever rules it still holds)."""
    lb = locality_lb if isinstance(locality_lb, dict) else {}
    failover = [{"from": str(r.get("from")), "to": str(r.get("to"))} for r in _payload(lb.get("Failover"), "failover")]
    distribute = [
        {"from": str(r.get("from")), "to": dict(r.get("to") or {})}
        for r in _payload(lb.get("Distribute"), "distribute")
    ]
    if not lb.get("Enabled"):
        mode = "disabled"
    elif distribute:
        mode = "distribute"
    elif failover:
        mode = "failover"
    else:
        # enabled with no rule ASM shows (or failoverPriority, whose shape is UNCONFIRMED)
        mode = "other"
    return {"mode": mode, "failover": failover, "distribute": distribute}


def view(setting: dict) -> dict:
    """What a setting does, for diffs and return values: the rules of its mode only."""
    mode = setting["mode"]
    return {
        "mode": mode,
        "failover": list(setting["failover"]) if mode == "failover" else [],
        "distribute": list(setting["distribute"]) if mode == "distribute" else [],
    }


def _as_int(value) -> str:
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return str(value)


def comparable(setting: dict):
    """A key that is equal for two settings that do the same thing (rule order, ``/*`` suffixes,
    weight types aside)."""
    mode = setting["mode"]
    if mode == "failover":
        rules = sorted((canonical_locality(r["from"]), canonical_locality(r["to"])) for r in setting["failover"])
    elif mode == "distribute":
        rules = sorted(
            (
                canonical_locality(r["from"]),
                tuple(sorted((canonical_locality(k), _as_int(v)) for k, v in (r.get("to") or {}).items())),
            )
            for r in setting["distribute"]
        )
    else:
        rules = []
    return (mode, tuple(rules))
