# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-memory stand-ins for the VPC and ECS ApiClients, and a runner that drives a module's main().

The fakes answer ``call(action, **params)`` with plain dict bodies shaped like the real API
(PascalCase, ``Vpcs.Vpc[]`` ...), record every call, and can be told to raise errors first.
"""

from __future__ import annotations

import json
import re

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule

READ = re.compile(r"^(Describe|List|Get)")


class FakeApi:
    product = "fake"

    def __init__(self):
        self.calls = []
        self.errors = {}
        self._seq = 0

    def new_id(self, prefix):
        self._seq += 1
        return "%s-%016x" % (prefix, self._seq)

    def fail(self, action, *errors):
        """The next calls of ``action`` raise these errors, in order."""
        self.errors.setdefault(action, []).extend(errors)

    def call(self, action, *path_args, retry=True, extra_retry_codes=(), timeout=None, **params):
        params = {k: v for k, v in params.items() if v is not None}
        self.calls.append((action, params))
        queue = self.errors.get(action)
        if queue:
            raise queue.pop(0)
        return getattr(self, "do_" + action)(**params)

    @property
    def actions(self):
        return [action for action, _params in self.calls]

    @property
    def writes(self):
        return [(action, params) for action, params in self.calls if not READ.match(action)]


def error(code, status=400, message="boom"):
    return AlicloudError(code, message, "req-1", status)


def tag_list(tags):
    return {"Tag": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}


class FakeVpcApi(FakeApi):
    product = "vpc"

    def __init__(self):
        super().__init__()
        self.vpcs = {}
        self.vswitches = {}
        self.tokens = {}
        self.pending_reads = 0  # a new vSwitch stays Pending for this many reads

    def add_vpc(self, cidr="20.0.0.0/8", name="vpc-a", tags=None):
        vpc_id = self.new_id("vpc")
        self.vpcs[vpc_id] = {
            "VpcId": vpc_id,
            "VpcName": name,
            "CidrBlock": cidr,
            "Status": "Available",
            "RegionId": "cn-hangzhou",
            "Description": "",
            "IsDefault": False,
            "ResourceGroupId": "rg-1",
            "VRouterId": "vrt-1",
            "RouterTableIds": {"RouterTableIds": ["vtb-1"]},
            "VSwitchIds": {"VSwitchId": []},
            "Tags": tag_list(tags or {}),
        }
        return vpc_id

    def add_vswitch(self, vpc_id, cidr, zone="cn-hangzhou-h", name="", tags=None, status="Available"):
        vsw_id = self.new_id("vsw")
        self.vswitches[vsw_id] = {
            "VSwitchId": vsw_id,
            "VpcId": vpc_id,
            "ZoneId": zone,
            "CidrBlock": cidr,
            "VSwitchName": name,
            "Description": "",
            "Status": status,
            "AvailableIpAddressCount": 100,
            "IsDefault": False,
            "RouteTable": {"RouteTableId": "vtb-1"},
            "Tags": tag_list(tags or {}),
            "_reads": 0,
        }
        return vsw_id

    # -- VPC
    def do_DescribeVpcs(self, RegionId, PageNumber=1, PageSize=10, VpcId=None, VpcName=None, **filters):
        ids = VpcId.split(",") if VpcId else None
        items = [
            v
            for v in self.vpcs.values()
            if (ids is None or v["VpcId"] in ids) and (VpcName is None or v["VpcName"] == VpcName)
        ]
        chunk = items[(PageNumber - 1) * PageSize : PageNumber * PageSize]
        return {"TotalCount": len(items), "PageNumber": PageNumber, "Vpcs": {"Vpc": [dict(v) for v in chunk]}}

    def do_CreateVpc(self, RegionId, VpcName, CidrBlock, ClientToken, Description=None, Tag=None):
        for vpc_id, token in self.tokens.items():
            if token == ClientToken:
                return {"VpcId": vpc_id}
        vpc_id = self.add_vpc(CidrBlock, VpcName, {t["Key"]: t["Value"] for t in Tag or []})
        self.vpcs[vpc_id]["Description"] = Description or ""
        self.tokens[vpc_id] = ClientToken
        return {"VpcId": vpc_id}

    def do_ModifyVpcAttribute(self, RegionId, VpcId, **changes):
        self.vpcs[VpcId].update(changes)
        return {}

    def do_DeleteVpc(self, RegionId, VpcId):
        if VpcId not in self.vpcs:
            raise error("InvalidVpcId.NotFound", 404)
        if any(v["VpcId"] == VpcId for v in self.vswitches.values()):
            raise error("DependencyViolation.VSwitch")
        del self.vpcs[VpcId]
        return {}

    # -- vSwitch
    def _view(self, vsw):
        vsw["_reads"] += 1
        view = {k: v for k, v in vsw.items() if not k.startswith("_")}
        if vsw["Status"] == "Pending" and vsw["_reads"] > self.pending_reads:
            vsw["Status"] = view["Status"] = "Available"
        return view

    def do_DescribeVSwitches(self, RegionId, PageNumber=1, PageSize=10, VpcId=None, VSwitchId=None, **filters):
        items = [
            v
            for v in self.vswitches.values()
            if (VpcId is None or v["VpcId"] == VpcId)
            and (VSwitchId is None or v["VSwitchId"] == VSwitchId)
            and (filters.get("ZoneId") is None or v["ZoneId"] == filters["ZoneId"])
        ]
        chunk = items[(PageNumber - 1) * PageSize : PageNumber * PageSize]
        return {"TotalCount": len(items), "VSwitches": {"VSwitch": [self._view(v) for v in chunk]}}

    def do_CreateVSwitch(self, RegionId, VpcId, ZoneId, CidrBlock, ClientToken, VSwitchName=None, Tag=None, **rest):
        vsw_id = self.add_vswitch(
            VpcId,
            CidrBlock,
            ZoneId,
            VSwitchName or "",
            {t["Key"]: t["Value"] for t in Tag or []},
            status="Pending",
        )
        self.vswitches[vsw_id]["Description"] = rest.get("Description") or ""
        return {"VSwitchId": vsw_id}

    def do_ModifyVSwitchAttribute(self, RegionId, VSwitchId, **changes):
        self.vswitches[VSwitchId].update(changes)
        return {}

    def do_DeleteVSwitch(self, RegionId, VSwitchId):
        if VSwitchId not in self.vswitches:
            raise error("InvalidVSwitchId.NotFound", 404)
        del self.vswitches[VSwitchId]
        return {}

    # -- tags
    def _tags(self, resource_id):
        doc = self.vswitches.get(resource_id) or self.vpcs[resource_id]
        return doc

    def do_TagResources(self, RegionId, ResourceType, ResourceId, Tag):
        for rid in ResourceId:
            doc = self._tags(rid)
            tags = {t["Key"]: t["Value"] for t in doc["Tags"]["Tag"]}
            tags.update({t["Key"]: t["Value"] for t in Tag})
            doc["Tags"] = tag_list(tags)
        return {}

    def do_UnTagResources(self, RegionId, ResourceType, ResourceId, TagKey):
        for rid in ResourceId:
            doc = self._tags(rid)
            doc["Tags"] = {"Tag": [t for t in doc["Tags"]["Tag"] if t["Key"] not in TagKey]}
        return {}


class FakeEcsApi(FakeApi):
    product = "ecs"

    def __init__(self):
        super().__init__()
        self.groups = {}

    def add_group(self, vpc_id="vpc-1"):
        sg_id = self.new_id("sg")
        self.groups[sg_id] = {"VpcId": vpc_id, "rules": []}
        return sg_id

    def add_rule(
        self, sg_id, protocol="ALL", ports="-1/-1", cidr="10.0.0.0/16", policy="Accept", priority="1", **extra
    ):
        rule = {
            "SecurityGroupRuleId": self.new_id("sgr"),
            "Direction": extra.pop("Direction", "ingress"),
            "IpProtocol": protocol.upper(),
            "PortRange": ports,
            "SourceCidrIp": cidr,
            "Policy": policy,
            "Priority": str(priority),
            "NicType": "intranet",
            "Description": extra.pop("Description", ""),
            "CreateTime": "2026-01-01T00:00:00Z",
        }
        rule.update(extra)
        self.groups[sg_id]["rules"].append(rule)
        return rule["SecurityGroupRuleId"]

    def _group(self, sg_id):
        if sg_id not in self.groups:
            raise error("InvalidSecurityGroupId.NotFound", 404)
        return self.groups[sg_id]

    def do_DescribeSecurityGroupAttribute(self, RegionId, SecurityGroupId, Direction="all", MaxResults=None, **rest):
        group = self._group(SecurityGroupId)
        rules = [dict(r) for r in group["rules"] if Direction == "all" or r["Direction"] == Direction]
        return {"SecurityGroupId": SecurityGroupId, "VpcId": group["VpcId"], "Permissions": {"Permission": rules}}

    @staticmethod
    def _same(rule, perm):
        return (
            rule["IpProtocol"].lower() == perm["IpProtocol"].lower()
            and rule["PortRange"] == perm["PortRange"]
            and rule["SourceCidrIp"] == perm["SourceCidrIp"]
            and rule["Policy"].lower() == perm.get("Policy", "accept").lower()
            and rule["NicType"] == perm.get("NicType", "intranet")
        )

    def do_AuthorizeSecurityGroup(self, RegionId, SecurityGroupId, Permissions, ClientToken=None):
        group = self._group(SecurityGroupId)
        if not 1 <= len(Permissions) <= 100:
            raise error("InvalidParam.Permissions")
        for perm in Permissions:
            if any(self._same(r, perm) for r in group["rules"] if r["Direction"] == "ingress"):
                continue  # as documented: an existing rule is not added again
            self.add_rule(
                SecurityGroupId,
                perm["IpProtocol"],
                perm["PortRange"],
                perm["SourceCidrIp"],
                perm.get("Policy", "accept").capitalize(),
                perm.get("Priority", "1"),
                Description=perm.get("Description", ""),
            )
        return {}

    def do_RevokeSecurityGroup(self, RegionId, SecurityGroupId, SecurityGroupRuleId, ClientToken=None):
        group = self._group(SecurityGroupId)
        group["rules"] = [r for r in group["rules"] if r["SecurityGroupRuleId"] not in SecurityGroupRuleId]
        return {}

    def do_ModifySecurityGroupRule(self, RegionId, SecurityGroupId, SecurityGroupRuleId, ClientToken=None, **fields):
        group = self._group(SecurityGroupId)
        for rule in group["rules"]:
            if rule["SecurityGroupRuleId"] == SecurityGroupRuleId:
                rule["Priority"] = fields["Priority"]
                rule["Description"] = fields["Description"]
        return {}


class Runner:
    """Runs a module's ``main()`` against fake clients and returns ``(rc, result)``."""

    def __init__(self, monkeypatch, capsys, **clients):
        self.capsys = capsys
        self.clients = clients
        monkeypatch.setattr(AlicloudModule, "client", lambda module, product, region=None: clients[product])
        original = AlicloudModule.waiter

        def quick_waiter(module, *args, **kwargs):
            kwargs.setdefault("sleep", lambda seconds: None)
            kwargs.setdefault("delay", 0.01)
            return original(module, *args, **kwargs)

        monkeypatch.setattr(AlicloudModule, "waiter", quick_waiter)

    def __call__(self, main, args, check_mode=False, diff=True):
        args = dict(args, region="cn-hangzhou", access_key="AKID", secret_key="SECRET")
        args["_ansible_check_mode"] = check_mode
        args["_ansible_diff"] = diff
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exc:
                main()
        out = self.capsys.readouterr().out
        return exc.value.code or 0, json.loads(out)
