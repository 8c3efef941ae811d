"""The Kubernetes API semantics of the emulated API servers (kube/api.py), driven by the real
``kubernetes`` Python client (CoreV1Api / AppsV1Api / DynamicClient and raw calls through its REST
client) over the https listener, with the client certificate of a kubeconfig that
DescribeClusterUserKubeconfig / DescribeServiceMeshKubeconfig returned.

Expected shapes: /work/shared/reference/kube-api-emulation.md (§2 Status bodies, §3 patches, §4
metadata, §5 watch, §6 CRDs).
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from kubernetes import client, dynamic, watch

_ns_names = itertools.count(1)


class Kube:
    """One API server reached through a kubeconfig: typed, dynamic and raw access."""

    def __init__(self, kube_cloud: Any, server_id: str, kubeconfig: str) -> None:
        self.cloud = kube_cloud
        self.emu = kube_cloud.emu
        self.server_id = server_id
        self.path = kube_cloud.write(kubeconfig)
        self.api = kube_cloud.client(self.path)
        self.core = client.CoreV1Api(self.api)
        self.apps = client.AppsV1Api(self.api)
        self.dyn = dynamic.DynamicClient(self.api)

    def raw(
        self,
        method: str,
        path: str,
        body: Any = None,
        ctype: str = "application/json",
        query: list[tuple[str, str]] | None = None,
        accept: str = "application/json",
    ) -> tuple[int, dict[str, str], Any]:
        """``(status, headers, decoded body)`` of one request; errors are returned, not raised."""
        url = self.api.configuration.host + path
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        headers = {"Accept": accept, "Content-Type": ctype}
        data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        # the ApiClient's urllib3 pool carries the kubeconfig's CA and client certificate
        resp = self.api.rest_client.pool_manager.request(method, url, body=data, headers=headers, timeout=30)
        text = resp.data.decode("utf-8")
        try:
            doc = json.loads(text) if text else None
        except ValueError:
            doc = text
        return resp.status, dict(resp.headers), doc

    def namespace(self, labels: dict[str, str] | None = None) -> str:
        name = f"t{next(_ns_names)}"
        self.core.create_namespace({"metadata": {"name": name, "labels": labels or {}}})
        return name

    def log_since(self, mark: int) -> list[dict[str, Any]]:
        return [e for e in self.emu.reqlog.lines()[mark:] if e.get("product") == "k8s"]

    def mark(self) -> int:
        return len(self.emu.reqlog.lines())


@pytest.fixture(scope="module")
def kube(kube_cloud) -> Kube:
    cluster_id = kube_cloud.cluster(nodes=2)
    text, _exp = kube_cloud.cluster_kubeconfig(cluster_id)
    return Kube(kube_cloud, cluster_id, text)


@pytest.fixture(scope="module")
def mesh(kube_cloud) -> Kube:
    mesh_id = kube_cloud.mesh()
    text, _exp = kube_cloud.mesh_kubeconfig(mesh_id)
    return Kube(kube_cloud, mesh_id, text)


def deployment(name: str, replicas: int = 2, image: str = "nginx:1.25", labels: dict | None = None) -> dict:
    sel = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": dict(sel, **(labels or {}))},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": sel},
            "template": {
                "metadata": {"labels": sel},
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": image,
                            "ports": [{"containerPort": 80}],
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                        }
                    ]
                },
            },
        },
    }


def configmap(name: str, data: dict | None = None, labels: dict | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels or {}},
        "data": data or {"k": "v"},
    }


# -- discovery ------------------------------------------------------------------------------------------


def test_version_and_discovery(kube: Kube) -> None:
    status, _h, version = kube.raw("GET", "/version")
    assert status == 200
    assert version["gitVersion"].startswith("v1.") and version["major"] == "1"
    status, _h, apis = kube.raw("GET", "/api")
    assert apis["kind"] == "APIVersions" and apis["versions"] == ["v1"]
    status, _h, groups = kube.raw("GET", "/apis")
    assert groups["kind"] == "APIGroupList"
    by_name = {g["name"]: g for g in groups["groups"]}
    assert {"apps", "discovery.k8s.io", "apiextensions.k8s.io"} <= set(by_name)
    for g in groups["groups"]:
        assert g["preferredVersion"] in g["versions"]
    assert "networking.istio.io" not in by_name  # no Istio CRDs in a cluster's API server
    status, _h, apps = kube.raw("GET", "/apis/apps/v1")
    res = {r["name"]: r for r in apps["resources"]}
    assert res["deployments"]["kind"] == "Deployment" and res["deployments"]["namespaced"] is True
    assert res["deployments"]["shortNames"] == ["deploy"] and "all" in res["deployments"]["categories"]
    assert set(res["deployments"]["verbs"]) >= {"create", "get", "list", "watch", "patch", "update", "delete"}
    assert res["deployments/scale"]["group"] == "autoscaling" and res["deployments/scale"]["kind"] == "Scale"
    assert res["deployments/status"]["kind"] == "Deployment"
    status, _h, core = kube.raw("GET", "/api/v1")
    cres = {r["name"]: r for r in core["resources"]}
    assert cres["namespaces"]["namespaced"] is False and "deletecollection" not in cres["namespaces"]["verbs"]
    assert cres["nodes"]["namespaced"] is False and cres["pods"]["namespaced"] is True
    assert cres["services"]["shortNames"] == ["svc"]
    # unknown paths: the generic NotFound Status
    status, _h, doc = kube.raw("GET", "/apis/nope.example.com/v1")
    assert status == 404 and doc["reason"] == "NotFound" and doc["kind"] == "Status"
    # openapi v3 index and a group-version document for kubectl's fieldValidation check
    status, _h, idx = kube.raw("GET", "/openapi/v3")
    assert "apis/apps/v1" in idx["paths"] and "api/v1" in idx["paths"]
    status, _h, gv = kube.raw("GET", idx["paths"]["apis/apps/v1"]["serverRelativeURL"])
    patch_op = gv["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch_op["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert any(p["name"] == "fieldValidation" for p in patch_op["parameters"])
    assert kube.raw("GET", "/openapi/v2")[0] == 404


def test_mesh_discovery_serves_istio_not_apps(mesh: Kube) -> None:
    _s, _h, groups = mesh.raw("GET", "/apis")
    by_name = {g["name"]: g for g in groups["groups"]}
    assert "apps" not in by_name  # UNCONFIRMED in the plan: ASM's API server does not serve apps/v1
    istio = by_name["networking.istio.io"]
    assert {v["version"] for v in istio["versions"]} == {"v1", "v1beta1", "v1alpha3"}
    assert istio["preferredVersion"]["version"] == "v1"
    assert by_name["istio.alibabacloud.com"]["preferredVersion"]["version"] == "v1beta1"
    names = {n.metadata.name for n in mesh.core.list_namespace().items}
    assert {"default", "kube-system", "istio-system"} <= names
    crds = {
        c["metadata"]["name"]: c
        for c in mesh.raw("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")[2]["items"]
    }
    for name in (
        "virtualservices.networking.istio.io",
        "gateways.networking.istio.io",
        "destinationrules.networking.istio.io",
        "istiogateways.istio.alibabacloud.com",
    ):
        conds = {c["type"]: c for c in crds[name]["status"]["conditions"]}
        assert conds["Established"]["status"] == "True" and conds["NamesAccepted"]["status"] == "True"
    ig = mesh.dyn.resources.get(api_version="istio.alibabacloud.com/v1beta1", kind="IstioGateway")
    assert ig.namespaced is True
    assert mesh.raw("GET", "/apis/apps/v1/namespaces/default/deployments")[0] == 404


# -- create / get / list ---------------------------------------------------------------------------------


def test_create_get_metadata_and_already_exists(kube: Kube) -> None:
    ns = kube.namespace()
    before = int(kube.core.list_namespace().metadata.resource_version)
    status, _h, obj = kube.raw("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("web"))
    assert status == 201
    meta = obj["metadata"]
    assert meta["generation"] == 1 and int(meta["resourceVersion"]) > before
    assert len(meta["uid"]) == 36 and meta["creationTimestamp"].endswith("Z")
    assert meta["managedFields"][0]["operation"] == "Update" and meta["managedFields"][0]["fieldsType"] == "FieldsV1"
    # server defaults the clients read back
    assert obj["spec"]["strategy"]["type"] == "RollingUpdate" and obj["spec"]["revisionHistoryLimit"] == 10
    assert obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    got = kube.apps.read_namespaced_deployment("web", ns)
    assert got.metadata.uid == meta["uid"]
    status, _h, doc = kube.raw("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", deployment("web"))
    assert status == 409
    assert doc == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'deployments.apps "web" already exists',
        "reason": "AlreadyExists",
        "details": {"name": "web", "group": "apps", "kind": "deployments"},
        "code": 409,
    }
    status, _h, doc = kube.raw("GET", f"/apis/apps/v1/namespaces/{ns}/deployments/nope")
    assert status == 404 and doc["message"] == 'deployments.apps "nope" not found'
    assert doc["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}
    status, _h, doc = kube.raw("GET", f"/api/v1/namespaces/{ns}/configmaps/nope")
    assert doc["message"] == 'configmaps "nope" not found' and doc["details"]["group"] == ""
    # a missing namespace
    status, _h, doc = kube.raw("POST", "/api/v1/namespaces/nowhere/configmaps", configmap("x"))
    assert status == 404 and doc["message"] == 'namespaces "nowhere" not found'


def test_invalid_objects_are_422_with_causes(kube: Kube) -> None:
    ns = kube.namespace()
    bad = deployment("Bad_Name")
    status, _h, doc = kube.raw("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", bad)
    assert status == 422 and doc["reason"] == "Invalid"
    assert doc["message"].startswith('Deployment.apps "Bad_Name" is invalid: metadata.name: Invalid value')
    assert doc["details"]["kind"] == "Deployment" and doc["details"]["causes"][0]["field"] == "metadata.name"
    mismatch = deployment("web")
    mismatch["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    status, _h, doc = kube.raw("POST", f"/apis/apps/v1/namespaces/{ns}/deployments", mismatch)
    assert status == 422
    assert doc["details"]["causes"][0]["field"] == "spec.template.metadata.labels"
    status, _h, doc = kube.raw("POST", f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {}, "data": {}})
    assert status == 422 and doc["details"]["causes"][0]["field"] == "metadata.name"
    # kind / apiVersion that do not match the URL
    status, _h, doc = kube.raw(
        "POST",
        f"/api/v1/namespaces/{ns}/configmaps",
        {"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
    )
    assert status == 400 and doc["reason"] == "BadRequest"
    assert kube.core.list_namespaced_config_map(ns).items == []


def test_list_selectors(kube: Kube) -> None:
    ns = kube.namespace()
    for name, labels in (
        ("a", {"tier": "web", "env": "prod"}),
        ("b", {"tier": "db", "env": "prod"}),
        ("c", {"tier": "web"}),
    ):
        kube.core.create_namespaced_config_map(ns, configmap(name, labels=labels))

    def names(**kw: Any) -> list[str]:
        return [i.metadata.name for i in kube.core.list_namespaced_config_map(ns, **kw).items]

    assert names() == ["a", "b", "c"]
    assert names(label_selector="tier=web") == ["a", "c"]
    assert names(label_selector="tier==web,env=prod") == ["a"]
    assert names(label_selector="tier != web") == ["b"]
    assert names(label_selector="tier in (db, cache)") == ["b"]
    assert names(label_selector="tier notin (db)") == ["a", "c"]
    assert names(label_selector="env") == ["a", "b"]
    assert names(label_selector="!env") == ["c"]
    assert names(label_selector="app = web") == []  # kubernetes.core's verbatim "key = value"
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b") == ["a", "c"]
    listed = kube.core.list_namespaced_config_map(ns)
    assert listed.kind == "ConfigMapList" and int(listed.metadata.resource_version) > 0
    status, _h, raw = kube.raw("GET", f"/api/v1/namespaces/{ns}/configmaps")
    assert raw["kind"] == "ConfigMapList" and raw["apiVersion"] == "v1"
    status, _h, doc = kube.raw("GET", f"/api/v1/namespaces/{ns}/configmaps", query=[("fieldSelector", "data.k=v")])
    assert status == 400 and doc["message"] == "field label not supported: data.k"
    status, _h, doc = kube.raw("GET", f"/api/v1/namespaces/{ns}/configmaps", query=[("labelSelector", "a b c")])
    assert status == 400
    # all namespaces
    everywhere = [i.metadata.name for i in kube.core.list_config_map_for_all_namespaces(label_selector="tier").items]
    assert sorted(everywhere) == ["a", "b", "c"]
    # events by involvedObject (kubectl describe)
    ev = {
        "metadata": {"name": "ev1"},
        "involvedObject": {"kind": "ConfigMap", "namespace": ns, "name": "a", "uid": "u-1"},
        "reason": "Tested",
        "message": "m",
        "type": "Normal",
    }
    kube.core.create_namespaced_event(ns, ev)
    found = kube.core.list_namespaced_event(
        ns, field_selector=f"involvedObject.name=a,involvedObject.namespace={ns},involvedObject.kind=ConfigMap"
    ).items
    assert [e.metadata.name for e in found] == ["ev1"]
    assert kube.core.list_namespaced_event(ns, field_selector="involvedObject.name=b").items == []


def wait_settled(kube: Kube, ns: str, name: str, timeout: float = 20.0) -> Any:
    """The Deployment once its controller has caught up (all replicas available)."""
    deadline = time.monotonic() + timeout
    while True:
        dep = kube.apps.read_namespaced_deployment(name, ns)
        st = dep.status
        if (
            st
            and st.observed_generation == dep.metadata.generation
            and (st.available_replicas or 0) == dep.spec.replicas
        ):
            time.sleep(0.3)
            again = kube.apps.read_namespaced_deployment(name, ns)
            if again.metadata.resource_version == dep.metadata.resource_version:
                return again
        if time.monotonic() > deadline:
            raise AssertionError(f"deployment {ns}/{name} did not settle: {st}")
        time.sleep(0.1)


# -- update, generation, resourceVersion -------------------------------------------------------------


def test_replace_conflict_noop_and_generation(kube: Kube) -> None:
    ns = kube.namespace()
    kube.apps.create_namespaced_deployment(ns, deployment("web"))
    # the Deployment controller writes its status as Pods start: wait until it has settled
    created = wait_settled(kube, ns, "web")
    rv0 = created.metadata.resource_version
    # a no-op replace keeps resourceVersion and managedFields
    same = kube.apps.replace_namespaced_deployment("web", ns, created)
    assert same.metadata.resource_version == rv0 and same.metadata.generation == 1
    assert same.metadata.managed_fields[0].time == created.metadata.managed_fields[0].time
    # a label change: new RV, same generation
    body = kube.api.sanitize_for_serialization(created)
    body["metadata"]["labels"]["x"] = "y"
    status, _h, labelled = kube.raw("PUT", f"/apis/apps/v1/namespaces/{ns}/deployments/web", body)
    assert status == 200 and labelled["metadata"]["generation"] == 1
    assert int(labelled["metadata"]["resourceVersion"]) > int(rv0)
    # the stale resourceVersion is a Conflict
    body["spec"]["replicas"] = 5
    status, _h, doc = kube.raw("PUT", f"/apis/apps/v1/namespaces/{ns}/deployments/web", body)
    assert status == 409 and doc["reason"] == "Conflict"
    assert doc["message"].startswith(
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified'
    )
    # without a resourceVersion a built-in may be replaced; a spec change bumps generation
    body["metadata"].pop("resourceVersion")
    status, _h, updated = kube.raw("PUT", f"/apis/apps/v1/namespaces/{ns}/deployments/web", body)
    assert status == 200 and updated["spec"]["replicas"] == 5 and updated["metadata"]["generation"] == 2
    # an annotation change bumps a Deployment's generation too (reference §4)
    ann = kube.apps.patch_namespaced_deployment("web", ns, {"metadata": {"annotations": {"a": "b"}}})
    assert ann.metadata.generation == 3
    # status is ignored through the main resource
    body = kube.api.sanitize_for_serialization(ann)
    body["metadata"].pop("resourceVersion")
    body["status"] = {"replicas": 42}
    replaced = kube.apps.replace_namespaced_deployment("web", ns, body)
    assert (replaced.status.replicas or 0) != 42


def test_patch_types(kube: Kube) -> None:
    ns = kube.namespace()
    kube.apps.create_namespaced_deployment(ns, deployment("web"))
    base = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    # strategic merge: containers by name, env by name
    smp = {"spec": {"template": {"spec": {"containers": [{"name": "main", "env": [{"name": "B", "value": "3"}]}]}}}}
    status, _h, obj = kube.raw("PATCH", base, smp, "application/strategic-merge-patch+json")
    ctr = obj["spec"]["template"]["spec"]["containers"]
    assert status == 200 and len(ctr) == 1 and ctr[0]["image"] == "nginx:1.25"
    assert ctr[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}]
    # merge patch: lists are replaced
    mp = {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.26"}]}}}}
    status, _h, obj = kube.raw("PATCH", base, mp, "application/merge-patch+json")
    assert status == 200 and obj["spec"]["template"]["spec"]["containers"][0].get("env") is None
    # JSON patch, including a failing test op (422, nothing stored)
    rv = obj["metadata"]["resourceVersion"]
    jp = [{"op": "test", "path": "/spec/replicas", "value": 2}, {"op": "replace", "path": "/spec/replicas", "value": 4}]
    status, _h, obj = kube.raw("PATCH", base, jp, "application/json-patch+json")
    assert status == 200 and obj["spec"]["replicas"] == 4
    jp[0]["value"] = 99
    status, _h, doc = kube.raw("PATCH", base, jp, "application/json-patch+json")
    assert status == 422 and doc["kind"] == "Status"
    assert kube.apps.read_namespaced_deployment("web", ns).spec.replicas == 4
    # a stale resourceVersion in a patch is a precondition
    status, _h, doc = kube.raw(
        "PATCH", base, {"metadata": {"resourceVersion": rv}, "spec": {"replicas": 1}}, "application/merge-patch+json"
    )
    assert status == 409 and doc["reason"] == "Conflict"
    # a no-op patch keeps the resourceVersion
    cur = wait_settled(kube, ns, "web").metadata.resource_version
    status, _h, obj = kube.raw("PATCH", base, {"spec": {"replicas": 4}}, "application/merge-patch+json")
    assert obj["metadata"]["resourceVersion"] == cur
    # an unknown patch type
    status, _h, doc = kube.raw("PATCH", base, {"spec": {}}, "text/plain")
    assert status == 415 and doc["reason"] == "UnsupportedMediaType"
    # patching a missing object
    status, _h, doc = kube.raw(
        "PATCH", f"/apis/apps/v1/namespaces/{ns}/deployments/none", {}, "application/merge-patch+json"
    )
    assert status == 404


def test_server_side_apply(kube: Kube) -> None:
    ns = kube.namespace()
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    body = deployment("web")
    ct = "application/apply-patch+yaml"
    status, _h, doc = kube.raw("PATCH", path, body, ct)
    assert status == 422 and doc["details"]["causes"][0]["field"] == "fieldManager"
    status, _h, created = kube.raw("PATCH", path, body, ct, [("fieldManager", "alice")])
    assert status == 201 and created["metadata"]["managedFields"][0]["manager"] == "alice"
    assert created["metadata"]["managedFields"][0]["operation"] == "Apply"
    rv = wait_settled(kube, ns, "web").metadata.resource_version
    status, _h, again = kube.raw("PATCH", path, body, ct, [("fieldManager", "alice")])
    assert status == 200 and again["metadata"]["resourceVersion"] == rv  # a no-op apply
    other = copy.deepcopy(body)
    other["spec"]["replicas"] = 7
    status, _h, doc = kube.raw("PATCH", path, other, ct, [("fieldManager", "bob"), ("force", "false")])
    assert status == 409 and doc["reason"] == "Conflict"
    assert (
        doc["details"]["causes"][0]["type" if "type" in doc["details"]["causes"][0] else "reason"]
        == "FieldManagerConflict"
    )
    assert doc["details"]["causes"][0]["field"] == ".spec.replicas"
    assert kube.apps.read_namespaced_deployment("web", ns).spec.replicas == 2
    status, _h, forced = kube.raw("PATCH", path, other, ct, [("fieldManager", "bob"), ("force", "true")])
    assert status == 200 and forced["spec"]["replicas"] == 7
    managers = {m["manager"] for m in forced["metadata"]["managedFields"]}
    assert managers == {"alice", "bob"}


def test_dry_run_persists_nothing(kube: Kube) -> None:
    ns = kube.namespace()
    mark = kube.mark()
    rv = kube.core.list_namespace().metadata.resource_version
    status, _h, obj = kube.raw(
        "POST", f"/api/v1/namespaces/{ns}/configmaps", configmap("dry"), query=[("dryRun", "All")]
    )
    assert status == 201 and obj["metadata"]["uid"]
    assert kube.raw("GET", f"/api/v1/namespaces/{ns}/configmaps/dry")[0] == 404
    kube.core.create_namespaced_config_map(ns, configmap("real"))
    after = kube.core.read_namespaced_config_map("real", ns).metadata.resource_version
    status, _h, obj = kube.raw(
        "PATCH",
        f"/api/v1/namespaces/{ns}/configmaps/real",
        {"data": {"k": "changed"}},
        "application/merge-patch+json",
        [("dryRun", "All")],
    )
    assert status == 200 and obj["data"]["k"] == "changed"
    status, _h, obj = kube.raw("DELETE", f"/api/v1/namespaces/{ns}/configmaps/real", query=[("dryRun", "All")])
    assert status == 200
    kept = kube.core.read_namespaced_config_map("real", ns)
    assert kept.data == {"k": "v"} and kept.metadata.resource_version == after
    assert int(after) > int(rv)
    status, _h, doc = kube.raw(
        "POST", f"/api/v1/namespaces/{ns}/configmaps", configmap("d2"), query=[("dryRun", "Some")]
    )
    assert status == 400
    writes = [(e["action"], e["write"]) for e in kube.log_since(mark) if e["method"] != "GET"]
    assert writes == [
        ("create configmaps", False),
        ("create configmaps", True),
        ("patch configmaps", False),
        ("delete configmaps", False),
        ("create configmaps", True),  # refused (400), but not a dry run
    ]


# -- delete ----------------------------------------------------------------------------------------------


def test_delete_finalizers_and_collection(kube: Kube) -> None:
    ns = kube.namespace()
    cm = configmap("held")
    cm["metadata"]["finalizers"] = ["example.com/hold"]
    kube.core.create_namespaced_config_map(ns, cm)
    status, _h, obj = kube.raw(
        "DELETE", f"/api/v1/namespaces/{ns}/configmaps/held", {"propagationPolicy": "Background"}
    )
    assert status == 200 and obj["metadata"]["deletionTimestamp"]
    held = kube.core.read_namespaced_config_map("held", ns)
    assert held.metadata.deletion_timestamp is not None
    kube.core.patch_namespaced_config_map("held", ns, {"metadata": {"finalizers": None}})
    assert kube.raw("GET", f"/api/v1/namespaces/{ns}/configmaps/held")[0] == 404
    # plain delete answers a Success Status; deleting again is 404
    kube.core.create_namespaced_config_map(ns, configmap("plain"))
    status, _h, doc = kube.raw("DELETE", f"/api/v1/namespaces/{ns}/configmaps/plain")
    assert status == 200 and doc["kind"] == "Status" and doc["status"] == "Success"
    assert doc["details"]["name"] == "plain"
    assert kube.raw("DELETE", f"/api/v1/namespaces/{ns}/configmaps/plain")[0] == 404
    # deletecollection by label
    for name, tier in (("a", "x"), ("b", "x"), ("c", "y")):
        kube.core.create_namespaced_config_map(ns, configmap(name, labels={"tier": tier}))
    kube.core.delete_collection_namespaced_config_map(ns, label_selector="tier=x")
    assert [i.metadata.name for i in kube.core.list_namespaced_config_map(ns).items] == ["c"]
    # namespaces have no deletecollection
    status, _h, doc = kube.raw("DELETE", "/api/v1/namespaces")
    assert status == 405 and doc["reason"] == "MethodNotAllowed"


def test_namespace_deletion_terminates_then_goes(kube: Kube) -> None:
    ns = kube.namespace()
    kube.core.create_namespaced_config_map(ns, configmap("inside"))
    kube.apps.create_namespaced_deployment(ns, deployment("web"))
    held = configmap("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    kube.core.create_namespaced_config_map(ns, held)
    status, _h, obj = kube.raw("DELETE", f"/api/v1/namespaces/{ns}")
    assert status == 200 and obj["status"]["phase"] == "Terminating" and obj["metadata"]["deletionTimestamp"]
    # the namespace stays Terminating while an object in it holds a finalizer
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and kube.raw("GET", f"/api/v1/namespaces/{ns}/configmaps/inside")[0] == 200:
        time.sleep(0.1)
    assert [i.metadata.name for i in kube.core.list_namespaced_config_map(ns).items] == ["held"]
    assert kube.core.read_namespace(ns).status.phase == "Terminating"
    status, _h, doc = kube.raw("POST", f"/api/v1/namespaces/{ns}/configmaps", configmap("late"))
    assert status == 403 and doc["reason"] == "Forbidden"
    kube.core.patch_namespaced_config_map("held", ns, {"metadata": {"finalizers": None}})
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and kube.raw("GET", f"/api/v1/namespaces/{ns}")[0] == 200:
        time.sleep(0.1)
    assert kube.raw("GET", f"/api/v1/namespaces/{ns}")[0] == 404
    assert kube.core.list_config_map_for_all_namespaces(field_selector=f"metadata.namespace={ns}").items == []
    assert kube.apps.list_deployment_for_all_namespaces(field_selector=f"metadata.namespace={ns}").items == []
    # system namespaces stay
    status, _h, doc = kube.raw("DELETE", "/api/v1/namespaces/default")
    assert status == 403


def test_garbage_collection_of_dependents(kube: Kube) -> None:
    ns = kube.namespace()

    def owned(name: str, owner: Any) -> dict:
        obj = configmap(name)
        obj["metadata"]["ownerReferences"] = [
            {"apiVersion": "v1", "kind": "ConfigMap", "name": owner.metadata.name, "uid": owner.metadata.uid}
        ]
        return obj

    first = kube.core.create_namespaced_config_map(ns, configmap("owner1"))
    second = kube.core.create_namespaced_config_map(ns, configmap("owner2"))
    kube.core.create_namespaced_config_map(ns, owned("dependent", first))
    kube.core.create_namespaced_config_map(ns, owned("orphan", second))
    # Background: the dependent goes with its owner
    kube.core.delete_namespaced_config_map("owner1", ns, propagation_policy="Background")
    # Orphan: the dependent stays, without the ownerReference
    kube.core.delete_namespaced_config_map("owner2", ns, propagation_policy="Orphan")
    assert [i.metadata.name for i in kube.core.list_namespaced_config_map(ns).items] == ["orphan"]
    assert kube.core.read_namespaced_config_map("orphan", ns).metadata.owner_references is None


# -- scale and status ------------------------------------------------------------------------------------


def test_scale_subresource(kube: Kube) -> None:
    ns = kube.namespace()
    kube.apps.create_namespaced_deployment(ns, deployment("web", replicas=2))
    scale = kube.apps.read_namespaced_deployment_scale("web", ns)
    assert scale.kind == "Scale" and scale.api_version == "autoscaling/v1"
    assert scale.spec.replicas == 2 and scale.status.selector == "app=web"
    # kubernetes.core's k8s_scale body (kind Deployment is ignored)
    patched = kube.apps.patch_namespaced_deployment_scale(
        "web", ns, {"kind": "Deployment", "metadata": {"name": "web", "namespace": ns}, "spec": {"replicas": 3}}
    )
    assert patched.spec.replicas == 3
    assert kube.apps.read_namespaced_deployment("web", ns).spec.replicas == 3
    assert kube.apps.read_namespaced_deployment("web", ns).metadata.generation == 2
    status, _h, obj = kube.raw(
        "PATCH",
        f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale",
        {"spec": {"replicas": 1}},
        "application/merge-patch+json",
    )
    assert status == 200 and obj["spec"]["replicas"] == 1
    # the controllers may move the Deployment's resourceVersion between a read and a replace (a
    # status update): then the replace gets 409, and a client reads again, as kubectl does
    for _attempt in range(5):
        cur = kube.apps.read_namespaced_deployment_scale("web", ns)
        body = kube.api.sanitize_for_serialization(cur)
        body["spec"]["replicas"] = 4
        status, _h, doc = kube.raw("PUT", f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale", body)
        if status != 409:
            break
    assert status == 200 and doc["spec"]["replicas"] == 4
    body["spec"]["replicas"] = 5  # stale resourceVersion now
    status, _h, doc = kube.raw("PUT", f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale", body)
    assert status == 409
    status, _h, doc = kube.raw(
        "PATCH",
        f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale",
        {"spec": {"replicas": -1}},
        "application/merge-patch+json",
    )
    assert status == 422
    assert kube.raw("GET", f"/api/v1/namespaces/{ns}/configmaps/x/scale")[0] == 404


def test_status_subresource(mesh: Kube) -> None:
    # in the mesh's API server: no Service controller rewrites the status there
    kube = mesh
    ns = kube.namespace()
    svc = {
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "name": "http"}]},
    }
    created = kube.core.create_namespaced_service(ns, svc)
    assert created.spec.cluster_ip and created.spec.type == "ClusterIP"
    assert created.spec.ports[0].target_port == 80 and created.spec.ports[0].protocol == "TCP"
    body = kube.api.sanitize_for_serialization(created)
    body["status"] = {"loadBalancer": {"ingress": [{"ip": "127.0.0.9"}]}}
    body["spec"]["selector"] = {"app": "other"}
    status, _h, obj = kube.raw("PUT", f"/api/v1/namespaces/{ns}/services/web/status", body)
    assert status == 200 and obj["status"]["loadBalancer"]["ingress"][0]["ip"] == "127.0.0.9"
    assert obj["spec"]["selector"] == {"app": "web"}  # only status changes through /status
    again = kube.core.read_namespaced_service("web", ns)
    assert again.status.load_balancer.ingress[0].ip == "127.0.0.9"
    status, _h, obj = kube.raw(
        "PATCH",
        f"/api/v1/namespaces/{ns}/services/web",
        {"status": {"loadBalancer": {}}},
        "application/merge-patch+json",
    )
    assert obj["status"]["loadBalancer"]["ingress"][0]["ip"] == "127.0.0.9"  # main resource ignores status


# -- watch -----------------------------------------------------------------------------------------------


def test_watch_events_resource_version_and_timeout(kube: Kube) -> None:
    ns = kube.namespace()
    kube.core.create_namespaced_config_map(ns, configmap("before"))
    listed = kube.core.list_namespaced_config_map(ns)
    events: list[tuple[str, str]] = []

    def run() -> None:
        w = watch.Watch()
        for ev in w.stream(
            kube.core.list_namespaced_config_map,
            ns,
            resource_version=listed.metadata.resource_version,
            timeout_seconds=3,
        ):
            events.append((ev["type"], ev["object"].metadata.name))

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.5)
    kube.core.create_namespaced_config_map(ns, configmap("new"))
    kube.core.patch_namespaced_config_map("new", ns, {"data": {"k": "2"}})
    kube.core.delete_namespaced_config_map("new", ns)
    kube.core.create_namespaced_config_map("default", configmap(f"elsewhere-{ns}"))
    started = time.monotonic()
    t.join(10)
    assert not t.is_alive() and time.monotonic() - started < 5  # timeoutSeconds closes the stream
    assert events == [("ADDED", "new"), ("MODIFIED", "new"), ("DELETED", "new")]
    # RV unset: synthetic ADDED for what exists, with a label selector
    kube.core.create_namespaced_config_map(ns, configmap("labelled", labels={"w": "1"}))
    seen = []
    for ev in watch.Watch().stream(kube.core.list_namespaced_config_map, ns, label_selector="w=1", timeout_seconds=1):
        seen.append((ev["type"], ev["object"].metadata.name))
    assert seen == [("ADDED", "labelled")]


def test_watch_list_is_refused_and_old_versions_expire(kube: Kube) -> None:
    status, _h, doc = kube.raw(
        "GET",
        "/api/v1/namespaces/default/configmaps",
        query=[("watch", "true"), ("sendInitialEvents", "true"), ("resourceVersionMatch", "NotOlderThan")],
    )
    assert status == 422 and doc["reason"] == "Invalid"
    # a watch from a resourceVersion the event log no longer covers (as after an emulator restart,
    # whose logs start at the current resourceVersion) gets 410 Expired
    from geomesh_emulator.kube import objects

    objects.reset_logs(kube.emu)
    status, _h, text = kube.raw(
        "GET",
        "/api/v1/namespaces/default/configmaps",
        query=[("watch", "true"), ("resourceVersion", "1"), ("timeoutSeconds", "1")],
    )
    assert status == 200
    first = json.loads(text.splitlines()[0]) if isinstance(text, str) else text
    assert first["type"] == "ERROR" and first["object"]["code"] == 410


def test_watch_modified_out_of_selector_is_deleted(kube: Kube) -> None:
    ns = kube.namespace()
    kube.core.create_namespaced_config_map(ns, configmap("m", labels={"sel": "yes"}))
    rv = kube.core.list_namespaced_config_map(ns).metadata.resource_version
    got: list[str] = []

    def run() -> None:
        for ev in watch.Watch().stream(
            kube.core.list_namespaced_config_map, ns, label_selector="sel=yes", resource_version=rv, timeout_seconds=2
        ):
            got.append(ev["type"])

    t = threading.Thread(target=run)
    t.start()
    time.sleep(0.4)
    kube.core.patch_namespaced_config_map("m", ns, {"metadata": {"labels": {"sel": "no"}}})
    kube.core.patch_namespaced_config_map("m", ns, {"metadata": {"labels": {"sel": "yes"}}})
    t.join(10)
    assert got == ["DELETED", "ADDED"]


# -- CRDs and custom objects -----------------------------------------------------------------------------

WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "size": {"type": "integer", "minimum": 1},
                                    "color": {"type": "string", "enum": ["red", "blue"]},
                                    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                                },
                            },
                            "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
                        },
                    }
                },
            }
        ],
    },
}


def widget(name: str, **spec: Any) -> dict:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec}


def test_crd_registers_validates_and_prunes(kube: Kube) -> None:
    assert kube.raw("GET", "/apis/example.com/v1")[0] == 404
    status, _h, crd = kube.raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WIDGET_CRD)
    assert status == 201
    conds = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conds == {"NamesAccepted": "True", "Established": "True"}
    assert crd["status"]["acceptedNames"]["kind"] == "Widget" and crd["status"]["storedVersions"] == ["v1"]
    _s, _h, res = kube.raw("GET", "/apis/example.com/v1")
    entries = {r["name"]: r for r in res["resources"]}
    assert entries["widgets"]["kind"] == "Widget" and entries["widgets"]["shortNames"] == ["wd"]
    assert "widgets/status" in entries
    ns = kube.namespace()
    base = f"/apis/example.com/v1/namespaces/{ns}/widgets"
    # a misspelt field silently disappears (pruning); preserved unknown fields stay
    status, hdrs, obj = kube.raw("POST", base, widget("w1", size=2, colour="red", extra={"any": 1}))
    assert status == 201 and obj["spec"] == {"size": 2, "extra": {"any": 1}}
    assert 'unknown field \\"spec.colour\\"' in hdrs.get("Warning", "") or "spec.colour" in hdrs.get("Warning", "")
    assert obj["metadata"]["generation"] == 1
    # fieldValidation=Strict: 400 strict decoding error
    status, _h, doc = kube.raw("POST", base, widget("w2", size=2, colour="red"), query=[("fieldValidation", "Strict")])
    assert status == 400 and doc["reason"] == "BadRequest" and 'unknown field "spec.colour"' in doc["message"]
    assert kube.raw("GET", f"{base}/w2")[0] == 404
    # schema validation: 422 with causes
    status, _h, doc = kube.raw("POST", base, widget("w3", size=0, color="green"))
    assert status == 422 and doc["details"]["kind"] == "Widget"
    fields = sorted(c["field"] for c in doc["details"]["causes"])
    assert fields == ["spec.color", "spec.size"]
    # strategic merge is not for custom objects
    status, _h, doc = kube.raw("PATCH", f"{base}/w1", {"spec": {"size": 3}}, "application/strategic-merge-patch+json")
    assert status == 415
    # PUT without resourceVersion: 422 for custom objects
    status, _h, doc = kube.raw("PUT", f"{base}/w1", widget("w1", size=5))
    assert status == 422 and doc["details"]["causes"][0]["field"] == "metadata.resourceVersion"
    # generation moves on spec changes only; status goes through /status
    status, _h, obj = kube.raw(
        "PATCH", f"{base}/w1", {"metadata": {"labels": {"a": "b"}}}, "application/merge-patch+json"
    )
    assert obj["metadata"]["generation"] == 1
    status, _h, obj = kube.raw(
        "PATCH", f"{base}/w1", {"spec": {"size": 4}, "status": {"ready": True}}, "application/merge-patch+json"
    )
    assert obj["metadata"]["generation"] == 2 and "status" not in obj
    status, _h, obj = kube.raw(
        "PATCH", f"{base}/w1/status", {"status": {"ready": True}}, "application/merge-patch+json"
    )
    assert status == 200 and obj["status"] == {"ready": True} and obj["metadata"]["generation"] == 2
    # the DynamicClient finds the new kind (rediscovery)
    w = kube.dyn.resources.get(api_version="example.com/v1", kind="Widget")
    assert [i.metadata.name for i in w.get(namespace=ns).items] == ["w1"]
    # deleting the CRD removes its objects and its resources
    kube.raw("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
    assert kube.raw("GET", "/apis/example.com/v1")[0] == 404
    kube.raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WIDGET_CRD)
    assert kube.raw("GET", base)[2]["items"] == []
    kube.raw("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")


def test_crd_name_and_schema_are_checked(kube: Kube) -> None:
    bad = copy.deepcopy(WIDGET_CRD)
    bad["metadata"]["name"] = "gadgets.example.com"
    status, _h, doc = kube.raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad)
    assert status == 422 and any(c["field"] == "metadata.name" for c in doc["details"]["causes"])
    bad = copy.deepcopy(WIDGET_CRD)
    bad["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["size"] = {}
    status, _h, doc = kube.raw("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad)
    assert status == 422
    assert kube.raw("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")[0] == 404


def test_istio_objects_in_the_mesh(mesh: Kube) -> None:
    vs_api = mesh.dyn.resources.get(api_version="networking.istio.io/v1", kind="VirtualService")
    vs = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "bookinfo"},
        "spec": {
            "hosts": ["*"],
            "gateways": ["bookinfo-gateway"],
            "http": [
                {
                    "match": [{"uri": {"exact": "/productpage"}}],
                    "route": [{"destination": {"host": "productpage", "port": {"number": 9080}}}],
                }
            ],
        },
    }
    created = vs_api.create(body=vs, namespace="default")
    assert created.metadata.generation == 1
    # the same object through v1beta1 (one storage, served at every version)
    _s, _h, beta = mesh.raw("GET", "/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices/bookinfo")
    assert beta["apiVersion"] == "networking.istio.io/v1beta1" and beta["spec"] == created.to_dict()["spec"]
    status, _h, doc = mesh.raw(
        "PATCH",
        "/apis/networking.istio.io/v1/namespaces/default/virtualservices/bookinfo",
        {"spec": {"hosts": "one"}},
        "application/merge-patch+json",
    )
    assert status == 422 and doc["details"]["causes"][0]["field"] == "spec.hosts"
    listed = mesh.raw("GET", "/apis/networking.istio.io/v1/virtualservices")[2]
    assert listed["kind"] == "VirtualServiceList" and listed["items"][0]["kind"] == "VirtualService"


def test_request_log_lines(kube: Kube) -> None:
    ns = kube.namespace()
    mark = kube.mark()
    kube.core.create_namespaced_config_map(ns, configmap("logged"))
    kube.core.read_namespaced_config_map("logged", ns)
    kube.core.list_namespaced_config_map(ns)
    kube.core.patch_namespaced_config_map("logged", ns, {"data": {"k": "2"}})
    kube.core.delete_namespaced_config_map("logged", ns)
    lines = [(e["action"], e["write"], e["status"]) for e in kube.log_since(mark)]
    assert lines == [
        ("create configmaps", True, 201),
        ("get configmaps", False, 200),
        ("list configmaps", False, 200),
        ("patch configmaps", True, 200),
        ("delete configmaps", True, 200),
    ]
    assert all(e["server"] == kube.server_id for e in kube.log_since(mark))


TABLE_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


def test_table_output_for_kubectl_get(kube: Kube) -> None:
    ns = kube.namespace()
    kube.apps.create_namespaced_deployment(ns, deployment("web", replicas=2))
    wait_settled(kube, ns, "web")
    status, _h, table = kube.raw("GET", f"/apis/apps/v1/namespaces/{ns}/deployments", accept=TABLE_ACCEPT)
    assert status == 200 and table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == ["Name", "Ready", "Up-to-date", "Available", "Age"]
    row = table["rows"][0]
    assert row["cells"][:4] == ["web", "2/2", 2, 2]
    assert row["object"]["kind"] == "PartialObjectMetadata" and row["object"]["metadata"]["namespace"] == ns
    status, _h, pods = kube.raw("GET", f"/api/v1/namespaces/{ns}/pods", accept=TABLE_ACCEPT)
    assert len(pods["rows"]) == 2
    assert all(r["cells"][1] == "1/1" and r["cells"][2] == "Running" for r in pods["rows"])
    status, _h, one = kube.raw("GET", f"/api/v1/namespaces/{ns}", accept=TABLE_ACCEPT)
    assert one["rows"][0]["cells"][:2] == [ns, "Active"]
    # a plain Accept still gets the List
    assert kube.raw("GET", f"/apis/apps/v1/namespaces/{ns}/deployments")[2]["kind"] == "DeploymentList"


def test_response_log_tells_changes_from_noop_writes(kube: Kube) -> None:
    """api.handle's Response.log: verb, resource, write (a write request not under dryRun=All) and
    changed (whether it changed stored state: a re-applied manifest's PATCH does not)."""
    from geomesh_emulator.kube import api

    ns = kube.namespace()
    kube.core.create_namespaced_config_map(ns, configmap("c"))
    path = f"/api/v1/namespaces/{ns}/configmaps/c"
    hdrs = {"content-type": "application/merge-patch+json", "user-agent": "test/1"}
    first = api.handle(kube.emu, kube.server_id, "admin", "PATCH", path, hdrs, b'{"data":{"k":"w"}}')
    assert first.status == 200
    assert first.log == {"verb": "patch", "resource": "configmaps", "write": True, "changed": True}
    again = api.handle(kube.emu, kube.server_id, "admin", "PATCH", path, hdrs, b'{"data":{"k":"w"}}')
    assert again.log == {"verb": "patch", "resource": "configmaps", "write": True, "changed": False}
    dry = api.handle(kube.emu, kube.server_id, "admin", "PATCH", path + "?dryRun=All", hdrs, b'{"data":{"k":"x"}}')
    assert dry.log == {"verb": "patch", "resource": "configmaps", "write": False, "changed": False}
    scale = api.handle(
        kube.emu, kube.server_id, "admin", "GET", f"/apis/apps/v1/namespaces/{ns}/deployments/x/scale", {}, b""
    )
    assert scale.status == 404 and scale.log["resource"] == "deployments/scale" and scale.log["verb"] == "get"


def test_protobuf_bodies_of_simple_kinds(kube: Kube) -> None:
    """kubectl create sends typed objects as protobuf: Namespace / ConfigMap / Secret / ServiceAccount
    bodies are decoded; other kinds are 415 (not modelled)."""
    path = kube.path
    made = kube.cloud.kubectl(path, "create", "namespace", "pbns")
    assert made.returncode == 0, made.stderr
    cm = kube.cloud.kubectl(path, "create", "configmap", "pbcm", "-n", "pbns", "--from-literal=a=b")
    assert cm.returncode == 0, cm.stderr
    sec = kube.cloud.kubectl(path, "create", "secret", "generic", "pbsec", "-n", "pbns", "--from-literal=pw=x")
    assert sec.returncode == 0, sec.stderr
    ns = kube.core.read_namespace("pbns")
    assert ns.metadata.labels == {"kubernetes.io/metadata.name": "pbns"} and ns.metadata.generate_name is None
    assert kube.core.read_namespaced_config_map("pbcm", "pbns").data == {"a": "b"}
    secret = kube.core.read_namespaced_secret("pbsec", "pbns")
    assert secret.data == {"pw": "eA=="} and secret.type == "Opaque"
    dep = kube.cloud.kubectl(path, "create", "deployment", "pbdep", "-n", "pbns", "--image=nginx")
    assert dep.returncode != 0 and "unknown format" in dep.stderr


def test_unknown_fields_of_builtins(kube: Kube) -> None:
    ns = kube.namespace()
    typo = deployment("web")
    typo["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    typo["spec"]["replica"] = 3
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    status, _h, doc = kube.raw("POST", base, typo, query=[("fieldValidation", "Strict")])
    assert status == 400 and doc["reason"] == "BadRequest"
    assert doc["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.template.spec.containers[0].imagePullPolicyy", unknown field "spec.replica"'
    )  # in the order of the body
    status, hdrs, obj = kube.raw("POST", base, typo)  # the default: Warn, and the fields are dropped
    assert status == 201 and "spec.replica" in hdrs.get("Warning", "")
    assert "replica" not in obj["spec"] and "imagePullPolicyy" not in obj["spec"]["template"]["spec"]["containers"][0]
    status, hdrs, obj = kube.raw(
        "POST",
        f"/api/v1/namespaces/{ns}/services",
        {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "targetport": 8080}]}},
        query=[("fieldValidation", "Ignore")],
    )
    assert status == 201 and "Warning" not in hdrs and obj["spec"]["ports"][0]["targetPort"] == 80


# -- faults (faults.py: kube_throttling_pct, kube_server_error_pct, kube_conflict_pct) --------------------


@pytest.fixture
def kube_faults(kube: Kube):
    """Set a fault profile of the Kubernetes API servers for one test; faults off afterwards."""
    from conftest import control  # pylint: disable=import-outside-toplevel

    def set_profile(**profile: Any) -> None:
        control(kube.emu, "/_emulator/faults", dict(profile, seed=11))

    yield set_profile
    control(kube.emu, "/_emulator/faults", {})


def _no_retry(kube: Kube, method: str, path: str, body: Any = None, ctype: str = "application/json") -> Any:
    """One request without urllib3's own retries (the ApiClient's pool retries a GET that got 429)."""
    data = None if body is None else json.dumps(body)
    return kube.api.rest_client.pool_manager.request(
        method,
        kube.api.configuration.host + path,
        body=data,
        headers={"Accept": "application/json", "Content-Type": ctype},
        retries=False,
        timeout=30,
    )


def test_injected_throttling_is_the_in_flight_limiters_429(kube: Kube, kube_faults) -> None:
    ns = kube.namespace()
    mark = kube.mark()
    kube_faults(kube_throttling_pct=100, kube_retry_after_s=1)
    resp = _no_retry(kube, "GET", f"/api/v1/namespaces/{ns}/configmaps")
    assert resp.status == 429
    assert resp.headers["Retry-After"] == "1"
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert resp.data == b"Too many requests, please try again later.\n"
    assert _no_retry(kube, "GET", "/apis").status == 429  # discovery too
    created = _no_retry(kube, "POST", f"/api/v1/namespaces/{ns}/configmaps", configmap("throttled"))
    assert created.status == 429
    # watches are long-running requests: the in-flight limiter leaves them alone
    watched = _no_retry(kube, "GET", f"/api/v1/namespaces/{ns}/configmaps?watch=true&timeoutSeconds=1")
    assert watched.status == 200
    entries = kube.log_since(mark)
    assert [(e["action"], e["status"], e.get("fault")) for e in entries if e.get("fault")][:2] == [
        ("list configmaps", 429, "throttling"),
        ("get /apis", 429, "throttling"),
    ]
    kube_faults()
    with pytest.raises(client.ApiException) as err:
        kube.core.read_namespaced_config_map("throttled", ns)
    assert err.value.status == 404  # the throttled create wrote nothing


def test_the_python_client_retries_a_throttled_get_and_not_a_post(kube: Kube, kube_faults) -> None:
    """The kubernetes client (what kubernetes.core runs on) leaves its urllib3 pool's default Retry
    in place: it honours Retry-After on a 429 for idempotent methods only, so a GET is sent 4 times
    before the ApiException 429, a POST (or PATCH) once. Retrying writes is the caller's (the roles'
    task retries)."""
    ns = kube.namespace()
    kube_faults(kube_throttling_pct=100, kube_retry_after_s=0)
    for call, sent in (
        (lambda: kube.core.list_namespaced_config_map(ns), 4),
        (lambda: kube.core.create_namespaced_config_map(ns, configmap("posted")), 1),
    ):
        mark = kube.mark()
        with pytest.raises(client.ApiException) as err:
            call()
        assert err.value.status == 429
        assert "Too many requests" in str(err.value)
        assert [e["status"] for e in kube.log_since(mark)] == [429] * sent


def test_injected_server_error_is_an_internal_error_status_and_writes_nothing(kube: Kube, kube_faults) -> None:
    ns = kube.namespace()
    mark = kube.mark()
    kube_faults(kube_server_error_pct=100)
    with pytest.raises(client.ApiException) as err:
        kube.core.create_namespaced_config_map(ns, configmap("failed"))
    assert err.value.status == 500
    status = json.loads(err.value.body)
    assert status["kind"] == "Status" and status["reason"] == "InternalError" and status["code"] == 500
    assert [(e["action"], e["status"], e["fault"]) for e in kube.log_since(mark)] == [
        ("create configmaps", 500, "server_error")
    ]
    kube_faults()
    with pytest.raises(client.ApiException) as err:
        kube.core.read_namespaced_config_map("failed", ns)
    assert err.value.status == 404


def test_injected_conflict_meets_updates_with_a_resource_version_only(kube: Kube, kube_faults) -> None:
    ns = kube.namespace()
    live = kube.core.create_namespaced_config_map(ns, configmap("contended", {"k": "v1"}))
    kube_faults(kube_conflict_pct=100)
    live.data = {"k": "v2"}
    with pytest.raises(client.ApiException) as err:
        kube.core.replace_namespaced_config_map("contended", ns, live)
    assert err.value.status == 409
    status = json.loads(err.value.body)
    assert status["reason"] == "Conflict" and "the object has been modified" in status["message"]
    # a patch with resourceVersion is conditional too
    with pytest.raises(client.ApiException) as err:
        kube.core.patch_namespaced_config_map(
            "contended",
            ns,
            {"metadata": {"resourceVersion": live.metadata.resource_version}, "data": {"k": "v3"}},
        )
    assert err.value.status == 409
    # a patch without one is applied to the latest object (the apiserver retries it itself)
    patched = kube.core.patch_namespaced_config_map("contended", ns, {"data": {"k": "v4"}})
    assert patched.data == {"k": "v4"}
    kube_faults()
    assert kube.core.read_namespaced_config_map("contended", ns).data == {"k": "v4"}


def test_kube_fault_profile_is_validated(kube: Kube) -> None:
    import urllib.error  # pylint: disable=import-outside-toplevel

    from conftest import control  # pylint: disable=import-outside-toplevel

    with pytest.raises(urllib.error.HTTPError) as err:
        control(kube.emu, "/_emulator/faults", {"kube_conflict_pct": 101})
    assert err.value.code == 400
