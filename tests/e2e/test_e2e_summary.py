"""The hub's summary reaches the open escalation in the sidebar, and regenerating makes v2."""

from __future__ import annotations

from support.hub import escalation_body

from cxsidebar.core import ConnectionState

WAIT = 20_000

TURNS = [
    {"id": "t1", "at": "2026-11-26T09:59:00+00:00", "speaker": "customer",
     "text": "I was charged twice for order ORD-5512, please refund the second payment."},
    {"id": "t2", "at": "2026-11-26T09:59:30+00:00", "speaker": "bot",
     "text": "I can see order ORD-5512. Let me connect you."},
]  # fmt: skip


def test_summary_arrives_with_chips_and_regenerates(qtbot, hub_factory, sidebar_factory):
    hub = hub_factory(summaries=True)
    sidebar = sidebar_factory(hub)
    window = sidebar.window
    qtbot.waitUntil(lambda: sidebar.connection_state is ConnectionState.LIVE, timeout=WAIT)

    assert hub.post(escalation_body("esc-sum", transcript=TURNS)).status_code == 202
    qtbot.waitUntil(lambda: window.context_view.escalation_id == "esc-sum", timeout=WAIT)

    def summary_version() -> int | None:
        summary = window.context_view.summary.summary
        return None if summary is None else summary.version

    qtbot.waitUntil(lambda: summary_version() == 1, timeout=WAIT)
    pane = window.context_view.summary
    assert pane.summary.kind == "extractive"
    assert any("ORD-5512" in fact.text for fact in pane.summary.facts)

    window.summary_regenerate_requested.emit("esc-sum")
    qtbot.waitUntil(lambda: summary_version() == 2, timeout=WAIT)
