"""The main window as the app drives it: queue, selection, context panes, claim, screen-pop."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QWidget,
)

from cxsidebar.core import ClaimInfo, EscalationStatus, Summary
from cxsidebar.ui.context_view import TAB_CUSTOMER, TAB_HISTORY, TAB_SUMMARY, TAB_TRANSCRIPT
from cxsidebar.ui.history import TitleRole
from cxsidebar.ui.queue import EscalationIdRole


def queue_ids(window) -> list[str]:
    model = window.queue_model
    return [model.index(r).data(EscalationIdRole) for r in range(model.rowCount())]


def shown(window, qtbot) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def open_first(window, qtbot, samples, escalation_id: str = "esc-1") -> None:
    window.set_queue([samples.item(escalation_id), samples.item("esc-2", minutes_ago=1)])
    with qtbot.waitSignal(window.context_requested) as requested:
        window.open_escalation(escalation_id)
    assert requested.args == [escalation_id]


def test_selecting_an_escalation_asks_for_its_context(window, qtbot, samples):
    window.set_queue([samples.item("esc-1"), samples.item("esc-2", minutes_ago=1)])
    assert window.queue_label.text() == "Queue · 2 escalations"
    view = window.queue_view
    with qtbot.waitSignal(window.context_requested) as requested:
        view.selectionModel().setCurrentIndex(
            window.queue_model.index(1), view.selectionModel().SelectionFlag.ClearAndSelect
        )
    assert requested.args == ["esc-2"]
    ctx_view = window.context_view
    assert ctx_view.escalation_id == "esc-2"
    assert ctx_view.title_label.text() == "Ana Kowalski"
    assert ctx_view.status_label.text() == "Loading context…"
    assert [c.text() for c in ctx_view.reasons.shown_chips()] == [
        "payment 740",
        "sentiment \u22120.8",
    ]
    assert window.rating_panel.escalation_id == "esc-2"


def test_show_context_fills_every_pane(window, qtbot, samples):
    open_first(window, qtbot, samples)
    window.show_context(samples.context(samples.escalation(turns=42)))
    view = window.context_view

    assert view.status_label.isHidden()
    assert view.transcript_model.rowCount() == 42
    assert view.tabs.tabText(TAB_TRANSCRIPT) == "Transcript (42)"
    assert view.tabs.currentIndex() == TAB_TRANSCRIPT
    chips = view.reasons.shown_chips()
    assert [c.text() for c in chips] == ["payment 740", "sentiment \u22120.8"]
    assert view.reasons.details[0].text() == "Refund above the 500 EUR bot limit"
    assert view.reasons.note_label.text().startswith("Bot's note: Customer asked twice")
    assert not view.badge_label.isHidden()
    assert view.badge_label.text() == "VIP"

    profile = view.profile
    assert profile.currentWidget() is not profile.missing_label
    assert profile.name_label.text() == "Ana Kowalski"
    assert profile.tier_label.text() == "Gold · VIP"
    assert profile.email_label.text() == "a••••@example.com"
    assert profile.phone_label.text() == "•••• ••67"
    assert profile.consent_label.text() == "marketing: no, recording: yes"
    profile.reveal_button.click()
    assert profile.email_label.text() == "ana.kowalski@example.com"
    assert profile.reveal_button.text() == "Hide contact details"

    titles = [
        view.history_model.index(r).data(TitleRole) for r in range(view.history_model.rowCount())
    ]
    assert titles[0] == "Double charge, February invoice"
    assert view.tabs.tabText(TAB_HISTORY) == "History (3)"
    assert view.summary.kind_label.text() == "AI summary"
    assert view.summary.meta_label.text() == f"v1 · {samples.NOW.astimezone():%Y-%m-%d %H:%M}"
    assert view.summary.text_edit.toPlainText().startswith("Customer was charged twice")
    assert view.summary.text_edit.isReadOnly()


def test_missing_profile_and_summary_say_so(window, qtbot, samples):
    open_first(window, qtbot, samples)
    window.show_context(samples.context(profile=None, summary=None, history=[]))
    view = window.context_view
    assert view.profile.currentWidget() is view.profile.missing_label
    assert view.profile.missing_label.text() == "No CRM record for this customer"
    assert view.tabs.tabText(TAB_CUSTOMER) == "Customer"
    assert view.badge_label.text() == "No CRM record"
    assert not view.badge_label.isHidden()
    assert view.summary.kind_label.text() == "No summary yet"
    assert view.summary.text_edit.isHidden()
    assert view.history_model.rowCount() == 0


def test_refreshed_context_keeps_the_tab_the_agent_is_on(window, qtbot, samples):
    open_first(window, qtbot, samples)
    window.show_context(samples.context(summary=None))
    window.context_view.tabs.setCurrentIndex(TAB_SUMMARY)
    window.show_context(samples.context(summary=Summary(kind="extractive", text="Key line.")))
    assert window.context_view.tabs.currentIndex() == TAB_SUMMARY
    assert window.context_view.summary.kind_label.text() == "Key lines from the transcript"


def test_refreshed_context_appends_new_turns_without_a_reset(window, qtbot, samples):
    open_first(window, qtbot, samples)
    window.show_context(samples.context(samples.escalation(turns=4)))
    model = window.context_view.transcript_model
    with (
        qtbot.assertNotEmitted(model.modelReset),
        qtbot.waitSignal(model.rowsInserted) as inserted,
    ):
        window.show_context(samples.context(samples.escalation(turns=6)))
    assert inserted.args[1:] == [4, 5]
    assert model.rowCount() == 6


def test_a_late_answer_for_another_escalation_is_dropped(window, qtbot, samples):
    open_first(window, qtbot, samples)
    window.show_context(samples.context(samples.escalation("esc-2", name="Someone Else")))
    assert window.context_view.escalation_id == "esc-1"
    assert window.context_view.title_label.text() == "Ana Kowalski"
    assert window.context_view.status_label.text() == "Loading context…"


def test_context_error_is_shown_for_the_current_escalation_only(window, qtbot, samples):
    open_first(window, qtbot, samples)
    window.show_context_error("esc-2", "not this one")
    assert window.context_view.status_label.text() == "Loading context…"
    window.show_context_error("esc-1", "hub answered 503")
    assert window.context_view.status_label.text() == "Could not load the context: hub answered 503"
    assert not window.context_view.status_label.isHidden()
    retry = window.context_view.retry_button
    assert not retry.isHidden()
    with qtbot.waitSignal(window.context_requested) as requested:
        retry.click()
    assert requested.args == ["esc-1"]
    assert window.context_view.status_label.text() == "Loading context…"
    assert retry.isHidden()


def test_claim_button_states(window, qtbot, samples):
    open_first(window, qtbot, samples)
    window.show_context(samples.context())
    button = window.context_view.claim_bar.button
    error = window.context_view.claim_bar.error_label
    assert button.isEnabled()
    assert button.text() == "Claim  (Ctrl+Enter)"

    with qtbot.waitSignal(window.claim_requested) as claimed:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert claimed.args == ["esc-1"]
    assert button.text() == "Claiming…"
    assert not button.isEnabled()

    window.claim_failed("esc-1", "hub unreachable")
    assert button.isEnabled()
    assert error.text() == "Could not claim: hub unreachable"
    assert not error.isHidden()

    with qtbot.waitSignal(window.claim_requested):
        button.click()
    assert error.isHidden()
    info = ClaimInfo(
        escalation_id="esc-1", queue="billing", claimed_by="Sam Agent", claimed_at=samples.NOW
    )
    window.mark_claimed(info, True)
    assert button.text() == "Claimed by you"
    assert not button.isEnabled()
    assert queue_ids(window) == ["esc-1", "esc-2"]  # mine stays in the queue


def test_claimed_by_someone_else_leaves_the_queue_but_not_the_screen(window, qtbot, samples):
    open_first(window, qtbot, samples)
    window.show_context(samples.context())
    info = ClaimInfo(
        escalation_id="esc-1", queue="billing", claimed_by="Tom & Jerry", claimed_at=samples.NOW
    )
    with qtbot.assertNotEmitted(window.context_requested):
        window.mark_claimed(info, False)
    assert queue_ids(window) == ["esc-2"]
    assert window.context_view.escalation_id == "esc-1"
    button = window.context_view.claim_bar.button
    assert button.text() == "Claimed by Tom && Jerry"  # "&" shown literally, not as a mnemonic
    assert not button.isEnabled()
    assert window.queue_view.selectionModel().selectedIndexes() == []


def test_context_of_an_escalation_claimed_elsewhere_disables_the_claim(window, qtbot, samples):
    open_first(window, qtbot, samples)
    window.show_context(samples.context(status=EscalationStatus.CLAIMED, claimed_by="Other Agent"))
    button = window.context_view.claim_bar.button
    assert button.text() == "Claimed by Other Agent"
    assert not button.isEnabled()


def test_pop_mode_raises_notifies_and_opens_the_new_escalation(window, qtbot, samples, notifier):
    window.set_queue([samples.item("esc-1", minutes_ago=9)])
    with qtbot.waitSignal(window.context_requested) as requested:
        window.add_escalation(samples.item("esc-new", name="Jonas Weber", minutes_ago=0))
    assert requested.args == ["esc-new"]
    assert notifier.kinds() == ["pop", "notify", "announce"]
    assert notifier.calls[0][1] is window
    assert notifier.calls[1][2:] == (
        "New escalation: Jonas Weber",
        "billing · payment 740",
    )
    assert notifier.calls[2][2] == "New escalation from Jonas Weber, payment 740"
    assert queue_ids(window) == ["esc-1", "esc-new"]
    assert window.context_view.escalation_id == "esc-new"


def test_notify_mode_only_notifies(window, qtbot, samples, notifier):
    window.set_pop_mode("notify")
    open_first(window, qtbot, samples)
    with qtbot.assertNotEmitted(window.context_requested):
        window.add_escalation(samples.item("esc-new", minutes_ago=0))
    assert notifier.kinds() == ["notify", "announce"]
    assert window.context_view.escalation_id == "esc-1"
    assert "esc-new" in queue_ids(window)


def test_a_replayed_arrival_is_not_announced_twice(window, qtbot, samples, notifier):
    window.set_pop_mode("notify")
    window.add_escalation(samples.item("esc-1"))
    window.add_escalation(samples.item("esc-1"))
    assert notifier.kinds() == ["notify", "announce"]
    assert queue_ids(window) == ["esc-1"]


def test_pop_mode_is_validated(window):
    with pytest.raises(ValueError, match="pop mode"):
        window.set_pop_mode("shout")
    assert window.pop_mode == "pop"


def test_keyboard_moves_claims_and_focuses(window, qtbot, samples):
    window.set_queue(
        [
            samples.item("a", minutes_ago=3),
            samples.item("b", minutes_ago=2),
            samples.item("c", minutes_ago=1),
        ]
    )
    shown(window, qtbot)
    with qtbot.waitSignal(window.context_requested) as requested:
        qtbot.keyClick(window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert requested.args == ["a"]
    with qtbot.waitSignal(window.context_requested) as requested:
        qtbot.keyClick(window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert requested.args == ["b"]
    with qtbot.waitSignal(window.context_requested) as requested:
        qtbot.keyClick(window, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert requested.args == ["a"]

    window.show_context(samples.context(samples.escalation("a")))
    with qtbot.waitSignal(window.claim_requested) as claimed:
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert claimed.args == ["a"]

    window.context_view.tabs.setCurrentIndex(TAB_HISTORY)
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.context_view.tabs.currentIndex() == TAB_TRANSCRIPT
    qtbot.waitUntil(lambda: window.context_view.transcript_view.hasFocus())
    window.context_view.tabs.setCurrentIndex(TAB_SUMMARY)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.context_view.tabs.currentIndex() == TAB_TRANSCRIPT
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.queue_view.hasFocus())

    with qtbot.waitSignal(window.quit_requested):
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)


def test_tab_order_runs_queue_claim_details_rating(window, qtbot, samples):
    open_first(window, qtbot, samples)
    window.show_context(samples.context())
    shown(window, qtbot)
    window.queue_view.setFocus()
    qtbot.waitUntil(window.queue_view.hasFocus)
    visited: list[QWidget] = []
    for _ in range(30):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        visited.append(QApplication.focusWidget())
        if visited[-1] is window.queue_view:
            break
    panel = window.rating_panel
    expected = [
        window.context_view.claim_bar.button,
        window.context_view.tabs.tabBar(),
        window.context_view.transcript_view,
        panel.overall_buttons[0],
        panel.part_boxes["transcript"],
        panel.repeat_box,
        panel.comment_edit,
        panel.save_button,
    ]
    positions = [visited.index(w) for w in expected if w in visited]
    assert len(positions) == len(expected) - 1  # Save is disabled until a score is chosen
    assert positions == sorted(positions)


def own_controls(window: QWidget) -> list[QWidget]:
    kinds = (QAbstractButton, QAbstractItemView, QComboBox, QPlainTextEdit, QLineEdit)
    controls = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, kinds) or widget.objectName().startswith("qt_"):
            continue  # Qt's own parts, e.g. the menu bar's overflow button
        parent = widget.parentWidget()
        inside_qt_composite = False
        while parent is not None and parent is not window:
            if isinstance(parent, QTabBar | QComboBox | QLineEdit):
                inside_qt_composite = True  # Qt's own scroll arrows and popup lists
            parent = parent.parentWidget()
        if not inside_qt_composite:
            controls.append(widget)
    return controls


def test_every_control_has_an_accessible_name(window, qtbot, samples):
    open_first(window, qtbot, samples)
    window.show_context(samples.context())
    controls = own_controls(window)
    assert len(controls) > 15
    unnamed = [type(c).__name__ + ":" + c.objectName() for c in controls if not c.accessibleName()]
    assert unnamed == []
    assert window.header.connection_label.accessibleName() == "Connection to the hub"


def test_narrow_window_stacks_the_queue_above_the_context(window, qtbot):
    window.show()
    qtbot.waitExposed(window)
    assert window.main_splitter.orientation() == Qt.Orientation.Horizontal
    window.resize(420, 800)
    qtbot.waitUntil(lambda: window.main_splitter.orientation() == Qt.Orientation.Vertical)
    assert window.width() == 420
    window.resize(1100, 800)
    qtbot.waitUntil(lambda: window.main_splitter.orientation() == Qt.Orientation.Horizontal)
