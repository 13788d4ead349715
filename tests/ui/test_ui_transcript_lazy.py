"""A screen-pop measures the transcript's bottom rows first; the rest follow right after."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QStyleOptionViewItem

from cxsidebar.ui.transcript import TranscriptModel, TranscriptView
from cxsidebar.ui.transcript_delegate import TranscriptDelegate


class FirstPaint(QObject):
    """How many rows the delegate had measured when the viewport first painted rows."""

    def __init__(self, view: TranscriptView) -> None:
        super().__init__()
        self.view = view
        self.measured: int | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        measured = self.view.delegate.measured
        if event.type() == QEvent.Type.Paint and self.measured is None and measured:
            self.measured = measured  # (a paint before the new rows are laid out is no pop)
        return False


def shown_view(qtbot, *, height: int = 300) -> tuple[TranscriptModel, TranscriptView]:
    model = TranscriptModel()
    view = TranscriptView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(420, height)
    view.show()
    qtbot.waitExposed(view)
    return model, view


def exact_heights(view: TranscriptView, model: TranscriptModel) -> list[int]:
    """Every row measured by a delegate of the same width that estimates nothing."""
    fresh = TranscriptDelegate()
    fresh.set_width(view.viewport().width())
    option = QStyleOptionViewItem()
    option.font = view.font()
    return [fresh.sizeHint(option, model.index(r)).height() for r in range(model.rowCount())]


def laid_out_heights(view: TranscriptView, model: TranscriptModel) -> list[int]:
    return [view.visualRect(model.index(r)).height() for r in range(model.rowCount())]


def test_a_pop_is_painted_after_measuring_only_the_bottom_rows(qtbot, samples):
    model, view = shown_view(qtbot)
    probe = FirstPaint(view)
    view.viewport().installEventFilter(probe)
    view.delegate.measured = 0
    model.set_turns(samples.turns(200))
    view.follow_tail()
    qtbot.waitUntil(lambda: probe.measured is not None)
    assert probe.measured is not None
    assert probe.measured < 100  # what fills a 300 px viewport, not 200 rows
    # Right after the first paint the rest are measured; the view stays at the newest turn.
    qtbot.waitUntil(lambda: view.delegate.measured >= 200)
    qtbot.waitUntil(lambda: laid_out_heights(view, model) == exact_heights(view, model))
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    last = model.index(model.rowCount() - 1)
    assert view.viewport().rect().intersects(view.visualRect(last))
    assert view.delegate.measured == 200  # each row once


def test_wrong_estimates_are_laid_out_again(qtbot, samples):
    model, view = shown_view(qtbot)
    turns = samples.turns(120)
    # Narrow glyphs wrap later than the estimate from the average width; newlines wrap sooner.
    texts = ["i" * 90, "WWW " * 30, "a\nb\nc\nd", "short"]
    turns = [t.model_copy(update={"text": texts[n % 4]}) for n, t in enumerate(turns)]
    relaid: list[object] = []
    view.delegate.sizeHintChanged.connect(relaid.append)
    model.set_turns(turns)
    view.follow_tail()
    qtbot.waitUntil(lambda: bool(relaid))  # an estimate was off
    qtbot.waitUntil(lambda: laid_out_heights(view, model) == exact_heights(view, model))
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())


def test_a_view_scrolled_up_measures_every_row_before_painting(qtbot, samples):
    model, view = shown_view(qtbot)
    model.set_turns(samples.turns(100))
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(0)  # the agent reads from the top: no estimates there
    probe = FirstPaint(view)
    view.viewport().installEventFilter(probe)
    view.delegate.measured = 0
    model.set_turns(samples.turns(150))
    qtbot.waitUntil(lambda: probe.measured is not None)
    assert probe.measured == 150
    assert laid_out_heights(view, model) == exact_heights(view, model)


def test_long_transcripts_keep_the_batched_layout(qtbot, samples):
    model, view = shown_view(qtbot)
    view.delegate.measured = 0
    model.set_turns(samples.turns(3_000))
    view.follow_tail()
    qtbot.waitUntil(lambda: view.delegate.measured >= 3_000, timeout=20_000)
    assert view.delegate.measured == 3_000  # measured once each, no estimates to redo
