#!/usr/bin/env bash
# The runbook end to end: run.sh REGIONS BASE [drills], on an emulator of its own with the real
# Envoy data plane: site.yml, the failover drill (reviews in the first region scaled to 0, then
# restored), the distribution drill (switched from failover as ASM requires, then back) and their
# report, in one ansible-playbook command as make demo runs them; with "drills", the data plane's
# own drills next (drills.py, 2 regions: the even spread, failover by scale-down and by 503s, the
# 90/10 distribution, a revoked security group rule); then teardown.yml and a census of the
# emulator: nothing of this run is left. The geolocation plan is the default one - failover from
# each region to the next (for 3 regions a chain), and 10% of each region's requests to the next.
# Every reviews version runs in every region (drills.py's even spread needs them). The address plan:
# VPCs (BASE+i).0.0.0/8, Pods 10.(BASE+i).0.0/16 (cluster_inventory.py --base).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
regions=$1 base=$2 extra=${3:-}
files="$here/../setup_emulator/files"
roles="$here/../cluster_role"
py=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
# an emulator of its own, with the data plane (the shards' emulators run without it), gone with this
# shell: its Envoys cost the other targets nothing
export EMULATOR_OWN=1
. "$files/emulator_env.sh"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true ANSIBLE_FORCE_COLOR=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

name="rb$regions-$$"
inventory="$work/$name.json"
"$py" "$roles/cluster_inventory.py" "$name" "$regions" "$inventory" "$work/kube" --base "$base"
"$py" - "$inventory" "$work/report" <<'PY'
import json, sys
path = sys.argv[1]
inventory = json.load(open(path))
root = inventory["all"]
root["vars"].update({"gateway_wait_delay": 1, "bookinfo_wait_delay": 1, "geomesh_report_dir": sys.argv[2],
                     "verify_failover_probe_seconds": 60, "verify_wait_delay": 1})
root["vars"]["geomesh_geo_lb"] = {"mode": "failover", "remote_share": 10}
for host in root["children"]["regions"]["hosts"].values():
    host["geomesh_bookinfo"] = {"reviews_versions": ["v1", "v2", "v3"]}
json.dump(inventory, open(path, "w"), indent=2)
PY

t0=$(date +%s)
ansible-playbook -i "$inventory" geomesh.alicloud.site geomesh.alicloud.failover_drill geomesh.alicloud.distribution_drill \
  -e geomesh_converge=false > "$work/runbook.log" 2>&1 || { cat "$work/runbook.log"; exit 1; }
echo "$name: site, failover drill, distribution drill on $regions regions in $(($(date +%s) - t0)) s"
"$py" "$here/check_report.py" "$work/report" baseline failover distribution
grep -A3 "Every drill passed" "$work/runbook.log" | head -3

if [ "$extra" = drills ]; then
  "$py" "$here/drills.py" "$EMULATOR_URL" "$name" "$work/kube" "$base"
fi

t0=$(date +%s)
ansible-playbook -i "$inventory" geomesh.alicloud.teardown > "$work/teardown.log" 2>&1 || { cat "$work/teardown.log"; exit 1; }
echo "$name: teardown in $(($(date +%s) - t0)) s"
"$py" "$here/census.py" "$EMULATOR_URL" "$name"
