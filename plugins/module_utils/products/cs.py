# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACK (cs 2015-12-15, ROA): list actions, waiters, tag shapes, lookups and return shapes.

Clusters come first in this file, node pools and nodes after them.
"""

from __future__ import annotations

# ------------------------------------------------------------------------------------------
# clusters
# ------------------------------------------------------------------------------------------


# ------------------------------------------------------------------------------------------
# node pools and nodes
# ------------------------------------------------------------------------------------------
