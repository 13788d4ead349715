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
from PySide6.QtGui import QGuiApplication, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QStyle, QStyleOption, QWidget

from cxsidebar.core import Reason, clean_text

from .insight import reason_chip


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
    """Secondary text: the theme's placeholder colour, so it reads in light and dark themes.

    `look.restyle` applies it again when the colour scheme changes.
    """
    palette = label.palette()
    placeholder = QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
    palette.setColor(QPalette.ColorRole.WindowText, placeholder)
    label.setPalette(palette)
    label.setProperty("dimmed", True)
    return label


def set_plain(label: QLabel, text: str | None, *, single_line: bool = False) -> None:
    """Show untrusted `text` in `label`, cleaned, as plain text."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(clean_text(text, single_line=single_line))


FIELD_LIMIT = 300  # characters of one untrusted field shown in a label or a list row


def clip(text: str | None, limit: int = FIELD_LIMIT, *, single_line: bool = True) -> str:
    """`clean_text`, bounded: a megabyte of "name" costs the same as `limit` characters."""
    if not text:
        return ""
    cleaned = clean_text(text[: limit * 2], single_line=single_line)
    if len(cleaned) <= limit and len(text) <= limit * 2:
        return cleaned
    return cleaned[: limit - 1] + "…"


def markup_escape(text: str | None) -> str:
    """Clean and escape text for sinks that parse markup (tray notification bodies)."""
    return html.escape(clip(text, 1000), quote=True)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def top_reason(reasons: list[Reason]) -> str:
    """The first reason as its chip reads: `payment $740 > $500`."""
    return reason_chip(reasons[0]) if reasons else "no reason given"


def mask_email(email: str | None) -> str:
    """`ana.k@example.com` → `a••••@example.com`."""
    email = clip(email)
    if not email:
        return "—"
    local, at, domain = email.partition("@")
    if not at:
        return mask_middle(email)
    return f"{local[:1]}••••@{domain}"


def mask_phone(phone: str | None) -> str:
    """Keep only the last two digits: `+44 20 7946 0958` → `•••• ••58`."""
    phone = clip(phone)
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
    local = moment.astimezone()  # not strftime: it re-imports `time` on every call
    return f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"


def format_date(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d") if moment else ""


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"
