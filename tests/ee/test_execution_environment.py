# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment: ``ansible-builder create`` on awx/execution-environment.yml (the build
context, no container engine), then the context's own introspection script run over the collections
the image would hold - geomesh.alicloud installed from the built tarball, kubernetes.core - as the
image build runs it. Every Python and system requirement of the collection is in the result, and
nothing else. Run by ``make ee`` after ``make build`` (the tarball)."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

TOP = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEFINITION = TOP / "awx" / "execution-environment.yml"
K8S = TOP / ".build" / "collections" / "ansible_collections" / "kubernetes" / "core"


def requirement_name(line: str) -> str:
    return re.split(r"[\s<>=!~;\[]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")


def lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def pins(path: Path) -> dict[str, str]:
    return {requirement_name(line): line for line in lines(path)}


@pytest.fixture(scope="module")
def version() -> str:
    return yaml.safe_load((TOP / "galaxy.yml").read_text())["version"]


@pytest.fixture(scope="module")
def context(tmp_path_factory, version) -> Path:
    tarball = TOP / ".build" / ("geomesh-alicloud-%s.tar.gz" % version)
    assert tarball.is_file(), "%s is missing: make build makes it" % tarball
    out = tmp_path_factory.mktemp("ee") / "context"
    subprocess.run([str(BIN / "ansible-builder"), "create", "-f", str(DEFINITION), "-c", str(out)], check=True, cwd=TOP)
    return out


@pytest.fixture(scope="module")
def introspected(context, tmp_path_factory) -> dict:
    """The merged requirements, as the image build's introspection step computes them."""
    root = tmp_path_factory.mktemp("collections")
    tarball = context / "_build" / "collections"
    (found,) = tarball.glob("geomesh-alicloud-*.tar.gz")
    # --force: without it ansible-galaxy installs nothing when a configured collections path (make's
    # ANSIBLE_COLLECTIONS_PATH: the synced collection) already holds geomesh.alicloud
    subprocess.run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "install",
            "--offline",
            "--no-deps",
            "--force",
            "-p",
            str(root),
            str(found),
        ],
        check=True,
        capture_output=True,
    )
    assert (root / "ansible_collections" / "geomesh" / "alicloud" / "MANIFEST.json").is_file()
    shutil.copytree(K8S, root / "ansible_collections" / "kubernetes" / "core")
    pip_out, bindep_out = root / "requirements.txt", root / "bindep.txt"
    subprocess.run(
        [
            sys.executable,
            str(context / "_build" / "scripts" / "introspect.py"),
            "introspect",
            str(root),
            "--write-pip",
            str(pip_out),
            "--write-bindep",
            str(bindep_out),
        ],
        check=True,
        capture_output=True,
    )
    return {"pip": lines(pip_out), "bindep": lines(bindep_out)}


def test_context_installs_the_built_collection_and_kubernetes_core(context, version):
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    by_name = {c["name"]: c for c in galaxy["collections"]}
    assert set(by_name) == {"kubernetes.core", "collections/geomesh-alicloud-%s.tar.gz" % version}, by_name
    manifest = json.loads((K8S / "MANIFEST.json").read_text())
    assert by_name["kubernetes.core"]["version"] == manifest["collection_info"]["version"]  # what the tests run
    assert (context / "_build" / "collections" / ("geomesh-alicloud-%s.tar.gz" % version)).is_file()


def test_context_installs_the_ansible_the_tests_run(context):
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists()).read_text()
    (refs,) = re.findall(r'^ARG ANSIBLE_INSTALL_REFS="(.*)"$', containerfile, re.M)
    tests = pins(TOP / "test-requirements.txt")
    assert refs.split() == [tests["ansible-core"], "ansible-runner==%s" % importlib.metadata.version("ansible-runner")]
    assert "introspect.py introspect" in containerfile


def test_every_requirement_of_the_collection_and_nothing_else(introspected):
    ours = lines(TOP / "requirements.txt")
    theirs = lines(K8S / "requirements.txt")
    merged = [re.sub(r"\s*#.*$", "", line) for line in introspected["pip"]]
    # a name both collections require stays on two lines (pip applies both: kubernetes==37.0.2 and >=24.2.0)
    assert {requirement_name(x) for x in merged} == {requirement_name(x) for x in ours + theirs}
    for line in ours:  # our pins survive the merge
        assert any(line in x for x in merged), (line, merged)
    tests_only = set(pins(TOP / "test-requirements.txt")) - set(pins(TOP / "requirements.txt"))
    assert not tests_only & {requirement_name(x) for x in merged}
    bindep = [re.sub(r"\s*#.*$", "", line) for line in introspected["bindep"]]
    assert sorted(bindep) == sorted(lines(TOP / "bindep.txt") + lines(K8S / "bindep.txt"))


def third_party_imports() -> set[str]:
    """The top-level modules plugins/ imports that are neither the standard library nor Ansible."""
    found = set()
    for path in (TOP / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {
        m
        for m in found
        if m not in sys.stdlib_module_names and m not in ("ansible", "ansible_collections", "__future__")
    }


def test_requirements_txt_is_what_the_plugins_import():
    """Every distribution the plugins import is pinned in requirements.txt or comes with ansible-core
    (PyYAML); every pin is imported (clients.PRODUCTS names the SDKs it imports) or is a requirement
    of kubernetes.core, whose modules the roles use (kubernetes), pinned for reproducible runs."""
    by_module = importlib.metadata.packages_distributions()
    unknown = {m for m in third_party_imports() if m not in by_module}
    assert not unknown, "imported but not installed: %s" % unknown
    imported = {requirement_name(by_module[m][0]) for m in third_party_imports()}
    source = (TOP / "plugins" / "module_utils" / "clients.py").read_text()
    imported |= set(re.findall(r'"(alibabacloud-[a-z0-9-]+)",?\s*\)', source))
    with_core = {requirement_name(r) for r in importlib.metadata.requires("ansible-core") or []}
    pinned = set(pins(TOP / "requirements.txt"))
    assert imported - with_core - pinned == set(), "imported, not pinned"
    assert (
        pinned - imported - {requirement_name(x) for x in lines(K8S / "requirements.txt")} == set()
    ), "pinned, not used"
