"""One entry point for the hub: the LLM summary when configured and usable, else extractive."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from cxsidebar.core import Escalation, Profile, Summary

from ._extractive import ExtractiveSummariser
from ._llm import LLMError, LLMSummariser

log = logging.getLogger(__name__)


class Summariser(Protocol):
    kind: str

    def summarise(self, escalation: Escalation, profile: Profile | None = None) -> Summary: ...


class SummaryService:
    """Summarises escalations; never raises for a model's failure, falls back and says why."""

    def __init__(self, llm: LLMSummariser | None = None) -> None:
        self.llm = llm
        self.extractive = ExtractiveSummariser()

    def close(self) -> None:
        if self.llm is not None:
            self.llm.close()

    def summarise(
        self,
        escalation: Escalation,
        profile: Profile | None = None,
        *,
        raw_allowed: bool = False,
        on_delta: Callable[[str], None] | None = None,
        on_preview: Callable[[str], None] | None = None,
    ) -> Summary:
        """`on_preview`: plain-text previews while a streaming model writes (see LLMSummariser)."""
        if self.llm is None:
            return self.extractive.summarise(escalation, profile)
        try:
            return self.llm.summarise(
                escalation,
                profile,
                raw_allowed=raw_allowed,
                on_delta=on_delta,
                on_preview=on_preview,
            )
        except LLMError as exc:
            reason = str(exc)
        except Exception:  # a bug or an SDK surprise must not lose the handoff's summary
            log.exception("the LLM summariser failed on escalation %s", escalation.id)
            reason = "the AI summary failed unexpectedly"
        # Logged without transcript text: only the escalation id and the reason.
        log.warning("LLM summary of %s not used: %s", escalation.id, reason)
        summary = self.extractive.summarise(escalation, profile)
        assert summary.provenance is not None
        return summary.model_copy(
            update={"provenance": summary.provenance.model_copy(update={"fallback_reason": reason})}
        )
