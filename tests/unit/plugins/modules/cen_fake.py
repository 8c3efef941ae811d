# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory stand-in for the cbn ApiClient, and a helper to run a module's main().

Every resource is created in a transitional status (Creating, Attaching, Associating, ...)
that becomes final after it has been read once, and a deleted resource is listed once more
in its deleting status, so waiters are exercised. Write calls are recorded in ``writes``.
"""

from __future__ import annotations

import copy
import itertools
import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.geomesh.alicloud.plugins.module_utils.clients import READ_PREFIXES
from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError
from ansible_collections.geomesh.alicloud.plugins.module_utils.modules import AlicloudModule

GONE = "__gone__"


def err(code, message="fake error", status=400):
    return AlicloudError(code, message, "req-fake", status)


class FakeCbn:
    product = "cbn"

    def __init__(self):
        self.kinds = {k: {} for k in ("cen", "tr", "rt", "vpc_att", "peer_att", "assoc", "prop")}
        self.calls = []
        self.tokens = {}
        self.fail = {}  # action -> list of AlicloudError raised one per call
        self.ids = itertools.count(1)

    # -- plumbing -------------------------------------------------------------------------------
    @property
    def writes(self):
        return [c for c in self.calls if not c[0].startswith(READ_PREFIXES)]

    def actions(self, writes_only=False):
        return [c[0] for c in (self.writes if writes_only else self.calls)]

    def call(self, action, *path_args, retry=True, extra_retry_codes=(), timeout=None, **params):
        params = {k: v for k, v in params.items() if v is not None}
        self.calls.append((action, params))
        if self.fail.get(action):
            raise self.fail[action].pop(0)
        token = params.get("ClientToken")
        if token and (action, token) in self.tokens:
            return copy.deepcopy(self.tokens[(action, token)])
        result = getattr(self, "do_" + action)(**params)
        if token:
            self.tokens[(action, token)] = copy.deepcopy(result)
        return result

    def new_id(self, prefix):
        return "%s-fake%04d" % (prefix, next(self.ids))

    def add(self, kind, key, doc, status, final):
        doc = dict(doc, Status=status, _next=final)
        self.kinds[kind][key] = doc
        return doc

    def read(self, kind, pred=lambda d: True):
        """Matching docs as they are now; then each advances one step (final status / gone)."""
        out = []
        for key, doc in list(self.kinds[kind].items()):
            if not pred(doc):
                continue
            out.append({k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")})
            nxt = doc.pop("_next", None)
            if nxt == GONE:
                del self.kinds[kind][key]
            elif nxt:
                doc["Status"] = nxt
        return out

    def remove(self, kind, key, status):
        doc = self.kinds[kind][key]
        doc["Status"] = status
        doc["_next"] = GONE

    @staticmethod
    def match(doc, **wanted):
        return all(v is None or doc.get(k) == v for k, v in wanted.items())

    # -- CEN -------------------------------------------------------------------------------------
    def do_CreateCen(self, Name=None, Description=None, Tag=None, ClientToken=None):
        cen_id = self.new_id("cen")
        self.add(
            "cen",
            cen_id,
            {
                "CenId": cen_id,
                "Name": Name,
                "Description": Description or "",
                "ProtectionLevel": "REDUCED",
                "Tags": {"Tag": list(Tag or [])},
            },
            "Creating",
            "Active",
        )
        return {"CenId": cen_id, "RequestId": "r"}

    def do_DescribeCens(self, Filter=(), Tag=None, PageNumber=1, PageSize=10):
        def pred(doc):
            for f in Filter:
                key = "CenId" if f["Key"] == "CenId" else "Name"
                if doc.get(key) not in f["Value"]:
                    return False
            return True

        items = self.read("cen", pred)
        start = (PageNumber - 1) * PageSize
        return {"Cens": {"Cen": items[start : start + PageSize]}, "TotalCount": len(items)}

    def do_ModifyCenAttribute(self, CenId, **changes):
        self.kinds["cen"][CenId].update(changes)
        return {}

    def do_DeleteCen(self, CenId):
        if CenId not in self.kinds["cen"]:
            raise err("ParameterCenInstanceId", "not found")
        if any(t["CenId"] == CenId for t in self.kinds["tr"].values()):
            raise err("InvalidOperation.CenInstanceHasTransitRouter")
        self.remove("cen", CenId, "Deleting")
        return {}

    # -- tags --------------------------------------------------------------------------------------
    def _tagged(self, resource_id):
        for kind in ("cen", "tr", "vpc_att", "peer_att"):
            if resource_id in self.kinds[kind]:
                return self.kinds[kind][resource_id]
        raise err("InvalidResourceId.NotFound", status=404)

    @staticmethod
    def _tag_list(doc):
        tags = doc.get("Tags") or []
        return tags["Tag"] if isinstance(tags, dict) else tags

    def do_TagResources(self, RegionId, ResourceType, ResourceId, Tag):
        for rid in ResourceId:
            doc = self._tagged(rid)
            tags = {t["Key"]: t["Value"] for t in self._tag_list(doc)}
            tags.update({t["Key"]: t["Value"] for t in Tag})
            new = [{"Key": k, "Value": v} for k, v in tags.items()]
            doc["Tags"] = {"Tag": new} if isinstance(doc.get("Tags"), dict) else new
            doc.setdefault("_tag_types", []).append(ResourceType)
        return {}

    def do_UntagResources(self, RegionId, ResourceType, ResourceId, TagKey=(), All=None):
        for rid in ResourceId:
            doc = self._tagged(rid)
            new = [t for t in self._tag_list(doc) if t["Key"] not in TagKey]
            doc["Tags"] = {"Tag": new} if isinstance(doc.get("Tags"), dict) else new
        return {}

    # -- transit routers -------------------------------------------------------------------------
    def do_CreateTransitRouter(
        self, CenId, RegionId, TransitRouterName=None, TransitRouterDescription=None, Tag=None, ClientToken=None
    ):
        if any(t["CenId"] == CenId and t["RegionId"] == RegionId for t in self.kinds["tr"].values()):
            raise err("InvalidOperation.TransitRouterExist")
        tr_id = self.new_id("tr")
        self.add(
            "tr",
            tr_id,
            {
                "TransitRouterId": tr_id,
                "CenId": CenId,
                "RegionId": RegionId,
                "Type": "Enterprise",
                "TransitRouterName": TransitRouterName or "",
                "TransitRouterDescription": TransitRouterDescription or "",
                "Tags": list(Tag or []),
            },
            "Creating",
            "Active",
        )
        rt_id = self.new_id("vtb")
        self.kinds["rt"][rt_id] = {
            "TransitRouterRouteTableId": rt_id,
            "TransitRouterId": tr_id,
            "TransitRouterRouteTableType": "System",
            "Status": "Active",
        }
        return {"TransitRouterId": tr_id}

    def do_ListTransitRouters(
        self, CenId=None, RegionId=None, TransitRouterId=None, TransitRouterName=None, PageNumber=1, PageSize=10
    ):
        items = self.read(
            "tr", lambda d: self.match(d, CenId=CenId, RegionId=RegionId, TransitRouterId=TransitRouterId)
        )
        start = (PageNumber - 1) * PageSize
        return {"TransitRouters": items[start : start + PageSize], "TotalCount": len(items)}

    def do_UpdateTransitRouter(self, TransitRouterId, RegionId=None, **changes):
        self.kinds["tr"][TransitRouterId].update(changes)
        return {}

    def do_DeleteTransitRouter(self, TransitRouterId, ClientToken=None):
        if TransitRouterId not in self.kinds["tr"]:
            raise err("ParameterInstanceId")
        self.remove("tr", TransitRouterId, "Deleting")
        for key in [k for k, v in self.kinds["rt"].items() if v["TransitRouterId"] == TransitRouterId]:
            del self.kinds["rt"][key]
        return {}

    def do_ListTransitRouterRouteTables(
        self,
        TransitRouterId=None,
        TransitRouterRouteTableType=None,
        TransitRouterRouteTableIds=None,
        MaxResults=20,
        NextToken=None,
    ):
        items = self.read(
            "rt",
            lambda d: self.match(
                d, TransitRouterId=TransitRouterId, TransitRouterRouteTableType=TransitRouterRouteTableType
            )
            and (not TransitRouterRouteTableIds or d["TransitRouterRouteTableId"] in TransitRouterRouteTableIds),
        )
        return {"TransitRouterRouteTables": items, "NextToken": ""}

    # -- attachments -----------------------------------------------------------------------------
    def _bound(self, attachment_id):
        return any(k[0] == attachment_id for kind in ("assoc", "prop") for k in self.kinds[kind])

    def do_CreateTransitRouterVpcAttachment(
        self,
        VpcId,
        ZoneMappings,
        CenId=None,
        RegionId=None,
        TransitRouterId=None,
        AutoPublishRouteEnabled=False,
        TransitRouterAttachmentName=None,
        TransitRouterAttachmentDescription=None,
        Tag=None,
        ClientToken=None,
    ):
        att_id = self.new_id("tr-attach")
        self.add(
            "vpc_att",
            att_id,
            {
                "TransitRouterAttachmentId": att_id,
                "CenId": CenId,
                "TransitRouterId": TransitRouterId,
                "VpcId": VpcId,
                "VpcRegionId": RegionId,
                "ResourceType": "VPC",
                "AutoPublishRouteEnabled": AutoPublishRouteEnabled,
                "ZoneMappings": [dict(z, NetworkInterfaceId="eni-%s" % z["ZoneId"]) for z in ZoneMappings],
                "TransitRouterAttachmentName": TransitRouterAttachmentName or "",
                "TransitRouterAttachmentDescription": TransitRouterAttachmentDescription or "",
                "Tags": list(Tag or []),
            },
            "Attaching",
            "Attached",
        )
        return {"TransitRouterAttachmentId": att_id}

    def do_ListTransitRouterVpcAttachments(
        self,
        CenId=None,
        RegionId=None,
        TransitRouterId=None,
        VpcId=None,
        TransitRouterAttachmentId=None,
        MaxResults=20,
        NextToken=None,
    ):
        items = self.read(
            "vpc_att",
            lambda d: self.match(
                d,
                CenId=CenId,
                VpcRegionId=RegionId,
                TransitRouterId=TransitRouterId,
                VpcId=VpcId,
                TransitRouterAttachmentId=TransitRouterAttachmentId,
            ),
        )
        return {"TransitRouterAttachments": items, "NextToken": ""}

    def do_UpdateTransitRouterVpcAttachmentAttribute(self, TransitRouterAttachmentId, **changes):
        self.kinds["vpc_att"][TransitRouterAttachmentId].update(changes)
        return {}

    def _delete_attachment(self, kind, attachment_id, Force):
        if attachment_id not in self.kinds[kind]:
            raise err("InvalidTransitRouterAttachmentId.NotFound", status=404)
        if self._bound(attachment_id):
            if not Force:
                raise err("OperationFailed.RouteTableAssociationExist")
            for k in ("assoc", "prop"):
                for key in [key for key in self.kinds[k] if key[0] == attachment_id]:
                    del self.kinds[k][key]
        self.remove(kind, attachment_id, "Detaching")
        return {}

    def do_DeleteTransitRouterVpcAttachment(self, TransitRouterAttachmentId, Force=False, ClientToken=None):
        return self._delete_attachment("vpc_att", TransitRouterAttachmentId, Force)

    def do_CreateTransitRouterPeerAttachment(
        self,
        PeerTransitRouterId,
        TransitRouterId,
        CenId=None,
        RegionId=None,
        PeerTransitRouterRegionId=None,
        BandwidthType=None,
        Bandwidth=None,
        CenBandwidthPackageId=None,
        DefaultLinkType=None,
        AutoPublishRouteEnabled=False,
        TransitRouterAttachmentName=None,
        TransitRouterAttachmentDescription=None,
        Tag=None,
        ClientToken=None,
    ):
        att_id = self.new_id("tr-attach")
        self.add(
            "peer_att",
            att_id,
            {
                "TransitRouterAttachmentId": att_id,
                "CenId": CenId,
                "TransitRouterId": TransitRouterId,
                "RegionId": RegionId,
                "PeerTransitRouterId": PeerTransitRouterId,
                "PeerTransitRouterRegionId": PeerTransitRouterRegionId,
                "BandwidthType": BandwidthType or "DataTransfer",
                "Bandwidth": Bandwidth or 0,
                "CenBandwidthPackageId": CenBandwidthPackageId or "",
                "DefaultLinkType": DefaultLinkType or "Gold",
                "AutoPublishRouteEnabled": AutoPublishRouteEnabled,
                "ResourceType": "TR",
                "TransitRouterAttachmentName": TransitRouterAttachmentName or "",
                "TransitRouterAttachmentDescription": TransitRouterAttachmentDescription or "",
                "Tags": list(Tag or []),
            },
            "Attaching",
            "Attached",
        )
        return {"TransitRouterAttachmentId": att_id}

    def do_ListTransitRouterPeerAttachments(
        self,
        CenId=None,
        RegionId=None,
        TransitRouterId=None,
        TransitRouterAttachmentId=None,
        MaxResults=20,
        NextToken=None,
    ):
        items = self.read(
            "peer_att",
            lambda d: self.match(
                d,
                CenId=CenId,
                RegionId=RegionId,
                TransitRouterId=TransitRouterId,
                TransitRouterAttachmentId=TransitRouterAttachmentId,
            ),
        )
        return {"TransitRouterAttachments": items, "NextToken": ""}

    def do_UpdateTransitRouterPeerAttachmentAttribute(self, TransitRouterAttachmentId, **changes):
        doc = self.kinds["peer_att"][TransitRouterAttachmentId]
        doc.update(changes)
        doc.update(Status="Modifying", _next="Attached")
        return {}

    def do_DeleteTransitRouterPeerAttachment(self, TransitRouterAttachmentId, Force=False, ClientToken=None):
        return self._delete_attachment("peer_att", TransitRouterAttachmentId, Force)

    # -- associations / propagations ---------------------------------------------------------------
    def _bind(self, kind, att, rt, adding):
        if (att, rt) in self.kinds[kind]:
            raise err("Duplicated.Binding")
        self.add(
            kind,
            (att, rt),
            {"TransitRouterAttachmentId": att, "TransitRouterRouteTableId": rt, "ResourceType": "VPC"},
            adding,
            "Active",
        )
        return {}

    def _list_bound(self, kind, key, TransitRouterAttachmentId=None, TransitRouterRouteTableId=None, **_):
        items = self.read(
            kind,
            lambda d: self.match(
                d,
                TransitRouterAttachmentId=TransitRouterAttachmentId,
                TransitRouterRouteTableId=TransitRouterRouteTableId,
            ),
        )
        return {key: items, "NextToken": ""}

    def _unbind(self, kind, att, rt, leaving):
        if (att, rt) not in self.kinds[kind]:
            raise err("InvalidAttachmentId.NotFound", status=404)
        self.remove(kind, (att, rt), leaving)
        return {}

    def do_AssociateTransitRouterAttachmentWithRouteTable(
        self, TransitRouterAttachmentId, TransitRouterRouteTableId, ClientToken=None
    ):
        return self._bind("assoc", TransitRouterAttachmentId, TransitRouterRouteTableId, "Associating")

    def do_DissociateTransitRouterAttachmentFromRouteTable(self, TransitRouterAttachmentId, TransitRouterRouteTableId):
        return self._unbind("assoc", TransitRouterAttachmentId, TransitRouterRouteTableId, "Dissociating")

    def do_ListTransitRouterRouteTableAssociations(self, **params):
        return self._list_bound("assoc", "TransitRouterAssociations", **params)

    def do_EnableTransitRouterRouteTablePropagation(
        self, TransitRouterAttachmentId, TransitRouterRouteTableId, ClientToken=None
    ):
        return self._bind("prop", TransitRouterAttachmentId, TransitRouterRouteTableId, "Enabling")

    def do_DisableTransitRouterRouteTablePropagation(self, TransitRouterAttachmentId, TransitRouterRouteTableId):
        return self._unbind("prop", TransitRouterAttachmentId, TransitRouterRouteTableId, "Disabling")

    def do_ListTransitRouterRouteTablePropagations(self, **params):
        return self._list_bound("prop", "TransitRouterPropagations", **params)


@pytest.fixture(name="cbn")
def cbn_fixture(monkeypatch):
    """A FakeCbn every AlicloudModule gets as its client; waiters never sleep."""
    fake = FakeCbn()
    monkeypatch.setattr(AlicloudModule, "client", lambda self, product, region=None: fake)
    original = AlicloudModule.waiter

    def waiter(self, *args, **kwargs):
        kwargs.setdefault("sleep", lambda seconds: None)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AlicloudModule, "waiter", waiter)
    return fake


@pytest.fixture(name="run")
def run_fixture(capsys):
    """run(module, args, check_mode=False) -> the module's JSON result (failed results included)."""

    def runner(module, args, check_mode=False, diff=True):
        args = dict(args)
        args.setdefault("access_key", "AKID")
        args.setdefault("secret_key", "SECRET")
        args.setdefault("region", "cn-hangzhou")
        args["_ansible_check_mode"] = check_mode
        args["_ansible_diff"] = diff
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)

    return runner
