"""ECS 2014-05-26: security groups and their rules."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..errors import ApiError
from ..params import flag, integer, str_list, unflatten
from ..params import tags as tag_params
from ..registry import action
from ._common import (
    DEFAULT_RESOURCE_GROUP,
    check_region,
    create_tags,
    iso,
    page,
    referrers,
    require,
    split_ids,
    tags_match,
    token_page,
)

P, V = "ecs", "2014-05-26"
K_SG = "security_group"
MAX_RULES = 200
PROTOCOLS = {"TCP", "UDP", "ICMP", "ICMPV6", "GRE", "ALL"}
PORTLESS = {"ICMP", "ICMPV6", "GRE", "ALL"}
# Fields of a permission that identify a rule. UNCONFIRMED: whether Priority/Description take
# part in "the rule already exists" (assumed not).
IDENTITY = (
    "Direction",
    "IpProtocol",
    "PortRange",
    "SourcePortRange",
    "SourceCidrIp",
    "Ipv6SourceCidrIp",
    "SourceGroupId",
    "SourcePrefixListId",
    "DestCidrIp",
    "Policy",
    "NicType",
)
PERMISSION_FIELDS = (
    "IpProtocol",
    "PortRange",
    "SourceCidrIp",
    "Ipv6SourceCidrIp",
    "SourceGroupId",
    "SourceGroupOwnerAccount",
    "SourceGroupOwnerId",
    "SourcePrefixListId",
    "SourcePortRange",
    "DestCidrIp",
    "Ipv6DestCidrIp",
    "Policy",
    "Priority",
    "NicType",
    "Description",
    "PortRangeListId",
)


def _sg_not_found(sg_id: str) -> ApiError:
    return ApiError("InvalidSecurityGroupId.NotFound", f"The specified SecurityGroupId ({sg_id}) does not exist.", 404)


def get_security_group(ctx, sg_id: str, region: str | None = None) -> dict[str, Any]:
    doc = ctx.store.get(K_SG, sg_id)
    if doc is None or (region and doc["RegionId"] != region):
        raise _sg_not_found(sg_id)
    return doc


def create_security_group(
    ctx,
    vpc_id: str | None = None,
    region: str | None = None,
    name: str = "",
    description: str = "",
    *,
    region_id: str | None = None,
    security_group_type: str = "normal",
    tags: list[dict[str, str]] | None = None,
    resource_group_id: str | None = None,
) -> str:
    """Create a security group doc (used by CreateSecurityGroup and by cs/asm for their clusters).

    Returns the new ``sg-...`` id. ``region``/``region_id`` are synonyms.
    """
    region = region or region_id
    if not vpc_id or not region:
        raise ValueError("create_security_group needs vpc_id and region")
    now = ctx.now()
    sg_id = ctx.new_id("sg")
    ctx.store.put(
        K_SG,
        sg_id,
        {
            "SecurityGroupId": sg_id,
            "RegionId": region,
            "VpcId": vpc_id,
            "SecurityGroupName": name or "",
            "Description": description or "",
            "SecurityGroupType": security_group_type,
            "ResourceGroupId": resource_group_id or DEFAULT_RESOURCE_GROUP,
            "CreationTime": iso(now),
            "Tags": list(tags or []),
            "Permissions": [],
        },
    )
    return sg_id


def delete_security_group(ctx, sg_id: str) -> None:
    """Remove a security group without dependency checks (for cs/asm resource teardown)."""
    ctx.store.delete(K_SG, sg_id)


@action(P, V, "CreateSecurityGroup", write=True)
def api_create_security_group(ctx, p):
    replay = ctx.client_token(p)
    if replay is not None:
        return replay
    region = check_region(ctx.region, code="InvalidRegionId.NotFound")
    vpc_id = p.get("VpcId")
    if not vpc_id:
        # UNCONFIRMED: classic-network security groups are not emulated; VpcId is required here.
        raise ApiError(
            "MissingParameter",
            'The input parameter "VpcId" that is mandatory for processing this request is not supplied.',
        )
    vpc = ctx.store.get("vpc", vpc_id)
    if vpc is None or vpc["RegionId"] != region:
        raise ApiError("InvalidVpcId.NotFound", f"Specified VPC ({vpc_id}) does not exist.", 404)
    sg_type = p.get("SecurityGroupType") or "normal"
    if sg_type not in ("normal", "enterprise"):
        raise ApiError(
            "InvalidSecurityGroupType.Malformed", f"The specified SecurityGroupType {sg_type} is not valid."
        )  # UNCONFIRMED
    name = p.get("SecurityGroupName") or ""
    if name and (not 2 <= len(name) <= 128 or name.startswith(("http://", "https://"))):
        raise ApiError("InvalidSecurityGroupName.Malformed", "Specified security group name is not valid.")
    desc = p.get("Description") or ""
    if len(desc) > 256:
        raise ApiError("InvalidDescription.Malformed", "Specified description is not valid.")
    sg_id = create_security_group(
        ctx,
        vpc_id,
        region,
        name,
        desc,
        security_group_type=sg_type,
        tags=create_tags(p),
        resource_group_id=p.get("ResourceGroupId"),
    )
    return ctx.remember_token(p, {"SecurityGroupId": sg_id})


def _sg_view(ctx, doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "SecurityGroupId": doc["SecurityGroupId"],
        "SecurityGroupName": doc.get("SecurityGroupName", ""),
        "Description": doc.get("Description", ""),
        "VpcId": doc["VpcId"],
        "SecurityGroupType": doc.get("SecurityGroupType", "normal"),
        "CreationTime": doc["CreationTime"],
        "ResourceGroupId": doc.get("ResourceGroupId", ""),
        "RuleCount": len(doc.get("Permissions", [])),
        "GroupToGroupRuleCount": len([r for r in doc.get("Permissions", []) if r.get("SourceGroupId")]),
        "EcsCount": len(referrers(ctx, doc["SecurityGroupId"])),
        "AvailableInstanceAmount": 2000,
        "ServiceManaged": False,
        "Tags": {"Tag": [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in doc.get("Tags", [])]},
    }


@action(P, V, "DescribeSecurityGroups", write=False)
def describe_security_groups(ctx, p):
    region = check_region(ctx.region)
    vpc_id = p.get("VpcId")
    ids = set(split_ids(p.get("SecurityGroupIds")))
    if p.get("SecurityGroupId"):
        ids.add(str(p["SecurityGroupId"]))
    name = p.get("SecurityGroupName")
    fuzzy = flag(p, "FuzzyQuery", False)
    sg_type = p.get("SecurityGroupType")
    rg = p.get("ResourceGroupId")
    wanted = tag_params(p)
    items = []
    for doc in ctx.store.list(K_SG):
        if doc["RegionId"] != region:
            continue
        if vpc_id and doc["VpcId"] != vpc_id:
            continue
        if ids and doc["SecurityGroupId"] not in ids:
            continue
        if name and not ((fuzzy and name in doc.get("SecurityGroupName", "")) or doc.get("SecurityGroupName") == name):
            continue
        if sg_type and doc.get("SecurityGroupType") != sg_type:
            continue
        if rg and doc.get("ResourceGroupId") != rg:
            continue
        if wanted and not tags_match(doc, wanted):
            continue
        items.append(doc)
    out: dict[str, Any] = {"RegionId": region, "TotalCount": len(items)}
    if p.get("MaxResults") not in (None, "") or p.get("NextToken"):
        chunk, nxt, _size = token_page(p, items, default_size=10, max_size=100)
        out["NextToken"] = nxt
    else:
        chunk, number, size, _total = page(p, items, default_size=10, max_size=50)
        out["PageNumber"] = number
        out["PageSize"] = size
    out["SecurityGroups"] = {"SecurityGroup": [_sg_view(ctx, d) for d in chunk]}
    return out


@action(P, V, "DeleteSecurityGroup", write=True)
def api_delete_security_group(ctx, p):
    sg_id = require(p, "SecurityGroupId")
    check_region(ctx.region)
    get_security_group(ctx, sg_id, ctx.region)
    if referrers(ctx, sg_id):
        # Documented wording; UNCONFIRMED: HTTP status (403 assumed, as for ECS DependencyViolation).
        raise ApiError("DependencyViolation", "There is still instance(s) in the specified security group.", 403)
    for other in ctx.store.list(K_SG):
        if other["SecurityGroupId"] != sg_id and any(
            r.get("SourceGroupId") == sg_id for r in other.get("Permissions", [])
        ):
            raise ApiError(
                "DependencyViolation", "The specified security group is referenced by another security group.", 403
            )
    ctx.store.delete(K_SG, sg_id)
    return {}


# --------------------------------------------------------------------------------------------- rules
def _permissions(p: dict[str, Any]) -> list[dict[str, Any]]:
    perms = unflatten(p, "Permissions") or []
    legacy = {k: p[k] for k in PERMISSION_FIELDS if p.get(k) not in (None, "")}
    if perms and legacy:
        # "The top-level parameters are deprecated and cannot be mixed with Permissions.N.*" (doc).
        raise ApiError(
            "InvalidParam.Permissions",
            "Permissions.N.* cannot be combined with the deprecated top-level rule parameters.",
        )  # UNCONFIRMED
    if not perms and legacy:
        perms = [legacy]
    if len(perms) > 100:
        raise ApiError(
            "InvalidParam.Permissions", "At most 100 permissions can be specified in one request."
        )  # UNCONFIRMED
    return [dict(x) for x in perms if isinstance(x, dict)]


def _cidr(value: str, code: str) -> str:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise ApiError(code, f"Specified CIDR {value!r} is not valid.") from exc
    return value


def _normalise(ctx, sg: dict[str, Any], perm: dict[str, Any], direction: str) -> dict[str, Any]:
    proto_raw = perm.get("IpProtocol")
    if not proto_raw:
        raise ApiError(
            "MissingParameter",
            'The input parameter "IpProtocol" that is mandatory for processing this request is not supplied.',
        )
    proto = str(proto_raw).upper()  # case-insensitive, returned upper-case
    if proto not in PROTOCOLS:
        raise ApiError("InvalidIpProtocol.Malformed", f"Specified IpProtocol {proto_raw} is not valid.")
    port_range = perm.get("PortRange")
    if not port_range:
        raise ApiError(
            "MissingParameter",
            'The input parameter "PortRange" that is mandatory for processing this request is not supplied.',
        )
    port_range = str(port_range).strip()
    if proto in PORTLESS:
        if port_range != "-1/-1":
            raise ApiError(
                "InvalidPortRange.Malformed", f"Specified PortRange {port_range} is not valid for {proto}; use -1/-1."
            )
    else:
        try:
            lo, hi = (int(x) for x in port_range.split("/"))
        except ValueError as exc:
            raise ApiError("InvalidPortRange.Malformed", f"Specified PortRange {port_range} is not valid.") from exc
        if not (1 <= lo <= hi <= 65535):
            raise ApiError("InvalidPortRange.Malformed", f"Specified PortRange {port_range} is not valid.")
    source = perm.get("SourceCidrIp") or ""
    v6source = perm.get("Ipv6SourceCidrIp") or ""
    group = perm.get("SourceGroupId") or ""
    prefix = perm.get("SourcePrefixListId") or ""
    if direction == "ingress" and not (source or v6source or group or prefix):
        # UNCONFIRMED: code when no source is given.
        raise ApiError(
            "MissingParameter",
            "One of SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or SourcePrefixListId is required.",
        )
    if source:
        _cidr(source, "InvalidSourceCidrIp.Malformed")  # UNCONFIRMED code
    if v6source:
        _cidr(v6source, "InvalidIpv6SourceCidrIp.Malformed")  # UNCONFIRMED code
    if perm.get("DestCidrIp"):
        _cidr(perm["DestCidrIp"], "InvalidDestCidrIp.Malformed")  # UNCONFIRMED code
    if group:
        if sg.get("SecurityGroupType") == "enterprise":
            # Documented: advanced (enterprise) security groups do not support rules that reference
            # security groups as authorization objects ("Basic and advanced security groups",
            # https://www.alibabacloud.com/help/en/ecs/user-guide/basic-security-groups-and-advanced-security-groups;
            # alicloud-api.md section 3 "Limits"). UNCONFIRMED: the error code.
            raise ApiError(
                "InvalidSecurityGroup.NotSupportGroupAuthorization",
                "Enterprise security groups cannot authorize security groups.",
            )
        if ctx.store.get(K_SG, group) is None:
            raise ApiError(
                "InvalidSecurityGroupId.NotFound", f"The specified SourceGroupId ({group}) does not exist.", 404
            )
    policy_raw = str(perm.get("Policy") or "accept")
    if policy_raw.lower() not in ("accept", "drop"):
        raise ApiError("InvalidPolicy.Malformed", f"Specified Policy {policy_raw} is not valid.")  # UNCONFIRMED code
    policy = policy_raw.lower().capitalize()  # UNCONFIRMED: returned capitalisation ("Accept")
    priority = integer({"Priority": perm.get("Priority")}, "Priority", 1, code="InvalidPriority.Malformed")
    if priority is None or not 1 <= priority <= 100:
        raise ApiError("InvalidPriority.Malformed", "Specified Priority must be between 1 and 100.")  # UNCONFIRMED code
    nic = str(perm.get("NicType") or "intranet").lower()
    if nic not in ("intranet", "internet"):
        raise ApiError("InvalidNicType.Malformed", f"Specified NicType {nic} is not valid.")  # UNCONFIRMED code
    return {
        "Direction": direction,
        "IpProtocol": proto,
        "PortRange": port_range,
        "SourcePortRange": perm.get("SourcePortRange") or "",
        "SourceCidrIp": source,
        "Ipv6SourceCidrIp": v6source,
        "SourceGroupId": group,
        "SourcePrefixListId": prefix,
        "DestCidrIp": perm.get("DestCidrIp") or "",
        "Ipv6DestCidrIp": perm.get("Ipv6DestCidrIp") or "",
        "Policy": policy,
        "Priority": str(priority),
        "NicType": nic,
        "Description": perm.get("Description") or "",
    }


def _identity(rule: dict[str, Any]) -> tuple:
    return tuple(rule.get(k, "") for k in IDENTITY)


@action(P, V, "AuthorizeSecurityGroup", write=True)
def authorize_security_group(ctx, p):
    replay = ctx.client_token(p)
    if replay is not None:
        return replay
    check_region(ctx.region)
    sg_id = require(p, "SecurityGroupId")
    sg = get_security_group(ctx, sg_id, ctx.region)
    perms = _permissions(p)
    if not perms:
        raise ApiError(
            "MissingParameter",
            'The input parameter "Permissions" that is mandatory for processing this request is not supplied.',
        )
    rules = sg.setdefault("Permissions", [])
    existing = {_identity(r) for r in rules}
    now = ctx.now()
    for perm in perms:
        rule = _normalise(ctx, sg, perm, "ingress")
        ident = _identity(rule)
        if ident in existing:
            continue  # documented: an existing rule makes the call succeed without adding one
        if len(rules) >= MAX_RULES:
            raise ApiError(
                "AuthorizationLimitExceed", "The number of security group rules exceeds the limit."
            )  # UNCONFIRMED code
        rule["SecurityGroupRuleId"] = ctx.new_id("sgr")
        rule["CreateTime"] = iso(now)
        rules.append(rule)
        existing.add(ident)
    ctx.store.put(K_SG, sg_id, sg)
    return ctx.remember_token(p, {})


@action(P, V, "RevokeSecurityGroup", write=True)
def revoke_security_group(ctx, p):
    replay = ctx.client_token(p)
    if replay is not None:
        return replay
    check_region(ctx.region)
    sg_id = require(p, "SecurityGroupId")
    sg = get_security_group(ctx, sg_id, ctx.region)
    rule_ids = str_list(p, "SecurityGroupRuleId")
    perms = _permissions(p)
    if rule_ids and perms:
        raise ApiError(
            "InvalidParam.Permissions", "SecurityGroupRuleId.N cannot be combined with Permissions.N.*."
        )  # UNCONFIRMED
    if not rule_ids and not perms:
        raise ApiError("MissingParameter", "Either SecurityGroupRuleId.N or Permissions.N.* must be specified.")
    rules = sg.get("Permissions", [])
    if rule_ids:
        known = {r["SecurityGroupRuleId"] for r in rules if r["Direction"] == "ingress"}
        missing = [r for r in rule_ids if r not in known]
        if missing:
            # UNCONFIRMED: code for an unknown rule id.
            raise ApiError(
                "InvalidSecurityGroupRuleId.NotFound",
                f"The specified security group rule {missing[0]} does not exist.",
                404,
            )
        sg["Permissions"] = [r for r in rules if r["SecurityGroupRuleId"] not in rule_ids]
    else:
        # UNCONFIRMED: revoking a rule that does not exist succeeds silently.
        drop = {_identity(_normalise(ctx, sg, perm, "ingress")) for perm in perms}
        sg["Permissions"] = [r for r in rules if _identity(r) not in drop]
    ctx.store.put(K_SG, sg_id, sg)
    return ctx.remember_token(p, {})


def _perm_view(rule: dict[str, Any]) -> dict[str, Any]:
    view = {k: rule.get(k, "") for k in (*IDENTITY, "Priority", "Description", "Ipv6DestCidrIp", "CreateTime")}
    view["SecurityGroupRuleId"] = rule["SecurityGroupRuleId"]
    view["SourceGroupName"] = ""
    view["SourceGroupOwnerAccount"] = ""
    view["DestGroupId"] = ""
    view["DestGroupName"] = ""
    view["DestGroupOwnerAccount"] = ""
    view["DestPrefixListId"] = ""
    view["PortRangeListId"] = ""
    return view


@action(P, V, "DescribeSecurityGroupAttribute", write=False)
def describe_security_group_attribute(ctx, p):
    check_region(ctx.region)
    sg_id = require(p, "SecurityGroupId")
    sg = get_security_group(ctx, sg_id, ctx.region)
    direction = (p.get("Direction") or "all").lower()
    if direction not in ("ingress", "egress", "all"):
        raise ApiError(
            "InvalidDirection.Malformed", f"Specified Direction {direction} is not valid."
        )  # UNCONFIRMED code
    nic = p.get("NicType")
    rules = [r for r in sg.get("Permissions", []) if direction == "all" or r["Direction"] == direction]
    if nic:
        rules = [r for r in rules if r.get("NicType") == nic.lower()]
    chunk, nxt, _size = token_page(p, rules, default_size=500, max_size=1000, min_size=10)
    return {
        "SecurityGroupId": sg_id,
        "SecurityGroupName": sg.get("SecurityGroupName", ""),
        "Description": sg.get("Description", ""),
        "VpcId": sg["VpcId"],
        "RegionId": sg["RegionId"],
        "InnerAccessPolicy": "Drop" if sg.get("SecurityGroupType") == "enterprise" else "Accept",
        "NextToken": nxt,
        "Permissions": {"Permission": [_perm_view(r) for r in chunk]},
    }


# Added for the network-stage module ecs_security_group_rule.
@action(P, V, "ModifySecurityGroupRule", write=True)
def modify_security_group_rule(ctx, p):
    """Modify an ingress rule, by ``SecurityGroupRuleId`` or (legacy) by its identifying tuple.

    By id, the fields sent replace the rule's values and the others stay as they are
    (UNCONFIRMED: documented for the rule-id form, behaviour for omitted fields assumed).
    By tuple, only Priority and Description can change (the tuple finds the rule).
    """
    replay = ctx.client_token(p)
    if replay is not None:
        return replay
    check_region(ctx.region)
    sg_id = require(p, "SecurityGroupId")
    sg = get_security_group(ctx, sg_id, ctx.region)
    rules = sg.setdefault("Permissions", [])
    fields = {k: p[k] for k in PERMISSION_FIELDS if k in p}
    rule_id = p.get("SecurityGroupRuleId")
    if rule_id:
        index = next(
            (i for i, r in enumerate(rules) if r["SecurityGroupRuleId"] == rule_id and r["Direction"] == "ingress"),
            None,
        )
        if index is None:
            # UNCONFIRMED: code for an unknown rule id (same as RevokeSecurityGroup here).
            raise ApiError(
                "InvalidSecurityGroupRuleId.NotFound",
                f"The specified security group rule {rule_id} does not exist.",
                404,
            )
        current = rules[index]
        merged = {k: current.get(k, "") for k in PERMISSION_FIELDS if current.get(k, "") != ""}
        merged.update(fields)
        updated = _normalise(ctx, sg, merged, "ingress")
        if any(i != index and _identity(r) == _identity(updated) for i, r in enumerate(rules)):
            # UNCONFIRMED: code when the change would duplicate another rule.
            raise ApiError("InvalidPermission.Duplicate", "The specified rule already exists.")
    else:
        wanted = _identity(_normalise(ctx, sg, fields, "ingress"))
        index = next((i for i, r in enumerate(rules) if _identity(r) == wanted), None)
        if index is None:
            # UNCONFIRMED: code when no rule matches the tuple.
            raise ApiError("InvalidSecurityGroupRule.RuleNotExist", "The specified security group rule does not exist.")
        current = rules[index]
        updated = dict(current)
        if "Priority" in fields:
            updated["Priority"] = _normalise(ctx, sg, dict(fields, Priority=fields["Priority"]), "ingress")["Priority"]
        if "Description" in fields:
            updated["Description"] = fields["Description"] or ""
    updated["SecurityGroupRuleId"] = current["SecurityGroupRuleId"]
    updated["CreateTime"] = current.get("CreateTime", "")
    rules[index] = updated
    ctx.store.put(K_SG, sg_id, sg)
    return ctx.remember_token(p, {})
