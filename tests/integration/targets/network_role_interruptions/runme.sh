#!/usr/bin/env bash
# The network role when its runs are killed, against the emulator: a run killed with SIGKILL (the
# run and every process below it, workers and modules included: kill_run.sh) after K write calls is re-run: it converges to exactly
# the plan's resources, none duplicated or orphaned, and a further run changes nothing.
# Not in make test (the alias `reliability`: tools/run-integration.sh leaves it out of the run of
# every target); make reliability runs it, beside tests/reliability/interruptions, which kills
# site.yml at each stage's first write actions, the network stage's included.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
files="$here/../setup_emulator/files"
py=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
# the emulator of integration_config.yml, or one of its own when the target runs alone
. "$files/emulator_env.sh"
. "$files/kill_run.sh"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true ANSIBLE_FORCE_COLOR=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
writes() { "$py" "$files/emulator_log.py" "$EMULATOR_URL" | cut -d" " -f2; }

play() {  # play NAME LOGNAME: one run of the role on NAME's inventory
  ansible-playbook -i "$work/$1.json" geomesh.alicloud.network > "$work/$2.log" 2>&1 || { cat "$work/$2.log"; exit 1; }
}

no_change_rerun() {  # no_change_rerun NAME
  local before
  before=$(writes)
  play "$1" "$1-rerun"
  if grep -E "changed=[1-9]" "$work/$1-rerun.log"; then echo "FAIL: $1: the re-run changed something"; exit 1; fi
  [ "$(writes)" -eq "$before" ] || { echo "FAIL: $1: the re-run made write calls"; exit 1; }
}

for kill_after in 3 19; do
  name="nrk$kill_after-$$"
  "$py" "$files/make_inventory.py" "$name" 2 "$work/$name.json"
  start=$(writes)
  setsid ansible-playbook -i "$work/$name.json" geomesh.alicloud.network > "$work/$name-killed.log" 2>&1 &
  pid=$!
  while [ "$(( $(writes) - start ))" -lt "$kill_after" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL: $name: the run ended before $kill_after write calls"; cat "$work/$name-killed.log"; exit 1
    fi
    sleep 0.2
  done
  kill_run "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$name: killed after $(( $(writes) - start )) write calls"
  play "$name" "$name-resumed"
  "$py" "$files/emulator_census.py" "$EMULATOR_URL" "$name" 2
  no_change_rerun "$name"
done
