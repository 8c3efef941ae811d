# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime
import os
import stat

from ansible_collections.geomesh.alicloud.plugins.module_utils import kubeconfig

CONFIG = """apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://10.0.0.1:6443
  name: kubernetes
users:
- name: u
  user:
    token: "secret-token"
"""
NOW = datetime.datetime(2026, 12, 2, tzinfo=datetime.timezone.utc)


def test_parse_time_reads_ack_and_asm_formats():
    assert kubeconfig.parse_time("2026-12-05T10:00:00Z") == datetime.datetime(
        2026, 12, 5, 10, tzinfo=datetime.timezone.utc
    )
    assert kubeconfig.parse_time("2026-12-05T18:00:00+08:00") == kubeconfig.parse_time("2026-12-05T10:00:00Z")
    assert kubeconfig.parse_time("2026-12-05 10:00:00") == kubeconfig.parse_time("2026-12-05T10:00:00Z")
    assert kubeconfig.parse_time("soon") is None and kubeconfig.parse_time(None) is None


def test_servers_of_a_kubeconfig_and_of_garbage():
    assert kubeconfig.servers(CONFIG) == {"https://10.0.0.1:6443"}
    assert kubeconfig.servers("not: [yaml") == set() and kubeconfig.servers("a: 1") == set()


def test_a_file_expiring_within_the_margin_is_replaced(tmp_path):
    dest = str(tmp_path / "k.yaml")
    soon = NOW + datetime.timedelta(seconds=kubeconfig.MARGIN - 10)
    later = NOW + datetime.timedelta(days=1)
    first = kubeconfig.ensure_file(dest, CONFIG, soon.isoformat(), now=NOW)
    assert first["changed"] is True and stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    second = kubeconfig.ensure_file(dest, CONFIG.replace("secret-token", "new"), later.isoformat(), now=NOW)
    assert second["changed"] is True and "new" in open(dest, encoding="utf-8").read()
    kept = kubeconfig.ensure_file(dest, CONFIG.replace("secret-token", "newer"), later.isoformat(), now=NOW)
    assert kept["changed"] is False and kept["kubeconfig"] == CONFIG.replace("secret-token", "new")
    assert kept["expiration"] == later.isoformat()


def test_a_file_without_the_expiration_line_is_replaced(tmp_path):
    dest = tmp_path / "k.yaml"
    dest.write_text(CONFIG)
    os.chmod(dest, 0o600)
    result = kubeconfig.ensure_file(str(dest), CONFIG, "2099-01-01T00:00:00Z", now=NOW)
    assert result["changed"] is True and dest.read_text().startswith(kubeconfig.MARKER)
