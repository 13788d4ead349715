"""The rating stamp times the pop from the window's first paint, without an app-wide filter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cxsidebar.core import Rating
from cxsidebar.ui.rating_stamp import RatingStamp


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def shown_window(window, qtbot):
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def rating(escalation_id: str) -> Rating:
    return Rating(
        id=uuid.uuid4(), escalation_id=escalation_id, created_at=datetime.now(UTC), overall=3
    )


def test_the_pop_is_timed_from_its_paint_and_the_first_action_after_it(window, qtbot, samples):
    clock = Clock()
    stamp = RatingStamp(window, clock=clock)
    shown_window(window, qtbot)
    window.set_queue([samples.item("esc-1")])
    window.open_escalation("esc-1")
    context = samples.context()
    window.show_context(context)
    stamp.shown(context)
    clock.now = 100.4  # painted a little after show_context
    window.context_view.update()
    # Painted: an app-wide filter now waits for the first action.
    qtbot.waitUntil(lambda: stamp._watching is QApplication.instance())
    clock.now = 102.4
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Down)
    assert stamp._watching is None  # nothing watched once the first action is known
    clock.now = 105.4
    stamped = stamp.stamp(rating("esc-1"))
    assert stamped.first_action_ms == 2000
    assert stamped.rate_ms == 5000
    stamp.close()


def test_no_app_wide_filter_runs_while_a_pop_is_painted(window, qtbot, samples):
    stamp = RatingStamp(window)
    shown_window(window, qtbot)
    first, second = samples.context(), samples.context()
    second = second.model_copy(
        update={"escalation": second.escalation.model_copy(update={"id": "esc-2"})}
    )
    stamp.shown(first)
    window.context_view.repaint()
    assert stamp._watching is QApplication.instance()  # waiting for the first action
    stamp.shown(second)  # the next pop before any action: back to the window only
    assert stamp._watching is window
    window.context_view.repaint()
    assert stamp._watching is QApplication.instance()  # painted: now the first action
    stamp.close()
    assert stamp._watching is None


def test_a_hidden_window_is_not_a_painted_pop(window, qtbot, samples):
    clock = Clock()
    stamp = RatingStamp(window, clock=clock)
    context = samples.context()
    stamp.shown(context)
    window.context_view.update()
    QApplication.processEvents()
    assert stamp._watching is window  # still waiting for the pop to be painted
    clock.now = 104.0
    assert stamp.stamp(rating(context.escalation.id)).first_action_ms == 4000
    stamp.close()
