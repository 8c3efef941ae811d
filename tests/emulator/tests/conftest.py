"""Shared fixtures for the emulator contract tests.

Run: ``cd /work/main && .venv/bin/python -m pytest tests/emulator/tests -q``
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from typing import Any, Callable

import pytest
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_vpc20160428.client import Client as VpcClient

# Must be set before alibabacloud_credentials is imported (it reads env vars at import time).
os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
os.environ.setdefault("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")

EMULATOR_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if EMULATOR_ROOT not in sys.path:
    sys.path.insert(0, EMULATOR_ROOT)

from alibabacloud_tea_openapi.models import Config  # noqa: E402

from geomesh_emulator.server import Emulator  # noqa: E402
from geomesh_emulator.signing import (  # noqa: E402
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
)

TEST_DELAY_SCALE = 0.05


@pytest.fixture(scope="module")
def emu(tmp_path_factory) -> Emulator:
    """A fresh in-process emulator per test module: own temp state dir, ephemeral ports,
    small delay scale. Safe under pytest-xdist (no fixed ports, no shared state)."""
    state_dir = tmp_path_factory.mktemp("emulator-state")
    instance = Emulator(str(state_dir), port=0, kube_port=0, delay_scale=TEST_DELAY_SCALE).start()
    yield instance
    instance.stop()


@pytest.fixture
def fresh(emu: Emulator) -> Emulator:
    """The module's emulator reset to an empty state (resources, tokens, log, faults, clock)."""
    emu.reset()
    emu.clock.delay_scale = TEST_DELAY_SCALE
    return emu


def make_config(emu: Emulator, region: str = "cn-hangzhou", **kwargs: Any) -> Config:
    cfg = {
        "endpoint": emu.endpoint,
        "protocol": "http",
        "access_key_id": DEFAULT_ACCESS_KEY_ID,
        "access_key_secret": DEFAULT_ACCESS_KEY_SECRET,
        "region_id": region,
        "read_timeout": 30000,
        "connect_timeout": 5000,
    }
    cfg.update(kwargs)
    return Config(**cfg)


@pytest.fixture
def client_factory(fresh: Emulator) -> Callable[..., Any]:
    """``client_factory(ClientClass, region="cn-hangzhou", **config_overrides)`` -> SDK client."""

    def make(client_cls: type, region: str = "cn-hangzhou", **kwargs: Any) -> Any:
        return client_cls(make_config(fresh, region, **kwargs))

    return make


def wait_for(fn: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll ``fn`` until it returns a truthy value; return it (AssertionError on timeout)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value {last!r})")


def control(emu: Emulator, path: str, body: Any = None) -> Any:
    """Call a /_emulator/* control endpoint (POST when ``body`` is given)."""
    url = f"http://{emu.endpoint}{path}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        return json.loads(resp.read())


@pytest.fixture
def vpc(client_factory: Callable[..., Any]) -> VpcClient:
    """A VPC client in the default region (test modules may define their own)."""
    return client_factory(VpcClient)


@pytest.fixture
def ecs(client_factory: Callable[..., Any]) -> EcsClient:
    """An ECS client in the default region (test modules may define their own)."""
    return client_factory(EcsClient)
