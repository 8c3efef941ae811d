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

# -- regions and zones ----------------------------------------------------------------------------
# The region and zone table, read on 2026-12-01 (search tool, corpus docs) from Alibaba Cloud's
# published lists. The general "Regions and zones" page
# (https://www.alibabacloud.com/help/en/ecs/product-overview/regions-and-zones) was found but its
# table could not be read through the tool, so the zones come from the per-product lists that
# reproduce it, with zone IDs spelled out:
#   [KMS] "Regions and zones", Key Management Service (zone IDs of every mainland region):
#         https://help.aliyun.com/zh/kms/key-management-service/product-overview/supported-regions
#         https://help.aliyun.com/en/kms/key-management-service/product-overview/supported-regions
#   [ECI] "Regions and zones supported by ECI" (zone names and IDs):
#         https://help.aliyun.com/en/eci/product-overview/regions-and-zones
#   [MDB] "Supported regions and zones", ApsaraDB for MongoDB (zone letters of the international
#         regions): https://help.aliyun.com/en/mongodb/user-guide/region-and-zone-restrictions
#   [TAG] region IDs and names of the Tag endpoint list:
#         https://www.alibabacloud.com/help/en/resource-management/tag/developer-reference/api-tag-2018-08-28-endpoint
# A product list may omit a zone the product does not sell, so a region may have more zones than
# listed here (the emulator then refuses a real zone; add it with its source). Zone IDs marked
# UNCONFIRMED below are spelled from a documented zone letter and the documented
# "<region-id><letter>" pattern of the international regions (ap-southeast-1a, [KMS]).
# Zone local names ("Hangzhou Zone H") follow the [ECI] naming.
REGIONS: dict[str, dict[str, Any]] = {
    # Chinese mainland
    "cn-qingdao": {"LocalName": "China (Qingdao)", "Zones": "bc"},  # [KMS] [ECI]
    "cn-beijing": {"LocalName": "China (Beijing)", "Zones": "cdefghijkl"},  # [KMS] [ECI]
    "cn-zhangjiakou": {"LocalName": "China (Zhangjiakou)", "Zones": "abc"},  # [KMS] [ECI]
    "cn-huhehaote": {"LocalName": "China (Hohhot)", "Zones": "ab"},  # [KMS]
    "cn-wulanchabu": {"LocalName": "China (Ulanqab)", "Zones": "abc"},  # [KMS]
    "cn-hangzhou": {"LocalName": "China (Hangzhou)", "Zones": "befghijk"},  # [KMS] e-k, [ECI] b
    "cn-shanghai": {"LocalName": "China (Shanghai)", "Zones": "abcdefgklmn"},  # [KMS], [ECI] k
    "cn-shenzhen": {"LocalName": "China (Shenzhen)", "Zones": "bcdef"},  # [KMS]
    "cn-heyuan": {"LocalName": "China (Heyuan)", "Zones": "ab"},  # [KMS]
    "cn-guangzhou": {"LocalName": "China (Guangzhou)", "Zones": "ab"},  # [KMS]
    "cn-chengdu": {"LocalName": "China (Chengdu)", "Zones": "ab"},  # [KMS]
    # Region from [TAG]; UNCONFIRMED: its zones (one zone, cn-nanjing-a, is assumed: a local region).
    "cn-nanjing": {"LocalName": "China (Nanjing - Local Region)", "Zones": "a"},
    "cn-hongkong": {"LocalName": "China (Hong Kong)", "Zones": "bcd"},  # [KMS]
    # international
    "ap-southeast-1": {"LocalName": "Singapore", "Zones": "abcd"},  # [KMS] a-c; [MDB] D, UNCONFIRMED id
    "ap-southeast-3": {"LocalName": "Malaysia (Kuala Lumpur)", "Zones": "abc"},  # [KMS] a-b; [MDB] C, UNCONFIRMED id
    "ap-southeast-5": {"LocalName": "Indonesia (Jakarta)", "Zones": "abc"},  # [MDB] letters, UNCONFIRMED ids
    "ap-northeast-1": {"LocalName": "Japan (Tokyo)", "Zones": "abcde"},  # [MDB] letters, UNCONFIRMED ids
    "us-west-1": {"LocalName": "US (Silicon Valley)", "Zones": "ab"},  # [MDB] letters, UNCONFIRMED ids
    "us-east-1": {"LocalName": "US (Virginia)", "Zones": "ab"},  # [MDB] letters, UNCONFIRMED ids
    "eu-central-1": {"LocalName": "Germany (Frankfurt)", "Zones": "abc"},  # [MDB] letters, UNCONFIRMED ids
    "eu-west-1": {"LocalName": "UK (London)", "Zones": "ab"},  # [MDB] letters, UNCONFIRMED ids
}


def _zone_id(region: str, letter: str) -> str:
    # Mainland and Hong Kong zones are "<region>-<letter>" (cn-hangzhou-h); the international ones
    # "<region><letter>" (ap-southeast-1a) [KMS].
    return f"{region}-{letter}" if region.startswith("cn-") else f"{region}{letter}"


def _city(local_name: str) -> str:
    # "China (Hangzhou)" -> "Hangzhou", "China (Nanjing - Local Region)" -> "Nanjing", "Singapore".
    inner = local_name.split("(", 1)[1].rstrip(")") if "(" in local_name else local_name
    return inner.split(" - ", 1)[0]


ZONES: dict[str, list[str]] = {r: [_zone_id(r, z) for z in info["Zones"]] for r, info in REGIONS.items()}
ZONE_NAMES: dict[str, str] = {
    _zone_id(r, z): f"{_city(info['LocalName'])} Zone {z.upper()}" for r, info in REGIONS.items() for z in info["Zones"]
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
