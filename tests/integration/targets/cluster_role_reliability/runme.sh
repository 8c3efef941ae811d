#!/usr/bin/env bash
# The cluster and cluster_join roles when the cloud misbehaves, against the emulator:
# (creates whose answer is lost - 503 after commit - are covered by cluster_role's 2-region converge)
# - a mesh VPC without CEN connectivity to the clusters: the join fails with the clear error;
# - a cluster whose create task fails: its region fails with the task's message, the other goes on.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
files="$here/../setup_emulator/files"
role="$here/../cluster_role"
py=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
# the emulator of integration_config.yml, or one of its own when the target runs alone
. "$files/emulator_env.sh"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true ANSIBLE_FORCE_COLOR=0
work=$(mktemp -d)
faults() { "$py" "$files/emulator_faults.py" "$EMULATOR_URL" "$1" > /dev/null; }
trap 'faults "{}"; "$py" "$files/emulator_faults.py" "$EMULATOR_URL" "{}" cs > /dev/null; rm -rf "$work"' EXIT
counts() { "$py" "$files/emulator_log.py" "$EMULATOR_URL"; }
inventory() {  # inventory NAME REGIONS [MODE]
  "$py" "$role/cluster_inventory.py" "$1" "$2" "$work/$1.json" "$work/kube-$1" ${3:+"$3"}
}

# --- a mesh that cannot reach the clusters
name="crn-$$"
inventory "$name" 1
if ansible-playbook -i "$work/$name.json" "$here/no_cen.yml" > "$work/$name.log" 2>&1; then
  echo "FAIL: $name: the join without CEN connectivity succeeded"; cat "$work/$name.log"; exit 1
fi
grep -Eq "asm-hangzhou +: .*failed=1" "$work/$name.log" || { echo "FAIL: $name: the mesh host did not fail"; cat "$work/$name.log"; exit 1; }
grep -E "^(fatal|failed): \[asm-hangzhou\]" "$work/$name.log" | grep -q "CEN" || { echo "FAIL: $name: the error does not say CEN"; cat "$work/$name.log"; exit 1; }
grep -E "^(fatal|failed): \[asm-hangzhou\]" "$work/$name.log" | grep -Eo '"msg": "[^"]*' | head -1
echo "$name: the join without CEN connectivity failed with the clear error"

# --- a cluster whose create task fails: that region fails with the task's message, the other
# region's cluster is still made, and the mesh stage names the region that has no cluster
name="crt-$$"
inventory "$name" 2
message="The cluster creation failed: ECS stock is insufficient in the zones of the vSwitches"
"$py" "$files/emulator_faults.py" "$EMULATOR_URL" \
  "{\"cluster_task_fail\": {\"name\": \"$name-ack-1\", \"code\": \"NoStock\", \"message\": \"$message\"}}" cs > /dev/null
if ansible-playbook -i "$work/$name.json" "$role/playbook.yml" > "$work/$name.log" 2>&1; then
  echo "FAIL: $name: a run whose cluster task failed succeeded"; cat "$work/$name.log"; exit 1
fi
"$py" "$files/emulator_faults.py" "$EMULATOR_URL" '{}' cs > /dev/null
grep -E "^(fatal|failed): \[cn-shanghai\]" "$work/$name.log" | grep -qF "$message" || { echo "FAIL: $name: the task's message is not shown"; cat "$work/$name.log"; exit 1; }
grep -Eq "cn-shanghai +: .*failed=1" "$work/$name.log" || { echo "FAIL: $name: cn-shanghai did not fail"; cat "$work/$name.log"; exit 1; }
grep -Eq "cn-hangzhou +: .*failed=0" "$work/$name.log" || { echo "FAIL: $name: cn-hangzhou failed too"; cat "$work/$name.log"; exit 1; }
grep -qF "cn-shanghai: no cluster_facts (its cluster stage did not finish); no cluster was joined" "$work/$name.log" \
  || { echo "FAIL: $name: the mesh stage does not name the region without a cluster"; cat "$work/$name.log"; exit 1; }
echo "$name: the failed cluster task failed its region with the task's message; the other region went on"
