"""Structural OpenAPI v3 schemas of CustomResourceDefinitions: the structural check at CRD create, pruning of
unknown fields, validation of custom objects, and the unknown-field list for ``fieldValidation``.
Pure functions (no I/O, inputs never mutated).

Sources (read, not copied):
- https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/
  (#specifying-a-structural-schema, #field-pruning, #controlling-pruning, #intorstring, #rawextension,
  #embeddedobject, #validation, "nullable" and null-value pruning since 1.20);
- k8s.io/apiextensions-apiserver pkg/apiserver/schema (structural.go, validation.go, pruning/algorithm.go)
  and k8s.io/kube-openapi pkg/validation/{validate,errors} for the wording of validation errors
  ("spec.x in body must be of type integer: \"string\"", "should be greater than or equal to 1",
  "should match '^a$'", "Unsupported value: ...: supported values: ...").
- Causes are in the wire shape of metav1.StatusCause: ``{"reason", "message", "field"}``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import ipaddress
import json
import re
from datetime import datetime
from typing import Any

__all__ = ["check_structural", "check_crd", "prune", "validate", "unknown_fields"]

_JUNCTORS = ("allOf", "anyOf", "oneOf", "not")
_TYPES = ("object", "array", "string", "integer", "number", "boolean")
# keys a structural schema may carry (anything else, e.g. $ref, is refused at CRD create)
_KNOWN_KEYS = {
    "type",
    "format",
    "title",
    "description",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
    "enum",
    "maxProperties",
    "minProperties",
    "required",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "properties",
    "additionalProperties",
    "nullable",
    "example",
    "externalDocs",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
}


# ---------------------------------------------------------------------------------------------------------------
# Structural check (CRD create)
# ---------------------------------------------------------------------------------------------------------------


def check_structural(schema: dict, path: str = "spec.versions[0].schema.openAPIV3Schema") -> list[str]:
    """Violations of the structural-schema rules, as ``"<field>: <error>"`` strings (empty: structural).

    Rules (docs #specifying-a-structural-schema): a non-empty ``type`` at the root, for every field in
    ``properties``/``additionalProperties`` and for ``items`` (except x-kubernetes-int-or-string or
    x-kubernetes-preserve-unknown-fields); inside allOf/anyOf/oneOf/not no type, description, default,
    additionalProperties, nullable, and every field/items there also specified outside; ``metadata``
    restricts at most ``name`` and ``generateName``; ``properties`` and ``additionalProperties`` exclusive."""
    errs: list[str] = []
    if not isinstance(schema, dict):
        return [f"{path}: Required value: must not be empty at the root"]
    if schema.get("type") != "object":
        if not schema.get("type"):
            errs.append(f"{path}.type: Required value: must not be empty at the root")
        else:
            errs.append(f'{path}.type: Invalid value: "{schema.get("type")}": must be object at the root')
    _structural(schema, path, errs)
    meta = (schema.get("properties") or {}).get("metadata")
    if isinstance(meta, dict):
        mpath = f"{path}.properties[metadata]"
        if meta.get("type") not in (None, "object"):
            errs.append(f'{mpath}.type: Invalid value: "{meta.get("type")}": must be object')
        for k in meta:
            if k not in ("type", "properties", "description"):
                errs.append(f"{mpath}: Forbidden: must not specify anything other than name and generateName")
                break
        for name in meta.get("properties") or {}:
            if name not in ("name", "generateName"):
                errs.append(
                    f"{mpath}.properties[{name}]: Forbidden: must not specify anything other than name and generateName"
                )
    return errs


def _structural(s: Any, path: str, errs: list[str], in_junctor: bool = False) -> None:
    if not isinstance(s, dict):
        errs.append(f"{path}: Invalid value: must be a schema object")
        return
    for k in s:
        if k not in _KNOWN_KEYS:
            errs.append(f"{path}.{k}: Forbidden: {k} is not supported")
    t = s.get("type")
    if t is not None and t not in _TYPES:
        errs.append(f'{path}.type: Unsupported value: "{t}": supported values: ' + ", ".join(f'"{x}"' for x in _TYPES))
    if s.get("x-kubernetes-int-or-string") and t is not None and not in_junctor:
        errs.append(f"{path}.type: Forbidden: must be empty if x-kubernetes-int-or-string is true")
    if "properties" in s and "additionalProperties" in s and s["additionalProperties"] not in (None, False):
        errs.append(f"{path}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive")
    if s.get("additionalProperties") is False:
        errs.append(f"{path}.additionalProperties: Forbidden: must not be false")
    if s.get("x-kubernetes-preserve-unknown-fields") is False:
        errs.append(f"{path}.x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined")
    if s.get("x-kubernetes-embedded-resource") and t != "object":
        errs.append(f"{path}.type: Required value: must be object if x-kubernetes-embedded-resource is true")
    if in_junctor:
        for k in ("type", "description", "default", "additionalProperties", "nullable"):
            if k in s and not (k == "type" and s.get("x-kubernetes-int-or-string")):
                errs.append(f"{path}.{k}: Forbidden: must be empty to be structural")
    for name, sub in (s.get("properties") or {}).items():
        p = f"{path}.properties[{name}]"
        if not in_junctor:
            _need_type(sub, p, errs, "must not be empty for specified object fields")
        _structural(sub, p, errs, in_junctor=in_junctor)
    ap = s.get("additionalProperties")
    if isinstance(ap, dict):
        p = f"{path}.additionalProperties"
        if not in_junctor:
            _need_type(ap, p, errs, "must not be empty for specified object fields")
        _structural(ap, p, errs, in_junctor=in_junctor)
    items = s.get("items")
    if items is not None:
        p = f"{path}.items"
        if isinstance(items, list):
            errs.append(f"{p}: Forbidden: items must be a schema object and not an array")
        else:
            if not in_junctor:
                _need_type(items, p, errs, "must not be empty for specified array items")
            _structural(items, p, errs, in_junctor=in_junctor)
    if t == "array" and items is None and not in_junctor:
        errs.append(f"{path}.items: Required value: must be specified")
    for j in _JUNCTORS:
        subs = s.get(j)
        if subs is None:
            continue
        subs_list = [subs] if j == "not" else subs
        if not isinstance(subs_list, list):
            errs.append(f"{path}.{j}: Invalid value: must be a list of schemas")
            continue
        for i, sub in enumerate(subs_list):
            p = f"{path}.{j}" if j == "not" else f"{path}.{j}[{i}]"
            _structural(sub, p, errs, in_junctor=True)
            _junctor_covered(sub, s, p, errs)


def _need_type(sub: Any, path: str, errs: list[str], why: str) -> None:
    if not isinstance(sub, dict):
        return
    if sub.get("type") or sub.get("x-kubernetes-int-or-string") or sub.get("x-kubernetes-preserve-unknown-fields"):
        return
    errs.append(f"{path}.type: Required value: {why}")


def _junctor_covered(sub: Any, outer: dict, path: str, errs: list[str]) -> None:
    if not isinstance(sub, dict):
        return
    for name, inner in (sub.get("properties") or {}).items():
        if name not in (outer.get("properties") or {}):
            errs.append(
                f"{path}.properties[{name}]: Forbidden: must not be specified in junctors if not specified outside"
            )
        else:
            _junctor_covered(inner, outer["properties"][name], f"{path}.properties[{name}]", errs)
    if sub.get("items") is not None:
        if outer.get("items") is None:
            errs.append(f"{path}.items: Forbidden: must not be specified in junctors if not specified outside")
        else:
            _junctor_covered(sub["items"], outer["items"], f"{path}.items", errs)


_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def check_crd(crd: dict) -> list[dict]:
    """Validation of a CustomResourceDefinition (apiextensions.k8s.io/v1) at create: the causes of the 422
    (``metadata.name`` = ``<plural>.<group>``, scope, names, versions with exactly one storage version and
    at least one served, a structural schema per version)."""
    causes: list[dict] = []
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group") or ""
    plural = names.get("plural") or ""

    def add(reason: str, field: str, message: str) -> None:
        causes.append({"reason": reason, "message": message, "field": field})

    if not group:
        add("FieldValueRequired", "spec.group", "Required value")
    elif "." not in group:
        add("FieldValueInvalid", "spec.group", f'Invalid value: "{group}": should be a domain with at least one dot')
    if not plural:
        add("FieldValueRequired", "spec.names.plural", "Required value")
    elif not _NAME_RE.match(plural):
        add("FieldValueInvalid", "spec.names.plural", f'Invalid value: "{plural}": a lowercase RFC 1123 label')
    if not names.get("kind"):
        add("FieldValueRequired", "spec.names.kind", "Required value")
    if not names.get("listKind") and names.get("kind"):
        pass  # defaulted to <kind>List by the server
    want = f"{plural}.{group}"
    name = (crd.get("metadata") or {}).get("name")
    if plural and group and name != want:
        add("FieldValueInvalid", "metadata.name", f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group')
    scope = spec.get("scope")
    if scope not in ("Namespaced", "Cluster"):
        if not scope:
            add("FieldValueRequired", "spec.scope", "Required value")
        else:
            add(
                "FieldValueNotSupported",
                "spec.scope",
                f'Unsupported value: "{scope}": supported values: "Cluster", "Namespaced"',
            )
    versions = spec.get("versions") or []
    if not versions:
        add(
            "FieldValueInvalid",
            "spec.versions",
            "Invalid value: null: must have exactly one version marked as storage version",
        )
    storage = [v for v in versions if isinstance(v, dict) and v.get("storage")]
    if versions and len(storage) != 1:
        add(
            "FieldValueInvalid",
            "spec.versions",
            f"Invalid value: {json.dumps(versions, separators=(',', ':'))[:200]}: must have exactly one version marked as storage version",
        )
    if versions and not any(isinstance(v, dict) and v.get("served") for v in versions):
        add("FieldValueInvalid", "spec.versions", "Invalid value: must have at least one version marked as served")
    seen: set = set()
    for i, v in enumerate(versions):
        if not isinstance(v, dict):
            continue
        vname = v.get("name") or ""
        if vname in seen:
            add("FieldValueInvalid", f"spec.versions[{i}].name", f'Invalid value: "{vname}": must be unique')
        seen.add(vname)
        if not vname:
            add("FieldValueRequired", f"spec.versions[{i}].name", "Required value")
        schema = (v.get("schema") or {}).get("openAPIV3Schema")
        if schema is None:
            add(
                "FieldValueRequired",
                f"spec.versions[{i}].schema.openAPIV3Schema",
                "Required value: schemas are required",
            )
            continue
        for err in check_structural(schema, f"spec.versions[{i}].schema.openAPIV3Schema"):
            field, _sep, msg = err.partition(": ")
            reason = (
                "FieldValueRequired"
                if msg.startswith("Required")
                else "FieldValueForbidden" if msg.startswith("Forbidden") else "FieldValueInvalid"
            )
            if msg.startswith("Unsupported"):
                reason = "FieldValueNotSupported"
            add(reason, field, msg)
    return causes


# ---------------------------------------------------------------------------------------------------------------
# Pruning
# ---------------------------------------------------------------------------------------------------------------

_ROOT_KEEP = ("apiVersion", "kind", "metadata")


def prune(obj: dict, schema: dict) -> dict:
    """Drop the fields the schema does not specify (kept under x-kubernetes-preserve-unknown-fields), and
    null values of fields that are not ``nullable``. apiVersion/kind/metadata at the root and of embedded
    resources are kept."""
    out = _prune(copy.deepcopy(obj), schema, root=True)
    return out if isinstance(out, dict) else {}


def _prune(value: Any, s: Any, root: bool = False) -> Any:
    if not isinstance(s, dict):
        return value
    if isinstance(value, dict):
        props = s.get("properties") or {}
        ap = s.get("additionalProperties")
        preserve = bool(s.get("x-kubernetes-preserve-unknown-fields"))
        embedded = root or bool(s.get("x-kubernetes-embedded-resource"))
        for k in list(value):
            v = value[k]
            if embedded and k in _ROOT_KEEP and k not in props:
                continue
            if k in props:
                sub = props[k]
            elif isinstance(ap, dict):
                sub = ap
            elif ap is True or preserve:
                continue
            else:
                del value[k]
                continue
            if v is None and not sub.get("nullable"):
                del value[k]
                continue
            value[k] = _prune(v, sub)
        return value
    if isinstance(value, list):
        items = s.get("items")
        if isinstance(items, dict):
            return [_prune(v, items) for v in value if not (v is None and not items.get("nullable"))]
        return value
    return value


def unknown_fields(obj: dict, schema: dict) -> list[str]:
    """The paths pruning would drop (``spec.foo``, ``spec.http[0].rout``), for fieldValidation Strict (the
    server answers "strict decoding error: unknown field \"spec.foo\"") or Warn (a Warning header each)."""
    out: list[str] = []
    _unknown(obj, schema, "", out, root=True)
    return out


def _unknown(value: Any, s: Any, path: str, out: list[str], root: bool = False) -> None:
    if not isinstance(s, dict):
        return
    if isinstance(value, dict):
        props = s.get("properties") or {}
        ap = s.get("additionalProperties")
        preserve = bool(s.get("x-kubernetes-preserve-unknown-fields"))
        embedded = root or bool(s.get("x-kubernetes-embedded-resource"))
        for k, v in value.items():
            p = f"{path}.{k}" if path else k
            if embedded and k in _ROOT_KEEP and k not in props:
                continue
            if k in props:
                _unknown(v, props[k], p, out)
            elif isinstance(ap, dict):
                _unknown(v, ap, p, out)
            elif not (ap is True or preserve):
                out.append(p)
    elif isinstance(value, list) and isinstance(s.get("items"), dict):
        for i, v in enumerate(value):
            _unknown(v, s["items"], f"{path}[{i}]", out)


# ---------------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------------


def _repr(v: Any) -> str:
    """Go's %#v-ish rendering used by field errors: strings quoted, numbers bare, objects as JSON."""
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    return json.dumps(v, separators=(",", ":"), sort_keys=True)


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "integer" if v.is_integer() else "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _is_type(v: Any, t: str) -> bool:
    n = _type_name(v)
    if t == "number":
        return n in ("integer", "number")
    return n == t


def _invalid(field: str, value: Any, detail: str) -> dict:
    return {"reason": "FieldValueInvalid", "message": f"Invalid value: {_repr(value)}: {detail}", "field": field}


_FORMATS = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}


def _check_format(fmt: str, v: Any) -> bool:
    if not isinstance(v, str):
        return True
    try:
        if fmt == "date-time":
            datetime.fromisoformat(v.replace("Z", "+00:00"))
        elif fmt == "date":
            datetime.strptime(v, "%Y-%m-%d")
        elif fmt == "ipv4":
            ipaddress.IPv4Address(v)
        elif fmt == "ipv6":
            ipaddress.IPv6Address(v)
        elif fmt == "cidr":
            ipaddress.ip_network(v, strict=False)
        elif fmt == "uuid":
            return bool(re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", v, re.I))
        elif fmt == "byte":
            base64.b64decode(v, validate=True)
    except (ValueError, binascii.Error):
        return False
    return True


def validate(obj: dict, schema: dict) -> list[dict]:
    """Validate an (already pruned) custom object: causes ``{"reason", "message", "field"}`` as the 422
    ``details.causes`` (reasons FieldValueInvalid, FieldValueRequired, FieldValueNotSupported,
    FieldValueTooMany, FieldValueTooLong, FieldValueDuplicate). apiVersion/kind/metadata at the root are the
    API server's business and are skipped."""
    causes: list[dict] = []
    body = {k: v for k, v in obj.items() if k not in _ROOT_KEEP}
    root = dict(schema)
    root["properties"] = {k: v for k, v in (schema.get("properties") or {}).items() if k not in _ROOT_KEEP}
    root["required"] = [r for r in schema.get("required") or [] if r not in _ROOT_KEEP]
    _validate(body, root, "", causes)
    return causes


def _validate(v: Any, s: Any, path: str, causes: list[dict]) -> None:
    if not isinstance(s, dict):
        return
    where = path or "<root>"
    if v is None:
        if not s.get("nullable") and (s.get("type") or s.get("x-kubernetes-int-or-string")):
            causes.append(_invalid(path, v, f'{where} in body must be of type {s.get("type") or "string"}: "null"'))
        return
    t = s.get("type")
    if s.get("x-kubernetes-int-or-string"):
        if _type_name(v) not in ("integer", "string"):
            causes.append(
                _invalid(path, _type_name(v), f"{where} in body must be of type integer,string: {_repr(_type_name(v))}")
            )
            return
    elif t and not _is_type(v, t):
        causes.append(_invalid(path, _type_name(v), f"{where} in body must be of type {t}: {_repr(_type_name(v))}"))
        return
    enum = s.get("enum")
    if enum is not None and v not in enum:
        supported = ", ".join(_repr(e) for e in enum)
        causes.append(
            {
                "reason": "FieldValueNotSupported",
                "message": f"Unsupported value: {_repr(v)}: supported values: {supported}",
                "field": path,
            }
        )
    fmt = s.get("format")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if fmt in _FORMATS:
            lo, hi = _FORMATS[fmt]
            if not lo <= v <= hi:
                causes.append(_invalid(path, v, f"{where} in body must be of type {fmt}: {_repr(v)}"))
        if "minimum" in s:
            lo = s["minimum"]
            if s.get("exclusiveMinimum") and v <= lo:
                causes.append(_invalid(path, v, f"{where} in body should be greater than {lo}"))
            elif v < lo:
                causes.append(_invalid(path, v, f"{where} in body should be greater than or equal to {lo}"))
        if "maximum" in s:
            hi = s["maximum"]
            if s.get("exclusiveMaximum") and v >= hi:
                causes.append(_invalid(path, v, f"{where} in body should be less than {hi}"))
            elif v > hi:
                causes.append(_invalid(path, v, f"{where} in body should be less than or equal to {hi}"))
        if s.get("multipleOf") and (v / s["multipleOf"]) % 1:
            causes.append(_invalid(path, v, f"{where} in body should be a multiple of {s['multipleOf']}"))
    if isinstance(v, str):
        if fmt and not _check_format(fmt, v):
            causes.append(_invalid(path, v, f"{where} in body must be of type {fmt}: {_repr(v)}"))
        if "maxLength" in s and len(v) > s["maxLength"]:
            causes.append(
                {
                    "reason": "FieldValueTooLong",
                    "message": f"Too long: may not be more than {s['maxLength']} bytes",
                    "field": path,
                }
            )
        if "minLength" in s and len(v) < s["minLength"]:
            causes.append(_invalid(path, v, f"{where} in body should be at least {s['minLength']} chars long"))
        if "pattern" in s and not re.search(s["pattern"], v):
            causes.append(_invalid(path, v, f"{where} in body should match '{s['pattern']}'"))
    if isinstance(v, list):
        if "maxItems" in s and len(v) > s["maxItems"]:
            causes.append(
                {
                    "reason": "FieldValueTooMany",
                    "message": f"Too many: {len(v)}: must have at most {s['maxItems']} items",
                    "field": path,
                }
            )
        if "minItems" in s and len(v) < s["minItems"]:
            causes.append(_invalid(path, v, f"{where} in body should have at least {s['minItems']} items"))
        if s.get("uniqueItems") or s.get("x-kubernetes-list-type") == "set":
            seen: list = []
            for i, item in enumerate(v):
                if item in seen:
                    causes.append(
                        {
                            "reason": "FieldValueDuplicate",
                            "message": f"Duplicate value: {_repr(item)}",
                            "field": f"{path}[{i}]",
                        }
                    )
                seen.append(item)
        if s.get("x-kubernetes-list-type") == "map":
            keys = s.get("x-kubernetes-list-map-keys") or []
            seen_keys: list = []
            for i, item in enumerate(v):
                if isinstance(item, dict):
                    k = tuple(item.get(x) for x in keys)
                    if k in seen_keys:
                        causes.append(
                            {
                                "reason": "FieldValueDuplicate",
                                "message": f"Duplicate value: {_repr({x: item.get(x) for x in keys})}",
                                "field": f"{path}[{i}]",
                            }
                        )
                    seen_keys.append(k)
        items = s.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(v):
                _validate(item, items, f"{path}[{i}]", causes)
    if isinstance(v, dict):
        for r in s.get("required") or []:
            if r not in v:
                causes.append(
                    {"reason": "FieldValueRequired", "message": "Required value", "field": f"{path}.{r}" if path else r}
                )
        if "maxProperties" in s and len(v) > s["maxProperties"]:
            causes.append(
                {
                    "reason": "FieldValueTooMany",
                    "message": f"Too many: {len(v)}: must have at most {s['maxProperties']} items",
                    "field": path,
                }
            )
        if "minProperties" in s and len(v) < s["minProperties"]:
            causes.append(_invalid(path, v, f"{where} in body should have at least {s['minProperties']} properties"))
        props = s.get("properties") or {}
        ap = s.get("additionalProperties")
        for k, item in v.items():
            p = f"{path}.{k}" if path else k
            if k in props:
                _validate(item, props[k], p, causes)
            elif isinstance(ap, dict):
                _validate(item, ap, p, causes)
    _junctors(v, s, path, where, causes)


def _passes(v: Any, s: Any, path: str) -> bool:
    sub: list[dict] = []
    # junctor branches carry no type in a structural schema: validate the value against the branch only
    _validate(v, s, path, sub)
    return not sub


def _junctors(v: Any, s: dict, path: str, where: str, causes: list[dict]) -> None:
    for sub in s.get("allOf") or []:
        _validate(v, sub, path, causes)
    if s.get("anyOf"):
        if not any(_passes(v, sub, path) for sub in s["anyOf"]):
            causes.append(_invalid(path, v, f"{where} in body must validate at least one schema (anyOf)"))
    if s.get("oneOf"):
        n = sum(1 for sub in s["oneOf"] if _passes(v, sub, path))
        if n == 0:
            causes.append(
                _invalid(path, v, f"{where} in body must validate one and only one schema (oneOf). Found none valid")
            )
        elif n > 1:
            causes.append(
                _invalid(
                    path,
                    v,
                    f"{where} in body must validate one and only one schema (oneOf). Found {n} valid alternatives",
                )
            )
    if isinstance(s.get("not"), dict) and _passes(v, s["not"], path):
        causes.append(_invalid(path, v, f"{where} in body must not validate the schema (not)"))
