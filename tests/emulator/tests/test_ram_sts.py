"""Contract tests: RAM GetRole and STS GetCallerIdentity through the real SDKs
(``alibabacloud_ram20150501``, ``alibabacloud_sts20150401``), and the ``missing_role`` scenario
fault (``POST /_emulator/faults/ram``)."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ram20150501 import models as rm
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from conftest import control, control_refused

from geomesh_emulator.signing import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_STS_ACCESS_KEY_ID,
    DEFAULT_STS_ACCESS_KEY_SECRET,
    DEFAULT_STS_TOKEN,
)

ACK_ROLES = (
    "AliyunCSDefaultRole",
    "AliyunCSManagedKubernetesRole",
    "AliyunCSManagedNetworkRole",
    "AliyunCSManagedCsiRole",
    "AliyunCSManagedLogRole",
)
SERVICE_LINKED = {
    "AliyunServiceRoleForServiceMesh": "servicemesh.aliyuncs.com",
    "AliyunServiceRoleForCEN": "cen.aliyuncs.com",
}


@pytest.fixture
def ram(client_factory) -> RamClient:
    return client_factory(RamClient)


def _error(fn) -> ClientException:
    with pytest.raises(ClientException) as info:
        fn()
    return info.value


def _get(ram: RamClient, name: str):
    return ram.get_role(rm.GetRoleRequest(role_name=name)).body


def refused(emu, body) -> str:
    return control_refused(emu, "/_emulator/faults/ram", body)


def test_get_role_healthy_account(fresh, ram):
    roles = {name: "cs.aliyuncs.com" for name in ACK_ROLES} | SERVICE_LINKED
    ids = set()
    for name, service in roles.items():
        body = _get(ram, name)
        role = body.role.to_map()
        assert body.request_id
        assert {
            "RoleName",
            "RoleId",
            "Arn",
            "AssumeRolePolicyDocument",
            "IsServiceLinkedRole",
            "Description",
            "CreateDate",
            "UpdateDate",
            "MaxSessionDuration",
        } <= set(role)
        assert role["RoleName"] == name
        assert role["Arn"] == f"acs:ram::{DEFAULT_ACCOUNT_ID}:role/{name.lower()}"
        assert role["IsServiceLinkedRole"] is (name in SERVICE_LINKED)
        policy = json.loads(role["AssumeRolePolicyDocument"])
        assert policy["Statement"][0]["Principal"]["Service"] == [service]
        assert policy["Statement"][0]["Action"] == "sts:AssumeRole"
        assert role["RoleId"].isdigit() and role["MaxSessionDuration"] == 3600
        assert _get(ram, name).role.role_id == role["RoleId"]  # stable
        ids.add(role["RoleId"])
    assert len(ids) == len(roles)
    log = control(fresh, "/_emulator/log")
    assert len(log) == 2 * len(roles)
    assert all((e["product"], e["action"], e["write"], e["status"]) == ("ram", "GetRole", False, 200) for e in log)
    # a global API: the SDK sends no RegionId and none is needed
    assert all(set(e["params"]) == {"RoleName"} for e in log)
    # the account's roles are no stored resources
    assert control(fresh, "/_emulator/state") == {}


def test_get_role_errors(fresh, ram):
    err = _error(lambda: ram.get_role(rm.GetRoleRequest()))
    assert (err.code, err.status_code) == ("MissingParameter", 400)
    assert "RoleName" in err.message
    err = _error(lambda: _get(ram, "AliyunNoSuchRole"))
    assert (err.code, err.status_code) == ("EntityNotExist.Role", 404)
    assert "AliyunNoSuchRole" in err.message
    # names are matched exactly
    assert _error(lambda: _get(ram, "aliyuncsdefaultrole")).code == "EntityNotExist.Role"
    log = control(fresh, "/_emulator/log")
    assert [(e["code"], e["write"]) for e in log] == [
        ("MissingParameter", False),
        ("EntityNotExist.Role", False),
        ("EntityNotExist.Role", False),
    ]


def test_missing_role_scenario_and_reset(fresh, ram):
    name = "AliyunServiceRoleForServiceMesh"
    armed = {"missing_role": [{"name": name}]}
    assert control(fresh, "/_emulator/faults/ram", {"missing_role": {"name": name}}) == armed
    assert control(fresh, "/_emulator/faults/ram") == armed
    err = _error(lambda: _get(ram, name))
    assert (err.code, err.status_code) == ("EntityNotExist.Role", 404)
    assert _error(lambda: _get(ram, name)).code == "EntityNotExist.Role"  # stays missing
    assert _get(ram, "AliyunCSDefaultRole").role.role_name == "AliyunCSDefaultRole"  # others untouched
    assert control(fresh, "/_emulator/state") == {}
    fresh.reset()
    assert control(fresh, "/_emulator/faults/ram") == {}
    assert _get(ram, name).role.is_service_linked_role is True
    # clearing the product's faults brings it back too
    control(fresh, "/_emulator/faults/ram", {"missing_role": [{"name": name}, {"name": "AliyunCSManagedLogRole"}]})
    assert _error(lambda: _get(ram, "AliyunCSManagedLogRole")).code == "EntityNotExist.Role"
    assert control(fresh, "/_emulator/faults/ram", {}) == {}
    assert _get(ram, name).role.role_name == name


def test_missing_role_spec_validation(fresh):
    assert "name" in refused(fresh, {"missing_role": {}})
    assert "name" in refused(fresh, {"missing_role": {"name": ""}})
    assert "AliyunNoSuchRole" in refused(fresh, {"missing_role": {"name": "AliyunNoSuchRole"}})
    assert "role" in refused(fresh, {"missing_role": {"name": "AliyunCSDefaultRole", "role": "x"}})
    assert "count" in refused(fresh, {"missing_role": {"name": "AliyunCSDefaultRole", "count": 1}})
    assert "missing_roles" in refused(fresh, {"missing_roles": {"name": "AliyunCSDefaultRole"}})
    assert control(fresh, "/_emulator/faults/ram") == {}  # a refused request changes nothing


def test_get_caller_identity_account_key(fresh, client_factory):
    body = client_factory(StsClient).get_caller_identity().body
    assert body.to_map() == {
        "AccountId": DEFAULT_ACCOUNT_ID,
        "Arn": f"acs:ram::{DEFAULT_ACCOUNT_ID}:root",
        "IdentityType": "Account",
        "PrincipalId": DEFAULT_ACCOUNT_ID,
        "UserId": DEFAULT_ACCOUNT_ID,
        "RequestId": body.request_id,
    }
    (line,) = control(fresh, "/_emulator/log")
    assert (line["product"], line["action"], line["write"], line["params"]) == (
        "sts",
        "GetCallerIdentity",
        False,
        {},
    )


def test_get_caller_identity_sts_key(fresh, client_factory):
    sts = client_factory(
        StsClient,
        access_key_id=DEFAULT_STS_ACCESS_KEY_ID,
        access_key_secret=DEFAULT_STS_ACCESS_KEY_SECRET,
        security_token=DEFAULT_STS_TOKEN,
    )
    body = sts.get_caller_identity().body
    assert body.identity_type == "AssumedRoleUser"
    assert body.account_id == DEFAULT_ACCOUNT_ID
    assert body.arn.startswith(f"acs:ram::{DEFAULT_ACCOUNT_ID}:assumed-role/")
    assert body.role_id and body.role_id.isdigit()
    assert body.principal_id.startswith(body.role_id + ":")
    assert body.user_id is None  # documented: only for an account or a RAM user
    assert sts.get_caller_identity().body.role_id == body.role_id
    assert all(e["write"] is False for e in control(fresh, "/_emulator/log"))
