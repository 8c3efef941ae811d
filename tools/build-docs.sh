#!/usr/bin/env bash
# The collection's documentation site (make docs): antsibull-docs writes the module, filter and role
# pages (from DOCUMENTATION, the filters' .yml and meta/argument_specs.yml) of the synced collection,
# next to the pages of docs/site/ and the README's guide and the architecture (Markdown, MyST); Sphinx
# builds the HTML into .build/docs/html. A warning fails the build (-W). Offline: the links to
# docs.ansible.com resolve through an intersphinx inventory written here from docs/site/ansible-labels.txt.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/.venv/bin"
out="$top/.build/docs"
src="$out/rst"
rm -rf "$out"
mkdir -p "$src"
chmod 700 "$src"  # antsibull-docs wants its destination writable by its owner only

"$bin/antsibull-docs" --config-file "$top/docs/site/antsibull-docs.cfg" collection --use-current \
  --dest-dir "$src" --cleanup everything geomesh.alicloud

cp "$top/docs/site/conf.py" "$top/docs/site/index.rst" "$top/docs/site/rehearse-offline.md" "$src/"
# the README is the guide; its link to the architecture document points at that page of the site
sed -e '1s/^# geomesh.alicloud$/# Guide/' -e 's#(docs/ARCHITECTURE.md)#(architecture.md)#g' "$top/README.md" > "$src/guide.md"
cp "$top/docs/ARCHITECTURE.md" "$src/architecture.md"

"$bin/python" - "$top/docs/site/ansible-labels.txt" "$src/ansible_devel.inv" <<'PY'
import sys
import zlib

entries = []
with open(sys.argv[1], encoding="utf-8") as labels:
    for line in labels:
        if line.strip() and not line.startswith("#"):
            label, page, title = line.split(None, 2)
            entries.append("%s std:label -1 %s#%s %s\n" % (label, page, label.replace("_", "-").replace(".", "-"), title.strip()))
header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n"
with open(sys.argv[2], "wb") as inventory:
    inventory.write(header.encode() + zlib.compress("".join(entries).encode()))
PY

"$bin/sphinx-build" -b html -W --keep-going -n -q "$src" "$out/html"
echo "documentation site: $out/html/index.html"
