"""Structural schemas of CRDs (kube/schema.py) and the CRDs written for the project (kube/crds/).
Examples follow https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/
(structural schema, field pruning, validation) and the Bookinfo / runbook objects."""

from __future__ import annotations

import copy

import pytest

from geomesh_emulator.kube.crds import asm_crds, istio_crds
from geomesh_emulator.kube.schema import check_crd, check_structural, prune, unknown_fields, validate

# the CronTab example of the CRD docs
CRONTAB = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["cronSpec"],
            "properties": {
                "cronSpec": {"type": "string", "pattern": r"^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$"},
                "image": {"type": "string"},
                "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
                "mode": {"type": "string", "enum": ["Fast", "Slow"]},
                "port": {"x-kubernetes-int-or-string": True},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "count": {"type": "integer", "format": "int32"},
                "note": {"type": "string", "nullable": True},
            },
        }
    },
}


def schema_of(crd: dict, version: str) -> dict:
    return next(v for v in crd["spec"]["versions"] if v["name"] == version)["schema"]["openAPIV3Schema"]


def by_kind(crds: list[dict]) -> dict[str, dict]:
    return {c["spec"]["names"]["kind"]: c for c in crds}


# ------------------------------------------------------------------------------------------------- structural


def test_structural_accepts_docs_example():
    assert check_structural(CRONTAB) == []


@pytest.mark.parametrize(
    "schema,needle",
    [
        (
            {"type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}},
            "properties[spec].type: Required value",
        ),
        ({"type": "string"}, "must be object at the root"),
        ({"type": "object", "properties": {"a": {"type": "array"}}}, "properties[a].items: Required value"),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "object", "anyOf": [{"properties": {"b": {"type": "string"}}}]}},
            },
            "must not be specified in junctors if not specified outside",
        ),
        (
            {
                "type": "object",
                "properties": {"metadata": {"type": "object", "properties": {"labels": {"type": "object"}}}},
            },
            "name and generateName",
        ),
        ({"type": "object", "properties": {"a": {"$ref": "#/x"}}}, "$ref: Forbidden"),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "object", "properties": {}, "additionalProperties": {"type": "string"}}},
            },
            "mutual exclusive",
        ),
    ],
)
def test_structural_refusals(schema, needle):
    errs = check_structural(schema)
    assert any(needle in e for e in errs), errs


def test_check_crd_name_and_storage():
    crd = copy.deepcopy(istio_crds()[0])
    assert check_crd(crd) == []
    crd["metadata"]["name"] = "gw.networking.istio.io"
    crd["spec"]["versions"][1]["storage"] = True
    fields = {c["field"] for c in check_crd(crd)}
    assert fields == {"metadata.name", "spec.versions"}


# --------------------------------------------------------------------------------------------------- pruning


def test_prune_misspelt_field_silently_disappears():
    obj = {
        "apiVersion": "stable.example.com/v1",
        "kind": "CronTab",
        "metadata": {"name": "my-new-cron-object"},
        "spec": {
            "cronSpec": "* * * * */5",
            "image": "my-awesome-cron-image",
            "imgae": "typo",
            "extra": {"any": {"thing": 1}},
        },
        "someRandomField": 42,
    }
    out = prune(obj, CRONTAB)
    assert out == {
        "apiVersion": "stable.example.com/v1",
        "kind": "CronTab",
        "metadata": {"name": "my-new-cron-object"},
        "spec": {"cronSpec": "* * * * */5", "image": "my-awesome-cron-image", "extra": {"any": {"thing": 1}}},
    }
    assert unknown_fields(obj, CRONTAB) == ["spec.imgae", "someRandomField"]
    assert "imgae" in obj["spec"]  # input untouched


def test_prune_drops_nulls_unless_nullable():
    out = prune({"spec": {"cronSpec": "x", "image": None, "note": None}}, CRONTAB)
    assert out == {"spec": {"cronSpec": "x", "note": None}}


# ------------------------------------------------------------------------------------------------- validation


def test_validate_causes_like_the_real_422():
    obj = {
        "spec": {"replicas": 20, "mode": "Medium", "cronSpec": "bad", "port": 1.5, "count": 2**31, "labels": {"a": 1}}
    }
    causes = {c["field"]: c for c in validate(obj, CRONTAB)}
    assert causes["spec.replicas"] == {
        "reason": "FieldValueInvalid",
        "message": "Invalid value: 20: spec.replicas in body should be less than or equal to 10",
        "field": "spec.replicas",
    }
    assert causes["spec.mode"]["reason"] == "FieldValueNotSupported"
    assert causes["spec.mode"]["message"] == 'Unsupported value: "Medium": supported values: "Fast", "Slow"'
    assert "should match" in causes["spec.cronSpec"]["message"]
    assert "must be of type integer,string" in causes["spec.port"]["message"]
    assert "int32" in causes["spec.count"]["message"]
    assert (
        causes["spec.labels.a"]["message"]
        == 'Invalid value: "integer": spec.labels.a in body must be of type string: "integer"'
    )
    missing = validate({"spec": {}}, CRONTAB)
    assert missing == [{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.cronSpec"}]
    assert validate({"spec": {"cronSpec": "*/1 * * * *", "replicas": 3, "port": "http", "mode": "Fast"}}, CRONTAB) == []


# ------------------------------------------------------------------------------------------- the project's CRDs


def test_crds_load_and_are_structural():
    crds = istio_crds() + asm_crds()
    assert [c["metadata"]["name"] for c in crds] == [
        "gateways.networking.istio.io",
        "virtualservices.networking.istio.io",
        "destinationrules.networking.istio.io",
        "istiogateways.istio.alibabacloud.com",
    ]
    for crd in crds:
        assert crd["apiVersion"] == "apiextensions.k8s.io/v1"
        assert check_crd(crd) == [], crd["metadata"]["name"]
        assert sum(1 for v in crd["spec"]["versions"] if v["storage"]) == 1
        assert all(v["served"] and v["subresources"] == {"status": {}} for v in crd["spec"]["versions"])
    for crd in istio_crds():
        assert [v["name"] for v in crd["spec"]["versions"]] == ["v1alpha3", "v1beta1", "v1"]
    (ig,) = asm_crds()
    assert ig["spec"]["scope"] == "Namespaced" and [v["name"] for v in ig["spec"]["versions"]] == ["v1beta1"]
    # fresh copies: changing one result does not leak into the next
    istio_crds()[0]["spec"]["group"] = "x"
    assert istio_crds()[0]["spec"]["group"] == "networking.istio.io"


def test_bookinfo_objects_validate_and_keep_every_field():
    k = by_kind(istio_crds())
    gw = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "bookinfo-gateway"},
        "spec": {
            "selector": {"istio": "ingressgateway"},
            "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}],
        },
    }
    vs = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "bookinfo"},
        "spec": {
            "hosts": ["*"],
            "gateways": ["bookinfo-gateway"],
            "http": [
                {
                    "match": [
                        {"uri": {"exact": "/productpage"}},
                        {"uri": {"prefix": "/static"}},
                        {"headers": {"end-user": {"exact": "jason"}}},
                    ],
                    "route": [{"destination": {"host": "productpage", "port": {"number": 9080}}, "weight": 100}],
                    "timeout": "10s",
                    "retries": {"attempts": 3, "perTryTimeout": "2s"},
                    "fault": {"abort": {"httpStatus": 500, "percentage": {"value": 100.0}}},
                }
            ],
        },
    }
    dr = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": "reviews"},
        "spec": {
            "host": "reviews",
            "subsets": [{"name": "v1", "labels": {"version": "v1"}}, {"name": "v2", "labels": {"version": "v2"}}],
            "trafficPolicy": {
                "connectionPool": {
                    "http": {"maxRequestsPerConnection": 1},
                    "tcp": {"maxConnections": 100, "connectTimeout": "1s"},
                },
                "outlierDetection": {
                    "consecutive5xxErrors": 1,
                    "interval": "1s",
                    "baseEjectionTime": "1m",
                    "maxEjectionPercent": 100,
                },
                "loadBalancer": {
                    "simple": "ROUND_ROBIN",
                    "localityLbSetting": {
                        "enabled": True,
                        "failover": [{"from": "cn-hangzhou", "to": "cn-shanghai"}],
                        "distribute": [{"from": "cn-hangzhou/*", "to": {"cn-hangzhou/*": 80, "cn-shanghai/*": 20}}],
                        "failoverPriority": ["topology.kubernetes.io/region"],
                    },
                },
            },
        },
    }
    for obj in (gw, vs, dr):
        for version in ("v1alpha3", "v1beta1", "v1"):
            schema = schema_of(k[obj["kind"]], version)
            assert prune(obj, schema) == obj, obj["kind"]
            assert validate(obj, schema) == [], obj["kind"]
            assert unknown_fields(obj, schema) == []


def test_istio_misspelt_and_invalid_fields():
    k = by_kind(istio_crds())
    dr_schema = schema_of(k["DestinationRule"], "v1")
    dr = {
        "spec": {
            "host": "reviews",
            "trafficPolicy": {
                "outlierDetection": {"consecutive5xxError": 1},
                "loadBalancer": {"simple": "ROUND_ROBBIN"},
            },
        }
    }
    assert unknown_fields(dr, dr_schema) == ["spec.trafficPolicy.outlierDetection.consecutive5xxError"]
    pruned = prune(dr, dr_schema)
    assert pruned["spec"]["trafficPolicy"]["outlierDetection"] == {}
    causes = validate(pruned, dr_schema)
    assert [c["reason"] for c in causes] == ["FieldValueNotSupported"]
    assert causes[0]["field"] == "spec.trafficPolicy.loadBalancer.simple"
    vs_schema = schema_of(k["VirtualService"], "v1")
    vs = {
        "spec": {
            "hosts": "productpage",
            "http": [
                {"match": [{"uri": {"exact": "/a", "prefix": "/b"}}], "route": [{"destination": {"subset": "v1"}}]}
            ],
        }
    }
    fields = {c["field"]: c["reason"] for c in validate(vs, vs_schema)}
    assert fields == {
        "spec.hosts": "FieldValueInvalid",
        "spec.http[0].match[0].uri": "FieldValueInvalid",
        "spec.http[0].route[0].destination.host": "FieldValueRequired",
    }
    assert validate({"spec": {}}, dr_schema) == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.host"}
    ]


def test_istiogateway_runbook_object_and_status():
    (crd,) = asm_crds()
    schema = schema_of(crd, "v1beta1")
    ig = {
        "apiVersion": "istio.alibabacloud.com/v1beta1",
        "kind": "IstioGateway",
        "metadata": {"name": "ingressgateway", "namespace": "istio-system", "labels": {"asm-gateway-type": "ingress"}},
        "spec": {
            "gatewayType": "ingress",
            "clusterIds": ["c1", "c2"],
            "replicaCount": 1,
            "serviceType": "LoadBalancer",
            "ports": [
                {"name": "http-0", "port": 80, "targetPort": 80, "protocol": "TCP"},
                {"name": "https-1", "port": 443, "targetPort": "https", "protocol": "TCP"},
            ],
            "resources": {"limits": {"cpu": "2", "memory": "2G"}, "requests": {"cpu": "200m", "memory": "256Mi"}},
            "runAsRoot": True,
            "dnsPolicy": "ClusterFirst",
            "hostNetwork": False,
            "kernel": {"enabled": True, "parameters": {"net.core.somaxconn": "65535"}},
            "overrides": {"c2": {"replicaCount": 2, "serviceAnnotations": {"a": "b"}}},
        },
        "status": {
            "GatewayAddress": ["127.100.1.1"],
            "ClusterIdGatewayAddressMap": [{"ipAddress": "127.100.1.1", "clusterId": "c1"}],
        },
    }
    assert prune(ig, schema) == ig
    assert validate(ig, schema) == []
    bad = copy.deepcopy(ig)
    bad["spec"]["serviceType"] = "External"
    bad["spec"]["hpaSpec"] = {"maxReplicas": 5}  # no hpaSpec field in IstioGateway (asm-details §2)
    assert unknown_fields(bad, schema) == ["spec.hpaSpec"]
    assert [c["field"] for c in validate(prune(bad, schema), schema)] == ["spec.serviceType"]
