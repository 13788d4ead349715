"""The transcript at 10,000 turns, in the real window (offscreen unless a display is set).

1. set → first paint, cold: the first 10,000-turn transcript a fresh process
   shows, as an agent's first pop of the day gets it. Each cold figure is a
   process of its own (`--cold-runs`), started as the sidebar starts: window
   shown and painted, then the heap settled as `cxsidebar.boot` does.
2. set → first paint, warm: `show_context` with a 10,000-turn escalation until
   the transcript's viewport has painted it (batched layout, cached row
   heights), the rounds after the first in one process.
3. live append at 10,000 rows: the same escalation again with one more turn
   (what `escalation.updated` leads to) until the viewport has painted it.

Figures only; goals (issue 3): set → first paint ≤ 100 ms (cold and warm), append ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.screen_pop import report


def build_escalation(seq: int, turns: int) -> Any:
    from cxsidebar.core import BotInfo, CustomerRef, Escalation, Reason, ReasonKind, Speaker, Turn

    start = datetime.now(UTC) - timedelta(seconds=turns * 5)
    lines = (
        "I was charged twice for my order, can you refund it today please?",
        "I can help with billing. Could you confirm the order number and the amount?",
        "Order A-1234, 740 EUR. This is the third time I write about this, it is a complaint."
        " I have been waiting for two weeks and nobody answers my emails at all.",
    )
    return Escalation(
        id=f"bench-{seq}",
        queue="billing",
        channel="chat",
        created_at=datetime.now(UTC),
        bot=BotInfo(platform="bench", flow="billing", note_to_agent="Benchmark."),
        customer=CustomerRef(id=f"cust-{seq}", display_name=f"Customer {seq}"),
        reasons=[Reason(kind=ReasonKind.KEYWORD, value="complaint")],
        transcript=[
            Turn(
                id=f"t{n}",
                at=start + timedelta(seconds=5 * n),
                speaker=Speaker.BOT if n % 3 == 1 else Speaker.CUSTOMER,
                text=f"{n}: {lines[n % 3]}",
                intent=None if n % 3 == 1 else "billing_dispute",
                confidence=None if n % 3 == 1 else 0.42 + (n % 5) / 10,
                sentiment=None if n % 3 == 1 else -0.6 + (n % 4) / 5,
            )
            for n in range(turns)
        ],
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ui_transcript")
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--appends", type=int, default=50)
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes, one pop each")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (for runs)")
    args = parser.parse_args(argv)
    cold = [_cold_run(args.turns) for _ in range(args.cold_runs)]
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QEvent, QEventLoop, QObject
    from PySide6.QtWidgets import QApplication

    from cxsidebar.boot import FirstPaint, settle_heap, settle_heap_after_start
    from cxsidebar.core import EscalationContext, EscalationStatus, QueueItem
    from cxsidebar.ui import MainWindow

    class QuietNotifier:
        def pop(self, window: Any) -> None:
            pass

        def notify(self, window: Any, title: str, message: str) -> None:
            pass

        def announce(self, window: Any, message: str) -> None:
            pass

    class PaintProbe(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.rows_wanted = -1
            self.painted: float | None = None
            self.cpu = 0.0  # the GUI thread's CPU time then: what other processes cannot stretch
            self.model: Any = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            # The moment the paint event reaches the viewport, as screen_pop measures it.
            wanted = self.model.rowCount() == self.rows_wanted
            if event.type() == QEvent.Type.Paint and wanted and self.painted is None:
                self.painted, self.cpu = time.perf_counter(), time.thread_time()
            return False

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    window = MainWindow(notifier=QuietNotifier())
    window.resize(1100, 800)
    window.show()
    probe = PaintProbe()
    probe.model = window.context_view.transcript_model
    window.context_view.transcript_view.viewport().installEventFilter(probe)
    # As the sidebar starts (cxsidebar.__main__ and cxsidebar.boot): painted, then settled.
    settle_heap_after_start()
    settled: list[bool] = []

    def settle() -> None:
        settle_heap()
        settled.append(True)

    FirstPaint(window, settle)
    give_up = time.monotonic() + 30
    while not settled and time.monotonic() < give_up:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

    def until_painted(rows: int, timeout: float = 30.0) -> float:
        """When the viewport got its first paint with `rows` rows."""
        deadline = time.monotonic() + timeout
        while probe.painted is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{rows} rows were never painted")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        return probe.painted

    escalations = [build_escalation(seq, args.turns + args.appends) for seq in range(2)]
    contexts = [
        EscalationContext(
            escalation=e.model_copy(update={"transcript": e.transcript[: args.turns]}),
            status=EscalationStatus.OPEN,
        )
        for e in escalations
    ]
    window.set_queue([QueueItem.of(e) for e in escalations])
    app.processEvents()
    sets: list[float] = []
    set_cpus: list[float] = []
    appends: list[float] = []
    try:
        for round_number in range(args.rounds):
            ctx = contexts[round_number % 2]
            window.open_escalation(ctx.escalation.id)
            app.processEvents()
            probe.painted, probe.rows_wanted = None, args.turns
            started, cpu = time.perf_counter(), time.thread_time()
            window.show_context(ctx)
            sets.append(until_painted(args.turns) - started)
            set_cpus.append(probe.cpu - cpu)

        full = escalations[(args.rounds - 1) % 2]
        shown = contexts[(args.rounds - 1) % 2]
        for extra in range(1, args.appends + 1):
            turns = full.transcript[: args.turns + extra]
            grown = shown.model_copy(
                update={"escalation": full.model_copy(update={"transcript": turns})}
            )
            probe.painted, probe.rows_wanted = None, args.turns + extra
            started = time.perf_counter()
            window.show_context(grown)  # the same escalation again: one turn is appended
            appends.append(until_painted(args.turns + extra) - started)
    finally:
        window.close()

    if args.json:
        print(json.dumps({"sets": sets, "set_cpus": set_cpus, "appends": appends}))
        return 0
    print(f"transcript: {args.turns:,} turns, Qt platform {app.platformName()}")
    report(f"{args.turns:,}-turn transcript: set -> first paint, cold", [c[0] for c in cold])
    report("  GUI thread CPU time of it", [c[1] for c in cold])
    report("  the same, first round of this process", sets[:1])
    report(f"{args.turns:,}-turn transcript: set -> first paint, warm", sets[1:])
    report("  GUI thread CPU time of it", set_cpus[1:])
    report(f"live turn appended at {args.turns:,} rows -> painted", appends)
    return 0


def _cold_run(turns: int) -> tuple[float, float]:
    """The first set → paint of a fresh process: wall-clock and GUI thread CPU seconds."""
    command = [sys.executable, "-m", "benchmarks.ui_transcript", "--json", "--cold-runs", "0"]
    command += ["--turns", str(turns), "--rounds", "1", "--appends", "0"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    figures: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures["sets"][0], figures["set_cpus"][0]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
