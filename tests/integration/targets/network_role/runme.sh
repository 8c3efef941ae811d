#!/usr/bin/env bash
# The network role against the emulator: 2 regions converge and publish network_facts, a second
# run changes nothing and makes no write call; a third region whose own tasks fail is named with
# the connections skipped, and the re-run converges to 3 regions; 3 regions converge from
# scratch, and are found again with the connection settings as role variables only; every wrong
# plan or setting fails before any write call, naming the problem.
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

counts() { "$py" "$files/emulator_log.py" "$EMULATOR_URL"; }
play() {  # play INVENTORY LOG [ansible-playbook args]: the role and the checks of its network_facts
  local inventory=$1 log=$2
  shift 2
  ansible-playbook -i "$inventory" "$here/playbook.yml" "$@" > "$log" 2>&1
}

converged() {  # converged NAME REGIONS: a second run changes nothing, and the cloud holds the plan
  local name=$1 regions=$2 c1 w1 c2 w2
  read -r c1 w1 < <(counts)
  play "$work/$name.json" "$work/$name-again.log" || { cat "$work/$name-again.log"; exit 1; }
  read -r c2 w2 < <(counts)
  echo "$name ($regions regions): the run after converging made $((c2 - c1)) calls ($((w2 - w1)) writes)"
  if grep -E "changed=[1-9]" "$work/$name-again.log"; then echo "FAIL: the second run changed something"; cat "$work/$name-again.log"; exit 1; fi
  [ "$((w2 - w1))" -eq 0 ] || { echo "FAIL: the second run made $((w2 - w1)) write calls"; exit 1; }
  grep -q "failed=0" "$work/$name-again.log"
  # every VPC (the regions' and the mesh's) reaches every other, with routes on both sides
  "$py" "$files/emulator_reach.py" "$EMULATOR_URL" "$name-vpc-" "$((regions + 1))"
  # exactly the resources of the plan: nothing duplicated, nothing extra
  "$py" "$files/emulator_census.py" "$EMULATOR_URL" "$name" "$regions"
}

converge() {  # converge NAME REGIONS: from scratch
  local name=$1 regions=$2 c0 w0 c1 w1
  "$py" "$files/make_inventory.py" "$name" "$regions" "$work/$name.json"
  read -r c0 w0 < <(counts)
  play "$work/$name.json" "$work/$name-1.log" || { cat "$work/$name-1.log"; exit 1; }
  read -r c1 w1 < <(counts)
  echo "$name ($regions regions): first run $((c1 - c0)) calls ($((w1 - w0)) writes)"
  [ "$((w1 - w0))" -gt 0 ] || { echo "FAIL: the first run made no write call"; exit 1; }
  converged "$name" "$regions"
}

converge "nr2-$$" 2

# A third region is added while the cloud fails its VPC creation (every CreateVpc answers 503;
# the other VPCs exist, so only the new region's own tasks fail): the run fails, names the region
# and the connections it skipped, still publishes the other hosts' network_facts (checked by the
# playbook), and the re-run converges to 3 regions.
name="nr2-$$"
"$py" "$files/make_inventory.py" "$name" 3 "$work/$name.json"
faults '{"server_error_pct": 100, "actions": ["CreateVpc"]}'
if play "$work/$name.json" "$work/$name-failing.log"; then
  echo "FAIL: a run whose region failed succeeded"; cat "$work/$name-failing.log"; exit 1
fi
faults "{}"
for expected in "Regions that failed in their own tasks: cn-beijing (host cn-beijing)" \
  "Skipped their inter-region connections: cn-hangzhou <-> cn-beijing, cn-shanghai <-> cn-beijing"; do
  grep -qF "$expected" "$work/$name-failing.log" || { echo "FAIL: no '$expected'"; cat "$work/$name-failing.log"; exit 1; }
done
if grep -q "HostVarsVars" "$work/$name-failing.log"; then echo "FAIL: the cross-region tasks crashed"; exit 1; fi
grep -Eq "cn-beijing +: .*failed=1" "$work/$name-failing.log"
grep -Eq "cn-hangzhou +: .*failed=0" "$work/$name-failing.log"
grep -Eq "asm-hangzhou +: .*failed=0" "$work/$name-failing.log"
echo "$name: cn-beijing failed, named with its skipped connections; re-running"
play "$work/$name.json" "$work/$name-resumed.log" || { cat "$work/$name-resumed.log"; exit 1; }
converged "$name" 3

converge "nr3-$$" 3

# The connection settings as role variables (the role's module_defaults), none in the environment:
# the converged plan is found again through them, and nothing changes.
name="nr3-$$"
"$py" - "$work/connection.json" <<'PY'
import json, os, sys
settings = {
    "network_endpoint": os.environ["GEOMESH_ALICLOUD_ENDPOINT"],
    "network_protocol": os.environ["GEOMESH_ALICLOUD_PROTOCOL"],
    "network_access_key": os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
    "network_secret_key": os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
}
with os.fdopen(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
    json.dump(settings, out)
PY
read -r c0 w0 < <(counts)
env -u GEOMESH_ALICLOUD_ENDPOINT -u GEOMESH_ALICLOUD_PROTOCOL -u ALIBABA_CLOUD_ACCESS_KEY_ID \
  -u ALIBABA_CLOUD_ACCESS_KEY_SECRET ansible-playbook -i "$work/$name.json" "$here/playbook.yml" \
  -e "@$work/connection.json" > "$work/$name-vars.log" 2>&1 || { cat "$work/$name-vars.log"; exit 1; }
read -r c1 w1 < <(counts)
if grep -E "changed=[1-9]" "$work/$name-vars.log"; then echo "FAIL: the run with role variables changed something"; exit 1; fi
[ "$((w1 - w0))" -eq 0 ] || { echo "FAIL: the run with role variables made write calls"; exit 1; }
[ "$((c1 - c0))" -gt 0 ] || { echo "FAIL: the run with role variables never reached the emulator"; exit 1; }
echo "$name: connection settings from role variables only: $((c1 - c0)) calls, 0 writes"

# Wrong plans and settings fail before any write call, each naming what is wrong: the CIDR plan,
# the zone names and the bandwidth settings with no API call at all, unknown regions and zones with
# read calls only.
rejected() {  # rejected NAME MODE MAX_CALLS MESSAGE [ansible-playbook args]
  local name=$1 mode=$2 max_calls=$3 message=$4 c0 w0 c1 w1
  shift 4
  "$py" "$files/make_inventory.py" "$name" 2 "$work/$name.json" ${mode:+"$mode"}
  read -r c0 w0 < <(counts)
  if play "$work/$name.json" "$work/$name.log" "$@"; then echo "FAIL: $name converged"; exit 1; fi
  read -r c1 w1 < <(counts)
  grep -qF -- "$message" "$work/$name.log" || { echo "FAIL: $name: no '$message'"; cat "$work/$name.log"; exit 1; }
  [ "$((w1 - w0))" -eq 0 ] || { echo "FAIL: $name made $((w1 - w0)) write calls"; exit 1; }
  [ "$((c1 - c0))" -le "$max_calls" ] || { echo "FAIL: $name made $((c1 - c0)) API calls"; exit 1; }
  echo "$name: rejected with $((c1 - c0)) API calls, 0 writes"
}
rejected "nrbad-$$" bad 0 "cn-shanghai vpc.cidr_block 20.0.0.0/8"
rejected "nrzone-$$" zone-elsewhere 0 "cn-shanghai: vswitches[0].zone_id cn-hangzhou-h is not a zone of the entry's region cn-shanghai"
rejected "nrbwp-$$" "" 0 "network_bandwidth_package_id is required with network_bandwidth_type BandwidthPackage" \
  -e geomesh_inter_region_bandwidth_type=BandwidthPackage
rejected "nrbw-$$" "" 0 "network_bandwidth: 1000000 Mbit/s is outside the API's range" \
  -e geomesh_inter_region_bandwidth=1000000
# DescribeRegions, then DescribeZones of the one region that exists
rejected "nrregion-$$" unknown-region 2 "cn-atlantis: region cn-atlantis is not a region of the account"
# DescribeRegions, then DescribeZones of both regions
rejected "nrzonex-$$" unknown-zone 3 "cn-shanghai: vswitches[1].zone_id cn-shanghai-z is not a zone of cn-shanghai"
