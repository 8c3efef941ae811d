# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Attributes of modules that change resources.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: Can run in check mode and return the changed status prediction without modifying the target.
  diff_mode:
    support: full
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  action_group:
    support: full
    membership: [geomesh.alicloud.alicloud]
    description: Use C(group/geomesh.alicloud.alicloud) in C(module_defaults) to set defaults for this module.
"""

    # Attributes of read-only _info modules.
    INFO = r"""
attributes:
  check_mode:
    support: full
    details: This module only reads; it runs normally in check mode.
    description: Can run in check mode and return the changed status prediction without modifying the target.
  diff_mode:
    support: N/A
    description: Nothing changes, so there is no diff.
  action_group:
    support: full
    membership: [geomesh.alicloud.alicloud]
    description: Use C(group/geomesh.alicloud.alicloud) in C(module_defaults) to set defaults for this module.
"""
