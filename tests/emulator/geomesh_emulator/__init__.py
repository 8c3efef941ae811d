"""Local Alibaba Cloud OpenAPI emulator for geomesh.alicloud tests.

Speaks the real OpenAPI wire protocol (ACS3-HMAC-SHA256 signed RPC and ROA requests) on
127.0.0.1 so that the real ``alibabacloud_*`` SDKs can be pointed at it with
``Config(endpoint="127.0.0.1:PORT", protocol="http")``.
"""

__version__ = "0.1.0"
