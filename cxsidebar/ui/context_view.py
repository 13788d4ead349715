"""Everything about the selected escalation, composed from the panes.

Top to bottom: who and where, the claim button, "Why escalated", then tabs for
the transcript, the summary, the customer profile and the CRM history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, Qt, Signal
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

from cxsidebar.core import EscalationContext, QueueItem, Reason

from .claim import ClaimBar
from .context import ProfilePane, ReasonsPane, badge_sheet, banner_sheet, is_dark, set_style
from .find import FindBar
from .history import HistoryModel, HistoryView
from .insight import REPEAT_DAYS, repeat_banner, repeat_contacts, turn_marks
from .summary import SummaryPane
from .text import clip, dim, format_clock, plain_label, plural
from .transcript import TranscriptModel, TranscriptView

TAB_TRANSCRIPT, TAB_SUMMARY, TAB_CUSTOMER, TAB_HISTORY = range(4)


def _now() -> datetime:
    return datetime.now(UTC)


class ContextView(QStackedWidget):
    """A placeholder until an escalation is chosen, then its context."""

    retry_requested = Signal(str)  # escalation id whose context failed to load
    contact_revealed = Signal(str, str)  # escalation id, field ("email" | "phone")
    summary_regenerate_requested = Signal(str)  # escalation id: make a new summary version

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], datetime] = _now
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Escalation context")
        self._escalation_id: str | None = None
        self._clock = clock
        self._reasons: list[Reason] = []  # of the shown transcript's marks
        # The context shown now: a refresh of the same escalation (a new summary, a live
        # turn, a claim) redoes only the parts that changed.
        self._shown: EscalationContext | None = None
        self._repeat_key: tuple[object, ...] = ()  # what the history and banner show
        self.repeat_days = REPEAT_DAYS

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
        self.repeat_label = plain_label(name="Repeat contact", wrap=True)
        self.repeat_label.setVisible(False)
        self.reasons = ReasonsPane(page)

        self.transcript_model = TranscriptModel(self)
        self.transcript_view = TranscriptView(page)
        self.transcript_view.setModel(self.transcript_model)
        self.find_bar = FindBar(page)
        self.find_bar.find_requested.connect(self._find)
        self.find_bar.query_changed.connect(self.transcript_view.set_highlight)
        transcript_box = QWidget(page)
        transcript_layout = QVBoxLayout(transcript_box)
        transcript_layout.setContentsMargins(0, 0, 0, 0)
        transcript_layout.setSpacing(0)
        transcript_layout.addWidget(self.transcript_view, 1)
        transcript_layout.addWidget(self.find_bar)
        self.summary = SummaryPane(page)
        self.summary.regenerate_requested.connect(self._regenerate_requested)
        self.profile = ProfilePane()
        self.profile.contact_revealed.connect(self._revealed)
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
        self.tabs.addTab(transcript_box, "Transcript")
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
        layout.addWidget(self.repeat_label)
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
            self.find_bar.edit,
            self.find_bar.previous_button,
            self.find_bar.next_button,
            self.find_bar.close_button,
            self.summary.regenerate_button,
            self.summary.text_edit,
            self.profile.reveal_button,
            self.history_view,
        ]

    def clear(self) -> None:
        """Back to "No escalation selected"."""
        self._escalation_id = None
        self._shown = None
        self.claim_bar.clear()
        self.reasons.set_reasons([])
        self._fill_details(None)
        self.setCurrentWidget(self.placeholder)

    def expect(self, escalation_id: str) -> None:
        """The escalation whose context is asked for now: `show_context` takes its answer."""
        self._escalation_id = escalation_id
        self._shown = None

    def has_context(self) -> bool:
        """Whether the context of `escalation_id` is shown (not only what the queue knew)."""
        return self._shown is not None

    def show_loading(self, item: QueueItem, *, me: str) -> None:
        """What the queue already knows, while the full context is fetched."""
        self._escalation_id = item.escalation_id
        self._shown = None
        self.setCurrentWidget(self.page)
        self._fill_header(item.customer_display_name, item.channel, item.queue, item.created_at)
        self.claim_bar.set_escalation(item.escalation_id, item.status, item.claimed_by, me=me)
        self.reasons.set_reasons(item.reasons)
        self._fill_details(None)
        self._set_status("Loading context…", error=False)

    def show_context(self, ctx: EscalationContext, *, me: str) -> None:
        escalation = ctx.escalation
        same = escalation.id == self._escalation_id
        before = self._shown if same else None
        self._escalation_id = escalation.id
        self._shown = ctx
        self.setCurrentWidget(self.page)
        self._fill_header(
            escalation.customer.display_name,
            escalation.channel,
            escalation.queue,
            escalation.created_at,
        )
        self._set_badge(ctx)
        self.claim_bar.set_escalation(escalation.id, ctx.status, ctx.claimed_by, me=me)
        if before is None or (
            (before.escalation.reasons, before.escalation.bot.note_to_agent)
            != (escalation.reasons, escalation.bot.note_to_agent)
        ):
            self.reasons.set_reasons(list(escalation.reasons), escalation.bot.note_to_agent)
        self._fill_details(ctx, keep_tab=same, before=before)
        self._set_status("", error=False)

    def show_error(self, message: str) -> None:
        self._set_status(
            f"Could not load the context: {clip(message, 2000, single_line=False)}", error=True
        )

    def retry(self) -> None:
        """Ask for the context of the shown escalation again (after an error)."""
        if self._escalation_id is None:
            return
        self._set_status("Loading context…", error=False)
        self.retry_requested.emit(self._escalation_id)

    def focus_transcript(self) -> None:
        self.tabs.setCurrentIndex(TAB_TRANSCRIPT)
        self.transcript_view.setFocus()

    def open_find(self) -> None:
        """Ctrl+F: the find bar under the transcript, focused."""
        if self.currentWidget() is not self.page:
            return
        self.tabs.setCurrentIndex(TAB_TRANSCRIPT)
        self.find_bar.open_bar()

    def find_next(self) -> None:
        self._find_again(backward=False)

    def find_previous(self) -> None:
        self._find_again(backward=True)

    def _find_again(self, *, backward: bool) -> None:
        if not self.find_bar.query:
            self.open_find()
            return
        self._find(self.find_bar.query, backward)

    def _find(self, query: str, backward: bool) -> None:
        model = self.transcript_model
        start = self.transcript_view.current_row()
        if start < 0:
            start = model.rowCount() if backward else -1
        row = model.find(query, start, backward=backward)
        if row is None:
            self.find_bar.set_result("No matches")
            return
        self.tabs.setCurrentIndex(TAB_TRANSCRIPT)
        self.transcript_view.go_to_row(row)
        self.find_bar.set_result(
            f"Turn {row + 1} · {plural(model.count_matches(query), 'match', 'matches')}"
        )

    def jump_to_turn(self, turn_id: str) -> bool:
        """Show one turn of the transcript, selected and centred; False if it is not there."""
        row = self.transcript_model.row_of_turn(turn_id)
        if row is None or self.currentWidget() is not self.page:
            return False
        self.tabs.setCurrentIndex(TAB_TRANSCRIPT)
        self.transcript_view.go_to_row(row)
        return True

    def step_trigger(self, delta: int) -> bool:
        """Move to the next (+1) or previous (-1) turn that made the bot escalate."""
        rows = self.transcript_model.marked_rows()
        if not rows:
            return False
        here = self.transcript_view.current_row()
        after = [r for r in rows if r > here] if delta > 0 else [r for r in rows if r < here]
        target = (after[0] if delta > 0 else after[-1]) if after else rows[0 if delta > 0 else -1]
        self.tabs.setCurrentIndex(TAB_TRANSCRIPT)
        self.transcript_view.go_to_row(target)
        return True

    def regenerate_summary(self) -> bool:
        """Ctrl+Shift+G: ask for a new summary version, shown on the summary tab."""
        if self.currentWidget() is not self.page:
            return False
        self.tabs.setCurrentIndex(TAB_SUMMARY)
        return self.summary.request_regenerate()

    def summary_regenerate_failed(self, message: str) -> None:
        self.summary.set_failed(message)

    def _regenerate_requested(self) -> None:
        if self._escalation_id is not None:
            self.summary_regenerate_requested.emit(self._escalation_id)

    def _revealed(self, field: str) -> None:
        if self._escalation_id is not None:
            self.contact_revealed.emit(self._escalation_id, field)

    # -- internals ----------------------------------------------------------------------------

    def _fill_header(self, name: str, channel: str, queue: str, created_at: datetime) -> None:
        self.title_label.setText(clip(name) or "Unknown customer")
        channel, queue = clip(channel), clip(queue)
        self.subtitle_label.setText(
            f"{channel} · queue {queue} · arrived {format_clock(created_at)}"
        )

    def _fill_details(
        self,
        ctx: EscalationContext | None,
        *,
        keep_tab: bool = False,
        before: EscalationContext | None = None,
    ) -> None:
        """Fill the tabs; `before`, the context shown until now for the same escalation,
        lets a refresh skip the panes whose content did not change."""
        if ctx is None:
            self._set_badge(None)
            self.transcript_model.clear()
            self.summary.set_summary(None)
            self.summary.set_available(False)
            self.profile.set_profile(None)
            self.history_model.set_items([])
            self._set_counts(None)
            self._set_repeat("")
            return
        turns = list(ctx.escalation.transcript)
        model, reasons = self.transcript_model, ctx.escalation.reasons
        # Marks first, so rows are measured once with their marks line.
        if keep_tab and model.continues(turns) and reasons == self._reasons:
            # The same conversation, grown (a live turn): mark and append only the new turns.
            new = turns[model.rowCount() :]
            model.set_marks(turn_marks(new, reasons), merge=True)
            model.append(new)
        else:
            model.set_marks(turn_marks(turns, reasons))
            model.set_turns(turns)
        self._reasons = list(reasons)
        positions = {turn.id: number + 1 for number, turn in enumerate(turns)}
        self.summary.set_summary(ctx.summary, positions)
        self.summary.set_available(True)
        if before is None or before.profile != ctx.profile:
            self.profile.set_profile(ctx.profile)  # masks the contact details again
        repeat_key = (ctx.history, ctx.escalation.bot.flow, reasons, self.repeat_days)
        if before is None or repeat_key != self._repeat_key:
            self._repeat_key = repeat_key
            repeats = repeat_contacts(
                ctx.history,
                flow=ctx.escalation.bot.flow,
                reasons=ctx.escalation.reasons,
                now=self._clock(),
                days=self.repeat_days,
            )
            self.history_model.set_items(list(ctx.history), {item.id for item in repeats})
            self._set_repeat(repeat_banner(repeats, self._clock()))
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
            text = "No CRM record"
        elif ctx is not None and ctx.profile is not None and ctx.profile.vip:
            text = "VIP"
        else:
            self.badge_label.setVisible(False)
            return
        self.badge_label.setText(text)
        self.badge_label.setAccessibleName(text)
        self._set_badge_colours()
        self.badge_label.setVisible(True)

    def _set_badge_colours(self) -> None:
        sheet = badge_sheet(self.badge_label.text(), dark=is_dark(self))
        if sheet is not None:
            set_style(self.badge_label, sheet)

    def _set_repeat(self, text: str) -> None:
        self.repeat_label.setText(text)
        self.repeat_label.setVisible(bool(text))
        self._paint_banner()

    def _paint_banner(self) -> None:
        set_style(self.repeat_label, banner_sheet(dark=is_dark(self)))

    def apply_look(self) -> None:
        """Light ⇄ dark: restyle what carries its own colours."""
        self._paint_banner()
        self._set_badge_colours()
        self.reasons.apply_look()
        self.summary.apply_look()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._paint_banner()
            self._set_badge_colours()

    def _set_status(self, text: str, *, error: bool) -> None:
        self.status_label.setText(text)
        set_style(self.status_label, "color: #c5221f; font-weight: bold;" if error else "")
        self.status_label.setVisible(bool(text))
        self.retry_button.setVisible(error)
