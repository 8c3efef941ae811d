# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import stat

import pytest
import yaml

from ansible_collections.geomesh.alicloud.plugins.module_utils import kubeconfig
from ansible_collections.geomesh.alicloud.plugins.modules import ack_cluster, ack_kubeconfig


@pytest.fixture
def cluster(run, topo, log):
    vpc_id, mappings = topo.vpc()
    args = {
        "name": "ack-a",
        "vpc_id": vpc_id,
        "vswitch_ids": [mappings[0]["vswitch_id"]],
        "pod_cidr": "10.0.0.0/16",
        "node_pool": {"instance_types": ["ecs.g7.xlarge"], "desired_size": 1, "key_pair": "kp"},
    }
    result = run(ack_cluster, args)
    assert result["changed"] is True, result
    log.clear()
    return result["cluster"]


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def server_of(text):
    (entry,) = yaml.safe_load(text)["clusters"]
    return entry["cluster"]["server"]


def test_writes_the_file_0600_with_parents(run, cluster, tmp_path, log):
    dest = tmp_path / "kube" / "nested" / "ack-a.yaml"
    result = run(ack_kubeconfig, {"cluster_id": cluster["cluster_id"], "private": True, "dest": str(dest)})
    assert result["changed"] is True and result["dest"] == str(dest)
    assert mode(dest) == 0o600
    text = dest.read_text()
    assert text.startswith(kubeconfig.MARKER)
    assert server_of(text) == cluster["intranet_api_server_endpoint"]
    # without return_content the credentials stay in the file: nothing in the result carries them
    assert result["kubeconfig"] is None
    creds = yaml.safe_load(text)["users"][0]["user"]  # a client certificate and its key
    assert set(creds) == {"client-certificate-data", "client-key-data"}
    assert all(str(v) not in repr(result) for v in creds.values())
    assert kubeconfig.parse_time(result["expiration"]) is not None
    assert log.actions() == ["DescribeClusterUserKubeconfig"] and log.writes() == []
    assert log.calls()[0]["PrivateIpAddress"] in (True, "true", "True")
    assert text not in repr(result["diff"])
    assert [p.name for p in dest.parent.iterdir()] == ["ack-a.yaml"]  # no temporary file left


def test_rerun_keeps_the_valid_file(run, cluster, tmp_path):
    dest = tmp_path / "ack-a.yaml"
    args = {"cluster_id": cluster["cluster_id"], "private": True, "dest": str(dest)}
    run(ack_kubeconfig, args)
    before = (dest.read_text(), os.stat(dest).st_ino)
    result = run(ack_kubeconfig, args)
    assert result["changed"] is False
    assert (dest.read_text(), os.stat(dest).st_ino) == before


def test_wrong_mode_is_fixed_and_content_kept(run, cluster, tmp_path):
    dest = tmp_path / "ack-a.yaml"
    args = {"cluster_id": cluster["cluster_id"], "private": True, "dest": str(dest)}
    run(ack_kubeconfig, args)
    text = dest.read_text()
    os.chmod(dest, 0o644)
    result = run(ack_kubeconfig, args)
    assert result["changed"] is True and mode(dest) == 0o600 and dest.read_text() == text


def test_expired_or_foreign_file_is_replaced(run, cluster, tmp_path):
    dest = tmp_path / "ack-a.yaml"
    args = {"cluster_id": cluster["cluster_id"], "private": True, "dest": str(dest)}
    fresh = run(ack_kubeconfig, dict(args, return_content=True))
    dest.write_text(kubeconfig.render(fresh["kubeconfig"], "2020-01-01T00:00:00Z"))
    result = run(ack_kubeconfig, args)
    assert result["changed"] is True and kubeconfig.recorded_expiration(dest.read_text()).year > 2020
    other = fresh["kubeconfig"].replace(server_of(fresh["kubeconfig"]), "https://other.example:6443")
    dest.write_text(kubeconfig.render(other, "2099-01-01T00:00:00Z"))
    result = run(ack_kubeconfig, args)
    assert result["changed"] is True and server_of(dest.read_text()) == cluster["intranet_api_server_endpoint"]


def test_check_mode_writes_no_file(run, cluster, tmp_path):
    dest = tmp_path / "ack-a.yaml"
    result = run(ack_kubeconfig, {"cluster_id": cluster["cluster_id"], "private": True, "dest": str(dest)}, True)
    assert result["changed"] is True and not dest.exists()


def test_without_dest_or_return_content_fails_before_any_call(run, cluster, log):
    result = run(ack_kubeconfig, {"cluster_id": cluster["cluster_id"], "private": True})
    assert result["failed"] is True and result["field"] == "dest" and "return_content" in result["msg"]
    assert log.actions() == []


def test_without_dest_only_returns(run, cluster, log):
    args = {"cluster_id": cluster["cluster_id"], "private": True, "temporary_duration_minutes": 60}
    result = run(ack_kubeconfig, dict(args, return_content=True))
    assert result["changed"] is False and result["dest"] is None
    assert server_of(result["kubeconfig"]) == cluster["intranet_api_server_endpoint"]
    assert log.calls("DescribeClusterUserKubeconfig")[0]["TemporaryDurationMinutes"] in (60, "60")


def test_public_kubeconfig_of_a_private_cluster_fails(run, cluster, tmp_path):
    dest = tmp_path / "ack-a.yaml"
    result = run(ack_kubeconfig, {"cluster_id": cluster["cluster_id"], "dest": str(dest)})
    assert result["failed"] is True and "endpoint_public_access" in result["msg"] and not dest.exists()


def test_bad_duration_fails_before_any_call(run, cluster, log):
    result = run(
        ack_kubeconfig, {"cluster_id": cluster["cluster_id"], "temporary_duration_minutes": 5, "return_content": True}
    )
    assert result["failed"] is True and result["field"] == "temporary_duration_minutes" and log.actions() == []
