"""The hub's storage interface, the values it returns, and `open_storage`.

Everything the routes need goes through `HubStorage`, so a PostgreSQL backend
can replace the SQLite one without touching a route. Methods are blocking;
async code calls them through a worker thread.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from cxsidebar.core import (
    ClaimInfo,
    Escalation,
    EscalationAccepted,
    EscalationContext,
    EscalationStatus,
    HistoryItem,
    Profile,
    QueueItem,
    RatingBatch,
    RatingBatchResult,
    Summary,
)

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from cxsidebar.core import GroupBy, RatedContext, RatingPage, ReportFilters, ReportRow
    from cxsidebar.hub.sql_ops import PurgeReport, Rotation
    from cxsidebar.hub.sql_rating_list import Cursor


class Role(StrEnum):
    """What a bearer token may do; each role may do everything the ones before it may."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class TokenInfo:
    """Who a bearer token belongs to. The token itself is never stored."""

    name: str
    role: Role
    queues: frozenset[str]  # empty: every queue


@dataclass(frozen=True)
class StoredEvent:
    """One row of the durable events table; `data` is the JSON sent as SSE data."""

    id: int
    type: str
    queue: str | None  # None: for every subscriber (resync)
    escalation_id: str | None
    data: str


@dataclass(frozen=True)
class EventBounds:
    """The ids the events table can replay: (`oldest`, `newest`]."""

    oldest: int | None  # the smallest retained id; None when none is retained
    newest: int  # the largest id ever given out; 0 before the first event

    def can_replay_after(self, last_id: int) -> bool:
        """Whether every event after `last_id` is still in the table."""
        if last_id < 0 or last_id > self.newest:
            return False
        if last_id == self.newest:
            return True
        return self.oldest is not None and last_id >= self.oldest - 1


class StorageError(Exception):
    """Base of the errors a storage reports to the routes."""


class ConflictError(StorageError):
    """The request contradicts what is already stored (same id, different body)."""


class UnknownEscalationError(StorageError):
    """No escalation has that id."""


class AlreadyClaimedError(StorageError):
    """Another agent holds the escalation."""

    def __init__(self, claim: ClaimInfo) -> None:
        super().__init__(f"escalation {claim.escalation_id!r} is claimed by {claim.claimed_by!r}")
        self.claim = claim


class StorageURLError(ValueError):
    """The database URL cannot be opened; the message says why."""


CommitListener = Callable[[], None]


class HubStorage(Protocol):
    """The hub's durable state. Implementations are thread-safe."""

    # Set-up, used by the CLI and the demo.
    def add_source(self, name: str) -> str:
        """Register a bot source and return its new `whsec_` signing secret."""
        ...

    def list_sources(self) -> list[str]: ...

    def source_secrets(self) -> list[str]: ...

    # Operations (sql_ops.py): secret rotation and retention.
    def signing_keys(self) -> list[tuple[str, str]]:
        """(source name, secret) pairs valid now, previous secrets during a rotation included."""
        ...

    def rotate_source(self, name: str, grace_seconds: float) -> Rotation: ...

    def finish_rotation(self, name: str) -> None: ...

    def purge_before(self, cutoff: datetime) -> PurgeReport:
        """Purge transcript text of escalations received before `cutoff` (ratings stay)."""
        ...

    def create_token(self, role: Role | str, name: str, queues: Sequence[str] = ()) -> str:
        """Create a bearer token; only its SHA-256 is stored."""
        ...

    def find_token(self, token: str) -> TokenInfo | None: ...

    def put_customer(self, profile: Profile) -> Profile: ...

    def put_history(self, customer_id: str, items: Sequence[HistoryItem]) -> list[HistoryItem]: ...

    # Escalations.
    def accept_escalation(self, escalation: Escalation, webhook_id: str) -> EscalationAccepted:
        """Store it with its `escalation.created` event in one transaction.

        A repeated webhook id or an identical escalation returns the first
        answer; a different body under a known id raises `ConflictError`.
        """
        ...

    def list_escalations(
        self, status: EscalationStatus | None, queues: frozenset[str] | None
    ) -> list[QueueItem]:
        """Oldest first; `queues` None means every queue."""
        ...

    def get_context(self, escalation_id: str) -> EscalationContext | None: ...

    def escalation_queue(self, escalation_id: str) -> str | None: ...

    def claim(self, escalation_id: str, agent: str) -> ClaimInfo:
        """First claim wins; raises `UnknownEscalationError` or `AlreadyClaimedError`."""
        ...

    def put_summary(self, escalation_id: str, summary: Summary) -> int:
        """Store `summary` as the next version, emit `escalation.updated`; returns the event id."""
        ...

    def summary_versions(self, escalation_id: str) -> list[Summary]:
        """Every stored summary version of an escalation, oldest first."""
        ...

    # Ratings.
    def save_ratings(
        self, agent: str, batch: RatingBatch, idempotency_key: str | None
    ) -> RatingBatchResult:
        """One result per rating; a reused key with a different batch raises `ConflictError`."""
        ...

    # Reports (sql_report_storage.py): `queues` None means every queue.
    def record_context(self, context: EscalationContext) -> EscalationContext:
        """`context` with its `context_version`; a snapshot is stored once per version."""
        ...

    def context_report(
        self, group_by: GroupBy, filters: ReportFilters, queues: frozenset[str] | None
    ) -> list[ReportRow]: ...

    def median_estimated(self, group_by: GroupBy, filters: ReportFilters) -> bool:
        """Whether `context_report` estimates the median time to first action."""
        ...

    def rating_page(
        self,
        filters: ReportFilters,
        queues: frozenset[str] | None,
        *,
        cursor: Cursor | None = None,
        limit: int = 100,
        include_superseded: bool = False,
    ) -> RatingPage:
        """Newest first; `filters.queue` is ignored in favour of `queues`."""
        ...

    def rated_context(self, rating_id: UUID, queues: frozenset[str] | None) -> RatedContext | None:
        """What a rating judged; None if unknown or outside `queues`."""
        ...

    # The event log.
    def events_after(
        self, after_id: int, queues: frozenset[str] | None, limit: int
    ) -> list[StoredEvent]: ...

    def event_bounds(self) -> EventBounds: ...

    def record_resync(self, reason: str) -> int:
        """Emit a `resync` event that every subscriber receives."""
        ...

    def prune_events(self, keep_last: int) -> int:
        """Drop all but the newest `keep_last` events; returns how many were dropped."""
        ...

    def add_commit_listener(self, listener: CommitListener) -> Callable[[], None]:
        """Call `listener` (from any thread) after each commit that added events.

        Returns a function that removes the listener.
        """
        ...

    def close(self) -> None: ...


def canonical_json(value: BaseModel | dict[str, Any] | list[Any]) -> str:
    """JSON with sorted keys and no spaces, so equal content gives equal text."""
    data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(value: BaseModel | dict[str, Any] | list[Any]) -> str:
    return sha256_text(canonical_json(value))


POSTGRES_SCHEMES = ("postgresql", "postgres")


def open_storage(url: str) -> HubStorage:
    """Open the storage a URL names: `sqlite:///relative/path`, `sqlite:////absolute/path`
    or `postgresql://user:password@host:port/database` (libpq's URL form)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise StorageURLError(f"expected a database URL like sqlite:///hub.sqlite3, got {url!r}")
    if scheme in POSTGRES_SCHEMES:
        return _open_postgres(url)
    if scheme != "sqlite":
        raise StorageURLError(
            f"unsupported database {scheme!r} in {_without_password(url)!r}; "
            "expected sqlite:// or postgresql://"
        )
    if not rest.startswith("/"):
        raise StorageURLError(f"expected sqlite:///PATH (three slashes), got {url!r}")
    path_text = rest[1:]
    if path_text in ("", ":memory:") or "?" in path_text:
        raise StorageURLError(f"expected a database file path in {url!r}")
    path = Path(path_text).expanduser()
    if not path.parent.is_dir():
        raise StorageURLError(f"the directory of {str(path)!r} does not exist")
    from cxsidebar.hub.sqlite import SqliteStorage

    return SqliteStorage(path)


def _without_password(url: str) -> str:
    """`url` fit for a message: a password in it is replaced by `***`."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.partition("@")
    if not at or ":" not in userinfo:
        return url
    return f"{scheme}{sep}{userinfo.split(':', 1)[0]}:***@{host}"


def _open_postgres(url: str) -> HubStorage:
    from cxsidebar.hub.postgres import PostgresStorage, PostgresUnavailableError
    from cxsidebar.hub.postgres_schema import SchemaTooNewError

    try:
        return PostgresStorage(url)
    except (PostgresUnavailableError, SchemaTooNewError) as error:
        raise StorageURLError(
            f"cannot open {_without_password(url)!r}: {str(error).replace(url, '***')}"
        ) from None
