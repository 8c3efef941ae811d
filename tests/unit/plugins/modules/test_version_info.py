# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ack_version_info and asm_version_info against emulator version tables chosen by the test."""

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.modules import ack_version_info, asm_version_info

TABLE = [
    ("1.30.7-aliyun.1", "2024-07-25", "2025-08-31", True),
    ("1.32.1-aliyun.1", "2025-01-10", "2026-06-30", False),  # listed, not creatable
    ("1.31.1-aliyun.1", "2024-10-17", "2025-12-31", True),
    ("1.31.5-aliyun.1", "2025-01-02", "2026-01-31", True),
]


@pytest.fixture
def region_table(monkeypatch, emu):
    from geomesh_emulator.products import cs as emu_cs  # pylint: disable=import-outside-toplevel

    monkeypatch.setitem(emu_cs.REGION_KUBERNETES_VERSIONS, "cn-hangzhou", TABLE)
    monkeypatch.setitem(emu_cs.RUNTIMES, "1.32", [{"name": "containerd", "version": "1.7.0"}])


def test_ack_versions_newest_first_and_the_newest_creatable_resolved(run, region_table, log):
    result = run(ack_version_info, {})
    assert result["changed"] is False
    assert [v["version"] for v in result["versions"]] == [
        "1.32.1-aliyun.1",
        "1.31.5-aliyun.1",
        "1.31.1-aliyun.1",
        "1.30.7-aliyun.1",
    ]
    assert [v["creatable"] for v in result["versions"]] == [False, True, True, True]
    assert result["resolved_version"] == "1.31.5-aliyun.1"  # 1.32 is listed but not creatable
    assert result["versions"][1]["runtimes"] == [{"name": "containerd", "version": "1.6.36"}]
    (call,) = log.calls("DescribeKubernetesVersionMetadata")
    assert call["Region"] == "cn-hangzhou" and call["ClusterType"] == "ManagedKubernetes"
    assert log.writes() == []


@pytest.mark.parametrize(
    "wanted,resolved",
    [("1.31", "1.31.5-aliyun.1"), ("1.31.1-aliyun.1", "1.31.1-aliyun.1"), ("1.32", None), ("1.29", None)],
)
def test_ack_version_resolution(run, region_table, wanted, resolved):
    result = run(ack_version_info, {"kubernetes_version": wanted})
    assert result["resolved_version"] == resolved
    assert len(result["versions"]) == len(TABLE)  # every version is listed either way


@pytest.fixture
def asm_table(monkeypatch, emu):
    from geomesh_emulator.products import asm as emu_asm  # pylint: disable=import-outside-toplevel

    monkeypatch.setitem(emu_asm.VERSIONS, "Pro", ["v1.21.6.97-g7ec2fd3b-aliyun", "v1.22.6.66-g1e5b0e4d-aliyun"])
    monkeypatch.setitem(emu_asm.VERSIONS, "Default", ["v1.20.6.36-g4e4ba0c1-aliyun"])


def test_asm_versions_of_an_edition_newest_first(run, asm_table, log):
    result = run(asm_version_info, {"edition": "Pro"})
    assert result["versions"] == [
        {"edition": "Pro", "version": "v1.22.6.66-g1e5b0e4d-aliyun"},
        {"edition": "Pro", "version": "v1.21.6.97-g7ec2fd3b-aliyun"},
    ]
    assert result["resolved_version"] == "v1.22.6.66-g1e5b0e4d-aliyun"
    assert log.actions() == ["DescribeVersions"] and log.writes() == []


def test_asm_versions_of_every_edition_and_resolution(run, asm_table):
    every = run(asm_version_info, {})
    assert {(v["edition"], v["version"]) for v in every["versions"]} == {
        ("Pro", "v1.22.6.66-g1e5b0e4d-aliyun"),
        ("Pro", "v1.21.6.97-g7ec2fd3b-aliyun"),
        ("Default", "v1.20.6.36-g4e4ba0c1-aliyun"),
    }
    assert every["resolved_version"] is None  # no edition: nothing to resolve
    offered = run(asm_version_info, {"edition": "Pro", "istio_version": "v1.21.6.97-g7ec2fd3b-aliyun"})
    assert offered["resolved_version"] == "v1.21.6.97-g7ec2fd3b-aliyun"
    other = run(asm_version_info, {"edition": "Default", "istio_version": "v1.21.6.97-g7ec2fd3b-aliyun"})
    assert other["resolved_version"] is None
