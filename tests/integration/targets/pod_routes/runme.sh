#!/usr/bin/env bash
# Flannel Pod routes kept published, on 2 regions with route sync off (explicit routes instead):
# the stages converge (site.yml, with the cluster_role target's playbook and inventory; the mesh
# joins the clusters through the explicit routes) and every Pod address reaches every other
# cluster's; the cn-hangzhou node pool is scaled out by 3 nodes in the inventory and a run of the
# network and cluster stages (playbook.yml) publishes exactly their 3 routes; scaled back in, a run
# leaves no stale publication; a further run changes nothing and makes no write call; the node
# pool scaled behind the stages' back (ModifyClusterNodePool) gets its new nodes' routes published
# by playbooks/sync_routes.yml alone, whose re-run makes no write call; route sync turned on again
# removes the explicit routes. After every step the routes
# of every VPC and the CEN's publications are counted (route_census.py) and the Pod reachability
# matrix is printed.
# The address plan 60.0.0.0/8, 61.0.0.0/8 and Pods 10.60.0.0/16, 10.61.0.0/16 (cluster_inventory.py
# --base 60) keeps these Pods apart from every other test's in the emulator.
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

name="pr-$$"
inventory="$work/$name.json"
counts() { "$py" "$files/emulator_log.py" "$EMULATOR_URL"; }
calls() { "$py" "$files/emulator_log.py" "$EMULATOR_URL" actions "$1" "$2"; }  # calls SINCE ACTION
plan() {  # plan NODES [sync]: the inventory, route sync off (on with `sync`), NODES the node count of each cluster (4,1)
  local routes=(--no-route-sync)
  if [ "${2:-}" = sync ]; then routes=(); fi
  "$py" "$roles/cluster_inventory.py" "$name" 2 "$inventory" "$work/kube" --node-counts "$1" --base 60 "${routes[@]}"
}
play() {  # play LOG [PLAYBOOK]: the network and cluster stages and the checks of their facts, or PLAYBOOK
  ansible-playbook -i "$inventory" "${2:-$here/playbook.yml}" > "$work/$1.log" 2>&1 || { cat "$work/$1.log"; exit 1; }
}
check() {  # check NODES ADDRESSES [sync]: the routes, the publications, the Pod reachability matrix
  "$py" "$here/route_census.py" "$inventory" "$1" ${3:+"$3"}
  "$py" "$files/emulator_reach.py" "$EMULATOR_URL" pods "$name-ack-" 2 --addresses "$2"
}
step() {  # step LABEL LOG [PLAYBOOK]: run; sets c0 (the calls before), published, withdrawn (calls) and writes
  local label=$1 log=$2 w0 c1 w1 t0
  read -r c0 w0 < <(counts)
  t0=$(date +%s)
  play "$log" "${3:-}"
  read -r c1 w1 < <(counts)
  published=$(calls "$c0" PublishRouteEntries)
  withdrawn=$(calls "$c0" WithdrawPublishedRouteEntries)
  echo "$name: $label: $(($(date +%s) - t0)) s, $((c1 - c0)) calls ($((w1 - w0)) writes), $published PublishRouteEntries, $withdrawn WithdrawPublishedRouteEntries"
  writes=$((w1 - w0))
}

t0=$(date +%s)
plan 1,1
step "converge without route sync (site.yml)" converge "$roles/playbook.yml"
[ "$writes" -gt 0 ] || { echo "FAIL: the first run made no write call"; exit 1; }
[ "$published" -eq 2 ] || { echo "FAIL: $published routes published, expected one per node (2)"; exit 1; }
check 1,1 2

# 3 more nodes in cn-hangzhou: exactly their 3 routes are published, nothing withdrawn
plan 4,1
step "scale out by 3" scale-out
[ "$published" -eq 3 ] || { echo "FAIL: $published PublishRouteEntries calls, expected 3"; exit 1; }
[ "$withdrawn" -eq 0 ] || { echo "FAIL: $withdrawn WithdrawPublishedRouteEntries calls, expected 0"; exit 1; }
check 4,1 5

# back to 1 node: the 3 routes are gone with their nodes, and so are their publications
plan 1,1
step "scale in by 3" scale-in
[ "$published" -eq 0 ] || { echo "FAIL: $published PublishRouteEntries calls, expected 0"; exit 1; }
check 1,1 2

# nothing left to do
step "re-run" again
if grep -E "changed=[1-9]" "$work/again.log"; then echo "FAIL: the re-run changed something"; cat "$work/again.log"; exit 1; fi
[ "$writes" -eq 0 ] || { echo "FAIL: the re-run made $writes write calls"; exit 1; }

# someone scales the node pool to 3 in the console: sync_routes.yml alone publishes the 2 new routes
# (the slices of the removed nodes come back: their routes are new, and unpublished)
"$py" "$roles/route_steps.py" - scale "$name-ack-0" 3
step "out-of-band scale to 3, sync_routes.yml" sync geomesh.alicloud.sync_routes
[ "$published" -eq 2 ] || { echo "FAIL: sync_routes.yml made $published PublishRouteEntries calls, expected 2"; exit 1; }
check 3,1 4
step "sync_routes.yml again" sync-again geomesh.alicloud.sync_routes
if grep -E "changed=[1-9]" "$work/sync-again.log"; then echo "FAIL: the sync re-run changed something"; cat "$work/sync-again.log"; exit 1; fi
[ "$writes" -eq 0 ] || { echo "FAIL: the sync re-run made $writes write calls"; exit 1; }
# route sync on again: the role's 10 explicit routes (3 in each region's VPC, 4 in the mesh VPC) go,
# the routers' routes are synced instead, and every Pod still reaches every other cluster's
plan 3,1 sync
step "route sync on again" sync-on
deleted=$(calls "$c0" DeleteRouteEntry)
echo "$name: $deleted DeleteRouteEntry calls"
[ "$deleted" -eq 10 ] || { echo "FAIL: $deleted DeleteRouteEntry calls, expected the 10 explicit routes"; exit 1; }
check 3,1 4 sync
echo "$name: pod_routes in $(($(date +%s) - t0)) s"
