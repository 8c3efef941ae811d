"""Helpers shared by the core products (vpc, ecs, cbn)."""

from __future__ import annotations

import base64
import ipaddress
import json
import time
from typing import Any

from ..errors import ApiError
from ..params import integer
from ..params import tags as tag_params

# Small zone table per region. UNCONFIRMED: a plausible subset of the real zones, enough for
# multi-zone rules (cn-nanjing is deliberately single-zone).
ZONES: dict[str, list[str]] = {
    "cn-hangzhou": ["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"],
    "cn-shanghai": ["cn-shanghai-e", "cn-shanghai-f", "cn-shanghai-g", "cn-shanghai-l"],
    "cn-beijing": ["cn-beijing-h", "cn-beijing-i", "cn-beijing-j"],
    "cn-shenzhen": ["cn-shenzhen-d", "cn-shenzhen-e", "cn-shenzhen-f"],
    "cn-qingdao": ["cn-qingdao-b", "cn-qingdao-c"],
    "cn-zhangjiakou": ["cn-zhangjiakou-a", "cn-zhangjiakou-b", "cn-zhangjiakou-c"],
    "cn-hongkong": ["cn-hongkong-b", "cn-hongkong-c", "cn-hongkong-d"],
    "cn-nanjing": ["cn-nanjing-a"],
    "ap-southeast-1": ["ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"],
    "eu-central-1": ["eu-central-1a", "eu-central-1b"],
    "us-west-1": ["us-west-1a", "us-west-1b"],
}

DEFAULT_RESOURCE_GROUP = "rg-acfmemulator0001"


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def require(p: dict[str, Any], name: str) -> str:
    value = p.get(name)
    if value is None or str(value).strip() == "":
        raise ApiError(
            "MissingParameter",
            f'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
        )
    return str(value)


def check_region(region: str | None, code: str = "InvalidRegionId.NotFound") -> str:
    if not region:
        raise ApiError(
            "MissingParameter",
            'The input parameter "RegionId" that is mandatory for processing this request is not supplied.',
        )
    if region not in ZONES:
        # UNCONFIRMED: exact code/status for an unknown region differs per product.
        raise ApiError(code, f"The specified region {region} does not exist.", status=404)
    return region


def network(cidr: str, code: str = "InvalidCidrBlock.Malformed") -> ipaddress.IPv4Network:
    try:
        # strict: host bits must be zero. UNCONFIRMED whether the real API normalises instead.
        return ipaddress.IPv4Network(str(cidr).strip(), strict=True)
    except (ValueError, ipaddress.AddressValueError, ipaddress.NetmaskValueError) as exc:
        raise ApiError(code, f"Specified CIDR block {cidr!r} is not valid.") from exc


def cidrs_overlap(a: str, b: str) -> bool:
    return ipaddress.ip_network(a, strict=False).overlaps(ipaddress.ip_network(b, strict=False))


# -- paging ------------------------------------------------------------------------------------
def page(p: dict[str, Any], items: list, default_size: int = 10, max_size: int = 50) -> tuple[list, int, int, int]:
    """PageNumber/PageSize paging -> (items of the page, page_number, page_size, total)."""
    number = integer(p, "PageNumber", 1)
    size = integer(p, "PageSize", default_size)
    if number is None or number < 1:
        raise ApiError("InvalidParameter", 'The specified parameter "PageNumber" is not valid.')
    if size is None or size < 1 or size > max_size:
        # UNCONFIRMED: code for an out-of-range PageSize.
        raise ApiError("InvalidParameter", f'The specified parameter "PageSize" must be between 1 and {max_size}.')
    start = (number - 1) * size
    return items[start : start + size], number, size, len(items)


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        pad = "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(token + pad))
        return max(0, int(data["o"]))
    except (ValueError, KeyError, TypeError) as exc:
        # UNCONFIRMED: code for a bad NextToken.
        raise ApiError("InvalidParameter.NextToken", "The specified NextToken is invalid.") from exc


def token_page(
    p: dict[str, Any],
    items: list,
    size_key: str = "MaxResults",
    default_size: int = 20,
    max_size: int = 100,
    min_size: int = 1,
) -> tuple[list, str, int]:
    """NextToken/MaxResults paging -> (items, next_token or "", max_results)."""
    size = integer(p, size_key, default_size)
    if size is None or size < min_size or size > max_size:
        # UNCONFIRMED: code for an out-of-range MaxResults.
        raise ApiError(
            "InvalidParameter", f'The specified parameter "{size_key}" must be between {min_size} and {max_size}.'
        )
    start = decode_token(p.get("NextToken"))
    chunk = items[start : start + size]
    nxt = encode_token(start + size) if start + size < len(items) else ""
    return chunk, nxt, size


# -- tags ---------------------------------------------------------------------------------------
def create_tags(p: dict[str, Any], limit: int = 20) -> list[dict[str, str]]:
    tags = tag_params(p)
    if len(tags) > limit:
        # UNCONFIRMED: code when more tags than allowed are passed.
        raise ApiError("InvalidTagKey.Malformed", f"At most {limit} tags can be specified.")
    for t in tags:
        if t["Key"].lower().startswith(("aliyun", "acs:")):
            raise ApiError("InvalidTagKey.Malformed", "The tag key cannot start with aliyun or acs:.")
        if len(t["Key"]) > 128 or len(t["Value"]) > 128:
            raise ApiError("InvalidTagKey.Malformed", "The tag key or value is too long.")
    merged: dict[str, str] = {}
    for t in tags:
        merged[t["Key"]] = t["Value"]
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def set_tags(doc: dict[str, Any], tags: list[dict[str, str]]) -> None:
    current = {t["Key"]: t["Value"] for t in doc.get("Tags", [])}
    for t in tags:
        current[t["Key"]] = t["Value"]
    doc["Tags"] = [{"Key": k, "Value": v} for k, v in current.items()]


def remove_tags(doc: dict[str, Any], keys: list[str] | None) -> None:
    if keys is None:
        doc["Tags"] = []
    else:
        doc["Tags"] = [t for t in doc.get("Tags", []) if t["Key"] not in keys]


def tags_match(doc: dict[str, Any], wanted: list[dict[str, str]]) -> bool:
    have = {t["Key"]: t["Value"] for t in doc.get("Tags", [])}
    for t in wanted:
        if t["Key"] not in have:
            return False
        if t.get("Value") not in (None, "") and have[t["Key"]] != t["Value"]:
            return False
    return True


def referrers(ctx, rid: str, skip_kinds: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Docs of any kind whose ``_refs`` list names ``rid`` (dependency convention, see INTERFACE.md)."""
    out = []
    for kind in ctx.store.kinds():
        if kind in skip_kinds:
            continue
        for doc in ctx.store.list(kind):
            if rid in (doc.get("_refs") or []):
                out.append(doc)
    return out


def split_ids(value: Any) -> list[str]:
    """Comma-separated or JSON-array id list parameter."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    s = str(value).strip()
    if s.startswith("["):
        try:
            return [str(v) for v in json.loads(s)]
        except ValueError:
            pass
    return [x.strip() for x in s.split(",") if x.strip()]
