"""Panes of one escalation's context: why it escalated and the customer profile.

Every string here came from a bot, a CRM or a summariser and is shown as plain
text: labels from `text.plain_label` (the summary pane lives in summary.py).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cxsidebar.core import Profile, Reason, ReasonKind

from .insight import reason_chip
from .text import clip, mask_email, mask_phone, plain_label

_URGENT = {ReasonKind.PAYMENT_THRESHOLD, ReasonKind.NEGATIVE_SENTIMENT, ReasonKind.SENSITIVE_TOPIC}
_CHIP = "QLabel {{ background: {bg}; color: {fg}; border-radius: 9px; padding: 2px 8px; }}"
# (background, text) for (light, dark) themes
CHIP_COLOURS = {
    True: (("#fce8e6", "#a50e0e"), ("#5c2b29", "#f6aea9")),  # urgent
    False: (("#e8eaed", "#202124"), ("#3c4043", "#e8eaed")),
}


_BADGE = (
    "QLabel {{ background: {bg}; color: {fg}; border-radius: 9px; padding: 1px 8px;"
    " font-weight: bold; }}"
)
BADGE_COLOURS = {  # (light, dark), each (background, text)
    "No CRM record": (("#e8eaed", "#3c4043"), ("#3c4043", "#e8eaed")),
    "VIP": (("#fef7e0", "#8a5a00"), ("#4a3b12", "#fde293")),
}
_BANNER = "QLabel {{ background: {bg}; color: {fg}; border-radius: 4px; padding: 4px 8px; }}"
BANNER_COLOURS = (("#fef7e0", "#7a4f01"), ("#4a3b12", "#fde293"))  # light, dark

_PALETTE_EVENTS = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)


def is_dark(_widget: QWidget | None = None) -> bool:
    """Whether the application's palette is dark (the colours custom styles must fit)."""
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def badge_sheet(text: str, *, dark: bool) -> str | None:
    """The style of the customer badge ("VIP", "No CRM record"); None for another text."""
    colours = BADGE_COLOURS.get(text)
    if colours is None:
        return None
    bg, fg = colours[dark]
    return _BADGE.format(bg=bg, fg=fg)


def banner_sheet(*, dark: bool) -> str:
    """The style of the repeat-contact banner."""
    bg, fg = BANNER_COLOURS[dark]
    return _BANNER.format(bg=bg, fg=fg) + " QLabel { font-weight: bold; }"


def set_style(widget: QWidget, sheet: str) -> None:
    """`widget.setStyleSheet(sheet)` unless it has that sheet already: Qt re-polishes the
    widget on every call, even with the same text, and refreshes call this often."""
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)


class ReasonsPane(QFrame):
    """ "Why escalated": one chip per reason with its detail, then the bot's note to the agent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Why escalated")
        title = plain_label("Why escalated", self)
        title.setStyleSheet("font-weight: bold;")
        self.chips: list[QLabel] = []
        self.details: list[QLabel] = []
        self._urgent: list[bool] = []
        # Up to 100 reasons and a 10,000-character note: they scroll inside a bounded
        # area instead of pushing the transcript off the screen.
        body = QWidget()
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setColumnStretch(1, 1)
        self.note_label = plain_label(name="Bot's note to the agent", wrap=True, selectable=True)
        self.note_label.setStyleSheet("font-style: italic;")
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 4, 0)
        body_layout.addLayout(self._grid)
        body_layout.addWidget(self.note_label)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidget(body)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setAccessibleName("Reasons and the bot's note")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.scroll_area)

    def set_reasons(self, reasons: list[Reason], note: str = "") -> None:
        shown = [
            (reason_chip(r), clip(r.detail, 2000, single_line=False), r.kind in _URGENT)
            for r in reasons
        ]
        if not shown:
            shown = [("no reason given", "", False)]
        while len(self.chips) < len(shown):  # labels are reused, never deleted under the painter
            row = len(self.chips)
            chip = plain_label(elide=True)
            chip.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            chip.setMaximumWidth(max(80, self.width() // 2))
            detail = plain_label(wrap=True, selectable=True)
            detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            detail.setContentsMargins(0, 2, 0, 0)  # level with the chip's padded text
            self._grid.addWidget(chip, row, 0, Qt.AlignmentFlag.AlignTop)
            self._grid.addWidget(detail, row, 1)
            self.chips.append(chip)
            self.details.append(detail)
        for row, (chip, detail) in enumerate(zip(self.chips, self.details, strict=True)):
            used = row < len(shown)
            chip.setVisible(used)
            detail.setVisible(used)
            if not used:
                continue
            chip_text, detail_text, _ = shown[row]
            chip.setText(chip_text)
            chip.setAccessibleName(f"Reason: {chip_text}")
            detail.setText(detail_text)
            detail.setAccessibleName(f"Detail of {chip_text}")
        self._urgent = [urgent for _, _, urgent in shown]
        self._paint_chips()
        note = clip(note, 10_000, single_line=False)
        self.note_label.setText(f"Bot's note: {note}" if note else "")
        self.note_label.setVisible(bool(note))
        self._fit()

    def apply_look(self) -> None:
        """Light ⇄ dark: restyle the chips."""
        self._paint_chips()

    def _paint_chips(self) -> None:
        dark = is_dark(self)
        for chip, urgent in zip(self.chips, self._urgent, strict=False):
            bg, fg = CHIP_COLOURS[urgent][dark]
            set_style(chip, _CHIP.format(bg=bg, fg=fg))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in _PALETTE_EVENTS:  # light ⇄ dark
            self._paint_chips()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        for chip in self.chips:
            chip.setMaximumWidth(max(80, event.size().width() // 2))
        self._fit()

    def _fit(self) -> None:
        """As tall as the reasons need, up to nine lines; beyond that the area scrolls."""
        body = self.scroll_area.widget()
        layout = body.layout() if body is not None else None
        if body is None or layout is None:
            return
        width = self.scroll_area.viewport().width()
        needed = layout.heightForWidth(width) if layout.hasHeightForWidth() else -1
        if needed < 0:
            needed = body.sizeHint().height()
        self.scroll_area.setFixedHeight(min(needed + 2, self.fontMetrics().height() * 9))

    def shown_chips(self) -> list[QLabel]:
        return [chip for chip in self.chips if not chip.isHidden()]


class ProfilePane(QStackedWidget):
    """The CRM record, contact details masked until the agent asks; or "No CRM record".

    Revealing emits `contact_revealed(field)` once per field shown ("email",
    "phone"), so the app can keep a local record of who looked at what.
    """

    contact_revealed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Customer profile")
        self._profile: Profile | None = None

        self.missing_label = plain_label(
            "No CRM record for this customer", name="No CRM record", wrap=True
        )
        self.missing_label.setStyleSheet("font-weight: bold; padding: 12px;")
        self.addWidget(self.missing_label)

        form_page = QWidget(self)
        form = self._form = QFormLayout(form_page)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.name_label = self._row(form, "Name")
        self.tier_label = self._row(form, "Tier")
        self.language_label = self._row(form, "Language")
        self.since_label = self._row(form, "Customer since")
        self.email_label = self._row(form, "Email")
        self.phone_label = self._row(form, "Phone")
        self.consent_label = self._row(form, "Consent")
        self.extra_label = self._row(form, "Other")
        self.reveal_button = QPushButton("Show contact details", form_page)
        self.reveal_button.setCheckable(True)
        self.reveal_button.setAccessibleName("Show or hide email and phone")
        self.reveal_button.setAccessibleDescription("Ctrl+Shift+R. Revealing is logged.")
        self.reveal_button.toggled.connect(self._show_contact)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reveal_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        self.addWidget(form_page)
        self._form_page = form_page

    def _row(self, form: QFormLayout, title: str) -> QLabel:
        label = plain_label(name=title, wrap=True, selectable=True)
        form.addRow(plain_label(f"{title}:"), label)
        return label

    def set_profile(self, profile: Profile | None) -> None:
        self._profile = profile
        self.reveal_button.setChecked(False)
        if profile is None:
            self.setCurrentWidget(self.missing_label)
            return
        self.setCurrentWidget(self._form_page)
        self.name_label.setText(clip(profile.display_name) or "—")
        tier = clip(profile.tier) or "—"
        self.tier_label.setText(f"{tier} · VIP" if profile.vip else tier)
        self.language_label.setText(clip(profile.language) or "—")
        self.since_label.setText(clip(profile.customer_since) or "—")
        consent = ", ".join(
            f"{clip(k)}: {'yes' if v else 'no'}" for k, v in sorted(profile.consent.items())
        )
        self.consent_label.setText(consent or "none recorded")
        self.extra_label.setText(_extras(profile.model_extra))
        self._form.setRowVisible(self.extra_label, bool(profile.model_extra))
        self._show_contact(False)

    def toggle_contact(self) -> None:
        """Reveal or mask the contact details (the keyboard's way to the button)."""
        if self._profile is not None:
            self.reveal_button.toggle()

    def _show_contact(self, shown: bool) -> None:
        profile = self._profile
        if profile is None:
            return
        self.reveal_button.setText("Hide contact details" if shown else "Show contact details")
        if shown:
            self.email_label.setText(clip(profile.email) or "—")
            self.phone_label.setText(clip(profile.phone) or "—")
            for field, value in (("email", profile.email), ("phone", profile.phone)):
                if value:
                    self.contact_revealed.emit(field)
        else:
            self.email_label.setText(mask_email(profile.email))
            self.phone_label.setText(mask_phone(profile.phone))


def _extras(extra: dict[str, Any] | None, limit: int = 12) -> str:
    """Fields the CRM sent that v1 does not know, one per line, cleaned."""
    if not extra:
        return "—"
    lines = [f"{clip(str(k), 60)}: {clip(str(v), 200)}" for k, v in list(extra.items())[:limit]]
    return "\n".join(lines)
