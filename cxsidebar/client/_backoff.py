"""Retry timing: jittered exponential backoff and the `Retry-After` header."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal


@dataclass
class Backoff:
    """Delays that double from `base` up to `cap`, spread by jitter.

    "full" jitter draws from [0, ceiling] (spreads a crowd of clients best);
    "equal" draws from [ceiling/2, ceiling] (never retries at once).
    """

    base: float = 1.0
    cap: float = 60.0
    jitter: Literal["full", "equal"] = "full"
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if not 0 < self.base <= self.cap:
            raise ValueError(f"backoff needs 0 < base <= cap, got base={self.base} cap={self.cap}")

    def ceiling(self, attempt: int, *, base: float | None = None) -> float:
        """The largest delay before retry number `attempt` (0 = the first retry)."""
        start = self.base if base is None else min(max(base, 0.0), self.cap)
        return min(self.cap, start * 2.0 ** min(max(attempt, 0), 62))

    def delay(self, attempt: int, *, base: float | None = None) -> float:
        top = self.ceiling(attempt, base=base)
        if self.jitter == "full":
            return self.rng.uniform(0.0, top)
        return self.rng.uniform(top / 2.0, top)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def format_delay(seconds: float) -> str:
    """A delay for the header's detail line: "4 s", "0.3 s", "2 min" or "a moment"."""
    if seconds >= 120:
        return f"{round(seconds / 60)} min"
    if seconds >= 1:
        return f"{round(seconds)} s"
    if seconds >= 0.1:
        return f"{seconds:.1f} s"
    return "a moment"
