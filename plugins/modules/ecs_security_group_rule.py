#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_security_group_rule
short_description: Manage ingress rules of an Alibaba Cloud security group
version_added: 0.1.0
description:
  - Adds (O(state=present)) or removes (O(state=absent)) the listed ingress rules of one security group, for
    example rules admitting a peer cluster's Pod CIDR block.
  - A rule is identified, as the API does, by its protocol, port range, source CIDR block, policy and NIC type.
    Protocol, policy and NIC type are compared case-insensitively (the API returns for example V(TCP)).
    The priority and the description of an existing rule are updated in place with C(ModifySecurityGroupRule).
  - Rules added or updated by this module carry O(rule_marker) at the start of their description. With
    O(purge_rules=true), rules carrying the marker that are not in O(rules) are removed; rules without the marker
    (made by hand, by ACK, by other tools) are never touched.
  - Only ingress rules with a source CIDR block are managed; egress rules are never changed.
options:
  security_group_id:
    description: The security group, for example the one ACK created for a cluster's nodes.
    type: str
    required: true
    aliases: [group_id]
  state:
    description:
      - V(present) adds the listed rules (and updates their priority and description).
      - V(absent) removes the listed rules, whatever their description.
    type: str
    choices: [present, absent]
    default: present
  rules:
    description:
      - The ingress rules. At most 200 rules fit in a security group.
    type: list
    elements: dict
    suboptions:
      source_cidr_ip:
        description: The source IPv4 CIDR block, for example V(10.1.0.0/16) or V(0.0.0.0/0).
        type: str
        required: true
        aliases: [cidr_ip]
      ip_protocol:
        description: The protocol.
        type: str
        required: true
        choices: [all, tcp, udp, icmp, gre]
      port_range:
        description:
          - The destination port range V(start/end), for example V(80/80) or V(1/65535), with 1 <= start <= end <= 65535.
          - Required for V(tcp) and V(udp). For V(all), V(icmp) and V(gre) it must be V(-1/-1), the default.
        type: str
      priority:
        description: The priority, from 1 (highest) to 100.
        type: int
        default: 1
      policy:
        description: Whether matching traffic is accepted or dropped.
        type: str
        choices: [accept, drop]
        default: accept
      nic_type:
        description: The NIC type; V(intranet) for security groups of VPCs.
        type: str
        choices: [intranet, internet]
        default: intranet
      description:
        description:
          - The rule description. O(rule_marker) is put in front of it unless it already starts with the marker.
          - When not given, the description of an existing rule is kept if it carries the marker; otherwise it
            becomes the marker alone.
        type: str
  purge_rules:
    description:
      - With O(state=present), remove the ingress rules whose description starts with O(rule_marker) and that are
        not in O(rules).
    type: bool
    default: false
  rule_marker:
    description:
      - The description prefix that marks rules as managed by this module. Must not be empty.
      - Use a different marker per purpose (for example V(geomesh:pods:)) when several tasks manage rules of the
        same security group with O(purge_rules=true).
    type: str
    default: "geomesh:"
  wait_timeout:
    description: How many seconds to wait until the changes are visible in C(DescribeSecurityGroupAttribute).
    type: int
    default: 120
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.wait
  - geomesh.alicloud.attributes
author:
  - geomesh.alicloud contributors (@geomesh)
notes:
  - Rules are added with C(AuthorizeSecurityGroup) (up to 100 per call) and removed with C(RevokeSecurityGroup)
    by rule ID. Adding a rule that exists already is a no-op for the API, so a retried or interrupted run never
    makes a duplicate rule.
"""

EXAMPLES = r"""
- name: Admit the Shanghai cluster's Pods to the Hangzhou nodes
  geomesh.alicloud.ecs_security_group_rule:
    region: cn-hangzhou
    security_group_id: "{{ cluster.cluster.security_group_id }}"
    rules:
      - source_cidr_ip: 10.1.0.0/16
        ip_protocol: all
        description: pods of cn-shanghai
      - source_cidr_ip: 21.0.0.0/8
        ip_protocol: tcp
        port_range: 15000/15100
        priority: 10

- name: Keep exactly these marked rules, removing other rules this module added
  geomesh.alicloud.ecs_security_group_rule:
    region: cn-hangzhou
    security_group_id: sg-bp1fg655nh68xyz9i2m3
    rules:
      - source_cidr_ip: 10.1.0.0/16
        ip_protocol: all
    purge_rules: true

- name: Remove one rule
  geomesh.alicloud.ecs_security_group_rule:
    region: cn-hangzhou
    security_group_id: sg-bp1fg655nh68xyz9i2m3
    state: absent
    rules:
      - source_cidr_ip: 21.0.0.0/8
        ip_protocol: tcp
        port_range: 15000/15100
"""

RETURN = r"""
security_group_id:
  description: The security group.
  returned: always
  type: str
  sample: sg-bp1fg655nh68xyz9i2m3
rules:
  description:
    - All ingress rules of the security group as read back after the change (in check mode, before it).
    - Empty when the security group does not exist and O(state=absent).
  returned: always
  type: list
  elements: dict
  contains:
    security_group_rule_id:
      description: The rule ID.
      type: str
      sample: sgr-bp1fg655nh68xyz9i2m3
    direction:
      description: V(ingress).
      type: str
    ip_protocol:
      description: The protocol, lower-cased.
      type: str
      sample: tcp
    port_range:
      description: The destination port range.
      type: str
      sample: 80/80
    source_cidr_ip:
      description: The source CIDR block.
      type: str
    source_group_id:
      description: The source security group, for rules that admit another group.
      type: str
    dest_cidr_ip:
      description: The destination CIDR block, if any.
      type: str
    policy:
      description: V(accept) or V(drop), lower-cased.
      type: str
    priority:
      description: The priority.
      type: int
    nic_type:
      description: The NIC type.
      type: str
    description:
      description: The description.
      type: str
    create_time:
      description: When the rule was created.
      type: str
added:
  description: The rules that were (or in check mode would be) added.
  returned: always
  type: list
  elements: dict
removed:
  description: The rules that were (or in check mode would be) removed.
  returned: always
  type: list
  elements: dict
updated:
  description: The rules whose priority or description was (or in check mode would be) changed, as they are now.
  returned: always
  type: list
  elements: dict
"""

import ipaddress
import re
import uuid

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, ValidationError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule, wait_argument_spec
from ansible_collections.geomesh.alicloud.plugins.module_utils.products.ecs import (
    authorize_ingress,
    describe_security_group,
    modify_rule,
    normalize_rule,
    revoke_rules,
    rule_key,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.tokens import client_token
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_resource_id

PORTLESS = ("all", "icmp", "gre")
PORT_RANGE = re.compile(r"^(\d{1,5})/(\d{1,5})$")
MAX_DESCRIPTION = 512
# Fields shown in the diff and in added/removed/updated
VIEW = ("ip_protocol", "port_range", "source_cidr_ip", "policy", "priority", "nic_type", "description")


def desired_rule(index: int, rule: dict, marker: str) -> dict:
    """Validate one entry of ``rules`` and return it in the normalized (API-comparable) form."""
    field = "rules[%d]" % index
    protocol = rule["ip_protocol"]
    try:
        net = ipaddress.IPv4Network(rule["source_cidr_ip"], strict=True)
        if "/" not in rule["source_cidr_ip"]:
            raise ValueError("a prefix length is required, like 10.0.0.0/16")
    except ValueError as err:
        raise ValidationError(
            field + ".source_cidr_ip",
            "%r is not an IPv4 CIDR block in canonical form (%s)" % (rule["source_cidr_ip"], err),
        ) from err
    port_range = rule["port_range"]
    if protocol in PORTLESS:
        if port_range not in (None, "-1/-1"):
            raise ValidationError(
                field + ".port_range", "must be -1/-1 (or left out) for ip_protocol=%s, got %r" % (protocol, port_range)
            )
        port_range = "-1/-1"
    else:
        if not port_range:
            raise ValidationError(field + ".port_range", "is required for ip_protocol=%s (like 80/80)" % protocol)
        match = PORT_RANGE.match(str(port_range).strip())
        if not match or not 1 <= int(match.group(1)) <= int(match.group(2)) <= 65535:
            raise ValidationError(
                field + ".port_range", "%r is not a range start/end with 1 <= start <= end <= 65535" % (port_range,)
            )
        port_range = "%d/%d" % (int(match.group(1)), int(match.group(2)))
    if not 1 <= rule["priority"] <= 100:
        raise ValidationError(field + ".priority", "%r is not between 1 and 100" % rule["priority"])
    description = rule["description"]
    if description is not None and not description.startswith(marker):
        description = marker + description
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise ValidationError(
            field + ".description",
            "is %d characters long with the marker; at most %d" % (len(description), MAX_DESCRIPTION),
        )
    return {
        "ip_protocol": protocol,
        "port_range": port_range,
        "source_cidr_ip": str(net),
        "policy": rule["policy"],
        "priority": rule["priority"],
        "nic_type": rule["nic_type"],
        "description": description,
    }


def validate_inputs(module: AlicloudModule) -> list:
    """Check every input before any API call; return the desired rules, normalized."""
    params = module.params
    module.validate(validate_resource_id, "security_group_id", params["security_group_id"], "sg")
    marker = params["rule_marker"] or ""
    if not marker.strip():
        module.fail_json(msg="Invalid rule_marker: must not be empty", field="rule_marker")
    desired = []
    seen = {}
    for index, rule in enumerate(params["rules"] or []):
        wanted = module.validate(desired_rule, index, rule, marker)
        key = rule_key(wanted)
        if key in seen:
            module.fail_json(
                msg="Invalid rules[%d]: the same rule as rules[%d] (protocol, port range, source, policy, NIC type)"
                % (index, seen[key]),
                field="rules[%d]" % index,
            )
        seen[key] = index
        desired.append(wanted)
    if params["wait_timeout"] is not None and params["wait_timeout"] < 0:
        module.fail_json(msg="Invalid wait_timeout: must not be negative", field="wait_timeout")
    return desired


def view(rule: dict) -> dict:
    return {k: rule.get(k) for k in VIEW}


class RuleManager:
    def __init__(self, module: AlicloudModule, desired: list):
        self.module = module
        self.params = module.params
        self.region = module.region
        self.group_id = module.params["security_group_id"]
        self.marker = module.params["rule_marker"]
        self.desired = desired
        self.client = module.client("ecs")
        # AuthorizeSecurityGroup is idempotent by itself (an existing rule is not added again), so the
        # ClientToken only has to make transport retries of one call safe. It is unique per run: a token
        # reused after the rule was revoked would replay the old answer and add nothing.
        self.run_id = str(uuid.uuid4())

    def token(self, kind):
        return lambda batch: client_token(kind, {"group": self.group_id, "batch": batch}, self.run_id)

    def read(self):
        group = describe_security_group(self.client, self.region, self.group_id, direction="ingress")
        if group is None:
            return None
        rules = [normalize_rule(p) for p in group["Permissions"]]
        return [r for r in rules if r["direction"] in (None, "ingress")]

    def plan(self, current: list):
        """Return (to_add, to_update [(rule_id, wanted, current)], to_remove)."""
        by_key = {}
        for rule in current:
            by_key.setdefault(rule_key(rule), []).append(rule)
        to_add, to_update, to_remove = [], [], []
        if self.params["state"] == "absent":
            for wanted in self.desired:
                to_remove.extend(by_key.get(rule_key(wanted), []))
            return to_add, to_update, to_remove
        wanted_keys = set()
        for wanted in self.desired:
            key = rule_key(wanted)
            wanted_keys.add(key)
            existing = by_key.get(key)
            if not existing:
                to_add.append(dict(wanted, description=wanted["description"] or self.marker))
                continue
            have = existing[0]
            description = wanted["description"]
            if description is None:
                description = have["description"] if have["description"].startswith(self.marker) else self.marker
            target = dict(wanted, description=description)
            if have["priority"] != target["priority"] or have["description"] != target["description"]:
                to_update.append((have["security_group_rule_id"], target, have))
        if self.params["purge_rules"]:
            for rule in current:
                if rule_key(rule) not in wanted_keys and rule["description"].startswith(self.marker):
                    to_remove.append(rule)
        return to_add, to_update, to_remove

    def settled(self, to_add, to_update, to_remove) -> bool:
        rules = self.read() or []
        keys = {rule_key(r): r for r in rules}
        ids = {r["security_group_rule_id"] for r in rules}
        if any(rule_key(r) not in keys for r in to_add):
            return False
        if any(r["security_group_rule_id"] in ids for r in to_remove):
            return False
        for _rule_id, target, have in to_update:
            now = keys.get(rule_key(have))
            if now and (now["priority"] != target["priority"] or now["description"] != target["description"]):
                return False
        return True

    def run(self):
        current = self.read()
        if current is None:
            if self.params["state"] == "absent":
                return False, [], ([], [], []), {"before": {"rules": []}, "after": {"rules": []}}
            self.module.fail_json(
                msg="security_group_id %s was not found in %s" % (self.group_id, self.region),
                field="security_group_id",
            )
        to_add, to_update, to_remove = self.plan(current)
        changed = bool(to_add or to_update or to_remove)
        before = sorted((view(r) for r in current), key=sorted_key)
        removed_ids = {r["security_group_rule_id"] for r in to_remove}
        updated = {rule_id: target for rule_id, target, dummy in to_update}
        after = [
            view(updated.get(r["security_group_rule_id"], r))
            for r in current
            if r["security_group_rule_id"] not in removed_ids
        ]
        after = sorted(after + [view(r) for r in to_add], key=sorted_key)
        diff = {"before": {"rules": before}, "after": {"rules": after}}
        changes = ([view(r) for r in to_add], [view(r) for r in to_remove], [view(t) for dummy, t, dummy2 in to_update])
        if not changed or self.module.check_mode:
            return changed, current, changes, diff
        if to_remove:
            revoke_rules(
                self.client,
                self.region,
                self.group_id,
                [r["security_group_rule_id"] for r in to_remove],
                self.token("sg_revoke"),
            )
        for rule_id, target, _have in to_update:
            modify_rule(self.client, self.region, self.group_id, rule_id, target, self.token("sg_modify"))
        if to_add:
            authorize_ingress(self.client, self.region, self.group_id, to_add, self.token("sg_authorize"))
        if self.params["wait"]:
            self.module.waiter(
                "rules of security group %s" % self.group_id,
                lambda: {"state": "done" if self.settled(to_add, to_update, to_remove) else "pending"},
                "state",
                ["done"],
                pending=["pending"],
            ).wait()
        return changed, self.read() or [], changes, diff


def sorted_key(rule: dict):
    return tuple(str(rule.get(k)) for k in VIEW)


def main():
    rule_spec = {
        "source_cidr_ip": {"type": "str", "required": True, "aliases": ["cidr_ip"]},
        "ip_protocol": {"type": "str", "required": True, "choices": ["all", "tcp", "udp", "icmp", "gre"]},
        "port_range": {"type": "str"},
        "priority": {"type": "int", "default": 1},
        "policy": {"type": "str", "default": "accept", "choices": ["accept", "drop"]},
        "nic_type": {"type": "str", "default": "intranet", "choices": ["intranet", "internet"]},
        "description": {"type": "str"},
    }
    argument_spec = {
        "security_group_id": {"type": "str", "required": True, "aliases": ["group_id"]},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "rules": {"type": "list", "elements": "dict", "options": rule_spec},
        "purge_rules": {"type": "bool", "default": False},
        "rule_marker": {"type": "str", "default": "geomesh:"},
    }
    argument_spec.update(wait_argument_spec(120))
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    desired = validate_inputs(module)
    manager = RuleManager(module, desired)
    try:
        changed, rules, (added, removed, updated), diff = manager.run()
    except AlicloudError as err:
        module.fail_json_alicloud(err, "security group %s" % module.params["security_group_id"])
    module.exit_json(
        changed=changed,
        security_group_id=module.params["security_group_id"],
        rules=rules,
        added=added,
        removed=removed,
        updated=updated,
        diff=diff,
    )


if __name__ == "__main__":
    main()
