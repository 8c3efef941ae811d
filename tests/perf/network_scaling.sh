#!/usr/bin/env bash
# Benchmark: wall time of the network role for 2 and for 8 regions, full converge and no-op
# re-run, against the local emulator with its provisioning delays on (scale 1: a VPC takes 1 s,
# an attachment 3 s). DESIGN target: 8 regions take <= 1.5x the wall time of 2.
#   tests/perf/network_scaling.sh [REGIONS ...]     (default: 2 8; run after `make deps sync`)
# Prints one line per run; nothing is asserted (benchmarks measure, tests assert).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
files="$top/tests/integration/targets/setup_emulator/files"
state="$top/.build/perf-network"
py="$top/.venv/bin/python"
export PATH="$top/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$top/.build/collections" ANSIBLE_FORCE_COLOR=0
rm -rf "$state"
"$top/tools/emulator.sh" start "$state" --delay-scale "${GEOMESH_EMULATOR_DELAY_SCALE:-1}"
trap '"$top/tools/emulator.sh" stop "$state"' EXIT
set -a
# shellcheck disable=SC1091
. "$state/env.sh"
set +a
url="http://$GEOMESH_ALICLOUD_ENDPOINT"
counts() { "$py" "$files/emulator_log.py" "$url"; }

now() { "$py" -c 'import time; print(time.time())'; }
sizes=("$@")
[ "${#sizes[@]}" -gt 0 ] || sizes=(2 8)

printf '%-8s %-9s %8s %7s %7s\n' regions run seconds calls writes
for n in "${sizes[@]}"; do
  "$py" "$files/make_inventory.py" "perf$n" "$n" "$state/perf$n.json"
  for run in converge no-op; do
    read -r c0 w0 < <(counts)
    started=$(now)
    # one fork per host, so that every region really runs in parallel
    ansible-playbook -f "$((n + 1))" -i "$state/perf$n.json" geomesh.alicloud.network > "$state/perf$n-$run.log" \
      || { tail -30 "$state/perf$n-$run.log"; exit 1; }
    ended=$(now)
    read -r c1 w1 < <(counts)
    printf '%-8s %-9s %8.1f %7d %7d\n' "$n" "$run" "$("$py" -c "print($ended - $started)")" "$((c1 - c0))" "$((w1 - w0))"
  done
done
