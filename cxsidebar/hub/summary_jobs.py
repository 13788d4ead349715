"""Summaries made in the background after intake, and regenerated on request.

Intake answers the bot as soon as the escalation is committed; the summary
follows on a small thread pool and arrives at the sidebars as an
`escalation.updated` event. Regeneration keeps every earlier version (the
storage numbers them) and is rate-limited per escalation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

from cxsidebar.hub.storage import HubStorage, UnknownEscalationError
from cxsidebar.hub.summarise import SummaryService

log = logging.getLogger(__name__)

# A customer's profile may allow their raw text to reach the model (no redaction).
RAW_TEXT_CONSENT = "ai_raw_text"


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
    ) -> None:
        self.storage = storage
        self.service = service
        self.min_interval = min_interval  # seconds between regenerations of one escalation
        self.raw_queues = raw_queues
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="summary")
        self._lock = threading.Lock()
        self._last_run: dict[str, float] = {}

    def submit(self, escalation_id: str, *, again: bool = False) -> None:
        """Summarise in the background; without `again`, only if it has no summary yet."""
        self._pool.submit(self._run, escalation_id, again)

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
            summary = self.service.summarise(context.escalation, profile, raw_allowed=raw)
            self.storage.put_summary(escalation_id, summary)
        except UnknownEscalationError:
            pass  # purged meanwhile
        except Exception:  # logged without transcript text; the agent still has the transcript
            log.exception("summarising escalation %s failed", escalation_id)


def summarise_later(app: FastAPI, escalation_id: str) -> None:
    """After intake: queue the summary if this hub summarises."""
    jobs: SummaryJobs | None = getattr(app.state, "summaries", None)
    if jobs is not None:
        jobs.submit(escalation_id)
