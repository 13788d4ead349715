"""The sections every summariser fills, and how a draft becomes a stored Summary."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cxsidebar.core import Statement, Summary, SummaryProvenance, SummaryState

from ._grounding import ground

SECTION_TITLES = {
    "issue": "Issue",
    "wants": "The customer wants",
    "bot_tried": "The bot already tried",
    "facts": "Already given (do not ask again)",
    "sentiment": "Sentiment",
    "next_step": "Suggested next step",
}


class DraftStatement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=300)]
    cites: Annotated[
        list[Annotated[str, Field(max_length=200)]], Field(min_length=1, max_length=10)
    ]


class SummaryDraft(BaseModel):
    """What a summariser produces before grounding: also the LLM's JSON output schema."""

    model_config = ConfigDict(extra="forbid")

    issue: DraftStatement | None
    wants: Annotated[list[DraftStatement], Field(max_length=5)]
    bot_tried: Annotated[list[DraftStatement], Field(max_length=5)]
    facts: Annotated[list[DraftStatement], Field(max_length=12)]
    sentiment: DraftStatement | None
    next_step: DraftStatement | None


def render_text(summary: Summary) -> str:
    """A plain-text rendering of the sections, for views without section support."""
    lines: list[str] = []
    current = None
    for section, statement in summary.statements():
        if section != current:
            lines.append(f"{SECTION_TITLES[section]}:")
            current = section
        lines.append(f"- {statement.text}")
    return "\n".join(lines)


def finish(
    draft: SummaryDraft,
    turns: Mapping[str, str],
    *,
    kind: str,
    provenance: SummaryProvenance,
    created_at: datetime,
    restore: Callable[[str], str] = lambda text: text,
) -> Summary:
    """Ground every statement against `turns`, restore redacted values, and build the Summary."""
    dropped = 0

    def keep(items: list[DraftStatement]) -> list[Statement]:
        nonlocal dropped
        statements = [
            Statement(text=i.text.strip(), cites=i.cites) for i in items if i.text.strip()
        ]
        grounded = ground(statements, turns)
        dropped += grounded.dropped + (len(items) - len(statements))
        return [Statement(text=restore(s.text), cites=s.cites) for s in grounded.kept]

    def one(item: DraftStatement | None) -> Statement | None:
        kept = keep([item] if item else [])
        return kept[0] if kept else None

    summary = Summary(
        kind=kind,
        created_at=created_at,
        issue=one(draft.issue),
        wants=keep(draft.wants),
        bot_tried=keep(draft.bot_tried),
        facts=keep(draft.facts),
        sentiment=one(draft.sentiment),
        next_step=one(draft.next_step),
    )
    provenance = provenance.model_copy(update={"dropped_statements": dropped})
    return summary.model_copy(update={"text": render_text(summary), "provenance": provenance})


def not_enough(kind: str, provenance: SummaryProvenance, created_at: datetime) -> Summary:
    return Summary(
        kind=kind,
        created_at=created_at,
        state=SummaryState.NOT_ENOUGH_CONVERSATION,
        text="Not enough conversation to summarise.",
        provenance=provenance,
    )
