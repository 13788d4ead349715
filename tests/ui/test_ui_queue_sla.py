"""The queue: SLA countdowns driven by one timer, the cap on open items, claims elsewhere."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt, QTimer

from cxsidebar.core import ClaimInfo
from cxsidebar.ui.insight import SlaLevel
from cxsidebar.ui.queue import EscalationIdRole, QueueModel, SlaRole


class Clock:
    def __init__(self, now) -> None:
        self.now = now

    def __call__(self):
        return self.now


def ids(model: QueueModel) -> list[str]:
    return [model.index(r).data(EscalationIdRole) for r in range(model.rowCount())]


def test_countdown_per_channel_turns_amber_then_red(qtbot, samples):
    clock = Clock(samples.NOW)
    model = QueueModel(clock=clock)
    voice = samples.item("call", channel="voice", minutes_ago=0)
    chat = samples.item("chat", channel="chat", minutes_ago=0)
    model.set_items([voice, chat])
    levels = lambda: [model.index(r).data(SlaRole).level for r in range(2)]  # noqa: E731
    assert levels() == [SlaLevel.OK, SlaLevel.OK]
    assert model.index(0).data(SlaRole).text == "0:30 left"
    clock.now = samples.NOW + timedelta(seconds=25)
    assert levels() == [SlaLevel.AMBER, SlaLevel.OK]
    clock.now = samples.NOW + timedelta(seconds=100)
    assert levels() == [SlaLevel.RED, SlaLevel.AMBER]
    assert model.index(0).data(SlaRole).text == "+1:10 late"
    clock.now = samples.NOW + timedelta(seconds=130)
    assert levels() == [SlaLevel.RED, SlaLevel.RED]
    assert model.index(1).data(SlaRole).text == "+0:10 late"
    spoken = model.index(1).data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken.endswith("+0:10 late")


def test_targets_are_configurable(qtbot, samples):
    model = QueueModel(clock=Clock(samples.NOW), sla_targets={"chat": 600})
    model.set_items([samples.item("chat", minutes_ago=5)])
    assert model.index(0).data(SlaRole).text == "5:00 left"
    model.set_sla_targets({"chat": 60})
    assert model.index(0).data(SlaRole).level is SlaLevel.RED


def test_one_timer_ticks_every_row_for_the_sla_role_only(qtbot, samples):
    model = QueueModel(clock=Clock(samples.NOW))
    model.set_items([samples.item(f"e{n}", minutes_ago=n) for n in range(5)])
    timers = model.findChildren(QTimer)
    assert [(t.isActive(), t.interval()) for t in timers] == [(True, 1000)]
    with qtbot.waitSignal(model.dataChanged, timeout=3000) as changed:
        pass  # the real timer, not a call: the countdown moves by itself
    top, bottom, roles = changed.args
    assert (top.row(), bottom.row(), roles) == (0, 4, [SlaRole])


def test_an_empty_queue_ticks_nothing(qtbot, samples):
    model = QueueModel(clock=Clock(samples.NOW))
    with qtbot.assertNotEmitted(model.dataChanged):
        model.tick()


def test_cap_shows_the_oldest_and_promotes_when_rows_leave(qtbot, qtmodeltester, samples):
    model = QueueModel(clock=Clock(samples.NOW), max_open=3)
    model.set_items([samples.item(f"e{n}", minutes_ago=10 - n) for n in range(5)])
    qtmodeltester.check(model)
    assert ids(model) == ["e0", "e1", "e2"]
    assert model.overflow == 2

    older = samples.item("old", minutes_ago=30)
    model.add(older)  # older than every shown one: it goes in, the newest shown waits
    assert ids(model) == ["old", "e0", "e1"]
    assert model.overflow == 3

    info = ClaimInfo(
        escalation_id="e0", queue="billing", claimed_by="Other", claimed_at=samples.NOW
    )
    model.mark_claimed(info, by_me=False)  # claimed by someone else: leaves, e2 moves up
    assert ids(model) == ["old", "e1", "e2"]
    assert model.overflow == 2
    assert model.item("e0") is None

    mine = ClaimInfo(escalation_id="e4", queue="billing", claimed_by="Me", claimed_at=samples.NOW)
    model.mark_claimed(mine, by_me=True)  # my claims are always shown, beyond the cap
    assert ids(model) == ["old", "e1", "e2", "e4"]
    assert model.overflow == 1
    qtmodeltester.check(model)


def test_window_label_counts_what_waits_beyond_the_cap(qtbot, notifier, samples):
    from cxsidebar.ui import MainWindow

    window = MainWindow(notifier=notifier, max_open=2)
    qtbot.addWidget(window)
    window.set_queue([samples.item(f"e{n}", minutes_ago=10 - n) for n in range(4)])
    assert window.queue_label.text() == "Queue · 2 escalations (+2 waiting beyond the first 2)"
    window.set_pop_mode("notify")
    window.add_escalation(samples.item("new", minutes_ago=0))
    assert window.queue_label.text() == "Queue · 2 escalations (+3 waiting beyond the first 2)"
    assert notifier.kinds() == ["notify", "announce"]  # still announced, though not listed


def test_queue_delegate_paints_countdowns_in_both_themes(qtbot, samples):
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QStyleOptionViewItem

    from cxsidebar.ui.look import scheme_palette
    from cxsidebar.ui.queue import QueueView

    clock = Clock(samples.NOW + timedelta(minutes=10))
    model = QueueModel(clock=clock)
    model.set_items([samples.item("late", channel="voice", minutes_ago=0)])
    view = QueueView()
    qtbot.addWidget(view)
    view.setModel(model)
    for dark in (False, True):
        image = QImage(300, 60, QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        option = QStyleOptionViewItem()
        option.rect = image.rect()
        option.palette = scheme_palette(dark)
        option.font = view.font()
        view.itemDelegate().paint(painter, option, model.index(0))
        painter.end()
        stripe = image.pixelColor(1, 30)
        assert stripe.name() == ("#f28b82" if dark else "#c5221f")  # red: overdue
