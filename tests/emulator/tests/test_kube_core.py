"""kubernetes.core modules (k8s, k8s_info, k8s_scale) against an emulated ACK API server, run as
``ansible`` ad-hoc commands with the collection from <worktree>/.build/collections and a kubeconfig
from DescribeClusterUserKubeconfig. Each change is proved in the API server's state or the
request log, and each re-run is proved to change nothing.

What kubernetes.core sends: /work/shared/reference/kube-api-emulation.md §1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest
from kubernetes import client

WORKTREE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COLLECTIONS = os.path.join(WORKTREE, ".build", "collections")
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")


class Core:
    def __init__(self, kube_cloud: Any) -> None:
        self.cloud = kube_cloud
        self.emu = kube_cloud.emu
        self.cluster_id = kube_cloud.cluster(nodes=2)
        text, _exp = kube_cloud.cluster_kubeconfig(self.cluster_id)
        self.kubeconfig = kube_cloud.write(text)
        api = kube_cloud.client(self.kubeconfig)
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)

    def run(self, module: str, args: dict[str, Any], check: bool = False) -> dict[str, Any]:
        """One ad-hoc module run; its result (``rc`` added)."""
        args = dict(args, kubeconfig=self.kubeconfig)
        cmd = [
            ANSIBLE,
            "localhost",
            "-c",
            "local",
            "-i",
            "localhost,",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            "-m",
            f"kubernetes.core.{module}",
            "-a",
            json.dumps(args),
        ]
        if check:
            cmd.append("--check")
        env = dict(os.environ)
        env.update(
            {
                "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
                "ANSIBLE_HOST_KEY_CHECKING": "false",
                "ANSIBLE_LOCAL_TEMP": os.path.join(self.cloud.workdir, "ansible-tmp"),
                "ANSIBLE_REMOTE_TEMP": os.path.join(self.cloud.workdir, "ansible-tmp"),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_DEPRECATION_WARNINGS": "false",
                "NO_PROXY": "127.0.0.1,localhost",
            }
        )
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180, check=False)
        out = proc.stdout
        start = out.find("=> {")
        if start < 0:
            raise AssertionError(f"no module result: {out}\n{proc.stderr}")
        result = json.loads(out[start + 3 :])
        result["rc"] = proc.returncode
        return result

    def mark(self) -> int:
        return len(self.emu.reqlog.lines())

    def k8s_lines(self, mark: int) -> list[dict[str, Any]]:
        return [e for e in self.emu.reqlog.lines()[mark:] if e.get("product") == "k8s"]

    def writes(self, mark: int) -> list[str]:
        return [e["action"] for e in self.k8s_lines(mark) if e["write"]]


@pytest.fixture(scope="module")
def core(kube_cloud) -> Core:
    return Core(kube_cloud)


def namespace_def(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"istio-injection": "enabled"}},
    }


def configmap_def(ns: str, value: str = "1") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": ns, "labels": {"app": "web"}},
        "data": {"value": value},
    }


def deployment_def(ns: str, name: str = "web", replicas: int = 2) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name, "tier": "front"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]},
            },
        },
    }


def test_apply_creates_then_rerun_writes_nothing(core: Core) -> None:
    ns = "core-apply"
    mark = core.mark()
    first = core.run("k8s", {"definition": namespace_def(ns), "apply": True})
    assert first["rc"] == 0 and first["changed"] is True
    cm = core.run("k8s", {"definition": configmap_def(ns), "apply": True})
    assert cm["changed"] is True and cm["result"]["data"] == {"value": "1"}
    assert core.writes(mark) == ["create namespaces", "create configmaps"]
    stored = core.core.read_namespaced_config_map("settings", ns)
    assert "kubectl.kubernetes.io/last-applied-configuration" in stored.metadata.annotations
    rv = stored.metadata.resource_version
    # the same manifests again: no write request at all, changed=false
    mark = core.mark()
    again_ns = core.run("k8s", {"definition": namespace_def(ns), "apply": True})
    again_cm = core.run("k8s", {"definition": configmap_def(ns), "apply": True})
    assert again_ns["changed"] is False and again_cm["changed"] is False
    assert core.writes(mark) == []
    assert core.k8s_lines(mark), "the re-run read the objects"
    assert core.core.read_namespaced_config_map("settings", ns).metadata.resource_version == rv
    # a changed manifest: one merge patch
    mark = core.mark()
    changed = core.run("k8s", {"definition": configmap_def(ns, "2"), "apply": True})
    assert changed["changed"] is True and changed["result"]["data"] == {"value": "2"}
    assert core.writes(mark) == ["patch configmaps"]
    patch_line = [e for e in core.k8s_lines(mark) if e["write"]][0]
    assert patch_line["method"] == "PATCH" and patch_line["status"] == 200


def settled_rv(core: Core, ns: str, name: str, timeout: float = 30.0) -> str:
    """The Deployment's resourceVersion once its controller has stopped updating its status."""
    deadline = time.monotonic() + timeout
    rv = core.apps.read_namespaced_deployment(name, ns).metadata.resource_version
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = core.apps.read_namespaced_deployment(name, ns).metadata.resource_version
        if now == rv:
            return rv
        rv = now
    raise AssertionError(f"deployment {ns}/{name} kept changing")


def test_apply_deployment_rerun_is_a_noop_patch(core: Core) -> None:
    ns = "core-deploy"
    core.run("k8s", {"definition": namespace_def(ns), "apply": True})
    created = core.run("k8s", {"definition": deployment_def(ns), "apply": True, "wait": True, "wait_timeout": 60})
    assert created["changed"] is True and created["rc"] == 0
    dep = core.apps.read_namespaced_deployment("web", ns)
    assert dep.status.ready_replicas == 2 and dep.status.observed_generation == dep.metadata.generation
    rv = settled_rv(core, ns, "web")
    mark = core.mark()
    again = core.run("k8s", {"definition": deployment_def(ns), "apply": True})
    assert again["changed"] is False
    # kubernetes.core's client-side apply sends a merge patch whenever the manifest holds a list with a
    # merge key (apply.py list_merge returns the merged list): the server finds nothing to change and
    # keeps the resourceVersion, which is what makes changed=false.
    lines = [e for e in core.k8s_lines(mark) if e["write"]]
    assert [(e["action"], e["status"], e.get("changed")) for e in lines] == [("patch deployments", 200, False)]
    assert core.apps.read_namespaced_deployment("web", ns).metadata.resource_version == rv


def test_server_side_apply(core: Core) -> None:
    ns = "core-ssa"
    core.run("k8s", {"definition": namespace_def(ns), "apply": True})
    args = {"definition": configmap_def(ns), "apply": True, "server_side_apply": {"field_manager": "geomesh"}}
    mark = core.mark()
    first = core.run("k8s", args)
    assert first["changed"] is True
    lines = [e for e in core.k8s_lines(mark) if e["write"]]
    assert [(e["action"], e["status"]) for e in lines] == [("patch configmaps", 201)]
    assert "fieldManager=geomesh" in lines[0]["path"] and "force=false" in lines[0]["path"]
    stored = core.core.read_namespaced_config_map("settings", ns)
    assert [(m.manager, m.operation) for m in stored.metadata.managed_fields] == [("geomesh", "Apply")]
    again = core.run("k8s", args)
    assert again["changed"] is False
    assert (
        core.core.read_namespaced_config_map("settings", ns).metadata.resource_version
        == stored.metadata.resource_version
    )
    # another manager's conflicting value: refused unless forced
    other = {"definition": configmap_def(ns, "9"), "apply": True, "server_side_apply": {"field_manager": "intruder"}}
    refused = core.run("k8s", other)
    assert refused["rc"] != 0 and refused["reason"] == "Conflict" and "FieldManagerConflict" in refused["msg"]
    assert core.core.read_namespaced_config_map("settings", ns).data == {"value": "1"}
    other["server_side_apply"]["force_conflicts"] = True
    forced = core.run("k8s", other)
    assert forced["changed"] is True and core.core.read_namespaced_config_map("settings", ns).data == {"value": "9"}


def test_check_mode_and_absent(core: Core) -> None:
    ns = "core-absent"
    core.run("k8s", {"definition": namespace_def(ns), "apply": True})
    mark = core.mark()
    planned = core.run("k8s", {"definition": configmap_def(ns), "apply": True}, check=True)
    assert planned["changed"] is True
    assert core.writes(mark) == []
    dry = [e for e in core.k8s_lines(mark) if e["method"] == "POST"]
    assert len(dry) == 1 and "dryRun=All" in dry[0]["path"] and dry[0]["write"] is False
    assert core.core.list_namespaced_config_map(ns).items == []
    core.run("k8s", {"definition": configmap_def(ns), "apply": True})
    mark = core.mark()
    check_delete = core.run("k8s", {"definition": configmap_def(ns), "state": "absent"}, check=True)
    assert check_delete["changed"] is True and core.writes(mark) == []
    assert core.core.read_namespaced_config_map("settings", ns).metadata.name == "settings"
    mark = core.mark()
    deleted = core.run("k8s", {"definition": configmap_def(ns), "state": "absent"})
    assert deleted["changed"] is True and core.writes(mark) == ["delete configmaps"]
    assert core.core.list_namespaced_config_map(ns).items == []
    mark = core.mark()
    again = core.run("k8s", {"definition": configmap_def(ns), "state": "absent"})
    assert again["changed"] is False and core.writes(mark) == []
    # a whole namespace: Terminating, then gone with its objects (wait)
    core.run("k8s", {"definition": configmap_def(ns), "apply": True})
    gone = core.run("k8s", {"kind": "Namespace", "name": ns, "state": "absent", "wait": True, "wait_timeout": 60})
    assert gone["changed"] is True and gone["rc"] == 0
    assert [n.metadata.name for n in core.core.list_namespace().items if n.metadata.name == ns] == []


def test_k8s_info_label_selectors(core: Core) -> None:
    ns = "core-info"
    core.run("k8s", {"definition": namespace_def(ns), "apply": True})
    for name, tier in (("web", "front"), ("api", "back")):
        dep = deployment_def(ns, name, replicas=1)
        dep["metadata"]["labels"]["tier"] = tier
        core.run("k8s", {"definition": dep, "apply": True})
    mark = core.mark()
    front = core.run("k8s_info", {"kind": "Deployment", "namespace": ns, "label_selectors": ["tier = front"]})
    assert [r["metadata"]["name"] for r in front["resources"]] == ["web"]
    both = core.run("k8s_info", {"kind": "Deployment", "namespace": ns, "label_selectors": ["tier in (front, back)"]})
    assert sorted(r["metadata"]["name"] for r in both["resources"]) == ["api", "web"]
    none = core.run("k8s_info", {"kind": "Deployment", "namespace": ns, "label_selectors": ["tier", "app=nope"]})
    assert none["resources"] == []
    missing = core.run("k8s_info", {"kind": "Deployment", "namespace": ns, "name": "nope"})
    assert missing["resources"] == []
    by_field = core.run(
        "k8s_info",
        {
            "kind": "Pod",
            "namespace": ns,
            "field_selectors": ["status.phase=Running"],
            "label_selectors": ["app=web"],
            "wait": True,
            "wait_timeout": 60,
        },
    )
    assert by_field["rc"] == 0
    assert front["changed"] is False and core.writes(mark) == []
    listing = [e for e in core.k8s_lines(mark) if e["action"] == "list deployments"]
    assert any(
        "labelSelector=tier+%3D+front" in e["path"] or "labelSelector=tier%20%3D%20front" in e["path"] for e in listing
    )


def test_k8s_scale(core: Core) -> None:
    ns = "core-scale"
    core.run("k8s", {"definition": namespace_def(ns), "apply": True})
    core.run("k8s", {"definition": deployment_def(ns, replicas=1), "apply": True, "wait": True, "wait_timeout": 60})
    mark = core.mark()
    scaled = core.run(
        "k8s_scale",
        {"kind": "Deployment", "name": "web", "namespace": ns, "replicas": 3, "wait": True, "wait_timeout": 60},
    )
    assert scaled["rc"] == 0 and scaled["changed"] is True
    assert core.writes(mark) == ["patch deployments/scale"]
    dep = core.apps.read_namespaced_deployment("web", ns)
    assert dep.spec.replicas == 3 and dep.status.ready_replicas == 3
    mark = core.mark()
    again = core.run("k8s_scale", {"kind": "Deployment", "name": "web", "namespace": ns, "replicas": 3})
    assert again["changed"] is False and core.writes(mark) == []
