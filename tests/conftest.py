"""Fixtures shared by every test directory; each directory keeps its own extras."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from support.hub import SeededHub
from support.postgres import Databases, PostgresUnavailable, postgres_databases

# Short, so stream tests see pings quickly and reconnect logic is exercised fast.
TEST_HEARTBEAT = 0.2


@pytest.fixture(scope="session")
def postgres() -> Iterator[Databases]:
    """A PostgreSQL server for the whole run: `CXSIDEBAR_TEST_PG_URL`, or one started
    here as a non-root user in a temporary directory. Without PostgreSQL the tests
    that need it skip locally and fail in CI (CI=true)."""
    try:
        with postgres_databases() as databases:
            yield databases
    except PostgresUnavailable as error:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL is needed in CI: {error}", pytrace=False)
        pytest.skip(f"no PostgreSQL here: {error}")


@pytest.fixture
def pg_url(postgres: Databases) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test, dropped afterwards."""
    with postgres.fresh() as url:
        yield url


@pytest.fixture
def hub_factory(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., SeededHub]]:
    """Make started hubs (`hub_factory(name, heartbeat=..., db=...)`); all are stopped at
    teardown. `db="postgresql"` puts the hub on a fresh PostgreSQL database (dropped
    after the hubs stopped)."""
    made: list[SeededHub] = []
    with ExitStack() as databases:

        def make(name: str = "hub", *, db: str = "sqlite", **options: Any) -> SeededHub:
            options.setdefault("heartbeat", TEST_HEARTBEAT)
            if db == "postgresql" and "db_url" not in options:
                server: Databases = request.getfixturevalue("postgres")
                options["db_url"] = databases.enter_context(server.fresh())
            hub = SeededHub(tmp_path / name, **options)
            made.append(hub)
            return hub.start()

        yield make
        for hub in made:
            hub.stop()


@pytest.fixture
def hub(hub_factory: Callable[..., SeededHub]) -> SeededHub:
    """A started hub on a fresh database, with `.url`, `.agent_token`, `.admin_token`,
    `.source_secret` and `.post(body)`; heartbeat 0.2 s."""
    return hub_factory()
