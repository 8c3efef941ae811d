# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guards against mistakes that string dispatch and hand-kept return docs hide.

- Every API action the plugins name (in ``call("Action")``, list specs, manager tables, tag
  tables, dict tables) exists on its product's SDK client.
- Every module's RETURN documents exactly the keys its normaliser produces (the ``_info`` twin too).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
import yaml

from ansible_collections.geomesh.alicloud.plugins.module_utils.clients import import_sdk
from ansible_collections.geomesh.alicloud.plugins.module_utils.manager import ResourceManager
from ansible_collections.geomesh.alicloud.plugins.module_utils.paging import ListSpec
from ansible_collections.geomesh.alicloud.plugins.module_utils.products import cbn, cs, ecs, servicemesh, vpc
from ansible_collections.geomesh.alicloud.plugins.module_utils.tags import TAG_APIS

PLUGINS = Path(__file__).resolve().parents[3] / "plugins"
MODULES = sorted(p.stem for p in (PLUGINS / "modules").glob("*.py"))
MODULE_PRODUCT = {
    "vpc": "vpc",
    "cen": "cbn",
    "ecs": "ecs",
    "ack": "cs",
    "asm": "servicemesh",
    "ram": "ram",
    "sts": "sts",
}


def sdk_actions(product: str) -> set:
    client_cls = import_sdk(product)[0]
    return {name.replace("_", "").lower() for name in dir(client_cls) if not name.startswith("_")}


def product_of(path: Path) -> str:
    if path.parent.name == "products":
        return {"vpc": "vpc", "cbn": "cbn", "ecs": "ecs", "cs": "cs", "servicemesh": "servicemesh"}[path.stem]
    return MODULE_PRODUCT[path.stem.split("_")[0]]


# functions whose first (n) string arguments are API actions
CALLERS = {"call": 1, "group_call": 1, "ListSpec": 1, "TagApi": 2}


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def named_actions(path: Path) -> set:
    """The API actions a file names: ``client.call("Action", ...)`` (and ``group_call``), ``ListSpec("Action", ...)``,
    ``TagApi("Tag", "Untag")``, ``*_action = "Action"`` table entries and ``{"add": "Action"}`` tables."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and _name(node.func) in CALLERS:
            constants = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            found.update(constants[: CALLERS[_name(node.func)]])
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            if any(_name(t).endswith("_action") for t in node.targets):
                found.add(node.value.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in ("add", "remove") and isinstance(value, ast.Constant):
                    found.add(value.value)
    return {a for a in found if isinstance(a, str) and a}


# every cloud module (traffic_probe calls no cloud API); a new module must have its product in MODULE_PRODUCT
NOT_CLOUD = {"traffic_probe"}
FILES = sorted(p for p in (PLUGINS / "modules").glob("*.py") if p.stem not in NOT_CLOUD) + sorted(
    (PLUGINS / "module_utils" / "products").glob("[a-z]*.py")
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_action_a_plugin_names_exists_on_its_sdk_client(path):
    known = sdk_actions(product_of(path))
    missing = sorted(a for a in named_actions(path) if a.lower() not in known)
    assert missing == [], "%s names actions its SDK does not have: %s" % (path.name, missing)


def test_the_action_scan_finds_actions_and_would_catch_a_typo():
    actions = named_actions(PLUGINS / "module_utils" / "products" / "cbn.py")
    assert {"ListTransitRouters", "DescribeCens"} <= actions
    assert {"CreateVpc", "ModifyVpcAttribute", "DeleteVpc"} <= named_actions(PLUGINS / "modules" / "vpc.py")
    binding = named_actions(PLUGINS / "modules" / "cen_transit_router_route_table_binding.py")
    assert "EnableTransitRouterRouteTablePropagation" in binding
    assert "AuthorizeSecurityGroup" in named_actions(PLUGINS / "module_utils" / "products" / "ecs.py")
    assert "listtransitrouterz" not in sdk_actions("cbn") and "listtransitrouters" in sdk_actions("cbn")


@pytest.mark.parametrize(
    "product,module", [("vpc", vpc), ("cbn", cbn), ("ecs", ecs), ("cs", cs), ("servicemesh", servicemesh)]
)
def test_list_specs_name_real_actions(product, module):
    known = sdk_actions(product)
    specs = [v for v in vars(module).values() if isinstance(v, ListSpec)]
    assert [s.action for s in specs if s.action.lower() not in known] == []


@pytest.mark.parametrize("product", sorted(TAG_APIS))
def test_tag_tables_name_real_actions(product):
    api, known = TAG_APIS[product], sdk_actions(product)
    assert api.tag_action.lower() in known and api.untag_action.lower() in known


def managers():
    found = []
    for name in MODULES:
        module = importlib.import_module("ansible_collections.geomesh.alicloud.plugins.modules." + name)
        found += [
            (name, cls)
            for cls in vars(module).values()
            if isinstance(cls, type) and issubclass(cls, ResourceManager) and cls.__module__ == module.__name__
        ]
    return found


@pytest.mark.parametrize("name,cls", managers(), ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_manager_tables_name_real_actions(name, cls):
    known = sdk_actions(cls.product)
    for action in (cls.create_action, cls.update_action, cls.delete_action):
        assert action.lower() in known, "%s: %s" % (name, action)


def documented(module_name: str) -> dict:
    module = importlib.import_module("ansible_collections.geomesh.alicloud.plugins.modules." + module_name)
    return yaml.safe_load(module.RETURN)


def sample(normalize) -> dict:
    """A normalised non-empty API item: the keys do not depend on the values."""
    return normalize({"Id": "x"})


# module -> (return key, normaliser): every resource module and _info twin with a normaliser
RETURNS = {
    "ack_cluster": ("cluster", cs.normalize_cluster),
    "ack_cluster_info": ("clusters", cs.normalize_cluster),
    "ack_version_info": ("versions", cs.normalize_version),
    "asm_version_info": ("versions", lambda item: servicemesh.normalize_version(("Pro", item["Id"]))),
    "vpc": ("vpc", vpc.normalize_vpc),
    "vpc_info": ("vpcs", vpc.normalize_vpc),
    "vpc_vswitch": ("vswitch", vpc.normalize_vswitch),
    "vpc_vswitch_info": ("vswitches", vpc.normalize_vswitch),
    "cen_instance": ("cen", cbn.normalize_cen),
    "cen_instance_info": ("cens", cbn.normalize_cen),
    "cen_transit_router": ("transit_router", cbn.normalize_transit_router),
    "cen_transit_router_info": ("transit_routers", cbn.normalize_transit_router),
    "cen_transit_router_vpc_attachment": ("vpc_attachment", cbn.normalize_vpc_attachment),
    "cen_transit_router_vpc_attachment_info": ("vpc_attachments", cbn.normalize_vpc_attachment),
    "cen_transit_router_peer_attachment": ("peer_attachment", cbn.normalize_peer_attachment),
    "cen_transit_router_peer_attachment_info": ("peer_attachments", cbn.normalize_peer_attachment),
    "vpc_region_info": ("regions", vpc.normalize_region),
    "vpc_route_entry": ("route_entry", vpc.normalize_route_entry),
    "vpc_route_entry_info": ("route_entries", vpc.normalize_route_entry),
    "cen_route_publication": ("published_routes", cbn.normalize_published_route),
    "vpc_zone_info": ("zones", vpc.normalize_zone),
    "ecs_security_group_rule": ("rules", ecs.normalize_rule),
    "ecs_security_group_rule_info": ("rules", ecs.normalize_rule),
    "ack_node_pool": ("node_pool", cs.normalize_node_pool),
    "ack_node_pool_info": ("node_pools", cs.normalize_node_pool),
    "asm_mesh": ("mesh", servicemesh.normalize_mesh),
    "asm_mesh_info": ("meshes", servicemesh.normalize_mesh),
    "asm_mesh_cluster": ("membership", lambda row: servicemesh.normalize_membership("c1", "c2", row)),
}


@pytest.mark.parametrize("module_name", sorted(RETURNS))
def test_return_documents_exactly_what_the_normaliser_produces(module_name):
    key, normalize = RETURNS[module_name]
    contains = documented(module_name)[key]["contains"]
    assert set(contains) == set(sample(normalize)), module_name


def test_node_pool_info_documents_exactly_the_node_keys():
    contains = documented("ack_node_pool_info")["nodes"]["contains"]
    assert set(contains) == set(sample(cs.normalize_node))


def test_every_resource_module_with_a_manager_is_checked():
    assert {name for name, cls in managers()} <= set(RETURNS)
    for name, cls in managers():
        assert RETURNS[name][0] == cls.result_key
