"""The resources an emulated API server serves: built-ins plus those of its Established CRDs.

Discovery shapes follow kube-api-emulation.md §2 (APIResourceList entries with namespaced, kind,
verbs, shortNames, categories; ``deployments/scale`` as autoscaling/v1 Scale and ``*/status``).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .objects import KubeView

VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
NS_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]  # no deletecollection
CRD_GROUP = "apiextensions.k8s.io"


@dataclasses.dataclass
class ResourceDef:
    group: str
    version: str  # the served version this entry describes
    plural: str
    singular: str
    kind: str
    namespaced: bool
    verbs: list[str] = dataclasses.field(default_factory=lambda: list(VERBS))
    short_names: list[str] = dataclasses.field(default_factory=list)
    categories: list[str] = dataclasses.field(default_factory=list)
    scale: bool = False
    status_subresource: bool = False
    generation: bool = False
    custom: bool = False  # served from a CRD
    versions: list[str] = dataclasses.field(default_factory=list)  # every served version
    storage_version: str = ""
    schema: dict[str, Any] | None = None  # the openAPIV3Schema (CRs)
    servers: tuple[str, ...] = ("cluster", "mesh")

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def storage_api_version(self) -> str:
        version = self.storage_version or self.version
        return f"{self.group}/{version}" if self.group else version

    def api_version(self, version: str | None = None) -> str:
        version = version or self.version
        return f"{self.group}/{version}" if self.group else version

    def discovery(self) -> list[dict[str, Any]]:
        entry: dict[str, Any] = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(self.verbs),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        out = [entry]
        if self.scale:
            out.append(
                {
                    "name": f"{self.plural}/scale",
                    "singularName": "",
                    "namespaced": self.namespaced,
                    "group": "autoscaling",
                    "version": "v1",
                    "kind": "Scale",
                    "verbs": ["get", "patch", "update"],
                }
            )
        if self.status_subresource:
            out.append(
                {
                    "name": f"{self.plural}/status",
                    "singularName": "",
                    "namespaced": self.namespaced,
                    "kind": self.kind,
                    "verbs": ["get", "patch", "update"],
                }
            )
        return out


def _b(group: str, plural: str, singular: str, kind: str, namespaced: bool = True, **kw: Any) -> ResourceDef:
    rdef = ResourceDef(group, "v1", plural, singular, kind, namespaced, **kw)
    rdef.versions = ["v1"]
    rdef.storage_version = "v1"
    return rdef


# Mesh servers (ASM) serve the core kinds below marked "mesh" and CRDs; whether ASM's API server
# serves apps/v1 is UNCONFIRMED: it is not served there (the shared plan).
BUILTINS: list[ResourceDef] = [
    _b(
        "",
        "namespaces",
        "namespace",
        "Namespace",
        False,
        verbs=list(NS_VERBS),
        short_names=["ns"],
        status_subresource=True,
    ),
    _b("", "serviceaccounts", "serviceaccount", "ServiceAccount", short_names=["sa"]),
    _b(
        "",
        "services",
        "service",
        "Service",
        verbs=list(NS_VERBS),
        short_names=["svc"],
        categories=["all"],
        status_subresource=True,
    ),
    _b("", "endpoints", "endpoints", "Endpoints", short_names=["ep"], servers=("cluster",)),
    _b(
        "",
        "pods",
        "pod",
        "Pod",
        short_names=["po"],
        categories=["all"],
        status_subresource=True,
        generation=True,
        servers=("cluster",),
    ),
    _b("", "configmaps", "configmap", "ConfigMap", short_names=["cm"]),
    _b("", "secrets", "secret", "Secret"),
    _b("", "events", "event", "Event", short_names=["ev"]),
    _b("", "nodes", "node", "Node", False, short_names=["no"], status_subresource=True, servers=("cluster",)),
    _b(
        "apps",
        "deployments",
        "deployment",
        "Deployment",
        short_names=["deploy"],
        categories=["all"],
        scale=True,
        status_subresource=True,
        generation=True,
        servers=("cluster",),
    ),
    _b(
        "apps",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        short_names=["rs"],
        categories=["all"],
        scale=True,
        status_subresource=True,
        generation=True,
        servers=("cluster",),
    ),
    _b("discovery.k8s.io", "endpointslices", "endpointslice", "EndpointSlice", servers=("cluster",)),
    _b(
        CRD_GROUP,
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        False,
        short_names=["crd", "crds"],
        categories=["api-extensions"],
        status_subresource=True,
        generation=True,
    ),
]

# kinds whose generation bumps on an annotation change too (Deployment strategy, reference §4)
ANNOTATION_GENERATION = {("apps", "deployments")}


def qualified(group: str, plural: str) -> str:
    return f"{plural}.{group}" if group else plural


def _crd_defs(crd: dict[str, Any]) -> list[ResourceDef]:
    """ResourceDefs (one per served version) of an Established CRD."""
    spec = crd.get("spec") or {}
    conds = {c.get("type"): c.get("status") for c in ((crd.get("status") or {}).get("conditions") or [])}
    if conds.get("Established") != "True":
        return []
    if (crd.get("metadata") or {}).get("deletionTimestamp"):
        return []
    names = spec.get("names") or {}
    versions = [v for v in spec.get("versions") or [] if v.get("served")]
    storage = next((v["name"] for v in spec.get("versions") or [] if v.get("storage")), "")
    out = []
    for ver in versions:
        subs = ver.get("subresources") or {}
        rdef = ResourceDef(
            group=spec.get("group", ""),
            version=ver["name"],
            plural=names.get("plural", ""),
            singular=names.get("singular") or str(names.get("kind", "")).lower(),
            kind=names.get("kind", ""),
            namespaced=spec.get("scope") == "Namespaced",
            short_names=list(names.get("shortNames") or []),
            categories=list(names.get("categories") or []),
            scale="scale" in subs,
            status_subresource="status" in subs,
            generation=True,
            custom=True,
            versions=[v["name"] for v in versions],
            storage_version=storage,
            schema=copy.deepcopy((ver.get("schema") or {}).get("openAPIV3Schema")),
        )
        out.append(rdef)
    return out


def served(view: "KubeView") -> list[ResourceDef]:
    """Every resource (one entry per served version) of the view's API server."""
    owner = view.owner
    out = [r for r in BUILTINS if owner in r.servers]
    for crd in view.list(CRD_GROUP, "customresourcedefinitions"):
        out.extend(_crd_defs(crd))
    return out


def get(view: "KubeView", group: str, plural: str, version: str | None = None) -> ResourceDef | None:
    for rdef in served(view):
        if rdef.group == group and rdef.plural == plural and (version is None or rdef.version == version):
            return rdef
    return None


def by_kind(view: "KubeView", group: str, version: str, kind: str) -> ResourceDef | None:
    for rdef in served(view):
        if rdef.group == group and rdef.kind == kind and (not version or rdef.version == version):
            return rdef
    return None


def group_versions(view: "KubeView") -> dict[str, list[str]]:
    """``{group: [versions, preferred first]}`` (core "" excluded)."""
    out: dict[str, list[str]] = {}
    for rdef in served(view):
        if not rdef.group:
            continue
        vers = out.setdefault(rdef.group, [])
        if rdef.version not in vers:
            vers.append(rdef.version)
    for vers in out.values():
        vers.sort(key=_version_key, reverse=True)
    return out


def _version_key(version: str) -> tuple[int, int, int]:
    """Kubernetes version priority: GA > beta > alpha, then by number (v1 > v1beta1 > v1alpha3)."""
    import re  # pylint: disable=import-outside-toplevel

    m = re.match(r"^v(\d+)(?:(alpha|beta)(\d+))?$", version)
    if not m:
        return (-1, 0, 0)
    level = {"alpha": 0, "beta": 1, None: 2}[m.group(2)]
    return (level, int(m.group(1)), int(m.group(3) or 0))


def bump_generation(rdef: ResourceDef | None, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Set ``new.metadata.generation`` per reference §4: +1 on a change outside metadata and
    status (and, for Deployments, on an annotation change)."""
    meta = new.setdefault("metadata", {})
    ogen = (old.get("metadata") or {}).get("generation")
    if rdef is None or not rdef.generation or ogen is None:
        if ogen is None:
            meta.pop("generation", None)
        else:
            meta["generation"] = ogen
        return

    def body(o: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in o.items() if k not in ("metadata", "status", "apiVersion", "kind")}

    changed = body(old) != body(new)
    if (rdef.group, rdef.plural) in ANNOTATION_GENERATION:
        old_ann = (old.get("metadata") or {}).get("annotations") or {}
        new_ann = meta.get("annotations") or {}
        changed = changed or old_ann != new_ann
    if not rdef.status_subresource and old.get("status") != new.get("status") and rdef.custom:
        changed = True
    meta["generation"] = int(ogen) + 1 if changed else int(ogen)


# -- defaults (the real registries' defaulting for the fields our clients read back) ----------------------

# ACK's default service CIDR is the cluster's service_cidr; without a cluster doc (a mesh) this range
# is used. UNCONFIRMED: the mesh API server's Service cluster IP range.
FALLBACK_SERVICE_CIDR = "172.21.0.0/20"


def _pod_spec_defaults(spec: dict[str, Any]) -> None:
    # k8s.io/kubernetes pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec, SetDefaults_Container)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    if spec.get("serviceAccountName") and not spec.get("serviceAccount"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    for key in ("containers", "initContainers"):
        for ctr in spec.get(key) or []:
            if not isinstance(ctr, dict):
                continue
            image = str(ctr.get("image") or "")
            tag = image.rsplit("/", 1)[-1]
            latest = "@" not in tag and (":" not in tag or tag.endswith(":latest"))
            ctr.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
            ctr.setdefault("terminationMessagePath", "/dev/termination-log")
            ctr.setdefault("terminationMessagePolicy", "File")
            ctr.setdefault("resources", {})
            for port in ctr.get("ports") or []:
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")


def _allocate_cluster_ip(view: "KubeView") -> str:
    import ipaddress  # pylint: disable=import-outside-toplevel

    cidr = FALLBACK_SERVICE_CIDR
    if view.owner == "cluster":
        doc = view.ctx.store.get("cs_cluster", view.server_id)
        if doc and doc.get("service_cidr"):
            cidr = str(doc["service_cidr"])
    net = ipaddress.ip_network(cidr, strict=False)
    used = {(s.get("spec") or {}).get("clusterIP") for s in view.list("", "services")}
    key = f"k8s_svc_ip/{view.server_id}"
    n = int(view.ctx.raw_store.meta_get(key, 0) or 0)
    hosts = net.num_addresses - 2
    for _i in range(hosts):
        n = n % hosts + 1
        ip = str(net.network_address + n)
        if ip not in used:
            view.ctx.raw_store.meta_put(key, n)
            return ip
    raise ValueError("service IP range exhausted")


def apply_defaults(view: "KubeView", group: str, plural: str, obj: dict[str, Any]) -> None:
    """Server-side defaults (a subset of the real registries' defaulting and PrepareForCreate)."""
    meta = obj.setdefault("metadata", {})
    spec = obj.get("spec")
    if (group, plural) == ("", "namespaces"):
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta.get("name")
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {}).setdefault("phase", "Active")
    elif (group, plural) == ("", "services"):
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec["type"] != "ExternalName":
            if not spec.get("clusterIP"):
                ip = _allocate_cluster_ip(view)
                spec["clusterIP"] = ip
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
            spec.setdefault("internalTrafficPolicy", "Cluster")
        if spec["type"] in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
            used = {
                p.get("nodePort") for s in view.list("", "services") for p in (s.get("spec") or {}).get("ports") or []
            }
            nxt = 30000 + sum(1 for _i in used)
            for port in spec.get("ports") or []:
                if isinstance(port, dict) and not port.get("nodePort"):
                    while nxt in used:
                        nxt += 1
                    port["nodePort"] = nxt
                    used.add(nxt)
        if spec["type"] == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)
        for port in spec.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
                if "port" in port:
                    port.setdefault("targetPort", port["port"])
        obj.setdefault("status", {}).setdefault("loadBalancer", {})
    elif (group, plural) == ("", "secrets"):
        obj.setdefault("type", "Opaque")
        if "stringData" in obj:
            import base64  # pylint: disable=import-outside-toplevel

            data = obj.setdefault("data", {})
            for key, value in (obj.pop("stringData") or {}).items():
                data[key] = base64.b64encode(str(value).encode()).decode()
    elif (group, plural) == ("", "pods") and isinstance(spec, dict):
        _pod_spec_defaults(spec)
        spec.setdefault("enableServiceLinks", True)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        spec.setdefault("priority", 0)
        obj.setdefault("status", {}).setdefault("phase", "Pending")
        obj["status"].setdefault("qosClass", "BestEffort")
    elif (group, plural) in (("apps", "deployments"), ("apps", "replicasets")) and isinstance(spec, dict):
        # pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment)
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        if plural == "deployments":
            spec.setdefault("progressDeadlineSeconds", 600)
            strategy = spec.setdefault("strategy", {})
            strategy.setdefault("type", "RollingUpdate")
            if strategy["type"] == "RollingUpdate":
                ru = strategy.setdefault("rollingUpdate", {})
                ru.setdefault("maxUnavailable", "25%")
                ru.setdefault("maxSurge", "25%")
        else:
            spec.pop("revisionHistoryLimit", None)
        template = spec.get("template")
        if isinstance(template, dict):
            template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
            if isinstance(template.get("spec"), dict):
                _pod_spec_defaults(template["spec"])


# -- unknown fields, pruning, validation ----------------------------------------------------------------

META_FIELDS = {
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
}
# top-level fields of the built-in kinds (k8s.io/api types)
TOP_FIELDS: dict[tuple[str, str], set[str]] = {
    ("", "namespaces"): {"spec", "status"},
    ("", "serviceaccounts"): {"secrets", "imagePullSecrets", "automountServiceAccountToken"},
    ("", "services"): {"spec", "status"},
    ("", "endpoints"): {"subsets"},
    ("", "pods"): {"spec", "status"},
    ("", "configmaps"): {"data", "binaryData", "immutable"},
    ("", "secrets"): {"data", "stringData", "type", "immutable"},
    ("", "events"): {
        "involvedObject",
        "reason",
        "message",
        "source",
        "firstTimestamp",
        "lastTimestamp",
        "count",
        "type",
        "eventTime",
        "series",
        "action",
        "related",
        "reportingComponent",
        "reportingInstance",
    },
    ("", "nodes"): {"spec", "status"},
    ("apps", "deployments"): {"spec", "status"},
    ("apps", "replicasets"): {"spec", "status"},
    ("discovery.k8s.io", "endpointslices"): {"addressType", "endpoints", "ports"},
    (CRD_GROUP, "customresourcedefinitions"): {"spec", "status"},
}


# Known fields below the top level of the built-ins the collection's roles write (k8s.io/api
# apps/v1 and core/v1 types.go, v1.33): ``None`` = not checked further (opaque), a dict = an
# object's fields, a one-element list = a list of such objects. Unknown fields there are pruned
# (Warn) or refused (Strict), as the real server's typed decoding does; deeper types (probes,
# volumes, affinity, securityContext, resources, ...) are opaque here.
_META = {k: None for k in META_FIELDS}
_CONTAINER = {
    **{
        k: None
        for k in (
            "name",
            "image",
            "command",
            "args",
            "workingDir",
            "envFrom",
            "resources",
            "resizePolicy",
            "restartPolicy",
            "restartPolicyRules",
            "volumeMounts",
            "volumeDevices",
            "livenessProbe",
            "readinessProbe",
            "startupProbe",
            "lifecycle",
            "terminationMessagePath",
            "terminationMessagePolicy",
            "imagePullPolicy",
            "securityContext",
            "stdin",
            "stdinOnce",
            "tty",
        )
    },
    "ports": [{k: None for k in ("name", "hostPort", "containerPort", "protocol", "hostIP")}],
    "env": [{k: None for k in ("name", "value", "valueFrom")}],
}
_POD_SPEC = {
    **{
        k: None
        for k in (
            "volumes",
            "ephemeralContainers",
            "restartPolicy",
            "terminationGracePeriodSeconds",
            "activeDeadlineSeconds",
            "dnsPolicy",
            "nodeSelector",
            "serviceAccountName",
            "serviceAccount",
            "automountServiceAccountToken",
            "nodeName",
            "hostNetwork",
            "hostPID",
            "hostIPC",
            "shareProcessNamespace",
            "securityContext",
            "imagePullSecrets",
            "hostname",
            "subdomain",
            "affinity",
            "schedulerName",
            "tolerations",
            "hostAliases",
            "priorityClassName",
            "priority",
            "dnsConfig",
            "readinessGates",
            "runtimeClassName",
            "enableServiceLinks",
            "preemptionPolicy",
            "overhead",
            "topologySpreadConstraints",
            "setHostnameAsFQDN",
            "os",
            "hostUsers",
            "schedulingGates",
            "resourceClaims",
            "resources",
        )
    },
    "containers": [_CONTAINER],
    "initContainers": [_CONTAINER],
}
_TEMPLATE = {"metadata": _META, "spec": _POD_SPEC}
_SERVICE_SPEC = {
    **{
        k: None
        for k in (
            "selector",
            "clusterIP",
            "clusterIPs",
            "type",
            "externalIPs",
            "sessionAffinity",
            "loadBalancerIP",
            "loadBalancerSourceRanges",
            "externalName",
            "externalTrafficPolicy",
            "healthCheckNodePort",
            "publishNotReadyAddresses",
            "sessionAffinityConfig",
            "ipFamilies",
            "ipFamilyPolicy",
            "allocateLoadBalancerNodePorts",
            "loadBalancerClass",
            "internalTrafficPolicy",
            "trafficDistribution",
        )
    },
    "ports": [{k: None for k in ("name", "protocol", "appProtocol", "port", "targetPort", "nodePort")}],
}
NESTED_FIELDS: dict[tuple[str, str], dict[str, Any]] = {
    ("apps", "deployments"): {
        "spec": {
            **{
                k: None
                for k in (
                    "replicas",
                    "selector",
                    "strategy",
                    "minReadySeconds",
                    "revisionHistoryLimit",
                    "paused",
                    "progressDeadlineSeconds",
                )
            },
            "template": _TEMPLATE,
        }
    },
    ("apps", "replicasets"): {
        "spec": {
            **{k: None for k in ("replicas", "minReadySeconds", "selector")},
            "template": _TEMPLATE,
        }
    },
    ("", "pods"): {"spec": _POD_SPEC},
    ("", "services"): {"spec": _SERVICE_SPEC},
    ("", "namespaces"): {"spec": {"finalizers": None}},
}


def _walk_unknown(value: Any, node: Any, path: str, out: list[str], drop: bool) -> Any:
    if node is None:
        return value
    if isinstance(node, list):
        if isinstance(value, list):
            return [_walk_unknown(v, node[0], f"{path}[{i}]", out, drop) for i, v in enumerate(value)]
        return value
    if not isinstance(value, dict):
        return value
    kept = {}
    for key, sub in value.items():
        child = f"{path}.{key}" if path else key
        if key not in node:
            out.append(child)
            if drop:
                continue
            kept[key] = sub
            continue
        kept[key] = _walk_unknown(sub, node[key], child, out, drop)
    return kept


def _schema_mod():
    try:
        from . import schema  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return schema


def unknown_fields(rdef: ResourceDef, obj: dict[str, Any]) -> list[str]:
    """Unknown field paths ("spec.foo") of ``obj``: metadata and the top level of built-ins (their
    nested schemas are not modelled), the whole structural schema of custom objects."""
    out = []
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        out.extend(f"metadata.{k}" for k in meta if k not in META_FIELDS)
    if rdef.custom:
        mod = _schema_mod()
        if mod is not None and rdef.schema:
            for path in mod.unknown_fields(obj, rdef.schema):
                path = str(path).lstrip(".")
                if not path.startswith("metadata.") and path not in out:
                    out.append(path)
        return out
    known = TOP_FIELDS.get((rdef.group, rdef.plural))
    if known is not None:
        out.extend(k for k in obj if k not in known and k not in ("apiVersion", "kind", "metadata"))
    nested = NESTED_FIELDS.get((rdef.group, rdef.plural))
    if nested:
        for key, node in nested.items():
            if key in obj:
                _walk_unknown(obj[key], node, key, out, drop=False)
    return out


def prune(rdef: ResourceDef, obj: dict[str, Any]) -> dict[str, Any]:
    """Drop unknown fields (custom objects: the schema's pruning, reference §6; built-ins: the
    fields the typed decoding drops)."""
    obj = copy.deepcopy(obj)
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for key in [k for k in meta if k not in META_FIELDS]:
            del meta[key]
    if rdef.custom:
        mod = _schema_mod()
        if mod is not None and rdef.schema:
            keep = {k: obj[k] for k in ("apiVersion", "kind", "metadata") if k in obj}
            obj = mod.prune(obj, rdef.schema)
            obj.update(keep)
        return obj
    known = TOP_FIELDS.get((rdef.group, rdef.plural))
    if known is not None:
        for key in [k for k in obj if k not in known and k not in ("apiVersion", "kind", "metadata")]:
            del obj[key]
    for key, node in (NESTED_FIELDS.get((rdef.group, rdef.plural)) or {}).items():
        if key in obj:
            obj[key] = _walk_unknown(obj[key], node, key, [], drop=True)
    return obj


DNS1123_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL = r"[a-z]([-a-z0-9]*[a-z0-9])?"
LABEL_VALUE = r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"


def _name_causes(rdef: ResourceDef, name: str) -> list[dict[str, str]]:
    import re  # pylint: disable=import-outside-toplevel

    if (rdef.group, rdef.plural) in (("", "namespaces"),):
        rx, what, eg = DNS1123_LABEL, "RFC 1123 label", "'my-name',  or '123-abc'"
        limit = 63
    elif (rdef.group, rdef.plural) == ("", "services"):
        rx, what, eg = DNS1035_LABEL, "RFC 1035 label", "'my-name',  or 'abc-123'"
        limit = 63
    else:
        rx, what, eg = DNS1123_SUBDOMAIN, "RFC 1123 subdomain", "'example.com'"
        limit = 253
    if rdef.custom or rdef.group == CRD_GROUP:
        rx, what, eg, limit = DNS1123_SUBDOMAIN, "RFC 1123 subdomain", "'example.com'", 253
    msgs = []
    if len(name) > limit:
        msgs.append(f'Invalid value: "{name}": must be no more than {limit} characters')
    if not re.fullmatch(rx, name):
        chars = "'-' or '.'" if "subdomain" in what else "'-'"
        msgs.append(
            f'Invalid value: "{name}": a lowercase {what} must consist of lower case alphanumeric characters, '
            f"{chars}, and must start and end with an alphanumeric character (e.g. {eg}, regex used for "
            f"validation is '{rx}')"
        )
    return [{"reason": "FieldValueInvalid", "message": m, "field": "metadata.name"} for m in msgs]


def _label_causes(labels: Any, field: str) -> list[dict[str, str]]:
    import re  # pylint: disable=import-outside-toplevel

    out = []
    if labels is None:
        return out
    if not isinstance(labels, dict):
        return [{"reason": "FieldValueInvalid", "message": "Invalid value: must be a map", "field": field}]
    for value in labels.values():
        if not isinstance(value, str) or len(value) > 63 or not re.fullmatch(LABEL_VALUE, value):
            out.append(
                {
                    "reason": "FieldValueInvalid",
                    "field": f"{field}",
                    "message": f'Invalid value: "{value}": a valid label must be an empty string or consist of '
                    "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
                    "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                }
            )
    return out


def _selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, vals = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in vals:
            return False
        if op == "NotIn" and key in labels and labels.get(key) in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def validate(view: "KubeView", rdef: ResourceDef, obj: dict[str, Any], old: dict[str, Any] | None) -> list[dict]:
    """Validation causes (``[{reason, message, field}]``) of an object about to be stored: names,
    labels, the fields of the built-ins our clients set, and custom objects against their schema."""
    meta = obj.get("metadata") or {}
    causes: list[dict[str, Any]] = []
    if old is None:
        causes.extend(_name_causes(rdef, str(meta.get("name") or "")))
    causes.extend(_label_causes(meta.get("labels"), "metadata.labels"))
    spec = obj.get("spec")
    if rdef.custom:
        mod = _schema_mod()
        if mod is not None and rdef.schema:
            for err in mod.validate(obj, rdef.schema):
                causes.append(
                    {
                        "reason": err.get("type") or err.get("reason") or "FieldValueInvalid",
                        "message": err.get("message", ""),
                        "field": str(err.get("field", "")).lstrip("."),
                    }
                )
        return causes
    key = (rdef.group, rdef.plural)
    if key == (CRD_GROUP, "customresourcedefinitions"):
        causes.extend(_crd_causes(obj, old))
    elif key in (("apps", "deployments"), ("apps", "replicasets")) and isinstance(spec, dict):
        selector = spec.get("selector")
        if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
            causes.append({"reason": "FieldValueRequired", "message": "Required value", "field": "spec.selector"})
        else:
            tlabels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
            if not _selector_matches(selector, tlabels):
                causes.append(
                    {
                        "reason": "FieldValueInvalid",
                        "message": f"Invalid value: {tlabels}: `selector` does not match template `labels`",
                        "field": "spec.template.metadata.labels",
                    }
                )
            if old is not None and (old.get("spec") or {}).get("selector") != selector:
                causes.append(
                    {
                        "reason": "FieldValueInvalid",
                        "message": f"Invalid value: {selector}: field is immutable",
                        "field": "spec.selector",
                    }
                )
        replicas = spec.get("replicas")
        if isinstance(replicas, int) and replicas < 0:
            causes.append(
                {
                    "reason": "FieldValueInvalid",
                    "field": "spec.replicas",
                    "message": f"Invalid value: {replicas}: must be greater than or equal to 0",
                }
            )
        containers = ((spec.get("template") or {}).get("spec") or {}).get("containers")
        causes.extend(_container_causes(containers, "spec.template.spec.containers"))
    elif key == ("", "pods") and isinstance(spec, dict):
        causes.extend(_container_causes(spec.get("containers"), "spec.containers"))
    elif key == ("", "services") and isinstance(spec, dict):
        for i, port in enumerate(spec.get("ports") or []):
            num = port.get("port") if isinstance(port, dict) else None
            if not isinstance(num, int) or not 1 <= num <= 65535:
                causes.append(
                    {
                        "reason": "FieldValueInvalid",
                        "field": f"spec.ports[{i}].port",
                        "message": f"Invalid value: {num}: must be between 1 and 65535, inclusive",
                    }
                )
        if not spec.get("ports") and spec.get("type") != "ExternalName" and spec.get("clusterIP") != "None":
            causes.append({"reason": "FieldValueRequired", "field": "spec.ports", "message": "Required value"})
        if old is not None:
            old_ip = (old.get("spec") or {}).get("clusterIP")
            if old_ip and spec.get("clusterIP") not in (None, "", old_ip):
                causes.append(
                    {
                        "reason": "FieldValueInvalid",
                        "field": "spec.clusterIPs[0]",
                        "message": 'Invalid value: []string{"%s"}: may not change once set' % spec.get("clusterIP"),
                    }
                )
    return causes


def _container_causes(containers: Any, field: str) -> list[dict[str, str]]:
    if not containers:
        return [{"reason": "FieldValueRequired", "field": field, "message": "Required value"}]
    out = []
    for i, ctr in enumerate(containers):
        if not isinstance(ctr, dict):
            continue
        if not ctr.get("name"):
            out.append({"reason": "FieldValueRequired", "field": f"{field}[{i}].name", "message": "Required value"})
        if not ctr.get("image"):
            out.append({"reason": "FieldValueRequired", "field": f"{field}[{i}].image", "message": "Required value"})
    return out


def _crd_causes(crd: dict[str, Any], old: dict[str, Any] | None) -> list[dict[str, str]]:
    mod = _schema_mod()
    if mod is not None and hasattr(mod, "check_crd"):
        out = list(mod.check_crd(crd))
        out.extend(_crd_immutable(crd, old))
        return out
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    name = (crd.get("metadata") or {}).get("name")
    out = []
    expected = f"{names.get('plural')}.{spec.get('group')}"
    if name != expected:
        out.append(
            {
                "reason": "FieldValueInvalid",
                "field": "metadata.name",
                "message": f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
            }
        )
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        out.append(
            {
                "reason": "FieldValueNotSupported",
                "field": "spec.scope",
                "message": f'Unsupported value: "{spec.get("scope")}": supported values: "Cluster", "Namespaced"',
            }
        )
    if not names.get("kind"):
        out.append({"reason": "FieldValueRequired", "field": "spec.names.kind", "message": "Required value"})
    versions = spec.get("versions") or []
    if not versions:
        out.append({"reason": "FieldValueRequired", "field": "spec.versions", "message": "Required value"})
    if sum(1 for v in versions if v.get("storage")) != 1:
        out.append(
            {
                "reason": "FieldValueInvalid",
                "field": "spec.versions",
                "message": "Invalid value: must have exactly one version marked as storage version",
            }
        )
    mod = _schema_mod()
    for i, ver in enumerate(versions):
        schema = (ver.get("schema") or {}).get("openAPIV3Schema")
        if schema is None:
            out.append(
                {
                    "reason": "FieldValueRequired",
                    "field": f"spec.versions[{i}].schema.openAPIV3Schema",
                    "message": "Required value: schemas are required",
                }
            )
        elif mod is not None:
            for msg in mod.check_structural(schema):
                out.append(
                    {
                        "reason": "FieldValueInvalid",
                        "field": f"spec.versions[{i}].schema.openAPIV3Schema",
                        "message": str(msg),
                    }
                )
    out.extend(_crd_immutable(crd, old))
    return out


def _crd_immutable(crd: dict[str, Any], old: dict[str, Any] | None) -> list[dict[str, str]]:
    spec = crd.get("spec") or {}
    out = []
    if old is not None:
        ospec = old.get("spec") or {}
        for key in ("group", "scope"):
            if ospec.get(key) != spec.get(key):
                out.append(
                    {
                        "reason": "FieldValueInvalid",
                        "field": f"spec.{key}",
                        "message": f'Invalid value: "{spec.get(key)}": field is immutable',
                    }
                )
    return out
