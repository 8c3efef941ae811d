"""Client-certificate authentication of the emulated Kubernetes API servers, driven by the two real
clients (the ``kubernetes`` Python client and kubectl) with the kubeconfigs the real SDK calls
return (kube-api-emulation.md section 8): a good certificate works, one of another API server's CA
fails at TLS, an expired / not-yet-valid / missing one gets 401, and every API server keeps its
port and CA across an emulator restart."""

from __future__ import annotations

import base64
import json
import os
import socket
import ssl
from urllib.parse import urlsplit

import pytest
import urllib3
import yaml
from conftest import TEST_DELAY_SCALE, KubeCloud, control, make_config, wait_for
from kubernetes import client as kclient
from kubernetes.client.exceptions import ApiException

from geomesh_emulator.server import Emulator


@pytest.fixture(scope="module")
def servers(kube_cloud: KubeCloud) -> dict[str, str]:
    """Two clusters and a mesh: ``{"a": cluster_id, "b": cluster_id, "mesh": mesh_id}``."""
    return {"a": kube_cloud.cluster(nodes=1), "b": kube_cloud.cluster(nodes=1), "mesh": kube_cloud.mesh()}


def _doc(text: str) -> dict:
    return yaml.safe_load(text)


def _user(doc: dict) -> dict:
    return doc["users"][0]["user"]


def _swap_server(target: dict, source: dict) -> dict:
    """``target``'s credentials against ``source``'s server, trusting ``source``'s CA (so only the
    client certificate is foreign)."""
    out = json.loads(json.dumps(target))
    out["clusters"][0]["cluster"] = dict(source["clusters"][0]["cluster"])
    return out


def _version(kube_cloud: KubeCloud, doc: dict) -> dict:
    api = kube_cloud.client(kube_cloud.write(yaml.safe_dump(doc)))
    try:
        return kclient.VersionApi(api).get_code().to_dict()
    finally:
        api.close()


def _path(line: dict) -> str:
    return urlsplit(line["path"]).path.rstrip("/")


def _k8s_lines(emu: Emulator, server_id: str) -> list[dict]:
    return [x for x in emu.reqlog.lines() if x.get("product") == "k8s" and x.get("server") == server_id]


# --------------------------------------------------------------------------------------- good cert
def test_kubeconfig_shape_and_good_certificate(kube_cloud, servers):
    text = kube_cloud.cluster_kubeconfig(servers["a"])[0]
    doc = _doc(text)
    server = doc["clusters"][0]["cluster"]["server"]
    assert server == kube_cloud.emu.kube.info(servers["a"])["url"] and server.startswith("https://127.0.0.1:")
    assert set(_user(doc)) == {"client-certificate-data", "client-key-data"}
    assert control(kube_cloud.emu, "/_emulator/health")["kube"][servers["a"]] == server
    before = len(_k8s_lines(kube_cloud.emu, servers["a"]))

    version = _version(kube_cloud, doc)
    assert version["git_version"].startswith("v1.")
    out = kube_cloud.kubectl(kube_cloud.write(text), "version", "-o", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["serverVersion"]["gitVersion"] == version["git_version"]

    lines = _k8s_lines(kube_cloud.emu, servers["a"])[before:]
    assert lines and all(x["status"] == 200 and x["write"] is False for x in lines)
    assert "/version" in {_path(x) for x in lines} and {x["region"] for x in lines} == {"cn-hangzhou"}
    # the key is a secret: it is in no log line
    key = _user(doc)["client-key-data"]
    assert key not in kube_cloud.emu.reqlog.raw()
    assert base64.b64decode(key).decode() not in kube_cloud.emu.reqlog.raw()


def test_the_cluster_certificate_names_the_caller(kube_cloud, servers):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    text = kube_cloud.cluster_kubeconfig(servers["a"])[0]
    cert = x509.load_pem_x509_certificate(base64.b64decode(_user(_doc(text))["client-certificate-data"]))
    (cn,) = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert cn.value == _doc(text)["users"][0]["name"]  # CN = the kubeconfig's user
    assert [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)] == ["system:users"]


# ------------------------------------------------------------------------------------ foreign CA
def test_certificate_of_another_cluster_fails_at_tls(kube_cloud, servers):
    a_text = kube_cloud.cluster_kubeconfig(servers["a"])[0]
    b_text = kube_cloud.cluster_kubeconfig(servers["b"])[0]
    foreign = _swap_server(_doc(a_text), _doc(b_text))
    before = len(_k8s_lines(kube_cloud.emu, servers["b"]))

    with pytest.raises(urllib3.exceptions.MaxRetryError) as info:
        _version(kube_cloud, foreign)
    assert isinstance(info.value.reason, (urllib3.exceptions.SSLError, urllib3.exceptions.ProtocolError))
    out = kube_cloud.kubectl(kube_cloud.write(yaml.safe_dump(foreign)), "version", "-o", "json")
    assert out.returncode != 0 and "tls: unknown certificate authority" in out.stderr, out.stderr
    # refused at the handshake: no request reached the API server
    assert len(_k8s_lines(kube_cloud.emu, servers["b"])) == before
    # and B's own kubeconfig still works
    assert _version(kube_cloud, _doc(b_text))["git_version"].startswith("v1.")


def test_server_of_another_cluster_is_not_trusted(kube_cloud, servers):
    """The kubeconfig's CA is its own cluster's: another API server's certificate fails
    verification in the client."""
    a_doc = _doc(kube_cloud.cluster_kubeconfig(servers["a"])[0])
    b_doc = _doc(kube_cloud.cluster_kubeconfig(servers["b"])[0])
    a_doc["clusters"][0]["cluster"]["server"] = b_doc["clusters"][0]["cluster"]["server"]
    with pytest.raises(urllib3.exceptions.MaxRetryError) as info:
        _version(kube_cloud, a_doc)
    assert isinstance(info.value.reason, urllib3.exceptions.SSLError)
    assert isinstance(info.value.reason.args[0], ssl.SSLCertVerificationError)
    out = kube_cloud.kubectl(kube_cloud.write(yaml.safe_dump(a_doc)), "version", "-o", "json")
    assert out.returncode != 0 and "certificate signed by unknown authority" in out.stderr, out.stderr


# --------------------------------------------------------------------------------- 401 Unauthorized
def _assert_401(kube_cloud: KubeCloud, doc: dict, server_id: str, kubectl_doc: dict | None = None) -> None:
    before = len(_k8s_lines(kube_cloud.emu, server_id))
    with pytest.raises(ApiException) as info:
        _version(kube_cloud, doc)
    assert info.value.status == 401
    status = json.loads(info.value.body)
    assert (status["kind"], status["status"], status["reason"], status["message"], status["code"]) == (
        "Status",
        "Failure",
        "Unauthorized",
        "Unauthorized",
        401,
    )
    out = kube_cloud.kubectl(kube_cloud.write(yaml.safe_dump(kubectl_doc or doc)), "get", "namespaces")
    assert out.returncode != 0 and "error: You must be logged in to the server" in out.stderr, out.stderr
    lines = _k8s_lines(kube_cloud.emu, server_id)[before:]
    # nothing passed authentication: every request of both clients got 401, none counts as a write
    assert len(lines) >= 2 and {x["status"] for x in lines} == {401} and not any(x["write"] for x in lines)
    assert "/version" in {_path(x) for x in lines} and "/api" in {_path(x) for x in lines}


def test_expired_certificate_gets_401(kube_cloud, servers):
    text, expiration = kube_cloud.cluster_kubeconfig(servers["a"], minutes=15)
    assert _version(kube_cloud, _doc(text))["git_version"]  # valid now
    kube_cloud.settle(16 * 60)  # past the kubeconfig's expiration on the emulator clock
    _assert_401(kube_cloud, _doc(text), servers["a"])
    fresh = kube_cloud.cluster_kubeconfig(servers["a"])[0]
    assert _version(kube_cloud, _doc(fresh))["git_version"]  # a new kubeconfig works again


def test_not_yet_valid_certificate_gets_401(kube_cloud, servers):
    emu = kube_cloud.emu
    doc = _doc(kube_cloud.cluster_kubeconfig(servers["a"])[0])
    now = emu.clock.now()
    cert, key = emu.kube.issue_client_cert(servers["a"], "early", [], not_after=now + 7200, not_before=now + 3600)
    doc["users"][0]["user"] = {
        "client-certificate-data": base64.b64encode(cert.encode()).decode(),
        "client-key-data": base64.b64encode(key.encode()).decode(),
    }
    _assert_401(kube_cloud, doc, servers["a"])


def test_no_client_certificate_gets_401(kube_cloud, servers):
    doc = _doc(kube_cloud.cluster_kubeconfig(servers["a"])[0])
    doc["users"][0]["user"] = {}
    # kubectl prompts for a username when a kubeconfig user has no credentials at all: it gets a
    # bearer token the server does not know instead (and no certificate either)
    with_token = json.loads(json.dumps(doc))
    with_token["users"][0]["user"] = {"token": "not-a-token-of-this-cluster"}
    _assert_401(kube_cloud, doc, servers["a"], kubectl_doc=with_token)


# --------------------------------------------------------------------------------------------- mesh
def test_mesh_kubeconfig_works_on_the_mesh_only(kube_cloud, servers):
    text = kube_cloud.mesh_kubeconfig(servers["mesh"])[0]
    doc = _doc(text)
    assert doc["clusters"][0]["cluster"]["server"] == kube_cloud.emu.kube.info(servers["mesh"])["url"]
    assert _version(kube_cloud, doc)["git_version"].startswith("v1.")
    out = kube_cloud.kubectl(kube_cloud.write(text), "version", "-o", "json")
    assert out.returncode == 0, out.stderr

    cluster_doc = _doc(kube_cloud.cluster_kubeconfig(servers["a"])[0])
    on_cluster = _swap_server(doc, cluster_doc)
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        _version(kube_cloud, on_cluster)
    out = kube_cloud.kubectl(kube_cloud.write(yaml.safe_dump(on_cluster)), "version", "-o", "json")
    assert out.returncode != 0 and "tls: unknown certificate authority" in out.stderr, out.stderr
    on_mesh = _swap_server(cluster_doc, doc)  # and a cluster's certificate on the mesh
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        _version(kube_cloud, on_mesh)


# ------------------------------------------------------------------------------------------ restart
def test_restart_keeps_port_and_ca_then_moves_off_a_taken_port(tmp_path):
    from alibabacloud_cs20151215 import models as csm
    from alibabacloud_cs20151215.client import Client as CsClient

    state_dir = str(tmp_path / "state")
    first = Emulator(state_dir, delay_scale=TEST_DELAY_SCALE).start()
    try:
        cloud = KubeCloud(first, str(tmp_path / "kube"))
        cluster_id = cloud.cluster(nodes=1)
        text = cloud.cluster_kubeconfig(cluster_id)[0]
        url = first.kube.info(cluster_id)["url"]
        assert _version(cloud, _doc(text))["git_version"]
    finally:
        first.stop()
    second = Emulator(state_dir, delay_scale=TEST_DELAY_SCALE).start()
    try:
        assert second.kube.info(cluster_id)["url"] == url  # same port
        cloud.emu = second
        assert _version(cloud, _doc(text))["git_version"]  # same CA: the old kubeconfig works
    finally:
        second.stop()
    # the port is taken by someone else at the next start: a new port, and the endpoint follows
    port = int(url.rsplit(":", 1)[1])
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", port))
    blocker.listen(1)
    third = Emulator(state_dir, delay_scale=TEST_DELAY_SCALE).start()
    try:
        moved = third.kube.info(cluster_id)["url"]
        assert moved != url and moved.startswith("https://127.0.0.1:")
        cs = CsClient(make_config(third, "cn-hangzhou"))
        master = json.loads(cs.describe_cluster_detail(cluster_id).body.master_url)
        assert master["intranet_api_server_endpoint"] == moved
        cloud.emu = third
        text2 = cs.describe_cluster_user_kubeconfig(
            cluster_id, csm.DescribeClusterUserKubeconfigRequest(private_ip_address=True)
        ).body.config
        assert _doc(text2)["clusters"][0]["cluster"]["server"] == moved
        assert _version(cloud, _doc(text2))["git_version"]
        # the CA is the same one: the old credentials work against the new port
        old = _doc(text)
        old["clusters"][0]["cluster"]["server"] = moved
        assert _version(cloud, old)["git_version"]
    finally:
        third.stop()
        blocker.close()
    assert os.stat(os.path.join(state_dir, "state.sqlite3")).st_mode & 0o077 == 0  # the CA keys stay private


def test_deleted_cluster_takes_its_api_server_along(kube_cloud):
    from alibabacloud_cs20151215 import models as csm

    cluster_id = kube_cloud.cluster(nodes=1)
    doc = _doc(kube_cloud.cluster_kubeconfig(cluster_id)[0])
    assert _version(kube_cloud, doc)["git_version"]
    kube_cloud.cs.delete_cluster(cluster_id, csm.DeleteClusterRequest())
    kube_cloud.settle()
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        _version(kube_cloud, doc)
    wait_for(lambda: kube_cloud.emu.kube.info(cluster_id) is None)
