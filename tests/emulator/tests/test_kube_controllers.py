"""The controllers of the emulated Kubernetes API servers (kube/controllers.py), driven through real
objects: ACK clusters and ASM meshes made with the real SDKs, Kubernetes objects written through
``objects.KubeView`` with the API server's defaulting (what api.py's create path does), and
``api.tick`` (garbage collector + ``controllers.reconcile``) run as the API server runs it.

Nodes mirror the cloud's Ready nodes; Deployments make ReplicaSets and Pods that land on the nodes
with addresses of the node's Pod CIDR (Flannel) or the Pod vSwitch (Terway) and turn Ready after
``kube_pod_start``; statuses follow kube-api-emulation.md section 7; Services get Endpoints and
EndpointSlices; sidecars are injected only in mesh member clusters; an IstioGateway makes
``istio-<name>`` in each of its clusters with a loopback LoadBalancer address. Every reconcile
that has nothing to do writes nothing (the global resourceVersion stays).
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re

import pytest
from alibabacloud_cs20151215 import models as csm
from alibabacloud_cs20151215.client import Client as CsClient
from alibabacloud_servicemesh20200111 import models as am
from alibabacloud_servicemesh20200111.client import Client as AsmClient
from test_cs_cluster import REGION, cluster_request, make_network

from geomesh_emulator.kube import api, controllers, objects, resources

SCALE = 10.0  # node_join 10 s, kube_pod_start 20 s, kube_gateway_address 20 s
POD_START = controllers.BASE_DELAY * SCALE + 1.5  # + the second the timestamps lose


# ------------------------------------------------------------------------------------------ helpers
@pytest.fixture
def cs(emu, client_factory) -> CsClient:
    emu.clock.delay_scale = SCALE
    return client_factory(CsClient)


@pytest.fixture
def asm_client(emu, client_factory) -> AsmClient:
    return client_factory(AsmClient)


@pytest.fixture
def net(emu, cs, vpc):
    return make_network(emu, vpc, "20.0.0.0/8", [("20.0.0.0/16", "cn-hangzhou-h"), ("20.1.0.0/16", "cn-hangzhou-i")])


def start_server(emu, server_id: str, owner: str = "cluster") -> None:
    """What ``emulator.kube.ensure`` does for a new API server: register it and seed it."""
    with objects.open_view(emu, server_id, owner=owner, region=REGION) as view:
        api.bootstrap(view)


def tick(emu, server_id: str) -> None:
    api.tick(emu, server_id)


def rv(emu) -> int:
    return objects.current_rv(emu)


def create(emu, server_id: str, obj: dict) -> dict:
    """A client's create: the API server's defaulting, then the store; then the controllers."""
    with objects.open_view(emu, server_id) as view:
        group, plural, _ns = view.resource_of(obj)
        obj = copy.deepcopy(obj)
        resources.apply_defaults(view, group, plural, obj)
        made = view.create(obj, manager="kubectl")
    tick(emu, server_id)
    return made


def update(emu, server_id: str, group: str, plural: str, ns: str | None, name: str, change) -> dict:
    """A client's update (read, change, replace), then the controllers."""
    with objects.open_view(emu, server_id) as view:
        obj = view.get(group, plural, ns, name)
        change(obj)
        resources.apply_defaults(view, group, plural, obj)
        out = view.replace(obj, manager="kubectl")
    tick(emu, server_id)
    return out


def delete(emu, server_id: str, group: str, plural: str, ns: str | None, name: str) -> None:
    with objects.open_view(emu, server_id) as view:
        view.delete(group, plural, ns, name)
    tick(emu, server_id)


def get(emu, server_id: str, group: str, plural: str, ns: str | None, name: str) -> dict | None:
    with objects.open_view(emu, server_id) as view:
        return view.get(group, plural, ns, name)


def lst(emu, server_id: str, group: str, plural: str, ns: str | None = None, labels=None) -> list[dict]:
    with objects.open_view(emu, server_id) as view:
        return view.list(group, plural, ns, labels)


def advance(emu, server_id: str, seconds: float, *others: str) -> None:
    emu.advance_clock(seconds)
    for sid in (server_id, *others):
        tick(emu, sid)


def assert_quiet(emu, *server_ids: str) -> None:
    """Reconciles with nothing to do write nothing."""
    before = rv(emu)
    for sid in server_ids:
        tick(emu, sid)
        tick(emu, sid)
    assert rv(emu) == before


def deployment(name: str, replicas: int = 3, image: str = "nginx:1.27", ns: str = "default", **spec) -> dict:
    labels = {"app": name}
    body = {
        "replicas": replicas,
        "selector": {"matchLabels": labels},
        "template": {
            "metadata": {"labels": dict(labels)},
            "spec": {"containers": [{"name": "web", "image": image, "ports": [{"name": "http", "containerPort": 80}]}]},
        },
    }
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns}, "spec": body}


def pods_of(emu, sid: str, app: str, ns: str = "default") -> list[dict]:
    return lst(emu, sid, "", "pods", ns, {"app": app})


def cloud_doc(emu, cluster_id: str) -> dict:
    return next(d for d in emu.snapshot()["cs_cluster"] if d["cluster_id"] == cluster_id)


def ready_nodes(emu, cluster_id: str) -> dict[str, dict]:
    with emu.transaction() as ctx:
        from geomesh_emulator.products import cs as cs_product

        doc = cs_product.get_cluster(ctx, cluster_id)
        return {n["node_name"]: n for n in cs_product.cluster_nodes(doc, ctx.now())}


def condition(obj: dict, ctype: str) -> dict:
    return next(c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == ctype)


def kc_ready(dep: dict) -> bool:
    """kubernetes.core's Deployment readiness (waiter.py, kube-api-emulation.md section 1)."""
    st = dep.get("status") or {}
    return (
        dep["spec"]["replicas"] == (st.get("replicas") or 0)
        and st.get("availableReplicas") == st.get("replicas")
        and st.get("observedGeneration") == dep["metadata"]["generation"]
        and not st.get("unavailableReplicas")
    )


def rollout_done(dep: dict) -> bool:
    """kubectl rollout status (rollout_status.go)."""
    st = dep.get("status") or {}
    want = dep["spec"]["replicas"]
    return (
        dep["metadata"]["generation"] <= st.get("observedGeneration", 0)
        and st.get("updatedReplicas", 0) >= want
        and st.get("replicas", 0) <= st.get("updatedReplicas", 0)
        and st.get("availableReplicas", 0) >= st.get("updatedReplicas", 0)
    )


@pytest.fixture
def cluster(emu, cs, net):
    """A running Flannel cluster (pod 10.10.0.0/16, /26 per node) with two Ready nodes and a
    started API server."""
    vpc_id, vsws = net
    req = cluster_request(vpc_id, vsws, container_cidr="10.10.0.0/16", service_cidr="172.20.0.0/16")
    req.nodepools[0].scaling_group.desired_size = 2
    cid = cs.create_cluster(req).body.cluster_id
    emu.advance_clock(300)
    start_server(emu, cid)
    tick(emu, cid)
    return cid


# ------------------------------------------------------------------------------------------ nodes
def test_nodes_follow_the_cloud_nodes(emu, cs, net):
    vpc_id, vsws = net
    req = cluster_request(vpc_id, vsws, container_cidr="10.10.0.0/16", service_cidr="172.20.0.0/16")
    req.nodepools[0].scaling_group.desired_size = 2
    cid = cs.create_cluster(req).body.cluster_id
    start_server(emu, cid)
    tick(emu, cid)
    assert lst(emu, cid, "", "nodes") == []  # nothing Ready yet

    advance(emu, cid, 10.5)
    nodes = lst(emu, cid, "", "nodes")
    cloud = ready_nodes(emu, cid)
    assert [n["metadata"]["name"] for n in nodes] == list(cloud) and len(nodes) == 1
    node, ref = nodes[0], next(iter(cloud.values()))
    labels = node["metadata"]["labels"]
    assert labels["topology.kubernetes.io/region"] == REGION
    assert labels["topology.kubernetes.io/zone"] == ref["zone_id"]
    assert labels["kubernetes.io/hostname"] == ref["node_name"]
    assert labels["alibabacloud.com/nodepool-id"] == ref["nodepool_id"]
    assert node["spec"]["podCIDR"] == ref["pod_cidr"] == "10.10.0.0/26"
    assert {"type": "InternalIP", "address": ref["ip"]} in node["status"]["addresses"]
    assert condition(node, "Ready")["status"] == "True" and condition(node, "Ready")["reason"] == "KubeletReady"
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "v" + cloud_doc(emu, cid)["current_version"]

    advance(emu, cid, 10.0)
    assert len(lst(emu, cid, "", "nodes")) == 2
    assert_quiet(emu, cid)
    advance(emu, cid, 300)  # the cluster is running

    # a pool with labels and a taint: its nodes carry both
    created = cs.create_cluster_node_pool(
        cid,
        csm.CreateClusterNodePoolRequest(
            nodepool_info=csm.CreateClusterNodePoolRequestNodepoolInfo(name="mesh"),
            scaling_group=csm.CreateClusterNodePoolRequestScalingGroup(
                vswitch_ids=vsws, instance_types=["ecs.g7.large"], desired_size=1, key_pair="kp"
            ),
            kubernetes_config=csm.CreateClusterNodePoolRequestKubernetesConfig(
                labels=[csm.Tag(key="role", value="mesh")],
                taints=[csm.Taint(key="dedicated", value="mesh", effect="NoSchedule")],
            ),
        ),
    ).body
    advance(emu, cid, 300)
    tainted = lst(emu, cid, "", "nodes")
    mesh_nodes = [n for n in tainted if n["metadata"]["labels"].get("role") == "mesh"]
    assert len(tainted) == 3 and len(mesh_nodes) == 1
    assert mesh_nodes[0]["spec"]["taints"] == [{"key": "dedicated", "effect": "NoSchedule", "value": "mesh"}]
    assert mesh_nodes[0]["metadata"]["labels"]["node.kubernetes.io/instance-type"] == "ecs.g7.large"

    # a node being removed is no longer Ready: its Node object goes at once
    cs.delete_cluster_nodepool(cid, created.nodepool_id, csm.DeleteClusterNodepoolRequest(force=True))
    tick(emu, cid)
    assert sorted(n["metadata"]["name"] for n in lst(emu, cid, "", "nodes")) == sorted(ready_nodes(emu, cid))
    assert len(lst(emu, cid, "", "nodes")) == 2
    assert_quiet(emu, cid)


# ------------------------------------------------------------------------------------------ Deployments
def test_deployment_replicaset_pods_and_status_over_time(emu, cluster):
    cid = cluster
    create(emu, cid, deployment("web", 3))
    dep = get(emu, cid, "apps", "deployments", "default", "web")
    rss = lst(emu, cid, "apps", "replicasets", "default")
    assert len(rss) == 1
    rs = rss[0]
    h = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{h}" and re.fullmatch(r"[bcdfghjklmnpqrstvwxz2456789]{1,10}", h)
    assert h == controllers.template_hash(dep["spec"]["template"])
    assert rs["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "uid": dep["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert rs["spec"]["replicas"] == 3 and rs["spec"]["selector"]["matchLabels"] == {
        "app": "web",
        "pod-template-hash": h,
    }
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert dep["metadata"]["generation"] == 1  # the revision annotation came with the status write

    pods = pods_of(emu, cid, "web")
    nodes = {n["metadata"]["name"]: n for n in lst(emu, cid, "", "nodes")}
    assert len(pods) == 3
    for pod in pods:
        assert re.fullmatch(rf"web-{h}-[bcdfghjklmnpqrstvwxz2456789]{{5}}", pod["metadata"]["name"])
        assert pod["metadata"]["labels"] == {"app": "web", "pod-template-hash": h}
        assert pod["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
        node = nodes[pod["spec"]["nodeName"]]
        assert ipaddress.ip_address(pod["status"]["podIP"]) in ipaddress.ip_network(node["spec"]["podCIDR"])
        assert pod["status"]["hostIP"] == next(
            a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"
        )
        assert pod["status"]["phase"] == "Pending" and condition(pod, "Ready")["status"] == "False"
        assert pod["status"]["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}
    # round robin over the two nodes; the first Pod of a node gets .2 (.1 is cni0)
    per_node = sorted(sum(1 for p in pods if p["spec"]["nodeName"] == n) for n in nodes)
    assert per_node == [1, 2]
    assert len({p["status"]["podIP"] for p in pods}) == 3
    firsts = {str(ipaddress.ip_network(n["spec"]["podCIDR"]).network_address + 2) for n in nodes.values()}
    assert firsts <= {p["status"]["podIP"] for p in pods}

    dep = get(emu, cid, "apps", "deployments", "default", "web")
    st = dep["status"]
    assert st["observedGeneration"] == 1 and st["replicas"] == 3 and st["updatedReplicas"] == 3
    assert st["unavailableReplicas"] == 3 and "readyReplicas" not in st and "availableReplicas" not in st
    assert condition(dep, "Available")["status"] == "False"
    assert condition(dep, "Available")["reason"] == "MinimumReplicasUnavailable"
    assert condition(dep, "Progressing")["reason"] == "NewReplicaSetCreated"
    assert condition(dep, "Progressing")["message"] == f'Created new replica set "web-{h}"'
    assert not kc_ready(dep) and not rollout_done(dep)
    assert_quiet(emu, cid)

    advance(emu, cid, POD_START)
    pods = pods_of(emu, cid, "web")
    assert all(p["status"]["phase"] == "Running" and condition(p, "Ready")["status"] == "True" for p in pods)
    cst = pods[0]["status"]["containerStatuses"][0]
    assert (
        cst["ready"] and cst["started"] and "running" in cst["state"] and cst["containerID"].startswith("containerd://")
    )
    dep = get(emu, cid, "apps", "deployments", "default", "web")
    st = dep["status"]
    assert (st["replicas"], st["updatedReplicas"], st["readyReplicas"], st["availableReplicas"]) == (3, 3, 3, 3)
    assert "unavailableReplicas" not in st
    assert [c["type"] for c in st["conditions"]] == ["Available", "Progressing"]
    assert condition(dep, "Available")["reason"] == "MinimumReplicasAvailable"
    assert condition(dep, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert condition(dep, "Progressing")["message"] == f'ReplicaSet "web-{h}" has successfully progressed.'
    assert kc_ready(dep) and rollout_done(dep)
    rs = get(emu, cid, "apps", "replicasets", "default", f"web-{h}")
    assert rs["status"] == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "observedGeneration": 1,
    }
    assert_quiet(emu, cid)


def test_scale_up_down_and_to_zero(emu, cluster):
    cid = cluster
    create(emu, cid, deployment("api", 2))
    advance(emu, cid, POD_START)

    def scale(n):
        def change(obj):
            obj["spec"]["replicas"] = n

        update(emu, cid, "apps", "deployments", "default", "api", change)

    scale(5)
    dep = get(emu, cid, "apps", "deployments", "default", "api")
    assert dep["metadata"]["generation"] == 2 and dep["status"]["observedGeneration"] == 2
    assert len(pods_of(emu, cid, "api")) == 5 and not kc_ready(dep)
    assert condition(dep, "Progressing")["reason"] == "ReplicaSetUpdated"
    assert len(lst(emu, cid, "apps", "replicasets", "default")) == 1  # scaling makes no new ReplicaSet
    counts = sorted(
        sum(1 for p in pods_of(emu, cid, "api") if p["spec"]["nodeName"] == n["metadata"]["name"])
        for n in lst(emu, cid, "", "nodes")
    )
    assert counts == [2, 3]
    advance(emu, cid, POD_START)
    dep = get(emu, cid, "apps", "deployments", "default", "api")
    assert kc_ready(dep) and dep["status"]["availableReplicas"] == 5
    assert condition(dep, "Progressing")["reason"] == "NewReplicaSetAvailable"

    scale(1)
    pods = pods_of(emu, cid, "api")
    dep = get(emu, cid, "apps", "deployments", "default", "api")
    assert len(pods) == 1 and dep["status"]["replicas"] == 1 and kc_ready(dep)

    scale(0)
    dep = get(emu, cid, "apps", "deployments", "default", "api")
    assert pods_of(emu, cid, "api") == []
    assert dep["status"] == {
        "observedGeneration": 4,
        "conditions": dep["status"]["conditions"],
    }
    assert condition(dep, "Available")["status"] == "True" and kc_ready(dep) and rollout_done(dep)
    rs = lst(emu, cid, "apps", "replicasets", "default")[0]
    assert rs["spec"]["replicas"] == 0 and rs["status"] == {"replicas": 0, "observedGeneration": 4}
    assert_quiet(emu, cid)

    # deleting the Deployment takes its ReplicaSet and Pods (background propagation)
    scale(2)
    delete(emu, cid, "apps", "deployments", "default", "api")
    tick(emu, cid)
    tick(emu, cid)
    assert lst(emu, cid, "apps", "replicasets", "default") == [] and pods_of(emu, cid, "api") == []


def test_template_change_rolls_to_a_new_replicaset(emu, cluster):
    cid = cluster
    create(emu, cid, deployment("shop", 4))
    advance(emu, cid, POD_START)
    old_rs = lst(emu, cid, "apps", "replicasets", "default")[0]

    def new_image(obj):
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"

    update(emu, cid, "apps", "deployments", "default", "shop", new_image)
    rss = {r["metadata"]["name"]: r for r in lst(emu, cid, "apps", "replicasets", "default")}
    assert len(rss) == 2
    new_rs = next(r for n, r in rss.items() if n != old_rs["metadata"]["name"])
    assert new_rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    # maxSurge 25 % of 4 = 1 up, maxUnavailable 25 % = 1 down
    assert new_rs["spec"]["replicas"] == 1 and rss[old_rs["metadata"]["name"]]["spec"]["replicas"] == 3
    dep = get(emu, cid, "apps", "deployments", "default", "shop")
    assert dep["metadata"]["generation"] == 2 and dep["status"]["observedGeneration"] == 2
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert not rollout_done(dep) and dep["status"]["updatedReplicas"] == 1
    assert condition(dep, "Available")["status"] == "True"  # 3 available >= 4 - 1

    for _i in range(8):
        advance(emu, cid, POD_START)
    rss = {r["metadata"]["name"]: r for r in lst(emu, cid, "apps", "replicasets", "default")}
    assert rss[old_rs["metadata"]["name"]]["spec"]["replicas"] == 0
    assert rss[new_rs["metadata"]["name"]]["spec"]["replicas"] == 4
    pods = pods_of(emu, cid, "shop")
    assert len(pods) == 4 and {p["spec"]["containers"][0]["image"] for p in pods} == {"nginx:1.28"}
    assert {p["metadata"]["labels"]["pod-template-hash"] for p in pods} == {
        new_rs["metadata"]["labels"]["pod-template-hash"]
    }
    dep = get(emu, cid, "apps", "deployments", "default", "shop")
    assert rollout_done(dep) and kc_ready(dep)
    assert (
        condition(dep, "Progressing")["message"]
        == f'ReplicaSet "{new_rs["metadata"]["name"]}" has successfully progressed.'
    )
    assert_quiet(emu, cid)

    # back to the first template: the old ReplicaSet is the new one again, with revision 3
    def old_image(obj):
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"

    update(emu, cid, "apps", "deployments", "default", "shop", old_image)
    for _i in range(8):
        advance(emu, cid, POD_START)
    back = get(emu, cid, "apps", "replicasets", "default", old_rs["metadata"]["name"])
    assert back["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert back["spec"]["replicas"] == 4 and len(lst(emu, cid, "apps", "replicasets", "default")) == 2


def test_recreate_strategy_replaces_all_pods_first(emu, cluster):
    cid = cluster
    create(emu, cid, deployment("batch", 2, strategy={"type": "Recreate"}))
    advance(emu, cid, POD_START)

    def new_image(obj):
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:1.36"

    update(emu, cid, "apps", "deployments", "default", "batch", new_image)
    tick(emu, cid)
    pods = pods_of(emu, cid, "batch")
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"busybox:1.36"} and len(pods) == 2
    advance(emu, cid, POD_START)
    assert rollout_done(get(emu, cid, "apps", "deployments", "default", "batch"))


def test_unschedulable_pods_wait_for_a_node(emu, cluster):
    cid = cluster
    dep = deployment("picky", 1)
    dep["spec"]["template"]["spec"]["nodeSelector"] = {"role": "mesh"}
    create(emu, cid, dep)
    pod = pods_of(emu, cid, "picky")[0]
    sched = condition(pod, "PodScheduled")
    assert pod["status"]["phase"] == "Pending" and "nodeName" not in pod["spec"]
    assert sched["status"] == "False" and sched["reason"] == "Unschedulable"
    assert sched["message"] == "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
    assert_quiet(emu, cid)
    # a node that matches: label it (the cloud's labels stay, this one is kept too)
    name = lst(emu, cid, "", "nodes")[0]["metadata"]["name"]
    update(emu, cid, "", "nodes", None, name, lambda n: n["metadata"]["labels"].update({"role": "mesh"}))
    pod = pods_of(emu, cid, "picky")[0]
    assert pod["spec"]["nodeName"] == name and pod["status"]["podIP"]
    assert get(emu, cid, "", "nodes", None, name)["metadata"]["labels"]["role"] == "mesh"


def test_a_missing_service_account_fails_the_pods(emu, cluster):
    cid = cluster
    create(emu, cid, namespace("books"))
    assert get(emu, cid, "", "serviceaccounts", "books", "default") is not None  # the ServiceAccount controller
    dep = deployment("reviews", 1, ns="books")
    dep["spec"]["template"]["spec"]["serviceAccountName"] = "bookinfo-reviews"
    create(emu, cid, dep)
    assert pods_of(emu, cid, "reviews", "books") == []
    rs = lst(emu, cid, "apps", "replicasets", "books")[0]
    failure = condition(rs, "ReplicaFailure")
    assert (failure["status"], failure["reason"]) == ("True", "FailedCreate")
    assert failure["message"] == (
        f'pods "{rs["metadata"]["name"]}-" is forbidden: error looking up service account '
        'books/bookinfo-reviews: serviceaccount "bookinfo-reviews" not found'
    )
    dep = get(emu, cid, "apps", "deployments", "books", "reviews")
    assert condition(dep, "ReplicaFailure")["message"] == failure["message"] and not kc_ready(dep)
    assert_quiet(emu, cid)
    create(
        emu,
        cid,
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bookinfo-reviews", "namespace": "books"}},
    )
    assert len(pods_of(emu, cid, "reviews", "books")) == 1
    advance(emu, cid, POD_START)
    dep = get(emu, cid, "apps", "deployments", "books", "reviews")
    assert kc_ready(dep) and "ReplicaFailure" not in [c["type"] for c in dep["status"]["conditions"]]
    rs = lst(emu, cid, "apps", "replicasets", "books")[0]
    assert "conditions" not in rs["status"]


def test_host_network_pods_have_the_node_address(emu, cluster):
    cid = cluster
    dep = deployment("agent", 2)
    dep["spec"]["template"]["spec"]["hostNetwork"] = True
    create(emu, cid, dep)
    pods = pods_of(emu, cid, "agent")
    assert len(pods) == 2 and all(p["status"]["podIP"] == p["status"]["hostIP"] for p in pods)


def test_progress_deadline_exceeded(emu, cluster):
    cid = cluster
    dep = deployment("stuck", 2, progressDeadlineSeconds=30)
    dep["spec"]["template"]["spec"]["nodeSelector"] = {"role": "nowhere"}
    create(emu, cid, dep)
    assert condition(get(emu, cid, "apps", "deployments", "default", "stuck"), "Progressing")["status"] == "True"
    advance(emu, cid, 20)
    assert condition(get(emu, cid, "apps", "deployments", "default", "stuck"), "Progressing")["status"] == "True"
    advance(emu, cid, 15)
    dep = get(emu, cid, "apps", "deployments", "default", "stuck")
    prog = condition(dep, "Progressing")
    assert (prog["status"], prog["reason"]) == ("False", "ProgressDeadlineExceeded")
    rs_name = lst(emu, cid, "apps", "replicasets", "default")[0]["metadata"]["name"]
    assert prog["message"] == f'ReplicaSet "{rs_name}" has timed out progressing.'
    assert condition(dep, "Available")["status"] == "False"
    assert_quiet(emu, cid)


def test_pods_of_a_removed_node_are_rescheduled(emu, cs, cluster):
    cid = cluster
    create(emu, cid, deployment("spread", 4))
    advance(emu, cid, POD_START)
    pool = cs.describe_cluster_node_pools(cid, csm.DescribeClusterNodePoolsRequest()).body.nodepools[0]
    cs.modify_cluster_node_pool(
        cid,
        pool.nodepool_info.nodepool_id,
        csm.ModifyClusterNodePoolRequest(scaling_group=csm.ModifyClusterNodePoolRequestScalingGroup(desired_size=1)),
    )
    tick(emu, cid)
    nodes = lst(emu, cid, "", "nodes")
    assert len(nodes) == 1
    left = nodes[0]["metadata"]["name"]
    pods = pods_of(emu, cid, "spread")
    assert len(pods) == 4 and {p["spec"]["nodeName"] for p in pods} == {left}
    assert len({p["status"]["podIP"] for p in pods}) == 4
    dep = get(emu, cid, "apps", "deployments", "default", "spread")
    assert dep["status"]["availableReplicas"] == 2 and dep["status"]["unavailableReplicas"] == 2
    advance(emu, cid, POD_START)
    assert kc_ready(get(emu, cid, "apps", "deployments", "default", "spread"))


def test_terway_pods_take_addresses_of_the_pod_vswitch(emu, cs, vpc):
    vpc_id, vsws = make_network(
        emu, vpc, "192.168.0.0/16", [("192.168.0.0/24", "cn-hangzhou-h"), ("192.168.16.0/20", "cn-hangzhou-h")]
    )
    req = cluster_request(
        vpc_id,
        vsws[:1],
        container_cidr=None,
        pod_vswitch_ids=vsws[1:],
        addons=[csm.Addon(name="terway-eniip")],
        service_cidr="172.21.0.0/20",
    )
    req.nodepools[0].scaling_group.desired_size = 2
    cid = cs.create_cluster(req).body.cluster_id
    emu.advance_clock(300)
    start_server(emu, cid)
    tick(emu, cid)
    nodes = lst(emu, cid, "", "nodes")
    assert len(nodes) == 2 and all("podCIDR" not in n["spec"] for n in nodes)
    create(emu, cid, deployment("tw", 3))
    pods = pods_of(emu, cid, "tw")
    ips = sorted(ipaddress.ip_address(p["status"]["podIP"]) for p in pods)
    net = ipaddress.ip_network("192.168.16.0/20")
    assert all(ip in net for ip in ips) and len(set(ips)) == 3
    assert str(ips[-1]) == "192.168.31.251"  # top down, the last three hosts left out
    node_ips = {n["ip"] for n in cloud_doc(emu, cid)["_nodes"]}
    assert not node_ips & {str(ip) for ip in ips}


# ------------------------------------------------------------------------------------------ Services
def test_service_endpoints_and_endpointslices(emu, cluster):
    cid = cluster
    create(emu, cid, deployment("reviews", 2))
    svc = create(
        emu,
        cid,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "reviews", "namespace": "default", "labels": {"app": "reviews"}},
            "spec": {"selector": {"app": "reviews"}, "ports": [{"name": "http", "port": 9080, "targetPort": "http"}]},
        },
    )
    cidr = ipaddress.ip_network(cloud_doc(emu, cid)["service_cidr"])
    assert ipaddress.ip_address(svc["spec"]["clusterIP"]) in cidr
    pods = {p["status"]["podIP"]: p for p in pods_of(emu, cid, "reviews")}
    ep = get(emu, cid, "", "endpoints", "default", "reviews")
    assert len(ep["subsets"]) == 1 and "addresses" not in ep["subsets"][0]
    assert ep["subsets"][0]["ports"] == [{"name": "http", "port": 80, "protocol": "TCP"}]
    assert sorted(a["ip"] for a in ep["subsets"][0]["notReadyAddresses"]) == sorted(pods, key=ipaddress.ip_address)
    slices = lst(emu, cid, "discovery.k8s.io", "endpointslices", "default", {"kubernetes.io/service-name": "reviews"})
    assert len(slices) == 1
    sl = slices[0]
    assert sl["metadata"]["name"].startswith("reviews-") and sl["addressType"] == "IPv4"
    assert sl["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    assert sl["metadata"]["ownerReferences"][0]["uid"] == svc["metadata"]["uid"]
    assert sl["ports"] == [{"name": "http", "port": 80, "protocol": "TCP"}]
    assert all(not e["conditions"]["ready"] for e in sl["endpoints"])
    assert_quiet(emu, cid)

    advance(emu, cid, POD_START)
    ep = get(emu, cid, "", "endpoints", "default", "reviews")
    addrs = ep["subsets"][0]["addresses"]
    assert [a["ip"] for a in addrs] == sorted(pods, key=ipaddress.ip_address)
    assert all(a["nodeName"] == pods[a["ip"]]["spec"]["nodeName"] for a in addrs)
    assert all(a["targetRef"]["uid"] == pods[a["ip"]]["metadata"]["uid"] for a in addrs)
    sl = lst(emu, cid, "discovery.k8s.io", "endpointslices", "default", {"kubernetes.io/service-name": "reviews"})[0]
    zones = {
        n["metadata"]["name"]: n["metadata"]["labels"]["topology.kubernetes.io/zone"]
        for n in lst(emu, cid, "", "nodes")
    }
    for e in sl["endpoints"]:
        assert e["conditions"] == {"ready": True, "serving": True, "terminating": False}
        assert e["zone"] == zones[e["nodeName"]] and e["addresses"][0] in pods
    assert_quiet(emu, cid)

    # a selector-less Service keeps whatever Endpoints its owner writes
    create(
        emu,
        cid,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "external", "namespace": "default"},
            "spec": {"ports": [{"port": 443}]},
        },
    )
    assert get(emu, cid, "", "endpoints", "default", "external") is None

    delete(emu, cid, "", "services", "default", "reviews")
    tick(emu, cid)
    assert get(emu, cid, "", "endpoints", "default", "reviews") is None
    assert (
        lst(emu, cid, "discovery.k8s.io", "endpointslices", "default", {"kubernetes.io/service-name": "reviews"}) == []
    )


def test_loadbalancer_service_gets_a_loopback_address(emu, cluster):
    cid = cluster
    create(
        emu,
        cid,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "lb", "namespace": "default"},
            "spec": {"type": "LoadBalancer", "selector": {"app": "x"}, "ports": [{"port": 80}]},
        },
    )
    svc = get(emu, cid, "", "services", "default", "lb")
    assert not svc["status"].get("loadBalancer", {}).get("ingress") and svc["spec"]["ports"][0]["nodePort"]
    advance(emu, cid, controllers.BASE_DELAY * SCALE + 1.5)
    ingress = get(emu, cid, "", "services", "default", "lb")["status"]["loadBalancer"]["ingress"]
    assert len(ingress) == 1 and re.fullmatch(
        rf"127\.{emu.loopback.block}\.\d+\.2", ingress[0]["ip"]
    )  # .1 is for a gateway
    assert_quiet(emu, cid)


# ------------------------------------------------------------------------------------------ ASM
@pytest.fixture
def mesh(emu, asm_client, net):
    vpc_id, vsws = net
    mesh_id = asm_client.create_service_mesh(
        am.CreateServiceMeshRequest(region_id=REGION, vpc_id=vpc_id, v_switches=json.dumps(vsws[:1]), name="m")
    ).body.service_mesh_id
    emu.advance_clock(300)
    start_server(emu, mesh_id, owner="mesh")
    return mesh_id


def join(emu, asm_client, mesh_id: str, cluster_id: str) -> None:
    asm_client.add_cluster_into_service_mesh(
        am.AddClusterIntoServiceMeshRequest(service_mesh_id=mesh_id, cluster_id=cluster_id)
    )
    emu.advance_clock(300)


def namespace(name: str, **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def test_sidecar_injection_only_in_mesh_member_clusters(emu, asm_client, cluster, mesh):
    cid = cluster
    create(emu, cid, namespace("shop", **{"istio-injection": "enabled"}))
    create(emu, cid, deployment("before", 1, ns="shop"))
    pod = pods_of(emu, cid, "before", "shop")[0]
    assert [c["name"] for c in pod["spec"]["containers"]] == ["web"]  # not in a mesh: nothing injected
    assert "sidecar.istio.io/status" not in (pod["metadata"].get("annotations") or {})

    join(emu, asm_client, mesh, cid)
    tick(emu, cid)
    assert get(emu, cid, "", "namespaces", None, "istio-system") is not None
    create(emu, cid, deployment("after", 1, ns="shop"))
    pod = pods_of(emu, cid, "after", "shop")[0]
    version = next(d for d in emu.snapshot()["asm_mesh"] if d["ServiceMeshId"] == mesh)["Version"]
    assert [c["name"] for c in pod["spec"]["containers"]] == ["web", "istio-proxy"]
    assert pod["spec"]["containers"][1]["image"] == f"istio/proxyv2:{version}"
    assert [c["name"] for c in pod["spec"]["initContainers"]] == ["istio-init"]
    status = json.loads(pod["metadata"]["annotations"]["sidecar.istio.io/status"])
    assert status["containers"] == ["istio-proxy"] and status["initContainers"] == ["istio-init"]
    assert pod["metadata"]["labels"]["security.istio.io/tlsMode"] == "istio"
    assert pod["metadata"]["labels"]["service.istio.io/canonical-name"] == "after"
    env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][1]["env"]}
    assert env["ISTIO_META_CLUSTER_ID"] == cid
    advance(emu, cid, POD_START)
    pod = pods_of(emu, cid, "after", "shop")[0]
    assert [c["name"] for c in pod["status"]["containerStatuses"]] == ["web", "istio-proxy"]
    assert pod["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert kc_ready(get(emu, cid, "apps", "deployments", "shop", "after"))

    # opted out per Pod, or a namespace without the label: no sidecar
    opted = deployment("optout", 1, ns="shop")
    opted["spec"]["template"]["metadata"]["annotations"] = {"sidecar.istio.io/inject": "false"}
    create(emu, cid, opted)
    assert [c["name"] for c in pods_of(emu, cid, "optout", "shop")[0]["spec"]["containers"]] == ["web"]
    create(emu, cid, deployment("plain", 1))
    assert [c["name"] for c in pods_of(emu, cid, "plain")[0]["spec"]["containers"]] == ["web"]
    # a bare Pod a client creates is injected before it is scheduled
    create(
        emu,
        cid,
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "bare", "namespace": "shop", "labels": {"app": "bare"}},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]},
        },
    )
    bare = get(emu, cid, "", "pods", "shop", "bare")
    assert [c["name"] for c in bare["spec"]["containers"]] == ["c", "istio-proxy"] and bare["spec"]["nodeName"]
    # the admission hook api.py can call on a Pod create
    with objects.open_view(emu, cid) as view:
        in_shop = {"metadata": {"name": "p", "namespace": "shop"}, "spec": {"containers": [{"name": "c"}]}}
        in_default = copy.deepcopy(in_shop)
        in_default["metadata"]["namespace"] = "default"
        assert controllers.inject_on_create(view, in_shop) and not controllers.inject_on_create(view, in_default)
    assert [c["name"] for c in in_shop["spec"]["containers"]] == ["c", "istio-proxy"]
    assert [c["name"] for c in in_default["spec"]["containers"]] == ["c"]
    # the Pod made before the join kept its single container
    assert [c["name"] for c in pods_of(emu, cid, "before", "shop")[0]["spec"]["containers"]] == ["web"]
    assert_quiet(emu, cid, mesh)


def gateway_cr(name: str, cluster_ids: list[str], **spec) -> dict:
    body = {
        "gatewayType": "ingress",
        "clusterIds": cluster_ids,
        "replicaCount": 2,
        "serviceType": "LoadBalancer",
        "ports": [{"name": "http-0", "port": 80, "targetPort": 80, "protocol": "TCP"}],
    }
    body.update(spec)
    return {
        "apiVersion": "istio.alibabacloud.com/v1beta1",
        "kind": "IstioGateway",
        "metadata": {"name": name, "namespace": "istio-system"},
        "spec": body,
    }


def test_istio_gateway_in_every_member_cluster(emu, cs, asm_client, net, cluster, mesh):
    cid = cluster
    vpc_id, vsws = net
    req = cluster_request(vpc_id, vsws, container_cidr="10.20.0.0/16", service_cidr="172.22.0.0/16")
    req.nodepools[0].scaling_group.desired_size = 1
    cid2 = cs.create_cluster(req).body.cluster_id
    emu.advance_clock(300)
    join(emu, asm_client, mesh, cid)
    # the second cluster is named by the CR before it joins: nothing there, an error in the status
    create(emu, mesh, gateway_cr("ingressgateway", [cid, cid2]))
    tick(emu, cid)
    svc = get(emu, cid, "", "services", "istio-system", "istio-ingressgateway")
    sa = get(emu, cid, "", "serviceaccounts", "istio-system", "istio-ingressgateway")
    dep = get(emu, cid, "apps", "deployments", "istio-system", "istio-ingressgateway")
    assert svc and sa and dep
    assert svc["spec"]["type"] == "LoadBalancer" and svc["spec"]["selector"] == {
        "app": "istio-ingressgateway",
        "istio": "ingressgateway",
    }
    assert [(p["name"], p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [("http-0", 80, 80)]
    assert (
        dep["spec"]["replicas"] == 2 and dep["spec"]["template"]["spec"]["serviceAccountName"] == "istio-ingressgateway"
    )
    gw_pods = lst(emu, cid, "", "pods", "istio-system", {"istio": "ingressgateway"})
    assert len(gw_pods) == 2
    assert all(p["metadata"]["annotations"].get("sidecar.istio.io/status") is None for p in gw_pods)
    assert [c["name"] for c in gw_pods[0]["spec"]["containers"]] == ["istio-proxy"]
    cr = get(emu, mesh, "istio.alibabacloud.com", "istiogateways", "istio-system", "ingressgateway")
    assert "not in the service mesh" in cr["status"]["ErrorMessage"] and "GatewayAddress" not in cr["status"]

    # the address comes after kube_gateway_address
    advance(emu, cid, controllers.BASE_DELAY * SCALE + 1.5, mesh)
    ip1 = get(emu, cid, "", "services", "istio-system", "istio-ingressgateway")["status"]["loadBalancer"]["ingress"][0][
        "ip"
    ]
    assert re.fullmatch(rf"127\.{emu.loopback.block}\.\d+\.1", ip1)
    cr = get(emu, mesh, "istio.alibabacloud.com", "istiogateways", "istio-system", "ingressgateway")
    assert cr["status"]["ClusterIdGatewayAddressMap"] == [{"ipAddress": ip1, "clusterId": cid}]
    assert kc_ready(get(emu, cid, "apps", "deployments", "istio-system", "istio-ingressgateway"))

    # the second cluster joins (its API server starts afterwards): it pulls the gateway itself
    join(emu, asm_client, mesh, cid2)
    start_server(emu, cid2)
    tick(emu, cid2)
    assert get(emu, cid2, "apps", "deployments", "istio-system", "istio-ingressgateway") is not None
    advance(emu, cid2, controllers.BASE_DELAY * SCALE + 1.5, mesh)
    ip2 = get(emu, cid2, "", "services", "istio-system", "istio-ingressgateway")["status"]["loadBalancer"]["ingress"][
        0
    ]["ip"]
    assert re.fullmatch(rf"127\.{emu.loopback.block}\.\d+\.1", ip2) and ip2 != ip1
    cr = get(emu, mesh, "istio.alibabacloud.com", "istiogateways", "istio-system", "ingressgateway")
    assert sorted(cr["status"]["GatewayAddress"]) == sorted([ip1, ip2]) and "ErrorMessage" not in cr["status"]
    assert_quiet(emu, cid, cid2, mesh)

    # a spec change reaches the clusters
    update(
        emu,
        mesh,
        "istio.alibabacloud.com",
        "istiogateways",
        "istio-system",
        "ingressgateway",
        lambda o: o["spec"].update({"replicaCount": 1}),
    )
    assert get(emu, cid, "apps", "deployments", "istio-system", "istio-ingressgateway")["spec"]["replicas"] == 1
    assert get(emu, cid2, "apps", "deployments", "istio-system", "istio-ingressgateway")["spec"]["replicas"] == 1
    # the same addresses after a spec change
    ingress = get(emu, cid, "", "services", "istio-system", "istio-ingressgateway")["status"]["loadBalancer"]
    assert ingress["ingress"][0]["ip"] == ip1

    # deleting the CR removes what it made, in both clusters
    delete(emu, mesh, "istio.alibabacloud.com", "istiogateways", "istio-system", "ingressgateway")
    for sid in (cid, cid2):
        tick(emu, sid)
        tick(emu, sid)
        assert get(emu, sid, "", "services", "istio-system", "istio-ingressgateway") is None
        assert get(emu, sid, "", "serviceaccounts", "istio-system", "istio-ingressgateway") is None
        assert get(emu, sid, "apps", "deployments", "istio-system", "istio-ingressgateway") is None
        assert lst(emu, sid, "", "pods", "istio-system", {"istio": "ingressgateway"}) == []
    assert_quiet(emu, cid, cid2, mesh)


def test_gateway_leaves_with_its_cluster(emu, asm_client, cluster, mesh):
    cid = cluster
    join(emu, asm_client, mesh, cid)
    create(emu, mesh, gateway_cr("egress", [], serviceType="ClusterIP", gatewayType="egress"))
    tick(emu, cid)
    svc = get(emu, cid, "", "services", "istio-system", "istio-egress")
    assert svc["spec"]["type"] == "ClusterIP"  # an empty clusterIds: every member cluster (UNCONFIRMED)
    advance(emu, cid, controllers.BASE_DELAY * SCALE + 1.5, mesh)
    assert (
        not get(emu, cid, "", "services", "istio-system", "istio-egress")["status"]
        .get("loadBalancer", {})
        .get("ingress")
    )
    asm_client.remove_cluster_from_service_mesh(
        am.RemoveClusterFromServiceMeshRequest(service_mesh_id=mesh, cluster_id=cid)
    )
    emu.advance_clock(300)
    for _i in range(3):  # the garbage collector takes the ReplicaSet, then its Pods
        tick(emu, cid)
    assert get(emu, cid, "apps", "deployments", "istio-system", "istio-egress") is None
    assert get(emu, cid, "", "services", "istio-system", "istio-egress") is None
    assert lst(emu, cid, "apps", "replicasets", "istio-system") == []
    assert lst(emu, cid, "", "pods", "istio-system") == []
    # a leave without ReserveNamespace: the istio-system ASM installed goes too
    advance(emu, cid, 60)
    assert get(emu, cid, "", "namespaces", None, "istio-system") is None
    assert_quiet(emu, cid, mesh)


def test_istio_system_follows_the_cloud_side(emu, asm_client, cluster, mesh):
    cid = cluster
    assert get(emu, cid, "", "namespaces", None, "istio-system") is None
    join(emu, asm_client, mesh, cid)
    tick(emu, cid)
    ns = get(emu, cid, "", "namespaces", None, "istio-system")
    assert ns["status"]["phase"] == "Active" and mesh in ns["metadata"]["annotations"][controllers.ISTIO_NS_MARK]
    # a leave with ReserveNamespace keeps it (asm.istio_namespace still reports one)
    asm_client.remove_cluster_from_service_mesh(
        am.RemoveClusterFromServiceMeshRequest(service_mesh_id=mesh, cluster_id=cid, reserve_namespace=True)
    )
    advance(emu, cid, 300)
    assert get(emu, cid, "", "namespaces", None, "istio-system")["status"]["phase"] == "Active"
    assert_quiet(emu, cid)


def test_an_istio_system_a_client_made_is_kept(emu, cluster):
    cid = cluster
    create(emu, cid, namespace("istio-system"))
    advance(emu, cid, 60)  # not a member: the cloud side knows of no istio-system, yet it stays
    assert get(emu, cid, "", "namespaces", None, "istio-system")["status"]["phase"] == "Active"
    assert_quiet(emu, cid)


def test_nothing_new_in_a_terminating_namespace(emu, cluster):
    cid = cluster
    create(emu, cid, namespace("gone"))
    create(emu, cid, deployment("tmp", 1, ns="gone"))
    pod = pods_of(emu, cid, "tmp", "gone")[0]
    delete(emu, cid, "", "namespaces", None, "gone")
    assert get(emu, cid, "", "namespaces", None, "gone")["status"]["phase"] == "Terminating"
    delete(emu, cid, "", "pods", "gone", pod["metadata"]["name"])
    assert pods_of(emu, cid, "tmp", "gone") == []  # the ReplicaSet makes no new Pod there
    advance(emu, cid, 60)
    tick(emu, cid)
    assert get(emu, cid, "", "namespaces", None, "gone") is None
    assert lst(emu, cid, "apps", "replicasets", "gone") == [] and pods_of(emu, cid, "tmp", "gone") == []


def test_an_unreadable_object_does_not_stop_the_others(emu, cluster, capfd):
    """A Deployment the emulation cannot read (stored past any validation) is reported on stderr;
    the other objects are still reconciled."""
    cid = cluster
    with objects.open_view(emu, cid) as view:
        broken = deployment("broken", 1)
        broken["spec"]["template"] = "not a template"
        view.create(broken)
    create(emu, cid, deployment("fine", 2))
    assert len(pods_of(emu, cid, "fine")) == 2
    assert "Deployment default/broken: reconcile failed" in capfd.readouterr().err
    assert lst(emu, cid, "apps", "replicasets", "default", {"app": "broken"}) == []


# ------------------------------------------------------------------------------------------ real clients
ROLLOUT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 3
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
"""


def test_kubectl_rollout_status_and_history(fresh, kube_cloud):
    """The real kubectl judges the statuses: rollout status watches until the Deployment is rolled
    out, set image makes revision 2, rollout history lists both ReplicaSets' revisions."""
    fresh.clock.delay_scale = 0.05
    cid = kube_cloud.cluster(nodes=2)
    path = kube_cloud.write(kube_cloud.cluster_kubeconfig(cid)[0])

    def kubectl(*args: str, stdin: str | None = None) -> str:
        out = kube_cloud.kubectl(path, *args, stdin=stdin, timeout=90)
        assert out.returncode == 0, f"kubectl {' '.join(args)}: {out.stderr}"
        return out.stdout

    kubectl("apply", "-f", "-", stdin=ROLLOUT)
    out = kubectl("rollout", "status", "deployment/web", "--timeout=60s")
    assert 'deployment "web" successfully rolled out' in out
    wide = kubectl("get", "pods", "-l", "app=web", "-o", "json")
    pods = json.loads(wide)["items"]
    nodes = {n["metadata"]["name"]: n for n in json.loads(kubectl("get", "nodes", "-o", "json"))["items"]}
    assert len(pods) == 3 and all(p["status"]["phase"] == "Running" for p in pods)
    for pod in pods:
        cidr = ipaddress.ip_network(nodes[pod["spec"]["nodeName"]]["spec"]["podCIDR"])
        assert ipaddress.ip_address(pod["status"]["podIP"]) in cidr

    kubectl("set", "image", "deployment/web", "web=docker.io/library/nginx:1.28")
    out = kubectl("rollout", "status", "deployment/web", "--timeout=60s")
    assert 'deployment "web" successfully rolled out' in out
    history = kubectl("rollout", "history", "deployment/web")
    assert re.search(r"^1\s", history, re.M) and re.search(r"^2\s", history, re.M)
    images = {p["spec"]["containers"][0]["image"] for p in json.loads(kubectl("get", "pods", "-o", "json"))["items"]}
    assert images == {"docker.io/library/nginx:1.28"}
    kubectl("wait", "--for=condition=Available", "deployment/web", "--timeout=30s")
