#!/usr/bin/env bash
# The network role when the cloud misbehaves, against the emulator: under 20% throttling, 5% 5xx
# before and 5% after the write committed (the caller sees an error for a change that happened)
# and 2 s eventual consistency, 2 regions converge to exactly the plan's resources, and a
# fault-free re-run changes nothing. Runs killed mid-way: network_role_interruptions (make
# reliability).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
files="$here/../setup_emulator/files"
py=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
# the emulator of integration_config.yml, or one of its own when the target runs alone
. "$files/emulator_env.sh"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true ANSIBLE_FORCE_COLOR=0
work=$(mktemp -d)
faults() { "$py" "$files/emulator_faults.py" "$EMULATOR_URL" "$1" > /dev/null; }
trap 'faults "{}"; rm -rf "$work"' EXIT
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

# --- faults
name="nrf-$$"
"$py" "$files/make_inventory.py" "$name" 2 "$work/$name.json"
faults '{"throttling_pct": 20, "server_error_pct": 5, "server_error_after_commit_pct": 5, "eventual_consistency_s": 2, "seed": 11}'
play "$name" "$name-faults"
faults "{}"
injected=$("$py" "$files/emulator_log.py" "$EMULATOR_URL" faults)
echo "$name: converged under faults ($injected injected faults)"
[ "$injected" -gt 0 ] || { echo "FAIL: no fault was injected"; exit 1; }
"$py" "$files/emulator_census.py" "$EMULATOR_URL" "$name" 2
no_change_rerun "$name"
