#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_security_group_rule_info
short_description: List the rules of an Alibaba Cloud security group
version_added: 0.1.0
description:
  - Lists the rules of one security group, optionally only those with the given rule IDs and matching all the
    given filters.
  - Protocol, policy and NIC type are compared case-insensitively and returned lower-cased.
  - Read-only; never changes anything.
options:
  security_group_id:
    description: The security group.
    type: str
    required: true
    aliases: [group_id]
  rule_ids:
    description: Only these rules (C(SecurityGroupRuleId)). IDs that do not exist are left out, they are not an error.
    type: list
    elements: str
    aliases: [ids]
  direction:
    description: Only rules of this direction.
    type: str
    choices: [ingress, egress, all]
    default: ingress
  ip_protocol:
    description: Only rules of this protocol.
    type: str
    choices: [all, tcp, udp, icmp, gre]
  port_range:
    description: Only rules with exactly this port range, for example V(80/80) or V(-1/-1).
    type: str
  source_cidr_ip:
    description: Only rules with exactly this source CIDR block.
    type: str
    aliases: [cidr_ip]
  policy:
    description: Only rules with this policy.
    type: str
    choices: [accept, drop]
  description_prefix:
    description:
      - Only rules whose description starts with this text, for example V(geomesh:) for the rules that
        M(geomesh.alicloud.ecs_security_group_rule) manages.
    type: str
extends_documentation_fragment:
  - geomesh.alicloud.common
  - geomesh.alicloud.attributes.INFO
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: The ingress rules of a cluster's security group
  geomesh.alicloud.ecs_security_group_rule_info:
    region: cn-hangzhou
    security_group_id: sg-bp1fg655nh68xyz9i2m3
  register: found

- name: Only the rules managed by geomesh
  geomesh.alicloud.ecs_security_group_rule_info:
    region: cn-hangzhou
    security_group_id: sg-bp1fg655nh68xyz9i2m3
    description_prefix: "geomesh:"
"""

RETURN = r"""
security_group_id:
  description: The security group.
  returned: always
  type: str
  sample: sg-bp1fg655nh68xyz9i2m3
vpc_id:
  description: The VPC of the security group; empty when the group was not found.
  returned: always
  type: str
rules:
  description: The matching rules, sorted by priority and then by ID; empty when the security group does not exist.
  returned: always
  type: list
  elements: dict
  contains:
    security_group_rule_id:
      description: The rule ID.
      type: str
      sample: sgr-bp1fg655nh68xyz9i2m3
    direction:
      description: V(ingress) or V(egress).
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
"""

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule
from ansible_collections.geomesh.alicloud.plugins.module_utils.products.ecs import (
    describe_security_group,
    normalize_rule,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.validation import validate_cidr, validate_resource_id

EXACT = ("ip_protocol", "port_range", "source_cidr_ip", "policy")


def list_rules(module: AlicloudModule):
    params = module.params
    group = describe_security_group(
        module.client("ecs"), module.region, params["security_group_id"], direction=params["direction"]
    )
    if group is None:
        return None, []
    wanted_ids = set(params["rule_ids"]) if params["rule_ids"] is not None else None
    result = []
    for rule in (normalize_rule(p) for p in group["Permissions"]):
        if params["direction"] != "all" and rule["direction"] not in (None, params["direction"]):
            continue
        if wanted_ids is not None and rule["security_group_rule_id"] not in wanted_ids:
            continue
        if any(params[field] is not None and (rule[field] or "") != params[field] for field in EXACT):
            continue
        if params["description_prefix"] is not None and not rule["description"].startswith(
            params["description_prefix"]
        ):
            continue
        result.append(rule)
    result.sort(key=lambda r: (r["priority"] or 0, r["security_group_rule_id"] or ""))
    return group.get("VpcId"), result


def main():
    argument_spec = {
        "security_group_id": {"type": "str", "required": True, "aliases": ["group_id"]},
        "rule_ids": {"type": "list", "elements": "str", "aliases": ["ids"]},
        "direction": {"type": "str", "default": "ingress", "choices": ["ingress", "egress", "all"]},
        "ip_protocol": {"type": "str", "choices": ["all", "tcp", "udp", "icmp", "gre"]},
        "port_range": {"type": "str"},
        "source_cidr_ip": {"type": "str", "aliases": ["cidr_ip"]},
        "policy": {"type": "str", "choices": ["accept", "drop"]},
        "description_prefix": {"type": "str"},
    }
    module = AlicloudModule(argument_spec=argument_spec, supports_check_mode=True)
    module.validate(validate_resource_id, "security_group_id", module.params["security_group_id"], "sg")
    if module.params["source_cidr_ip"]:
        module.validate(validate_cidr, "source_cidr_ip", module.params["source_cidr_ip"], 0, 32)
    try:
        vpc_id, rules = list_rules(module)
    except AlicloudError as err:
        module.fail_json_alicloud(err, "security group %s" % module.params["security_group_id"])
    module.exit_json(changed=False, security_group_id=module.params["security_group_id"], vpc_id=vpc_id, rules=rules)


if __name__ == "__main__":
    main()
