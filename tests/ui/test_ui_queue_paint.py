"""The queue's delegate keeps its fonts per view font: a new font paints with the new font."""

from __future__ import annotations

from PySide6.QtGui import QFont, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from cxsidebar.ui.queue import QueueModel, QueueView
from cxsidebar.ui.queue_delegate import QueueDelegate


def painted(delegate: QueueDelegate, model: QueueModel, font: QFont) -> QImage:
    image = QImage(320, 80, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    option = QStyleOptionViewItem()
    option.rect = image.rect()
    option.font = font
    delegate.paint(painter, option, model.index(0))
    painter.end()
    return image


def test_a_changed_font_is_painted_like_a_fresh_delegate_would(qtbot, samples):
    model = QueueModel(clock=lambda: samples.NOW)
    model.set_items([samples.item("esc-1")])
    view = QueueView()
    qtbot.addWidget(view)
    view.setModel(model)
    small, large = QFont(view.font()), QFont(view.font())
    small.setPointSize(8)
    large.setPointSize(14)
    used = QueueDelegate()
    first = painted(used, model, small)
    second = painted(used, model, large)
    assert first != second
    assert second == painted(QueueDelegate(), model, large)
    assert painted(used, model, small) == first
