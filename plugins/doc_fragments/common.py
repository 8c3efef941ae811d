# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Connection options shared by every module of geomesh.alicloud.
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - Alibaba Cloud AccessKey ID.
      - If not set, taken from E(ALIBABA_CLOUD_ACCESS_KEY_ID), then E(ALICLOUD_ACCESS_KEY), then E(ALICLOUD_ACCESS_KEY_ID).
      - If no access key is found anywhere, the C(alibabacloud-credentials) default chain is used
        (OIDC, C(~/.aliyun/config.json) profile, credentials file, ECS RAM role, credentials URI).
    type: str
    aliases: [alicloud_access_key]
  secret_key:
    description:
      - Alibaba Cloud AccessKey secret. Must be given together with O(access_key).
      - If not set, taken from E(ALIBABA_CLOUD_ACCESS_KEY_SECRET), then E(ALICLOUD_SECRET_KEY), then E(ALICLOUD_SECRET_ACCESS_KEY).
    type: str
    aliases: [alicloud_secret_key]
  security_token:
    description:
      - STS security token for temporary credentials.
      - If not set, taken from E(ALIBABA_CLOUD_SECURITY_TOKEN), then E(ALICLOUD_SECURITY_TOKEN).
    type: str
    aliases: [alicloud_security_token]
  region:
    description:
      - Region ID, for example V(cn-hangzhou).
      - If not set, taken from E(ALIBABA_CLOUD_REGION_ID), then E(ALICLOUD_REGION), then E(ALICLOUD_REGION_ID).
    type: str
    aliases: [alicloud_region, region_id]
  profile:
    description:
      - Name of a profile in the Alibaba Cloud CLI configuration C(~/.aliyun/config.json).
      - Used when no access key is set. If not set, taken from E(ALIBABA_CLOUD_PROFILE), then E(ALICLOUD_PROFILE).
    type: str
    aliases: [alicloud_profile]
  ram_role_arn:
    description:
      - ARN of a RAM role to assume with STS, using the access key, the profile or the default chain as the source
        credential.
      - If not set, taken from E(ALICLOUD_ASSUME_ROLE_ARN).
    type: str
    aliases: [alicloud_assume_role_arn]
  ram_role_session_name:
    description:
      - Session name for O(ram_role_arn).
      - If not set, taken from E(ALICLOUD_ASSUME_ROLE_SESSION_NAME), else V(geomesh-alicloud).
    type: str
  endpoint:
    description:
      - Send every API call to this C(host[:port]) instead of the product's public endpoint, for example a
        private endpoint or the collection's local emulator (V(127.0.0.1:18765)).
      - If not set, taken from E(GEOMESH_ALICLOUD_ENDPOINT).
    type: str
  protocol:
    description:
      - Protocol for API calls; the SDK default is HTTPS.
      - If not set, taken from E(GEOMESH_ALICLOUD_PROTOCOL).
    type: str
    choices: [http, https]
requirements:
  - python >= 3.9
  - alibabacloud-tea-openapi
  - alibabacloud-credentials
notes:
  - Credentials are never logged; O(access_key), O(secret_key) and O(security_token) are C(no_log).
  - Transient errors (throttling, HTTP 5xx, "operation in progress" and "incorrect status" codes) are retried
    with jittered exponential backoff.
"""
