# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip.py that ansible-test downloads to bootstrap sanity venvs.

Installed by `make` as ~/.ansible/test/cache/get_pip_<version>.py. It bootstraps pip from
the interpreter's bundled ensurepip wheel, then installs what ansible-test asked for from
the package index configured on the machine.
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys


def main() -> int:
    ensurepip.bootstrap(upgrade=True)
    # ensurepip points PIP_CONFIG_FILE at /dev/null, which would hide the machine's index settings.
    os.environ.pop("PIP_CONFIG_FILE", None)
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    return subprocess.call([sys.executable, "-m", "pip", "install"] + args)


if __name__ == "__main__":
    sys.exit(main())
