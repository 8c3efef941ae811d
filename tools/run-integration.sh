#!/usr/bin/env bash
# Run the integration targets against a fresh local emulator: tools/run-integration.sh [target ...]
# It names the emulator in ansible-test's integration_config.yml for the run and removes that file
# afterwards. A target that depends on setup_emulator (meta/main.yml, or a runme.sh that sources
# setup_emulator/files/emulator_env.sh) also runs alone, `ansible-test integration <target>` in the
# synced collection: without integration_config.yml, setup_emulator starts an emulator of its own.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
coll="$top/.build/collections/ansible_collections/geomesh/alicloud"
state="$top/.build/emulator-integration"
rm -rf "$state"
"$top/tools/emulator.sh" start "$state" --delay-scale "${GEOMESH_EMULATOR_DELAY_SCALE:-0.05}"
config="$coll/tests/integration/integration_config.yml"
trap 'rm -f "$config"; "$top/tools/emulator.sh" stop "$state"' EXIT
"$top/.venv/bin/python" - "$state/env.json" "$config" <<'PY'
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
cd "$coll"
"$top/.venv/bin/ansible-test" integration --local --python 3.11 --color no "$@"
