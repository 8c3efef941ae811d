"""Lazy status lifecycles: a doc carries a timeline, its status is computed on read."""

from __future__ import annotations

from typing import Any

TIMELINES = "_timelines"
DELETE_AT = "_delete_at"


def set_timeline(doc: dict[str, Any], field: str, steps: list[tuple[str, float]], now: float) -> dict[str, Any]:
    """Record ``[(status, seconds_from_now), ...]`` for ``field`` and resolve it immediately."""
    timelines = doc.setdefault(TIMELINES, {})
    timelines[field] = [[status, now + float(after)] for status, after in steps]
    resolve(doc, now)
    return doc


def resolve(doc: dict[str, Any], now: float) -> dict[str, Any]:
    """Set every timelined field to the latest status whose time has come."""
    for field, steps in (doc.get(TIMELINES) or {}).items():
        current = None
        for status, at in steps:
            if at <= now:
                current = status
        if current is None and steps:
            current = steps[0][0]
        if current is not None:
            doc[field] = current
    return doc


def settle_time(doc: dict[str, Any]) -> float:
    """Time at which all timelines reach their last status."""
    last = 0.0
    for steps in (doc.get(TIMELINES) or {}).values():
        for _status, at in steps:
            last = max(last, at)
    return last


def is_settled(doc: dict[str, Any], now: float) -> bool:
    return settle_time(doc) <= now


def schedule_delete(doc: dict[str, Any], field: str, deleting_status: str, after: float, now: float) -> dict[str, Any]:
    """Status becomes ``deleting_status`` now; the doc disappears once ``after`` seconds passed."""
    timelines = doc.setdefault(TIMELINES, {})
    timelines[field] = [[deleting_status, now]]
    doc[field] = deleting_status
    doc[DELETE_AT] = now + float(after)
    return doc


def is_deleted(doc: dict[str, Any], now: float) -> bool:
    at = doc.get(DELETE_AT)
    return at is not None and at <= now


def is_deleting(doc: dict[str, Any]) -> bool:
    return doc.get(DELETE_AT) is not None
