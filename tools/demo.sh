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

# Summary of the calls logged after line N: report N [no-writes]; with no-writes, fails when
# any of them was a write call.
report() {
  "$top/.venv/bin/python" - "$log" "$1" "${2:-}" <<'PY'
import collections, json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][int(sys.argv[2]):]
writes = collections.Counter(l["action"] for l in lines if l.get("write"))
print("   %d calls, %d writes" % (len(lines), sum(writes.values())))
for action, count in sorted(writes.items()):
    print("     %-50s %d" % (action, count))
if sys.argv[3] == "no-writes" and writes:
    sys.exit("FAIL: the second run made %d write calls" % sum(writes.values()))
PY
}

echo "== first run: converge inventories/local"
ansible-playbook -i inventories/local playbooks/site.yml
first_end=$(wc -l < "$log")
echo "== first run, emulator request log:"
report 0

echo "== second run: nothing to change"
ansible-playbook -i inventories/local playbooks/site.yml | tee "$state/second-run.log"
echo "== second run, emulator request log:"
report "$first_end" no-writes
if grep -E "changed=[1-9]" "$state/second-run.log"; then
  echo "FAIL: the second run changed something" >&2
  exit 1
fi
echo "== demo passed: converged, and the re-run changed nothing and made no write call"
