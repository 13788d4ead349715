"""The rating panel: the keyboard flow, the Rating it builds, and Saving…/Saved/Not saved."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cxsidebar.core import Outcome, Problem, Rating, RatingParts, Repeated
from cxsidebar.ui.rating import SAVED, SAVING, RatingPanel


def open_context(window, qtbot, samples, escalation_id: str = "esc-1") -> None:
    window.set_queue([samples.item("esc-1"), samples.item("esc-2", minutes_ago=1)])
    window.open_escalation(escalation_id)
    window.show_context(samples.context(samples.escalation(escalation_id)))


def activate(window, qtbot) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_keyboard_flow_builds_and_emits_the_rating(window, qtbot, samples):
    open_context(window, qtbot, samples)
    activate(window, qtbot)
    panel = window.rating_panel
    assert not panel.save_button.isEnabled()
    assert panel.status_label.text() == "Choose an overall score (Alt+1 … Alt+5)"

    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    assert panel.overall_group.checkedId() == 4
    assert panel.save_button.isEnabled()

    panel.part_boxes["transcript"].setFocus()
    qtbot.waitUntil(panel.part_boxes["transcript"].hasFocus)
    qtbot.keyClick(panel.part_boxes["transcript"], Qt.Key.Key_5)  # the combo jumps to "5"
    qtbot.keyClick(panel.part_boxes["transcript"], Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.part_boxes["summary"]
    qtbot.keyClick(panel.part_boxes["summary"], Qt.Key.Key_2)
    panel.repeat_box.setFocus()
    qtbot.keyClick(panel.repeat_box, Qt.Key.Key_Space)
    assert panel.repeat_box.isChecked()
    qtbot.keyClick(panel.repeat_box, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is panel.comment_edit
    qtbot.keyClicks(panel.comment_edit, "Summary missed the refund amount.")

    before = datetime.now(UTC)
    with qtbot.waitSignal(window.rating_submitted) as submitted:
        qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    rating = submitted.args[0]
    assert isinstance(rating, Rating)
    assert rating.escalation_id == "esc-1"
    assert rating.overall == 4
    assert rating.parts == RatingParts(transcript=5, summary=2)
    assert rating.customer_repeated is True
    assert rating.comment == "Summary missed the refund amount."
    assert before - timedelta(seconds=1) <= rating.created_at <= datetime.now(UTC)
    assert rating.created_at.tzinfo is not None
    assert rating.id.version == 4
    assert panel.status_label.text() == SAVING
    assert not panel.save_button.isEnabled()


def test_saved_state_and_editing_after_saving(window, qtbot, samples):
    open_context(window, qtbot, samples)
    panel = window.rating_panel
    panel.set_overall(3)
    with qtbot.waitSignal(window.rating_submitted) as submitted:
        panel.save_button.click()
    assert not panel.form.isEnabled()  # no edits while the save is in flight

    window.rating_saved(submitted.args[0].id)
    assert panel.status_label.text() == SAVED
    assert panel.form.isEnabled()
    assert not panel.save_button.isEnabled()

    panel.set_overall(5)  # a change after saving is a new rating
    assert panel.status_label.text() == ""
    with qtbot.waitSignal(window.rating_submitted) as again:
        panel.save()
    assert again.args[0].id != submitted.args[0].id
    assert again.args[0].overall == 5


def test_failed_save_keeps_values_and_retries_with_the_same_id(window, qtbot, samples):
    open_context(window, qtbot, samples)
    panel = window.rating_panel
    panel.set_overall(2)
    panel.comment_edit.setPlainText("Transcript cut off")
    with qtbot.waitSignal(window.rating_submitted) as first:
        panel.save()
    window.rating_save_failed(first.args[0].id, "disk <b>full</b>")
    assert panel.status_label.text() == "Not saved: disk <b>full</b>"
    assert panel.status_label.textFormat() == Qt.TextFormat.PlainText
    assert panel.overall_group.checkedId() == 2
    assert panel.comment_edit.toPlainText() == "Transcript cut off"
    assert panel.save_button.isEnabled()

    with qtbot.waitSignal(window.rating_submitted) as retry:
        panel.save()
    assert retry.args[0] == first.args[0]  # same id and body: a late first write is no duplicate
    window.rating_saved(retry.args[0].id)
    assert panel.status_label.text() == SAVED


def test_drafts_and_answers_follow_their_escalation(window, qtbot, samples):
    open_context(window, qtbot, samples)
    panel = window.rating_panel
    panel.set_overall(1)
    with qtbot.waitSignal(window.rating_submitted) as submitted:
        panel.save()

    window.open_escalation("esc-2")
    window.show_context(samples.context(samples.escalation("esc-2")))
    assert panel.escalation_id == "esc-2"
    assert panel.overall_group.checkedId() == -1
    panel.set_overall(5)

    window.rating_saved(submitted.args[0].id)  # the answer for esc-1 arrives meanwhile
    assert panel.status_label.text() == ""
    assert panel.overall_group.checkedId() == 5

    window.open_escalation("esc-1")
    assert panel.overall_group.checkedId() == 1
    assert panel.status_label.text() == SAVED
    window.open_escalation("esc-2")
    assert panel.overall_group.checkedId() == 5


def test_nothing_to_save_without_an_escalation_or_a_score(qtbot):
    panel = RatingPanel()
    qtbot.addWidget(panel)
    with qtbot.assertNotEmitted(panel.rating_submitted):
        panel.set_overall(3)
        panel.save()
    assert not panel.form.isEnabled()
    panel.set_escalation("esc-9")
    with qtbot.assertNotEmitted(panel.rating_submitted):
        panel.save()
    panel.rating_saved(Rating(escalation_id="x", created_at=datetime.now(UTC), overall=1).id)
    assert panel.status_label.text() == "Choose an overall score (Alt+1 … Alt+5)"


def test_rating_controls_are_named_for_screen_readers(qtbot):
    panel = RatingPanel()
    qtbot.addWidget(panel)
    assert [b.accessibleName() for b in panel.overall_buttons][:2] == [
        "Overall score 1 of 5",
        "Overall score 2 of 5",
    ]
    assert panel.part_boxes["history"].accessibleName() == "History score"
    assert panel.comment_edit.accessibleName() == "Comment"
    assert panel.save_button.accessibleName() == "Save rating"


ALT, CTRL = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier
# A whole rating from the keyboard: 22 key presses, well under 5 s for a practised agent.
KEYS_ONLY = [
    (Qt.Key.Key_4, ALT),  # overall 4
    (Qt.Key.Key_A, ALT),  # transcript…
    (Qt.Key.Key_5, None),
    (Qt.Key.Key_S, ALT),  # summary…
    (Qt.Key.Key_2, None),
    (Qt.Key.Key_P, ALT),  # profile: not used
    (Qt.Key.Key_N, None),
    (Qt.Key.Key_H, ALT),  # history…
    (Qt.Key.Key_3, None),
    (Qt.Key.Key_R, ALT),  # had to repeat: ticks it and goes there
    (Qt.Key.Key_Tab, None),  # account id
    (Qt.Key.Key_Tab, None),  # order number
    (Qt.Key.Key_Space, None),
    (Qt.Key.Key_B, ALT),  # problems: inaccurate
    (Qt.Key.Key_Tab, None),  # missing
    (Qt.Key.Key_Space, None),
    (Qt.Key.Key_O, ALT),  # outcome…
    (Qt.Key.Key_F, None),  # follow-up needed
    (Qt.Key.Key_M, ALT),  # comment
    (Qt.Key.Key_O, None),
    (Qt.Key.Key_K, None),
    (Qt.Key.Key_S, CTRL),  # save
]


def test_a_whole_rating_by_keys_only_in_under_5_seconds(window, qtbot, samples):
    open_context(window, qtbot, samples)
    activate(window, qtbot)
    window.queue_view.setFocus()
    qtbot.waitUntil(window.queue_view.hasFocus)
    started = time.monotonic()
    with qtbot.waitSignal(window.rating_submitted) as submitted:
        for key, modifier in KEYS_ONLY:
            target = QApplication.focusWidget() or window
            if modifier is None:
                qtbot.keyClick(target, key)
            else:
                qtbot.keyClick(target, key, modifier)
    assert time.monotonic() - started < 5.0
    rating = submitted.args[0]
    assert rating.overall == 4
    assert rating.parts == RatingParts(transcript=5, summary=2, profile=None, history=3)
    assert rating.customer_repeated is True
    assert rating.repeated == [Repeated.ORDER_NUMBER]
    assert rating.problems == [Problem.MISSING]
    assert rating.outcome is Outcome.FOLLOW_UP
    assert rating.comment == "ok"
    assert len(KEYS_ONLY) <= 25


def test_every_rating_control_has_an_accessible_name(qtbot):
    panel = RatingPanel()
    qtbot.addWidget(panel)
    names = [w.accessibleName() for w in panel.focus_order()]
    assert all(names), names
    assert len(set(names)) == len(names)
    assert panel.outcome_box.accessibleName() == "Outcome of this contact"
    assert panel.repeated_boxes[Repeated.ACCOUNT_ID].accessibleName() == (
        "Had to ask again for: Account ID"
    )


def test_naming_what_was_repeated_ticks_repeat_and_unticking_clears_it(qtbot):
    panel = RatingPanel()
    qtbot.addWidget(panel)
    panel.set_escalation("esc-1")
    panel.repeated_boxes[Repeated.ACCOUNT_ID].setChecked(True)
    assert panel.repeat_box.isChecked()
    panel.repeat_box.setChecked(False)
    assert not panel.repeated_boxes[Repeated.ACCOUNT_ID].isChecked()


def test_a_failed_save_is_settled_by_a_later_saved_from_the_retry(qtbot):
    panel = RatingPanel()
    qtbot.addWidget(panel)
    panel.set_escalation("esc-1")
    panel.set_overall(3)
    panel.outcome_box.setCurrentIndex(1)
    with qtbot.waitSignal(panel.rating_submitted) as submitted:
        panel.save()
    rating = submitted.args[0]
    assert rating.outcome is Outcome.RESOLVED
    panel.rating_save_failed(rating.id, "not saved: database or disk is full; kept, retrying")
    assert panel.status_label.text() == "Not saved: database or disk is full; kept, retrying"
    assert panel.overall_group.checkedId() == 3  # nothing thrown away
    panel.rating_saved(rating.id)  # the app's retry got it onto the disk
    assert panel.status_label.text() == SAVED
