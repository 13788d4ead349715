"""Pop behaviour: notify only, pop on arrival, pop when the agent accepts; never steal work."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication

from cxsidebar.core import ClaimInfo
from cxsidebar.ui import DesktopNotifier, MainWindow


class AcceptingNotifier(QObject):
    """A stub notifier with the optional `accepted` signal, as the toast and tray give it."""

    accepted = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def pop(self, window) -> None:
        self.calls.append("pop")

    def notify(self, window, title: str, message: str) -> None:
        self.calls.append(f"notify {title} | {message}")

    def announce(self, window, message: str) -> None:
        self.calls.append("announce")


@pytest.fixture
def accepting(qtbot):
    notifier = AcceptingNotifier()
    window = MainWindow(notifier=notifier, pop_mode="accept")
    qtbot.addWidget(window)
    window.set_agent_name("Sam Agent")
    return window, notifier


def test_accept_mode_notifies_then_opens_on_accept(accepting, qtbot, samples):
    window, notifier = accepting
    window.set_queue([samples.item("esc-1", minutes_ago=9)])
    with qtbot.assertNotEmitted(window.context_requested):
        window.add_escalation(samples.item("esc-new", name="Jonas", minutes_ago=0))
    assert notifier.calls == [
        "notify New escalation: Jonas | billing · payment 740 · Accept: Ctrl+Shift+A",
        "announce",
    ]
    assert window.context_view.escalation_id is None
    with qtbot.waitSignal(window.context_requested) as requested:
        notifier.accepted.emit()  # "Accept" on the toast
    assert requested.args == ["esc-new"]
    assert notifier.calls[-1] == "pop"


def test_accept_shortcut_opens_the_newest_offer(accepting, qtbot, samples):
    window, _ = accepting
    window.add_escalation(samples.item("esc-1", minutes_ago=3))
    window.add_escalation(samples.item("esc-2", minutes_ago=1))
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.context_requested) as requested:
        window.key_actions["accept"].trigger()
    assert requested.args == ["esc-2"]
    # Nothing offered any more: Accept falls back to the oldest open escalation.
    window.context_view.clear()
    window.queue_view.clearSelection()
    with qtbot.waitSignal(window.context_requested) as requested:
        window.accept_escalation()
    assert requested.args == ["esc-1"]


def test_pop_mode_does_not_steal_a_claimed_escalation(window, qtbot, samples, notifier):
    window.set_queue([samples.item("esc-1", minutes_ago=5)])
    with qtbot.waitSignal(window.context_requested):
        window.open_escalation("esc-1")
    mine = ClaimInfo(
        escalation_id="esc-1", queue="billing", claimed_by="Sam Agent", claimed_at=samples.NOW
    )
    window.mark_claimed(mine, True)
    assert window.busy()
    with qtbot.assertNotEmitted(window.context_requested):
        window.add_escalation(samples.item("esc-new", minutes_ago=0))
    assert notifier.kinds() == ["notify", "announce"]  # no pop
    assert window.context_view.escalation_id == "esc-1"


def test_pop_mode_does_not_steal_a_rating_being_typed(window, qtbot, samples, notifier):
    window.set_queue([samples.item("esc-1", minutes_ago=5)])
    with qtbot.waitSignal(window.context_requested):
        window.open_escalation("esc-1")
    window.rating_panel.set_overall(4)
    assert window.busy()
    with qtbot.assertNotEmitted(window.context_requested):
        window.add_escalation(samples.item("esc-new", minutes_ago=0))
    assert "pop" not in notifier.kinds()
    assert window.context_view.escalation_id == "esc-1"


def test_pop_menu_switches_the_mode(window):
    window.pop_actions["accept"].trigger()
    assert window.pop_mode == "accept"
    window.set_pop_mode("notify")
    assert window.pop_actions["notify"].isChecked()


def test_the_toast_accept_button_reaches_the_window(qtbot, samples):
    window = MainWindow(pop_mode="accept")  # the real desktop notifier: offscreen has no tray
    qtbot.addWidget(window)
    notifier = window.notifier
    assert isinstance(notifier, DesktopNotifier)
    window.add_escalation(samples.item("esc-9", minutes_ago=0))
    toast = notifier.toast
    assert toast is not None
    with qtbot.waitSignal(window.context_requested) as requested:
        qtbot.mouseClick(toast.accept_button, Qt.MouseButton.LeftButton)
    assert requested.args == ["esc-9"]
    qtbot.waitUntil(lambda: notifier.toast is None)
    window.close()


def test_revealing_contact_details_is_reported_per_field(window, qtbot, samples):
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")
    window.show_context(samples.context())
    profile = window.context_view.profile
    assert profile.email_label.text() == "a••••@example.com"
    revealed: list[tuple[str, str]] = []
    window.contact_revealed.connect(lambda eid, field: revealed.append((eid, field)))
    window.key_actions["reveal contact"].trigger()
    assert profile.email_label.text() == "ana.kowalski@example.com"
    assert revealed == [("esc-1", "email"), ("esc-1", "phone")]
    window.key_actions["reveal contact"].trigger()  # hiding again logs nothing
    assert profile.email_label.text() == "a••••@example.com"
    assert len(revealed) == 2


def test_repeat_contact_banner(qtbot, notifier, samples):
    window = MainWindow(notifier=notifier, clock=lambda: samples.NOW)
    qtbot.addWidget(window)
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")
    window.show_context(samples.context())
    banner = window.context_view.repeat_label
    assert not banner.isHidden()
    assert banner.textFormat() == Qt.TextFormat.PlainText
    assert banner.text() == (
        "Repeat contact: case \u201cDouble charge, February invoice\u201d 3 days ago,"
        " same flow billing/refund"
    )
    window.context_view.repeat_days = 2
    window.show_context(samples.context())
    assert banner.isHidden()


def test_repeat_contact_rows_are_highlighted_in_the_history(
    qtbot, notifier, samples, qtmodeltester
):
    from PySide6.QtGui import QColor

    from cxsidebar.ui.history import REPEAT_COLOURS, REPEAT_MARK, RepeatRole

    window = MainWindow(notifier=notifier, clock=lambda: samples.NOW)
    qtbot.addWidget(window)
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")
    window.show_context(samples.context())
    model = window.context_view.history_model
    qtmodeltester.check(model)
    # Newest first: h-new (3 days ago, same flow) is the repeat contact; the others are not.
    assert [model.index(r).data(RepeatRole) for r in range(3)] == [True, False, False]
    assert model.repeat_rows() == [0]
    assert model.index(0).data().startswith("Repeat contact. case · open")
    assert not model.index(1).data().startswith("Repeat")

    view = window.context_view.history_view
    view.resize(400, 300)
    image = view.viewport().grab().toImage()
    stripe = QColor(REPEAT_COLOURS["stripe"][window.is_dark()]).rgb()
    first, second = view.visualRect(model.index(0)), view.visualRect(model.index(1))
    assert image.pixel(first.left() + 1, first.center().y()) == stripe
    assert image.pixel(second.left() + 1, second.center().y()) != stripe
    assert REPEAT_MARK.startswith("\u21bb")

    window.set_repeat_days(2)  # the same contact is no repeat within two days
    window.show_context(samples.context())
    assert model.repeat_rows() == []


def test_queue_rows_offer_accept_in_accept_mode_only(accepting, qtbot, samples):
    from cxsidebar.ui.queue_accept import accept_rect

    window, notifier = accepting
    window.add_escalation(samples.item("esc-1", minutes_ago=3))
    window.add_escalation(samples.item("esc-2", minutes_ago=1))
    window.show()
    qtbot.waitExposed(window)
    view, model = window.queue_view, window.queue_model
    second = view.visualRect(model.index(1))
    button = accept_rect(second, view.font())
    assert second.contains(button)
    drawn = view.viewport().grab(button).toImage()
    window.set_pop_mode("pop")
    assert not view.delegate.has_accept(model.index(1))
    plain = view.viewport().grab(button).toImage()
    assert drawn != plain  # the button was drawn, and is gone
    window.set_pop_mode("accept")
    notifier.calls.clear()
    with qtbot.waitSignal(window.context_requested) as requested:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=button.center())
    assert requested.args == ["esc-2"]
    assert notifier.calls == ["pop"]  # accepting brings the window up


def test_enter_on_a_queue_row_accepts_it(accepting, qtbot, samples):
    window, notifier = accepting
    window.add_escalation(samples.item("esc-1", minutes_ago=3))
    window.add_escalation(samples.item("esc-2", minutes_ago=1))
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view = window.queue_view
    view.setFocus()
    with qtbot.waitSignal(window.context_requested) as requested:
        window.open_escalation("esc-1")
    assert requested.args == ["esc-1"]
    assert QApplication.focusWidget() is view
    notifier.calls.clear()
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert notifier.calls == ["pop"]
    assert QApplication.focusWidget() is window.context_view.transcript_view
