# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AlicloudModule: AnsibleModule plus the common options, clients and error reporting."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.geomesh.alicloud.plugins.module_utils.clients import MissingLibraryError, create_client
from ansible_collections.geomesh.alicloud.plugins.module_utils.credentials import (
    build_credential_client,
    resolve_settings,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, ValidationError
from ansible_collections.geomesh.alicloud.plugins.module_utils.paths import HAS_JMESPATH
from ansible_collections.geomesh.alicloud.plugins.module_utils.waiters import Waiter


def common_argument_spec() -> dict:
    return {
        "access_key": {"type": "str", "no_log": True, "aliases": ["alicloud_access_key"]},
        "secret_key": {"type": "str", "no_log": True, "aliases": ["alicloud_secret_key"]},
        "security_token": {"type": "str", "no_log": True, "aliases": ["alicloud_security_token"]},
        "region": {"type": "str", "aliases": ["alicloud_region", "region_id"]},
        "profile": {"type": "str", "aliases": ["alicloud_profile"]},
        "ram_role_arn": {"type": "str", "aliases": ["alicloud_assume_role_arn"]},
        "ram_role_session_name": {"type": "str"},
        "endpoint": {"type": "str"},
        "protocol": {"type": "str", "choices": ["http", "https"]},
    }


def wait_argument_spec(default_timeout: int = 300) -> dict:
    return {
        "wait": {"type": "bool", "default": True},
        "wait_timeout": {"type": "int", "default": default_timeout},
    }


def tags_argument_spec() -> dict:
    return {
        "tags": {"type": "dict", "aliases": ["resource_tags"]},
        "purge_tags": {"type": "bool", "default": True},
    }


def resource_argument_spec(wait_timeout: int = 300, tags: bool = True, **options) -> dict:
    """The argument spec of a resource module: ``state``, its own ``options``, wait and tags."""
    spec = {"state": {"type": "str", "default": "present", "choices": ["present", "absent"]}}
    spec.update(options)
    spec.update(wait_argument_spec(wait_timeout))
    if tags:
        spec.update(tags_argument_spec())
    return spec


class AlicloudModule:
    """Thin wrapper over AnsibleModule that every module of the collection uses."""

    waiter_gone = Waiter.GONE

    def __init__(self, argument_spec=None, **kwargs):
        spec = common_argument_spec()
        spec.update(argument_spec or {})
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        if not HAS_JMESPATH:
            self.module.fail_json(msg=missing_required_lib("jmespath"))
        self.params = self.module.params
        self._clients = {}
        self._credential = None
        try:
            self.settings = resolve_settings(self.params)
        except ValidationError as err:
            self.module.fail_json(msg="Invalid connection settings: %s" % err, field=err.field)
        for value in (
            self.settings.get("access_key"),
            self.settings.get("secret_key"),
            self.settings.get("security_token"),
        ):
            if value:
                self.module.no_log_values.add(value)

    @property
    def check_mode(self) -> bool:
        return self.module.check_mode

    @property
    def region(self) -> str:
        region = self.settings.get("region")
        if not region:
            self.module.fail_json(
                msg="region is required: set the region option or ALIBABA_CLOUD_REGION_ID / ALICLOUD_REGION"
            )
        return region

    def client(self, product: str, region: str | None = None):
        region = region or self.region
        key = (product, region)
        if key not in self._clients:
            try:
                if self._credential is None:
                    self._credential = build_credential_client(self.settings)
                self._clients[key] = create_client(product, self.settings, region, self._credential)
            except MissingLibraryError as err:
                self.module.fail_json(msg=missing_required_lib(err.distribution), exception=traceback.format_exc())
            except ImportError as err:
                self.module.fail_json(
                    msg=missing_required_lib("alibabacloud-credentials"),
                    exception=traceback.format_exc(),
                    error=str(err),
                )
        return self._clients[key]

    def waiter(self, name, describe, status_path, success, **kwargs) -> Waiter:
        kwargs.setdefault("timeout", self.params.get("wait_timeout") or 300)
        return Waiter(name, describe, status_path, success, **kwargs)

    def fail_json_alicloud(self, err: AlicloudError, msg: str | None = None, **kwargs):
        text = "%s: %s" % (msg, err) if msg else str(err)
        self.module.fail_json(msg=text, error=err.to_dict(), **kwargs)

    def validate(self, check, *args, **kwargs):
        """Run an input check before any API call; a ValidationError fails naming the field."""
        try:
            return check(*args, **kwargs)
        except ValidationError as err:
            return self.fail_validation(err)

    def fail_validation(self, err: ValidationError, **kwargs):
        self.module.fail_json(msg="Invalid %s" % err, field=err.field, **kwargs)

    def exit_json(self, **kwargs):
        self.module.exit_json(**kwargs)

    def fail_json(self, **kwargs):
        self.module.fail_json(**kwargs)

    def warn(self, msg):
        self.module.warn(msg)
