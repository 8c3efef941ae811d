#!/usr/bin/env bash
# The teardown playbook against the emulator: site.yml on 2 regions (network with route sync off, so
# the network role's explicit routes are there too; clusters, mesh, gateway, Bookinfo), plus two
# foreign VPCs named like the run's own (one without tags, one tagged for someone else) and a
# vSwitch without tags in the run's mesh VPC; then
# - teardown in check mode: no write call; would_delete lists exactly the run's tagged resources in
#   deletion order, the foreign ones and the mesh VPC holding the foreign vSwitch kept with their
#   reasons (teardown_check.py plan), and the run prints both lists;
# - teardown killed (SIGKILL, the whole process group) after a few delete calls, then run again: it
#   finishes with the rest, in order, reading nothing from the killed run;
# - teardown again: changed=0, no write call, nothing deleted;
# - the foreign vSwitch removed by hand, the next teardown deletes the mesh VPC and nothing else;
# - the census of the emulator (GET /_emulator/state): nothing names the run's resources any more,
#   the foreign VPCs are still there (teardown_check.py census).
# The address plan 80.0.0.0/8, 81.0.0.0/8 and Pods 10.80.0.0/16, 10.81.0.0/16 (cluster_inventory.py
# --base 80) keeps these Pods apart from every other test's in the emulator.
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

name="td-$$"
inventory="$work/$name.json"
"$py" "$roles/cluster_inventory.py" "$name" 2 "$inventory" "$work/kube" --base 80 --no-route-sync
"$py" - "$inventory" <<'PY'
import json, sys
path = sys.argv[1]
inventory = json.load(open(path))
inventory["all"]["vars"].update({"gateway_wait_delay": 1, "bookinfo_wait_delay": 1})
json.dump(inventory, open(path, "w"), indent=2)
PY
counts() { "$py" "$files/emulator_log.py" "$EMULATOR_URL"; }
writes() { counts | cut -d' ' -f2; }
teardown() {  # teardown LOG [ansible-playbook args]: the teardown playbook, its facts in $work/LOG.json
  local log=$1
  shift
  ansible-playbook -i "$inventory" "$here/playbook.yml" -e "teardown_facts_out=$work/$log.json" "$@" \
    > "$work/$log.log" 2>&1 || { cat "$work/$log.log"; exit 1; }
}

t0=$(date +%s)
ansible-playbook -i "$inventory" geomesh.alicloud.site > "$work/site.log" 2>&1 || { cat "$work/site.log"; exit 1; }
echo "$name: site.yml on 2 regions in $(($(date +%s) - t0)) s"

# Foreign resources. VPCs: the names of the run's VPCs in cn-hangzhou and cn-shanghai (another CIDR block, so
# site.yml would not take them for its own), one without tags, one with the run's tag key but
# another value.
ansible localhost -m geomesh.alicloud.vpc \
  -a "{\"region\": \"cn-hangzhou\", \"name\": \"$name-vpc-cn-hangzhou\", \"cidr_block\": \"172.31.0.0/16\"}" \
  > "$work/foreign.log" 2>&1 || { cat "$work/foreign.log"; exit 1; }
ansible localhost -m geomesh.alicloud.vpc \
  -a "{\"region\": \"cn-shanghai\", \"name\": \"$name-vpc-cn-shanghai\", \"cidr_block\": \"172.31.0.0/16\", \"tags\": {\"test\": \"$name-other\"}}" \
  >> "$work/foreign.log" 2>&1 || { cat "$work/foreign.log"; exit 1; }
# and a vSwitch without tags in the run's mesh VPC: that VPC is kept (it holds it) until it is gone
mesh_vpc=$("$py" - "$EMULATOR_URL" "$name-vpc-mesh" <<'PY'
import json, sys, urllib.request
state = json.loads(urllib.request.urlopen(sys.argv[1].rstrip("/") + "/_emulator/state", timeout=10).read())
print(next(v["VpcId"] for v in state["vpc"] if v.get("VpcName") == sys.argv[2]))
PY
)
ansible localhost -m geomesh.alicloud.vpc_vswitch \
  -a "{\"region\": \"cn-hangzhou\", \"vpc_id\": \"$mesh_vpc\", \"cidr_block\": \"192.168.9.0/24\", \"zone_id\": \"cn-hangzhou-h\"}" \
  > "$work/foreign-vsw.log" 2>&1 || { cat "$work/foreign-vsw.log"; exit 1; }
foreign_vsw=$(grep -o '"vswitch_id": "vsw-[0-9a-z]*"' "$work/foreign-vsw.log" | head -1 | cut -d'"' -f4)

# Check mode: the list, no write call.
read -r c0 w0 < <(counts)
t0=$(date +%s)
teardown check --check
read -r c1 w1 < <(counts)
echo "$name: teardown --check in $(($(date +%s) - t0)) s, $((c1 - c0)) calls ($((w1 - w0)) writes)"
[ "$((w1 - w0))" -eq 0 ] || { echo "FAIL: check mode made write calls:"; "$py" "$files/emulator_log.py" "$EMULATOR_URL" actions "$c0"; exit 1; }
"$py" "$here/teardown_check.py" "$EMULATOR_URL" "$name" plan "$work/check.json" "$work/ids.json"
# the run says each of them, in order, and what it keeps
"$py" - "$work/check.json" "$work/check.log" <<'PY'
import json, sys
facts, log = json.load(open(sys.argv[1])), open(sys.argv[2]).read()
at = log.index("Say what would be deleted")
positions = [log.find('"%s %s' % (e["kind"], e["id"]), at) for e in facts["would_delete"]]
assert -1 not in positions and positions == sorted(positions), "the list is not printed in order"
for entry in facts["kept"]:
    assert "%s %s (%s) in %s" % (entry["kind"], entry["id"], entry["name"], entry["region"]) in log or entry["id"] in log
    assert entry["reason"] in log, entry
PY

# Killed after a few delete calls, then run again: it finishes.
kill_after=4
start=$(writes)
setsid ansible-playbook -i "$inventory" "$here/playbook.yml" -e "teardown_facts_out=$work/killed.json" > "$work/killed.log" 2>&1 &
pid=$!
while [ "$(( $(writes) - start ))" -lt "$kill_after" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: the teardown ended before $kill_after write calls"; cat "$work/killed.log"; exit 1
  fi
  sleep 0.2
done
kill -KILL -- "-$pid"
wait "$pid" 2>/dev/null || true
killed=$(( $(writes) - start ))
echo "$name: teardown killed after $killed write calls"
[ ! -e "$work/killed.json" ] || { echo "FAIL: the killed teardown finished"; exit 1; }
read -r c0 w0 < <(counts)
t0=$(date +%s)
teardown resumed
read -r c1 w1 < <(counts)
echo "$name: the teardown run again in $(($(date +%s) - t0)) s, $((c1 - c0)) calls ($((w1 - w0)) writes):"
"$py" "$files/emulator_log.py" "$EMULATOR_URL" actions "$c0"
"$py" - "$work/resumed.json" "$work/check.json" <<'PY'
import json, sys
resumed, check = (json.load(open(p)) for p in sys.argv[1:3])
deleted = [(e["kind"], e["id"]) for e in resumed["deleted"]]
planned = [(e["kind"], e["id"]) for e in check["would_delete"]]
# what the killed run had not finished is deleted now, in the same order; nothing else
missing = [d for d in deleted if d not in planned]
assert deleted and not missing, "deleted %s, not planned: %s" % (deleted, missing)
assert deleted == [p for p in planned if p in deleted], "out of order: %s" % deleted
assert resumed["kept"] == check["kept"], resumed["kept"]
print("the run after the kill deleted %d of the %d resources" % (len(deleted), len(planned)))
PY

# Again: nothing to do, no write call.
read -r c0 w0 < <(counts)
teardown again
read -r c1 w1 < <(counts)
echo "$name: teardown again: $((c1 - c0)) calls ($((w1 - w0)) writes)"
if grep -E "changed=[1-9]" "$work/again.log"; then echo "FAIL: the teardown after the teardown changed something"; cat "$work/again.log"; exit 1; fi
[ "$((w1 - w0))" -eq 0 ] || { echo "FAIL: the teardown after the teardown made write calls"; exit 1; }
"$py" -c 'import json, sys; f = json.load(open(sys.argv[1])); assert f["deleted"] == [] and f["would_delete"] == [], f' "$work/again.json"

# The foreign vSwitch gone, the next run deletes the mesh VPC that held it, and nothing else.
ansible localhost -m geomesh.alicloud.vpc_vswitch -a "{\"region\": \"cn-hangzhou\", \"vswitch_id\": \"$foreign_vsw\", \"state\": \"absent\"}" \
  > "$work/foreign-vsw-gone.log" 2>&1 || { cat "$work/foreign-vsw-gone.log"; exit 1; }
teardown last
"$py" - "$work/last.json" "$mesh_vpc" <<'PY'
import json, sys
facts = json.load(open(sys.argv[1]))
assert [(e["kind"], e["id"]) for e in facts["deleted"]] == [("vpc", sys.argv[2])], facts["deleted"]
assert [e["kind"] for e in facts["kept"]] == ["vpc", "vpc"], facts["kept"]
PY
echo "$name: with the foreign vSwitch gone, the mesh VPC $mesh_vpc was deleted"

"$py" "$here/teardown_check.py" "$EMULATOR_URL" "$name" census "$work/ids.json"
