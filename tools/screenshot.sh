#!/usr/bin/env bash
# Take a real-window screenshot of the demo under Xvfb: tools/screenshot.sh OUT.png [SECONDS]
# Needs Debian's xvfb, x11-apps (xwd) and imagemagick (convert).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: tools/screenshot.sh OUT.png [SECONDS]}
wait_s=${2:-20}
display=:$((90 + RANDOM % 9))
data=$(mktemp -d)
Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb $demo 2>/dev/null || true; rm -rf "$data"' EXIT
# Wait (bounded) for the X server to accept clients.
for _ in $(seq 50); do DISPLAY=$display xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
DISPLAY=$display XDG_DATA_HOME=$data .venv/bin/cxsidebar demo --interval 3 >"$data/demo.log" 2>&1 &
demo=$!
sleep "$wait_s"
DISPLAY=$display xwd -root -silent | convert xwd:- -crop 1100x800+0+0 +repage "$out"
echo "wrote $out"
