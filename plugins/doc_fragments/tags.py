# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Tag options for modules whose resource supports tags.
    DOCUMENTATION = r"""
options:
  tags:
    description:
      - A dictionary of tags to set on the resource.
      - When not given (C(null)), the resource's tags are left as they are.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - When O(tags) is given, remove tags that are not in O(tags).
      - System tags (keys starting with C(acs:) or C(aliyun)) are never removed.
    type: bool
    default: true
"""
