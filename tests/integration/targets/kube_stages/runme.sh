#!/usr/bin/env bash
# The Kubernetes stages on 2 regions, as site.yml runs them: network -> cluster -> cluster_join ->
# gateway -> bookinfo converge from scratch, then what they left in every cluster's and the mesh's
# Kubernetes API is read back with kubernetes.core.k8s_info (playbook.yml): the runbook's
# IstioGateway in the mesh, its Service in every cluster with a distinct external address, Bookinfo's
# Deployments available with the region's reviews versions (the runbook's default: v1 in cn-hangzhou,
# v2 in cn-shanghai), every Pod with the istio-proxy sidecar, the Gateway, VirtualService and
# DestinationRules in the mesh. The re-run changes nothing and makes no write call, to the cloud nor
# to any Kubernetes API server; a check-mode run on the converged setup neither. Other reviews
# versions per region (v1 and v3 in cn-hangzhou, none in cn-shanghai) make exactly the one create and
# the one delete they need; a version that does not exist fails before any write, naming the field.
# The address plan 70.0.0.0/8, 71.0.0.0/8 and Pods 10.70.0.0/16, 10.71.0.0/16 (cluster_inventory.py
# --base 70) keeps these Pods apart from every other test's in the emulator.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
files="$here/../setup_emulator/files"
roles="$here/../cluster_role"
py=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
# the emulator of integration_config.yml, or one of its own when the target runs alone
. "$files/emulator_env.sh"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true ANSIBLE_FORCE_COLOR=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

name="ks-$$"
inventory="$work/$name.json"
plan() {  # plan [HANGZHOU_VERSIONS SHANGHAI_VERSIONS]: the inventory; JSON lists of reviews versions, default the role's
  "$py" "$roles/cluster_inventory.py" "$name" 2 "$inventory" "$work/kube" --base 70
  "$py" - "$inventory" "$@" <<'PY'
import json, sys
path = sys.argv[1]
inventory = json.load(open(path))
root = inventory["all"]
# the emulator's delays are short: poll every second
root["vars"].update({"gateway_wait_delay": 1, "bookinfo_wait_delay": 1})
for host, versions in zip(("cn-hangzhou", "cn-shanghai"), sys.argv[2:]):
    root["children"]["regions"]["hosts"][host]["geomesh_bookinfo"] = {"reviews_versions": json.loads(versions)}
json.dump(inventory, open(path, "w"), indent=2)
PY
}
counts() { "$py" "$here/kube_log.py" "$EMULATOR_URL"; }
play() {  # play LOG [ansible-playbook args]: the stages and the checks of what they left
  local log=$1
  shift
  ansible-playbook -i "$inventory" "$here/playbook.yml" "$@" > "$work/$log.log" 2>&1 || { cat "$work/$log.log"; exit 1; }
}
unchanged() {  # unchanged LOG [ansible-playbook args]: a run that changes nothing and writes nothing
  local log=$1 c0 w0 k0 kw0 c1 w1 k1 kw1
  read -r c0 w0 k0 kw0 < <(counts)
  play "$@"
  read -r c1 w1 k1 kw1 < <(counts)
  echo "$name $log: $((c1 - c0)) calls ($((w1 - w0)) writes), $((k1 - k0)) of them to Kubernetes API servers ($((kw1 - kw0)) writes)"
  if grep -E "changed=[1-9]" "$work/$log.log"; then echo "FAIL: $log changed something"; cat "$work/$log.log"; exit 1; fi
  [ "$((w1 - w0))" -eq 0 ] || { echo "FAIL: $log made write calls:"; "$py" "$here/kube_log.py" "$EMULATOR_URL" writes "$c0"; exit 1; }
  [ "$((k1 - k0))" -gt 0 ] || { echo "FAIL: $log made no Kubernetes call"; exit 1; }
}

# From scratch: every stage writes, the cloud and the Kubernetes API servers.
plan
read -r c0 w0 k0 kw0 < <(counts)
t0=$(date +%s)
play first
t1=$(date +%s)
read -r c1 w1 k1 kw1 < <(counts)
echo "$name (2 regions): first run $((t1 - t0)) s, $((c1 - c0)) calls ($((w1 - w0)) writes), $((k1 - k0)) to Kubernetes API servers ($((kw1 - kw0)) writes)"
[ "$((w1 - w0 - kw1 + kw0))" -gt 0 ] || { echo "FAIL: the first run made no cloud write call"; exit 1; }
[ "$((kw1 - kw0))" -gt 0 ] || { echo "FAIL: the first run made no Kubernetes write call"; exit 1; }
"$py" "$here/kube_log.py" "$EMULATOR_URL" writes "$c0" | grep " k8s " > "$work/first.writes"
echo "$name: the first run's Kubernetes writes:"
cat "$work/first.writes"

# Converged: the re-run, then a check-mode run, change nothing and write nothing.
unchanged again
unchanged check --check

# Other reviews versions: exactly the one Deployment to make and the one to remove.
plan '["v3", "v1"]' '[]'
read -r c0 w0 k0 kw0 < <(counts)
play versions
"$py" "$here/kube_log.py" "$EMULATOR_URL" writes "$c0" > "$work/versions.writes"
echo "$name: reviews v1+v3 in cn-hangzhou, none in cn-shanghai; the run's writes:"
cat "$work/versions.writes"
printf '%s\n' "1 k8s create deployments" "1 k8s delete deployments" | diff - "$work/versions.writes" \
  || { echo "FAIL: not exactly one Deployment created and one deleted"; exit 1; }
unchanged versions-again

# A reviews version that does not exist fails before any write call, naming the field.
plan '["v1"]' '["v4"]'
read -r c0 w0 k0 kw0 < <(counts)
if ansible-playbook -i "$inventory" "$here/playbook.yml" > "$work/v4.log" 2>&1; then echo "FAIL: reviews v4 converged"; exit 1; fi
read -r c1 w1 k1 kw1 < <(counts)
grep -qF 'geomesh_bookinfo.reviews_versions (bookinfo_reviews_versions) ["v4"] is not a list of distinct versions' "$work/v4.log" \
  || { echo "FAIL: reviews v4: the field is not named"; cat "$work/v4.log"; exit 1; }
[ "$((w1 - w0))" -eq 0 ] || { echo "FAIL: reviews v4 made $((w1 - w0)) write calls"; exit 1; }
echo "$name (reviews v4): rejected with $((c1 - c0)) calls, 0 writes"
