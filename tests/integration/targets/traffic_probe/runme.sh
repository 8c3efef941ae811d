#!/usr/bin/env bash
# traffic_probe through ansible-playbook against a tiny Bookinfo-like page on loopback that this
# script starts itself (files/server.py, port 0, its port written to a file); no emulator needed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
export ANSIBLE_FORCE_COLOR=0
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$py" "$here/files/server.py" "$work/port" &
server_pid=$!
for _i in $(seq 100); do
  [ -s "$work/port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "server.py exited" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/port" ] || { echo "server.py wrote no port" >&2; exit 1; }

printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$py" > "$work/inventory"
read -r port closed < "$work/port"
ansible-playbook -i "$work/inventory" "$here/playbook.yml" -e "probe_port=$port probe_closed_port=$closed" "$@"
