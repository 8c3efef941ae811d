#!/usr/bin/env bash
# The cluster and cluster_join roles (with the network role, as site.yml runs them) against the
# emulator: 2 regions - while every CreateCluster and CreateServiceMesh answers 503 after it
# committed (the answer of a create is lost) - then 3 regions with one Terway region, converge and
# publish their facts; the re-run changes nothing and makes no write call; a census of the
# emulator finds exactly one cluster per region, one mesh with every cluster joined, and the peer
# Pod rules on every cluster's security group; a rule made by someone else on a cluster's group
# survives a run; every wrong plan fails naming the field before the first write call.
# Pods reach Pods: after each converge, the emulator's reachability model finds every cluster's Pod
# addresses reachable from every other cluster's, both ways (the matrix is printed); on 3 regions,
# each step of the stages undone behind their back (a Pod route publication, a propagation, route
# sync, a peer Pod rule) makes exactly the pairs it serves fail with that step's code, and one run
# of the stages repairs all four at once.
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
reach() {  # reach CLUSTER_PREFIX CLUSTERS [SRC>DST=CODE ...]: the Pod reachability matrix, as expected
  "$py" "$files/emulator_reach.py" "$EMULATOR_URL" pods "$@"
}
# The address plan of each test (cluster_inventory.py --base): no two tests' Pods or nodes share an
# address in the emulator, whose reachability model finds an endpoint by its address.
base=
inventory() {  # inventory NAME REGIONS [MODE]: with the address plan $base
  "$py" "$here/cluster_inventory.py" "$1" "$2" "$work/$1.json" "$work/kube-$1" ${3:+"$3"} ${base:+--base "$base"}
}
play() {  # play NAME LOG [ansible-playbook args]: the stages and the checks of their facts
  local name=$1 log=$2
  shift 2
  ansible-playbook -i "$work/$name.json" "$here/playbook.yml" "$@" > "$work/$log.log" 2>&1
}

converged() {  # converged NAME [KEPT_CIDR]: a second run changes nothing, and the cloud holds the plan
  local name=$1 c1 w1 c2 w2
  read -r c1 w1 < <(counts)
  play "$name" "$name-again" || { cat "$work/$name-again.log"; exit 1; }
  read -r c2 w2 < <(counts)
  echo "$name: the run after converging made $((c2 - c1)) calls ($((w2 - w1)) writes)"
  if grep -E "changed=[1-9]" "$work/$name-again.log"; then echo "FAIL: the second run changed something"; cat "$work/$name-again.log"; exit 1; fi
  [ "$((w2 - w1))" -eq 0 ] || { echo "FAIL: the second run made $((w2 - w1)) write calls"; exit 1; }
  "$py" "$here/cluster_census.py" "$EMULATOR_URL" "$work/$name.json" ${2:+"$2"}
}

converge() {  # converge NAME REGIONS [MODE]: from scratch
  local name=$1 regions=$2 c0 w0 c1 w1 t0 t1
  inventory "$name" "$regions" "${3:-}"
  read -r c0 w0 < <(counts)
  t0=$(date +%s)
  play "$name" "$name-1" || { cat "$work/$name-1.log"; exit 1; }
  t1=$(date +%s)
  read -r c1 w1 < <(counts)
  echo "$name ($regions regions${3:+, $3}): first run $((t1 - t0)) s, $((c1 - c0)) calls ($((w1 - w0)) writes)"
  [ "$((w1 - w0))" -gt 0 ] || { echo "FAIL: the first run made no write call"; exit 1; }
  converged "$name"
}

# 2 regions, every create's answer lost: exactly one cluster per region and one mesh
name="cr2-$$" base=40
inventory "$name" 2
faults '{"server_error_after_commit_pct": 100, "actions": ["CreateCluster", "CreateServiceMesh"]}'
read -r c0 w0 < <(counts)
t0=$(date +%s)
play "$name" "$name-1" || { cat "$work/$name-1.log"; exit 1; }
t1=$(date +%s)
read -r c1 w1 < <(counts)
faults "{}"
injected=$("$py" "$files/emulator_log.py" "$EMULATOR_URL" faults)
echo "$name (2 regions): first run $((t1 - t0)) s, $((c1 - c0)) calls ($((w1 - w0)) writes), $injected creates answered 503 after commit"
[ "$injected" -ge 3 ] || { echo "FAIL: the faults were not injected"; exit 1; }
"$py" "$here/cluster_census.py" "$EMULATOR_URL" "$work/$name.json"

# A rule somebody else made on a cluster's security group is left alone by the next run.
group=$("$py" - "$EMULATOR_URL" "$name-ack-0" <<'PY'
import json, sys, urllib.request
state = json.loads(urllib.request.urlopen(sys.argv[1].rstrip("/") + "/_emulator/state", timeout=10).read())
print(next(c["security_group_id"] for c in state["cs_cluster"] if c["name"] == sys.argv[2]))
PY
)
ansible localhost -m geomesh.alicloud.ecs_security_group_rule -a "{\"region\": \"cn-hangzhou\", \"security_group_id\": \"$group\",
  \"rule_marker\": \"by-hand:\", \"rules\": [{\"source_cidr_ip\": \"203.0.113.0/24\", \"ip_protocol\": \"tcp\", \"port_range\": \"22/22\"}]}" \
  > "$work/by-hand.log" 2>&1 || { cat "$work/by-hand.log"; exit 1; }
converged "$name" 203.0.113.0/24
echo "$name: a rule made by hand on $group survived the run"
t0=$(date +%s)
reach "$name-ack-" 2
echo "$name: Pod reachability matrix in $(($(date +%s) - t0)) s"

name="cr3-$$" base=50
converge "$name" 3 terway
t0=$(date +%s)
reach "$name-ack-" 3
echo "$name: Pod reachability matrix in $(($(date +%s) - t0)) s"

# Each step undone with a direct SDK call (route_steps.py): exactly the pairs it serves fail, with
# its code (the other pairs stay reachable), then the step is put back and the matrix is green again.
# cn-hangzhou and cn-shanghai are Flannel, cn-beijing is Terway.
steps() { "$py" "$here/route_steps.py" "$work/$name-steps.json" "$@" "$name" > /dev/null; }
missing() {  # missing STEP SRC>DST=CODE...
  local step=$1
  shift
  steps break "$step"
  echo "$name without $step:"
  reach "$name-ack-" 3 "$@"
  steps restore "$step"
  reach "$name-ack-" 3 > "$work/$name-restored.log" || { echo "FAIL: $step restored"; cat "$work/$name-restored.log"; exit 1; }
}
t0=$(date +%s)
# the cn-hangzhou node routes no longer published: no router learns them, every way to them and back fails
missing publication "cn-shanghai>cn-hangzhou=NotPublished" "cn-beijing>cn-hangzhou=NotPublished" \
  "cn-hangzhou>cn-shanghai=NotPublished" "cn-hangzhou>cn-beijing=NotPublished"
# the cn-hangzhou router no longer learns from the cn-shanghai connection: that pair only
missing propagation "cn-hangzhou>cn-shanghai=NotPropagated" "cn-shanghai>cn-hangzhou=NotPropagated"
# no route sync into the cn-beijing VPC: nothing leaves it, and nothing answers from it
missing route-sync "cn-beijing>cn-hangzhou=NoVpcRoute" "cn-beijing>cn-shanghai=NoVpcRoute" \
  "cn-hangzhou>cn-beijing=NoVpcRoute" "cn-shanghai>cn-beijing=NoVpcRoute"
# cn-shanghai's nodes no longer admit cn-hangzhou's Pods: that direction only (security groups are stateful)
missing sg-rule "cn-hangzhou>cn-shanghai=SecurityGroupDenied"
echo "$name: four missing steps checked in $(($(date +%s) - t0)) s"

# All four undone at once: one run of the stages repairs them, with write calls of those four kinds
# only (a repair may take two calls: a module whose first call's ClientToken the API answers as a
# replay of the original, now undone, change sends the next token generation).
t0=$(date +%s)
steps break all
if reach "$name-ack-" 3 > "$work/$name-broken.log"; then echo "FAIL: nothing broke"; cat "$work/$name-broken.log"; exit 1; fi
read -r c0 w0 < <(counts)
play "$name" "$name-repair" || { cat "$work/$name-repair.log"; exit 1; }
"$py" "$files/emulator_log.py" "$EMULATOR_URL" actions "$c0" > "$work/$name-repair.writes"
echo "$name: the repair run's writes:"
cat "$work/$name-repair.writes"
printf '%s\n' AuthorizeSecurityGroup EnableTransitRouterRouteTablePropagation PublishRouteEntries \
  UpdateTransitRouterVpcAttachmentAttribute | diff - <(awk '{print $2}' "$work/$name-repair.writes") \
  || { echo "FAIL: the repair run did not make exactly the four kinds of repair"; exit 1; }
reach "$name-ack-" 3
echo "$name: all four repaired by one run in $(($(date +%s) - t0)) s"

# Wrong plans fail before any write call, naming the field. The plan itself is checked by site.yml's
# preflight before the network stage (no API call at all).
rejected() {  # rejected NAME MODE MAX_CALLS MESSAGE
  local name=$1 mode=$2 max_calls=$3 message=$4 c0 w0 c1 w1
  inventory "$name" 2 "$mode"
  read -r c0 w0 < <(counts)
  if play "$name" "$name"; then echo "FAIL: $name ($mode) converged"; exit 1; fi
  read -r c1 w1 < <(counts)
  grep -qF -- "$message" "$work/$name.log" || { echo "FAIL: $name: no '$message'"; cat "$work/$name.log"; exit 1; }
  [ "$((w1 - w0))" -eq 0 ] || { echo "FAIL: $name made $((w1 - w0)) write calls"; exit 1; }
  [ "$((c1 - c0))" -le "$max_calls" ] || { echo "FAIL: $name made $((c1 - c0)) API calls"; exit 1; }
  echo "$name ($mode): rejected with $((c1 - c0)) API calls, 0 writes"
}
base=  # the messages name the default address plan
rejected "crpod-$$" pod-overlap 0 "cn-hangzhou geomesh_cluster.pod_cidr 10.0.0.0/16 overlaps cn-shanghai geomesh_cluster.pod_cidr 10.0.0.0/16"
rejected "crmesh-$$" mesh-overlap 0 "cn-shanghai geomesh_cluster.service_cidr 192.168.16.0/20 overlaps asm-hangzhou vpc.cidr_block 192.168.0.0/16"
rejected "crterway-$$" terway-no-pod-vswitches 0 "cn-shanghai: geomesh_cluster.pod_vswitches: network_plugin terway needs at least one pod vSwitch"
rejected "croutside-$$" pod-vswitch-outside 0 "cn-shanghai: geomesh_cluster.pod_vswitches[0].cidr_block 99.0.0.0/16 is not inside the VPC's 21.0.0.0/8"
rejected "critypes-$$" no-instance-types 0 "cn-shanghai: geomesh_cluster.instance_types: a non-empty list of ECS instance types is required"
rejected "crmeshname-$$" no-mesh-name 0 "geomesh_mesh.name (cluster_join_mesh.name) is required"

# A Kubernetes version the region does not offer is found by site.yml's preflight with read calls
# only (ack_version_info), before the network stage: the whole run makes no write call.
name="cr2-$$" base=40
inventory "$name" 2 unknown-version
read -r c0 w0 < <(counts)
if play "$name" "$name"; then echo "FAIL: $name converged"; exit 1; fi
read -r c1 w1 < <(counts)
grep -F "1.2.3-aliyun.1" "$work/$name.log" | grep -q "kubernetes_version" || { echo "FAIL: $name: the version is not named"; cat "$work/$name.log"; exit 1; }
grep -qF "geomesh_cluster.kubernetes_version 1.2.3-aliyun.1 is not creatable in" "$work/$name.log" || { echo "FAIL: $name: not the preflight"; cat "$work/$name.log"; exit 1; }
if grep -q "TASK \[geomesh.alicloud.network" "$work/$name.log"; then echo "FAIL: $name: the network stage ran"; exit 1; fi
[ "$((w1 - w0))" -eq 0 ] || { echo "FAIL: $name made $((w1 - w0)) write calls"; exit 1; }
echo "$name (unknown-version): rejected with $((c1 - c0)) read calls, 0 writes"

# An Istio version ASM does not offer is found by site.yml's preflight with a read call only
# (asm_version_info), before the network stage: the whole run makes no write call.
inventory "$name" 2 unknown-istio
read -r c0 w0 < <(counts)
if play "$name" "$name-istio"; then echo "FAIL: $name (unknown-istio) converged"; exit 1; fi
read -r c1 w1 < <(counts)
grep -E "^fatal: \[asm-hangzhou\]" "$work/$name-istio.log" | grep -F "v1.0.0.1-g0000000-aliyun" | grep -q "istio_version" \
  || { echo "FAIL: $name: the Istio version is not named"; cat "$work/$name-istio.log"; exit 1; }
grep -qF "geomesh_mesh.istio_version v1.0.0.1-g0000000-aliyun is not offered for edition" "$work/$name-istio.log" || { echo "FAIL: $name: not the preflight"; cat "$work/$name-istio.log"; exit 1; }
if grep -q "TASK \[geomesh.alicloud.network" "$work/$name-istio.log"; then echo "FAIL: $name (unknown-istio): the network stage ran"; exit 1; fi
[ "$((w1 - w0))" -eq 0 ] || { echo "FAIL: $name (unknown-istio) made $((w1 - w0)) write calls"; exit 1; }
echo "$name (unknown-istio): rejected with $((c1 - c0)) read calls, 0 writes"
