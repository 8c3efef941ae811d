"""kubectl sessions against an emulated ACK cluster's API server, with the kubeconfig that
DescribeClusterUserKubeconfig returns: get, get -o yaml, describe, apply --server-side, scale,
wait and delete, each checked through the ``kubernetes`` Python client or the request log
(kube-api-emulation.md section 1 lists the calls kubectl makes)."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import KubeCloud, wait_for
from kubernetes import client as kclient
from kubernetes.client.exceptions import ApiException

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: {ns}
  labels:
    app: demo
data:
  colour: blue
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
  labels:
    app: web
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: docker.io/library/nginx:1.27
        ports:
        - containerPort: 80
"""


class Session:
    """kubectl and the Python client on one kubeconfig file."""

    def __init__(self, kube_cloud: KubeCloud, server_id: str, path: str) -> None:
        self.cloud = kube_cloud
        self.server_id = server_id
        self.path = path
        self.api = kube_cloud.client(path)

    def run(self, *args: str, stdin: str | None = None) -> str:
        out = self.cloud.kubectl(self.path, *args, stdin=stdin)
        assert out.returncode == 0, f"kubectl {' '.join(args)}: {out.stderr}"
        return out.stdout

    def fails(self, *args: str) -> str:
        out = self.cloud.kubectl(self.path, *args)
        assert out.returncode != 0, out.stdout
        return out.stderr

    def lines(self) -> list[dict]:
        return [
            x for x in self.cloud.emu.reqlog.lines() if x.get("product") == "k8s" and x.get("server") == self.server_id
        ]

    def writes(self) -> list[dict]:
        return [x for x in self.lines() if x["write"]]


@pytest.fixture(scope="module")
def session(kube_cloud: KubeCloud) -> Session:
    cluster_id = kube_cloud.cluster(nodes=2)
    text = kube_cloud.cluster_kubeconfig(cluster_id)[0]
    sess = Session(kube_cloud, cluster_id, kube_cloud.write(text, "kubectl-session.yaml"))
    yield sess
    sess.api.close()


@pytest.fixture
def ns(session: Session, request) -> str:
    """A namespace of the test's own (``kubectl create namespace``, which sends protobuf), removed
    afterwards."""
    name = request.node.name.replace("_", "-")[:50].strip("-").lower()
    assert session.run("create", "namespace", name).strip() == f"namespace/{name} created"
    assert kclient.CoreV1Api(session.api).read_namespace(name).status.phase == "Active"
    yield name
    session.cloud.kubectl(session.path, "delete", "namespace", name, "--wait=false")


def test_get_namespaces_and_yaml(session):
    table = session.run("get", "namespaces")
    names = {line.split()[0] for line in table.splitlines()[1:]}
    assert {"default", "kube-system"} <= names
    doc = yaml.safe_load(session.run("get", "namespace", "default", "-o", "yaml"))
    assert doc["kind"] == "Namespace" and doc["metadata"]["name"] == "default"
    assert doc["metadata"]["uid"] and doc["metadata"]["resourceVersion"]
    assert doc["status"]["phase"] == "Active"
    err = session.fails("get", "namespace", "no-such-namespace")
    assert 'Error from server (NotFound): namespaces "no-such-namespace" not found' in err


def test_apply_server_side_get_yaml_and_reapply(session, ns):
    before = len(session.writes())
    out = session.run("apply", "--server-side", "-f", "-", stdin=CONFIGMAP.format(ns=ns))
    assert "configmap/settings serverside-applied" in out
    live = kclient.CoreV1Api(session.api).read_namespaced_config_map("settings", ns)
    assert live.data == {"colour": "blue"} and live.metadata.labels == {"app": "demo"}
    assert [(m.manager, m.operation) for m in live.metadata.managed_fields] == [("kubectl", "Apply")]
    writes = session.writes()[before:]
    assert [(x["action"], x["changed"]) for x in writes] == [("patch configmaps", True)]
    assert "fieldManager=kubectl" in writes[0]["path"]

    doc = yaml.safe_load(session.run("get", "configmap", "settings", "-n", ns, "-o", "yaml"))
    assert doc["data"] == {"colour": "blue"}
    assert doc["metadata"]["resourceVersion"] == live.metadata.resource_version

    # the same apply again: the object (and its resourceVersion) stays as it was
    before = len(session.writes())
    session.run("apply", "--server-side", "-f", "-", stdin=CONFIGMAP.format(ns=ns))
    again = kclient.CoreV1Api(session.api).read_namespaced_config_map("settings", ns)
    assert again.metadata.resource_version == live.metadata.resource_version
    # still a write call (server-side apply always sends its PATCH), one that changed nothing
    assert [(x["action"], x["changed"]) for x in session.writes()[before:]] == [("patch configmaps", False)]

    # a change by another manager of a field kubectl owns conflicts until forced
    changed = CONFIGMAP.format(ns=ns).replace("blue", "green")
    out = session.cloud.kubectl(
        session.path, "apply", "--server-side", "--field-manager=other", "-f", "-", stdin=changed
    )
    assert out.returncode != 0 and "conflict" in out.stderr.lower(), out.stderr
    session.run("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-", stdin=changed)
    forced = kclient.CoreV1Api(session.api).read_namespaced_config_map("settings", ns)
    assert forced.data == {"colour": "green"}


def test_scale_describe_wait_and_delete(session, ns):
    session.run("apply", "--server-side", "-f", "-", stdin=DEPLOYMENT.format(ns=ns, replicas=1))
    apps = kclient.AppsV1Api(session.api)
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 1

    before = len(session.writes())
    out = session.run("scale", "deployment/web", "-n", ns, "--replicas=3")
    assert "deployment.apps/web scaled" in out
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 3
    assert apps.read_namespaced_deployment_scale("web", ns).spec.replicas == 3
    assert [x["action"] for x in session.writes()[before:]] == ["patch deployments/scale"]

    out = session.run("wait", "--for=condition=Available", "deployment/web", "-n", ns, "--timeout=60s")
    assert "deployment.apps/web condition met" in out
    status = apps.read_namespaced_deployment("web", ns).status
    assert status.ready_replicas == 3 and status.available_replicas == 3

    text = session.run("describe", "deployment", "web", "-n", ns)
    assert "Name:" in text and "web" in text and f"Namespace:              {ns}" in text
    assert "3 desired | 3 updated | 3 total | 3 available | 0 unavailable" in text

    pods = session.run("get", "pods", "-n", ns, "-l", "app=web", "-o", "json")
    assert len(json.loads(pods)["items"]) == 3

    out = session.run("delete", "deployment", "web", "-n", ns)
    assert 'deployment.apps "web" deleted' in out
    with pytest.raises(ApiException) as info:
        apps.read_namespaced_deployment("web", ns)
    assert info.value.status == 404


def test_wait_for_delete_watches(session, ns):
    """An object held by a finalizer stays (Terminating) after the delete; kubectl wait
    --for=delete watches it and returns once the finalizer is removed."""
    held = CONFIGMAP.format(ns=ns).replace("  labels:", "  finalizers:\n  - example.com/hold\n  labels:")
    session.run("apply", "--server-side", "-f", "-", stdin=held)
    session.run("delete", "configmap", "settings", "-n", ns, "--wait=false")
    core = kclient.CoreV1Api(session.api)
    assert core.read_namespaced_config_map("settings", ns).metadata.deletion_timestamp is not None
    waiter = session.cloud.kubectl_popen(
        session.path, "wait", "--for=delete", "configmap/settings", "-n", ns, "--timeout=30s"
    )
    try:
        wait_for(lambda: any(x["action"] == "watch configmaps" for x in session.lines()), timeout=20)
        assert waiter.poll() is None  # still waiting
        core.patch_namespaced_config_map("settings", ns, {"metadata": {"finalizers": None}})
        out, err = waiter.communicate(timeout=30)
    finally:
        if waiter.poll() is None:
            waiter.kill()
            waiter.wait()
    assert waiter.returncode == 0, err
    assert "configmap/settings condition met" in out
    with pytest.raises(ApiException) as info:
        core.read_namespaced_config_map("settings", ns)
    assert info.value.status == 404


GATEWAY = """\
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: bookinfo-gateway
  namespace: {ns}
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "*"
    colour: blue
"""


def test_mesh_session_istio_kinds(kube_cloud):
    """On a mesh's API server: the Istio CRDs are there, a Gateway applies and reads back (a field
    its schema does not know is refused by kubectl's strict validation, else pruned, as by a real
    API server), Deployments are not served."""
    mesh_id = kube_cloud.mesh()
    text = kube_cloud.mesh_kubeconfig(mesh_id)[0]
    mesh = Session(kube_cloud, mesh_id, kube_cloud.write(text, "kubectl-mesh.yaml"))
    try:
        crds = mesh.run("get", "crd", "-o", "name").split()
        assert "customresourcedefinition.apiextensions.k8s.io/gateways.networking.istio.io" in crds
        assert mesh.run("create", "namespace", "demo").strip() == "namespace/demo created"
        # kubectl validates strictly (fieldValidation=Strict): the misspelt field is refused ...
        out = kube_cloud.kubectl(mesh.path, "apply", "--server-side", "-f", "-", stdin=GATEWAY.format(ns="demo"))
        assert out.returncode != 0 and ".spec.servers[0].colour: field not declared in schema" in out.stderr
        # ... and without validation it is dropped silently
        out = mesh.run("apply", "--server-side", "--validate=false", "-f", "-", stdin=GATEWAY.format(ns="demo"))
        assert "gateway.networking.istio.io/bookinfo-gateway serverside-applied" in out
        doc = yaml.safe_load(
            mesh.run("get", "gateways.networking.istio.io", "bookinfo-gateway", "-n", "demo", "-o", "yaml")
        )
        (server,) = doc["spec"]["servers"]
        assert server["port"] == {"number": 80, "name": "http", "protocol": "HTTP"} and server["hosts"] == ["*"]
        assert "colour" not in server  # pruned
        assert doc["spec"]["selector"] == {"istio": "ingressgateway"}
        names = mesh.run("get", "gateways.networking.istio.io", "-n", "demo", "-o", "name").split()
        assert names == ["gateway.networking.istio.io/bookinfo-gateway"]
        err = mesh.fails("get", "deployments", "-n", "demo")
        assert 'the server doesn\'t have a resource type "deployments"' in err
        out = mesh.run("delete", "gateways.networking.istio.io", "bookinfo-gateway", "-n", "demo")
        assert 'gateway.networking.istio.io "bookinfo-gateway" deleted' in out
        assert mesh.run("get", "gateways.networking.istio.io", "-n", "demo", "-o", "name").split() == []
    finally:
        mesh.api.close()
