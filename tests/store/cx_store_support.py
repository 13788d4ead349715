"""Helpers for the store tests (a module of its own: test modules must not import conftest)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cxsidebar.core import Rating


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


MakeRating = Callable[..., Rating]
