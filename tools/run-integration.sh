#!/usr/bin/env bash
# Run the integration targets against a fresh local emulator: tools/run-integration.sh [target ...]
# It names the emulator in ansible-test's integration_config.yml for the run and removes that file
# afterwards. A target that depends on setup_emulator (meta/main.yml, or a runme.sh that sources
# setup_emulator/files/emulator_env.sh) also runs alone, `ansible-test integration <target>` in the
# synced collection: without integration_config.yml, setup_emulator starts an emulator of its own.
#
# Without targets, every target runs, split into GEOMESH_INTEGRATION_SHARDS shards (default 2) that
# run at the same time: each shard is ansible-test in a copy of the synced collection (ansible-test
# writes tests/output and integration_config.yml there) against an emulator of its own (the request
# log, the injected faults and the state a target counts or checks are the same as in a run of one
# shard). The shards are balanced by the durations measured in tools/integration-durations.txt.
# Each shard's complete output is shown when it ends; the run fails if any shard fails.
# GEOMESH_INTEGRATION_SHARDS=1 runs everything in one ansible-test run in the synced collection.
# "Every target" leaves out the targets with the alias `reliability` (make reliability runs them by
# name): they do not fit make test's time, and tests/reliability covers their kind for the whole site.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
coll="$top/.build/collections/ansible_collections/geomesh/alicloud"
ansible_test=("$top/.venv/bin/ansible-test" integration --local --python 3.11 --color no)

# write_config STATE_DIR CONFIG: integration_config.yml naming the emulator of STATE_DIR
write_config() {
  "$top/.venv/bin/python" - "$1/env.json" "$2" <<'PY'
import json, os, sys
env = json.load(open(sys.argv[1]))
endpoint = env["GEOMESH_ALICLOUD_ENDPOINT"]
config = {
    "alicloud_endpoint": endpoint,
    "alicloud_protocol": env.get("GEOMESH_ALICLOUD_PROTOCOL", "http"),
    "alicloud_access_key": env["ALIBABA_CLOUD_ACCESS_KEY_ID"],
    "alicloud_secret_key": env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
    "emulator_url": "http://" + endpoint,
    "emulator_state_dir": env.get("GEOMESH_EMULATOR_STATE_DIR", ""),
}
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as out:
    json.dump(config, out, indent=2)
PY
}

start_emulator() {  # start_emulator STATE_DIR
  rm -rf "$1"
  # without the data plane: its thread and Envoys would cost every later target of the shard CPU
  # (make test took 60 minutes instead of 34); the runbook targets start their own emulators
  "$top/tools/emulator.sh" start "$1" --delay-scale "${GEOMESH_EMULATOR_DELAY_SCALE:-0.05}" --no-dataplane
}

shards=${GEOMESH_INTEGRATION_SHARDS:-2}
every=(--exclude reliability/)  # the run of every target
if [ "$#" -gt 0 ] || [ "$shards" -le 1 ]; then
  state="$top/.build/emulator-integration"
  start_emulator "$state"
  config="$coll/tests/integration/integration_config.yml"
  trap 'rm -f "$config"; "$top/tools/emulator.sh" stop "$state"' EXIT
  write_config "$state" "$config"
  cd "$coll"
  if [ "$#" -gt 0 ]; then "${ansible_test[@]}" "$@"; else "${ansible_test[@]}" "${every[@]}"; fi
  exit 0
fi

# --- every target, in shards ---
work="$top/.build/integration"
rm -rf "$work"
mkdir -p "$work"
pids=()
cleanup() {
  local pid i
  for pid in "${pids[@]}"; do kill -- "$pid" 2>/dev/null || true; done
  for ((i = 1; i <= shards; i++)); do "$top/tools/emulator.sh" stop "$work/emulator-$i"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The targets ansible-test would run, dealt to the shards longest first, each to the shard with the
# least measured time so far (a target missing from the durations file counts 60 s).
if ! (cd "$coll" && "${ansible_test[@]}" --list-targets "${every[@]}") > "$work/targets" 2> "$work/targets.err"; then
  cat "$work/targets.err" >&2
  exit 1
fi
count=$(grep -c . "$work/targets" || true)
[ "$count" -gt 0 ] || { echo "ansible-test lists no integration target" >&2; exit 1; }
# no shard without targets (ansible-test given none would run them all)
[ "$shards" -le "$count" ] || shards=$count
"$top/.venv/bin/python" - "$shards" "$work/targets" "$top/tools/integration-durations.txt" "$work" <<'PY'
import sys

shards, targets_file, durations_file, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
targets = [line.strip() for line in open(targets_file) if line.strip()]
durations = {}
for line in open(durations_file):
    fields = line.split("#")[0].split()
    if len(fields) == 2:
        durations[fields[0]] = float(fields[1])
load = [0.0] * shards
dealt = [[] for _ in range(shards)]
for target in sorted(targets, key=lambda t: (-durations.get(t, 60.0), t)):
    i = load.index(min(load))
    dealt[i].append(target)
    load[i] += durations.get(target, 60.0)
for i in range(shards):
    with open("%s/shard-%d.targets" % (work, i + 1), "w") as out:
        out.write("".join(t + "\n" for t in sorted(dealt[i])))
    print("shard %d: %d targets, about %.0f s measured: %s" % (i + 1, len(dealt[i]), load[i], " ".join(sorted(dealt[i]))))
PY

# run_shard I: the shard's own copy of the collections (with kubernetes.core) and its own emulator
run_shard() {
  local i=$1 dir="$work/shard-$1/collections/ansible_collections" targets
  mapfile -t targets < "$work/shard-$i.targets"
  mkdir -p "$dir/geomesh"
  cp -a "$coll" "$dir/geomesh/alicloud"
  cp -a "$top/.build/collections/ansible_collections/kubernetes" "$dir/kubernetes"
  start_emulator "$work/emulator-$i"
  write_config "$work/emulator-$i" "$dir/geomesh/alicloud/tests/integration/integration_config.yml"
  cd "$dir/geomesh/alicloud"
  ANSIBLE_COLLECTIONS_PATH="$work/shard-$i/collections" "${ansible_test[@]}" "${targets[@]}"
}

start=$(date +%s)
for ((i = 1; i <= shards; i++)); do
  (
    # run_shard under set -e (a background job, not a condition, keeps -e in force), its status kept
    (run_shard "$i") > "$work/shard-$i.log" 2>&1 &
    set +e
    wait "$!"
    echo $? > "$work/shard-$i.rc"
    echo "$(($(date +%s) - start))" > "$work/shard-$i.end"
  ) &
  pids+=("$!")
  # progress: each target as it starts, with the seconds since the start of the run
  (
    tail -n +1 -F --pid="$!" "$work/shard-$i.log" 2>/dev/null | while IFS= read -r line; do
      case $line in
        "Running "*" integration test "*)
          target=${line#Running }
          target=${target%% *}
          echo "[shard $i] $(printf '%4d' $(($(date +%s) - start))) s  $target"
          echo "$(($(date +%s) - start)) $target" >> "$work/shard-$i.starts"
          ;;
      esac
    done
  ) &
done

failed=()
for ((i = 1; i <= shards; i++)); do
  wait "${pids[$((i - 1))]}" || true
done
wait
pids=()
show() {  # show I: the shard's complete output
  echo
  echo "================ shard $1 ($(paste -sd ' ' "$work/shard-$1.targets")): exit status $(cat "$work/shard-$1.rc" 2>/dev/null || echo '?') after $(cat "$work/shard-$1.end" 2>/dev/null || echo '?') s ================"
  cat "$work/shard-$1.log"
}
# the shards that passed first, then the failed ones, next to the summary at the end
for ((i = 1; i <= shards; i++)); do
  if [ "$(cat "$work/shard-$i.rc" 2>/dev/null || echo 1)" = 0 ]; then show "$i"; else failed+=("$i"); fi
done
for i in "${failed[@]}"; do show "$i"; done

echo
echo "Integration targets, seconds each (from its start to the next target's start or the shard's end):"
for ((i = 1; i <= shards; i++)); do
  if [ -f "$work/shard-$i.starts" ]; then
    awk -v end="$(cat "$work/shard-$i.end" 2>/dev/null || echo 0)" -v shard="$i" '
      { t[NR] = $1; n[NR] = $2 }
      END { for (k = 1; k <= NR; k++) printf "  shard %s  %-45s %5d\n", shard, n[k], (k < NR ? t[k + 1] : end) - t[k] }
    ' "$work/shard-$i.starts"
  fi
done
echo "Integration: $shards shards in $(($(date +%s) - start)) s"
if [ "${#failed[@]}" -gt 0 ]; then
  for i in "${failed[@]}"; do
    echo "FAILED: integration shard $i ($(paste -sd ' ' "$work/shard-$i.targets")); its output is above and in $work/shard-$i.log"
  done
  exit 1
fi
