#!/usr/bin/env bash
# Times hallq-verify over a generated log of a busy hall: 1,000,000 events by
# default (every kind of act, signed checkpoints every 1000 events), and
# reports its wall time and peak memory (maximum resident set size).
#   bash deploy/verify-bench.sh [events]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/hallq-verify" ./server/cmd/hallq-verify
go test ./server/cmd/hallq-verify/ -run '^TestWriteLog$' -count 1 -timeout 30m \
	-args -write-log "$dir/log.jsonl" -events "$events" >/dev/null
echo "log: $(wc -l <"$dir/log.jsonl") events, $(du -h "$dir/log.jsonl" | cut -f1)"
/usr/bin/time -f 'hallq-verify: %e s wall, %U s user, %M KiB max resident' \
	"$dir/hallq-verify" -json "$dir/log.jsonl" >"$dir/report.json"
echo "status: $(grep -m1 '"status"' "$dir/report.json" | tr -d ' ,')"
