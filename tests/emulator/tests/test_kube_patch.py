"""Patch semantics of the emulated kube-apiserver (kube/patch.py): JSON patch, merge patch, strategic merge,
server-side apply and managedFields. Examples follow the Kubernetes docs' patch task
(https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/) and the
server-side apply page (https://kubernetes.io/docs/reference/using-api/server-side-apply/)."""

from __future__ import annotations

import copy
import json

import pytest

from geomesh_emulator.kube.patch import (
    PatchError,
    fields_v1,
    json_patch,
    merge_patch,
    record_update,
    server_side_apply,
    strategic_merge,
)

T0 = "2026-01-01T00:00:00Z"
T1 = "2026-01-01T00:01:00Z"
T2 = "2026-01-01T00:02:00Z"


def patch_demo() -> dict:
    # deployment-patch.yaml of the docs' patch task
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "patch-demo", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {
                    "containers": [{"name": "patch-demo-ctr", "image": "nginx"}],
                    "tolerations": [{"effect": "NoSchedule", "key": "dedicated", "value": "test-team"}],
                },
            },
        },
    }


def containers(obj: dict) -> list[dict]:
    return obj["spec"]["template"]["spec"]["containers"]


# ---------------------------------------------------------------------------------------------------- JSON patch


def test_json_patch_ops_and_escaped_pointers():
    doc = {"metadata": {"annotations": {"a/b": "1", "m~n": "2"}}, "spec": {"list": [1, 2]}}
    out = json_patch(
        doc,
        [
            {"op": "test", "path": "/metadata/annotations/a~1b", "value": "1"},
            {"op": "replace", "path": "/metadata/annotations/m~0n", "value": "3"},
            {"op": "add", "path": "/spec/list/-", "value": 3},
            {"op": "add", "path": "/spec/list/0", "value": 0},
            {"op": "remove", "path": "/spec/list/1"},
            {"op": "copy", "from": "/spec/list", "path": "/spec/copy"},
            {"op": "move", "from": "/metadata/annotations/a~1b", "path": "/metadata/annotations/c"},
        ],
    )
    assert out == {
        "metadata": {"annotations": {"m~n": "3", "c": "1"}},
        "spec": {"list": [0, 2, 3], "copy": [0, 2, 3]},
    }
    assert doc["spec"]["list"] == [1, 2]  # input untouched


def test_json_patch_failed_test_is_422_and_applies_nothing():
    doc = {"spec": {"replicas": 2}}
    with pytest.raises(PatchError) as err:
        json_patch(
            doc,
            [
                {"op": "replace", "path": "/spec/replicas", "value": 5},
                {"op": "test", "path": "/spec/replicas", "value": 2},
            ],
        )
    assert err.value.code == 422 and err.value.reason == "Invalid"
    assert "testing value /spec/replicas failed" in err.value.causes[0]["message"]
    assert doc == {"spec": {"replicas": 2}}


@pytest.mark.parametrize(
    "ops,code",
    [
        ([{"op": "replace", "path": "/spec/missing", "value": 1}], 422),
        ([{"op": "remove", "path": "/spec/list/5"}], 422),
        ([{"op": "add", "path": "/nope/x", "value": 1}], 422),
        ([{"op": "frobnicate", "path": "/spec"}], 400),
        ({"op": "add"}, 400),
    ],
)
def test_json_patch_refusals(ops, code):
    with pytest.raises(PatchError) as err:
        json_patch({"spec": {"list": [1]}}, ops)
    assert err.value.code == code


def test_json_patch_test_distinguishes_types():
    with pytest.raises(PatchError):
        json_patch({"a": True}, [{"op": "test", "path": "/a", "value": 1}])
    assert json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}]) == {"a": 1}


# --------------------------------------------------------------------------------------------------- merge patch


def test_merge_patch_replaces_lists_and_null_deletes():
    # docs: "Notes on the strategic merge patch" — a JSON merge patch replaces the containers list
    out = merge_patch(
        patch_demo(),
        {
            "metadata": {"labels": {"x": "y"}},
            "spec": {
                "replicas": None,
                "template": {
                    "spec": {
                        "containers": [{"name": "patch-demo-ctr-3", "image": "gcr.io/google-samples/hello-app:2.0"}]
                    }
                },
            },
        },
    )
    assert [c["name"] for c in containers(out)] == ["patch-demo-ctr-3"]
    assert "replicas" not in out["spec"]
    assert out["metadata"]["labels"] == {"x": "y"}
    assert out["spec"]["selector"] == {"matchLabels": {"app": "nginx"}}


# ------------------------------------------------------------------------------------------------ strategic merge


def test_strategic_merge_docs_example_containers_merge_tolerations_replace():
    dep = patch_demo()
    out = strategic_merge(
        dep,
        {"spec": {"template": {"spec": {"containers": [{"name": "patch-demo-ctr-2", "image": "redis"}]}}}},
        "Deployment",
    )
    assert [c["name"] for c in containers(out)] == ["patch-demo-ctr", "patch-demo-ctr-2"]
    out = strategic_merge(
        out,
        {
            "spec": {
                "template": {"spec": {"tolerations": [{"effect": "NoSchedule", "key": "disktype", "value": "ssd"}]}}
            }
        },
        "Deployment",
    )
    assert out["spec"]["template"]["spec"]["tolerations"] == [
        {"effect": "NoSchedule", "key": "disktype", "value": "ssd"}
    ]
    assert [c["name"] for c in containers(out)] == ["patch-demo-ctr", "patch-demo-ctr-2"]


def test_strategic_merge_nested_keys_env_ports_mounts():
    dep = patch_demo()
    c = containers(dep)[0]
    c["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    c["ports"] = [{"containerPort": 80}]
    c["volumeMounts"] = [{"mountPath": "/data", "name": "data"}]
    out = strategic_merge(
        dep,
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "patch-demo-ctr",
                                "env": [
                                    {"name": "B", "value": "20"},
                                    {"name": "A", "$patch": "delete"},
                                    {"name": "C", "value": "3"},
                                ],
                                "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 443}],
                                "volumeMounts": [{"mountPath": "/data", "readOnly": True}],
                            }
                        ]
                    }
                }
            }
        },
        "Deployment",
    )
    c = containers(out)[0]
    assert c["env"] == [{"name": "B", "value": "20"}, {"name": "C", "value": "3"}]
    assert c["ports"] == [{"containerPort": 80, "name": "http"}, {"containerPort": 443}]
    assert c["volumeMounts"] == [{"mountPath": "/data", "name": "data", "readOnly": True}]
    assert c["image"] == "nginx"


def test_strategic_merge_service_ports_by_port_and_conditions_by_type():
    svc = {
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80, "name": "http"}, {"port": 9080, "name": "x"}]},
    }
    out = strategic_merge(svc, {"spec": {"ports": [{"port": 9080, "targetPort": 9080}]}}, "Service")
    assert out["spec"]["ports"] == [{"port": 80, "name": "http"}, {"port": 9080, "name": "x", "targetPort": 9080}]
    st = {
        "status": {"conditions": [{"type": "Available", "status": "False"}, {"type": "Progressing", "status": "True"}]}
    }
    out = strategic_merge(st, {"status": {"conditions": [{"type": "Available", "status": "True"}]}}, "Deployment")
    assert out["status"]["conditions"] == [
        {"type": "Available", "status": "True"},
        {"type": "Progressing", "status": "True"},
    ]


def test_strategic_merge_directives():
    dep = patch_demo()
    containers(dep).append({"name": "side", "image": "busybox"})
    # $patch: replace on a list
    out = strategic_merge(
        dep,
        {"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}}}},
        "Deployment",
    )
    assert containers(out) == [{"name": "only", "image": "x"}]
    # $patch: replace on a map
    out = strategic_merge(dep, {"spec": {"selector": {"$patch": "replace", "matchLabels": {"b": "c"}}}}, "Deployment")
    assert out["spec"]["selector"] == {"matchLabels": {"b": "c"}}
    # $patch: delete on a map
    out = strategic_merge(dep, {"spec": {"selector": {"$patch": "delete"}}}, "Deployment")
    assert "selector" not in out["spec"]
    # $setElementOrder
    out = strategic_merge(
        dep,
        {
            "spec": {
                "template": {
                    "spec": {
                        "$setElementOrder/containers": [{"name": "side"}, {"name": "patch-demo-ctr"}],
                        "containers": [{"name": "side", "image": "busybox:2"}],
                    }
                }
            }
        },
        "Deployment",
    )
    assert [(c["name"], c["image"]) for c in containers(out)] == [("side", "busybox:2"), ("patch-demo-ctr", "nginx")]
    # $deleteFromPrimitiveList and a merge set
    obj = {"metadata": {"name": "x", "finalizers": ["a", "b"]}}
    assert strategic_merge(obj, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "ConfigMap")["metadata"][
        "finalizers"
    ] == ["b"]
    assert strategic_merge(obj, {"metadata": {"finalizers": ["c"]}}, "ConfigMap")["metadata"]["finalizers"] == [
        "a",
        "b",
        "c",
    ]
    # $retainKeys (Deployment strategy): switching to Recreate drops rollingUpdate
    dep["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}
    out = strategic_merge(dep, {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}, "Deployment")
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_strategic_merge_missing_merge_key_is_refused():
    with pytest.raises(PatchError) as err:
        strategic_merge(patch_demo(), {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}, "Deployment")
    assert err.value.code == 422


def test_strategic_merge_scale_body_sets_replicas():
    # k8s_scale sends {"kind":"Deployment",...,"spec":{"replicas":N}} to /scale
    scale = {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {"name": "d"}, "spec": {"replicas": 1}}
    out = strategic_merge(scale, {"kind": "Deployment", "spec": {"replicas": 3}}, "Scale")
    assert out["spec"]["replicas"] == 3


# ---------------------------------------------------------------------------------------------- managed fields


def test_record_update_create_and_noop_keeps_managed_fields():
    dep = patch_demo()
    mf = record_update(None, dep, "kubectl-client-side-apply", "Update", "apps/v1", T0)
    assert len(mf) == 1 and mf[0]["manager"] == "kubectl-client-side-apply" and mf[0]["time"] == T0
    f = mf[0]["fieldsV1"]
    assert f["f:spec"]["f:replicas"] == {}
    assert f["f:spec"]["f:selector"] == {}  # LabelSelector is atomic
    assert f["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"patch-demo-ctr"}'] == {
        ".": {},
        "f:image": {},
        "f:name": {},
    }
    assert f["f:spec"]["f:template"]["f:metadata"]["f:labels"] == {".": {}, "f:app": {}}
    dep["metadata"]["managedFields"] = mf
    # a write with identical content keeps managedFields byte for byte
    assert record_update(dep, copy.deepcopy(dep), "kubectl-client-side-apply", "Update", "apps/v1", T1) == mf


def test_record_update_takes_changed_fields_from_other_managers():
    dep = patch_demo()
    dep["metadata"]["managedFields"] = record_update(None, dep, "creator", "Update", "apps/v1", T0)
    new = copy.deepcopy(dep)
    new["spec"]["replicas"] = 5
    mf = record_update(dep, new, "scaler", "Update", "apps/v1", T1)
    by = {e["manager"]: e for e in mf}
    assert by["scaler"]["fieldsV1"] == {"f:spec": {"f:replicas": {}}} and by["scaler"]["time"] == T1
    assert "f:replicas" not in by["creator"]["fieldsV1"]["f:spec"]
    assert by["creator"]["time"] == T0


# ----------------------------------------------------------------------------------------------- server-side apply


def applied(replicas: int | None = 3, image: str = "nginx") -> dict:
    spec: dict = {
        "selector": {"matchLabels": {"app": "nginx"}},
        "template": {
            "metadata": {"labels": {"app": "nginx"}},
            "spec": {"containers": [{"name": "nginx", "image": image}]},
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "nginx", "namespace": "default"},
        "spec": spec,
    }


def test_ssa_create_records_apply_entry():
    obj = server_side_apply(None, applied(), "kubectl", False, "Deployment", T0, "apps/v1")
    (entry,) = obj["metadata"]["managedFields"]
    assert entry["manager"] == "kubectl" and entry["operation"] == "Apply" and entry["time"] == T0
    c = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert c == {'k:{"name":"nginx"}': {".": {}, "f:image": {}, "f:name": {}}}
    assert entry["fieldsV1"] == fields_v1(applied(), "Deployment")
    assert obj["spec"]["replicas"] == 3


def test_ssa_noop_returns_live_unchanged():
    live = server_side_apply(None, applied(), "kubectl", False, "Deployment", T0, "apps/v1")
    again = server_side_apply(live, applied(), "kubectl", False, "Deployment", T1, "apps/v1")
    assert again == live


def test_ssa_conflict_with_other_manager_then_force():
    # server-side-apply docs, "Conflicts": another manager changed .spec.replicas
    live = server_side_apply(None, applied(), "kubectl", False, "Deployment", T0, "apps/v1")
    scaled = copy.deepcopy(live)
    scaled["spec"]["replicas"] = 5
    scaled["metadata"]["managedFields"] = record_update(
        live, scaled, "kubectl-scale", "Update", "apps/v1", T1, subresource=""
    )
    with pytest.raises(PatchError) as err:
        server_side_apply(scaled, applied(), "kubectl", False, "Deployment", T2, "apps/v1")
    e = err.value
    assert e.code == 409 and e.reason == "Conflict"
    assert e.causes == [
        {
            "reason": "FieldManagerConflict",
            "message": f'conflict with "kubectl-scale" using apps/v1 at {T1}',
            "field": ".spec.replicas",
        }
    ]
    assert (
        e.message
        == f'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1 at {T1}: .spec.replicas'
    )
    # same value: shared ownership, no conflict
    shared = server_side_apply(scaled, applied(replicas=5), "kubectl", False, "Deployment", T2, "apps/v1")
    assert shared["spec"]["replicas"] == 5
    # force: the applier takes the field
    forced = server_side_apply(scaled, applied(), "kubectl", True, "Deployment", T2, "apps/v1")
    assert forced["spec"]["replicas"] == 3
    owners = {m["manager"] for m in forced["metadata"]["managedFields"]}
    assert owners == {"kubectl"}  # kubectl-scale owned only replicas: its entry goes


def test_ssa_removed_field_goes_unless_another_manager_owns_it():
    live = server_side_apply(None, applied(), "kubectl", False, "Deployment", T0, "apps/v1")
    dropped = server_side_apply(live, applied(replicas=None), "kubectl", False, "Deployment", T1, "apps/v1")
    assert "replicas" not in dropped["spec"]
    # a second applier owning replicas keeps it alive
    both = server_side_apply(
        live,
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nginx"}, "spec": {"replicas": 3}},
        "hpa",
        False,
        "Deployment",
        T1,
        "apps/v1",
    )
    kept = server_side_apply(both, applied(replicas=None), "kubectl", False, "Deployment", T2, "apps/v1")
    assert kept["spec"]["replicas"] == 3


def test_ssa_keyed_list_merge_between_managers():
    live = server_side_apply(None, applied(), "kubectl", False, "Deployment", T0, "apps/v1")
    side = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "nginx"},
        "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "envoy"}]}}},
    }
    out = server_side_apply(live, side, "injector", False, "Deployment", T1, "apps/v1")
    assert [c["name"] for c in containers(out)] == ["nginx", "sidecar"]
    # kubectl changes its own container image: no conflict, sidecar stays
    out2 = server_side_apply(out, applied(image="nginx:2"), "kubectl", False, "Deployment", T2, "apps/v1")
    assert [(c["name"], c["image"]) for c in containers(out2)] == [("nginx", "nginx:2"), ("sidecar", "envoy")]
    # injector stops applying its container: removed
    out3 = server_side_apply(
        out2,
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nginx"}},
        "injector",
        False,
        "Deployment",
        T2,
        "apps/v1",
    )
    assert [c["name"] for c in containers(out3)] == ["nginx"]


def test_ssa_requires_field_manager():
    with pytest.raises(PatchError) as err:
        server_side_apply(None, applied(), "", False, "Deployment", T0, "apps/v1")
    assert err.value.code == 422


def test_ssa_custom_resource_lists_are_atomic():
    vs = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "r"},
        "spec": {"hosts": ["a"], "http": [{"route": [{"destination": {"host": "a"}}]}]},
    }
    obj = server_side_apply(None, vs, "ansible", False, "VirtualService", T0, "networking.istio.io/v1")
    assert obj["metadata"]["managedFields"][0]["fieldsV1"] == {"f:spec": {"f:hosts": {}, "f:http": {}}}
    other = copy.deepcopy(vs)
    other["spec"]["hosts"] = ["b"]
    with pytest.raises(PatchError) as err:
        server_side_apply(obj, other, "someone-else", False, "VirtualService", T1, "networking.istio.io/v1")
    assert err.value.causes[0]["field"] == ".spec.hosts"


def test_strategic_merge_kubectl_client_side_apply_patch():
    # the shape kubectl apply sends for a built-in (cmd/apply/patcher.go: three-way strategic merge)
    dep = patch_demo()
    c = containers(dep)[0]
    c["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    dep["spec"]["template"]["spec"]["volumes"] = [{"name": "tmp", "emptyDir": {}}]
    patch = {
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
        "spec": {
            "replicas": None,
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "patch-demo-ctr"}],
                    "$setElementOrder/volumes": [{"name": "tmp"}],
                    "containers": [
                        {
                            "$setElementOrder/env": [{"name": "B"}],
                            "env": [{"$patch": "delete", "name": "A"}],
                            "image": "nginx:1.27",
                            "name": "patch-demo-ctr",
                        }
                    ],
                    "volumes": [{"$retainKeys": ["configMap", "name"], "configMap": {"name": "cm"}, "name": "tmp"}],
                }
            },
        },
    }
    out = strategic_merge(dep, patch, "Deployment")
    assert "replicas" not in out["spec"]
    c = containers(out)[0]
    assert c == {"name": "patch-demo-ctr", "image": "nginx:1.27", "env": [{"name": "B", "value": "2"}]}
    assert out["spec"]["template"]["spec"]["volumes"] == [{"name": "tmp", "configMap": {"name": "cm"}}]
    assert out["metadata"]["annotations"] == {"kubectl.kubernetes.io/last-applied-configuration": "{}"}


def test_managed_fields_service_and_custom_resource_shapes():
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "productpage", "labels": {"app": "productpage"}},
        "spec": {"ports": [{"port": 9080, "name": "http"}], "selector": {"app": "productpage"}},
    }
    (entry,) = record_update(None, svc, "kubectl-create", "Update", "v1", T0)
    assert entry["fieldsV1"]["f:spec"] == {
        "f:ports": {".": {}, 'k:{"port":9080,"protocol":"TCP"}': {".": {}, "f:name": {}, "f:port": {}}},
        "f:selector": {},  # Service selector is +mapType=atomic
    }
    vs = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "r"},
        "spec": {"hosts": ["a"]},
    }
    (entry,) = record_update(None, vs, "kubectl-create", "Update", "networking.istio.io/v1", T0)
    # a custom object's spec is created by the write: it is a member itself (".")
    assert entry["fieldsV1"] == {"f:spec": {".": {}, "f:hosts": {}}}
    assert fields_v1(vs, "VirtualService") == {"f:spec": {"f:hosts": {}}}


def test_record_update_removed_field_leaves_every_manager():
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}}
    cm["metadata"]["managedFields"] = record_update(None, cm, "one", "Update", "v1", T0)
    new = copy.deepcopy(cm)
    del new["data"]["a"]
    new["data"]["c"] = "3"
    mf = record_update(cm, new, "two", "Update", "v1", T1)
    by = {e["manager"]: e["fieldsV1"] for e in mf}
    assert by["one"] == {"f:data": {".": {}, "f:b": {}}}
    assert by["two"] == {"f:data": {"f:c": {}}}


def test_ssa_kubectl_upgrades_from_client_side_apply():
    # server-side-apply docs, "Upgrading from client-side apply to server-side apply": the manager
    # "kubectl" takes the fields of the last-applied annotation without conflicts; other managers conflict
    live = applied()
    last = applied()
    last["metadata"]["annotations"] = {}  # as kubectl writes it
    live["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(last)}
    live["metadata"]["managedFields"] = record_update(None, live, "kubectl-client-side-apply", "Update", "apps/v1", T0)
    with pytest.raises(PatchError):
        server_side_apply(live, applied(image="nginx:2"), "other", False, "Deployment", T1, "apps/v1")
    out = server_side_apply(live, applied(image="nginx:2"), "kubectl", False, "Deployment", T1, "apps/v1")
    assert containers(out)[0]["image"] == "nginx:2"
    # a field that drifted from the annotation gets no such pass
    drifted = copy.deepcopy(live)
    drifted["spec"]["replicas"] = 7
    with pytest.raises(PatchError) as err:
        server_side_apply(drifted, applied(image="nginx:2"), "kubectl", False, "Deployment", T1, "apps/v1")
    # only the drifted field still conflicts (the rest of the annotation matches the live object)
    assert [c["field"] for c in err.value.causes] == [".spec.replicas"]


def test_ssa_kubectl_rewrites_an_existing_last_applied_annotation():
    live = applied()
    live["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(applied())}
    live["metadata"]["managedFields"] = record_update(None, live, "kubectl-client-side-apply", "Update", "apps/v1", T0)
    out = server_side_apply(live, applied(image="nginx:2"), "kubectl", False, "Deployment", T1, "apps/v1")
    last = json.loads(out["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
    assert "annotations" not in last["metadata"]
    # its ownership stays where it was
    (mine,) = [e for e in out["metadata"]["managedFields"] if e["manager"] == "kubectl"]
    assert "f:metadata" not in mine["fieldsV1"]
    # other managers leave it alone
    other = server_side_apply(live, applied(), "ansible", False, "Deployment", T1, "apps/v1")
    assert other["metadata"]["annotations"] == live["metadata"]["annotations"]
