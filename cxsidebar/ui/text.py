"""Plain-text helpers: every untrusted string reaches the screen through here.

Qt guesses rich text from content (`Qt.AutoText`) in labels, tooltips and
message boxes, so a customer who types `<img src=...>` would get markup
rendered. Labels made here are pinned to `Qt.PlainText`, strings are passed
through `core.clean_text`, and the one place that must speak markup (desktop
notifications) gets `html.escape`d text.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QStyle, QStyleOption, QWidget

from cxsidebar.core import Reason, clean_text


def plain_label(
    text: str = "",
    parent: QWidget | None = None,
    *,
    name: str = "",
    wrap: bool = False,
    selectable: bool = False,
    elide: bool = False,
) -> QLabel:
    """A QLabel that can never interpret its text as HTML or follow a link."""
    label = ElidedLabel(parent) if elide else QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setOpenExternalLinks(False)
    flags = Qt.TextInteractionFlag.NoTextInteraction
    if selectable:
        flags = Qt.TextInteractionFlag.TextSelectableByMouse
    label.setTextInteractionFlags(flags)
    label.setWordWrap(wrap)
    if name:
        label.setAccessibleName(name)
    label.setText(text)
    return label


class ElidedLabel(QLabel):
    """A one-line plain-text label that ends in "…" when narrow; `text()` stays whole.

    It paints the text itself (with QPainter.drawText, so still never as markup),
    after letting the style draw any style-sheet background such as a chip's.
    """

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        painter.drawText(rect, int(self.alignment()) | Qt.TextFlag.TextSingleLine, text)
        painter.end()


def dim(label: QLabel) -> QLabel:
    """Secondary text: the theme's placeholder colour, so it reads in light and dark themes."""
    palette = label.palette()
    palette.setColor(
        QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText)
    )
    label.setPalette(palette)
    return label


def set_plain(label: QLabel, text: str | None, *, single_line: bool = False) -> None:
    """Show untrusted `text` in `label`, cleaned, as plain text."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(clean_text(text, single_line=single_line))


def markup_escape(text: str | None) -> str:
    """Clean and escape text for sinks that parse markup (tray notification bodies)."""
    return html.escape(clean_text(text, single_line=True), quote=True)


def format_value(value: float | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return clean_text(value, single_line=True)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reason_label(reason: Reason, *, limit: int = 0) -> str:
    """`payment_threshold: 740`, or just the kind when there is no value."""
    value = format_value(reason.value)
    if limit:
        value = shorten(value, limit)
    return f"{reason.kind.value}: {value}" if value else reason.kind.value


def top_reason(reasons: list[Reason]) -> str:
    return reason_label(reasons[0]) if reasons else "no reason given"


def mask_email(email: str | None) -> str:
    """`ana.k@example.com` → `a••••@example.com`."""
    email = clean_text(email, single_line=True)
    if not email:
        return "—"
    local, at, domain = email.partition("@")
    if not at:
        return mask_middle(email)
    return f"{local[:1]}••••@{domain}"


def mask_phone(phone: str | None) -> str:
    """Keep only the last two digits: `+44 20 7946 0958` → `•••• ••58`."""
    phone = clean_text(phone, single_line=True)
    if not phone:
        return "—"
    digits = [c for c in phone if c.isdigit()]
    return "•••• ••" + "".join(digits[-2:]) if len(digits) > 2 else "••••"


def mask_middle(text: str) -> str:
    return text[:1] + "••••" if text else "—"


def format_age(created_at: datetime, now: datetime | None = None) -> str:
    """How long ago, compactly: `just now`, `4 min`, `2 h 05`, `3 d`."""
    now = now or datetime.now(UTC)
    seconds = max(0, int((now - created_at).total_seconds()))
    if seconds < 60:
        return "just now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d}"
    return f"{hours // 24} d"


def format_clock(moment: datetime) -> str:
    """Local wall-clock time of a turn: `14:03:27`."""
    return moment.astimezone().strftime("%H:%M:%S")


def format_date(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d") if moment else ""


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"
