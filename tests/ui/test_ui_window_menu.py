"""The Window menu, the Sign in button, the dead-letter dialog and what a rating records itself."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from cxsidebar.core import ConnectionState, Rating
from cxsidebar.ui.dead_letters import COLUMNS, DeadLetterDialog, RatingRole
from cxsidebar.ui.menu import ENTRIES
from cxsidebar.ui.rating_stamp import RatingStamp


def activate(window, qtbot) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_the_window_menu_has_every_entry_with_a_shortcut_and_a_name(window):
    menu = window.window_menu
    texts = [a.text().replace("&", "") for a in menu.menu.actions() if not a.isSeparator()]
    assert texts == [
        "Settings…",
        "Sign in again…",
        "Sign out",
        "Refused ratings (dead letters)…",
        "Quit",
    ]
    for entry in ENTRIES:
        action = menu.actions[entry.name]
        assert action.shortcut() == QKeySequence(entry.key)
        assert action.objectName() == entry.name
    assert menu.actions["quit"].shortcut() == QKeySequence("Ctrl+Q")
    assert menu.menu.accessibleName() == "Window menu"
    shortcuts = [a.shortcut().toString() for a in window.actions() if not a.shortcut().isEmpty()]
    assert len(shortcuts) == len(set(shortcuts)), "a shortcut is bound twice"


def test_each_entry_is_reachable_from_the_keyboard(window, qtbot):
    activate(window, qtbot)
    menu = window.window_menu
    signals = [
        ("Ctrl+,", menu.settings_requested),
        ("Ctrl+Shift+I", menu.sign_in_requested),
        ("Ctrl+Shift+O", menu.sign_out_requested),
        ("Ctrl+Shift+L", menu.dead_letters_requested),
        ("Ctrl+Q", window.quit_requested),
    ]
    for keys, signal in signals:
        sequence = QKeySequence(keys)
        combo = sequence[0]
        with qtbot.waitSignal(signal, timeout=2000):
            qtbot.keyClick(window, combo.key(), combo.keyboardModifiers())


def test_signed_out_shows_the_sign_in_button_until_live(window, qtbot):
    activate(window, qtbot)
    button = window.window_menu.sign_in_button
    assert button.isHidden()
    window.set_connection(ConnectionState.SIGNED_OUT, "signed out: the hub refused the token")
    assert button.isVisible()
    assert button.accessibleName() == "Sign in again"
    assert "Signed out" in window.header.connection_label.text()
    with qtbot.waitSignal(window.window_menu.sign_in_requested):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    window.set_connection(ConnectionState.LIVE, "connected")
    assert button.isHidden()


def letter(comment: str = "", escalation_id: str = "esc-1") -> Rating:
    return Rating(
        id=uuid.uuid4(),
        escalation_id=escalation_id,
        created_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        overall=2,
        comment=comment,
    )


def test_the_dead_letter_dialog_lists_refused_ratings_as_plain_text(qtbot, qtmodeltester):
    hostile = letter("<b>bold</b>\u202e evil", "<img src=x>")
    dialog = DeadLetterDialog([(hostile, "unknown escalation '<img src=x>'"), (letter(), "")])
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    model = dialog.model
    assert model.rowCount() == 2
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == list(
        COLUMNS
    )
    assert model.index(0, 0).data() == "<img src=x>"  # drawn by the view as text, never HTML
    assert model.index(0, 3).data() == "unknown escalation '<img src=x>'"
    assert "\u202e" not in model.index(0, 4).data()  # bidi overrides made visible
    assert model.index(0, 1).data() == "2"
    assert model.index(1, 0).data(RatingRole) is not None
    assert "refused 2 ratings" in dialog.summary_label.text()
    assert dialog.summary_label.textFormat() == Qt.TextFormat.PlainText
    dialog.set_letters([])
    assert model.rowCount() == 0
    assert dialog.summary_label.text() == "The hub has refused no ratings."


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_rating_records_its_timings_and_the_versions_shown(window, qtbot, samples):
    clock = Clock()
    stamp = RatingStamp(window, clock=clock)
    activate(window, qtbot)
    summary = samples.structured_summary()  # version 2
    context = samples.context(summary=summary).model_copy(update={"context_version": "c" * 64})
    window.set_queue([samples.item("esc-1")])
    window.open_escalation("esc-1")
    window.show_context(context)
    stamp.shown(context)
    window.context_view.repaint()  # the pop is painted
    clock.now = 101.5
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Down)  # first action
    clock.now = 104.25
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Down)  # not the first
    clock.now = 107.0
    rating = letter(escalation_id="esc-1")
    stamped = stamp.stamp(rating)
    assert stamped.first_action_ms == 1500
    assert stamped.rate_ms == 7000
    assert stamped.context_version == "c" * 64
    assert stamped.summary_version == 2
    assert stamped.id == rating.id

    other = letter(escalation_id="never-shown")
    assert stamp.stamp(other) == other
    stamp.close()


def test_without_an_earlier_action_the_rating_is_the_first_action(window, qtbot, samples):
    clock = Clock()
    stamp = RatingStamp(window, clock=clock)
    context = samples.context(summary=None)
    stamp.shown(context)
    clock.now = 103.0
    stamped = stamp.stamp(letter(escalation_id=context.escalation.id))
    assert stamped.first_action_ms == stamped.rate_ms == 3000
    assert stamped.summary_version is None
    stamp.close()
