#!/usr/bin/env bash
# The network role against the emulator: 2 and 3 regions converge, a second run changes
# nothing and makes no write call, a bad plan fails before any write call.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
files="$here/../setup_emulator/files"
config="$here/../../integration_config.yml"
py=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
eval "$("$py" "$files/emulator_env.py" "$config")"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true ANSIBLE_FORCE_COLOR=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

counts() { "$py" "$files/emulator_log.py" "$EMULATOR_URL"; }

converge() {  # converge NAME REGIONS
  local name=$1 regions=$2
  "$py" "$files/make_inventory.py" "$name" "$regions" "$work/$name.json"
  read -r c0 w0 < <(counts)
  ansible-playbook -i "$work/$name.json" geomesh.alicloud.network > "$work/$name-1.log" || { cat "$work/$name-1.log"; exit 1; }
  read -r c1 w1 < <(counts)
  ansible-playbook -i "$work/$name.json" geomesh.alicloud.network > "$work/$name-2.log" || { cat "$work/$name-2.log"; exit 1; }
  read -r c2 w2 < <(counts)
  echo "$name ($regions regions): first run $((c1 - c0)) calls ($((w1 - w0)) writes); second run $((c2 - c1)) calls ($((w2 - w1)) writes)"
  if grep -E "changed=[1-9]" "$work/$name-2.log"; then echo "FAIL: the second run changed something"; cat "$work/$name-2.log"; exit 1; fi
  [ "$((w2 - w1))" -eq 0 ] || { echo "FAIL: the second run made $((w2 - w1)) write calls"; exit 1; }
  [ "$((w1 - w0))" -gt 0 ] || { echo "FAIL: the first run made no write call"; exit 1; }
  grep -q "failed=0" "$work/$name-2.log"
  # every VPC (the regions' and the mesh's) reaches every other, with routes on both sides
  "$py" "$files/emulator_reach.py" "$EMULATOR_URL" "$name-vpc-" "$((regions + 1))"
  # exactly the resources of the plan: nothing duplicated, nothing extra
  "$py" "$files/emulator_census.py" "$EMULATOR_URL" "$name" "$regions"
}

converge "nr2-$$" 2
converge "nr3-$$" 3

# A plan whose VPCs overlap fails in validation, before any write call.
"$py" "$files/make_inventory.py" "nrbad-$$" 2 "$work/bad.json" bad
read -r c0 w0 < <(counts)
if ansible-playbook -i "$work/bad.json" geomesh.alicloud.network > "$work/bad.log" 2>&1; then
  echo "FAIL: an overlapping plan converged"; exit 1
fi
read -r c1 w1 < <(counts)
grep -q "The network plan is invalid" "$work/bad.log" || { cat "$work/bad.log"; exit 1; }
grep -q "overlaps" "$work/bad.log"
[ "$((c1 - c0))" -eq 0 ] || { echo "FAIL: the bad plan made $((c1 - c0)) API calls"; exit 1; }
echo "bad plan: rejected with 0 API calls"
