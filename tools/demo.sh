#!/usr/bin/env bash
# The main job on the local emulator: converge the runbook plan, then prove a re-run changes nothing.
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
echo "== first run: converge inventories/local"
ansible-playbook -i inventories/local playbooks/site.yml
echo "== second run: nothing to change"
ansible-playbook -i inventories/local playbooks/site.yml | tee "$state/second-run.log"
grep -q "changed=0" "$state/second-run.log"
"$top/.venv/bin/python" - "$state/requests.jsonl" <<'PY'
import collections, json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
writes = collections.Counter(l["action"] for l in lines if l.get("write"))
print("== emulator request log: %d calls, %d writes" % (len(lines), sum(writes.values())))
for action, count in sorted(writes.items()):
    print("   %-50s %d" % (action, count))
PY
