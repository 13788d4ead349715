"""Cold start and memory of the real sidebar, each start a fresh process.

1. cold start → window painted: from spawning `python -m benchmarks.startup
   --child` until the child reports the main window's first paint.
2. cold start → stream subscribed: until the child's network worker reports
   the hub's stream live.
3. RSS with 50 escalations received: the child keeps running while a bot posts
   50 escalations (200 turns each) that pop one after another; then it reports
   its resident memory.

The child builds the same `Sidebar` the app runs (window, network worker, local
store) against a real hub process on 127.0.0.1; only the token sign-in is
skipped. Figures only; goals (issue 3): painted ≤ 500 ms, subscribed ≤ 800 ms,
RSS ≤ 110 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from benchmarks.screen_pop import report


def _say(line: str) -> None:
    print(line, flush=True)


def _rss_mib() -> float:
    """Resident memory now, in MiB (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def child(hub_url: str, token: str, db_path: str, escalations: int) -> int:
    """The measured process: report `painted`, `live`, then `rss <MiB>` once all arrived."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from cxsidebar.app import Sidebar
    from cxsidebar.core import ConnectionState
    from cxsidebar.settings import Settings

    app = QApplication(sys.argv[:1])
    sidebar = Sidebar(Settings(hub_url=hub_url, token=token, db_path=Path(db_path)))
    window = sidebar.window

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                _say("painted")
                window.removeEventFilter(self)
            return False

    class Watch(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.live = False
            self.reported = False

        def connection(self, state: ConnectionState, _detail: str) -> None:
            if state is ConnectionState.LIVE and not self.live:
                self.live = True
                _say("live")
                _say(f"baseline {_rss_mib():.1f}")

        def check(self) -> None:
            if self.reported or window.queue_model.rowCount() < escalations:
                return
            if window.context_view.transcript_model.rowCount() == 0:
                return  # the last pop's context is still on its way
            self.reported = True
            _say(f"rss {_rss_mib():.1f}")
            QTimer.singleShot(0, window.close)

    first_paint = FirstPaint()
    watch = Watch()
    window.installEventFilter(first_paint)
    sidebar.bridge.connection.connect(watch.connection)
    sidebar.bridge.context.connect(watch.check)
    sidebar.bridge.hub_event.connect(watch.check)
    sidebar.start()
    try:
        return int(app.exec())
    finally:
        sidebar.stop()


def _lines(stream: IO[str], timeout: float) -> Iterator[str]:
    """The child's stdout lines, until `timeout` seconds have passed (checked per line)."""
    deadline = time.monotonic() + timeout
    for line in stream:
        if time.monotonic() > deadline:
            return
        yield line.strip()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--escalations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--child", nargs=3, metavar=("HUB", "TOKEN", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        hub_url, token, db_path = args.child
        return child(hub_url, token, db_path, escalations=args.escalations)

    import httpx

    from benchmarks._hub import start_hub
    from benchmarks.screen_pop import escalation

    painted: list[float] = []
    subscribed: list[float] = []
    rss: list[float] = []
    baseline: list[float] = []
    with tempfile.TemporaryDirectory(prefix="cxsidebar-startup-") as tmp:
        for run in range(args.runs):
            # A fresh hub per run: the child's queue starts empty every time.
            directory = Path(tmp) / f"run-{run}"
            directory.mkdir()
            hub = start_hub(directory)
            http = httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0))
            command = [
                sys.executable,
                *("-m", "benchmarks.startup", "--escalations", str(args.escalations)),
                *("--child", hub.url, hub.token, str(directory / "sidebar.sqlite3")),
            ]
            try:
                started = time.perf_counter()
                process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
                assert process.stdout is not None
                try:
                    for line in _lines(process.stdout, args.timeout):
                        if line == "painted":
                            painted.append(time.perf_counter() - started)
                        elif line == "live":
                            subscribed.append(time.perf_counter() - started)
                            for seq in range(args.escalations):
                                _post(http, hub, escalation(seq, args.turns))
                        elif line.startswith("baseline "):
                            baseline.append(float(line.split()[1]))
                        elif line.startswith("rss "):
                            rss.append(float(line.split()[1]))
                            break
                finally:
                    try:
                        process.wait(timeout=args.timeout)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(10)
            finally:
                http.close()
                hub.stop()

    print(
        f"startup: {args.runs} cold starts, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    report("cold start -> window painted", painted)
    report("cold start -> stream subscribed", subscribed)
    for name, values in (
        ("RSS when the stream is live", baseline),
        (f"RSS with {args.escalations} escalations received", rss),
    ):
        if values:
            print(
                f"{name:<42} n={len(values):<4} median={statistics.median(values):8.1f} MiB"
                f"  max={max(values):8.1f} MiB"
            )
    return 0 if painted and subscribed and rss else 1


def _post(http: Any, hub: Any, body: dict[str, Any]) -> None:
    import httpx

    from cxsidebar.hub.signing import sign_headers

    raw = httpx.Request("POST", "/", json=body).content
    headers = {**sign_headers(hub.secret, raw), "content-type": "application/json"}
    http.post(f"{hub.url}/v1/escalations", content=raw, headers=headers).raise_for_status()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
