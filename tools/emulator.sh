#!/usr/bin/env bash
# Start or stop the local Alibaba Cloud emulator: tools/emulator.sh start|stop STATE_DIR [extra args]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cmd=$1 state=$2
shift 2
export PYTHONPATH="$top/tests/emulator${PYTHONPATH:+:$PYTHONPATH}"
case "$cmd" in
  start)
    mkdir -p "$state" && chmod 700 "$state"
    "$top/.venv/bin/python" -m geomesh_emulator start --state-dir "$state" --port 0 --daemon "$@" >/dev/null
    ;;
  stop)
    "$top/.venv/bin/python" -m geomesh_emulator stop --state-dir "$state" >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop STATE_DIR" >&2; exit 2 ;;
esac
