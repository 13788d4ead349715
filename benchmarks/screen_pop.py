"""The agent-facing latencies of the foundation, on real parts.

1. webhook accepted → screen-pop painted: from the moment the bot has its 202
   until the sidebar paints the transcript of that escalation (SSE event →
   queue → selection → context fetch → model fill → paint), with a breakdown
   of where the time goes, how long after the pop the summary is shown, and
   the GUI thread's CPU time per pop (the figure that noise from other
   processes on the machine disturbs least).
2. rating save → durable commit: from the agent's Save until the sidebar
   hears back that the rating and its outbox row are committed
   (synchronous=FULL, WAL) on the local store's writer thread.

Each escalation starts from idle: the next is posted once the summary of the
last one is shown and its rating has reached the hub, so one escalation's
summary job or rating sync never overlaps the next one's pop. The last line
is the CPU time of both processes per escalation (Linux).

The hub runs as its own process on 127.0.0.1; the sidebar is the real window
(offscreen unless a display is set), network worker and local SQLite.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks._hub import start_hub
from cxsidebar.hub.signing import sign_headers


def escalation(seq: int, turns: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    start = now - timedelta(seconds=turns * 5)
    speakers = ("customer", "bot")
    return {
        "id": f"bench-{seq}",
        "queue": "billing",
        "channel": "chat",
        "created_at": now.isoformat(),
        "bot": {"platform": "bench", "flow": "billing-dispute", "note_to_agent": "Benchmark."},
        "customer": {"id": f"cust-{seq % 7}", "display_name": f"Customer {seq}"},
        "reasons": [{"kind": "misunderstood_intents", "detail": "2 fallbacks", "value": 2}],
        "transcript": [
            {
                "id": f"t{n}",
                "at": (start + timedelta(seconds=5 * n)).isoformat(),
                "speaker": speakers[n % 2],
                "text": f"Turn {n}: I was charged twice for order A-{seq:04d}, can you refund it?"
                if n % 2 == 0
                else f"Turn {n}: I can help with billing. Could you confirm the order number?",
                "intent": "billing_dispute" if n % 2 == 0 else None,
                "confidence": 0.42 if n % 2 == 0 else None,
            }
            for n in range(turns)
        ],
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    if not ms:
        print(f"{name:<42} n=0")
        return
    print(
        f"{name:<42} n={len(ms):<4} p50={percentile(ms, 0.5):8.1f} ms  "
        f"p95={percentile(ms, 0.95):8.1f} ms  max={max(ms):8.1f} ms  "
        f"mean={statistics.fmean(ms):8.1f} ms"
    )


# (line, from mark, to mark): where the screen-pop's time goes. "event" and
# "context" are noted on the sidebar's network thread as the SSE event and the
# parsed context answer reach its listener; the rest on the GUI thread.
BREAKDOWN = (
    ("  hub: 202 -> SSE event at the sidebar", "accepted", "event"),
    ("  sidebar: SSE event -> context asked", "event", "requested"),
    ("  sidebar: context asked -> answer parsed", "requested", "context"),
    ("  sidebar: answer parsed -> painted", "context", "painted"),
    ("screen-pop painted -> summary shown", "painted", "summary"),
)


def process_cpu(pid: str) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Marks:
    """perf_counter moments per escalation id, from any thread (first one wins)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at: dict[str, dict[str, float]] = {}

    def note(self, escalation_id: str, mark: str, at: float | None = None) -> None:
        moment = time.perf_counter() if at is None else at
        with self._lock:
            self._at.setdefault(escalation_id, {}).setdefault(mark, moment)

    def spans(self, start: str, end: str) -> list[float]:
        with self._lock:
            return [m[end] - m[start] for m in self._at.values() if start in m and end in m]

    def attach(self, bridge: Any, window: Any) -> None:
        """Wrap the sidebar's listener (network thread) and watch the window's requests."""
        from cxsidebar.core import EventType

        on_event, on_context = bridge.on_event, bridge.on_context

        def event(hub_event: Any) -> None:
            if hub_event.type is EventType.CREATED:
                self.note(hub_event.data.escalation_id, "event")
            on_event(hub_event)

        def context(ctx: Any) -> None:
            self.note(ctx.escalation.id, "context")
            on_context(ctx)

        bridge.on_event, bridge.on_context = event, context
        window.context_requested.connect(lambda shown: self.note(shown, "requested"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--escalations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=30.0, help="per escalation, seconds")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from cxsidebar.app import Sidebar
    from cxsidebar.core import ConnectionState, Rating
    from cxsidebar.settings import Settings
    from cxsidebar.ui import MainWindow

    class QuietNotifier:
        def pop(self, window: Any) -> None:
            window.show()

        def notify(self, window: Any, title: str, message: str) -> None:
            pass

        def announce(self, window: Any, message: str) -> None:
            pass

    class PaintProbe(QObject):
        """Notes when the transcript of the awaited escalation is first painted whole."""

        def __init__(self, window: MainWindow) -> None:
            super().__init__()
            self.window = window
            self.awaiting: str | None = None
            self.painted: dict[str, float] = {}
            self.painted_cpu: dict[str, float] = {}  # the GUI thread's CPU time then

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            view = self.window.context_view
            if (
                event.type() == QEvent.Type.Paint
                and self.awaiting is not None
                and view.escalation_id == self.awaiting
                and view.transcript_model.rowCount() == args.turns
            ):
                self.painted[self.awaiting] = time.perf_counter()
                self.painted_cpu[self.awaiting] = time.thread_time()
                self.awaiting = None
            return False

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="cxsidebar-bench-") as tmp:
        directory = Path(tmp)
        hub = start_hub(directory)
        window = MainWindow(notifier=QuietNotifier())
        window.resize(1100, 800)
        settings = Settings(hub_url=hub.url, token=hub.token, db_path=directory / "sidebar.sqlite3")
        sidebar = Sidebar(settings, window=window)
        probe = PaintProbe(window)
        window.context_view.transcript_view.viewport().installEventFilter(probe)
        saved: dict[uuid.UUID, float] = {}
        sidebar.bridge.rating_saved.connect(lambda rid: saved.setdefault(rid, time.perf_counter()))
        synced: list[int] = []  # the outbox's unsynced count, as each sync state arrives
        sidebar.bridge.sync.connect(lambda state: synced.append(state.unsynced))
        marks = Marks()
        marks.attach(sidebar.bridge, window)
        http = httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0))

        # Wakes the event loop at least every 10 ms, so a wait re-checks its condition;
        # the worker's queued signals wake it sooner.
        ticker = QTimer()
        ticker.setInterval(10)
        ticker.start()

        def spin_until(done: Any, timeout: float) -> bool:
            deadline = time.monotonic() + timeout
            while not done():
                if time.monotonic() > deadline:
                    return False
                app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            return True

        try:
            sidebar.start()
            if not spin_until(lambda: sidebar.connection_state is ConnectionState.LIVE, 20):
                print("the sidebar never went live", file=sys.stderr)
                return 1
            pops: list[float] = []
            pop_cpu: list[float] = []  # GUI thread CPU time from the 202 to the paint
            cpu_before = (process_cpu("self"), process_cpu(str(hub.process.pid)))
            saves: list[float] = []
            for seq in range(args.escalations):
                body = escalation(seq, args.turns)
                raw = httpx.Request("POST", "/", json=body).content
                headers = {**sign_headers(hub.secret, raw), "content-type": "application/json"}
                probe.awaiting = body["id"]
                answer = http.post(f"{hub.url}/v1/escalations", content=raw, headers=headers)
                accepted, accepted_cpu = time.perf_counter(), time.thread_time()
                if answer.status_code != 202:
                    refused = f"{answer.status_code} {answer.text}"
                    print(f"hub refused {body['id']}: {refused}", file=sys.stderr)
                    return 1
                if not spin_until(lambda b=body: b["id"] in probe.painted, args.timeout):
                    print(f"{body['id']} was never painted", file=sys.stderr)
                    return 1
                pops.append(probe.painted[body["id"]] - accepted)
                pop_cpu.append(probe.painted_cpu[body["id"]] - accepted_cpu)
                marks.note(body["id"], "accepted", accepted)
                marks.note(body["id"], "painted", probe.painted[body["id"]])
                pane = window.context_view.summary
                if spin_until(lambda pane=pane: pane.summary is not None, args.timeout):
                    marks.note(body["id"], "summary", time.perf_counter())
                else:
                    print(f"the summary of {body['id']} was never shown", file=sys.stderr)

                rating = Rating(escalation_id=body["id"], created_at=datetime.now(UTC), overall=4)
                before = len(synced)
                started = time.perf_counter()
                window.rating_submitted.emit(rating)
                if not spin_until(lambda r=rating: r.id in saved, args.timeout):
                    print(f"rating for {body['id']} was never committed", file=sys.stderr)
                    return 1
                saves.append(saved[rating.id] - started)
                # Idle before the next one: the rating reached the hub (the sync's POST
                # would otherwise overlap the next pop).
                if not spin_until(lambda n=before: synced[n:] and not synced[-1], 10):
                    print(f"rating for {body['id']} was never synced", file=sys.stderr)

            print(
                f"cxsidebar benchmarks: {args.escalations} escalations x {args.turns} turns; "
                f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
                f"Qt platform {app.platformName()}, {os.cpu_count()} CPUs"
            )
            report("webhook accepted -> screen-pop painted", pops)
            for name, start, end in BREAKDOWN:
                report(name, marks.spans(start, end))
            report("  sidebar GUI thread CPU, 202 -> painted", pop_cpu)
            report("rating save -> durable commit", saves)
            cpu_after = (process_cpu("self"), process_cpu(str(hub.process.pid)))
            spent = [
                (after - before) * 1000 / args.escalations
                for before, after in zip(cpu_before, cpu_after, strict=True)
                if before is not None and after is not None
            ]
            if len(spent) == 2:
                print(
                    "CPU per escalation (pop, summary, rating; all threads): "
                    f"sidebar {spent[0]:.1f} ms, hub {spent[1]:.1f} ms"
                )
            return 0
        finally:
            ticker.stop()
            http.close()
            sidebar.stop()
            window.close()
            hub.stop()
