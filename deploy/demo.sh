#!/usr/bin/env bash
# demo.sh runs hallq on its built-in demo hall on a fresh Debian 12 machine. It
# installs what is needed (deploy/setup.sh), builds the programs, and starts:
#   - the server on :8080 (data in ./data; credentials in ./data/demo-credentials.json),
#   - a virtual receipt printer on a pseudo-terminal (receipts as PNG in ./data/receipts),
#   - when an X display is available ($DISPLAY), the kiosk, the hall board and the
#     screen above window 1, in windows.
# Open http://localhost:8080/ for the web pages (counter, board, log, rules).
# Stop everything with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/setup.sh

addr="${HALLQ_ADDR:-:8080}"
data="${HALLQ_DATA:-./data}"
port="${addr##*:}"
url="http://localhost:${port}"
mkdir -p "$data" bin

echo "demo: building"
go build -o bin/hallq-server ./server
go build -o bin/virtualprinter ./printer/cmd/virtualprinter
if [ -n "${DISPLAY:-}" ]; then
  go build -o bin/hallq-kiosk ./kiosk
  go build -o bin/hallq-display ./display
fi

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

bin/hallq-server -addr "$addr" -data "$data" "$@" &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fs "$url/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$url/healthz" >/dev/null || { echo "demo: the server did not start"; exit 1; }

mkdir -p "$data/receipts"
bin/virtualprinter -link "$data/printer" -out "$data/receipts" &
pids+=($!)

creds="$data/demo-credentials.json"
if [ -n "${DISPLAY:-}" ]; then
  for _ in $(seq 1 50); do [ -e "$data/printer" ] && break; sleep 0.1; done
  kiosk_token=$(sed -n 's/.*"kiosk_token": *"\([^"]*\)".*/\1/p' "$creds")
  display_token=$(sed -n 's/.*"display_token": *"\([^"]*\)".*/\1/p' "$creds")
  export LANG="${LANG:-C.UTF-8}"
  bin/hallq-kiosk -server "$url" -token "$kiosk_token" -printer "$data/printer" -data "$data/kiosk" -fullscreen=false &
  pids+=($!)
  bin/hallq-display -server "$url" -token "$display_token" -mode hall -data "$data/display-hall" -fullscreen=false &
  pids+=($!)
  bin/hallq-display -server "$url" -token "$display_token" -mode window -window 1 -data "$data/display-window-1" -fullscreen=false -speak-cmd "" &
  pids+=($!)
else
  echo "demo: no X display (\$DISPLAY is empty): running the server and the virtual printer only."
fi

cat <<MSG

hallq demo hall is running.
  web pages:     $url/   (counter, board, public log, rules)
  credentials:   $creds  (staff logins, kiosk and display tokens)
  printer:       $data/printer  (receipts: $data/receipts/*.png)
Press Ctrl-C to stop.
MSG
wait -n "${pids[0]}"
