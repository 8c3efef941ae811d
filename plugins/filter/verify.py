# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the verify role: where each probed request was served, what a failover drill
measured (the requests that failed during the switch, the time to full failover and back), what
share a distribution should send where, and the binomial bound a drill asserts with."""

from __future__ import annotations

import math

from ansible.errors import AnsibleFilterError

from ansible_collections.geomesh.alicloud.plugins.module_utils import locality


def _rule_for(setting, region):
    for rule in (setting or {}).get("distribute") or []:
        if locality.region_of(rule["from"]) == region:
            return rule
    return None


def _hop(setting, caller, counts):
    """Where a caller in region ``caller`` sends its requests for a service with ``counts``
    endpoints per region, under a distribute setting: the weights of the caller's rule over the
    regions that have endpoints (Envoy leaves out a locality with none and renormalises), else,
    with no rule for the caller, every endpoint alike (Istio applies no locality weights then)."""
    present = {r: int(n) for r, n in (counts or {}).items() if int(n) > 0}
    if not present:
        return {}
    rule = _rule_for(setting, caller) if (setting or {}).get("mode") == "distribute" else None
    if rule is not None:
        weights = {}
        for key, weight in rule["to"].items():
            region = locality.region_of(key)
            if region in present:
                weights[region] = weights.get(region, 0) + int(weight)
        total = sum(weights.values())
        if total > 0:
            return {r: w / total for r, w in weights.items()}
    endpoints = sum(present.values())
    return {r: n / endpoints for r, n in present.items()}


def verify_expected_shares(setting, gateway_region, endpoints):
    """The share of requests entering at ``gateway_region`` whose last hop is served in each
    region. ``endpoints`` is ``{"entry": {region: n}, "target": {region: n}}``: the ready Pods of the
    service the gateway calls (productpage) and of the target service it calls in turn (reviews).
    Both hops follow the setting, each from its caller's region."""
    entry = _hop(setting, gateway_region, (endpoints or {}).get("entry"))
    shares = {}
    for middle, p_middle in entry.items():
        for last, p_last in _hop(setting, middle, (endpoints or {}).get("target")).items():
            shares[last] = shares.get(last, 0.0) + p_middle * p_last
    return {r: round(p, 6) for r, p in sorted(shares.items())}


def verify_binomial_bound(p, n, z=4.0):
    """``[low, high]``: the counts within ``z`` standard deviations of ``n * p`` for Bin(n, p)."""
    n, p, z = int(n), float(p), float(z)
    if n < 1 or not 0.0 <= p <= 1.0:
        raise AnsibleFilterError("verify_binomial_bound: needs n >= 1 and 0 <= p <= 1, got n=%r p=%r" % (n, p))
    sigma = math.sqrt(n * p * (1.0 - p))
    low = max(0, int(math.floor(n * p - z * sigma)))
    high = min(n, int(math.ceil(n * p + z * sigma)))
    return [low, high]


def verify_share_check(region, counts, expected, bounds, n):
    """The check of one region in a distribution drill: its count within its bound."""
    got = int((counts or {}).get(region, 0))
    low, high = (bounds or {}).get(region, [0, 0])
    share = float((expected or {}).get(region, 0.0))
    return {
        "name": "share of %s" % region,
        "passed": low <= got <= high,
        "detail": "%s served %d of %d (%.1f%%); expected %.1f%% (%.0f), accepted %d-%d"
        % (region, got, n, 100.0 * got / n if n else 0.0, 100.0 * share, n * share, low, high),
    }


def verify_served(probe, pod_regions, label="reviews_pod"):
    """Each request of a traffic_probe result: ``{"t", "region", "ok", "status", "pod"}``, ``t``
    in seconds since the epoch; ``ok`` when it was answered with the expected status and the page
    names the Pod (``label``) that served it; ``region`` that Pod's (``pod_regions``), else null."""
    started = float((probe or {}).get("started_at") or 0.0)
    out = []
    for item in (probe or {}).get("timeline") or []:
        pod = (item.get("labels") or {}).get(label)
        ok = item.get("status") == 200 and not item.get("error") and bool(pod)
        out.append(
            {
                "t": round(started + float(item.get("start_s") or 0.0), 3),
                "region": (pod_regions or {}).get(pod) if pod else None,
                "ok": ok,
                "status": item.get("status"),
                "pod": pod,
            }
        )
    return out


def _count_by_region(items):
    counts = {}
    for item in items:
        key = (item["region"] or "unknown") if item["ok"] else "failed"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: str(kv[0])))


def verify_counts(served):
    """Requests of ``verify_served`` by the region that served them; ``failed`` for the failed ones
    and ``unknown`` for answers from a Pod of no known region."""
    return _count_by_region(served or [])


def _settle(items, start, target_region):
    """The time of the first request at or after ``start`` from which every request was answered
    and none was served in ``target_region``; null when that never happens."""
    settled = None
    for item in items:
        if item["t"] < start:
            continue
        if item["ok"] and item["region"] != target_region:
            if settled is None:
                settled = item["t"]
        else:
            settled = None
    return settled


def verify_failover_summary(served, events, target_region):
    """What a failover drill measured on the requests of ``verify_served``: ``events`` has
    ``scale_down`` (when the target service's replicas in ``target_region`` went to 0) and
    ``restore`` (when they were scaled back; optional), in seconds since the epoch.

    The failover is complete when no request is served in the target region any more and every
    request is answered: ``switch_s`` is the time from the scale-down to the first request after
    which that held until the restore, ``failed_in_switch`` the requests that failed before.
    ``restore_s`` is the time from the restore to the first request served in the target region
    again, ``failed_in_restore`` the failed requests after the restore. Request counts by region
    (``failed`` for the failed ones) for each phase: ``before``, ``switch``, ``after``,
    ``restore``."""
    events = events or {}
    down = float(events["scale_down"])
    restore = float(events["restore"]) if events.get("restore") is not None else None
    items = sorted(served or [], key=lambda i: i["t"])
    before = [i for i in items if i["t"] < down]
    until = [i for i in items if i["t"] >= down and (restore is None or i["t"] < restore)]
    after_restore = [i for i in items if restore is not None and i["t"] >= restore]
    settled = _settle(until, down, target_region)
    switching = [i for i in until if settled is None or i["t"] < settled]
    settled_items = [i for i in until if settled is not None and i["t"] >= settled]
    back = next((i["t"] for i in after_restore if i["ok"] and i["region"] == target_region), None)
    return {
        "before": _count_by_region(before),
        "switch": _count_by_region(switching),
        "after": _count_by_region(settled_items),
        "restore": _count_by_region(after_restore),
        "failed_in_switch": len([i for i in switching if not i["ok"]]),
        "switch_s": round(settled - down, 3) if settled is not None else None,
        "failed_in_restore": len([i for i in after_restore if not i["ok"]]),
        "restore_s": round(back - restore, 3) if back is not None and restore is not None else None,
        "requests": len(items),
    }


def _ready(pod):
    status = pod.get("status") or {}
    if status.get("phase") != "Running" or (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])


def verify_pods(results, service):
    """From the registered results of a ``kubernetes.core.k8s_info`` loop over ``[region, service]``
    items: ``{"regions": {pod name: region}, "ready": {region: ready Pods}}`` of ``service``."""
    regions, ready = {}, {}
    for result in results or []:
        item = result.get("item") or []
        if len(item) != 2 or item[1] != service:
            continue
        region = item[0]
        ready.setdefault(region, 0)
        for pod in result.get("resources") or []:
            regions[(pod.get("metadata") or {}).get("name")] = region
            if _ready(pod):
                ready[region] += 1
    return {"regions": regions, "ready": ready}


def verify_unavailable(deployments, names=None):
    """The Deployments (of ``names``, when given) whose available replicas are fewer than wanted."""
    out = []
    for dep in deployments or []:
        name = (dep.get("metadata") or {}).get("name")
        if names is not None and name not in names:
            continue
        wanted = int((dep.get("spec") or {}).get("replicas") or 0)
        available = int((dep.get("status") or {}).get("availableReplicas") or 0)
        if available < wanted:
            out.append(name)
    return sorted(out)


def verify_tidy_checks(checks):
    """Checks with one-line details and boolean verdicts (YAML folding leaves line breaks and
    templating leaves strings)."""
    out = []
    for check in checks or []:
        passed = check.get("passed")
        if isinstance(passed, str):
            passed = passed.strip().lower() in ("true", "yes", "1")
        out.append(
            {
                "name": check.get("name"),
                "passed": bool(passed),
                "detail": " ".join(str(check.get("detail") or "").split()),
            }
        )
    return out


class FilterModule:
    def filters(self):
        return {
            "verify_expected_shares": verify_expected_shares,
            "verify_binomial_bound": verify_binomial_bound,
            "verify_share_check": verify_share_check,
            "verify_served": verify_served,
            "verify_failover_summary": verify_failover_summary,
            "verify_pods": verify_pods,
            "verify_counts": verify_counts,
            "verify_unavailable": verify_unavailable,
            "verify_tidy_checks": verify_tidy_checks,
        }
