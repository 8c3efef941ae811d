#!/usr/bin/env bash
# The runbook end to end on 3 regions: a failover chain (each region to the next), the default
# distribution (10% of each region's requests to the next), teardown, census (runbook/run.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../runbook/run.sh" 3 76
