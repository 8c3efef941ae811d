# shellcheck shell=bash
# Source from a target's runme.sh: . "$here/../setup_emulator/files/emulator_env.sh"
# Exports GEOMESH_ALICLOUD_ENDPOINT, GEOMESH_ALICLOUD_PROTOCOL, ALIBABA_CLOUD_ACCESS_KEY_ID,
# ALIBABA_CLOUD_ACCESS_KEY_SECRET and EMULATOR_URL: those of the emulator named by ansible-test's
# integration_config.yml (tools/run-integration.sh), or, when the target runs on its own or sets
# EMULATOR_OWN=1 before sourcing, of a fresh emulator started here (with the data plane), which
# stops when the sourcing shell exits.
# It also points OpenSSL's system CA store (SSL_CERT_FILE, SSL_CERT_DIR) at a file without
# certificates: every endpoint here is the emulator on loopback (the cloud APIs over HTTP, each
# Kubernetes API server over TLS verified against the CA of its kubeconfig), so nothing verifies
# against the system store, yet Python loads it (65 ms, 144 certificates) for each default SSL
# context, and a cloud module run makes three (aiohttp's two at import, the Tea SDK's session):
# about 0.3 s of the 1.5 s of CPU a module run took under make test's load (tests/perf/README.md).
# An empty store is as strict. SSL_CERT_DIR names a directory that does not exist, on purpose.
_emulator_files=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_emulator_py=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
_emulator_config="$_emulator_files/../../../integration_config.yml"
if [ ! -f "$_emulator_config" ] || [ -n "${EMULATOR_OWN:-}" ]; then
  _emulator_state=$(mktemp -d "${OUTPUT_DIR:-${TMPDIR:-/tmp}}/geomesh-emulator-XXXXXX")
  IFS=: read -r -a _emulator_paths <<< "${ANSIBLE_COLLECTIONS_PATH:-${ANSIBLE_COLLECTIONS_PATHS:-}}"
  EMULATOR_WATCH_PID=$$ "$_emulator_py" "$_emulator_files/emulator_start.py" "$_emulator_state" \
    "${GEOMESH_EMULATOR_DELAY_SCALE:-0.05}" "${_emulator_paths[@]}" > "$_emulator_state/config.json"
  _emulator_config="$_emulator_state/config.json"
fi
eval "$("$_emulator_py" "$_emulator_files/emulator_env.py" "$_emulator_config")"
export SSL_CERT_FILE="$_emulator_files/no-system-cas.pem" SSL_CERT_DIR="$_emulator_files/no-system-cas.d"
