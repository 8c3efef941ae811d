# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The census after a teardown: ``census.py EMULATOR_URL PREFIX``. Fails when any cloud resource
of the emulator is left (this target's emulator holds nothing else), and prints the count by kind
before failing."""

from __future__ import annotations

import json
import sys
import urllib.request


def main():
    url, prefix = sys.argv[1], sys.argv[2]
    with urllib.request.urlopen(url + "/_emulator/state", timeout=30) as resp:  # noqa: S310  (loopback)
        state = json.load(resp)
    left = {kind: docs for kind, docs in state.items() if docs and not kind.startswith("k8s/")}
    if left:
        for kind, docs in sorted(left.items()):
            sys.stderr.write("left: %s x%d: %s\n" % (kind, len(docs), json.dumps(docs)[:300]))
        sys.exit("FAIL: the teardown of %s left %d resources" % (prefix, sum(len(d) for d in left.values())))
    print("census: nothing left of %s (%d kinds of Kubernetes objects went with their servers)" % (
        prefix, len([k for k in state if k.startswith("k8s/")])))


if __name__ == "__main__":
    main()
