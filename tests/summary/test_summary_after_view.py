"""SummaryJobs holds a new escalation's summary until a sidebar has its context (the
screen-pop's fetch), or until `view_wait` passes: summarising never competes with the pop."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from cxsidebar.core import Escalation, EscalationContext, EscalationStatus, Summary
from cxsidebar.hub.summarise import SummaryService
from cxsidebar.hub.summary_jobs import SummaryJobs

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def make_context(escalation_id: str) -> EscalationContext:
    escalation = Escalation.model_validate(
        {
            "id": escalation_id,
            "queue": "billing",
            "channel": "chat",
            "created_at": NOW.isoformat(),
            "bot": {"platform": "test", "flow": "billing"},
            "customer": {"id": "cust-1", "display_name": "Dana"},
            "reasons": [{"kind": "customer_request", "detail": "asked for a human"}],
            "transcript": [
                {
                    "id": "t1",
                    "at": NOW.isoformat(),
                    "speaker": "customer",
                    "text": "Refund 740 now",
                },
                {"id": "t2", "at": NOW.isoformat(), "speaker": "bot", "text": "One moment."},
            ],
        }
    )
    return EscalationContext(escalation=escalation, status=EscalationStatus.OPEN)


class Storage:
    """The part of HubStorage the jobs use; notes what was summarised and when."""

    def __init__(self) -> None:
        self.fetched: list[str] = []
        self.summaries: dict[str, Summary] = {}
        self.done = threading.Event()

    def get_context(self, escalation_id: str) -> EscalationContext:
        self.fetched.append(escalation_id)
        return make_context(escalation_id)

    def put_summary(self, escalation_id: str, summary: Summary) -> int:
        self.summaries[escalation_id] = summary
        self.done.set()
        return 1


@pytest.fixture
def storage() -> Storage:
    return Storage()


def jobs_of(storage: Storage, view_wait: float) -> SummaryJobs:
    store: Any = storage
    return SummaryJobs(store, SummaryService(), view_wait=view_wait)


def test_the_summary_waits_for_the_first_context_fetch(storage: Storage) -> None:
    async def scenario() -> None:
        jobs = jobs_of(storage, view_wait=60)
        try:
            jobs.submit_after_view("esc-1")
            jobs.submit_after_view("esc-1")  # intake answered twice (a retried webhook)
            await asyncio.sleep(0)
            assert storage.fetched == []  # held: nothing runs before the pop's fetch
            jobs.viewed("esc-1")
            assert await asyncio.to_thread(storage.done.wait, 10)
            jobs.viewed("esc-1")  # later fetches start nothing more
        finally:
            jobs.close()

    asyncio.run(scenario())
    assert storage.fetched == ["esc-1"]
    assert storage.summaries["esc-1"].kind == "extractive"


def test_the_summary_starts_anyway_when_nobody_fetches(storage: Storage) -> None:
    async def scenario() -> None:
        jobs = jobs_of(storage, view_wait=0.01)
        try:
            jobs.submit_after_view("esc-2")
            assert await asyncio.to_thread(storage.done.wait, 10)
        finally:
            jobs.close()

    asyncio.run(scenario())
    assert list(storage.summaries) == ["esc-2"]


def test_no_wait_starts_at_once_and_close_drops_held_summaries(storage: Storage) -> None:
    async def scenario() -> None:
        eager = jobs_of(storage, view_wait=0)
        try:
            eager.submit_after_view("esc-3")  # no loop needed: submitted right away
            assert await asyncio.to_thread(storage.done.wait, 10)
        finally:
            eager.close()
        held = jobs_of(storage, view_wait=60)
        held.submit_after_view("esc-4")
        held.close()
        held.viewed("esc-4")  # after close: nothing runs

    asyncio.run(scenario())
    assert list(storage.summaries) == ["esc-3"]
    assert storage.fetched == ["esc-3"]
