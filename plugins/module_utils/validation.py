# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks that run before any API call and name the offending field."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import ValidationError

# Zone IDs are the region ID plus a zone letter: "<region>-<letter>" in the Chinese mainland and
# Hong Kong (cn-hangzhou-h), "<region><letter>" elsewhere (ap-southeast-1a). Source: Alibaba Cloud
# "Regions and zones" as reproduced by the KMS "Supported regions and zones" list,
# https://help.aliyun.com/en/kms/key-management-service/product-overview/supported-regions (read
# 2026-12-01). The name only tells a zone of another region; whether the zone exists is asked with
# DescribeZones.
_ZONE_SUFFIX = re.compile(r"-?[a-z]")


def zone_in_region(zone, region) -> bool:
    """Whether a zone ID names a zone of the region (by the naming rule; no API call)."""
    zone, region = str(zone), str(region)
    return zone.startswith(region) and _ZONE_SUFFIX.fullmatch(zone[len(region) :]) is not None


def validate_cidr(field: str, value: str, min_prefix: int = 8, max_prefix: int = 29) -> str:
    """An IPv4 network in canonical form (``20.0.0.0/8``, not ``20.1.0.0/8``)."""
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as err:
        raise ValidationError(field, "%r is not an IPv4 CIDR block in canonical form (%s)" % (value, err)) from err
    if "/" not in str(value):
        raise ValidationError(field, "%r needs a prefix length, like 10.0.0.0/16" % value)
    if not min_prefix <= net.prefixlen <= max_prefix:
        raise ValidationError(
            field, "%s: the prefix length must be between /%d and /%d" % (value, min_prefix, max_prefix)
        )
    return str(net)


def validate_resource_id(field: str, value: str, prefix: str) -> str:
    """An Alibaba Cloud resource ID with its type prefix, e.g. ``vpc-bp1...`` or ``sg-...``."""
    text = "" if value is None else str(value)
    if not re.match(r"^%s-[0-9A-Za-z]+$" % re.escape(prefix), text):
        raise ValidationError(field, "%r is not a resource ID of the form %s-<id>" % (value, prefix))
    return text
