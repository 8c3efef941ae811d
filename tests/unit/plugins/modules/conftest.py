# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module tests drive a module's ``main()`` in-process against an in-process emulator.

There is one stateful fake in this project, the emulator (``tests/emulator``): the modules reach it
over loopback through the real SDKs, and a test asserts on the module result and on the emulator
(its resources and its request log). One emulator per test file, reset before every test.

Fixtures:
- ``emu``: the emulator of the test file, reset, delay scale 0 (transitions are instant; a test
  that needs to see a waiter wait sets ``emu.clock.delay_scale`` itself).
- ``run(module, args, check_mode=False, diff=True)`` -> the module's JSON result.
- ``log``: reads the request log (``log.calls()``, ``log.writes()``, ``log.clear()``, ...).
- ``seed(action, region=..., **flat_params)``: runs one emulator action handler directly (no HTTP,
  not in the request log) to set up state that no module of the collection creates.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import threading
import types
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
os.environ.setdefault("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")

# tests/emulator relative to the collection root (this file is tests/unit/plugins/modules/conftest.py)
EMULATOR_ROOT = str(Path(__file__).resolve().parents[3] / "emulator")
REGION = "cn-hangzhou"


def _emulator_classes():
    if EMULATOR_ROOT not in sys.path:
        sys.path.insert(0, EMULATOR_ROOT)
    from geomesh_emulator import registry, signing  # pylint: disable=import-outside-toplevel
    from geomesh_emulator.faults import FaultProfile  # pylint: disable=import-outside-toplevel
    from geomesh_emulator.server import Emulator  # pylint: disable=import-outside-toplevel

    return Emulator, FaultProfile, registry, signing


@pytest.fixture(scope="module")
def emulator_instance(tmp_path_factory):
    """One emulator for the test file: own state dir, ephemeral ports."""
    emulator_cls = _emulator_classes()[0]
    instance = emulator_cls(str(tmp_path_factory.mktemp("emulator")), port=0, delay_scale=0.0).start()
    yield instance
    # stop() waits up to 0.5 s per listener for serve_forever to notice; nothing waits for it here
    threading.Thread(target=instance.stop, name="stop-emulator", daemon=True).start()


@pytest.fixture
def emu(emulator_instance):
    """The file's emulator reset to an empty state (resources, tokens, log, faults, clock)."""
    emulator_instance.reset()
    emulator_instance.clock.delay_scale = 0.0
    return emulator_instance


def connection_args(emulator):
    signing = _emulator_classes()[3]
    return {
        "endpoint": emulator.endpoint,
        "protocol": "http",
        "access_key": signing.DEFAULT_ACCESS_KEY_ID,
        "secret_key": signing.DEFAULT_ACCESS_KEY_SECRET,
        "region": REGION,
    }


@pytest.fixture
def run(emu, capsys):
    """``run(module, args, check_mode=False, diff=True)`` -> the module's JSON result (failures too)."""

    def runner(module, args, check_mode=False, diff=True):
        full = connection_args(emu)
        full.update(args)
        full["_ansible_check_mode"] = check_mode
        full["_ansible_diff"] = diff
        capsys.readouterr()
        with patch_module_args(full):
            with pytest.raises(SystemExit) as exc:
                module.main()
        result = json.loads(capsys.readouterr().out)
        assert (exc.value.code or 0) == (1 if result.get("failed") else 0)
        return result

    return runner


class RequestLog:
    """The emulator's request log: one entry per API request (action, write flag, params, code)."""

    def __init__(self, emulator):
        self.emulator = emulator

    def entries(self):
        return self.emulator.reqlog.lines()

    def calls(self, action=None):
        """Parameters of every request (of ``action``), in order."""
        return [e["params"] for e in self.entries() if action is None or e["action"] == action]

    def actions(self):
        return [e["action"] for e in self.entries()]

    def writes(self):
        return [e["action"] for e in self.entries() if e["write"]]

    def codes(self, action):
        return [e["code"] for e in self.entries() if e["action"] == action]

    def clear(self):
        self.emulator.reqlog.truncate()


@pytest.fixture
def log(emu):
    return RequestLog(emu)


@pytest.fixture
def faults(emu):
    """``faults(**profile)`` sets the emulator's fault profile (reset with the emulator)."""
    profile_cls = _emulator_classes()[1]

    def set_profile(**profile):
        emu.faults.set(profile_cls.from_dict(profile))

    return set_profile


@pytest.fixture
def seed(emu):
    """``seed(action, region=REGION, **flat_params)`` -> the emulator handler's response."""
    registry = _emulator_classes()[2]

    def call(action, region=REGION, **params):
        (spec,) = [s for s in registry.ACTIONS.values() if s.name == action and s.product in ("vpc", "ecs", "cbn")]
        with emu.transaction(region=region, product=spec.product) as ctx:
            ctx.action = action
            ctx.version = spec.version
            return spec.handler(ctx, {k: v for k, v in params.items() if v is not None})

    return call


@pytest.fixture
def state(emu):
    """``state(kind)`` -> the live documents of a store kind; ``state(kind, id)`` -> one or None."""

    def get(kind, doc_id=None):
        with emu.transaction() as ctx:
            if doc_id is not None:
                return ctx.store.get(kind, doc_id)
            return ctx.store.list(kind)

    return get


def flat_tags(tags, prefix="Tag"):
    """``{"a": "1"}`` -> ``{"Tag.1.Key": "a", "Tag.1.Value": "1"}`` (RPC wire form, for ``seed``)."""
    out = {}
    for i, (key, value) in enumerate(sorted(tags.items()), start=1):
        out["%s.%d.Key" % (prefix, i)] = key
        out["%s.%d.Value" % (prefix, i)] = value
    return out


def tag_dict(doc):
    """Tags of an emulator document as a dict."""
    tags = doc.get("Tags") or []
    if isinstance(tags, dict):
        tags = tags.get("Tag") or []
    return {t["Key"]: t["Value"] for t in tags}


@pytest.fixture
def inject(emu, monkeypatch):
    """``inject(action, code, status=400, times=1, when=None)``: the emulator answers the next ``times``
    requests of ``action`` (whose parameters satisfy ``when(params)``) with this API error instead of
    running the action. For error codes no emulator state produces (the fault profile only has
    throttling and 5xx); the request reaches the emulator over the wire and is in its request log."""
    registry = _emulator_classes()[2]
    from geomesh_emulator.errors import ApiError  # pylint: disable=import-outside-toplevel

    def arm(action, code, status=400, times=1, when=None, message="injected by the test"):
        (spec,) = [s for s in registry.ACTIONS.values() if s.name == action and s.product in ("vpc", "ecs", "cbn")]
        original = spec.handler
        left = [times]

        def handler(ctx, params):
            if left[0] and (when is None or when(params)):
                left[0] -= 1
                raise ApiError(code, message, status=status)
            return original(ctx, params)

        monkeypatch.setattr(spec, "handler", handler)

    return arm


@pytest.fixture
def restart_ids(emu, monkeypatch):
    """``restart_ids()``: from now on the emulator numbers new resource ids from 1 again
    (``vpc-0000000000000001`` ...), so that a reset emulator can hold the same ids twice."""
    _emulator_classes()
    from geomesh_emulator.context import Context  # pylint: disable=import-outside-toplevel

    def restart():
        counter = itertools.count(1)
        monkeypatch.setattr(Context, "new_id", staticmethod(lambda prefix: "%s-%016x" % (prefix, next(counter))))

    return restart


@pytest.fixture
def add_group(seed, log):
    """``add_group(vpc_cidr="10.0.0.0/8")`` -> a new security group in a new VPC (not in the log)."""

    def add(vpc_cidr="10.0.0.0/8"):
        vpc_id = seed("CreateVpc", CidrBlock=vpc_cidr)["VpcId"]
        sg_id = seed("CreateSecurityGroup", VpcId=vpc_id)["SecurityGroupId"]
        log.clear()
        return sg_id

    return add


@pytest.fixture
def add_rule(emu, seed):
    """``add_rule(sg, protocol, ports, cidr, policy="accept", priority=1, description="", egress=False)``
    -> the new rule id. Ingress rules through AuthorizeSecurityGroup; the emulator serves no
    AuthorizeSecurityGroupEgress, so an egress rule is an ingress rule turned around in its store."""

    def add(sg_id, protocol, ports, cidr, policy="accept", priority=1, description="", egress=False):
        def rules():
            with emu.transaction() as ctx:
                return ctx.store.get("security_group", sg_id)["Permissions"]

        before = {r["SecurityGroupRuleId"] for r in rules()}
        perm = {"IpProtocol": protocol, "PortRange": ports, "SourceCidrIp": cidr, "Policy": policy}
        perm.update({"Priority": str(priority), "Description": description or None})
        seed("AuthorizeSecurityGroup", SecurityGroupId=sg_id, **{"Permissions.1." + k: v for k, v in perm.items()})
        (rule_id,) = [r["SecurityGroupRuleId"] for r in rules() if r["SecurityGroupRuleId"] not in before]
        if egress:
            with emu.transaction() as ctx:
                doc = ctx.store.get("security_group", sg_id)
                for rule in doc["Permissions"]:
                    if rule["SecurityGroupRuleId"] == rule_id:
                        rule.update(Direction="egress", DestCidrIp=rule["SourceCidrIp"], SourceCidrIp="")
                ctx.store.put("security_group", sg_id, doc)
        return rule_id

    return add


@pytest.fixture
def after_action(emu, monkeypatch):
    """``after_action(action, fn, times=1)``: right after the emulator served ``action``, run ``fn(ctx)``
    in the same transaction, as another client changing the cloud between two calls of the module."""
    registry = _emulator_classes()[2]

    def arm(action, fn, times=1):
        (spec,) = [s for s in registry.ACTIONS.values() if s.name == action and s.product in ("vpc", "ecs", "cbn")]
        original = spec.handler
        left = [times]

        def handler(ctx, params):
            result = original(ctx, params)
            if left[0]:
                left[0] -= 1
                fn(ctx)
            return result

        monkeypatch.setattr(spec, "handler", handler)

    return arm


@pytest.fixture
def wrap_action(emu, monkeypatch):
    """``wrap_action(action, fn)``: the emulator serves ``action`` with ``fn(original, ctx, params)``."""
    registry = _emulator_classes()[2]

    def arm(action, fn):
        (spec,) = [s for s in registry.ACTIONS.values() if s.name == action and s.product in ("vpc", "ecs", "cbn")]
        original = spec.handler
        monkeypatch.setattr(spec, "handler", lambda ctx, params: fn(original, ctx, params))

    return arm


class Topology:
    """Builds CEN networks in the emulator through its own action handlers (see ``seed``)."""

    ZONES = {"cn-hangzhou": ("cn-hangzhou-h", "cn-hangzhou-i"), "cn-shanghai": ("cn-shanghai-e", "cn-shanghai-f")}

    def __init__(self, seed, state):
        self.seed = seed
        self.state = state

    def cen(self, name="cen-a", **extra):
        return self.seed("CreateCen", Name=name, **extra)["CenId"]

    def transit_router(self, cen_id, region=REGION, **extra):
        """-> (transit router id, its system route table id)"""
        tr_id = self.seed("CreateTransitRouter", region=region, CenId=cen_id, **extra)["TransitRouterId"]
        return tr_id, self.state("cbn_transit_router", tr_id)["SystemRouteTableId"]

    def vpc(self, region=REGION, cidr="20.0.0.0/8"):
        """-> (VPC id, [{vswitch_id, zone_id}] in two zones)"""
        vpc_id = self.seed("CreateVpc", region=region, CidrBlock=cidr)["VpcId"]
        first = cidr.split(".")[0]
        mappings = []
        for i, zone in enumerate(self.ZONES[region], start=1):
            cidr_block = "%s.%d.0.0/16" % (first, i)
            vsw = self.seed("CreateVSwitch", region=region, VpcId=vpc_id, ZoneId=zone, CidrBlock=cidr_block)
            mappings.append({"vswitch_id": vsw["VSwitchId"], "zone_id": zone})
        return vpc_id, mappings

    def vpc_attachment(self, tr_id, vpc_id, mappings, region=REGION):
        params = {"TransitRouterId": tr_id, "VpcId": vpc_id}
        for i, zm in enumerate(mappings, start=1):
            params["ZoneMappings.%d.VSwitchId" % i] = zm["vswitch_id"]
            params["ZoneMappings.%d.ZoneId" % i] = zm["zone_id"]
        return self.seed("CreateTransitRouterVpcAttachment", region=region, **params)["TransitRouterAttachmentId"]

    def peer_attachment(self, tr_id, peer_tr_id, region=REGION, bandwidth=10, **extra):
        params = dict(extra, TransitRouterId=tr_id, PeerTransitRouterId=peer_tr_id)
        params.update(BandwidthType="DataTransfer", Bandwidth=str(bandwidth))
        return self.seed("CreateTransitRouterPeerAttachment", region=region, **params)["TransitRouterAttachmentId"]


@pytest.fixture
def topo(seed, state, log):
    """A ``Topology`` builder; what it builds is not in the request log (tests clear it anyway)."""
    return Topology(seed, state)


@pytest.fixture
def net(topo, state, log):
    """A CEN with one transit router and a VPC (two vSwitches) attached to it."""
    found = types.SimpleNamespace(cen_id=topo.cen())
    found.tr, found.tr_table = topo.transit_router(found.cen_id)
    found.vpc_id, found.zones = topo.vpc()
    found.att = topo.vpc_attachment(found.tr, found.vpc_id, found.zones)
    found.table = state("vpc", found.vpc_id)["RouteTableId"]
    log.clear()
    return found
