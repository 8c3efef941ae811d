#!/usr/bin/env bash
# kubernetes.core is not on PyPI by itself and Galaxy is out of reach here: take it from the
# PyPI `ansible` wheel (no install, just the collection's folder).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
version="${ANSIBLE_BUNDLE_VERSION:-12.3.0}"
dest="$top/.build/collections/ansible_collections/kubernetes/core"
[ -f "$dest/MANIFEST.json" ] && exit 0
wheels="$top/.build/wheels"
mkdir -p "$wheels"
"$top/.venv/bin/pip" download -q --no-deps -d "$wheels" "ansible==$version"
"$top/.venv/bin/python" - "$wheels/ansible-$version-py3-none-any.whl" "$top/.build/collections" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as zf:
    members = [m for m in zf.namelist() if m.startswith("ansible_collections/kubernetes/core/")]
    zf.extractall(out, members)
print("kubernetes.core: %d files" % len(members))
PY
