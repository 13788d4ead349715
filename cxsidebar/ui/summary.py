"""The summary tab: a structured, cited summary of the conversation.

One title per non-empty section, each statement as a plain-text label followed
by citation chips ("#3") that ask for the cited transcript turn. The summary is
untrusted (a model wrote it from customer text): every string goes through
`clip` into `Qt.PlainText` labels; the plain `text` of a summary without
sections goes into a read-only QPlainTextEdit.

The body (summary_body.py) reuses its widgets from one summary to the next.

While a streaming model writes a new version, `show_progress` shows its text so
far in the read-only text box, labelled "generating…" (the hub throttles these
previews); the checked summary replaces it when `set_summary` brings that
version or a later one.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cxsidebar.core import Statement, Summary, SummaryState, clean_text

from .context import is_dark, set_style
from .summary_body import MAX_STATEMENTS as MAX_STATEMENTS  # the pane's bound, re-exported
from .summary_body import SummaryBody
from .text import clip, dim, plain_label

KIND_NAMES = {"llm": "AI summary", "extractive": "Key lines from the transcript"}
NO_SUMMARY = "No summary yet"
NOT_ENOUGH = "Not enough conversation to summarise."
GENERATING = "generating…"
PROGRESS_NOTE = "Generating… the statements are checked against the transcript when it is done."
PROGRESS_LIMIT = 20_000  # characters of a preview, as the wire schema allows
_NOTICE = "QLabel {{ background: {bg}; color: {fg}; border-radius: 4px; padding: 4px 8px; }}"
NOTICE_COLOURS = (("#fef7e0", "#7a4f01"), ("#4a3b12", "#fde293"))  # light, dark


def header_text(summary: Summary) -> str:
    """`AI summary` or `Key lines from the transcript` (another kind, cleaned)."""
    return KIND_NAMES.get(summary.kind, clip(summary.kind, 60)) or "Summary"


def meta_text(summary: Summary) -> str:
    """`v2 · 2025-03-04 14:03 · model x · 1 unsupported statement dropped`."""
    parts = [f"v{summary.version}"]
    if summary.created_at is not None:
        local = summary.created_at.astimezone()
        parts.append(f"{local:%Y-%m-%d %H:%M}")
    provenance = summary.provenance
    if provenance is not None:
        if provenance.model and summary.kind == "llm":
            parts.append(clip(provenance.model, 60))
        dropped = provenance.dropped_statements
        if dropped:
            parts.append(f"{dropped} unsupported statement{'s' if dropped != 1 else ''} dropped")
    return " · ".join(parts)


def fallback_text(summary: Summary) -> str:
    reason = summary.provenance.fallback_reason if summary.provenance else None
    if not reason:
        return ""
    return f"AI summary unavailable: {clip(reason, 300)} — showing key lines instead"


class SummaryPane(QWidget):
    """The summary's sections with citation chips, its kind and version, and "Regenerate".

    `turn_requested(turn_id)` asks to show a cited turn; `regenerate_requested()`
    asks for a new summary version (the pane then waits: `set_pending`).
    """

    turn_requested = Signal(str)
    regenerate_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Summary")
        self.kind_label = plain_label(name="Summary kind")
        self.kind_label.setStyleSheet("font-weight: bold;")
        self.meta_label = dim(plain_label(name="Summary version and time", elide=True))
        self.regenerate_button = QPushButton("Regenerate", self)
        self.regenerate_button.setAccessibleName("Regenerate the summary")
        self.regenerate_button.setAccessibleDescription("Ctrl+Shift+G")
        self.regenerate_button.clicked.connect(self.request_regenerate)
        self.status_label = plain_label(name="Regenerate status", wrap=True)
        self.progress_label = dim(plain_label(PROGRESS_NOTE, name="Summary progress", wrap=True))
        self.notice_label = plain_label(name="Summary notice", wrap=True)
        self.state_label = plain_label(NOT_ENOUGH, name="Summary state", wrap=True)
        dim(self.state_label)
        self.text_edit = QPlainTextEdit(self)  # a summary that has only plain text
        self.text_edit.setReadOnly(True)
        self.text_edit.setAccessibleName("Summary text")
        self.text_edit.setTabChangesFocus(True)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setAccessibleName("Summary sections")
        self.body = SummaryBody()
        self.body.turn_requested.connect(self.turn_requested)
        self.scroll_area.setWidget(self.body)
        self._pending = False
        self._available = False
        self._shown: tuple[Summary | None, list[int | None]] | None = None
        self._progress: tuple[int, str] | None = None  # (version, text) being generated

        header = QHBoxLayout()
        header.addWidget(self.kind_label)
        header.addWidget(self.meta_label, 1)
        header.addWidget(self.regenerate_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.status_label)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.state_label)
        layout.addWidget(self.text_edit, 1)
        layout.addWidget(self.scroll_area, 1)
        self.progress_label.setVisible(False)
        self.set_summary(None)

    # -- what the view shows ----------------------------------------------------------------

    def set_summary(
        self, summary: Summary | None, positions: Mapping[str, int] | None = None
    ) -> None:
        """Show `summary`; `positions` maps the transcript's turn ids to their 1-based place.

        Citations of turns not in `positions` get no chip. A version older than the
        one being generated (`show_progress`) waits behind it; None ends the preview.
        """
        positions = positions or {}
        self._pending = False
        self.status_label.setVisible(False)
        self._update_button()
        cited = [
            positions.get(c) for _, s in (summary.statements() if summary else []) for c in s.cites
        ]
        if self._progress is not None:
            if summary is not None and summary.version < self._progress[0]:
                self._shown = (summary, cited)
                return
            self._progress, self._shown = None, None
            self.progress_label.setVisible(False)
        if self._shown is not None and self._shown == (summary, cited):
            return  # the same summary again (a live turn refetched the context): keep it
        self._shown = (summary, cited)
        statements = summary.statements() if summary is not None else []
        ready = summary is not None and summary.state is not SummaryState.NOT_ENOUGH_CONVERSATION
        plain = clean_text(summary.text) if summary is not None and ready and not statements else ""
        if summary is None or (ready and not statements and not plain.strip()):
            self.kind_label.setText(NO_SUMMARY)
            self.meta_label.setText("")
        else:
            self.kind_label.setText(header_text(summary))
            self.meta_label.setText(meta_text(summary))
        notice = fallback_text(summary) if summary is not None else ""
        self.notice_label.setText(notice)
        self.notice_label.setVisible(bool(notice))
        self.state_label.setVisible(summary is not None and not ready)
        self.text_edit.setPlainText(plain)
        self.text_edit.setVisible(bool(plain.strip()))
        self._build(statements if ready else [], positions)
        self.scroll_area.setVisible(bool(self.statement_labels))
        self._paint()
        self._update_button()

    @property
    def summary(self) -> Summary | None:
        """The latest checked summary given (behind a preview while one shows), or None."""
        return self._shown[0] if self._shown is not None else None

    @property
    def shown_version(self) -> int | None:
        """The version of the checked summary the agent sees now, for the rating; None when
        there is none, or while a preview of a newer version stands in its place."""
        if self._progress is not None or self.summary is None:
            return None
        return self.summary.version

    @property
    def progress_version(self) -> int | None:
        """The version being generated on show, or None."""
        return self._progress[0] if self._progress is not None else None

    def show_progress(self, version: int, text: str) -> bool:
        """Show a summary as the model writes it; False (ignored) when `version` is already
        shown checked, or the text is empty."""
        shown = self.summary
        text = clip(text, PROGRESS_LIMIT, single_line=False)
        if (shown is not None and shown.version >= version) or not text.strip():
            return False
        if self._progress == (version, text):
            return True
        entering = self._progress is None
        self._progress = (version, text)
        if entering:
            self.kind_label.setText(KIND_NAMES["llm"])
            self.notice_label.setVisible(False)
            self.state_label.setVisible(False)
            self._build([], {})
            self.scroll_area.setVisible(False)
            self.progress_label.setVisible(True)
        self.meta_label.setText(f"v{version} · {GENERATING}")
        bar = self.text_edit.verticalScrollBar()
        at = bar.value()  # growing text must not throw the reader back to the top
        self.text_edit.setPlainText(text)
        bar.setValue(at)
        self.text_edit.setVisible(True)
        return True

    def set_available(self, available: bool) -> None:
        """Whether there is an escalation whose summary can be regenerated."""
        self._available = available
        if not available:
            self._pending = False
            self.status_label.setVisible(False)
        self._update_button()

    def request_regenerate(self) -> bool:
        """Ask for a new version (the button or Ctrl+Shift+G); False while one is pending."""
        if not self.regenerate_button.isEnabled():
            return False
        self.set_pending()
        self.regenerate_requested.emit()
        return True

    def set_pending(self) -> None:
        self._pending = True
        self.status_label.setText("Regenerating the summary…")
        set_style(self.status_label, "")
        self.status_label.setVisible(True)
        self._update_button()

    def set_failed(self, message: str) -> None:
        self._pending = False
        self.status_label.setText(
            f"Could not regenerate the summary: {clip(message, 500, single_line=False)}"
        )
        set_style(self.status_label, "color: #c5221f; font-weight: bold;")
        self.status_label.setVisible(True)
        self._update_button()

    @property
    def pending(self) -> bool:
        return self._pending

    def apply_look(self) -> None:
        """Light ⇄ dark: restyle the notice."""
        self._paint()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._paint()

    def shown_statements(self) -> list[tuple[str, str]]:
        """(section title, statement text) as shown, in order."""
        out: list[tuple[str, str]] = []
        for label in self.statement_labels:
            out.append((str(label.property("section")), label.text()))
        return out

    # -- internals ----------------------------------------------------------------------------

    def _update_button(self) -> None:
        self.regenerate_button.setEnabled(self._available and not self._pending)

    def _paint(self) -> None:
        bg, fg = NOTICE_COLOURS[is_dark(self)]
        set_style(self.notice_label, _NOTICE.format(bg=bg, fg=fg))

    def _build(self, statements: list[tuple[str, Statement]], positions: Mapping[str, int]) -> None:
        self.body.show_statements(statements, positions)
        previous_widget: QWidget = self.regenerate_button
        for chip in self.chips:  # chips come right after "Regenerate" in the Tab order
            QWidget.setTabOrder(previous_widget, chip)
            previous_widget = chip

    @property
    def section_labels(self) -> list[QLabel]:
        return self.body.section_labels

    @property
    def statement_labels(self) -> list[QLabel]:
        return self.body.statement_labels

    @property
    def chips(self) -> list[QToolButton]:
        return self.body.chips
