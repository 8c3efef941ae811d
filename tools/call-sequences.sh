#!/usr/bin/env bash
# Record the API call sequence of integration targets, each run alone against a fresh emulator:
# tools/call-sequences.sh OUTDIR target... -> OUTDIR/<target>.jsonl (the emulator's request log).
# Compare two checkouts with: python3 tools/compare_call_sequences.py BEFORE_DIR AFTER_DIR
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
shift
mkdir -p "$out"
for target in "$@"; do
  "$top/tools/run-integration.sh" "$target" > "$out/$target.out" 2>&1
  echo "$target rc=$?" >> "$out/rc.txt"
  cp "$top/.build/emulator-integration/requests.jsonl" "$out/$target.jsonl"
done
