# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.module_utils import credentials
from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import ValidationError

EMPTY = {name: None for name in credentials.ENV_FALLBACKS}


def settings(params=None, env=None):
    return credentials.resolve_settings(dict(EMPTY, **(params or {})), env=env or {})


def test_option_wins_over_both_env_families():
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "env-new",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-new-secret",
        "ALICLOUD_ACCESS_KEY": "env-old",
        "ALICLOUD_SECRET_KEY": "env-old-secret",
    }
    got = settings({"access_key": "opt", "secret_key": "opt-secret"}, env)
    assert (got["access_key"], got["secret_key"], got["access_key_source"]) == ("opt", "opt-secret", "option")


def test_alibaba_cloud_env_wins_over_alicloud_env():
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "new",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "new-secret",
        "ALICLOUD_ACCESS_KEY": "old",
        "ALICLOUD_SECRET_KEY": "old-secret",
        "ALICLOUD_REGION": "cn-shanghai",
    }
    got = settings(env=env)
    assert got["access_key"] == "new"
    assert got["access_key_source"] == "ALIBABA_CLOUD_ACCESS_KEY_ID"
    assert got["region"] == "cn-shanghai"
    assert got["region_source"] == "ALICLOUD_REGION"


def test_legacy_env_used_when_new_absent():
    got = settings(env={"ALICLOUD_ACCESS_KEY": "old", "ALICLOUD_SECRET_KEY": "s", "ALICLOUD_SECURITY_TOKEN": "t"})
    assert (got["access_key"], got["security_token"]) == ("old", "t")
    assert credentials.credential_kind(got) == "sts"


def test_half_a_key_pair_names_the_missing_field():
    with pytest.raises(ValidationError) as exc:
        settings({"access_key": "only-id"})
    assert exc.value.field == "secret_key"
    with pytest.raises(ValidationError) as exc:
        settings(env={"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "only-secret"})
    assert exc.value.field == "access_key"


def test_token_without_keys_is_rejected():
    with pytest.raises(ValidationError) as exc:
        settings({"security_token": "tok"})
    assert exc.value.field == "security_token"


def test_endpoint_with_scheme_is_split():
    got = settings({"endpoint": "http://127.0.0.1:1234/"})
    assert got["endpoint"] == "127.0.0.1:1234"
    assert got["protocol"] == "http"


def test_endpoint_and_protocol_from_env():
    got = settings(env={"GEOMESH_ALICLOUD_ENDPOINT": "127.0.0.1:9", "GEOMESH_ALICLOUD_PROTOCOL": "HTTP"})
    assert (got["endpoint"], got["protocol"]) == ("127.0.0.1:9", "http")


def test_bad_protocol():
    with pytest.raises(ValidationError) as exc:
        settings({"protocol": "ftp"})
    assert exc.value.field == "protocol"


@pytest.mark.parametrize(
    "params,kind",
    [
        ({"access_key": "a", "secret_key": "b"}, "access_key"),
        ({"access_key": "a", "secret_key": "b", "security_token": "c"}, "sts"),
        ({"profile": "dev"}, "profile"),
        ({"ram_role_arn": "acs:ram::1:role/x"}, "ram_role_arn"),
        ({}, "default_chain"),
    ],
)
def test_credential_kind(params, kind):
    assert credentials.credential_kind(settings(params)) == kind


def test_static_keys_do_not_build_a_credential_client():
    assert credentials.build_credential_client(settings({"access_key": "a", "secret_key": "b"})) is None


def test_no_keys_falls_back_to_the_default_chain():
    from alibabacloud_credentials.provider import DefaultCredentialsProvider

    client = credentials.build_credential_client(settings())
    assert isinstance(client.cloud_credential.provider, DefaultCredentialsProvider)


def test_ram_role_uses_the_keys_as_source():
    from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

    got = settings({"access_key": "a", "secret_key": "b", "ram_role_arn": "acs:ram::1:role/x"})
    client = credentials.build_credential_client(got)
    assert isinstance(client.cloud_credential.provider, RamRoleArnCredentialsProvider)
    assert got["ram_role_session_name"] == credentials.DEFAULT_SESSION_NAME


def test_empty_chain_fails_with_a_clear_credential_error(monkeypatch, tmp_path):
    """With nothing configured the chain raises, and the client turns it into CredentialError."""
    from ansible_collections.geomesh.alicloud.plugins.module_utils.clients import create_client
    from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError

    for name in list(__import__("os").environ):
        if name.startswith(("ALIBABA_CLOUD_", "ALICLOUD_")) and name != "ALIBABA_CLOUD_ECS_METADATA_DISABLED":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    got = settings({"endpoint": "127.0.0.1:9", "protocol": "http"})
    client = create_client("vpc", got, "cn-hangzhou", credentials.build_credential_client(got))
    with pytest.raises(AlicloudError) as exc:
        client.call("DescribeVpcs", RegionId="cn-hangzhou", retry=False)
    assert exc.value.code == "CredentialError"
