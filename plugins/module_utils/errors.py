# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One error type for every Alibaba Cloud API failure the collection reports."""

from __future__ import annotations

import re

_SDK_MESSAGE = re.compile(r"^code: (\d{3}), (.*?)(?: request id: (\S+))?$", re.DOTALL)


class AlicloudError(Exception):
    """An API call failed: carries the code, message, request id and HTTP status."""

    def __init__(self, code, message, request_id=None, status_code=None, action=None, retry_after_ms=None):
        super().__init__(message)
        self.code = code or "Unknown"
        self.message = message or ""
        self.request_id = request_id
        self.status_code = status_code
        self.action = action
        self.retry_after_ms = retry_after_ms

    def __str__(self):
        where = " calling %s" % self.action if self.action else ""
        return "%s%s: %s (HTTP %s, request id %s)" % (
            self.code,
            where,
            self.message,
            self.status_code if self.status_code is not None else "n/a",
            self.request_id or "n/a",
        )

    def to_dict(self):
        return {
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "status_code": self.status_code,
            "action": self.action,
        }

    @property
    def is_not_found(self):
        code = self.code or ""
        return (
            self.status_code == 404
            or code.endswith(".NotFound")
            or code in ("NotFound", "InstanceNotFound", "ErrorClusterNotFound")
        )


class WaiterError(AlicloudError):
    """A waiter gave up: the resource reached a failure state or the timeout passed."""

    def __init__(self, message, last=None, code="WaiterTimeout"):
        super().__init__(code, message)
        self.last = last


class ValidationError(Exception):
    """Input the collection can reject before any API call; names the offending field."""

    def __init__(self, field, message):
        super().__init__("%s: %s" % (field, message))
        self.field = field


def from_sdk_exception(exc, action=None):
    """Convert any exception raised by a Tea SDK call into an AlicloudError.

    Tea errors (ClientException, ServerException, ThrottlingException, TeaException) carry
    ``code``/``message``/``request_id``/``status_code`` (or ``data['statusCode']``);
    network and credential failures raise UnretryableException with ``inner_exception``.
    """
    if isinstance(exc, AlicloudError):
        return exc
    code = getattr(exc, "code", None)
    status = getattr(exc, "status_code", None)
    request_id = getattr(exc, "request_id", None)
    data = getattr(exc, "data", None)
    message = None
    if isinstance(data, dict):
        status = status or data.get("statusCode")
        message = data.get("Message") or data.get("message")
        request_id = request_id or data.get("RequestId") or data.get("requestId")
        code = code or data.get("Code") or data.get("code")
    raw = getattr(exc, "message", None) or str(exc)
    if message is None and isinstance(raw, str):
        match = _SDK_MESSAGE.match(raw)
        if match:
            status = status or int(match.group(1))
            message = match.group(2)
            request_id = request_id or match.group(3)
        else:
            message = raw
    inner = getattr(exc, "inner_exception", None)
    if code is None:
        if inner is not None:
            code = "CredentialError" if "credential" in type(inner).__name__.lower() else "NetworkError"
            message = "%s: %s" % (type(inner).__name__, inner)
        else:
            code = type(exc).__name__
    retry_after = getattr(exc, "retry_after", None)
    try:
        status = int(status) if status is not None else None
    except (TypeError, ValueError):
        status = None
    return AlicloudError(code, message, request_id, status, action, retry_after)
