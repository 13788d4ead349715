"""The extractive summariser: deterministic, offline, structured, cited and grounded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cx_summary_support import make_escalation

from cxsidebar.core import SummaryState
from cxsidebar.demo.scenarios import SCENARIOS
from cxsidebar.hub.summarise import ExtractiveSummariser, problem_with

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_every_demo_scenario_gets_a_grounded_cited_summary(scenario):
    escalation = scenario.escalation(NOW, 1)
    summary = ExtractiveSummariser().summarise(escalation, scenario.profile)
    turns = {t.id: t.text for t in escalation.transcript}
    assert summary.kind == "extractive"
    assert summary.state is SummaryState.READY
    assert summary.statements(), "an escalation with a conversation gets statements"
    for _section, statement in summary.statements():
        assert set(statement.cites) <= set(turns)
    assert summary.provenance is not None
    assert summary.provenance.summariser == "extractive"
    assert len(summary.provenance.input_hash) == 64
    assert summary.text.splitlines()[0].endswith(":")


def test_sections_carry_the_facts_the_customer_gave(billing):
    summary = ExtractiveSummariser().summarise(billing)
    assert summary.issue is not None
    assert summary.issue.cites == ["t1"]
    assert "charged twice" in summary.issue.text
    facts = [s.text for s in summary.facts]
    assert facts == ["Reference: ORD-77310", "Amount: $740", "Amount: $500"]
    assert any("refund" in s.text for s in summary.wants)
    assert [s.cites for s in summary.bot_tried] == [["t2"], ["t4"]]
    assert summary.next_step is not None
    assert "payment" in summary.next_step.text


def test_same_input_same_summary(billing):
    one = ExtractiveSummariser().summarise(billing)
    two = ExtractiveSummariser().summarise(billing)
    assert one.model_dump(exclude={"created_at", "provenance"}) == two.model_dump(
        exclude={"created_at", "provenance"}
    )
    assert one.provenance.input_hash == two.provenance.input_hash


@pytest.mark.parametrize(
    "texts",
    [[], [("customer", "hi")], [("bot", "Hello! How can I help?"), ("customer", "agent")]],
)
def test_too_little_conversation_is_said_not_invented(texts):
    summary = ExtractiveSummariser().summarise(make_escalation(texts))
    assert summary.state is SummaryState.NOT_ENOUGH_CONVERSATION
    assert summary.statements() == []
    assert summary.text == "Not enough conversation to summarise."


def test_hostile_text_never_yields_markup_or_links():
    hostile = next(s for s in SCENARIOS if s.key == "hostile-text")
    summary = ExtractiveSummariser().summarise(hostile.escalation(NOW, 1), hostile.profile)
    turns = {t.id: t.text for t in hostile.escalation(NOW, 1).transcript}
    for _section, statement in summary.statements():
        assert problem_with(statement, turns) is None
        assert "<" not in statement.text or ">" not in statement.text
        assert "http" not in statement.text.lower()
