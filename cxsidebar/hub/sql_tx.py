"""What a SQL backend supplies to `SqlStorage`: transactions and their connection.

An `SqlEngine` hands out `SqlTx` objects: queries in `?` style, how to append
an event, how to store a time. Backends: sqlite.py, postgres.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from cxsidebar.core import EventType
from cxsidebar.hub.storage import EventBounds


class SqlTx(Protocol):
    """One connection, usually inside a transaction. SQL uses `?` placeholders."""

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None: ...

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; returns the number of rows it changed."""
        ...

    def insert_event(
        self, kind: EventType, queue: str | None, escalation_id: str | None, data: str
    ) -> int:
        """Append an event in this transaction; returns its id."""
        ...

    def stamp(self, moment: datetime) -> Any:
        """`moment` as this database stores times."""
        ...


class SqlEngine(Protocol):
    """What a backend supplies to `SqlStorage`."""

    def connection(self) -> AbstractContextManager[SqlTx]:
        """A connection for one statement (each statement sees committed data)."""
        ...

    def reading(self) -> AbstractContextManager[SqlTx]:
        """A read transaction: every query sees one snapshot."""
        ...

    def writing(self) -> AbstractContextManager[SqlTx]:
        """A write transaction, serialised with every other writer; committed at the end."""
        ...

    def event_bounds(self, tx: SqlTx) -> EventBounds:
        """Called inside `reading()`."""
        ...

    def close(self) -> None: ...
