#!/usr/bin/env bash
# Floods a demo hall server on loopback and prints how /healthz and a kiosk
# fared meanwhile: README's flood figures. Usage:
#   bash deploy/flood.sh [hallq-flood flags]     (default: -mode slow,ws -conns 10000 -ws 300 -duration 60s)
# Environment: EVENTS (log length added before the flood, default 50000), PORT (default 18080;
# the server's -health-addr is PORT+1, measured beside the public port's /healthz).
# 10,000 connections need an open file each on both sides: the script raises
# the open-file limit to 30,000 or the hard limit (as root, raise the hard
# limit first, e.g. in /etc/security/limits.conf or LimitNOFILE=).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18080}
EVENTS=${EVENTS:-50000}
ulimit -n 30000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "open-file limit: $(ulimit -n)"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/hallq-server" ./server
go build -o "$work/hallq-flood" ./server/cmd/hallq-flood
"$work/hallq-server" -addr "127.0.0.1:$PORT" -health-addr "127.0.0.1:$((PORT + 1))" -data "$work/data" -log-level error &
server=$!
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
	sleep 0.2
done
flood=("$work/hallq-flood" -url "http://127.0.0.1:$PORT" -health-url "http://127.0.0.1:$((PORT + 1))" -credentials "$work/data/demo-credentials.json")
"${flood[@]}" -mode prefill -events "$EVENTS"
if [ $# -eq 0 ]; then
	set -- -mode slow,ws -conns 10000 -ws 300 -duration 60s
fi
"${flood[@]}" "$@"
