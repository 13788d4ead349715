"""Untrusted text is shown literally: never as HTML, never with working control characters."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from cxsidebar.core import HistoryItem, Reason, ReasonKind, Summary
from cxsidebar.ui.history import TitleRole
from cxsidebar.ui.queue import CustomerRole, TopReasonRole
from cxsidebar.ui.transcript import TextRole

HOSTILE = [
    "<img src=x onerror=alert(1)><b>bold</b>",
    '<a href="file:///etc/passwd">x</a>',
    "<b>urgent</b> refund",
]


def hostile_context(samples, text: str):
    escalation = samples.escalation(
        name=text,
        reasons=[Reason(kind=ReasonKind.KEYWORD, value=text, detail=text)],
        note=text,
    ).model_copy(update={"transcript": [samples.turns(1)[0].model_copy(update={"text": text})]})
    history = [
        HistoryItem(id="h1", kind="ticket", title=text, status="open", opened_at=samples.NOW)
    ]
    return samples.context(
        escalation,
        profile=samples.profile(display_name=text, tier=text, email=text, phone=text),
        history=history,
        summary=Summary(kind="llm", text=text),
    )


def labels_with(window, text: str) -> list[QLabel]:
    return [label for label in window.findChildren(QLabel) if text in label.text()]


@pytest.mark.parametrize("text", HOSTILE)
def test_markup_is_shown_literally_in_every_pane(window, qtbot, samples, text):
    window.set_queue([samples.item(name=text)])
    window.open_escalation("esc-1")
    window.show_context(hostile_context(samples, text))
    window.context_view.profile.reveal_button.click()

    labels = labels_with(window, text)
    view = window.context_view
    must_show = [
        view.title_label,
        view.reasons.details[0],
        view.reasons.note_label,
        view.profile.name_label,
        view.profile.tier_label,
        view.profile.email_label,
    ]
    for label in must_show:
        assert label in labels, label.accessibleName()
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.accessibleName()
        assert not label.openExternalLinks()
    assert text in view.reasons.shown_chips()[0].text()
    assert view.summary.text_edit.toPlainText() == text
    assert view.transcript_model.index(0).data(TextRole) == text
    assert view.history_model.index(0).data(TitleRole) == text
    assert window.queue_model.index(0).data(CustomerRole) == text


def test_every_label_of_the_window_is_plain_text(window, qtbot, samples):
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")
    window.show_context(hostile_context(samples, HOSTILE[0]))
    rich = [
        label.accessibleName() or label.text()
        for label in window.findChildren(QLabel)
        if label.textFormat() != Qt.TextFormat.PlainText
    ]
    assert rich == []


def test_control_characters_are_dropped_and_bidi_overrides_shown(window, qtbot, samples):
    text = "Ann\x00a\x1b[31m \u202eexe.txt\x7f"
    reasons = [Reason(kind=ReasonKind.KEYWORD, value=text)]
    window.set_queue([samples.item(name=text, reasons=reasons)])
    window.open_escalation("esc-1")
    window.show_context(hostile_context(samples, text))
    view = window.context_view
    assert view.title_label.text() == "Anna[31m [RLO]exe.txt"
    assert view.reasons.note_label.text() == "Bot's note: Anna[31m [RLO]exe.txt"
    assert view.transcript_model.index(0).data(TextRole) == "Anna[31m [RLO]exe.txt"
    assert view.summary.text_edit.toPlainText() == "Anna[31m [RLO]exe.txt"
    assert window.queue_model.index(0).data(CustomerRole) == "Anna[31m [RLO]exe.txt"
    assert window.queue_model.index(0).data(TopReasonRole) == "keyword: Anna[31m [RLO]exe.txt"


def test_claimer_and_error_messages_are_plain(window, qtbot, samples):
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")
    window.show_context(samples.context())
    window.claim_failed("esc-1", HOSTILE[1])
    error = window.context_view.claim_bar.error_label
    assert error.textFormat() == Qt.TextFormat.PlainText
    assert error.text() == f"Could not claim: {HOSTILE[1]}"
    window.show_context_error("esc-1", HOSTILE[0])
    status = window.context_view.status_label
    assert status.textFormat() == Qt.TextFormat.PlainText
    assert HOSTILE[0] in status.text()


def test_no_tooltip_carries_untrusted_text(window, qtbot, samples):
    window.set_queue([samples.item(name=HOSTILE[0])])
    window.open_escalation("esc-1")
    window.show_context(hostile_context(samples, HOSTILE[0]))
    tips = [w.toolTip() for w in window.findChildren(QWidget) if w.toolTip()]
    assert all("<img" not in tip for tip in tips)
    assert window.queue_model.index(0).data(Qt.ItemDataRole.ToolTipRole) is None
