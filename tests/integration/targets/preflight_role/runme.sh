#!/usr/bin/env bash
# The preflight (playbooks/preflight.yml, the preflight role) against the emulator, read calls only:
# - a healthy account: every row passes, preflight_facts carries the caller's identity, 0 writes;
# - a broken account (the emulator's scenario faults): ASM's service-linked role and one ACK role
#   missing, a planned zone without transit router support, a cluster quota of 1 for a plan of 2
#   new clusters, a node quota below the plan's node count, and a planned zone that the region does
#   not have: the run fails after the table, which names each with its fix; 0 writes;
# - the same with preflight_continue=true: the run passes, preflight_facts counts the failures;
# - geomesh_skip_preflight=true: no account read at all (no GetRole);
# - a wrong AccessKey secret: the credentials row fails, the other reads are unknown, not passes.
# The scenario faults are cleared when the target ends (the shard's emulator is shared).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
files="$here/../setup_emulator/files"
roles="$here/../cluster_role"
py=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
. "$files/emulator_env.sh"
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true ANSIBLE_FORCE_COLOR=0
work=$(mktemp -d)
clear_faults() {
  for product in ram cbn cs; do "$py" "$files/emulator_faults.py" "$EMULATOR_URL" '{}' "$product" > /dev/null; done
}
trap 'clear_faults; rm -rf "$work"' EXIT

name="pf-$$"
inventory="$work/$name.json"
"$py" "$roles/cluster_inventory.py" "$name" 2 "$inventory" "$work/kube" --base 90 --node-counts 4,1
counts() { "$py" "$files/emulator_log.py" "$EMULATOR_URL"; }
fail() { echo "FAIL: $*"; exit 1; }
run() {  # run LOG [args]: the playbook; its exit code in $rc, its output in $work/LOG.log, facts in $work/LOG.json
  local log=$1
  shift
  rc=0
  ansible-playbook -i "$inventory" "$here/playbook.yml" -e "preflight_facts_out=$work/$log.json" "$@" \
    > "$work/$log.log" 2>&1 || rc=$?
}
table() {  # table LOG: the printed table
  sed -n '/TASK \[geomesh.alicloud.preflight : Print the table\]/,/^$/p' "$work/$1.log" | sed -n '/"msg": \[/,/\]/p'
}

# --- healthy ---
read -r c0 w0 < <(counts)
run healthy
[ "$rc" -eq 0 ] || { cat "$work/healthy.log"; fail "the healthy account did not pass"; }
read -r c1 w1 < <(counts)
[ "$((w1 - w0))" -eq 0 ] || fail "healthy: $((w1 - w0)) write calls"
"$py" - "$work/healthy.json" <<'PY'
import json, sys
facts = json.load(open(sys.argv[1]))
rows = facts["rows"]
assert int(facts["failed"]) == 0 and int(facts["unknown"]) == 0, facts["table"]
assert int(facts["passed"]) == len(rows), rows
checks = sorted({r["check"] for r in rows})
assert checks == ["credentials", "quota", "region", "service role", "transit router zones", "version offered", "zones"], checks
roles = [r["subject"] for r in rows if r["check"] == "service role"]
assert len(roles) == 6 and "AliyunServiceRoleForServiceMesh (ASM)" in roles, roles
assert facts["identity"]["identity_type"] == "Account" and facts["identity"]["account_id"], facts["identity"]
assert sum(1 for r in rows if r["check"] == "region") == 3, rows  # 2 regions and the mesh host
assert facts["table"][-1] == "%d pass, 0 fail, 0 unknown" % len(rows), facts["table"]
PY
echo "$name (healthy): $((c1 - c0)) read calls, 0 writes; the table:"
table healthy

# --- broken ---
region2=$("$py" -c 'import json,sys; h=json.load(open(sys.argv[1]))["all"]["children"]["regions"]["hosts"]; print(sorted(h)[1])' "$inventory")
zone2=$("$py" -c 'import json,sys; h=json.load(open(sys.argv[1]))["all"]["children"]["regions"]["hosts"]; print(h[sys.argv[2]]["geomesh_vswitches"][0]["zone_id"])' "$inventory" "$region2")
"$py" - "$inventory" "$region2" <<'PY'
import json, sys
path, region = sys.argv[1], sys.argv[2]
inventory = json.load(open(path))
host = inventory["all"]["children"]["regions"]["hosts"][region]
host["geomesh_vswitches"][1]["zone_id"] = region + "-z"  # not a zone of the region
json.dump(inventory, open(path + ".broken", "w"), indent=2)
PY
"$py" "$files/emulator_faults.py" "$EMULATOR_URL" \
  '{"missing_role": [{"name": "AliyunServiceRoleForServiceMesh"}, {"name": "AliyunCSManagedNetworkRole"}]}' ram > /dev/null
"$py" "$files/emulator_faults.py" "$EMULATOR_URL" \
  "{\"zone_without_transit_router\": {\"region\": \"$region2\", \"zone\": \"$zone2\"}}" cbn > /dev/null
"$py" "$files/emulator_faults.py" "$EMULATOR_URL" '{"user_quota": {"cluster_quota": 1, "node_quota": 3}}' cs > /dev/null
cp "$inventory" "$inventory.healthy"
cp "$inventory.broken" "$inventory"

read -r c0 w0 < <(counts)
run broken
[ "$rc" -ne 0 ] || { cat "$work/broken.log"; fail "the broken account passed"; }
read -r c1 w1 < <(counts)
[ "$((w1 - w0))" -eq 0 ] || fail "broken: $((w1 - w0)) write calls"
grep -q "The preflight failed 6 check(s)" "$work/broken.log" || { cat "$work/broken.log"; fail "broken: not 6 failed checks"; }
if grep -q "TASK \[Write preflight_facts\]\|TASK \[The facts" "$work/broken.log"; then fail "broken: the run went on"; fi
echo "$name (broken): stopped with $((c1 - c0)) read calls, 0 writes; the table:"
table broken
# each missing prerequisite named with its fix
for line in \
  "FAIL .*service role .*AliyunServiceRoleForServiceMesh (ASM) .*the account has no such role -> create ASM's service-linked role" \
  "FAIL .*service role .*AliyunCSManagedNetworkRole (ACK) .*-> authorise ACK's default roles" \
  "FAIL .*zones .*$region2 .*not zones of $region2: $region2-z -> use zones of: " \
  "FAIL .*transit router zones .*$region2 .*no transit router attachment in: $zone2 -> move those vSwitches" \
  "FAIL .*quota .*ACK clusters .* of 1 -> raise the ACK cluster quota" \
  "FAIL .*quota .*ACK nodes per cluster .*4 planned, quota 3 -> raise the ACK node quota"; do
  table broken | grep -q -- "$line" || fail "broken: no row like: $line"
done

run continued -e preflight_continue=true
[ "$rc" -eq 0 ] || { cat "$work/continued.log"; fail "preflight_continue=true did not let the run pass"; }
"$py" - "$work/continued.json" <<'PY'
import json, sys
facts = json.load(open(sys.argv[1]))
failed = sorted(r["subject"] for r in facts["rows"] if r["status"] == "fail")
assert int(facts["failed"]) == 6 and len(failed) == 6, failed
assert all(r["fix"] for r in facts["rows"] if r["status"] == "fail"), facts["rows"]
PY

read -r c0 w0 < <(counts)
"$py" "$files/emulator_log.py" "$EMULATOR_URL" actions "$c0" GetRole > /dev/null
run skipped -e geomesh_skip_preflight=true
[ "$rc" -eq 0 ] || { cat "$work/skipped.log"; fail "geomesh_skip_preflight=true did not skip"; }
[ "$("$py" "$files/emulator_log.py" "$EMULATOR_URL" actions "$c0" GetRole)" -eq 0 ] || fail "skipped: the roles were read"
[ ! -e "$work/skipped.json" ] || fail "skipped: preflight_facts was set"
echo "$name: geomesh_skip_preflight=true skips the account's checks"

# --- a wrong AccessKey secret ---
cp "$inventory.healthy" "$inventory"
clear_faults
read -r c0 w0 < <(counts)
ALIBABA_CLOUD_ACCESS_KEY_SECRET=not-the-secret run badkey -e preflight_continue=true
[ "$rc" -eq 0 ] || { cat "$work/badkey.log"; fail "badkey: the run failed before the table"; }
if grep -q "not-the-secret" "$work/badkey.log" "$work/badkey.json"; then fail "badkey: the secret is printed"; fi
"$py" - "$work/badkey.json" <<'PY'
import json, sys
facts = json.load(open(sys.argv[1]))
rows = facts["rows"]
(cred,) = [r for r in rows if r["check"] == "credentials"]
assert cred["status"] == "fail" and "ALIBABA_CLOUD_ACCESS_KEY_ID" in cred["fix"], cred
reads = [r for r in rows if r["check"] in ("service role", "region", "version offered")]
assert reads and all(r["status"] == "unknown" for r in reads), reads
PY
echo "$name (wrong secret): the credentials fail, every read is unknown; the table:"
table badkey
