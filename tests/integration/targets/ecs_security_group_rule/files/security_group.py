# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Create or delete a security group for the ecs_security_group_rule target (the collection has
no security group module: ACK creates the groups in real use).

``security_group.py create VPC_ID NAME`` prints the new ``sg-...`` id;
``security_group.py delete SG_ID`` deletes it (a group that is gone already is fine).
Endpoint and credentials come from the environment (GEOMESH_ALICLOUD_ENDPOINT,
GEOMESH_ALICLOUD_PROTOCOL, ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
ALIBABA_CLOUD_REGION_ID).
"""

from __future__ import annotations

import os
import sys

from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.models import Config


def client() -> Client:
    return Client(
        Config(
            endpoint=os.environ["GEOMESH_ALICLOUD_ENDPOINT"],
            protocol=os.environ.get("GEOMESH_ALICLOUD_PROTOCOL", "http"),
            access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
            access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
            region_id=os.environ["ALIBABA_CLOUD_REGION_ID"],
        )
    )


def main(argv: list[str]) -> int:
    region = os.environ["ALIBABA_CLOUD_REGION_ID"]
    if argv[:1] == ["create"] and len(argv) == 3:
        request = models.CreateSecurityGroupRequest(region_id=region, vpc_id=argv[1], security_group_name=argv[2])
        sys.stdout.write(client().create_security_group(request).body.security_group_id + "\n")
        return 0
    if argv[:1] == ["delete"] and len(argv) == 2:
        try:
            client().delete_security_group(
                models.DeleteSecurityGroupRequest(region_id=region, security_group_id=argv[1])
            )
        except Exception as err:  # pylint: disable=broad-exception-caught
            if "NotFound" not in str(getattr(err, "code", "")):
                raise
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
