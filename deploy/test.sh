#!/usr/bin/env bash
# test.sh runs hallq's whole test suite on a fresh Debian 12 machine: it installs
# the system packages the tests need (deploy/setup.sh), checks formatting and vet,
# runs every test with the race detector, and runs each benchmark once so that
# none of them rots.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/setup.sh

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test -race"
go test -race -count=1 -timeout 45m ./...

echo "== benchmarks, one iteration each"
go test -run '^$' -bench . -benchtime 1x -timeout 20m ./...
