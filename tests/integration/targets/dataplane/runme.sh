#!/usr/bin/env bash
# The data plane (issue 11): site.yml on 2 regions with every reviews version in both, then real
# requests through the emulator's real Envoys (the cn-hangzhou ingress gateway, the sidecars) to the
# Bookinfo-like backends: the even spread with no locality rule in effect, failover with the
# reviews Pods of cn-hangzhou scaled to 0 and, separately, answering 503, the runbook's 90/10
# distribution, and a revoked security group rule that leaves failover nowhere to go
# (drills.py prints what it measured). It runs on an emulator of its own. The address plan 72.0.0.0/8, 73.0.0.0/8 and Pods
# 10.72.0.0/16, 10.73.0.0/16 (cluster_inventory.py --base 72) keeps these Pods apart from every
# other test's in the emulator.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
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

name="dp-$$"
inventory="$work/$name.json"
"$py" "$roles/cluster_inventory.py" "$name" 2 "$inventory" "$work/kube" --base 72
"$py" - "$inventory" <<'PY'
import json, sys
path = sys.argv[1]
inventory = json.load(open(path))
root = inventory["all"]
root["vars"].update({"gateway_wait_delay": 1, "bookinfo_wait_delay": 1})
for host in root["children"]["regions"]["hosts"].values():
    host["geomesh_bookinfo"] = {"reviews_versions": ["v1", "v2", "v3"]}
json.dump(inventory, open(path, "w"), indent=2)
PY
t0=$(date +%s)
ansible-playbook -i "$inventory" geomesh.alicloud.site > "$work/site.log" 2>&1 || { cat "$work/site.log"; exit 1; }
echo "$name: site.yml on 2 regions in $(($(date +%s) - t0)) s"
"$py" "$here/drills.py" "$EMULATOR_URL" "$name" "$work/kube" 72
