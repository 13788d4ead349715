"""What a rating records by itself: how long the agent took, and which context they judged.

`RatingStamp` watches one window. When an escalation's context is shown it
notes the time of the first paint after it (the pop); the first key press,
click or wheel turn inside the window after that is the agent's first action
(claim, scroll, find, rate…). `stamp(rating)` fills in `first_action_ms`,
`rate_ms`, `context_version` and `summary_version` from those notes.

Until the pop is painted only the window's own events are watched (every paint
of the window starts with an update request to it); an application-wide filter,
which sees every event of the app, is on only from the pop's paint until the
first action, and never while the next pop is being painted.
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
        # What the filter is on: the window until the pop is painted, then the app until
        # the first action, then nothing.
        self._watching: QObject | None = None

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
        self._follow(self._seen[escalation_id])

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
        if not seen.painted:
            if kind == QEvent.Type.UpdateRequest and self._window.isVisible():
                seen.painted, seen.shown_at = True, self._clock()
                self._follow(seen)
        elif kind in _ACTIONS and self._inside(watched):
            seen.first_action_at = self._clock()
            self._follow(seen)
        return False

    def _follow(self, seen: _Seen) -> None:
        if seen.first_action_at is not None:
            self._watch(None)
        elif not seen.painted:
            self._watch(self._window)
        else:
            self._watch(QApplication.instance())

    def _watch(self, target: QObject | None) -> None:
        if target is self._watching:
            return
        if self._watching is not None:
            self._watching.removeEventFilter(self)
        if target is not None:
            target.installEventFilter(self)
        self._watching = target

    def _inside(self, watched: QObject) -> bool:
        if not isinstance(watched, QWidget):
            return False
        return watched is self._window or self._window.isAncestorOf(watched)

    def close(self) -> None:
        self._watch(None)


def _ms(seconds: float) -> int:
    return min(MAX_MS, max(0, round(seconds * 1000)))
