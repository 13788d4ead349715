"""Drawing one queue row: customer and SLA countdown; channel · queue · top reason; Accept.

The item roles the queue model answers live here, next to the painting that reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from .insight import SlaLevel, SlaStatus
from .queue_accept import accept_rect, paint_accept

Index = QModelIndex | QPersistentModelIndex

ItemRole = Qt.ItemDataRole.UserRole + 1  # the QueueItem itself
EscalationIdRole = Qt.ItemDataRole.UserRole + 2
CustomerRole = Qt.ItemDataRole.UserRole + 3  # cleaned display name
ChannelRole = Qt.ItemDataRole.UserRole + 4
QueueNameRole = Qt.ItemDataRole.UserRole + 5
TopReasonRole = Qt.ItemDataRole.UserRole + 6
CreatedAtRole = Qt.ItemDataRole.UserRole + 7
ClaimedByRole = Qt.ItemDataRole.UserRole + 8  # None while open
SlaRole = Qt.ItemDataRole.UserRole + 9  # insight.SlaStatus, recomputed on every tick


def sla_colour(level: SlaLevel, palette: QPalette) -> QColor | None:
    """Amber and red that read on the theme's base colour; None while on time."""
    if level is SlaLevel.OK:
        return None
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    if level is SlaLevel.AMBER:
        return QColor("#fbbc04" if dark else "#b06000")
    return QColor("#f28b82" if dark else "#c5221f")


@dataclass(frozen=True)
class _Fonts:
    """The row's fonts and their metrics, made once per view font rather than per paint."""

    font: QFont
    bold: QFont
    metrics: QFontMetrics
    bold_metrics: QFontMetrics

    @classmethod
    def of(cls, font: QFont) -> _Fonts:
        bold = QFont(font)
        bold.setBold(True)
        return cls(QFont(font), bold, QFontMetrics(font), QFontMetrics(bold))


class QueueDelegate(QStyledItemDelegate):
    """Two lines per escalation: customer and SLA countdown; channel · queue · top reason.

    A stripe on the left edge turns amber, then red, with the countdown, so the
    colour is a second cue and never the only one (the text says "late").
    """

    PADDING = 6
    STRIPE = 4

    accept_clicked = Signal(str)  # escalation id whose "Accept" button was clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accept_shown = False  # "Accept" on open rows: the "pop when I accept" mode
        self._fonts = _Fonts.of(QFont())

    def _fonts_for(self, font: QFont) -> _Fonts:
        if font != self._fonts.font:
            self._fonts = _Fonts.of(font)
        return self._fonts

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(200, metrics.height() * 2 + metrics.leading() + self.PADDING * 3)

    def has_accept(self, index: Index) -> bool:
        return self.accept_shown and not index.data(ClaimedByRole)

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if (
            isinstance(event, QMouseEvent)
            and event.type() == QEvent.Type.MouseButtonRelease
            and event.button() == Qt.MouseButton.LeftButton
            and self.has_accept(index)
            and accept_rect(option.rect, option.font).contains(event.position().toPoint())
        ):
            self.accept_clicked.emit(index.data(EscalationIdRole))
            return True
        return super().editorEvent(event, model, option, index)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        # No initStyleOption: it asks the model for a dozen roles (font, colours, icon,
        # check state…) the queue has none of; the panel needs the view's state only.
        opt = QStyleOptionViewItem(option)
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        rect: QRect = opt.rect.adjusted(
            self.PADDING * 2, self.PADDING, -self.PADDING * 2, -self.PADDING
        )
        fonts = self._fonts_for(opt.font)
        font, bold = fonts.font, fonts.bold
        metrics, bold_metrics = fonts.metrics, fonts.bold_metrics
        line = metrics.height()

        claimed_by = index.data(ClaimedByRole)
        sla: SlaStatus | None = None if claimed_by else index.data(SlaRole)
        right = "Claimed by you" if claimed_by else (sla.text if sla else "")
        urgent = sla_colour(sla.level, palette) if sla is not None else None
        if urgent is not None:
            painter.fillRect(
                QRect(opt.rect.left(), opt.rect.top(), self.STRIPE, opt.rect.height()), urgent
            )
        right_width = bold_metrics.horizontalAdvance(right) + self.PADDING

        painter.setPen(palette.color(text_role))
        painter.setFont(bold)
        name_rect = QRect(rect.left(), rect.top(), rect.width() - right_width, line)
        name = bold_metrics.elidedText(
            index.data(CustomerRole), Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
        )

        painter.setFont(bold if urgent is not None else font)
        if claimed_by and not selected:
            painter.setPen(palette.color(QPalette.ColorRole.Link))
        elif urgent is not None and not selected:
            painter.setPen(urgent)
        painter.drawText(
            QRect(rect.right() - right_width, rect.top(), right_width, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            right,
        )

        painter.setFont(font)
        painter.setPen(palette.color(text_role if selected else QPalette.ColorRole.PlaceholderText))
        second = (
            f"{index.data(ChannelRole)} · {index.data(QueueNameRole)} · {index.data(TopReasonRole)}"
        )
        second_rect = QRect(
            rect.left(), rect.top() + line + metrics.leading() + self.PADDING, rect.width(), line
        )
        if self.has_accept(index):
            button = accept_rect(opt.rect, font)
            second_rect.setRight(button.left() - self.PADDING)
            paint_accept(painter, button, palette, font)
        painter.drawText(
            second_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(second, Qt.TextElideMode.ElideRight, second_rect.width()),
        )
        painter.restore()
