#!/usr/bin/env bash
# Jobs as AWX runs them (jobs.py): the site, then the failover drill, through ansible-runner with
# private data directories laid out as AWX lays them out, against an emulator of its own with the
# real Envoy data plane (the drill sends requests through it). The credential reaches the jobs only
# through env/envvars, rendered from awx/configure.yml's credential type; the drill's survey answers
# are checked against that file's survey. Asserted from runner's artifacts: both jobs successful,
# no failed event, the preflight table printed and the drill passed, no secret (the AccessKey
# secret, the kubeconfigs' client keys) in any artifact or the stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
files="$here/../setup_emulator/files"
roles="$here/../cluster_role"
py=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
export EMULATOR_OWN=1
. "$files/emulator_env.sh"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true ANSIBLE_FORCE_COLOR=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

name="awx-$$"
"$py" "$roles/cluster_inventory.py" "$name" 2 "$work/inventory.json" "$work/kube" --base 76
# the project's checkout: the collection ansible-test runs (the first of ANSIBLE_COLLECTIONS_PATH that holds it)
project=""
IFS=: read -r -a paths <<< "${ANSIBLE_COLLECTIONS_PATH:-${ANSIBLE_COLLECTIONS_PATHS:-}}"
for p in "${paths[@]}"; do
  if [ -f "$p/ansible_collections/geomesh/alicloud/awx/configure.yml" ]; then project="$p/ansible_collections/geomesh/alicloud"; break; fi
done
[ -n "$project" ] || { echo "FAIL: the collection is not on ANSIBLE_COLLECTIONS_PATH"; exit 1; }
t0=$(date +%s)
"$py" "$here/jobs.py" "$project" "$work/inventory.json" "$work"
echo "$name: the site and failover drill jobs in $(($(date +%s) - t0)) s"
