# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS (2014-05-26) wrappers for security group rules: plain dicts in, plain dicts out."""

from __future__ import annotations

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError

SECURITY_GROUP_NOT_FOUND = ("InvalidSecurityGroupId.NotFound", "InvalidSecurityGroupId.Malformed")
# UNCONFIRMED: the code RevokeSecurityGroup returns for a rule id that no longer exists.
RULE_NOT_FOUND = ("InvalidSecurityGroupRuleId.NotFound", "InvalidSecurityGroupRule.NotFound")
MAX_PERMISSIONS_PER_CALL = 100
PAGE_SIZE = 1000

# The fields that make a rule unique for the API (AuthorizeSecurityGroup is a no-op for an existing
# tuple); Priority and Description are attributes of the rule and can be modified in place.
RULE_KEY_FIELDS = ("ip_protocol", "port_range", "source_cidr_ip", "policy", "nic_type")


def describe_security_group(client, region: str, security_group_id: str, direction: str = "all") -> dict | None:
    """DescribeSecurityGroupAttribute with every page of rules under ``Permissions``; None when not found."""
    permissions = []
    token = None
    body = {}
    for _page in range(1000):
        params = {"RegionId": region, "SecurityGroupId": security_group_id, "MaxResults": PAGE_SIZE}
        if direction:
            params["Direction"] = direction
        if token:
            params["NextToken"] = token
        try:
            body = client.call("DescribeSecurityGroupAttribute", **params)
        except AlicloudError as err:
            if err.code in SECURITY_GROUP_NOT_FOUND or err.is_not_found:
                return None
            raise
        permissions.extend((body.get("Permissions") or {}).get("Permission") or [])
        token = body.get("NextToken")
        if not token:
            break
    result = {k: v for k, v in body.items() if k not in ("Permissions", "NextToken", "RequestId")}
    result["Permissions"] = permissions
    return result


def normalize_rule(permission: dict) -> dict:
    """A DescribeSecurityGroupAttribute permission, snake_cased; protocol, policy and NIC type lower-cased
    (the API returns e.g. C(TCP) and C(Accept)), priority as an int."""
    priority = permission.get("Priority")
    try:
        priority = int(priority) if priority not in (None, "") else None
    except (TypeError, ValueError):
        pass
    return {
        "security_group_rule_id": permission.get("SecurityGroupRuleId"),
        "direction": (permission.get("Direction") or "").lower() or None,
        "ip_protocol": (permission.get("IpProtocol") or "").lower() or None,
        "port_range": permission.get("PortRange"),
        "source_cidr_ip": permission.get("SourceCidrIp") or None,
        "source_group_id": permission.get("SourceGroupId") or None,
        "dest_cidr_ip": permission.get("DestCidrIp") or None,
        "policy": (permission.get("Policy") or "").lower() or None,
        "priority": priority,
        "nic_type": (permission.get("NicType") or "").lower() or None,
        "description": permission.get("Description") or "",
        "create_time": permission.get("CreateTime"),
    }


# API defaults, used when a described rule leaves the field out
KEY_DEFAULTS = {"policy": "accept", "nic_type": "intranet"}


def rule_key(rule: dict) -> tuple:
    """The identity of a normalized rule: what AuthorizeSecurityGroup considers the same rule."""
    return tuple(str(rule.get(field) or KEY_DEFAULTS.get(field, "")).lower() for field in RULE_KEY_FIELDS)


def to_permission(rule: dict) -> dict:
    """A normalized desired rule as an AuthorizeSecurityGroup ``Permissions.N`` entry."""
    permission = {
        "IpProtocol": rule["ip_protocol"],
        "PortRange": rule["port_range"],
        "SourceCidrIp": rule["source_cidr_ip"],
        "Policy": rule["policy"],
        "Priority": str(rule["priority"]),
        "NicType": rule["nic_type"],
    }
    if rule.get("description"):
        permission["Description"] = rule["description"]
    return permission


def chunks(items: list, size: int) -> list:
    return [items[start : start + size] for start in range(0, len(items), size)]


def group_call(client, action: str, region: str, security_group_id: str, token: str, **params) -> None:
    """A write call on one security group: every one carries RegionId, SecurityGroupId and a ClientToken."""
    client.call(action, RegionId=region, SecurityGroupId=security_group_id, ClientToken=token, **params)


def authorize_ingress(client, region: str, security_group_id: str, rules: list, token) -> None:
    """AuthorizeSecurityGroup with up to 100 ``Permissions`` per call; ``token(batch)`` gives the ClientToken."""
    for batch in chunks([to_permission(rule) for rule in rules], MAX_PERMISSIONS_PER_CALL):
        group_call(client, "AuthorizeSecurityGroup", region, security_group_id, token(batch), Permissions=batch)


def revoke_rules(client, region: str, security_group_id: str, rule_ids: list, token) -> None:
    """RevokeSecurityGroup by ``SecurityGroupRuleId.N``, up to 100 per call; a rule already gone is done."""

    def revoke(batch):
        group_call(client, "RevokeSecurityGroup", region, security_group_id, token(batch), SecurityGroupRuleId=batch)

    for batch in chunks(sorted(rule_ids), MAX_PERMISSIONS_PER_CALL):
        try:
            revoke(batch)
        except AlicloudError as err:
            if err.code not in RULE_NOT_FOUND:
                raise
            # one id of the batch is gone already: revoke the others one by one
            for rule_id in batch:
                try:
                    revoke([rule_id])
                except AlicloudError as inner:
                    if inner.code not in RULE_NOT_FOUND:
                        raise


def modify_rule(client, region: str, security_group_id: str, rule_id: str, rule: dict, token) -> None:
    """ModifySecurityGroupRule by rule id: sends the rule's unchanged tuple with the new priority and description."""
    params = to_permission(rule)
    params["Description"] = rule.get("description") or ""
    group_call(
        client,
        "ModifySecurityGroupRule",
        region,
        security_group_id,
        token([rule_id, params]),
        SecurityGroupRuleId=rule_id,
        **params,
    )
