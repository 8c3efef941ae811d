# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the preflight role: each turns the registered result of a read-only module into
rows of the preflight table (pass, fail or unknown, with what to do), and the table itself.

A row: ``{status, check, subject, detail, fix}``. A module that failed (the role registers with
``failed_when: false``) gives ``unknown`` with the API's error, except where the error itself is
the answer (a region that does not exist)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

STATUSES = ("fail", "unknown", "pass")
ERROR_WIDTH = 160
# the documented default of custom route entries per VPC route table (cen-routing.md): quotas are
# raised, not lowered, so a plan within it fits; beyond it only the account's quota can tell
ROUTE_ENTRIES_DEFAULT = 200
CREDENTIALS_FIX = (
    "set working credentials (ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET, or the "
    "Alibaba Cloud credential of the AWX job template) and check that the AccessKey is enabled"
)


def _row(status, check, subject, detail, fix=""):
    return {
        "status": status,
        "check": check,
        "subject": subject,
        "detail": detail,
        "fix": fix if status != "pass" else "",
    }


def _result(value, name):
    if not isinstance(value, dict):
        raise AnsibleFilterError("%s: expected a registered module result, got %r" % (name, value))
    return value


def _error(result) -> str:
    """The API's error in one line: its code and the first line of its message, at most 160 characters."""
    error = result.get("error") or {}
    if isinstance(error, dict) and error.get("code"):
        text = "%s: %s" % (error["code"], error.get("message") or "")
    else:
        text = str(result.get("msg") or "the module failed")
    text = text.strip().splitlines()[0] if text.strip() else text
    return text if len(text) <= ERROR_WIDTH else text[: ERROR_WIDTH - 3] + "..."


def _unknown(check, subject, result, fix):
    return _row("unknown", check, subject, _error(result), fix)


def preflight_identity_row(result):
    """The credentials: who they are (M(sts_caller_identity_info)), or why they do not work."""
    result = _result(result, "preflight_identity_row")
    caller = result.get("caller")
    if not caller:
        return _row("fail", "credentials", "AccessKey", _error(result), CREDENTIALS_FIX)
    detail = "%s (account %s, %s)" % (caller.get("arn"), caller.get("account_id"), caller.get("identity_type"))
    return _row("pass", "credentials", "AccessKey", detail)


def preflight_role_rows(result, required):
    """One row per required role: ``required`` is a list of ``{service, names, fix}``."""
    result = _result(result, "preflight_role_rows")
    rows = []
    found = {role.get("role_name") for role in result.get("roles") or []}
    for need in required or []:
        for name in need.get("names") or []:
            subject = "%s (%s)" % (name, need["service"]) if need.get("service") else name
            if "missing" not in result:
                fix = "allow ram:GetRole to this identity, or check the role by hand"
                rows.append(_unknown("service role", subject, result, fix))
            elif name in found:
                rows.append(_row("pass", "service role", subject, "exists"))
            else:
                rows.append(_row("fail", "service role", subject, "the account has no such role", need.get("fix", "")))
    return rows


def _region_missing(result) -> bool:
    # InvalidRegionId.NotFound, IllegalParam.RegionId, ...: the codes differ per product
    return "regionid" in str((result.get("error") or {}).get("code") or "").lower()


def preflight_zone_rows(zones_result, tr_result, host, region, planned_zones, attached_zones):
    """The region, each planned zone, and transit router support in the zones the VPC attachment maps."""
    zones_result = _result(zones_result, "preflight_zone_rows")
    tr_result = _result(tr_result, "preflight_zone_rows")
    subject = "%s (%s)" % (region, host)
    if "zones" not in zones_result:
        if _region_missing(zones_result):
            return [
                _row(
                    "fail",
                    "region",
                    subject,
                    _error(zones_result),
                    "use a region ID of the account (vpc_region_info lists them)",
                )
            ]
        return [_unknown("region", subject, zones_result, "allow vpc:DescribeZones to this identity")]
    rows = [_row("pass", "region", subject, "%d zones" % len(zones_result["zones"]))]
    zones = [zone.get("zone_id") for zone in zones_result["zones"]]
    wrong = [zone for zone in _unique(planned_zones) if zone not in zones]
    if wrong:
        rows.append(
            _row(
                "fail",
                "zones",
                subject,
                "not zones of %s: %s" % (region, ", ".join(wrong)),
                "use zones of: %s" % ", ".join(zones),
            )
        )
    else:
        rows.append(_row("pass", "zones", subject, ", ".join(_unique(planned_zones)) or "no zone planned"))
    attached = [zone for zone in _unique(attached_zones) if zone in zones]
    if "available_zones" not in tr_result:
        rows.append(
            _unknown(
                "transit router zones",
                subject,
                tr_result,
                "allow cen:ListTransitRouterAvailableResource to this identity",
            )
        )
        return rows
    unsupported = [zone for zone in attached if zone not in tr_result["available_zones"]]
    if unsupported:
        rows.append(
            _row(
                "fail",
                "transit router zones",
                subject,
                "no transit router attachment in: %s" % ", ".join(unsupported),
                "move those vSwitches (geomesh_vswitches) to zones that support it: %s"
                % (", ".join(tr_result["available_zones"]) or "none in this region"),
            )
        )
    else:
        rows.append(_row("pass", "transit router zones", subject, ", ".join(attached) or "no zone planned"))
    return rows


def preflight_version_row(result, host, what, asked):
    """The Kubernetes or Istio version a plan asks for (M(ack_version_info), M(asm_version_info))."""
    result = _result(result, "preflight_version_row")
    subject = "%s %s (%s)" % (what, asked or "newest", host)
    if "versions" not in result:
        return _unknown("version offered", subject, result, "allow the version read to this identity")
    offered = [v.get("version") for v in result["versions"] if v.get("creatable", True)]
    if result.get("resolved_version"):
        return _row("pass", "version offered", subject, "resolves to %s" % result["resolved_version"])
    return _row(
        "fail",
        "version offered",
        subject,
        "not offered" if asked else "nothing offered",
        "ask for one of: %s" % (", ".join(offered[:6]) or "none"),
    )


def preflight_quota_rows(quota_result, clusters_result, clusters, vpc_count):
    """ACK clusters and nodes against the account's quotas, and route entries against the default.

    ``clusters``: the plan's clusters, ``[{name, node_count, network_plugin}]``; ``vpc_count``: the
    VPCs of the plan (each learns every other's routes through the transit routers)."""
    quota_result = _result(quota_result, "preflight_quota_rows")
    clusters_result = _result(clusters_result, "preflight_quota_rows")
    rows = []
    fix_unknown = "allow cs:DescribeUserQuota and cs:DescribeClustersV1 to this identity"
    quota = quota_result.get("quota")
    if not quota or "clusters" not in clusters_result:
        failed = quota_result if not quota else clusters_result
        rows.append(_unknown("quota", "ACK clusters", failed, fix_unknown))
        rows.append(
            _unknown(
                "quota", "ACK nodes per cluster", quota_result if not quota else {"msg": "not checked"}, fix_unknown
            )
        )
    else:
        existing = {cluster.get("name") for cluster in clusters_result["clusters"]}
        new = [c["name"] for c in clusters if c.get("name") not in existing]
        limit = quota.get("cluster_quota")
        subject = "ACK clusters"
        if limit is None:
            rows.append(
                _row(
                    "unknown",
                    "quota",
                    subject,
                    "DescribeUserQuota gave no cluster_quota",
                    "check the ACK quota in Quota Center",
                )
            )
        else:
            detail = "%d new + %d existing of %d" % (len(new), len(existing), limit)
            if len(new) + len(existing) > limit:
                rows.append(
                    _row(
                        "fail",
                        "quota",
                        subject,
                        detail,
                        "raise the ACK cluster quota (Quota Center) or delete clusters",
                    )
                )
            else:
                rows.append(_row("pass", "quota", subject, detail))
        limit = quota.get("node_quota")
        most = max([int(c.get("node_count") or 0) for c in clusters] or [0])
        if limit is None:
            rows.append(
                _row(
                    "unknown",
                    "quota",
                    "ACK nodes per cluster",
                    "DescribeUserQuota gave no node_quota",
                    "check the ACK quota in Quota Center",
                )
            )
        elif most > limit:
            rows.append(
                _row(
                    "fail",
                    "quota",
                    "ACK nodes per cluster",
                    "%d planned, quota %d" % (most, limit),
                    "raise the ACK node quota or plan fewer nodes",
                )
            )
        else:
            rows.append(_row("pass", "quota", "ACK nodes per cluster", "%d planned, quota %d" % (most, limit)))
    flannel_nodes = sum(
        int(c.get("node_count") or 0) for c in clusters if (c.get("network_plugin") or "flannel") == "flannel"
    )
    needed = flannel_nodes + max(int(vpc_count) - 1, 0)
    subject = "VPC route entries per table"
    detail = "up to %d (Flannel node routes of every cluster, one route per other VPC)" % needed
    if needed <= ROUTE_ENTRIES_DEFAULT:
        rows.append(_row("pass", "quota", subject, detail + ", default quota %d" % ROUTE_ENTRIES_DEFAULT))
    else:
        rows.append(
            _row(
                "unknown",
                "quota",
                subject,
                detail + ", more than the default %d; no API here reads the account's quota" % ROUTE_ENTRIES_DEFAULT,
                "check the VPC route entry quota in Quota Center, or plan fewer Flannel nodes",
            )
        )
    return rows


def _unique(values):
    return list(dict.fromkeys(v for v in values or [] if v))


def preflight_table(rows):
    """The rows as lines of a table (failures first, then unknown, then passes), and a summary line."""
    if not isinstance(rows, list):
        raise AnsibleFilterError("preflight_table: expected a list of rows, got %r" % (rows,))
    for row in rows:
        if not isinstance(row, dict) or row.get("status") not in STATUSES:
            raise AnsibleFilterError("preflight_table: not a preflight row: %r" % (row,))
    ordered = sorted(rows, key=lambda r: STATUSES.index(r["status"]))
    head = ("STATUS", "CHECK", "SUBJECT", "DETAIL")
    cells = [
        (r["status"].upper(), r["check"], r["subject"], r["detail"] + (" -> " + r["fix"] if r.get("fix") else ""))
        for r in ordered
    ]
    widths = [max([len(head[i])] + [len(c[i]) for c in cells]) for i in range(3)]

    def line(values):
        return "  ".join(v.ljust(widths[i]) for i, v in enumerate(values[:3])) + "  " + values[3]

    counts = {status: sum(1 for r in rows if r["status"] == status) for status in STATUSES}
    summary = "%d pass, %d fail, %d unknown" % (counts["pass"], counts["fail"], counts["unknown"])
    return [line(head)] + [line(c) for c in cells] + [summary]


class FilterModule:
    def filters(self):
        return {
            "preflight_identity_row": preflight_identity_row,
            "preflight_role_rows": preflight_role_rows,
            "preflight_zone_rows": preflight_zone_rows,
            "preflight_version_row": preflight_version_row,
            "preflight_quota_rows": preflight_quota_rows,
            "preflight_table": preflight_table,
        }
