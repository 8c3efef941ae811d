"""Request authentication: ACS3-HMAC-SHA256 (SDK default) and legacy RPC v1 HMAC-SHA1.

Mirrors ``alibabacloud_tea_openapi.utils`` (tea-openapi 0.4.6):

* V3 canonical request = ``METHOD\\nPATH\\nCANONICAL_QUERY\\nCANONICAL_HEADERS\\nSIGNED_HEADERS\\nHEX(SHA256(body))``
  where the canonical query sorts keys and encodes values with ``quote(v, safe="~")`` (keys
  are not encoded), canonical headers are ``lower(name):trim(value)\\n`` for every header named
  in ``SignedHeaders`` (the SDK signs all headers it set itself, including ``host``), and the
  string to sign is ``ACS3-HMAC-SHA256\\nHEX(SHA256(canonical_request))``; the signature is
  ``HEX(HMAC-SHA256(secret, string_to_sign))``.
* V1 (``Config(signature_algorithm="v2")`` for RPC): every query and form parameter except
  ``Signature``, sorted, ``quote(k)=quote(v)`` joined by ``&``; string to sign
  ``METHOD&%2F&quote_plus(canonical)``; signature ``BASE64(HMAC-SHA1(secret + "&", sts))``.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from .errors import ApiError

DEFAULT_ACCESS_KEY_ID = "LTAIemulatorKey0001"
DEFAULT_ACCESS_KEY_SECRET = "emulator-secret-0001"
DEFAULT_ACCOUNT_ID = "1234567890123456"
DEFAULT_STS_ACCESS_KEY_ID = "STS.emulatorStsKey0001"
DEFAULT_STS_ACCESS_KEY_SECRET = "emulator-sts-secret-0001"
DEFAULT_STS_TOKEN = "emulator-sts-token-0001"

# Maximum clock skew between x-acs-date / Timestamp and the server, as documented (15 minutes).
MAX_SKEW_S = 15 * 60
V3_ALGORITHM = "ACS3-HMAC-SHA256"
# Headers that, when present, must be covered by the signature (Alibaba's V3 doc: "all common
# request headers except Authorization must be signed when present").
MUST_SIGN = ("host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")


@dataclass
class AccessKey:
    access_key_id: str
    access_key_secret: str
    account_id: str = DEFAULT_ACCOUNT_ID
    security_token: str | None = None  # set for STS keys (access_key_id starts with "STS.")
    expiration: float | None = None  # epoch seconds, STS keys only
    enabled: bool = True

    @property
    def is_sts(self) -> bool:
        return self.access_key_id.startswith("STS.") or self.security_token is not None

    @classmethod
    def from_dict(cls, data: dict) -> "AccessKey":
        return cls(
            access_key_id=str(data["access_key_id"]),
            access_key_secret=str(data["access_key_secret"]),
            account_id=str(data.get("account_id") or DEFAULT_ACCOUNT_ID),
            security_token=data.get("security_token"),
            expiration=data.get("expiration"),
            enabled=bool(data.get("enabled", True)),
        )


def default_keys() -> dict[str, AccessKey]:
    keys = [
        AccessKey(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET),
        AccessKey(DEFAULT_STS_ACCESS_KEY_ID, DEFAULT_STS_ACCESS_KEY_SECRET, security_token=DEFAULT_STS_TOKEN),
    ]
    return {k.access_key_id: k for k in keys}


class NonceCache:
    """Remembers signature nonces for the skew window to reject replays."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}
        self._last_sweep = 0.0

    def check_and_add(self, nonce: str, now: float) -> bool:
        with self._lock:
            if now - self._last_sweep > 60:
                cutoff = now - 2 * MAX_SKEW_S
                self._seen = {k: v for k, v in self._seen.items() if v >= cutoff}
                self._last_sweep = now
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
            return True


def _err_signature(string_to_sign: str) -> ApiError:
    return ApiError(
        "SignatureDoesNotMatch",
        f"Specified signature does not match our calculation. server string to sign is:{string_to_sign}",
        status=400,
    )


def _parse_time(value: str) -> float | None:
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return float(calendar.timegm(time.strptime(value, fmt)))
        except ValueError:
            continue
    return None


def _check_time(value: str | None, now: float, name: str) -> None:
    if not value:
        # UNCONFIRMED: code for a missing x-acs-date / Timestamp.
        raise ApiError(
            "MissingParameter",
            f'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
        )
    ts = _parse_time(value)
    if ts is None:
        # UNCONFIRMED: code for a malformed date (documented for v1 as InvalidTimeStamp.Format).
        raise ApiError("InvalidTimeStamp.Format", f"Specified time stamp or date value is not well formatted: {value}.")
    if abs(now - ts) > MAX_SKEW_S:
        raise ApiError("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")


def _lookup_key(keys: dict[str, AccessKey], akid: str, token: str | None, now: float) -> AccessKey:
    key = keys.get(akid)
    if key is None:
        raise ApiError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", status=404)
    if not key.enabled:
        # UNCONFIRMED: HTTP status for a disabled key (400 assumed).
        raise ApiError("InvalidAccessKeyId.Inactive", "Specified access key is disabled.", status=400)
    if key.is_sts:
        if not token:
            raise ApiError("MissingSecurityToken", "SecurityToken is mandatory for this action.", status=400)
        if not hmac.compare_digest(token, key.security_token or ""):
            # UNCONFIRMED: which InvalidSecurityToken.* code a wrong token gets (Malformed for
            # garbage, MismatchWithAccessKey for a valid token of another key); we use the latter.
            raise ApiError(
                "InvalidSecurityToken.MismatchWithAccessKey",
                "Specified SecurityToken mismatch with the AccessKey.",
                status=400,
            )
        if key.expiration is not None and now >= key.expiration:
            raise ApiError("InvalidSecurityToken.Expired", "Specified SecurityToken is expired.", status=400)
    return key


def canonical_query(query: dict[str, str]) -> str:
    parts = []
    for k in sorted(query):
        v = query[k]
        if v is None:
            continue
        parts.append(f"{k}={quote(v, safe='~', encoding='utf-8')}")
    return "&".join(parts)


def parse_authorization(value: str) -> tuple[str, dict[str, str]]:
    algo, _sep, rest = value.strip().partition(" ")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, val = part.strip().partition("=")
        if sep:
            fields[name.strip()] = val.strip()
    return algo, fields


def verify_v3(
    method: str,
    raw_path: str,
    query: dict[str, str],
    headers: dict[str, list[str]],
    body: bytes,
    keys: dict[str, AccessKey],
    nonces: NonceCache | None,
    now: float,
) -> AccessKey:
    """Verify an ACS3-HMAC-SHA256 request. ``headers`` maps lower-case names to value lists."""
    auth = (headers.get("authorization") or [""])[0]
    algo, fields = parse_authorization(auth)
    if algo != V3_ALGORITHM:
        # UNCONFIRMED: code for an unsupported V3 algorithm (e.g. ACS3-HMAC-SM3 is real but not emulated).
        raise ApiError("InvalidSignatureMethod", f"Specified signature method {algo!r} is not supported.")
    akid = fields.get("Credential", "")
    signed = fields.get("SignedHeaders", "")
    signature = fields.get("Signature", "")
    if not akid or not signed or not signature:
        # UNCONFIRMED: code for a malformed Authorization header.
        raise ApiError("IncompleteSignature", "The request signature does not conform to Aliyun standards.")
    token = (headers.get("x-acs-security-token") or [None])[0]
    key = _lookup_key(keys, akid, token, now)
    header_akid = (headers.get("x-acs-accesskey-id") or [None])[0]
    if header_akid is not None and header_akid != akid:
        # UNCONFIRMED: code when x-acs-accesskey-id differs from the Authorization credential.
        raise ApiError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", status=404)

    signed_names = [h.strip().lower() for h in signed.split(";") if h.strip()]
    for must in MUST_SIGN:
        if must in headers and must not in signed_names:
            # UNCONFIRMED: code when a common header is present but not signed.
            raise ApiError(
                "IncompleteSignature",
                f"The request signature does not conform to Aliyun standards: header {must} is not signed.",
            )
    _check_time((headers.get("x-acs-date") or [None])[0], now, "x-acs-date")

    payload_hash = hashlib.sha256(body).hexdigest()
    sent_hash = (headers.get("x-acs-content-sha256") or [None])[0]
    canon_headers = ""
    for name in sorted(set(signed_names)):
        values = headers.get(name)
        if values is None:
            values = []
        canon_headers += f"{name}:{','.join(sorted(v.strip() for v in values))}\n"
    canon_request = "\n".join(
        [
            method.upper(),
            raw_path or "/",
            canonical_query(query),
            canon_headers,
            ";".join(sorted(set(signed_names))),
            payload_hash,
        ]
    )
    string_to_sign = f"{V3_ALGORITHM}\n{hashlib.sha256(canon_request.encode('utf-8')).hexdigest()}"
    expected = hmac.new(
        key.access_key_secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    if sent_hash is not None and sent_hash.lower() != payload_hash:
        # UNCONFIRMED: a body that does not match x-acs-content-sha256 is reported as a signature mismatch.
        raise _err_signature(string_to_sign)
    if not hmac.compare_digest(expected, signature.lower()):
        raise _err_signature(string_to_sign)
    nonce = (headers.get("x-acs-signature-nonce") or [None])[0]
    if nonce and nonces is not None and not nonces.check_and_add(nonce, now):
        raise ApiError("SignatureNonceUsed", "Specified signature nonce was used already.")
    return key


def rpc_v1_signature(params: dict[str, str], method: str, secret: str) -> tuple[str, str]:
    """Return ``(signature, string_to_sign)`` exactly as ``Utils.get_rpcsignature`` computes it."""
    canon = ""
    for k in sorted(params):
        v = params[k]
        if v is None:
            continue
        canon += f"&{quote(k, safe='~', encoding='utf-8')}={quote(v, safe='~', encoding='utf-8')}"
    string_to_sign = f"{method.upper()}&%2F&{quote_plus(canon[1:], safe='~', encoding='utf-8')}"
    digest = hmac.new((secret + "&").encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("utf-8"), string_to_sign


def verify_v1(
    method: str, params: dict[str, str], keys: dict[str, AccessKey], nonces: NonceCache | None, now: float
) -> AccessKey:
    """Verify a legacy RPC request; ``params`` are query + form parameters including ``Signature``."""
    signature = params.get("Signature")
    akid = params.get("AccessKeyId")
    if not signature or not akid:
        raise ApiError("IncompleteSignature", "The request signature does not conform to Aliyun standards.")
    if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1":
        raise ApiError("InvalidSignatureMethod", "Specified signature method is not supported.")
    if params.get("SignatureVersion", "1.0") != "1.0":
        raise ApiError("InvalidSignatureVersion", "Specified signature version is not supported.")
    key = _lookup_key(keys, akid, params.get("SecurityToken"), now)
    _check_time(params.get("Timestamp"), now, "Timestamp")
    signed = {k: v for k, v in params.items() if k != "Signature"}
    expected, string_to_sign = rpc_v1_signature(signed, method, key.access_key_secret)
    if not hmac.compare_digest(expected, signature):
        raise _err_signature(string_to_sign)
    nonce = params.get("SignatureNonce")
    if nonce and nonces is not None and not nonces.check_and_add(nonce, now):
        raise ApiError("SignatureNonceUsed", "Specified signature nonce was used already.")
    return key
