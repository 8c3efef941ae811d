#!/usr/bin/env bash
# The runbook end to end on 2 regions, then the data plane's own drills (run.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/run.sh" 2 72 drills
