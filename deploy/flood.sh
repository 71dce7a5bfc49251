#!/usr/bin/env bash
# Floods a demo hall server on loopback and prints how /healthz (on the public
# port and on the -health-addr listener) and a kiosk issuing tickets fared:
# README's flood figures, in one run:
#
#   bash deploy/flood.sh
#
# 1. a baseline: the probes alone, no flood;
# 2. CONNS slow connections (default 10,000): sign-in requests whose body
#    trickles in a byte every 5 s, from 40 loopback addresses, each reopened
#    at once when the server's read deadline cuts it (after 1 s when refused);
# 3. a sign-in flood: 64 clients sending wrong passwords as fast as answered.
#
# The flood runs as a process of its own at the lowest priority (nice 19), so
# that the server and the probe (normal priority) get the processors first:
# what is measured is the server under the flood, not the flood tool. The
# probe polls /healthz every 20 ms on each port and issues a kiosk ticket
# every 1.1 s (the kiosk's rate limit is 60 a minute).
#
# The raw baseline is a bare Go net/http server answering a constant /healthz
# (hallq-flood -mode raw), a process of its own at the server's priority: the
# probe polls it beside the server's two, so each run shows what the machine
# alone does to any server's answers.
#
# Environment: DURATION seconds measured per run (default 30), CONNS (10000),
# WORKERS sign-in clients (64), EVENTS added to the log first (5000), PORT
# (18080; the health listener is PORT+1, the raw baseline PORT+2). 10,000 connections need an open file
# each on both sides: the script raises the open-file limit to 30,000 or the
# hard limit (as root, raise the hard limit first if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18080}
EVENTS=${EVENTS:-5000}
DURATION=${DURATION:-30}
CONNS=${CONNS:-10000}
WORKERS=${WORKERS:-64}
RAMP=5
ulimit -n 30000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
server=
raw=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "$raw" ] && kill "$raw" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/hallq-server" ./server
go build -o "$work/hallq-flood" ./server/cmd/hallq-flood
"$work/hallq-server" -addr "127.0.0.1:$PORT" -health-addr "127.0.0.1:$((PORT + 1))" -data "$work/data" -log-level error &
server=$!
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
	sleep 0.2
done
flood=("$work/hallq-flood" -url "http://127.0.0.1:$PORT" -credentials "$work/data/demo-credentials.json")
"$work/hallq-flood" -mode raw -listen "127.0.0.1:$((PORT + 2))" &
raw=$!
"${flood[@]}" -mode prefill -events "$EVENTS"

echo "cores: $(nproc); open-file limit: $(ulimit -n); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
probe() {
	"${flood[@]}" -mode none -health-url "http://127.0.0.1:$((PORT + 1))" -raw-url "http://127.0.0.1:$((PORT + 2))" \
		-duration "${DURATION}s" | grep -v '^flood: none'
}
# run WHAT FLAGS…: the flood at the lowest priority, the probe beside it.
run() {
	local what=$1
	shift
	echo
	echo "== $what"
	nice -n 19 "${flood[@]}" -probe=false -duration "$((RAMP + DURATION + 2))s" "$@" >"$work/flood.out" &
	local fl=$!
	sleep "$RAMP"
	probe
	wait "$fl"
	cat "$work/flood.out"
	echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}
echo
echo "== baseline: no flood"
probe
run "$CONNS slow connections" -mode slow -conns "$CONNS"
run "sign-in flood, $WORKERS clients" -mode login -workers "$WORKERS"
