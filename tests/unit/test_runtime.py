# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""meta/runtime.yml lists every module in the action group, so module_defaults reach them all."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# modules that take no cloud credentials, so module_defaults of the group must not reach them
NOT_IN_GROUP = {"traffic_probe"}


def test_action_group_lists_every_module_once():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["alicloud"]
    modules = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    assert NOT_IN_GROUP <= set(modules)
    assert sorted(group) == sorted(set(modules) - NOT_IN_GROUP)
    assert len(group) == len(set(group))
    assert runtime["requires_ansible"] == ">=2.17.0"


def test_galaxy_metadata():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert (galaxy["namespace"], galaxy["name"]) == ("geomesh", "alicloud")
    assert {"cloud", "alibaba", "kubernetes"} <= set(galaxy["tags"])
    assert "kubernetes.core" in galaxy["dependencies"]
