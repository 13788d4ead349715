"""The main window: a wiring shell around the header, the queue, the context and the rating.

It holds no I/O. The app feeds it through the slots below and does the work its
signals ask for (fetch a context, claim, save a rating) on the network worker.
Panes never talk to each other; everything meets in `_connect_signals`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import pairwise

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cxsidebar.core import (
    ClaimInfo,
    ConnectionState,
    EscalationContext,
    EscalationStatus,
    QueueItem,
    SummaryProgress,
    SyncState,
)

from .context_view import ContextView
from .header import HeaderBar
from .icons import app_icon
from .menu import WindowMenu
from .notify import DesktopNotifier, Notifier
from .queue import MAX_OPEN, ItemRole, QueueModel, QueueView
from .rating import RatingPanel
from .review_toggle import review_toggle
from .text import clip, plain_label, plural, top_reason
from .window_actions import install_actions
from .window_state import WindowLook

# "pop": raise the window and open the new escalation on arrival;
# "notify": only notify; "accept": notify, and open it when the agent accepts.
POP_MODES = ("pop", "notify", "accept")
NARROW = 760  # below this width the queue sits above the context instead of beside it


def _now() -> datetime:
    return datetime.now(UTC)


class MainWindow(WindowLook, QMainWindow):
    """The sidebar. Signals ask the app for work; slots show what the app learned."""

    context_requested = Signal(str)  # escalation id: fetch its context, answer with show_context
    claim_requested = Signal(str)  # escalation id: claim it, answer with mark_claimed/claim_failed
    rating_submitted = Signal(object)  # core.Rating: save it, answer with rating_saved/_save_failed
    contact_revealed = Signal(str, str)  # escalation id, field: the app logs who saw what
    # escalation id: make a new summary version; answered by show_context (the new version)
    # or summary_regenerate_failed
    summary_regenerate_requested = Signal(str)
    quit_requested = Signal()  # Ctrl+Q
    review_opened = Signal(object)  # ui.review.ReviewView, made on first open: the app wires it

    def __init__(
        self,
        notifier: Notifier | None = None,
        parent: QWidget | None = None,
        *,
        pop_mode: str = "pop",
        clock: Callable[[], datetime] = _now,
        sla_targets: Mapping[str, int] | None = None,
        max_open: int = MAX_OPEN,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("cxsidebar")
        self.setWindowIcon(app_icon())
        self.notifier: Notifier = (
            notifier if notifier is not None else DesktopNotifier(self, icon=self.windowIcon())
        )
        self._me = ""
        self._pop_mode = "pop"
        self._color_scheme = "auto"
        self._pending: str | None = None  # the escalation "Accept" opens
        self._syncing_selection = False
        self._clock = clock
        self._arrival_sound = False
        self.beep: Callable[[], None] = QApplication.beep  # the arrival sound; tests swap it
        self.set_pop_mode(pop_mode)
        self._build(clock=clock, sla_targets=sla_targets, max_open=max_open)
        self._actions = install_actions(self)
        self.key_actions = self._actions.key_actions  # by keys.KEYS name
        self.pop_actions = self._actions.pop_actions  # by pop mode
        self.window_menu = WindowMenu(self, self.key_actions["quit"])
        header_grid = self.header.layout()
        assert isinstance(header_grid, QGridLayout)
        header_grid.addWidget(self.window_menu.sign_in_button, 0, 4)  # shown when signed out
        self._connect_signals()
        self.setMinimumSize(360, 520)  # narrower than NARROW: the queue moves above the context
        self.resize(1100, 800)

    # -- construction ----------------------------------------------------------------------

    def _build(
        self,
        *,
        clock: Callable[[], datetime],
        sla_targets: Mapping[str, int] | None,
        max_open: int,
    ) -> None:
        self.header = HeaderBar()
        self.queue_model = QueueModel(self, clock=clock, sla_targets=sla_targets, max_open=max_open)
        self.queue_view = QueueView()
        self.queue_view.setModel(self.queue_model)
        self.queue_view.set_accept_shown(self._pop_mode == "accept")
        self.queue_label = plain_label(name="Queue size")
        self.queue_label.setStyleSheet("font-weight: bold; padding: 4px 2px;")
        queue_box = QWidget()
        queue_layout = QVBoxLayout(queue_box)
        queue_layout.setContentsMargins(4, 0, 0, 0)
        queue_layout.addWidget(self.queue_label)
        queue_layout.addWidget(self.queue_view, 1)

        self.context_view = ContextView(clock=clock)
        self.rating_panel = RatingPanel()
        self.detail_splitter = QSplitter(Qt.Orientation.Vertical)
        self.detail_splitter.addWidget(self.context_view)
        self.detail_splitter.addWidget(self.rating_panel)
        self.detail_splitter.setStretchFactor(0, 1)
        self.detail_splitter.setStretchFactor(1, 0)
        self.detail_splitter.setCollapsible(0, False)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.addWidget(queue_box)
        self.main_splitter.addWidget(self.detail_splitter)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setCollapsible(1, False)
        self.main_splitter.setSizes([320, 780])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        header_row = QHBoxLayout()
        header_row.addWidget(self.header, 1)
        self.review_button = review_toggle(self)  # supervisors only: see set_review_available
        header_row.addWidget(self.review_button)
        layout.addLayout(header_row)
        self.mode_stack = QStackedWidget()  # the queue and context, or Review mode
        self.mode_stack.addWidget(self.main_splitter)
        self.review_view: QWidget | None = None
        layout.addWidget(self.mode_stack, 1)
        self.setCentralWidget(central)
        self._update_queue_label()
        # Visible keyboard focus: the style's focus frame is faint on item views.
        self.setStyleSheet(
            "QListView:focus, QTabBar:focus, QPlainTextEdit:focus, QLineEdit:focus"
            " { border: 2px solid palette(highlight); }"
        )

        order = [
            self.queue_view,
            *self.context_view.focus_order(),
            *self.rating_panel.focus_order(),
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def _connect_signals(self) -> None:
        self.queue_view.selectionModel().selectionChanged.connect(self._on_selection)
        self.queue_model.counts_changed.connect(self._update_queue_label)
        self.queue_view.accept_requested.connect(self.accept)
        self.context_view.claim_bar.claim_requested.connect(self.claim_requested)
        self.context_view.retry_requested.connect(self.context_requested)
        self.context_view.contact_revealed.connect(self.contact_revealed)
        self.context_view.summary_regenerate_requested.connect(self.summary_regenerate_requested)
        self.context_view.summary.turn_requested.connect(self.jump_to_turn)
        self.rating_panel.rating_submitted.connect(self.rating_submitted)
        self.review_button.toggled.connect(self.show_review)
        accepted = getattr(self.notifier, "accepted", None)  # optional on a Notifier
        if accepted is not None:
            accepted.connect(self.accept_escalation)
        QApplication.styleHints().colorSchemeChanged.connect(self._desktop_scheme_changed)

    # -- slots the app calls ------------------------------------------------------------------

    @Slot(object, str)
    def set_connection(self, state: ConnectionState, detail: str) -> None:
        self.header.set_connection(state, detail)
        self.window_menu.set_signed_out(state is ConnectionState.SIGNED_OUT)

    @Slot(object)
    def set_sync(self, state: SyncState) -> None:
        self.header.set_sync(state)

    @Slot(str)
    def set_agent_name(self, name: str) -> None:
        self._me = name
        self.header.set_agent_name(name)

    @Slot(bool)
    def set_review_available(self, available: bool) -> None:
        """Review mode is for supervisors and admins: the app says so from the token's role."""
        self.review_button.setVisible(available)
        self.review_button.defaultAction().setEnabled(available)
        if not available:
            self.review_button.setChecked(False)

    @Slot(bool)
    def show_review(self, on: bool) -> None:
        """Review mode instead of the queue (built, with pyqtgraph, on first open), or back."""
        if on and self.review_view is None:
            from .review import ReviewView  # lazy: start-up never loads charts

            self.review_view = ReviewView(self, clock=self._clock)
            self.mode_stack.addWidget(self.review_view)
            self.review_opened.emit(self.review_view)
        target = self.review_view if on and self.review_view else self.main_splitter
        self.mode_stack.setCurrentWidget(target)
        if self.review_button.isChecked() != on:
            self.review_button.setChecked(on)

    @Slot(str)
    def set_pop_mode(self, mode: str) -> None:
        if mode not in POP_MODES:
            raise ValueError(f"pop mode must be one of {POP_MODES}, got {mode!r}")
        self._pop_mode = mode
        actions = getattr(self, "pop_actions", {})
        if mode in actions:
            actions[mode].setChecked(True)
        if hasattr(self, "queue_view"):  # built after the first call
            self.queue_view.set_accept_shown(mode == "accept")

    @property
    def pop_mode(self) -> str:
        return self._pop_mode

    def set_sla_targets(self, targets: Mapping[str, int] | None) -> None:
        """Seconds an escalation may wait, per channel (`insight.sla_targets`)."""
        self.queue_model.set_sla_targets(targets)

    def set_max_open(self, count: int) -> None:
        """How many open escalations the queue lists; the rest wait off the list, counted."""
        self.queue_model.set_max_open(count)
        self._update_queue_label()

    def set_repeat_days(self, days: int) -> None:
        """How far back a CRM contact about the same flow or reason makes a repeat contact."""
        self.context_view.repeat_days = days

    def set_arrival_sound(self, on: bool) -> None:
        self._arrival_sound = on

    @Slot(list)
    def set_queue(self, items: list[QueueItem]) -> None:
        """A full snapshot (after connecting or a resync); the selection survives if it can."""
        with self._quiet_selection():
            self.queue_model.set_items(items, me=self._me)
            self._select(self.context_view.escalation_id)

    @Slot(object)
    def add_escalation(self, item: QueueItem) -> None:
        """A new arrival: into the queue, then screen-pop or notify, as the pop mode says.

        While the agent works on an escalation they claimed, or is typing a rating,
        a new arrival never takes the selection: it only notifies.
        """
        if item.status is EscalationStatus.CLAIMED and item.claimed_by != self._me:
            return
        known = self.queue_model.item(item.escalation_id) is not None
        with self._quiet_selection():
            self.queue_model.add(item)
            self._select(self.context_view.escalation_id)
        if known:
            return  # a replayed event: already announced
        name = clip(item.customer_display_name) or "Unknown customer"
        reason = top_reason(list(item.reasons))
        queue = clip(item.queue)
        self._pending = item.escalation_id
        if self._pop_mode == "pop" and not self.busy():
            self.notifier.pop(self)
            self._select(item.escalation_id)  # emits context_requested through the selection
            self._pending = None
        hint = " · Accept: Ctrl+Shift+A" if self._pending else ""
        if self._arrival_sound:
            self.beep()
        self.notifier.notify(self, f"New escalation: {name}", f"{queue} · {reason}{hint}")
        self.notifier.announce(self, f"New escalation from {name}, {reason}")

    def busy(self) -> bool:
        """The agent works on an escalation they claimed, or is typing a rating."""
        focus = QApplication.focusWidget()
        if focus is not None and self.rating_panel.isAncestorOf(focus):
            return True
        if self.rating_panel.has_draft():
            return True
        current = self.context_view.escalation_id
        item = self.queue_model.item(current) if current else None
        return (
            item is not None
            and item.status is EscalationStatus.CLAIMED
            and bool(self._me)
            and item.claimed_by == self._me
        )

    @Slot()
    def accept_escalation(self) -> None:
        """Open the escalation the last notification offered (else the oldest open one)."""
        target = self._pending
        if target is None or self.queue_model.row_of(target) is None:
            target = next(
                (
                    self.queue_model.index(r).data(ItemRole).escalation_id
                    for r in range(self.queue_model.rowCount())
                    if self.queue_model.index(r).data(ItemRole).status is EscalationStatus.OPEN
                ),
                None,
            )
        self._pending = None
        self.accept(target)

    @Slot(str)
    def accept(self, escalation_id: str | None) -> None:
        """The agent takes this escalation on: bring the window up, open it, go to its turns."""
        if escalation_id == self._pending:
            self._pending = None
        self.notifier.pop(self)
        if escalation_id is not None and self.queue_model.row_of(escalation_id) is not None:
            self._select(escalation_id)
            self.context_view.focus_transcript()

    @Slot(object, bool)
    def mark_claimed(self, info: ClaimInfo, by_me: bool) -> None:
        with self._quiet_selection():
            self.queue_model.mark_claimed(info, by_me=by_me)
            self._select(self.context_view.escalation_id)
        if info.escalation_id == self.context_view.escalation_id:
            self.context_view.claim_bar.set_claimed(info.claimed_by, by_me=by_me)

    @Slot(object)
    def show_context(self, ctx: EscalationContext) -> None:
        """Show a fetched context; answers for an escalation no longer selected are dropped."""
        current = self.context_view.escalation_id
        if current is not None and current != ctx.escalation.id:
            return
        self.context_view.show_context(ctx, me=self._me)
        self.rating_panel.set_escalation(ctx.escalation.id)

    @Slot(str, str)
    def show_context_error(self, escalation_id: str, message: str) -> None:
        if escalation_id == self.context_view.escalation_id:
            self.context_view.show_error(message)

    @Slot(str, str)
    def summary_regenerate_failed(self, escalation_id: str, message: str) -> None:
        """The hub refused or failed a regeneration: say why, allow another try."""
        if escalation_id == self.context_view.escalation_id:
            self.context_view.summary_regenerate_failed(message)

    @Slot(object)
    def show_summary_progress(self, progress: SummaryProgress) -> None:
        """A summary as the model writes it: shown only for the open escalation."""
        if progress.escalation_id == self.context_view.escalation_id:
            self.context_view.summary.show_progress(progress.version, progress.text)

    @Slot(str, str)
    def claim_failed(self, escalation_id: str, message: str) -> None:
        if escalation_id == self.context_view.escalation_id:
            self.context_view.claim_bar.set_failed(message)

    @Slot(object)
    def rating_saved(self, rating_id: uuid.UUID) -> None:
        self.rating_panel.rating_saved(rating_id)

    @Slot(object, str)
    def rating_save_failed(self, rating_id: uuid.UUID, message: str) -> None:
        self.rating_panel.rating_save_failed(rating_id, message)

    # -- navigation ----------------------------------------------------------------------------

    def previous_escalation(self) -> None:
        self.step(-1)

    def next_escalation(self) -> None:
        self.step(1)

    def step(self, delta: int) -> None:
        """Select the previous (-1) or next (+1) escalation of the queue."""
        count = self.queue_model.rowCount()
        if count == 0:
            return
        current = self.context_view.escalation_id
        row = self.queue_model.row_of(current) if current else None
        if row is None:  # nothing selected yet, or the shown one left the queue
            target = 0 if delta > 0 else count - 1
        else:
            target = min(count - 1, max(0, row + delta))
        self._select_row(target)

    def open_escalation(self, escalation_id: str) -> None:
        """Select an escalation of the queue, as a click would."""
        self._select(escalation_id)

    def jump_to_turn(self, turn_id: str) -> bool:
        """Show one turn of the open transcript (summary citations use it)."""
        return self.context_view.jump_to_turn(turn_id)

    def next_trigger(self) -> None:
        self.context_view.step_trigger(1)

    def previous_trigger(self) -> None:
        self.context_view.step_trigger(-1)

    def focus_queue(self) -> None:
        self.queue_view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _select(self, escalation_id: str | None) -> None:
        row = self.queue_model.row_of(escalation_id) if escalation_id else None
        if row is None:
            if self._syncing_selection:
                self.queue_view.selectionModel().clearSelection()
            return
        self._select_row(row)

    def _select_row(self, row: int) -> None:
        index = self.queue_model.index(row)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.queue_view.selectionModel().setCurrentIndex(index, flags)
        self.queue_view.scrollTo(index)

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._syncing_selection or selected.isEmpty():
            return
        item = selected.indexes()[0].data(ItemRole)
        if item is None or item.escalation_id == self.context_view.escalation_id:
            return
        # Asked first: the fetch runs on the network thread while the panes show what the
        # queue knows (the answer comes back as a queued call, after this returns).
        self.context_view.expect(item.escalation_id)
        self.context_requested.emit(item.escalation_id)
        if not self.context_view.has_context():  # unless it was answered at once
            self.context_view.show_loading(item, me=self._me)
        self.rating_panel.set_escalation(item.escalation_id)

    @contextmanager
    def _quiet_selection(self) -> Iterator[None]:
        """While the model changes under the view, selection changes are not the agent's."""
        before, self._syncing_selection = self._syncing_selection, True
        try:
            yield
        finally:
            self._syncing_selection = before

    def _update_queue_label(self, *_: object) -> None:
        count = self.queue_model.rowCount()
        more = self.queue_model.overflow
        text = f"Queue · {plural(count, 'escalation')}" if count else "Queue · empty"
        if more:
            text += f" (+{more} waiting beyond the first {self.queue_model.max_open})"
        self.queue_label.setText(text)

    # -- window ------------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        narrow = event.size().width() < NARROW
        self.header.set_narrow(narrow)
        wanted = Qt.Orientation.Vertical if narrow else Qt.Orientation.Horizontal
        if self.main_splitter.orientation() != wanted:
            self.main_splitter.setOrientation(wanted)
            total = event.size().height() if narrow else event.size().width()
            first = max(140, total // 5) if narrow else 320
            self.main_splitter.setSizes([first, max(200, total - first)])
        super().resizeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        dismiss = getattr(self.notifier, "dismiss", None)  # optional: a toast must not outlive us
        if callable(dismiss):
            dismiss()
        super().closeEvent(event)
