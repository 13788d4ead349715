#!/usr/bin/env bash
# Real-window screenshots of the demo under Xvfb, in light and dark:
#   tools/screenshot.sh                 -> docs/screenshot-light.png and docs/screenshot-dark.png
#   tools/screenshot.sh OUT.png [SECONDS] [auto|light|dark]   -> one screenshot
#   tools/screenshot.sh review [OUT.png]  -> docs/screenshot-review.png: a supervisor's Review
#                                            mode over rated demo escalations (screenshot_review.py)
# The demo (hub, scripted bot, sidebar) runs with the sidebar's `color_scheme` setting
# forced, so both pictures come from the same code path an agent's `--color-scheme` takes.
# Needs Debian's xvfb, x11-apps (xwd), x11-utils (xdpyinfo) and imagemagick (convert).
set -euo pipefail
cd "$(dirname "$0")/.."

shoot() {  # shoot OUT.png SECONDS SCHEME
    local out=$1 wait_s=$2 scheme=$3
    local display=:$((90 + RANDOM % 9))
    local data
    data=$(mktemp -d)
    Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
    local xvfb=$!
    local demo=""
    # shellcheck disable=SC2064  # expand now: these are this call's processes and folder
    trap "kill $xvfb \${demo:-} 2>/dev/null || true; rm -rf '$data'" RETURN
    # Wait (bounded) for the X server to accept clients.
    for _ in $(seq 50); do DISPLAY=$display xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
    DISPLAY=$display XDG_DATA_HOME=$data XDG_RUNTIME_DIR=$data \
        .venv/bin/python - "$data/demo" "$scheme" 3 >"$data/demo.log" 2>&1 <<'PY' &
"""The demo of `cxsidebar demo`, with the sidebar's colour scheme set."""
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from cxsidebar.app import run_sidebar
from cxsidebar.demo.bot import ScriptedBot
from cxsidebar.demo.runner import start_demo_hub
from cxsidebar.settings import Settings
from cxsidebar.ui import MainWindow

directory, scheme, interval = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
demo = start_demo_hub(directory, fresh=True)
stop = threading.Event()
bot = ScriptedBot(demo.url, demo.bot_secret, interval=interval)
threading.Thread(target=bot.run, args=(stop,), name="demo-bot", daemon=True).start()
settings = Settings(
    hub_url=demo.url,
    token=demo.agent_token,
    db_path=directory / "sidebar.sqlite3",
    color_scheme=scheme,
)
app = QApplication(sys.argv[:1])


def wide() -> None:  # the pictures show the wide layout at the top left (a first start docks)
    for widget in app.topLevelWidgets():
        if isinstance(widget, MainWindow):
            widget.setGeometry(0, 0, 1100, 800)


QTimer.singleShot(0, wide)  # once the window shows
try:
    sys.exit(run_sidebar(settings))
finally:
    stop.set()
    bot.close()
    demo.hub.stop()
PY
    demo=$!
    sleep "$wait_s"
    if ! kill -0 "$demo" 2>/dev/null; then
        echo "the demo exited early; its log:" >&2
        cat "$data/demo.log" >&2
        return 1
    fi
    DISPLAY=$display xwd -root -silent | convert xwd:- -crop 1100x800+0+0 +repage "$out"
    echo "wrote $out ($scheme)"
}

shoot_review() {  # shoot_review OUT.png
    local out=$1
    local display=:$((90 + RANDOM % 9))
    local data
    data=$(mktemp -d)
    Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
    local xvfb=$!
    # shellcheck disable=SC2064  # expand now: this call's X server and folder
    trap "kill $xvfb 2>/dev/null || true; rm -rf '$data'" RETURN
    for _ in $(seq 50); do DISPLAY=$display xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
    # The script stops by itself: it shoots once the data is in, or gives up after 30 s.
    DISPLAY=$display XDG_DATA_HOME=$data XDG_RUNTIME_DIR=$data timeout 120 \
        .venv/bin/python tools/screenshot_review.py "$out" "$data/demo" light
}

if [[ "${1:-}" == "review" ]]; then
    shoot_review "${2:-docs/screenshot-review.png}"
elif [[ $# -ge 1 ]]; then
    shoot "$1" "${2:-20}" "${3:-auto}"
else
    shoot docs/screenshot-light.png 20 light
    shoot docs/screenshot-dark.png 20 dark
fi
