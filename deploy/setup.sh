#!/usr/bin/env bash
# setup.sh installs every Debian package that building, running and testing hallq
# needs on a fresh Debian 12 machine. It is idempotent: packages already present are
# skipped, and apt is only asked when something is missing.
#
#   sudo deploy/setup.sh          # or as root
set -euo pipefail

packages=(
  # cgo toolchain and the X11/GL headers Fyne's GLFW driver builds against
  gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
  libxinerama-dev libxi-dev libxxf86vm-dev
  # fonts with Chinese glyphs for the kiosk, display and virtual printer
  fonts-noto-cjk fonts-wqy-microhei
  # serial printer tests: linked pseudo-terminals
  socat
  # headless browser tests of the web pages
  chromium
  # Fyne end-to-end tests under a real X server, screenshots, QR decoding
  xvfb x11-utils xdotool imagemagick zbar-tools
  # voice announcements and the chime on the hall display
  espeak-ng alsa-utils
  # demo script
  curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
