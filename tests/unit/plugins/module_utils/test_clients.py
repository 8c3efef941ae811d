# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client factory against a scripted loopback HTTP server, through the real Tea SDK."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.geomesh.alicloud.plugins.module_utils import clients
from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.retries import Backoff


class Scripted(BaseHTTPRequestHandler):
    """Answers each request with the next (status, body, headers) of the server's script."""

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        self.server.seen.append(
            {"action": self.headers.get("x-acs-action"), "path": self.path, "host": self.headers.get("host")}
        )
        status, body, headers = self.server.script.pop(0) if self.server.script else (200, {"RequestId": "r"}, {})
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = _answer

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    httpd.script = []
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def make_client(server, product="vpc", sleeps=None):
    settings = {
        "access_key": "AKID",
        "secret_key": "SECRET",
        "security_token": None,
        "endpoint": "127.0.0.1:%d" % server.server_address[1],
        "protocol": "http",
    }
    backoff = Backoff(base=0.01, cap=0.02, max_attempts=4, sleep=(sleeps.append if sleeps is not None else None))
    if sleeps is None:
        backoff = Backoff(base=0.001, cap=0.002, max_attempts=4)
    return clients.create_client(product, settings, "cn-hangzhou", None, backoff)


def test_endpoint_override_reaches_the_sdk_config(server):
    client = make_client(server)
    assert client.sdk._endpoint == "127.0.0.1:%d" % server.server_address[1]
    assert client.sdk._protocol == "http"
    assert client.sdk._region_id == "cn-hangzhou"


def test_call_builds_the_request_model_and_returns_the_body_as_dict(server):
    server.script.append((200, {"RequestId": "r1", "TotalCount": 1, "Vpcs": {"Vpc": [{"VpcId": "vpc-1"}]}}, {}))
    body = make_client(server).call("DescribeVpcs", RegionId="cn-hangzhou", VpcName="x", PageSize=50)
    assert body["Vpcs"]["Vpc"][0]["VpcId"] == "vpc-1"
    assert server.seen[0]["action"] == "DescribeVpcs"
    assert "VpcName=x" in server.seen[0]["path"]


def test_roa_call_with_path_argument(server):
    server.script.append((200, {"cluster_id": "c1", "state": "running"}, {}))
    body = make_client(server, "cs").call("DescribeClusterDetail", "c1")
    assert body["state"] == "running"
    assert server.seen[0]["path"].startswith("/clusters/c1")


def test_unknown_action_is_a_clear_error(server):
    with pytest.raises(AlicloudError) as exc:
        make_client(server).call("DescribeUnicorns")
    assert exc.value.code == "UnsupportedAction"


def test_throttling_without_retry_after_is_retried(server):
    server.script += [
        (400, {"Code": "Throttling.User", "Message": "slow down", "RequestId": "t1"}, {}),
        (503, {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": "t2"}, {}),
        (200, {"RequestId": "ok", "TotalCount": 0, "Vpcs": {"Vpc": []}}, {}),
    ]
    sleeps = []
    body = make_client(server, sleeps=sleeps).call("DescribeVpcs", RegionId="cn-hangzhou")
    assert body["RequestId"] == "ok"
    assert len(server.seen) == 3
    assert len(sleeps) == 2


def test_throttling_with_retry_after_header_waits_at_least_that_long(server):
    server.script += [
        (400, {"Code": "Throttling.Api", "Message": "slow", "RequestId": "t"}, {"x-acs-retry-after": "50"}),
        (200, {"RequestId": "ok"}, {}),
    ]
    sleeps = []
    make_client(server, sleeps=sleeps).call("DescribeVpcs", RegionId="cn-hangzhou")
    assert sleeps and sleeps[0] >= 0.05


def test_product_in_progress_code_is_retried(server):
    server.script += [
        (400, {"Code": "OperationFailed.IdempotentTokenProcessing", "Message": "wait", "RequestId": "t"}, {}),
        (200, {"RequestId": "ok", "VpcId": "vpc-9"}, {}),
    ]
    body = make_client(server).call("CreateVpc", RegionId="cn-hangzhou", CidrBlock="10.0.0.0/8", ClientToken="tok")
    assert body["VpcId"] == "vpc-9"


def test_non_retryable_error_is_raised_at_once_with_all_fields(server):
    server.script.append((400, {"Code": "InvalidCidrBlock.Malformed", "Message": "bad cidr", "RequestId": "rq-7"}, {}))
    with pytest.raises(AlicloudError) as exc:
        make_client(server).call("CreateVpc", RegionId="cn-hangzhou", CidrBlock="x")
    err = exc.value
    assert (err.code, err.message, err.request_id, err.status_code) == (
        "InvalidCidrBlock.Malformed",
        "bad cidr",
        "rq-7",
        400,
    )
    assert err.action == "CreateVpc"
    assert len(server.seen) == 1


def test_retries_give_up_after_max_attempts(server):
    server.script += [
        (503, {"Code": "ServiceUnavailable", "Message": "down", "RequestId": str(i)}, {}) for i in range(9)
    ]
    with pytest.raises(AlicloudError) as exc:
        make_client(server).call("DescribeVpcs", RegionId="cn-hangzhou")
    assert exc.value.status_code == 503
    assert len(server.seen) == 4


def test_connection_refused_is_a_network_error():
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    settings = {"access_key": "a", "secret_key": "b", "endpoint": "127.0.0.1:%d" % port, "protocol": "http"}
    sleeps = []
    backoff = Backoff(base=0.001, cap=0.001, max_attempts=2, sleep=sleeps.append)
    client = clients.create_client("vpc", settings, "cn-hangzhou", None, backoff)
    with pytest.raises(AlicloudError) as exc:
        client.call("DescribeVpcs", RegionId="cn-hangzhou")
    assert exc.value.code == "NetworkError"
    # a read is idempotent: tried twice, with one pause between
    assert len(sleeps) == 1


def test_still_in_use_on_delete_is_retried_until_the_deadline(server):
    import time

    server.script += [
        (400, {"Code": "DependencyViolation.VSwitch", "Message": "in use", "RequestId": str(i)}, {}) for i in range(3)
    ]
    server.script.append((200, {"RequestId": "ok"}, {}))
    client = make_client(server)
    client.call("DeleteVpc", RegionId="cn-hangzhou", VpcId="vpc-1", deadline=time.monotonic() + 60)
    assert len(server.seen) == 4


def test_still_in_use_is_not_retried_past_the_deadline(server):
    import time

    server.script += [
        (400, {"Code": "DependencyViolation.VSwitch", "Message": "in use", "RequestId": str(i)}, {}) for i in range(3)
    ]
    with pytest.raises(AlicloudError) as exc:
        make_client(server).call("DeleteVpc", RegionId="cn-hangzhou", VpcId="vpc-1", deadline=time.monotonic())
    assert exc.value.code == "DependencyViolation.VSwitch"
    assert len(server.seen) == 1
