#!/usr/bin/env bash
# Copy the working tree (tracked and untracked-but-not-ignored files) to
# .build/collections/ansible_collections/geomesh/alicloud, where ansible-test and
# ansible-playbook find it by its namespace.name path.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/.build/collections/ansible_collections/geomesh/alicloud"
rm -rf "$dest"
mkdir -p "$dest"
cd "$top"
git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$dest"
# ansible-test lists files with git; the copy lives under the (ignored) .build/ of this
# repository, so it gets a git index of its own.
cd "$dest"
git init -q
git add -A
