# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print shell ``export`` lines for the emulator named in ansible-test's integration config:
``eval "$(python emulator_env.py integration_config.yml)"``."""

from __future__ import annotations

import json
import shlex
import sys


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    for key, value in {
        "GEOMESH_ALICLOUD_ENDPOINT": config["alicloud_endpoint"],
        "GEOMESH_ALICLOUD_PROTOCOL": config["alicloud_protocol"],
        "ALIBABA_CLOUD_ACCESS_KEY_ID": config["alicloud_access_key"],
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": config["alicloud_secret_key"],
        "EMULATOR_URL": config["emulator_url"],
    }.items():
        sys.stdout.write("export %s=%s\n" % (key, shlex.quote(value)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
