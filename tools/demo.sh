#!/usr/bin/env bash
# The main job on the local emulator, the whole runbook: site.yml (network, clusters, mesh, gateway,
# Bookinfo, geolocation failover), the failover drill, the distribution drill and their report in one
# ansible-playbook command; then site.yml again, which must change nothing and make no write call
# (the drills left everything as it was built); then teardown.yml and a census of the emulator:
# nothing left. Everything it started is stopped at the end, also on failure or Ctrl-C.
# GEOMESH_DEMO_KEEP=1 (make demo KEEP=1) stops after the drills and leaves the emulator running, to
# look around with kubectl and the report.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
state="$top/.build/emulator-demo"
report="$top/.build/report"
keep=${GEOMESH_DEMO_KEEP:-${KEEP:-0}}
started=$(date +%s)
rm -rf "$state" "$report"
"$top/tools/emulator.sh" start "$state" --delay-scale "${GEOMESH_EMULATOR_DELAY_SCALE:-0.2}"
stop_emulator() { "$top/tools/emulator.sh" stop "$state"; }
trap stop_emulator EXIT
trap 'echo "interrupted: stopping the emulator and its Envoys" >&2; exit 130' INT TERM
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

echo "== 1. the runbook: site.yml, the failover drill, the distribution drill (inventories/local)"
ansible-playbook -i inventories/local playbooks/site.yml playbooks/failover_drill.yml playbooks/distribution_drill.yml \
  -e geomesh_converge=false
first_end=$(wc -l < "$log")
echo "== 1. emulator request log:"
report 0
echo "== the drills (report: $report/report.html)"
sed -n '/^## /,$p' "$report/report.md" | grep -E '^## |^- ' || true

if [ "$keep" != 0 ]; then
  trap - EXIT
  echo "== kept running (GEOMESH_DEMO_KEEP): the emulator at $GEOMESH_ALICLOUD_ENDPOINT, state $state"
  echo "   export KUBECONFIG=$top/.build/kubeconfig/ack-hangzhou.kubeconfig; .venv/bin/kubectl get pods -o wide"
  echo "   the report: $report/report.html"
  echo "   when done: ansible-playbook -i inventories/local playbooks/teardown.yml; tools/emulator.sh stop $state"
  exit 0
fi

echo "== 2. site.yml again: nothing to change"
ansible-playbook -i inventories/local playbooks/site.yml | tee "$state/second-run.log"
second_end=$(wc -l < "$log")
echo "== 2. emulator request log:"
report "$first_end" no-writes
if grep -E "changed=[1-9]" "$state/second-run.log"; then
  echo "FAIL: the second run changed something" >&2
  exit 1
fi

echo "== 3. teardown.yml"
ansible-playbook -i inventories/local playbooks/teardown.yml
echo "== 3. emulator request log:"
report "$second_end"
"$top/.venv/bin/python" "$top/tests/integration/targets/runbook/census.py" "http://$GEOMESH_ALICLOUD_ENDPOINT" "the demo"
echo "== demo passed in $(($(date +%s) - started)) s: the runbook ran, its drills passed, a re-run changed nothing," \
  "and the teardown left nothing. The report: $report/report.html"
