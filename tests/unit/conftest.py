# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.geomesh.alicloud`` importable when pytest runs inside the
collection's namespaced copy (.build/collections/ansible_collections/geomesh/alicloud)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")

_here = Path(__file__).resolve()
if _here.parents[4].name == "ansible_collections":
    root = str(_here.parents[5])
    if root not in sys.path:
        sys.path.insert(0, root)
