# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The census after a teardown: ``census.py EMULATOR_URL WHAT``. The emulator must hold no cloud
resource any more (it held only this run's); prints the count of what is left by kind and fails
when anything is.

Store kinds that are no resource of the API are not counted: ACK's task records (the history of a
cluster's creation and deletion), the Kubernetes objects of an API server whose cluster or mesh is
gone (nothing reaches them), and the publication records of route entries that are gone (a
publication goes with its route entry: the CEN API no longer lists it). Also used by make demo.
"""

from __future__ import annotations

import json
import sys
import urllib.request


def not_a_resource(kind, doc, state, live_servers):
    if kind == "cs_task":
        return True
    if kind.startswith("k8s/"):
        return kind[len("k8s/") :] not in live_servers
    if kind == "cbn_published_route":
        return doc.get("RouteEntryId") not in {e.get("RouteEntryId") for e in state.get("vpc_route_entry", [])}
    return False


def main():
    url, what = sys.argv[1].rstrip("/"), sys.argv[2]
    with urllib.request.urlopen(url + "/_emulator/state", timeout=30) as resp:  # noqa: S310  (loopback)
        state = json.load(resp)
    live_servers = {c.get("cluster_id") for c in state.get("cs_cluster", [])} | {
        m.get("ServiceMeshId") for m in state.get("asm_mesh", [])
    }
    left, ignored = {}, {}
    for kind, docs in state.items():
        for doc in docs or []:
            if not_a_resource(kind, doc, state, live_servers):
                ignored[kind] = ignored.get(kind, 0) + 1
            else:
                left.setdefault(kind, []).append(doc)
    notes = ", ".join("%d %s" % (n, k) for k, n in sorted(ignored.items()) if not k.startswith("k8s/"))
    if left:
        for kind, docs in sorted(left.items()):
            sys.stderr.write("left: %s x%d: %s\n" % (kind, len(docs), json.dumps(docs)[:300]))
        sys.exit("FAIL: the teardown of %s left %d resources" % (what, sum(len(d) for d in left.values())))
    print("census: no resource of %s left (records that are no resource: %s)" % (what, notes or "none"))


if __name__ == "__main__":
    main()
