"""CustomResourceDefinitions the emulated API servers install: Istio's networking kinds and ASM's IstioGateway.

The YAML files next to this module were written for this project from the public API references cited in
their headers (istio.io networking reference, the ASM docs and aliyun/alibabacloud-servicemesh-api); they
are not Istio's generated CRDs. Each call returns fresh deep copies (YAML anchors are expanded).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import yaml

__all__ = ["istio_crds", "asm_crds", "load"]

_DIR = Path(__file__).resolve().parent

ISTIO_FILES = ("gateway.yaml", "virtualservice.yaml", "destinationrule.yaml")
ASM_FILES = ("istiogateway.yaml",)


@cache
def _text(name: str) -> str:
    with open(_DIR / name, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    # round-trip through JSON: anchors/aliases become independent copies, and the result is plain JSON
    return json.dumps(doc)


def load(name: str) -> dict:
    """One CRD file as a JSON-like dict."""
    return json.loads(_text(name))


def istio_crds() -> list[dict]:
    """Gateway, VirtualService, DestinationRule (networking.istio.io v1alpha3, v1beta1, v1 served)."""
    return [load(n) for n in ISTIO_FILES]


def asm_crds() -> list[dict]:
    """IstioGateway (istio.alibabacloud.com/v1beta1), namespaced, with a status subresource."""
    return [load(n) for n in ASM_FILES]
