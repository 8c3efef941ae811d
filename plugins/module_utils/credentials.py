# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a module's credentials, region and endpoint come from.

Order: explicit module options, then ``ALIBABA_CLOUD_*`` environment variables, then the
legacy ``ALICLOUD_*`` ones (alibaba.alicloud / Terraform), then - when no access key is set -
the ``alibabacloud-credentials`` default chain, passed to the SDK explicitly because the Tea
SDK does not use the chain on its own (alicloud-api.md 0.1).
"""

from __future__ import annotations

import os

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import ValidationError

ENV_FALLBACKS = {
    "access_key": ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY", "ALICLOUD_ACCESS_KEY_ID"),
    "secret_key": ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECRET_ACCESS_KEY"),
    "security_token": ("ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"),
    "region": ("ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION", "ALICLOUD_REGION_ID"),
    "profile": ("ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE"),
    "ram_role_arn": ("ALICLOUD_ASSUME_ROLE_ARN",),
    "ram_role_session_name": ("ALICLOUD_ASSUME_ROLE_SESSION_NAME",),
    "endpoint": ("GEOMESH_ALICLOUD_ENDPOINT",),
    "protocol": ("GEOMESH_ALICLOUD_PROTOCOL",),
}

DEFAULT_SESSION_NAME = "geomesh-alicloud"


def resolve_settings(params: dict, env=None) -> dict:
    """Return the effective connection settings, each from option or env (in that order)."""
    env = os.environ if env is None else env
    settings = {}
    for name, env_names in ENV_FALLBACKS.items():
        value = params.get(name)
        source = "option" if value not in (None, "") else None
        if source is None:
            for env_name in env_names:
                if env.get(env_name):
                    value, source = env[env_name], env_name
                    break
        settings[name] = value if value not in ("",) else None
        settings[name + "_source"] = source
    settings["ram_role_session_name"] = settings["ram_role_session_name"] or DEFAULT_SESSION_NAME
    endpoint = settings["endpoint"]
    if endpoint and "://" in endpoint:
        scheme, rest = endpoint.split("://", 1)
        settings["endpoint"] = rest.rstrip("/")
        settings["protocol"] = settings["protocol"] or scheme
    if settings["protocol"]:
        settings["protocol"] = settings["protocol"].lower()
        if settings["protocol"] not in ("http", "https"):
            raise ValidationError("protocol", "must be http or https, got %r" % settings["protocol"])
    if bool(settings["access_key"]) != bool(settings["secret_key"]):
        missing = "secret_key" if settings["access_key"] else "access_key"
        raise ValidationError(
            missing,
            "access_key and secret_key must be given together (option or ALIBABA_CLOUD_ACCESS_KEY_ID / "
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET)",
        )
    if settings["security_token"] and not settings["access_key"]:
        raise ValidationError("security_token", "an STS security_token needs access_key and secret_key")
    return settings


def credential_kind(settings: dict) -> str:
    """``sts``, ``access_key``, ``ram_role_arn``, ``profile`` or ``default_chain``."""
    if settings.get("ram_role_arn"):
        return "ram_role_arn"
    if settings.get("access_key"):
        return "sts" if settings.get("security_token") else "access_key"
    if settings.get("profile"):
        return "profile"
    return "default_chain"


def build_credential_client(settings: dict):
    """An ``alibabacloud_credentials`` Client for the chain, a profile, or a RAM role; None
    when static keys are passed to the SDK Config directly."""
    kind = credential_kind(settings)
    if kind in ("access_key", "sts"):
        return None
    from alibabacloud_credentials import provider as providers  # pylint: disable=import-outside-toplevel
    from alibabacloud_credentials.client import Client as CredentialClient  # pylint: disable=import-outside-toplevel

    if kind == "profile":
        return CredentialClient(provider=providers.CLIProfileCredentialsProvider(profile_name=settings["profile"]))
    if kind == "default_chain":
        return CredentialClient(provider=providers.DefaultCredentialsProvider())
    # ram_role_arn: the source credential is the keys if given, else a profile, else the chain
    if settings.get("access_key"):
        source = (
            providers.StaticSTSCredentialsProvider(
                access_key_id=settings["access_key"],
                access_key_secret=settings["secret_key"],
                security_token=settings["security_token"],
            )
            if settings.get("security_token")
            else providers.StaticAKCredentialsProvider(
                access_key_id=settings["access_key"], access_key_secret=settings["secret_key"]
            )
        )
    elif settings.get("profile"):
        source = providers.CLIProfileCredentialsProvider(profile_name=settings["profile"])
    else:
        source = providers.DefaultCredentialsProvider()
    return CredentialClient(
        provider=providers.RamRoleArnCredentialsProvider(
            credentials_provider=source,
            role_arn=settings["ram_role_arn"],
            role_session_name=settings["ram_role_session_name"],
        )
    )
