# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-product API clients over the official Tea SDKs, with retries and one error type.

SDK packages are imported lazily so that a module without its SDK reports
``missing_required_lib`` instead of failing at import time.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
import types

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, from_sdk_exception
from ansible_collections.geomesh.alicloud.plugins.module_utils.retries import Backoff, is_retryable

# product -> (client module, models module, PyPI distribution)
PRODUCTS = {
    "vpc": ("alibabacloud_vpc20160428.client", "alibabacloud_vpc20160428.models", "alibabacloud-vpc20160428"),
    "cbn": ("alibabacloud_cbn20170912.client", "alibabacloud_cbn20170912.models", "alibabacloud-cbn20170912"),
    "ecs": ("alibabacloud_ecs20140526.client", "alibabacloud_ecs20140526.models", "alibabacloud-ecs20140526"),
    "cs": ("alibabacloud_cs20151215.client", "alibabacloud_cs20151215.models", "alibabacloud-cs20151215"),
    "servicemesh": (
        "alibabacloud_servicemesh20200111.client",
        "alibabacloud_servicemesh20200111.models",
        "alibabacloud-servicemesh20200111",
    ),
    "ram": ("alibabacloud_ram20150501.client", "alibabacloud_ram20150501.models", "alibabacloud-ram20150501"),
    "sts": ("alibabacloud_sts20150401.client", "alibabacloud_sts20150401.models", "alibabacloud-sts20150401"),
}
READ_PREFIXES = ("Describe", "List", "Get", "Query", "Check")
USER_AGENT = "geomesh.alicloud"


class MissingLibraryError(Exception):
    def __init__(self, distribution, exc):
        super().__init__("%s: %s" % (distribution, exc))
        self.distribution = distribution
        self.exc = exc


# the generated ``models/__init__.py`` of a product SDK: one line per model class
_MODEL_IMPORT = re.compile(r"^from \.(\w+) import (\w+)$", re.M)


def defer_models(package: str):
    """Register ``package`` (a product SDK's ``models``) as a module that imports a model on first use.

    The generated ``models/__init__.py`` imports every model of the product (1,700 files for VPC)
    although a module run needs a handful: that import was a third of every module run's start-up
    (tests/perf/README.md). The returned module has the package's spec and path, and resolves a
    class name through the same ``from .<file> import <Class>`` lines the generated file holds, so
    ``models.X``, ``from ... import models`` inside the SDK, and submodule imports behave as before.
    When the file does not look generated (no such lines), the package is imported as it is.
    """
    if package in sys.modules:
        return sys.modules[package]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None or not spec.submodule_search_locations:
        return importlib.import_module(package)
    with open(spec.origin, encoding="utf-8") as source:
        where = {name: submodule for submodule, name in _MODEL_IMPORT.findall(source.read())}
    if not where:
        return importlib.import_module(package)
    module = types.ModuleType(package)
    module.__spec__ = spec
    module.__file__ = spec.origin
    module.__path__ = list(spec.submodule_search_locations)
    module.__package__ = package

    def resolve(name):
        submodule = where.get(name)
        if submodule is None:
            raise AttributeError("module %r has no attribute %r" % (package, name))
        value = getattr(importlib.import_module("%s.%s" % (package, submodule)), name)
        setattr(module, name, value)
        return value

    module.__getattr__ = resolve
    module.__all__ = sorted(where)
    sys.modules[package] = module
    parent, _dot, child = package.rpartition(".")
    setattr(sys.modules[parent], child, module)
    return module


def import_sdk(product: str):
    """Return (client class, models module) for a product, or raise MissingLibraryError."""
    client_mod, models_mod, dist = PRODUCTS[product]
    try:
        defer_models(models_mod)
        client_module = importlib.import_module(client_mod)
        models = importlib.import_module(models_mod)
        importlib.import_module("alibabacloud_tea_openapi.models")
    except ImportError as exc:
        raise MissingLibraryError(dist, exc) from exc
    return client_module.Client, models


def build_config(settings: dict, region: str | None, credential=None, read_timeout_ms: int = 60000):
    from alibabacloud_tea_openapi import models as open_api_models  # pylint: disable=import-outside-toplevel

    kwargs = {
        "region_id": region,
        "read_timeout": read_timeout_ms,
        "connect_timeout": 10000,
        "user_agent": USER_AGENT,
    }
    if settings.get("access_key"):
        kwargs["access_key_id"] = settings["access_key"]
        kwargs["access_key_secret"] = settings["secret_key"]
        if settings.get("security_token"):
            kwargs["security_token"] = settings["security_token"]
    else:
        kwargs["credential"] = credential
    if settings.get("endpoint"):
        kwargs["endpoint"] = settings["endpoint"]
    if settings.get("protocol"):
        kwargs["protocol"] = settings["protocol"]
    return open_api_models.Config(**kwargs)


def _method_index(sdk_client) -> dict:
    index = {}
    for name in dir(type(sdk_client)):
        if name.startswith("_") or name.endswith(("_async", "with_options")):
            continue
        index[name.replace("_", "").lower()] = name
    return index


class ApiClient:
    """Call an SDK action by its API name with wire-level (PascalCase) parameters.

    ``call("DescribeVpcs", RegionId="cn-hangzhou", VpcName="x")`` builds the SDK request
    model with ``from_map``, calls the SDK method, retries transient errors, and returns the
    response body as a plain dict (``to_map``) - or a list for array bodies.
    """

    def __init__(self, product: str, sdk_client, models, backoff: Backoff | None = None):
        self.product = product
        self.sdk = sdk_client
        self.models = models
        self.backoff = backoff or Backoff()
        self._methods = _method_index(sdk_client)

    def _method(self, action: str):
        name = self._methods.get(action.lower())
        if name is None:
            raise AlicloudError("UnsupportedAction", "the %s SDK has no action %s" % (self.product, action))
        return getattr(self.sdk, name)

    def _invoke(self, action: str, path_args: tuple, params: dict):
        method = self._method(action)
        args = list(path_args)
        signature = inspect.signature(method)
        if "request" in signature.parameters:
            model_cls = getattr(self.models, action + "Request", None)
            if model_cls is None:
                raise AlicloudError("UnsupportedAction", "no request model for %s" % action)
            args.append(model_cls().from_map(params))
        try:
            response = method(*args)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            raise from_sdk_exception(exc, action) from exc
        body = getattr(response, "body", None)
        if isinstance(body, list):
            return [item.to_map() if hasattr(item, "to_map") else item for item in body]
        if body is None:
            return {}
        return body.to_map() if hasattr(body, "to_map") else body

    def call(self, action: str, *path_args, deadline: float | None = None, **params):
        """Send ``action`` and retry what the retry table calls transient (``retries.is_retryable``).

        ``deadline`` (a ``time.monotonic()`` value) makes the retries last until then instead of a
        fixed number of attempts: deletes pass the end of their ``wait_timeout`` so that "still in
        use" answers are retried while dependents go away.
        """
        params = {k: v for k, v in params.items() if v is not None}
        idempotent = action.startswith(READ_PREFIXES) or "ClientToken" in params

        def should_retry(err: AlicloudError) -> bool:
            if err.code == "NetworkError":
                return idempotent
            return is_retryable(err, self.product, action)

        return self.backoff.run(lambda: self._invoke(action, path_args, params), should_retry, deadline)


def create_client(product: str, settings: dict, region: str | None, credential=None, backoff=None) -> ApiClient:
    client_cls, models = import_sdk(product)
    return ApiClient(product, client_cls(build_config(settings, region, credential)), models, backoff)
