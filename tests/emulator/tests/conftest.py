"""Shared fixtures for the emulator contract tests.

Run: ``cd /work/main && .venv/bin/python -m pytest tests/emulator/tests -q``
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
import urllib.error
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
    instance = Emulator(str(state_dir), port=0, delay_scale=TEST_DELAY_SCALE).start()
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


def control_refused(emu: Emulator, path: str, body: Any) -> str:
    """POST ``body`` to a control endpoint that must refuse it with 400; returns the message."""
    with pytest.raises(urllib.error.HTTPError) as info:
        control(emu, path, body)
    assert info.value.code == 400
    return json.loads(info.value.read())["message"]


@pytest.fixture
def vpc(client_factory: Callable[..., Any]) -> VpcClient:
    """A VPC client in the default region (test modules may define their own)."""
    return client_factory(VpcClient)


@pytest.fixture
def ecs(client_factory: Callable[..., Any]) -> EcsClient:
    """An ECS client in the default region (test modules may define their own)."""
    return client_factory(EcsClient)


# ------------------------------------------------------------------------------ Kubernetes API servers
# Clusters and meshes made through the real SDKs, their kubeconfigs (as the cloud APIs return them)
# in private files, and the two real clients: the ``kubernetes`` Python client and kubectl.
KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")
_kube_names = itertools.count(1)


def _private_dir(path: str) -> str:
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


class KubeCloud:
    """ACK clusters and ASM meshes in one emulator, and their kubeconfigs."""

    def __init__(self, emu: Emulator, workdir: str) -> None:
        from alibabacloud_cs20151215.client import Client as CsClient
        from alibabacloud_servicemesh20200111.client import Client as AsmClient

        self.emu = emu
        self.workdir = _private_dir(workdir)
        self.home = _private_dir(os.path.join(workdir, "home"))
        self.vpc = VpcClient(make_config(emu, "cn-hangzhou"))
        self.cs = CsClient(make_config(emu, "cn-hangzhou"))
        self.asm = AsmClient(make_config(emu, "cn-hangzhou"))
        self._net: dict[str, tuple[str, list[str]]] = {}
        self._clusters = itertools.count(1)

    def settle(self, seconds: float = 60.0) -> None:
        """Move the emulator clock past the provisioning delays."""
        self.emu.advance_clock(seconds)

    def network(self, region: str = "cn-hangzhou") -> tuple[str, list[str]]:
        """One VPC (20.0.0.0/8) with a vSwitch, per region, made once."""
        from alibabacloud_vpc20160428 import models as vm

        if region not in self._net:
            vpc = VpcClient(make_config(self.emu, region))
            vpc_id = vpc.create_vpc(vm.CreateVpcRequest(region_id=region, cidr_block="20.0.0.0/8")).body.vpc_id
            self.settle()
            zone = vpc.describe_zones(vm.DescribeZonesRequest(region_id=region)).body.zones.zone[0].zone_id
            vsw = vpc.create_vswitch(
                vm.CreateVSwitchRequest(region_id=region, vpc_id=vpc_id, zone_id=zone, cidr_block="20.1.0.0/24")
            ).body.v_switch_id
            self.settle()
            self._net[region] = (vpc_id, [vsw])
        return self._net[region]

    def cluster(self, nodes: int = 2, region: str = "cn-hangzhou", public: bool = False) -> str:
        """A running Flannel cluster with ``nodes`` nodes; its id."""
        from alibabacloud_cs20151215 import models as csm

        vpc_id, vsws = self.network(region)
        n = next(self._clusters)  # distinct pod and service CIDRs in the shared VPC
        cluster_id = self.cs.create_cluster(
            csm.CreateClusterRequest(
                name=f"kube-{n}",
                region_id=region,
                cluster_type="ManagedKubernetes",
                vpcid=vpc_id,
                vswitch_ids=vsws,
                container_cidr=f"10.{n}.0.0/16",
                service_cidr=f"172.{16 + n // 16}.{n % 16 * 16}.0/20",
                endpoint_public_access=public,
                addons=[csm.Addon(name="flannel")],
                nodepools=[
                    csm.Nodepool(
                        nodepool_info=csm.NodepoolNodepoolInfo(name="np"),
                        scaling_group=csm.NodepoolScalingGroup(
                            vswitch_ids=vsws, instance_types=["ecs.g7.xlarge"], desired_size=nodes, key_pair="kp"
                        ),
                        kubernetes_config=csm.NodepoolKubernetesConfig(runtime="containerd", runtime_version="1.6.36"),
                    )
                ],
            )
        ).body.cluster_id
        self.settle()
        return cluster_id

    def cluster_kubeconfig(self, cluster_id: str, minutes: int | None = None) -> tuple[str, str]:
        """``(kubeconfig, expiration)`` from DescribeClusterUserKubeconfig (internal endpoint)."""
        from alibabacloud_cs20151215 import models as csm

        body = self.cs.describe_cluster_user_kubeconfig(
            cluster_id,
            csm.DescribeClusterUserKubeconfigRequest(private_ip_address=True, temporary_duration_minutes=minutes),
        ).body
        return body.config, body.expiration

    def mesh(self, region: str = "cn-hangzhou") -> str:
        """A running mesh (in the region's VPC); its id."""
        from alibabacloud_servicemesh20200111 import models as am

        vpc_id, vsws = self.network(region)
        mesh_id = self.asm.create_service_mesh(
            am.CreateServiceMeshRequest(
                region_id=region, vpc_id=vpc_id, v_switches=json.dumps(vsws), name=f"mesh-{next(_kube_names)}"
            )
        ).body.service_mesh_id
        self.settle()
        return mesh_id

    def mesh_kubeconfig(self, mesh_id: str) -> tuple[str, str]:
        """``(kubeconfig, expire_time)`` from DescribeServiceMeshKubeconfig (internal endpoint)."""
        from alibabacloud_servicemesh20200111 import models as am

        body = self.asm.describe_service_mesh_kubeconfig(
            am.DescribeServiceMeshKubeconfigRequest(service_mesh_id=mesh_id, private_ip_address=True)
        ).body
        return body.kubeconfig, body.expire_time

    def write(self, text: str, name: str | None = None) -> str:
        """``text`` in a new file (0600) of this fixture's private directory; its path."""
        path = os.path.join(self.workdir, name or f"kubeconfig-{next(_kube_names)}.yaml")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(path, 0o600)
        return path

    def client(self, path: str) -> Any:
        """A ``kubernetes`` Python ApiClient for the kubeconfig file ``path``."""
        from kubernetes import config as kconfig

        return kconfig.new_client_from_config(config_file=path, persist_config=False)

    def kubectl_env(self, path: str) -> dict[str, str]:
        """kubectl's environment: KUBECONFIG=``path``, a private HOME, no proxy (loopback only)."""
        return {
            "PATH": os.path.dirname(KUBECTL) + os.pathsep + "/usr/bin:/bin",
            "HOME": self.home,
            "KUBECONFIG": path,
            "KUBECACHEDIR": os.path.join(self.home, "cache"),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }

    def kubectl(self, path: str, *args: str, stdin: str | None = None, timeout: float = 60.0) -> Any:
        """Run the real kubectl on the kubeconfig file ``path``; CompletedProcess."""
        return subprocess.run(
            [KUBECTL, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.kubectl_env(path),
            timeout=timeout,
            check=False,
        )

    def kubectl_popen(self, path: str, *args: str) -> subprocess.Popen:
        """kubectl in the background (e.g. a ``wait`` that watches); the caller reaps it."""
        return subprocess.Popen(  # pylint: disable=consider-using-with
            [KUBECTL, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.kubectl_env(path),
        )


@pytest.fixture(scope="module")
def kube_cloud(emu: Emulator, tmp_path_factory) -> KubeCloud:
    """Clusters / meshes and kubeconfigs in the module's emulator (not reset between tests)."""
    emu.clock.delay_scale = TEST_DELAY_SCALE
    return KubeCloud(emu, str(tmp_path_factory.mktemp("kube")))
