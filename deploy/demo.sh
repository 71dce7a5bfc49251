#!/usr/bin/env bash
# demo.sh runs hallq on its built-in demo hall on a fresh Debian 12 machine: it
# installs what is needed (deploy/setup.sh) and starts the server on :8080 with its
# data in ./data. Sign-in credentials and device tokens are written to
# ./data/demo-credentials.json. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/setup.sh
exec go run ./server -addr "${HALLQ_ADDR:-:8080}" -data "${HALLQ_DATA:-./data}" "$@"
