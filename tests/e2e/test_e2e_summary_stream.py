"""A streaming model's summary shows in the real sidebar while it is written ("generating…"),
then the checked summary replaces it: real hub process, fake OpenAI-compatible server on
127.0.0.1 streaming slowly, real sidebar (offscreen window, network worker, local SQLite)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from summary.cx_fake_openai import FakeOpenAI, Reply, ServedFake
from support.hub import escalation_body

from cxsidebar.core import ConnectionState
from cxsidebar.ui.summary import GENERATING

WAIT = 20_000

TURNS = [
    {"id": "t1", "at": "2026-11-26T09:59:00+00:00", "speaker": "customer",
     "text": "I was charged twice for order ORD-5512, please refund the second payment."},
    {"id": "t2", "at": "2026-11-26T09:59:30+00:00", "speaker": "bot",
     "text": "I can see order ORD-5512. Let me connect you."},
]  # fmt: skip
ANSWER = {
    "issue": {"text": "Charged twice for order ORD-5512.", "cites": ["t1"]},
    "wants": [{"text": "A refund of the second payment.", "cites": ["t1"]}],
    "bot_tried": [{"text": "Found the order.", "cites": ["t2"]}],
    "facts": [{"text": "Order ORD-5512", "cites": ["t1", "t2"]}],
    "sentiment": {"text": "Calm.", "cites": ["t1"]},
    "next_step": {"text": "Refund the duplicate payment.", "cites": ["t1"]},
}


@pytest.fixture
def slow_model() -> Iterator[ServedFake]:
    # The first piece waits, so the sidebar has opened the escalation when previews start.
    reply = Reply(json.dumps(ANSWER), delay=1.0, chunk_delay=0.04, chunk_size=8)
    served = ServedFake(FakeOpenAI(reply=lambda body: reply)).start()
    yield served
    served.stop()


def test_the_summary_streams_into_the_open_escalation_then_the_checked_one_replaces_it(
    qtbot, hub_factory, sidebar_factory, slow_model
):
    hub = hub_factory(
        summaries=True,
        extra_args=[
            *("--llm-base-url", slow_model.base_url, "--llm-model", "fake-model"),
            "--llm-stream",
        ],
    )
    sidebar = sidebar_factory(hub)
    window = sidebar.window
    pane = window.context_view.summary
    qtbot.waitUntil(lambda: sidebar.connection_state is ConnectionState.LIVE, timeout=WAIT)

    assert hub.post(escalation_body("esc-live", transcript=TURNS)).status_code == 202
    qtbot.waitUntil(lambda: window.context_view.escalation_id == "esc-live", timeout=WAIT)

    qtbot.waitUntil(lambda: pane.progress_version == 1, timeout=WAIT)
    assert pane.meta_label.text() == f"v1 · {GENERATING}"
    assert pane.text_edit.toPlainText().startswith("Issue:\n- Charged twice")
    assert pane.shown_version is None

    qtbot.waitUntil(lambda: pane.shown_version == 1, timeout=WAIT)
    assert pane.summary.kind == "llm"
    assert pane.progress_version is None
    assert pane.progress_label.isHidden()
    assert ("Issue", "Charged twice for order ORD-5512.") in pane.shown_statements()
    assert len(slow_model.fake.requests) == 1
    assert slow_model.fake.requests[0]["stream"] is True
