"""Backoff jitter bounds (seeded), Retry-After parsing and delay wording."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from cxsidebar.client import Backoff, format_delay, parse_retry_after


@pytest.mark.parametrize("attempt", range(10))
def test_full_jitter_stays_within_zero_and_the_ceiling(attempt: int) -> None:
    backoff = Backoff(base=1.0, cap=60.0, jitter="full", rng=random.Random(attempt))
    ceiling = min(60.0, 2.0**attempt)
    draws = [backoff.delay(attempt) for _ in range(500)]
    assert all(0.0 <= d <= ceiling for d in draws)
    assert min(draws) < 0.1 * ceiling  # spread over the whole range, not bunched
    assert max(draws) > 0.9 * ceiling


@pytest.mark.parametrize("attempt", range(10))
def test_equal_jitter_never_retries_at_once(attempt: int) -> None:
    backoff = Backoff(base=1.0, cap=60.0, jitter="equal", rng=random.Random(attempt))
    ceiling = min(60.0, 2.0**attempt)
    draws = [backoff.delay(attempt) for _ in range(500)]
    assert all(ceiling / 2 <= d <= ceiling for d in draws)


def test_the_ceiling_doubles_up_to_the_cap() -> None:
    backoff = Backoff(base=1.0, cap=60.0)
    assert [backoff.ceiling(n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff.ceiling(10_000) == 60.0  # no overflow
    assert backoff.ceiling(0, base=0.5) == 0.5  # the server's `retry:` replaces the base
    assert backoff.ceiling(0, base=600) == 60.0  # but not beyond the cap


def test_a_seed_makes_the_delays_reproducible() -> None:
    first = Backoff(jitter="full", rng=random.Random(7))
    second = Backoff(jitter="full", rng=random.Random(7))
    assert [first.delay(n) for n in range(6)] == [second.delay(n) for n in range(6)]


def test_base_must_be_positive_and_below_the_cap() -> None:
    with pytest.raises(ValueError, match="base"):
        Backoff(base=0.0)
    with pytest.raises(ValueError, match="base"):
        Backoff(base=10.0, cap=1.0)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 3 ") == 3.0
    assert parse_retry_after("Mon, 05 Jan 2026 09:00:30 GMT", now) == 30.0
    assert parse_retry_after("Mon, 05 Jan 2026 08:00:00 GMT", now) == 0.0
    assert parse_retry_after("-5") is None
    assert parse_retry_after("later") is None
    assert parse_retry_after(None) is None


def test_delays_read_well() -> None:
    assert format_delay(0.3) == "0.3 s"
    assert format_delay(4.4) == "4 s"
    assert format_delay(59.6) == "60 s"
    assert format_delay(300) == "5 min"
    assert format_delay(0.02) == "a moment"
