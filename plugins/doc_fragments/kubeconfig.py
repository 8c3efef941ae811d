# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The kubeconfig file options of ack_kubeconfig and asm_kubeconfig (module_utils/kubeconfig.py).
    DOCUMENTATION = r"""
options:
  dest:
    description:
      - Write the kubeconfig to this file, mode C(0600), creating missing parent directories (mode C(0700)); the file is
        replaced atomically. A first comment line records when it expires.
      - A file that already holds a kubeconfig for the same API server that stays valid for more than 5 minutes is kept
        (only its mode is set to C(0600)), so a re-run changes nothing.
    type: path
  return_content:
    description:
      - Return the kubeconfig in RV(kubeconfig). It holds credentials; set C(no_log) on the task.
      - Without it the kubeconfig is only written to O(dest), so a task without C(no_log) never prints it. One of
        O(dest) and O(return_content=true) is required.
    type: bool
    default: false
"""
