"""The data plane (dataplane/manager.py): real Envoys and Bookinfo-like backends follow the
emulated Kubernetes state of one cluster joined to a mesh; they go with the emulator, whether it
stops, is interrupted or is killed.

The 2-region drills (failover, distribution, a broken network) run on what site.yml builds:
tests/integration/targets/runbook (and runbook_3_regions).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

import pytest
from conftest import wait_for
from test_kube_controllers import (  # noqa: F401  # pylint: disable=unused-import
    asm_client,
    cluster,
    create,
    cs,
    gateway_cr,
    get,
    join,
    mesh,
    net,
    tick,
    update,
)

from geomesh_emulator.server import Emulator

IMAGE = "docker.io/istio/examples-bookinfo-{}-{}:1.19.1"
SERVED_BY = re.compile(r"Reviews served by:</dt>\s*<u>([^<]+)</u>")
APPS = [
    ("productpage", "v1"),
    ("details", "v1"),
    ("ratings", "v1"),
    ("reviews", "v1"),
    ("reviews", "v2"),
    ("reviews", "v3"),
]


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    """This module's emulator runs the data plane."""
    state_dir = tmp_path_factory.mktemp("emulator-dataplane")
    instance = Emulator(str(state_dir), port=0, delay_scale=0.05, dataplane=True).start()
    yield instance
    instance.stop()


def bookinfo_deployment(service: str, version: str, replicas: int = 1) -> dict:
    labels = {"app": service, "version": version}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"{service}-{version}", "namespace": "default", "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "containers": [
                        {"name": service, "image": IMAGE.format(service, version), "ports": [{"containerPort": 9080}]}
                    ]
                },
            },
        },
    }


def bookinfo_service(service: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": service, "namespace": "default", "labels": {"app": service}},
        "spec": {"ports": [{"port": 9080, "name": "http"}], "selector": {"app": service}},
    }


def istio(kind: str, name: str, spec: dict) -> dict:
    return {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


def status(emu, live: bool = False) -> dict:
    return emu.dataplane.status(live=live)


def page(address: str) -> str:
    with urllib.request.urlopen(f"http://{address}/productpage", timeout=15) as resp:  # noqa: S310
        assert resp.status == 200
        return resp.read().decode()


def envoy_pids(emu) -> list[int]:
    return [p["pid"] for p in status(emu)["proxies"] if p.get("pid")]


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def bookinfo(emu, asm_client, cluster, mesh):  # noqa: F811  (the imported fixtures)
    """Bookinfo in one injected cluster, its gateway (2 replicas) and routing in the mesh."""
    cid = cluster
    join(emu, asm_client, mesh, cid)
    tick(emu, cid)
    update(
        emu,
        cid,
        "",
        "namespaces",
        None,
        "default",
        lambda ns: ns["metadata"].setdefault("labels", {}).update({"istio-injection": "enabled"}),
    )
    for service in ("productpage", "details", "ratings", "reviews"):
        create(emu, cid, bookinfo_service(service))
    for service, version in APPS:
        create(emu, cid, bookinfo_deployment(service, version))
    create(emu, mesh, gateway_cr("ingressgateway", [cid]))
    create(
        emu,
        mesh,
        istio(
            "Gateway",
            "bookinfo-gateway",
            {
                "selector": {"istio": "ingressgateway"},
                "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}],
            },
        ),
    )
    create(
        emu,
        mesh,
        istio(
            "VirtualService",
            "bookinfo",
            {
                "hosts": ["*"],
                "gateways": ["bookinfo-gateway"],
                "http": [
                    {
                        "match": [{"uri": {"exact": "/productpage"}}],
                        "route": [{"destination": {"host": "productpage", "port": {"number": 9080}}}],
                    }
                ],
            },
        ),
    )
    tick(emu, mesh)
    tick(emu, cid)  # the gateway's Deployment and Service made in the cluster
    emu.advance_clock(300)  # Pods started, the gateway Service has its address

    def up():
        st = status(emu)
        sidecars = [p for p in st["proxies"] if p["kind"] == "sidecar" and p.get("listeners")]
        gateways = [p for p in st["proxies"] if p["kind"] == "gateway" and p.get("listeners")]
        return st if len(st["apps"]) == 6 and len(sidecars) == 6 and len(gateways) == 2 else None

    st = wait_for(up, timeout=60, interval=0.2)
    gw = next(p for p in st["proxies"] if p["kind"] == "gateway")
    port = next(g for g in gw["gateway_ports"] if g["port"] == 80)
    return {"cluster": cid, "mesh": mesh, "gateway": f"{port['address']}:80", "status": st}


def test_bookinfo_served_through_the_gateway_and_sidecars(emu, bookinfo):
    st = bookinfo["status"]
    # one Envoy per injected Pod, one per gateway replica (both on the Service's address)
    assert sorted(p["pod"].rsplit("-", 2)[0] for p in st["proxies"] if p["kind"] == "sidecar") == sorted(
        f"{s}-{v}" for s, v in APPS
    )
    gateways = [p for p in st["proxies"] if p["kind"] == "gateway"]
    assert {g["gateway_ports"][0]["address"] for g in gateways} == {bookinfo["gateway"].split(":")[0]}
    assert bookinfo["gateway"].startswith(f"127.{emu.loopback.block}.")
    # two watched files per Envoy (LDS, CDS): each watch is an inotify instance, 128 per user by default
    for pid in envoy_pids(emu):
        fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        assert 1 <= fds.count("anon_inode:inotify") <= 2
    seen = {}
    for _i in range(30):
        body = page(bookinfo["gateway"])
        pod = SERVED_BY.search(body).group(1)
        stars = len([line for line in body.splitlines() if "full stars" in line])
        seen.setdefault(pod.split("-")[1], set()).add(stars)
    assert seen == {"v1": {0}, "v2": {2}, "v3": {2}}
    # every hop is in a proxy's access log: the gateway's to productpage, productpage's to reviews
    logs = {p["pod"]: p["access_log"] for p in status(emu)["proxies"]}
    product = next(path for pod, path in logs.items() if pod.startswith("productpage"))

    def logged() -> str | None:
        with open(product, encoding="utf-8") as fh:
            text = fh.read()
        return text if "outbound|9080||reviews.default.svc.cluster.local" in text else None

    # Envoy buffers access log lines: they reach the file up to about a second later (measured
    # with Envoy 1.40, whatever --file-flush-interval-msec says), hence the wait.
    text = wait_for(logged, timeout=15, interval=0.2)
    assert "outbound|9080||details.default.svc.cluster.local" in text


def test_scaled_to_zero_the_backend_goes(emu, bookinfo):
    cid = bookinfo["cluster"]
    before = {a["key"]: a for a in status(emu)["apps"]}
    v2 = next(a for a in before.values() if a["labels"].get("version") == "v2" and a["labels"]["app"] == "reviews")
    update(emu, cid, "apps", "deployments", "default", "reviews-v2", lambda d: d["spec"].update(replicas=0))
    wait_for(lambda: v2["key"] not in {a["key"] for a in status(emu)["apps"]}, timeout=30, interval=0.1)
    host, port = v2["address"].split(":")
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://{host}:{port}/health", timeout=2)  # noqa: S310
    pods = {SERVED_BY.search(page(bookinfo["gateway"])).group(1) for _i in range(30)}
    assert pods and not any(p.startswith("reviews-v2-") for p in pods)


def test_a_fault_makes_the_backend_answer_503(emu, bookinfo):
    cid = bookinfo["cluster"]
    answer = emu.dataplane.set_fault({"cluster_id": cid, "labels": {"app": "details"}, "status": 503})
    assert len(answer["pods"]) == 1
    assert "Error fetching product details!" in page(bookinfo["gateway"])
    emu.dataplane.set_fault({"pods": answer["pods"], "status": None})
    assert "Error fetching product details!" not in page(bookinfo["gateway"])
    with pytest.raises(ValueError, match="status must be"):
        emu.dataplane.set_fault({"pods": answer["pods"], "status": 42})


def test_the_envoys_go_with_the_emulator(emu, bookinfo):
    pids = envoy_pids(emu)
    assert len(pids) == 8 and all(running(p) for p in pids)
    state_dir = emu.state_dir
    emu.stop()
    assert not [p for p in pids if running(p)]
    # the same state under the command-line emulator: the Envoys come back, and go on SIGINT
    # (Ctrl-C) and on SIGKILL (PR_SET_PDEATHSIG), leaving no process behind
    for sig in (signal.SIGINT, signal.SIGKILL):
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "geomesh_emulator", "start", "--state-dir", state_dir, "--dataplane"],
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))},
        )
        try:
            endpoint = ""
            while not endpoint:
                line = proc.stdout.readline().decode()
                assert line, "the emulator printed no endpoint"
                if line.startswith("export GEOMESH_ALICLOUD_ENDPOINT="):
                    endpoint = line.split("=", 1)[1].strip().strip("'")
            url = f"http://{endpoint}"

            def dataplane(url=url):
                with urllib.request.urlopen(url + "/_emulator/dataplane", timeout=5) as resp:  # noqa: S310
                    body = json.loads(resp.read())
                got = [p["pid"] for p in body["proxies"] if p.get("pid") and p.get("listeners")]
                return got if len(got) == 8 else None

            child_pids = wait_for(dataplane, timeout=60, interval=0.3)
            proc.send_signal(sig)
            proc.wait(timeout=30)
            wait_for(lambda pids=child_pids: not [p for p in pids if running(p)], timeout=10, interval=0.1)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_side_by_side_emulators_hand_out_distinct_loadbalancer_blocks(tmp_path):
    """Each running emulator holds its own 127.<block>.0.0/16 (an exclusive flock), kept in its
    state: gateway listeners of emulators run in parallel never share an address."""
    first = Emulator(str(tmp_path / "a"), port=0).start()
    second = Emulator(str(tmp_path / "b"), port=0).start()
    try:
        assert first.loopback.block != second.loopback.block
        assert second.store.meta_get("kube_lb_block") == second.loopback.block
    finally:
        second.stop()
        first.stop()
