"""A streaming model's summary reaches the sidebars' streams as ephemeral `summary.progress`
events (no id, never replayed, filtered by queue) before `escalation.updated`: real hub
process, fake OpenAI-compatible server streaming slowly."""

from __future__ import annotations

import json

import pytest
from cx_fake_openai import Reply
from support.hub import create_token, escalation_body, open_stream

from cxsidebar.core import SummaryProgress

ANSWER = {
    "issue": {"text": "Wants a refund of $740 for order ORD-1234.", "cites": ["t1"]},
    "wants": [{"text": "A refund.", "cites": ["t1"]}],
    "bot_tried": [{"text": "Asked them to wait.", "cites": ["t2"]}],
    "facts": [{"text": "Email [EMAIL_1]", "cites": ["t1"]}],
    "sentiment": None,
    "next_step": {"text": "Review the refund.", "cites": ["t1"]},
}

CONVERSATION = [
    {"id": "t1", "at": "2026-11-26T09:59:00+00:00", "speaker": "customer",
     "text": "I need a refund of $740 for order ORD-1234, write to dana@example.com"},
    {"id": "t2", "at": "2026-11-26T09:59:30+00:00", "speaker": "bot", "text": "One moment please."},
]  # fmt: skip


@pytest.fixture
def streaming_hub(hub_factory, fake_openai):
    fake_openai.fake.reply = lambda body: Reply(
        json.dumps(ANSWER), delay=0.2, chunk_delay=0.02, chunk_size=8
    )
    return hub_factory(
        summaries=True,
        extra_args=[
            *("--llm-base-url", fake_openai.base_url, "--llm-model", "fake-model"),
            "--llm-stream",
        ],
    )


def test_progress_streams_before_the_checked_summary_and_is_never_replayed(streaming_hub):
    hub = streaming_hub
    other = create_token(hub.db_url, "agent", "Sam Support", ["support"])
    with (
        open_stream(hub.url, hub.agent_token, read_timeout=15) as stream,
        open_stream(hub.url, other, read_timeout=15) as elsewhere,
    ):
        assert hub.post(escalation_body("esc-p", transcript=CONVERSATION)).status_code == 202
        seen = stream.read_until(lambda s: "escalation.updated" in s.types, timeout=20)

        progress = [e for e in seen.events if e.event == "summary.progress"]
        assert len(progress) >= 2
        assert seen.types.index("summary.progress") < seen.types.index("escalation.updated")
        assert all(e.id == "" for e in progress)  # no id line: never a resume point
        decoded = [SummaryProgress.model_validate_json(e.data) for e in progress]
        assert {(p.escalation_id, p.queue, p.version) for p in decoded} == {("esc-p", "billing", 1)}
        assert decoded[-1].text.startswith("Issue:\n- Wants a refund")
        assert len(decoded[-1].text) > len(decoded[0].text)
        assert all(len(p.text.splitlines()) >= 2 for p in decoded)

        # An agent of another queue sees none of it.
        assert hub.post(escalation_body("esc-q", queue="support")).status_code == 202
        other_seen = elsewhere.read_until(lambda s: "escalation.created" in s.types, timeout=10)
        assert other_seen.types[0] == "escalation.created"
        assert json.loads(other_seen.events[0].data)["escalation_id"] == "esc-q"
        stream.read_until(lambda s: s.types.count("escalation.updated") >= 2, timeout=20)

    with open_stream(hub.url, hub.agent_token, last_event_id=0, read_timeout=15) as replay:
        replayed = replay.read_until(lambda s: s.types.count("escalation.updated") >= 2)
    assert replayed.types == ["escalation.created", "escalation.updated"] * 2
    assert all(e.id for e in replayed.events)
