# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``clients.defer_models``: a product's models resolve one by one, to the very classes the
generated package exports, while a module run imports a fraction of the files.

Each check runs in a fresh interpreter: the point is what gets imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ansible_collections.geomesh.alicloud.plugins.module_utils import clients

COLLECTIONS = Path(clients.__file__).resolve().parents[5]

DEFERRED = """
import json, sys
from ansible_collections.geomesh.alicloud.plugins.module_utils.clients import import_sdk
before = set(sys.modules)
client_cls, models = import_sdk(sys.argv[1])
loaded = len([m for m in set(sys.modules) - before if m.startswith(models.__name__ + ".")])
deferred = hasattr(models, "__path__")
if deferred:
    resolved = {name: getattr(models, name).__module__ for name in models.__all__}
else:
    resolved = {n: c.__module__ for n, c in vars(models).items() if isinstance(c, type) and not n.startswith("_")}
missing = getattr(models, "NoSuchThingRequest", None)
print(json.dumps({"deferred": deferred, "loaded": loaded, "resolved": resolved, "missing": missing}))
"""

EAGER = """
import importlib, json, sys
from ansible_collections.geomesh.alicloud.plugins.module_utils.clients import PRODUCTS
client_mod, models_mod, _ = PRODUCTS[sys.argv[1]]
before = set(sys.modules)
importlib.import_module(client_mod)
models = importlib.import_module(models_mod)
loaded = len([m for m in set(sys.modules) - before if m.startswith(models_mod + ".")])
classes = {n: c.__module__ for n, c in vars(models).items() if isinstance(c, type) and not n.startswith("_")}
print(json.dumps({"loaded": loaded, "classes": classes}))
"""


def run(script: str, *args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS))
    out = subprocess.run([sys.executable, "-c", script, *args], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


# The SDKs whose models are a package of one file per model; the ASM SDK (servicemesh20200111)
# still ships one models.py, which is imported as it is.
PACKAGED_MODELS = {"cbn", "cs", "ecs", "ram", "sts", "vpc"}


@pytest.mark.parametrize("product", sorted(clients.PRODUCTS))
def test_every_model_resolves_to_the_class_the_package_exports(product):
    deferred = run(DEFERRED, product)
    eager = run(EAGER, product)
    assert eager["classes"], "the SDK's models export no class"
    assert deferred["resolved"] == eager["classes"]
    assert deferred["missing"] is None
    assert deferred["deferred"] is (product in PACKAGED_MODELS)
    if not deferred["deferred"]:
        return
    # the point: making a client imports next to none of the package's model files
    assert eager["loaded"] >= len(eager["classes"]) / 3
    assert deferred["loaded"] < 20, deferred["loaded"]


def test_a_client_call_builds_its_request_from_a_deferred_model():
    script = textwrap.dedent("""
        import sys
        from ansible_collections.geomesh.alicloud.plugins.module_utils.clients import import_sdk
        client_cls, models = import_sdk("vpc")
        request = models.DescribeVpcsRequest().from_map({"RegionId": "cn-hangzhou", "VpcName": "x"})
        print(type(request).__module__, request.to_map()["RegionId"], request.to_map()["VpcName"])
        print("alibabacloud_vpc20160428.models._create_vpc_request" in sys.modules)
        """)
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS))
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.split() == [
        "alibabacloud_vpc20160428.models._describe_vpcs_request",
        "cn-hangzhou",
        "x",
        "False",
    ]


def test_a_package_that_does_not_look_generated_is_imported_as_it_is(tmp_path, monkeypatch):
    package = tmp_path / "handwritten_sdk" / "models"
    package.mkdir(parents=True)
    (tmp_path / "handwritten_sdk" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("class ThingRequest:\n    pass\nLOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "handwritten_sdk", raising=False)
    monkeypatch.delitem(sys.modules, "handwritten_sdk.models", raising=False)
    models = clients.defer_models("handwritten_sdk.models")
    assert models.LOADED is True
    assert models.ThingRequest.__name__ == "ThingRequest"
