"""The list models behind the queue, the transcript and the history."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from cxsidebar.core import ClaimInfo, EscalationStatus, Speaker
from cxsidebar.ui.history import DatesRole, HeadlineRole, HistoryModel, TitleRole
from cxsidebar.ui.queue import (
    ClaimedByRole,
    CustomerRole,
    EscalationIdRole,
    QueueModel,
    TopReasonRole,
)
from cxsidebar.ui.transcript import (
    MetaRole,
    SpeakerRole,
    TextRole,
    TranscriptModel,
    TranscriptView,
)


def ids(model: QueueModel) -> list[str]:
    return [model.index(r).data(EscalationIdRole) for r in range(model.rowCount())]


def test_queue_model_passes_the_model_tester(qtmodeltester, samples):
    model = QueueModel()
    model.set_items([samples.item("a"), samples.item("b", minutes_ago=9)])
    qtmodeltester.check(model)
    model.add(samples.item("c", minutes_ago=1))
    qtmodeltester.check(model)


def test_queue_snapshot_is_oldest_first_without_duplicates(samples):
    model = QueueModel()
    model.set_items(
        [
            samples.item("new", minutes_ago=1),
            samples.item("old", minutes_ago=30),
            samples.item("new", minutes_ago=1),
        ]
    )
    assert ids(model) == ["old", "new"]
    first = model.index(0)
    assert first.data(CustomerRole) == "Ana Kowalski"
    assert first.data(TopReasonRole) == "payment 740"
    assert first.data(Qt.ItemDataRole.AccessibleTextRole).startswith("Ana Kowalski, chat, billing")


def test_queue_add_inserts_in_time_order_and_replaces_known_ids(qtbot, samples):
    model = QueueModel()
    model.set_items([samples.item("a", minutes_ago=20), samples.item("c", minutes_ago=1)])
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        model.add(samples.item("b", minutes_ago=10))
    assert inserted.args[1] == 1
    assert ids(model) == ["a", "b", "c"]
    with qtbot.assertNotEmitted(model.rowsInserted), qtbot.waitSignal(model.dataChanged):
        model.add(samples.item("b", minutes_ago=10, name="Renamed"))
    assert model.index(1).data(CustomerRole) == "Renamed"


def test_claimed_by_someone_else_leaves_the_queue_mine_stays_marked(qtbot, samples):
    model = QueueModel()
    model.set_items([samples.item("a"), samples.item("b", minutes_ago=2)])
    claim_a = ClaimInfo(
        escalation_id="a", queue="billing", claimed_by="Other Agent", claimed_at=samples.NOW
    )
    with qtbot.waitSignal(model.rowsRemoved):
        model.mark_claimed(claim_a, by_me=False)
    assert ids(model) == ["b"]

    claim_b = ClaimInfo(
        escalation_id="b", queue="billing", claimed_by="Sam Agent", claimed_at=samples.NOW
    )
    with qtbot.waitSignal(model.dataChanged):
        model.mark_claimed(claim_b, by_me=True)
    assert ids(model) == ["b"]
    assert model.index(0).data(ClaimedByRole) == "Sam Agent"
    assert model.item("b").status is EscalationStatus.CLAIMED
    model.mark_claimed(claim_a, by_me=False)  # unknown by now: nothing happens
    assert ids(model) == ["b"]


def test_snapshot_keeps_my_claims_and_drops_other_claims(samples):
    mine = samples.item("mine").model_copy(
        update={"status": EscalationStatus.CLAIMED, "claimed_by": "Sam Agent"}
    )
    theirs = samples.item("theirs").model_copy(
        update={"status": EscalationStatus.CLAIMED, "claimed_by": "Other Agent"}
    )
    model = QueueModel()
    model.set_items([mine, theirs, samples.item("open", minutes_ago=1)], me="Sam Agent")
    assert ids(model) == ["mine", "open"]


def test_transcript_model_passes_the_model_tester(qtmodeltester, samples):
    model = TranscriptModel()
    model.set_turns(samples.turns(12))
    qtmodeltester.check(model)
    model.append(samples.turns(3))
    assert model.rowCount() == 15
    qtmodeltester.check(model)


def test_transcript_rows_are_cleaned_and_described(samples):
    turn = samples.turns(1)[0].model_copy(update={"text": "line one\r\nline\x00 two \u202e"})
    model = TranscriptModel()
    model.set_turns([turn])
    index = model.index(0)
    assert index.data(SpeakerRole) == Speaker.CUSTOMER.value
    assert index.data(TextRole) == "line one\u2028line two [RLO]"
    assert index.data(MetaRole) == "intent billing_dispute (91%) · sentiment -0.40 negative"
    assert "Customer at" in index.data(Qt.ItemDataRole.DisplayRole)


def test_ten_thousand_turns_load_without_a_widget_per_row(qtbot, samples):
    model = TranscriptModel()
    view = TranscriptView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    widgets_before = len(view.findChildren(QWidget))

    model.set_turns(samples.turns(10_000))

    assert model.rowCount() == 10_000
    qtbot.waitUntil(lambda: view.indexAt(view.viewport().rect().center()).isValid())
    assert len(view.findChildren(QWidget)) == widgets_before
    assert view.indexWidget(model.index(0)) is None


def test_transcript_follows_the_newest_turn_until_the_agent_scrolls_up(qtbot, samples):
    model = TranscriptModel()
    view = TranscriptView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    bar = view.verticalScrollBar()
    model.set_turns(samples.turns(300))
    view.follow_tail()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    last = model.index(model.rowCount() - 1)
    qtbot.waitUntil(lambda: view.viewport().rect().intersects(view.visualRect(last)))

    bar.setValue(0)  # the agent scrolls up: appended turns no longer pull the view down
    model.append(samples.turns(5))
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert bar.value() == 0


def test_wrapped_rows_grow_when_the_view_narrows(qtbot, samples):
    long_turn = samples.turns(1)[0].model_copy(update={"text": "word " * 200})
    model = TranscriptModel()
    model.set_turns([long_turn])
    view = TranscriptView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(600, 300)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.visualRect(model.index(0)).height() > 0)
    wide = view.visualRect(model.index(0)).height()
    view.resize(300, 300)
    qtbot.waitUntil(lambda: view.visualRect(model.index(0)).height() > wide)


def test_history_model_is_newest_first(qtmodeltester, samples):
    model = HistoryModel()
    model.set_items(samples.history())
    qtmodeltester.check(model)
    titles = [model.index(r).data(TitleRole) for r in range(model.rowCount())]
    assert titles == [
        "Double charge, February invoice",
        "Premium plan upgrade",
        "Card declined at checkout",
    ]
    assert model.index(0).data(HeadlineRole) == "case · open"
    assert model.index(0).data(DatesRole) == "opened 2025-03-01 · flow billing/refund"
    opened = [model.index(r).data(Qt.ItemDataRole.UserRole + 1).opened_at for r in range(3)]
    assert opened == sorted(opened, reverse=True)
    assert opened[0] - opened[1] > timedelta(days=1)
