"""What a rating records by itself: how long the agent took, and which context they judged.

`RatingStamp` watches one window. When an escalation's context is shown it
notes the time of the first paint after it (the pop); the first key press,
click or wheel turn inside the window after that is the agent's first action
(claim, scroll, find, rate…). `stamp(rating)` fills in `first_action_ms`,
`rate_ms`, `context_version` and `summary_version` from those notes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from cxsidebar.core import EscalationContext, Rating

_ACTIONS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.Wheel,
        QEvent.Type.ShortcutOverride,
    }
)
MAX_MS = 7 * 24 * 3600 * 1000  # core.Rating's bound on recorded times


@dataclass
class _Seen:
    context_version: str | None
    summary_version: int | None
    shown_at: float  # when show_context ran (the pop, until it is painted)
    painted: bool = False
    first_action_at: float | None = None


class RatingStamp(QObject):
    """Call `shown(context)` after the window shows a context; `stamp(rating)` before saving."""

    def __init__(self, window: QWidget, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self._window = window
        self._clock = clock
        self._seen: dict[str, _Seen] = {}
        self._current: str | None = None
        self._watching = False  # the app-wide filter is on only while a first action is due

    def shown(self, context: EscalationContext) -> None:
        """The window shows this context now (a first show, or a refresh of it)."""
        escalation_id = context.escalation.id
        summary = context.summary.version if context.summary is not None else None
        seen = self._seen.get(escalation_id)
        if seen is None:
            self._seen[escalation_id] = _Seen(context.context_version, summary, self._clock())
        else:  # a refresh (e.g. a new summary): what the agent judges now; the pop stays
            seen.context_version, seen.summary_version = context.context_version, summary
        self._current = escalation_id
        self._watch(self._seen[escalation_id].first_action_at is None)

    def stamp(self, rating: Rating) -> Rating:
        """The rating with its timings and the versions of what was shown."""
        seen = self._seen.get(rating.escalation_id)
        if seen is None:
            return rating
        now = self._clock()
        first = seen.first_action_at if seen.first_action_at is not None else now
        return rating.model_copy(
            update={
                "first_action_ms": _ms(first - seen.shown_at),
                "rate_ms": _ms(now - seen.shown_at),
                "context_version": seen.context_version,
                "summary_version": seen.summary_version,
            }
        )

    def versions(self, escalation_id: str) -> tuple[str | None, int | None] | None:
        """The context and summary versions shown for this escalation, if it was shown."""
        seen = self._seen.get(escalation_id)
        return None if seen is None else (seen.context_version, seen.summary_version)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        seen = self._seen.get(self._current) if self._current is not None else None
        if seen is None or seen.first_action_at is not None:
            return False
        kind = event.type()
        if kind == QEvent.Type.Paint and not seen.painted and self._inside(watched):
            seen.painted, seen.shown_at = True, self._clock()
        elif kind in _ACTIONS and self._inside(watched):
            seen.first_action_at = self._clock()
            self._watch(False)
        return False

    def _watch(self, on: bool) -> None:
        app = QApplication.instance()
        if app is None or on == self._watching:
            return
        if on:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)
        self._watching = on

    def _inside(self, watched: QObject) -> bool:
        if not isinstance(watched, QWidget):
            return False
        return watched is self._window or self._window.isAncestorOf(watched)

    def close(self) -> None:
        self._watch(False)


def _ms(seconds: float) -> int:
    return min(MAX_MS, max(0, round(seconds * 1000)))
