"""Previews of a summary while a streaming model writes it: parsing, throttling, privacy."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
from cx_fake_openai import Reply

from cxsidebar.core import EventType, Profile, SummaryProgress
from cxsidebar.hub.storage import open_storage
from cxsidebar.hub.summarise import (
    LLMSettings,
    LLMSummariser,
    PreviewFeed,
    SummaryService,
    partial_statements,
    preview_text,
)
from cxsidebar.hub.summary_jobs import SummaryJobs

PROFILE = Profile(id="cust-9", display_name="Ana Lima", email="ana.lima@example.com")

ANSWER = {
    "issue": {"text": "Charged twice for order ORD-77310.", "cites": ["t1"]},
    "wants": [
        {"text": "A refund of the second $740 charge.", "cites": ["t1", "t3"]},
        {"cites": ["t3"], "text": 'A written "confirmation" — caf\u00e9 style.'},
    ],
    "bot_tried": [],
    "facts": [{"text": "Email [EMAIL_1]", "cites": ["t3"]}],
    "sentiment": None,
    "next_step": {"text": "Refund the duplicate charge.", "cites": ["t3"]},
}
STATEMENTS = [
    ("issue", "Charged twice for order ORD-77310."),
    ("wants", "A refund of the second $740 charge."),
    ("wants", 'A written "confirmation" — café style.'),
    ("facts", "Email [EMAIL_1]"),
    ("next_step", "Refund the duplicate charge."),
]


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
def test_every_prefix_of_the_answer_parses_and_only_grows(ascii_only):
    text = json.dumps(ANSWER, ensure_ascii=ascii_only, indent=1)
    previous: list[tuple[str, str]] = []
    for end in range(len(text) + 1):
        found = partial_statements(text[:end])
        # Each prefix extends the last: complete statements stay, the last one may grow.
        assert len(found) >= len(previous)
        for (was_section, was), (section, now) in zip(previous, found, strict=False):
            assert section == was_section
            assert now.startswith(was)
        previous = found
    assert previous == STATEMENTS


def test_chatter_fences_and_unknown_keys_are_skipped():
    text = (
        'Sure! ```json\n{"note": {"text": "not a section"}, "issue": {"text": "Late parcel",'
        ' "cites": ["t1"]}, "wants": [{"text": "Its \\"tracking\\" id'
    )
    assert partial_statements(text) == [("issue", "Late parcel"), ("wants", 'Its "tracking" id')]
    assert partial_statements("no json at all") == []
    assert partial_statements('{"issue": {"text": "caf\\u00') == [("issue", "caf")]


def test_the_preview_is_plain_restored_and_without_links():
    answer = json.dumps(
        {
            "issue": {"text": "Wants help\u202e\u0007 with [EMAIL_1]", "cites": ["t1"]},
            "wants": [
                {"text": "See https://evil.example/x", "cites": ["t1"]},
                {"text": "![img](x) <b>bold</b>", "cites": ["t1"]},
                {"text": "A refund.", "cites": ["t1"]},
            ],
        }
    )
    text = preview_text(answer, lambda t: t.replace("[EMAIL_1]", "ana@example.com"))
    assert text.splitlines()[0] == "Issue:"
    assert "ana@example.com" in text
    assert "\u0007" not in text
    assert "evil.example" not in text
    assert "<b>" not in text
    assert text.endswith("The customer wants:\n- A refund.")


def test_the_feed_throttles_skips_repeats_and_stops_at_the_canary():
    published: list[str] = []
    now = [0.0]
    feed = PreviewFeed(published.append, canary="CXS-1", interval=1.0, clock=lambda: now[0])
    answer = '{"issue": {"text": "Late'
    feed(answer)
    feed(answer + " parcel")  # within the interval: not parsed, not sent
    now[0] = 1.5
    feed(answer + " parcel")
    now[0] = 3.0
    feed(answer + " parcel")  # unchanged: not sent again
    assert published == ["Issue:\n- Late", "Issue:\n- Late parcel"]
    now[0] = 5.0
    feed(answer + ' parcel", "cites": ["t1"]}, "wants": [{"text": "CXS-1 and more')
    now[0] = 9.0
    feed(answer + ' parcel", "cites": ["t1"]}, "wants": [{"text": "fine"}]}')
    assert feed.stopped
    assert len(published) == 2


def canary_of(body: dict[str, Any]) -> str:
    return re.search(r"CXS-[0-9a-f]{16}", body["messages"][0]["content"]).group(0)


def streaming(fake, **options: Any) -> LLMSummariser:
    settings = LLMSettings(
        base_url=fake.base_url, model="fake-model", stream=True, preview_interval=0.0, **options
    )
    return LLMSummariser(settings)


def test_a_streamed_summary_sends_restored_previews_then_the_checked_summary(fake_openai, billing):
    fake_openai.fake.reply = lambda body: Reply(json.dumps(ANSWER), chunk_size=5)
    previews: list[str] = []
    llm = streaming(fake_openai)
    summary = llm.summarise(billing, PROFILE, on_preview=previews.append)
    llm.close()
    assert len(previews) > 5
    assert previews[0].startswith("Issue:\n- ")
    assert "- Email ana.lima@example.com" in previews[-1]  # placeholders restored for the agent
    assert "[EMAIL_1]" not in previews[-1]
    assert len(set(previews)) == len(previews)  # only changes are sent
    assert summary.kind == "llm"
    assert summary.issue.text == "Charged twice for order ORD-77310."
    sent = json.dumps(fake_openai.fake.requests)
    assert "ana.lima@example.com" not in sent  # restored for the preview, never sent out


def test_an_answer_that_leaks_the_canary_stops_the_previews_and_falls_back(fake_openai, billing):
    def reply(body: dict[str, Any]) -> Reply:
        leak = {
            "issue": {"text": "Fine.", "cites": ["t1"]},
            "wants": [
                {"text": f"Say {canary_of(body)}", "cites": ["t1"]},
                {"text": "After the leak", "cites": ["t1"]},
            ],
        }
        return Reply(json.dumps(leak), chunk_size=4)

    fake_openai.fake.reply = reply
    previews: list[str] = []
    service = SummaryService(streaming(fake_openai))
    summary = service.summarise(billing, PROFILE, on_preview=previews.append)
    service.close()
    canary = canary_of(fake_openai.fake.requests[0])
    assert previews
    assert not any(canary in p or "After the leak" in p for p in previews)
    assert summary.kind == "extractive"
    assert "hidden instructions" in summary.provenance.fallback_reason


def test_without_streaming_there_are_no_previews(fake_openai, billing):
    fake_openai.fake.reply = lambda body: Reply(json.dumps(ANSWER))
    previews: list[str] = []
    llm = LLMSummariser(LLMSettings(base_url=fake_openai.base_url, model="m"))
    summary = llm.summarise(billing, PROFILE, on_preview=previews.append)
    llm.close()
    assert summary.kind == "llm"
    assert previews == []


def test_a_stream_that_trickles_past_the_timeout_falls_back(fake_openai, billing):
    # Each piece comes well within the read timeout, the whole answer does not.
    fake_openai.fake.reply = lambda body: Reply(json.dumps(ANSWER), chunk_delay=0.02, chunk_size=4)
    service = SummaryService(streaming(fake_openai, timeout=0.4, max_retries=0))
    summary = service.summarise(billing, PROFILE)
    service.close()
    assert summary.kind == "extractive"
    assert "did not finish within 0.4 s" in summary.provenance.fallback_reason


def test_jobs_publish_previews_of_the_next_version_as_ephemeral_events(
    fake_openai, billing, tmp_path
):
    storage = open_storage(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    storage.accept_escalation(billing, "wh-1")
    fake_openai.fake.reply = lambda body: Reply(json.dumps(ANSWER), chunk_size=5)
    published: list[tuple[EventType, str, str, str]] = []
    done = threading.Event()

    def publish(kind: EventType, queue: str, key: str, data: str) -> None:
        published.append((kind, queue, key, data))

    jobs = SummaryJobs(
        storage, SummaryService(streaming(fake_openai)), min_interval=0.0, publish=publish
    )
    remove = storage.add_commit_listener(done.set)  # put_summary commits
    try:
        for version in (1, 2):
            before = len(published)
            done.clear()
            assert jobs.regenerate(billing.id) is None
            assert done.wait(10)
            assert len(storage.summary_versions(billing.id)) == version
            ours = published[before:]
            assert ours
            assert {(k, q, key) for k, q, key, _ in ours} == {
                (EventType.SUMMARY_PROGRESS, "billing", billing.id)
            }
            assert {SummaryProgress.model_validate_json(d).version for *_, d in ours} == {version}
    finally:
        remove()
        jobs.close()
        storage.close()


def test_a_failing_preview_stops_the_previews_not_the_summary(fake_openai, billing, caplog):
    fake_openai.fake.reply = lambda body: Reply(json.dumps(ANSWER), chunk_size=5)
    calls: list[str] = []

    def broken(text: str) -> None:
        calls.append(text)
        raise RuntimeError("the broker is gone")

    service = SummaryService(streaming(fake_openai))
    summary = service.summarise(billing, PROFILE, on_preview=broken)
    service.close()
    assert len(calls) == 1
    assert summary.kind == "llm"
    assert summary.provenance.fallback_reason is None
    assert "summary previews stopped" in caplog.text
    assert "Charged twice" not in caplog.text  # no transcript or summary text in the log
