"""Fixtures for the local store: a controllable clock, a store in tmp_path, ratings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cx_store_support import FakeClock, MakeRating

from cxsidebar.core import Rating
from cxsidebar.store import LocalStore


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "not-yet" / "sidebar.sqlite3"


@pytest.fixture
def store(db_path: Path, clock: FakeClock) -> Iterator[LocalStore]:
    local = LocalStore(db_path, clock=clock)
    yield local
    local.close()


@pytest.fixture
def make_rating(clock: FakeClock) -> MakeRating:
    def make(escalation_id: str = "esc-1", overall: int = 4, **fields: object) -> Rating:
        return Rating(
            id=fields.pop("id", uuid.uuid4()),
            escalation_id=escalation_id,
            created_at=clock(),
            overall=overall,
            **fields,
        )

    return make
