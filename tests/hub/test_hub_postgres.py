"""What only the PostgreSQL backend has: its migration runner and its URL handling."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from cxsidebar.hub import open_storage
from cxsidebar.hub.postgres_schema import MIGRATIONS, SchemaTooNewError, migrate
from cxsidebar.hub.storage import StorageURLError

pytestmark = pytest.mark.postgresql


def test_hubs_starting_together_apply_each_migration_once(pg_url: str):
    start = threading.Barrier(4)

    def open_and_close(_: int) -> None:
        start.wait(10)
        open_storage(pg_url).close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(open_and_close, range(4)))
    with psycopg.connect(pg_url, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT version, name FROM schema_migrations ORDER BY version"
        ).fetchall()
    assert rows == [(version, name) for version, name, _ in MIGRATIONS]


def test_reopening_applies_nothing_and_keeps_the_data(pg_url: str):
    storage = open_storage(pg_url)
    storage.add_source("bot")
    storage.close()
    with psycopg.connect(pg_url, autocommit=True, connect_timeout=5) as conn:
        assert migrate(conn) == []
    again = open_storage(pg_url.replace("postgresql://", "postgres://", 1))
    try:
        assert again.list_sources() == ["bot"]
    finally:
        again.close()


def test_a_database_from_a_newer_hub_is_refused(pg_url: str):
    open_storage(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (%s, 'from the future')",
            [len(MIGRATIONS) + 1],
        )
        with pytest.raises(SchemaTooNewError, match="newer than this hub knows"):
            migrate(conn)
    with pytest.raises(StorageURLError, match="upgrade the hub"):
        open_storage(pg_url)
