"""The transcript: trigger turns marked, find next/previous, jump to a turn, 10,000 turns lazily."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cxsidebar.core import Reason, ReasonKind
from cxsidebar.ui.context_view import TAB_SUMMARY, TAB_TRANSCRIPT
from cxsidebar.ui.transcript import MarksRole, TranscriptModel, TranscriptView


def opened(window, qtbot, samples, *, turns: int = 8, reasons=None):
    escalation = samples.escalation(turns=turns, reasons=reasons)
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")
    window.show_context(samples.context(escalation))
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window.context_view


def test_trigger_turns_are_marked_in_the_model(window, qtbot, samples):
    reasons = [Reason(kind=ReasonKind.KEYWORD, value="third time")]
    view = opened(window, qtbot, samples, reasons=reasons)
    model = view.transcript_model
    marks = [model.index(r).data(MarksRole) for r in range(4)]
    # t0: sentiment -0.4 (above -0.5), confident; t2: -0.8, "third time", confidence 0.62
    assert marks == ["", "", "negative · keyword", ""]
    assert "escalation trigger: negative · keyword" in model.index(2).data()
    assert model.marked_rows() == [2, 6]


def test_next_and_previous_trigger_turn(window, qtbot, samples):
    view = opened(window, qtbot, samples)
    window.key_actions["next trigger"].trigger()
    assert view.transcript_view.current_row() == 2
    window.key_actions["next trigger"].trigger()
    assert view.transcript_view.current_row() == 6
    window.key_actions["next trigger"].trigger()  # wraps
    assert view.transcript_view.current_row() == 2
    window.key_actions["previous trigger"].trigger()
    assert view.transcript_view.current_row() == 6


def test_ctrl_f_opens_find_enter_and_shift_enter_step(window, qtbot, samples):
    view = opened(window, qtbot, samples)
    bar = view.find_bar
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert bar.isVisible()
    assert QApplication.focusWidget() is bar.edit
    qtbot.keyClicks(bar.edit, "eur")  # "740 EUR" in t2, "500 EUR" in t3; again in t6, t7
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert view.transcript_view.current_row() == 2
    assert bar.result_label.text() == "Turn 3 · 4 matches"
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert view.transcript_view.current_row() == 3
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert view.transcript_view.current_row() == 2
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert view.transcript_view.current_row() == 3
    qtbot.keyClick(window, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert view.transcript_view.current_row() == 2
    bar.edit.clear()
    qtbot.keyClicks(bar.edit, "zzz-not-there")
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert bar.result_label.text() == "No matches"
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    window.close()


def test_jump_to_turn_switches_tab_and_selects(window, qtbot, samples):
    view = opened(window, qtbot, samples, turns=400)
    view.tabs.setCurrentIndex(TAB_SUMMARY)
    assert window.jump_to_turn("t123")
    assert view.tabs.currentIndex() == TAB_TRANSCRIPT
    assert view.transcript_view.current_row() == 123
    qtbot.waitUntil(
        lambda: (
            view.transcript_view.viewport()
            .rect()
            .intersects(view.transcript_view.visualRect(view.transcript_model.index(123)))
        )
    )
    assert not window.jump_to_turn("no-such-turn")
    window.close()


def test_ten_thousand_turns_are_measured_lazily(qtbot, samples):
    model = TranscriptModel()
    view = TranscriptView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(500, 600)
    view.show()
    qtbot.waitExposed(view)
    view.delegate.measured = 0
    model.set_turns(samples.turns(10_000))
    QApplication.processEvents()
    # Batched layout measures the first batch before painting, not all 10,000 rows.
    first = view.delegate.measured
    assert 0 < first <= 2_000
    qtbot.waitUntil(lambda: view.delegate.measured >= 10_000, timeout=20_000)
    before = view.delegate.measured
    view.viewport().repaint()
    assert view.delegate.measured == before  # heights are cached per width
    view.resize(420, 600)
    qtbot.waitUntil(lambda: view.delegate.measured > before, timeout=20_000)  # new width
    model.append(samples.turns(10_001)[-1:])
    assert model.rowCount() == 10_001


def test_marked_transcript_model_passes_the_model_tester(qtmodeltester, samples):
    from cxsidebar.ui.insight import turn_marks

    turns = samples.turns(12)
    reasons = [Reason(kind=ReasonKind.KEYWORD, value="refunds")]
    model = TranscriptModel()
    model.set_marks(turn_marks(turns, reasons))
    model.set_turns(turns)
    qtmodeltester.check(model)
    # "Refunds above 500 EUR…" is the bot's own line: the bot's words never count.
    assert model.index(3).data(MarksRole) == ""
    assert model.index(2).data(MarksRole) == "negative"  # sentiment -0.8
    assert model.marked_rows() == [2, 6, 10]


def _find_pixels(view) -> int:
    """Pixels of the find highlight's background in the transcript as drawn now."""
    from PySide6.QtGui import QColor

    from cxsidebar.ui.transcript_delegate import FIND_COLOURS, is_dark

    wanted = QColor(FIND_COLOURS["background"][is_dark(view.palette())]).rgb()
    image = view.viewport().grab().toImage()
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixel(x, y) == wanted
    )


def test_find_highlights_every_match_while_the_bar_is_open(window, qtbot, samples):
    view = opened(window, qtbot, samples)
    transcript = view.transcript_view
    assert _find_pixels(transcript) == 0
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(view.find_bar.edit, "eur")
    assert transcript.delegate.matches("740 EUR, not 500 eur") == [(4, 3), (17, 3)]
    qtbot.waitUntil(lambda: _find_pixels(transcript) > 0)
    qtbot.keyClick(view.find_bar.edit, Qt.Key.Key_Escape)  # closing the bar clears it
    assert transcript.delegate.matches("740 EUR") == []
    qtbot.waitUntil(lambda: _find_pixels(transcript) == 0)


def test_highlights_in_a_huge_message_are_capped(qtbot):
    from cxsidebar.ui.transcript_delegate import MAX_HIGHLIGHTS, TranscriptDelegate

    delegate = TranscriptDelegate()
    delegate.set_highlight("a.b")  # literal, not a pattern
    assert delegate.matches("axb a.b") == [(4, 3)]
    delegate.set_highlight("ab")
    assert len(delegate.matches("ab" * 100_000)) == MAX_HIGHLIGHTS
