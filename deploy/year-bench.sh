#!/usr/bin/env bash
# Builds a long history of a busy hall and measures the server on it: start-up
# after a clean stop and after a SIGKILL, memory against a fresh hall, sizes
# on disk, streaming a past day (see server/cmd/hallq-yearbench).
#   bash deploy/year-bench.sh [days] [events-per-day]
set -euo pipefail
cd "$(dirname "$0")/.."
days=${1:-365}
per_day=${2:-50000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/hallq-server" ./server
go build -o "$dir/hallq-yearbench" ./server/cmd/hallq-yearbench
"$dir/hallq-yearbench" -server "$dir/hallq-server" -days "$days" -events-per-day "$per_day" -dir "$dir/halls"
