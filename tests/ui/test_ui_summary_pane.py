"""The summary tab: sections with cited statements, chips that jump to turns, regenerate."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QToolButton

from cxsidebar.core import Statement, SummaryProvenance, SummaryState
from cxsidebar.ui.context_view import TAB_SUMMARY, TAB_TRANSCRIPT
from cxsidebar.ui.summary import MAX_STATEMENTS, NOT_ENOUGH

TITLES = [
    "Issue",
    "The customer wants",
    "The bot already tried",
    "Already given — do not ask again",
    "Sentiment",
    "Suggested next step",
]


def open_with(window, samples, summary, turns: int = 4):
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")
    window.show_context(samples.context(samples.escalation(turns=turns), summary=summary))
    window.context_view.tabs.setCurrentIndex(TAB_SUMMARY)
    return window.context_view.summary


def test_sections_render_in_order_with_their_statements(window, qtbot, samples):
    pane = open_with(window, samples, samples.structured_summary())

    assert [label.text() for label in pane.section_labels] == TITLES
    assert pane.shown_statements() == [
        ("Issue", "Charged twice for the March invoice."),
        ("The customer wants", "A refund of the duplicate 740 EUR charge."),
        ("The customer wants", "The refund today, not next week."),
        ("The bot already tried", "Asked for the last four digits of the card."),
        ("The bot already tried", "Explained refunds above 500 EUR need an agent."),
        ("Already given — do not ask again", "Card ending 4242."),
        ("Already given — do not ask again", "Amount: 740 EUR, March invoice."),
        ("Already given — do not ask again", "Third contact about this."),
        ("Sentiment", "Angry (third contact this month)."),
        ("Suggested next step", "Refund the duplicate charge and confirm."),
    ]
    assert pane.kind_label.text() == "AI summary"
    meta = pane.meta_label.text()
    assert meta.startswith("v2 · ")
    assert f"{samples.NOW.astimezone():%Y-%m-%d %H:%M}" in meta
    assert "gpt-4o-mini" in meta
    assert "1 unsupported statement dropped" in meta
    assert pane.text_edit.isHidden()
    assert not pane.scroll_area.isHidden()
    assert pane.notice_label.isHidden()
    assert pane.state_label.isHidden()


def test_empty_sections_have_no_title(window, qtbot, samples):
    summary = samples.structured_summary(wants=[], sentiment=None, kind="extractive")
    pane = open_with(window, samples, summary)
    assert [label.text() for label in pane.section_labels] == [
        "Issue",
        "The bot already tried",
        "Already given — do not ask again",
        "Suggested next step",
    ]
    assert pane.kind_label.text() == "Key lines from the transcript"
    assert "gpt-4o-mini" not in pane.meta_label.text()  # no model behind key lines


@pytest.mark.parametrize("text", ["<img src=x onerror=alert(1)><b>bold</b>", "<a href='x'>y</a>"])
def test_hostile_statements_stay_plain(window, qtbot, samples, text):
    hostile = Statement(text=text + "\x1b[31m \u202eexe", cites=["t0"])
    pane = open_with(window, samples, samples.structured_summary(issue=hostile, facts=[hostile]))

    assert pane.shown_statements()[0] == ("Issue", text + "[31m [RLO]exe")
    for label in pane.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.accessibleName()
        assert not label.openExternalLinks()


def test_chips_jump_to_the_cited_turn(window, qtbot, samples):
    pane = open_with(window, samples, samples.structured_summary())
    view = window.context_view
    issue_chips = [c for c in pane.chips if c.property("turn_id") == "t0"]
    assert [c.text() for c in issue_chips] == ["#1", "#1"]  # the issue and one fact cite t0
    last = next(c for c in pane.chips if c.property("turn_id") == "t3")
    assert last.text() == "#4"
    assert last.accessibleName() == "Go to turn 4"

    last.click()
    assert view.tabs.currentIndex() == TAB_TRANSCRIPT
    assert view.transcript_view.current_row() == 3
    assert view.transcript_view.currentIndex().row() == 3

    view.tabs.setCurrentIndex(TAB_SUMMARY)
    qtbot.mouseClick(issue_chips[0], Qt.MouseButton.LeftButton)
    assert view.tabs.currentIndex() == TAB_TRANSCRIPT
    assert view.transcript_view.current_row() == 0


def test_citations_of_unknown_turns_get_no_chip(window, qtbot, samples):
    pane = open_with(window, samples, samples.structured_summary())
    assert "t99" not in {c.property("turn_id") for c in pane.chips}
    # "The refund today" cites t2 and t99: one chip, the statement still shown.
    assert ("The customer wants", "The refund today, not next week.") in pane.shown_statements()
    assert len(pane.chips) == 11  # every known citation of the sample, once per statement

    only_unknown = Statement(text="Something about a turn that is gone.", cites=["nope"])
    pane = open_with(window, samples, samples.structured_summary(issue=only_unknown))
    assert "nope" not in {c.property("turn_id") for c in pane.chips}


def test_statements_are_bounded(window, qtbot, samples):
    many = [Statement(text=f"Fact {n}", cites=["t0"]) for n in range(60)]
    pane = open_with(window, samples, samples.structured_summary(facts=many))
    assert len(pane.statement_labels) == MAX_STATEMENTS


def test_fallback_reason_is_shown(window, qtbot, samples):
    provenance = SummaryProvenance(
        summariser="extractive",
        prompt_version="extractive-v1",
        input_hash="1" * 64,
        started_at=samples.NOW,
        took_ms=3.0,
        fallback_reason="the model timed out after 20 s <b>x</b>",
    )
    summary = samples.structured_summary(kind="extractive", provenance=provenance)
    pane = open_with(window, samples, summary)
    assert not pane.notice_label.isHidden()
    assert pane.notice_label.text() == (
        "AI summary unavailable: the model timed out after 20 s <b>x</b>"
        " — showing key lines instead"
    )
    assert pane.notice_label.textFormat() == Qt.TextFormat.PlainText
    assert pane.kind_label.text() == "Key lines from the transcript"
    assert pane.section_labels  # the key lines are still shown


def test_not_enough_conversation_is_a_state_not_a_summary(window, qtbot, samples):
    summary = samples.structured_summary(state=SummaryState.NOT_ENOUGH_CONVERSATION)
    pane = open_with(window, samples, summary)
    assert not pane.state_label.isHidden()
    assert pane.state_label.text() == NOT_ENOUGH == "Not enough conversation to summarise."
    assert pane.section_labels == []
    assert pane.statement_labels == []
    assert pane.chips == []
    assert pane.scroll_area.isHidden()
    assert pane.text_edit.isHidden()


def test_no_summary_yet(window, qtbot, samples):
    pane = open_with(window, samples, None)
    assert pane.kind_label.text() == "No summary yet"
    assert pane.meta_label.text() == ""
    assert pane.scroll_area.isHidden()
    assert pane.state_label.isHidden()
    assert pane.notice_label.isHidden()
    # Another summary, then none again: nothing of the first is left.
    window.show_context(samples.context(summary=samples.structured_summary()))
    assert pane.statement_labels
    window.show_context(samples.context(summary=None))
    assert pane.kind_label.text() == "No summary yet"
    assert pane.statement_labels == []


def test_the_same_summary_again_keeps_its_widgets(window, qtbot, samples, monkeypatch):
    pane = open_with(window, samples, samples.structured_summary())
    first = list(pane.chips)
    fills: list[int] = []
    fill = pane.body.show_statements
    monkeypatch.setattr(pane.body, "show_statements", lambda *args: (fills.append(1), fill(*args)))
    window.show_context(
        samples.context(samples.escalation(turns=5), summary=samples.structured_summary())
    )  # a live turn arrived: same summary, same cited positions
    assert fills == []  # not filled again
    assert pane.chips == first
    window.show_context(samples.context(summary=samples.structured_summary(version=3)))
    assert fills == [1]
    assert pane.chips == first  # a new version reuses the widgets of the last one
    assert pane.meta_label.text().startswith("v3")


def test_a_shorter_summary_hides_the_rows_it_does_not_need(window, qtbot, samples):
    pane = open_with(window, samples, samples.structured_summary())
    assert len(pane.statement_labels) == 10
    short = samples.structured_summary(
        wants=[], bot_tried=[], facts=[], sentiment=None, next_step=None, version=3
    )
    window.show_context(samples.context(summary=short))
    assert pane.shown_statements() == [("Issue", "Charged twice for the March invoice.")]
    assert [label.text() for label in pane.section_labels] == ["Issue"]
    assert [chip.text() for chip in pane.chips] == ["#1"]
    body = pane.body
    visible = [w for w in body.findChildren(QLabel) if w.isVisibleTo(body) and w.text()]
    assert sorted(label.text() for label in visible) == [
        "Charged twice for the March invoice.",
        "Issue",
    ]
    hidden_chips = [c for c in body.findChildren(QToolButton) if not c.isVisibleTo(body)]
    assert len(hidden_chips) == len(body.findChildren(QToolButton)) - 1


def test_regenerate_emits_and_waits_for_the_next_context(window, qtbot, samples):
    pane = open_with(window, samples, samples.structured_summary())
    button = pane.regenerate_button
    assert button.isEnabled()
    assert button.accessibleName() == "Regenerate the summary"

    with qtbot.waitSignal(window.summary_regenerate_requested, timeout=1000) as signal:
        button.click()
    assert signal.args == ["esc-1"]
    assert not button.isEnabled()
    assert pane.status_label.text() == "Regenerating the summary…"
    with qtbot.assertNotEmitted(window.summary_regenerate_requested):
        window.context_view.regenerate_summary()  # the shortcut while pending: nothing

    window.show_context(samples.context(summary=samples.structured_summary(version=3)))
    assert button.isEnabled()
    assert pane.status_label.isHidden()
    assert pane.meta_label.text().startswith("v3")


def test_regenerate_failure_says_why_and_allows_another_try(window, qtbot, samples):
    pane = open_with(window, samples, samples.structured_summary())
    with qtbot.waitSignal(window.summary_regenerate_requested, timeout=1000):
        pane.regenerate_button.click()
    window.summary_regenerate_failed("esc-other", "ignored: not the shown escalation")
    assert not pane.regenerate_button.isEnabled()

    window.summary_regenerate_failed("esc-1", "rate limited <b>try later</b>")
    assert pane.regenerate_button.isEnabled()
    assert not pane.status_label.isHidden()
    assert pane.status_label.text() == (
        "Could not regenerate the summary: rate limited <b>try later</b>"
    )
    assert pane.status_label.textFormat() == Qt.TextFormat.PlainText


def test_regenerate_shortcut_opens_the_summary_tab(window, qtbot, samples):
    open_with(window, samples, samples.structured_summary())
    view = window.context_view
    view.tabs.setCurrentIndex(TAB_TRANSCRIPT)
    action = window.key_actions["regenerate summary"]
    assert action.shortcut() == QKeySequence("Ctrl+Shift+G")
    with qtbot.waitSignal(window.summary_regenerate_requested, timeout=1000) as signal:
        action.trigger()
    assert signal.args == ["esc-1"]
    assert view.tabs.currentIndex() == TAB_SUMMARY


def test_nothing_to_regenerate_without_an_escalation(window, qtbot, samples):
    pane = window.context_view.summary
    assert not pane.regenerate_button.isEnabled()
    with qtbot.assertNotEmitted(window.summary_regenerate_requested):
        window.key_actions["regenerate summary"].trigger()
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")  # loading: the context (and its summary) is not here yet
    assert not pane.regenerate_button.isEnabled()


def test_chips_follow_regenerate_in_the_tab_order(window, qtbot, samples):
    pane = open_with(window, samples, samples.structured_summary())
    window.show()
    qtbot.waitExposed(window)
    pane.regenerate_button.setFocus()
    assert pane.regenerate_button.nextInFocusChain() is pane.chips[0]
    assert pane.chips[0].focusPolicy() & Qt.FocusPolicy.TabFocus


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_summary_renders(window, qtbot, samples, scheme, tmp_path: Path):
    provenance = samples.structured_summary().provenance.model_copy(
        update={"fallback_reason": "the model timed out after 20 s"}
    )
    summary = samples.structured_summary(kind="extractive", provenance=provenance)
    window.resize(900, 760)
    window.show()
    qtbot.waitExposed(window)
    window.set_color_scheme(scheme)
    try:
        open_with(window, samples, summary)
        QApplication.processEvents()
        image = window.grab()
        assert not image.isNull()
        assert image.save(str(tmp_path / f"summary-{scheme}.png"))
    finally:
        window.set_color_scheme("auto")
