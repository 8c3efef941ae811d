"""Contract tests of the emulator core: signatures, errors, faults, idempotency, persistence,
request log, control endpoints and the CLI."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import requests
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from alibabacloud_tea_openapi.utils import Utils
from alibabacloud_vpc20160428 import models as vm
from alibabacloud_vpc20160428.client import Client as VpcClient
from conftest import EMULATOR_ROOT, TEST_DELAY_SCALE, control, make_config, wait_for

from geomesh_emulator.server import Emulator
from geomesh_emulator.signing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_STS_ACCESS_KEY_ID,
    DEFAULT_STS_ACCESS_KEY_SECRET,
    DEFAULT_STS_TOKEN,
)

REGION = "cn-hangzhou"


def _describe(client):
    return client.describe_vpcs(vm.DescribeVpcsRequest(region_id=REGION))


def _vpc(fresh, **cfg):
    return VpcClient(make_config(fresh, REGION, **cfg))


# ------------------------------------------------------------------------------------- signatures
def test_wrong_secret_is_signature_mismatch(fresh):
    with pytest.raises(ClientException) as exc:
        _describe(_vpc(fresh, access_key_secret="not-the-secret"))
    assert exc.value.code == "SignatureDoesNotMatch" and exc.value.status_code == 400
    assert exc.value.request_id


def test_unknown_access_key(fresh):
    with pytest.raises(ClientException) as exc:
        _describe(_vpc(fresh, access_key_id="LTAIunknown"))
    assert exc.value.code == "InvalidAccessKeyId.NotFound" and exc.value.status_code == 404


def test_sts_credentials(fresh):
    sts = dict(access_key_id=DEFAULT_STS_ACCESS_KEY_ID, access_key_secret=DEFAULT_STS_ACCESS_KEY_SECRET)
    assert _describe(_vpc(fresh, security_token=DEFAULT_STS_TOKEN, **sts)).body.total_count == 0
    with pytest.raises(ClientException) as exc:
        _describe(_vpc(fresh, security_token="forged-token", **sts))
    assert exc.value.code.startswith("InvalidSecurityToken.")
    with pytest.raises(ClientException) as exc:
        _describe(_vpc(fresh, **sts))
    assert exc.value.code == "MissingSecurityToken"


def test_legacy_v1_signature(fresh):
    client = _vpc(fresh, signature_algorithm="v2")
    vpc_id = client.create_vpc(
        vm.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8", vpc_name="legacy")
    ).body.vpc_id
    assert _describe(client).body.vpcs.vpc[0].vpc_id == vpc_id
    with pytest.raises(ClientException) as exc:
        _describe(_vpc(fresh, signature_algorithm="v2", access_key_secret="bad"))
    assert exc.value.code == "SignatureDoesNotMatch"


def _signed(
    fresh,
    action="DescribeVpcs",
    version="2016-04-28",
    query=None,
    body=b"",
    nonce="n-1",
    secret=DEFAULT_ACCESS_KEY_SECRET,
):
    from darabonba.request import DaraRequest

    req = DaraRequest()
    req.method = "POST"
    req.pathname = "/"
    req.query = query if query is not None else {"RegionId": REGION}
    payload = hashlib.sha256(body).hexdigest()
    req.headers = {
        "host": fresh.endpoint,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": payload,
        "accept": "application/json",
    }
    req.headers["Authorization"] = Utils.get_authorization(
        req, "ACS3-HMAC-SHA256", payload, DEFAULT_ACCESS_KEY_ID, secret
    )
    return requests.post(f"http://{fresh.endpoint}/", params=req.query, headers=req.headers, data=body, timeout=10)


def test_raw_wire_nonce_replay_and_error_shape(fresh):
    ok = _signed(fresh, nonce="nonce-replay-1")
    assert ok.status_code == 200 and ok.json()["TotalCount"] == 0
    assert ok.headers["x-acs-request-id"] == ok.json()["RequestId"]
    again = _signed(fresh, nonce="nonce-replay-1")
    assert again.status_code == 400 and again.json()["Code"] == "SignatureNonceUsed"
    doc = again.json()
    assert set(doc) == {"RequestId", "Code", "Message", "HostId", "Recommend"}
    assert doc["HostId"] == "vpc.aliyuncs.com"


def test_unknown_action_and_version(fresh):
    r = _signed(fresh, action="DescribeNothing", nonce="n-a")
    assert r.status_code == 404 and r.json()["Code"] == "InvalidAction.NotFound"
    r = _signed(fresh, version="1999-01-01", nonce="n-b")
    assert r.status_code == 400 and r.json()["Code"] == "InvalidVersion"
    # action of another product's version (ECS action sent with the VPC version)
    r = _signed(fresh, action="DescribeSecurityGroups", nonce="n-c")
    assert r.status_code == 404 and r.json()["Code"] == "InvalidAction.NotFound"


def test_unsigned_request_refused(fresh):
    r = requests.post(
        f"http://{fresh.endpoint}/",
        params={"RegionId": REGION},
        headers={"x-acs-action": "DescribeVpcs", "x-acs-version": "2016-04-28"},
        timeout=10,
    )
    assert r.status_code == 400 and r.json()["Code"]


def test_dry_run(fresh):
    client = _vpc(fresh)
    with pytest.raises(ClientException) as exc:
        client.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8", dry_run=True))
    assert exc.value.code == "DryRunOperation"
    assert _describe(client).body.total_count == 0


# ------------------------------------------------------------------------------------------ faults
def test_throttling_fault(fresh):
    control(fresh, "/_emulator/faults", {"throttling_pct": 100, "throttling_retry_after_pct": 0, "seed": 1})
    client = _vpc(fresh)
    with pytest.raises(ClientException) as exc:
        _describe(client)
    assert exc.value.code == "Throttling.User" and exc.value.status_code == 400
    control(
        fresh,
        "/_emulator/faults",
        {"throttling_pct": 100, "throttling_retry_after_pct": 100, "throttling_retry_after_ms": 250},
    )
    with pytest.raises(ThrottlingException) as exc:
        _describe(client)
    assert exc.value.code == "Throttling.User" and exc.value.retry_after == 250
    control(fresh, "/_emulator/faults", {})
    assert _describe(client).body.total_count == 0
    log = control(fresh, "/_emulator/log")
    assert [x["fault"] for x in log] == ["throttling", "throttling", None]
    assert [x["code"] for x in log] == ["Throttling.User", "Throttling.User", None]


def test_server_error_fault_and_after_commit_replay(fresh):
    client = _vpc(fresh)
    control(fresh, "/_emulator/faults", {"server_error_pct": 100})
    with pytest.raises(ServerException) as exc:
        client.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8"))
    assert exc.value.code == "ServiceUnavailable" and exc.value.status_code == 503
    control(fresh, "/_emulator/faults", {"server_error_after_commit_pct": 100, "writes_only": True})
    with pytest.raises(ServerException):
        client.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8", client_token="t-5xx"))
    control(fresh, "/_emulator/faults", {})
    # the write happened: a retry with the same ClientToken returns the first result, no duplicate
    again = client.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8", client_token="t-5xx")).body
    listed = _describe(client).body
    assert listed.total_count == 1 and listed.vpcs.vpc[0].vpc_id == again.vpc_id


def test_fault_seed_is_deterministic(fresh):
    def run():
        control(fresh, "/_emulator/faults", {"throttling_pct": 50, "seed": 42})
        out = []
        client = _vpc(fresh)
        for _attempt in range(12):
            try:
                _describe(client)
                out.append(0)
            except (ClientException, ThrottlingException):
                out.append(1)
        return out

    first = run()
    assert 0 < sum(first) < 12
    assert run() == first


def test_eventual_consistency_hides_new_vpc(fresh):
    control(fresh, "/_emulator/faults", {"eventual_consistency_s": 0.5})
    client = _vpc(fresh)
    vpc_id = client.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8")).body.vpc_id
    assert _describe(client).body.total_count == 0
    with pytest.raises(ClientException) as exc:
        client.describe_vpc_attribute(vm.DescribeVpcAttributeRequest(region_id=REGION, vpc_id=vpc_id))
    assert exc.value.code == "InvalidVpcId.NotFound"
    wait_for(lambda: _describe(client).body.total_count == 1, timeout=5)


def test_latency_fault(fresh):
    control(fresh, "/_emulator/faults", {"latency_ms": 150})
    t0 = time.monotonic()
    _describe(_vpc(fresh))
    assert time.monotonic() - t0 >= 0.14
    assert control(fresh, "/_emulator/health")["status"] == "ok"  # control endpoints are never delayed


def test_bad_fault_profile_rejected(fresh):
    with pytest.raises(urllib.error.HTTPError) as exc:
        control(fresh, "/_emulator/faults", {"throttle": 5})
    assert exc.value.code == 400


# ------------------------------------------------------------------------ log, state, persistence
def test_request_log_format_and_no_secrets(fresh):
    client = _vpc(fresh)
    client.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8", client_token="log-1"))
    with pytest.raises(ClientException):
        client.delete_vpc(vm.DeleteVpcRequest(region_id=REGION, vpc_id="vpc-nope"))
    _describe(
        _vpc(
            fresh,
            security_token=DEFAULT_STS_TOKEN,
            access_key_id=DEFAULT_STS_ACCESS_KEY_ID,
            access_key_secret=DEFAULT_STS_ACCESS_KEY_SECRET,
        )
    )
    _describe(_vpc(fresh, signature_algorithm="v2"))
    path = os.path.join(fresh.state_dir, "requests.jsonl")
    lines = [json.loads(x) for x in open(path, encoding="utf-8")]
    assert len(lines) == 4
    keys = {
        "ts",
        "request_id",
        "product",
        "version",
        "action",
        "write",
        "params",
        "status",
        "code",
        "latency_ms",
        "fault",
    }
    assert all(set(x) == keys for x in lines)
    create, delete, sts_read, v1_read = lines
    assert (create["product"], create["version"], create["action"], create["write"]) == (
        "vpc",
        "2016-04-28",
        "CreateVpc",
        True,
    )
    assert create["status"] == 200 and create["code"] is None and create["params"]["ClientToken"] == "log-1"
    assert (delete["status"], delete["code"], delete["write"]) == (404, "InvalidVpcId.NotFound", True)
    assert sts_read["write"] is False and v1_read["params"] == {"RegionId": REGION}
    raw = open(path, encoding="utf-8").read()
    for secret in (
        DEFAULT_ACCESS_KEY_SECRET,
        DEFAULT_STS_ACCESS_KEY_SECRET,
        DEFAULT_STS_TOKEN,
        "Signature",
        "ACS3-HMAC",
    ):
        assert secret not in raw
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert control(fresh, "/_emulator/log") == lines


def test_state_and_reset_endpoints(fresh):
    client = _vpc(fresh)
    vpc_id = client.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8")).body.vpc_id
    state = control(fresh, "/_emulator/state")
    assert [d["VpcId"] for d in state["vpc"]] == [vpc_id]
    assert len(state["vpc_route_table"]) == 1
    control(fresh, "/_emulator/reset", {})
    assert control(fresh, "/_emulator/state") == {}
    assert control(fresh, "/_emulator/log") == []


def test_clock_endpoint_settles_lifecycles(fresh):
    fresh.clock.delay_scale = 100.0
    client = _vpc(fresh)
    vpc_id = client.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8")).body.vpc_id
    assert _describe(client).body.vpcs.vpc[0].status == "Pending"
    control(fresh, "/_emulator/clock", {"advance": 1000})
    item = client.describe_vpc_attribute(vm.DescribeVpcAttributeRequest(region_id=REGION, vpc_id=vpc_id)).body
    assert item.status == "Available"


def test_persistence_across_restart(tmp_path):
    state_dir = str(tmp_path / "persist")
    first = Emulator(state_dir, delay_scale=TEST_DELAY_SCALE).start()
    try:
        client = VpcClient(make_config(first, REGION))
        vpc_id = client.create_vpc(
            vm.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8", client_token="persist")
        ).body.vpc_id
    finally:
        first.stop()
    second = Emulator(state_dir, delay_scale=TEST_DELAY_SCALE).start()
    try:
        client = VpcClient(make_config(second, REGION))
        wait_for(lambda: _describe(client).body.vpcs.vpc[0].status == "Available")
        assert _describe(client).body.vpcs.vpc[0].vpc_id == vpc_id
        replay = client.create_vpc(
            vm.CreateVpcRequest(region_id=REGION, cidr_block="10.0.0.0/8", client_token="persist")
        ).body
        assert replay.vpc_id == vpc_id
        lines = second.reqlog.lines()  # the log file survives too
        assert lines[0]["action"] == "CreateVpc" and lines[-1]["action"] == "CreateVpc" and len(lines) >= 3
    finally:
        second.stop()


# ---------------------------------------------------------------------------------------------- CLI
def test_cli_daemon_start_status_stop(tmp_path):
    state_dir = str(tmp_path / "cli")
    env = dict(os.environ, PYTHONPATH=EMULATOR_ROOT, GEOMESH_EMULATOR_DELAY_SCALE="0")
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps({"latency_ms": 1, "seed": 3}))
    cmd = [sys.executable, "-m", "geomesh_emulator"]
    out = subprocess.run(
        cmd + ["start", "--state-dir", state_dir, "--daemon", "--faults", str(faults)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    try:
        assert "export GEOMESH_ALICLOUD_ENDPOINT=127.0.0.1:" in out
        assert "export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true" in out
        for name in ("env.sh", "env.json", "emulator.out", "state.sqlite3"):
            assert stat.S_IMODE(os.stat(os.path.join(state_dir, name)).st_mode) == 0o600
        envj = json.load(open(os.path.join(state_dir, "env.json"), encoding="utf-8"))
        assert envj["GEOMESH_ALICLOUD_PROTOCOL"] == "http" and envj["GEOMESH_EMULATOR_STATE_DIR"] == state_dir
        assert envj["ALIBABA_CLOUD_ACCESS_KEY_ID"] == DEFAULT_ACCESS_KEY_ID
        host, port = envj["GEOMESH_ALICLOUD_ENDPOINT"].split(":")
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/faults", timeout=5) as resp:  # noqa: S310
            assert json.loads(resp.read())["seed"] == 3
        status = subprocess.run(
            cmd + ["status", "--state-dir", state_dir], env=env, capture_output=True, text=True, timeout=30, check=False
        )
        assert status.returncode == 0 and json.loads(status.stdout)["status"] == "ok"
        again = subprocess.run(
            cmd + ["start", "--state-dir", state_dir, "--daemon"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert again.returncode == 1 and "already running" in again.stderr
    finally:
        stop = subprocess.run(
            cmd + ["stop", "--state-dir", state_dir], env=env, capture_output=True, text=True, timeout=30, check=False
        )
    assert stop.returncode == 0 and "stopped" in stop.stdout
    status = subprocess.run(
        cmd + ["status", "--state-dir", state_dir], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert status.returncode == 3


def test_cli_exit_with_pid_stops_when_the_watched_process_exits(tmp_path):
    state_dir = str(tmp_path / "watched")
    env = dict(os.environ, PYTHONPATH=EMULATOR_ROOT, GEOMESH_EMULATOR_DELAY_SCALE="0")
    cmd = [sys.executable, "-m", "geomesh_emulator"]
    watched = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        subprocess.run(
            cmd + ["start", "--state-dir", state_dir, "--daemon", "--exit-with-pid", str(watched.pid)],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )

        def status() -> int:
            return subprocess.run(
                cmd + ["status", "--state-dir", state_dir], env=env, capture_output=True, timeout=30, check=False
            ).returncode

        time.sleep(1.2)  # more than one watch interval: still serving while the process lives
        assert status() == 0
        watched.stdin.close()
        watched.wait(timeout=10)
        assert wait_for(lambda: status() == 3, timeout=10)
    finally:
        if watched.poll() is None:
            watched.kill()
        subprocess.run(cmd + ["stop", "--state-dir", state_dir], env=env, capture_output=True, timeout=30, check=False)


def test_reachability_endpoint_reports_the_routing_verdict(fresh):
    client = _vpc(fresh)
    one = client.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="20.0.0.0/8")).body.vpc_id
    two = client.create_vpc(vm.CreateVpcRequest(region_id=REGION, cidr_block="21.0.0.0/8")).body.vpc_id
    assert control(fresh, f"/_emulator/reachability?src={one}&dst={one}") == {"reachable": True, "reason": "same VPC"}
    verdict = control(fresh, f"/_emulator/reachability?src={one}&dst={two}&require_vpc_routes=true")
    assert verdict["reachable"] is False
    assert one in verdict["reason"] and "attachment" in verdict["reason"]
    assert control(fresh, "/_emulator/reachability?src=vpc-nope&dst=" + two)["reachable"] is False


def test_delay_profiles_set_the_clouds_proportions(monkeypatch):
    from geomesh_emulator.clock import DELAYS, PROFILES, Clock

    default = Clock(delay_scale=0.5, profile="default")
    assert default.delay("cluster_create") == DELAYS["cluster_create"] * 0.5
    cloud = Clock(delay_scale=0.01, profile="cloud")
    assert cloud.delay("cluster_create") == PROFILES["cloud"]["cluster_create"] * 0.01
    # ACK cluster >> mesh >> attachment >> VPC (the order tests/perf/site_scaling.py relies on)
    assert (
        cloud.delay("cluster_create") > cloud.delay("mesh_create") > cloud.delay("attach") > cloud.delay("vpc_create")
    )
    # a delay the profile does not name keeps its default; an unknown name its fallback
    assert cloud.delay("sg_rule") == DELAYS["sg_rule"] * 0.01
    assert cloud.delay("no_such_delay", 2.0) == 2.0 * 0.01
    monkeypatch.setenv("GEOMESH_EMULATOR_DELAY_PROFILE", "cloud")
    assert Clock(delay_scale=1).profile == "cloud"
    monkeypatch.setenv("GEOMESH_EMULATOR_DELAY_PROFILE", "fast")
    with pytest.raises(ValueError, match="unknown delay profile 'fast'"):
        Clock(delay_scale=1)
