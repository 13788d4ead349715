"""Per-source rate limits on intake: a token bucket per bot source, per worker.

A source may post `rate` escalations a second on average and `burst` at once.
Over that, intake answers 429 with `Retry-After` (whole seconds) and the error
envelope. The buckets live in the worker's memory: with W workers behind a load
balancer a source gets up to W times the rate, so set it per worker.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from cxsidebar.hub.settings import HubSettings


class IntakeLimiter:
    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_limited: Callable[[str], None] | None = None,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.on_limited = on_limited  # called with the source's name on each refusal
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # source: (tokens, at)

    @classmethod
    def of(cls, settings: HubSettings) -> IntakeLimiter | None:
        if settings.intake_rate_per_second is None:
            return None
        return cls(settings.intake_rate_per_second, settings.intake_burst)

    def take(self, source: str) -> float | None:
        """Take one delivery's token; None if allowed, else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(source, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[source] = (tokens - 1.0, now)
                return None
            self._buckets[source] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        if self.on_limited is not None:
            self.on_limited(source)
        return wait


def retry_after_header(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}
