"""Ratings: per-item results, idempotent per rating id and per Idempotency-Key.

One current rating per (escalation, agent). A rating whose `supersedes` names the
current one replaces it: both are kept, only the newest is counted (its
`rating_facts.current` is 1). Functions take a connection inside the caller's
write transaction.

A batch is saved batch-wise: what the items need (existing rating ids, their
escalations, the agent's current ratings, rated summary versions) is read once
with `IN (...)` lists, the items are decided one after another in memory (so two
items of a batch that interact behave as if sent one after the other), and the
writes go out as a few multi-row statements. The report rollups (rollups.py) and
cube (cube.py) change in the same transaction: the batch's changes are summed in
memory first, then written as multi-row upserts, one row per row touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from cxsidebar.core import Rating, RatingBatch, RatingBatchResult, RatingResult
from cxsidebar.hub import cube, rollups
from cxsidebar.hub.rating_facts import (
    FACT_COLUMNS,
    escalation_attributes,
    fact_values,
    insert_facts_sql,
    summariser_of,
)
from cxsidebar.hub.sql_tx import SqlTx
from cxsidebar.hub.storage import ConflictError, canonical_json, sha256_text

T = TypeVar("T")

# Parameters per statement: SQLite builds before 3.32 allow 999.
MAX_VARIABLES = 999
_RATING_COLUMNS = ("id", "escalation_id", "agent", "body", "body_hash", "received_at")


def chunks(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _select_in(
    tx: SqlTx, sql: str, values: Iterable[str], before: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    """`sql` ends in `IN ({})`; run once per chunk of the distinct `values`."""
    distinct = sorted(set(values))
    out: list[dict[str, Any]] = []
    for part in chunks(distinct, max(1, MAX_VARIABLES - len(before))):
        out.extend(tx.rows(sql.format(_marks(len(part))), [*before, *part]))
    return out


def batch_hash(bodies: Sequence[str]) -> str:
    """`content_hash(RatingBatch(...))` from the canonical JSON of its ratings."""
    return sha256_text('{"ratings":[' + ",".join(bodies) + "]}")


def save_ratings(
    tx: SqlTx, agent: str, batch: RatingBatch, idempotency_key: str | None, now: Any
) -> RatingBatchResult:
    """`now`: the time to record, as the backend stores times."""
    bodies = [canonical_json(rating) for rating in batch.ratings]
    request_hash = batch_hash(bodies)
    if idempotency_key is not None:
        seen = tx.one(
            "SELECT request_hash, response FROM idempotency_keys WHERE agent = ? AND key = ?",
            [agent, idempotency_key],
        )
        if seen is not None:
            if seen["request_hash"] != request_hash:
                raise ConflictError("this Idempotency-Key was already used for a different request")
            return RatingBatchResult.model_validate_json(seen["response"])
    saver = _BatchSaver(tx, agent, now)
    answer = RatingBatchResult(results=saver.save(batch.ratings, bodies))
    if idempotency_key is not None:
        tx.execute(
            "INSERT INTO idempotency_keys (agent, key, request_hash, response, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [agent, idempotency_key, request_hash, answer.model_dump_json(), now],
        )
    return answer


def _rejected(rating: Rating, reason: str) -> RatingResult:
    return RatingResult(id=rating.id, status="rejected", reason=reason)


class _BatchSaver:
    """One batch of one agent: read once, decide item by item, write at the end."""

    def __init__(self, tx: SqlTx, agent: str, now: Any) -> None:
        self.tx = tx
        self.agent = agent
        self.now = now
        self.known: dict[str, tuple[str, str]] = {}  # rating id → (agent, body hash)
        self.escalations: dict[str, dict[str, Any]] = {}
        self.attributes: dict[str, tuple[str, int]] = {}  # escalation id → (flow, reason mask)
        self.summaries: dict[tuple[str, int], str] = {}
        self.current: dict[str, str] = {}  # escalation id → the agent's current rating id
        self.owners: dict[str, tuple[str, str]] = {}  # new rating id → (escalation id, agent)
        self.demoted: list[str] = []  # stored ratings this batch supersedes
        self.ratings: list[list[Any]] = []
        self.facts: dict[str, list[Any]] = {}  # new rating id → its fact row

    def save(self, ratings: Sequence[Rating], bodies: Sequence[str]) -> list[RatingResult]:
        self._load(ratings)
        results = [
            self._decide(rating, body, sha256_text(body))
            for rating, body in zip(ratings, bodies, strict=True)
        ]
        self._write()
        return results

    def _load(self, ratings: Sequence[Rating]) -> None:
        tx = self.tx
        for row in _select_in(
            tx,
            "SELECT id, agent, body_hash FROM ratings WHERE id IN ({})",
            (str(r.id) for r in ratings),
        ):
            self.known[str(row["id"])] = (row["agent"], row["body_hash"])
        new = [r for r in ratings if str(r.id) not in self.known]
        escalation_ids = {r.escalation_id for r in new}
        for row in _select_in(
            tx, "SELECT id, queue, channel, body FROM escalations WHERE id IN ({})", escalation_ids
        ):
            self.escalations[row["id"]] = row
        for row in _select_in(
            tx,
            "SELECT escalation_id, rating_id FROM rating_facts "
            "WHERE agent = ? AND current = 1 AND escalation_id IN ({})",
            escalation_ids,
            [self.agent],
        ):
            self.current[row["escalation_id"]] = str(row["rating_id"])
        wanted = {
            (r.escalation_id, r.summary_version) for r in new if r.summary_version is not None
        }
        if wanted:
            for row in _select_in(
                tx,
                "SELECT escalation_id, version, summary FROM summary_versions "
                "WHERE escalation_id IN ({})",
                (escalation_id for escalation_id, _ in wanted),
            ):
                key = (row["escalation_id"], int(row["version"]))
                if key in wanted:
                    self.summaries[key] = row["summary"]

    def _decide(self, rating: Rating, body: str, body_hash: str) -> RatingResult:
        rating_id = str(rating.id)
        existing = self.known.get(rating_id)
        if existing is not None:
            if existing == (self.agent, body_hash):
                return RatingResult(id=rating.id, status="duplicate")
            return _rejected(rating, "a different rating already has this id")
        escalation = self.escalations.get(rating.escalation_id)
        if escalation is None:
            return _rejected(rating, f"unknown escalation {rating.escalation_id!r}")
        current_id = self.current.get(rating.escalation_id)
        if rating.supersedes is None and current_id is not None:
            return _rejected(
                rating,
                f"escalation {rating.escalation_id!r} already has your rating {current_id}; "
                "an edit must name it in supersedes",
            )
        if rating.supersedes is not None and str(rating.supersedes) != current_id:
            return _rejected(rating, self._why_not_supersedable(rating, current_id))
        if current_id is not None:
            self._demote(current_id)
        self._add(rating, escalation, body, body_hash)
        return RatingResult(id=rating.id, status="created")

    def _demote(self, rating_id: str) -> None:
        fact = self.facts.get(rating_id)
        if fact is None:
            self.demoted.append(rating_id)
        else:  # created earlier in this batch: inserted as already superseded
            fact[_CURRENT] = 0

    def _add(self, rating: Rating, escalation: dict[str, Any], body: str, body_hash: str) -> None:
        rating_id, escalation_id = str(rating.id), rating.escalation_id
        self.known[rating_id] = (self.agent, body_hash)
        self.current[escalation_id] = rating_id
        self.owners[rating_id] = (escalation_id, self.agent)
        self.ratings.append([rating_id, escalation_id, self.agent, body, body_hash, self.now])
        if escalation_id not in self.attributes:
            self.attributes[escalation_id] = escalation_attributes(escalation["body"])
        flow, reason_mask = self.attributes[escalation_id]
        version = rating.summary_version
        summary = None if version is None else self.summaries.get((escalation_id, version))
        self.facts[rating_id] = fact_values(
            rating,
            agent=self.agent,
            queue=escalation["queue"],
            channel=escalation["channel"],
            flow=flow,
            reason_mask=reason_mask,
            summariser=summariser_of(summary),
            created_at=self.tx.stamp(rating.created_at),
            received_at=self.now,
            current=True,
        )

    def _why_not_supersedable(self, rating: Rating, current_id: str | None) -> str:
        named = str(rating.supersedes)
        owner = self.owners.get(named)
        if owner is None:
            row = self.tx.one(
                "SELECT escalation_id, agent FROM rating_facts WHERE rating_id = ?", [named]
            )
            if row is None:
                return f"supersedes names an unknown rating {named}"
            owner = (row["escalation_id"], row["agent"])
        if owner != (rating.escalation_id, self.agent):
            return f"supersedes names rating {named}, which is not yours for this escalation"
        return f"rating {named} was already superseded; the current one is {current_id}"

    def _write(self) -> None:
        """Superseded stored ratings first, so the one-current index never sees two;
        then the rollups gain the new current facts and lose the superseded ones."""
        tx = self.tx
        removed = _select_in(
            tx,
            f"SELECT {', '.join(rollups.FACT_INPUTS)} FROM rating_facts "  # noqa: S608 (constants)
            "WHERE current = 1 AND rating_id IN ({})",
            self.demoted,
        )
        for part in chunks(self.demoted, MAX_VARIABLES):
            tx.execute(
                f"UPDATE rating_facts SET current = 0 WHERE rating_id IN ({_marks(len(part))})",  # noqa: S608
                part,
            )
        _insert_rows(tx, _insert_ratings_sql, len(_RATING_COLUMNS), self.ratings)
        _insert_rows(tx, insert_facts_sql, len(FACT_COLUMNS), list(self.facts.values()))
        added = [dict(zip(FACT_COLUMNS, row, strict=True)) for row in self.facts.values()]
        places = rollups.place_sums((fact for fact in added if fact["current"]), removed)
        changes = rollups.sum_by_key(places, rollups.keys_of)
        _insert_rows(
            tx, rollups.upsert_sql, len(rollups.ROLLUP_COLUMNS), rollups.upsert_rows(changes)
        )
        cells = rollups.sum_by_key(places, cube.keys_of)
        _insert_rows(tx, cube.upsert_sql, len(cube.CUBE_COLUMNS), rollups.upsert_rows(cells))


_CURRENT = FACT_COLUMNS.index("current")


def _insert_ratings_sql(rows: int) -> str:
    values = ", ".join([f"({_marks(len(_RATING_COLUMNS))})"] * rows)
    return f"INSERT INTO ratings ({', '.join(_RATING_COLUMNS)}) VALUES {values}"  # noqa: S608


def _insert_rows(
    tx: SqlTx, sql_for: Callable[[int], str], width: int, rows: Sequence[list[Any]]
) -> None:
    for part in chunks(rows, max(1, MAX_VARIABLES // width)):
        tx.execute(sql_for(len(part)), [value for row in part for value in row])
