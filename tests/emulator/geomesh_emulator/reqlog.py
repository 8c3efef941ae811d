"""JSONL request log (one line per API request) in the state dir."""

from __future__ import annotations

import json
import os
import re
import threading
from typing import Any

# Parameter names whose values never reach the log.
SECRET_RE = re.compile(
    r"(password|secret|securitytoken|security_token|kubeconfig|privatekey|private_key|bearer|signature)", re.I
)
# Signing / credential parameters of legacy v1 requests, removed entirely.
DROP_PARAMS = {
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "SignatureType",
    "AccessKeyId",
    "SecurityToken",
    "BearerToken",
    "Timestamp",
    "Format",
}
REDACTED = "<redacted>"


def scrub(value: Any, key: str = "") -> Any:
    if key and SECRET_RE.search(key):
        return REDACTED
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items() if k not in DROP_PARAMS}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


class RequestLog:
    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, sort_keys=False, default=str)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode("utf-8"))
            finally:
                os.close(fd)

    def lines(self) -> list[dict[str, Any]]:
        with self._lock:
            if not os.path.exists(self.path):
                return []
            with open(self.path, encoding="utf-8") as fh:
                return [json.loads(x) for x in fh if x.strip()]

    def raw(self) -> str:
        with self._lock:
            if not os.path.exists(self.path):
                return ""
            with open(self.path, encoding="utf-8") as fh:
                return fh.read()

    def truncate(self) -> None:
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o600)
            os.close(fd)
