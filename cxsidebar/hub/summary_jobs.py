"""Summaries made in the background after intake, and regenerated on request.

Intake answers the bot as soon as the escalation is committed; the summary
follows on a small thread pool and arrives at the sidebars as an
`escalation.updated` event. It starts once a sidebar has been sent the
escalation's context (the screen-pop's fetch), or `view_wait` seconds after
intake if none asks sooner: so summarising never competes with the pop for the
hub's CPU, and the pop never waits behind it. Regeneration keeps every earlier
version (the storage numbers them) and is rate-limited per escalation. While a streaming
model writes, previews go out through `publish` as ephemeral `summary.progress`
events (`EventBroker.publish`): never stored, never replayed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

from cxsidebar.core import EventType, SummaryProgress
from cxsidebar.hub.storage import HubStorage, UnknownEscalationError
from cxsidebar.hub.summarise import SummaryService

log = logging.getLogger(__name__)

# A customer's profile may allow their raw text to reach the model (no redaction).
RAW_TEXT_CONSENT = "ai_raw_text"

# (event type, queue, key, data): `EventBroker.publish`, for ephemeral events.
Publish = Callable[[EventType, str, str, str], None]


class SummaryJobs:
    def __init__(
        self,
        storage: HubStorage,
        service: SummaryService,
        *,
        workers: int = 2,
        min_interval: float = 30.0,
        raw_queues: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.monotonic,
        publish: Publish | None = None,
        view_wait: float = 0.25,
    ) -> None:
        """`view_wait`: seconds a new escalation's summary waits for the first context
        fetch (`viewed`) before it starts anyway; 0 starts it at once."""
        self.storage = storage
        self.view_wait = view_wait
        self._held: dict[str, asyncio.TimerHandle] = {}  # waiting for a view (loop only)
        self._closed = False
        self.publish = publish
        self.service = service
        self.min_interval = min_interval  # seconds between regenerations of one escalation
        self.raw_queues = raw_queues
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="summary")
        self._lock = threading.Lock()
        self._last_run: dict[str, float] = {}
        self.on_summary: Callable[[float], None] | None = None  # seconds per summary (metrics)

    def submit(self, escalation_id: str, *, again: bool = False) -> None:
        """Summarise in the background; without `again`, only if it has no summary yet."""
        self._pool.submit(self._run, escalation_id, again)

    def submit_after_view(self, escalation_id: str) -> None:
        """On the event loop, after intake: summarise once `viewed` says a sidebar has the
        context, or after `view_wait` seconds, whichever comes first."""
        if self.view_wait <= 0:
            self.submit(escalation_id)
            return
        if escalation_id not in self._held:
            loop = asyncio.get_running_loop()
            self._held[escalation_id] = loop.call_later(
                self.view_wait, self._release, escalation_id
            )

    def viewed(self, escalation_id: str) -> None:
        """On the event loop: the escalation's context went out; a held summary starts."""
        handle = self._held.get(escalation_id)
        if handle is not None:
            handle.cancel()
            self._release(escalation_id)

    def _release(self, escalation_id: str) -> None:
        if self._held.pop(escalation_id, None) is not None and not self._closed:
            self.submit(escalation_id)

    def regenerate(self, escalation_id: str) -> float | None:
        """Queue a new version; None if queued, else the seconds to wait before asking again."""
        with self._lock:
            now, last = self._clock(), self._last_run.get(escalation_id)
            if last is not None and now - last < self.min_interval:
                return self.min_interval - (now - last)
            self._last_run[escalation_id] = now
        self.submit(escalation_id, again=True)
        return None

    def close(self) -> None:
        self._closed = True
        for handle in list(self._held.values()):
            handle.cancel()
        self._held.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.service.close()

    def _run(self, escalation_id: str, again: bool) -> None:
        try:
            context = self.storage.get_context(escalation_id)
            if context is None or (context.summary is not None and not again):
                return
            profile = context.profile
            raw = context.escalation.queue in self.raw_queues or bool(
                profile and profile.consent.get(RAW_TEXT_CONSENT)
            )
            started = time.perf_counter()
            version = context.summary.version + 1 if context.summary is not None else 1
            summary = self.service.summarise(
                context.escalation,
                profile,
                raw_allowed=raw,
                on_preview=self._previews(escalation_id, context.escalation.queue, version),
            )
            if self.on_summary is not None:
                self.on_summary(time.perf_counter() - started)
            self.storage.put_summary(escalation_id, summary)
        except UnknownEscalationError:
            pass  # purged meanwhile
        except Exception:  # logged without transcript text; the agent still has the transcript
            log.exception("summarising escalation %s failed", escalation_id)

    def _previews(
        self, escalation_id: str, queue: str, version: int
    ) -> Callable[[str], None] | None:
        publish = self.publish
        if publish is None:
            return None

        def preview(text: str) -> None:
            progress = SummaryProgress(
                escalation_id=escalation_id, queue=queue, version=version, text=text
            )
            publish(EventType.SUMMARY_PROGRESS, queue, escalation_id, progress.model_dump_json())

        return preview


def summarise_later(app: FastAPI, escalation_id: str) -> None:
    """After intake, on the event loop: queue the summary if this hub summarises."""
    jobs: SummaryJobs | None = getattr(app.state, "summaries", None)
    if jobs is not None:
        jobs.submit_after_view(escalation_id)


def context_viewed(app: FastAPI, escalation_id: str) -> None:
    """On the event loop, after a context answer went out: a held summary may start."""
    jobs: SummaryJobs | None = getattr(app.state, "summaries", None)
    if jobs is not None:
        jobs.viewed(escalation_id)
