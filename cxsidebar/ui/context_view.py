"""Everything about the selected escalation, composed from the panes.

Top to bottom: who and where, the claim button, "Why escalated", then tabs for
the transcript, the summary, the customer profile and the CRM history.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cxsidebar.core import EscalationContext, QueueItem, clean_text

from .claim import ClaimBar
from .context import ProfilePane, ReasonsPane, SummaryPane
from .history import HistoryModel, HistoryView
from .text import dim, format_clock, plain_label
from .transcript import TranscriptModel, TranscriptView

_BADGE = (
    "QLabel {{ background: {bg}; color: {fg}; border-radius: 9px; padding: 1px 8px;"
    " font-weight: bold; }}"
)
TAB_TRANSCRIPT, TAB_SUMMARY, TAB_CUSTOMER, TAB_HISTORY = range(4)


class ContextView(QStackedWidget):
    """A placeholder until an escalation is chosen, then its context."""

    retry_requested = Signal(str)  # escalation id whose context failed to load

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Escalation context")
        self._escalation_id: str | None = None

        self.placeholder = plain_label(
            "No escalation selected.\nPick one from the queue (Ctrl+Up / Ctrl+Down).",
            name="No escalation selected",
            wrap=True,
        )
        dim(self.placeholder).setStyleSheet("padding: 24px;")
        self.addWidget(self.placeholder)

        page = QWidget(self)
        self.title_label = plain_label(name="Customer", elide=True)
        self.title_label.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.badge_label = plain_label(name="Customer badge")
        self.subtitle_label = plain_label(name="Channel, queue and arrival", wrap=True)
        dim(self.subtitle_label)
        self.status_label = plain_label(name="Context status", wrap=True)
        self.retry_button = QPushButton("Retry", page)
        self.retry_button.setAccessibleName("Load the context again")
        self.retry_button.clicked.connect(self.retry)
        self.claim_bar = ClaimBar(page)
        self.reasons = ReasonsPane(page)

        self.transcript_model = TranscriptModel(self)
        self.transcript_view = TranscriptView(page)
        self.transcript_view.setModel(self.transcript_model)
        self.summary = SummaryPane(page)
        self.profile = ProfilePane()
        profile_scroll = QScrollArea(page)
        profile_scroll.setWidget(self.profile)
        profile_scroll.setWidgetResizable(True)
        profile_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.history_model = HistoryModel(self)
        self.history_view = HistoryView(page)
        self.history_view.setModel(self.history_model)

        self.tabs = QTabWidget(page)
        self.tabs.setAccessibleName("Context details")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.transcript_view, "Transcript")
        self.tabs.addTab(self.summary, "Summary")
        self.tabs.addTab(profile_scroll, "Customer")
        self.tabs.addTab(self.history_view, "History")

        title_row = QHBoxLayout()
        title_row.addWidget(self.title_label, 1)
        title_row.addWidget(self.badge_label, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addLayout(title_row)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.claim_bar)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_label, 1)
        status_row.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(status_row)
        layout.addWidget(self.reasons)
        layout.addWidget(self.tabs, 1)
        self.page = page
        self.addWidget(page)
        self.clear()

    @property
    def escalation_id(self) -> str | None:
        return self._escalation_id

    def focus_order(self) -> list[QWidget]:
        """The controls in Tab order: claim, the tabs, then what each tab holds."""
        return [
            self.claim_bar.button,
            self.retry_button,
            self.tabs,
            self.transcript_view,
            self.summary.text_edit,
            self.profile.reveal_button,
            self.history_view,
        ]

    def clear(self) -> None:
        """Back to "No escalation selected"."""
        self._escalation_id = None
        self.claim_bar.clear()
        self.reasons.set_reasons([])
        self._fill_details(None)
        self.setCurrentWidget(self.placeholder)

    def show_loading(self, item: QueueItem, *, me: str) -> None:
        """What the queue already knows, while the full context is fetched."""
        self._escalation_id = item.escalation_id
        self.setCurrentWidget(self.page)
        self._fill_header(item.customer_display_name, item.channel, item.queue, item.created_at)
        self.claim_bar.set_escalation(item.escalation_id, item.status, item.claimed_by, me=me)
        self.reasons.set_reasons(item.reasons)
        self._fill_details(None)
        self._set_status("Loading context…", error=False)

    def show_context(self, ctx: EscalationContext, *, me: str) -> None:
        escalation = ctx.escalation
        same = escalation.id == self._escalation_id
        self._escalation_id = escalation.id
        self.setCurrentWidget(self.page)
        self._fill_header(
            escalation.customer.display_name,
            escalation.channel,
            escalation.queue,
            escalation.created_at,
        )
        self._set_badge(ctx)
        self.claim_bar.set_escalation(escalation.id, ctx.status, ctx.claimed_by, me=me)
        self.reasons.set_reasons(list(escalation.reasons), escalation.bot.note_to_agent)
        self._fill_details(ctx, keep_tab=same)
        self._set_status("", error=False)

    def show_error(self, message: str) -> None:
        self._set_status(f"Could not load the context: {clean_text(message)}", error=True)

    def retry(self) -> None:
        """Ask for the context of the shown escalation again (after an error)."""
        if self._escalation_id is None:
            return
        self._set_status("Loading context…", error=False)
        self.retry_requested.emit(self._escalation_id)

    def focus_transcript(self) -> None:
        self.tabs.setCurrentIndex(TAB_TRANSCRIPT)
        self.transcript_view.setFocus()

    # -- internals ----------------------------------------------------------------------------

    def _fill_header(self, name: str, channel: str, queue: str, created_at: datetime) -> None:
        self.title_label.setText(clean_text(name, single_line=True) or "Unknown customer")
        channel, queue = clean_text(channel, single_line=True), clean_text(queue, single_line=True)
        self.subtitle_label.setText(
            f"{channel} · queue {queue} · arrived {format_clock(created_at)}"
        )

    def _fill_details(self, ctx: EscalationContext | None, *, keep_tab: bool = False) -> None:
        if ctx is None:
            self._set_badge(None)
            self.transcript_model.clear()
            self.summary.set_summary(None)
            self.profile.set_profile(None)
            self.history_model.set_items([])
            self._set_counts(None)
            return
        turns = list(ctx.escalation.transcript)
        if keep_tab:  # the same escalation again: keep the agent's place in the transcript
            self.transcript_model.refresh(turns)
        else:
            self.transcript_model.set_turns(turns)
        self.summary.set_summary(ctx.summary)
        self.profile.set_profile(ctx.profile)
        self.history_model.set_items(list(ctx.history))
        self._set_counts(ctx)
        if not keep_tab:
            self.tabs.setCurrentIndex(TAB_TRANSCRIPT)
            self.transcript_view.follow_tail()

    def _set_counts(self, ctx: EscalationContext | None) -> None:
        turns = len(ctx.escalation.transcript) if ctx else 0
        history = len(ctx.history) if ctx else 0
        self.tabs.setTabText(TAB_TRANSCRIPT, f"Transcript ({turns})" if ctx else "Transcript")
        self.tabs.setTabText(TAB_HISTORY, f"History ({history})" if ctx else "History")

    def _set_badge(self, ctx: EscalationContext | None) -> None:
        """VIP, or that the CRM does not know this customer; nothing while loading."""
        if ctx is not None and ctx.profile is None:
            text, colours = "No CRM record", ("#e8eaed", "#3c4043")
        elif ctx is not None and ctx.profile is not None and ctx.profile.vip:
            text, colours = "VIP", ("#fef7e0", "#8a5a00")
        else:
            self.badge_label.setVisible(False)
            return
        self.badge_label.setText(text)
        self.badge_label.setAccessibleName(text)
        self.badge_label.setStyleSheet(_BADGE.format(bg=colours[0], fg=colours[1]))
        self.badge_label.setVisible(True)

    def _set_status(self, text: str, *, error: bool) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("color: #c5221f; font-weight: bold;" if error else "")
        self.status_label.setVisible(bool(text))
        self.retry_button.setVisible(error)
