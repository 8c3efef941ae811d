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
    _b("", "namespaces", "namespace", "Namespace", False, verbs=list(NS_VERBS), short_names=["ns"],
       status_subresource=True),
    _b("", "serviceaccounts", "serviceaccount", "ServiceAccount", short_names=["sa"]),
    _b("", "services", "service", "Service", verbs=list(NS_VERBS), short_names=["svc"], categories=["all"],
       status_subresource=True),
    _b("", "endpoints", "endpoints", "Endpoints", short_names=["ep"], servers=("cluster",)),
    _b("", "pods", "pod", "Pod", short_names=["po"], categories=["all"], status_subresource=True,
       generation=True, servers=("cluster",)),
    _b("", "configmaps", "configmap", "ConfigMap", short_names=["cm"]),
    _b("", "secrets", "secret", "Secret"),
    _b("", "events", "event", "Event", short_names=["ev"]),
    _b("", "nodes", "node", "Node", False, short_names=["no"], status_subresource=True, servers=("cluster",)),
    _b("apps", "deployments", "deployment", "Deployment", short_names=["deploy"], categories=["all"],
       scale=True, status_subresource=True, generation=True, servers=("cluster",)),
    _b("apps", "replicasets", "replicaset", "ReplicaSet", short_names=["rs"], categories=["all"],
       scale=True, status_subresource=True, generation=True, servers=("cluster",)),
    _b("discovery.k8s.io", "endpointslices", "endpointslice", "EndpointSlice", servers=("cluster",)),
    _b(CRD_GROUP, "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", False,
       short_names=["crd", "crds"], categories=["api-extensions"], status_subresource=True, generation=True),
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
    for group, vers in out.items():
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
