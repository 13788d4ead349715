"""The transcript at 10,000 turns, in the real window (offscreen unless a display is set).

1. set → first paint: `show_context` with a 10,000-turn escalation until the
   transcript's viewport has painted it (batched layout, cached row heights).
2. live append at 10,000 rows: the same escalation again with one more turn
   (what `escalation.updated` leads to) until the viewport has painted it.

Figures only; goals (issue 3): set → first paint ≤ 100 ms, append ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import os
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
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QEvent, QEventLoop, QObject
    from PySide6.QtWidgets import QApplication

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
            self.model: Any = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            # The moment the paint event reaches the viewport, as screen_pop measures it.
            wanted = self.model.rowCount() == self.rows_wanted
            if event.type() == QEvent.Type.Paint and wanted and self.painted is None:
                self.painted = time.perf_counter()
            return False

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    window = MainWindow(notifier=QuietNotifier())
    window.resize(1100, 800)
    window.show()
    probe = PaintProbe()
    probe.model = window.context_view.transcript_model
    window.context_view.transcript_view.viewport().installEventFilter(probe)

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
    appends: list[float] = []
    try:
        for round_number in range(args.rounds):
            ctx = contexts[round_number % 2]
            window.open_escalation(ctx.escalation.id)
            app.processEvents()
            probe.painted, probe.rows_wanted = None, args.turns
            started = time.perf_counter()
            window.show_context(ctx)
            sets.append(until_painted(args.turns) - started)

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

    print(f"transcript: {args.turns:,} turns, Qt platform {app.platformName()}")
    report(f"{args.turns:,}-turn transcript: set -> first paint", sets)
    report(f"live turn appended at {args.turns:,} rows -> painted", appends)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
