#!/usr/bin/env bash
# The main job on the local emulator: converge the runbook plan, then prove a re-run changes
# nothing (changed=0 on every host, and zero write calls in the emulator's request log).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
state="$top/.build/emulator-demo"
rm -rf "$state"
"$top/tools/emulator.sh" start "$state" --delay-scale "${GEOMESH_EMULATOR_DELAY_SCALE:-0.2}"
trap '"$top/tools/emulator.sh" stop "$state"' EXIT
set -a
# shellcheck disable=SC1091
. "$state/env.sh"
set +a
cd "$top"
log="$state/requests.jsonl"

# Calls logged so far, and a summary of the writes after line N: report N
report() {
  "$top/.venv/bin/python" - "$log" "${1:-0}" <<'PY'
import collections, json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][int(sys.argv[2]):]
writes = collections.Counter(l["action"] for l in lines if l.get("write"))
print("   %d calls, %d writes" % (len(lines), sum(writes.values())))
for action, count in sorted(writes.items()):
    print("     %-50s %d" % (action, count))
PY
}
logged() { [ -f "$log" ] && wc -l < "$log" || echo 0; }
writes_after() {
  "$top/.venv/bin/python" -c 'import json,sys; print(sum(1 for l in list(open(sys.argv[1]))[int(sys.argv[2]):] if l.strip() and json.loads(l).get("write")))' "$log" "$1"
}

echo "== first run: converge inventories/local"
ansible-playbook -i inventories/local playbooks/site.yml
first_end=$(logged)
echo "== first run, emulator request log:"
report 0

echo "== second run: nothing to change"
ansible-playbook -i inventories/local playbooks/site.yml | tee "$state/second-run.log"
echo "== second run, emulator request log:"
report "$first_end"
if grep -E "changed=[1-9]" "$state/second-run.log"; then
  echo "FAIL: the second run changed something" >&2
  exit 1
fi
second_writes=$(writes_after "$first_end")
if [ "$second_writes" -ne 0 ]; then
  echo "FAIL: the second run made $second_writes write calls" >&2
  exit 1
fi
echo "== demo passed: converged, and the re-run changed nothing and made no write call"
