"""Large synthetic rating sets for benchmarks: `cxsidebar-hub generate-ratings`.

Writes escalations, ratings and their facts straight into a hub database in bulk
(one transaction and executemany on SQLite, COPY on PostgreSQL), then rebuilds the
report rollups and cube from every fact in SQL (rollup_schema.REBUILD and
cube_schema.REBUILD). The set is shaped like a contact centre: agents work in one
queue, flows belong to a queue and escalate for their own reasons, a few ratings
are edits that supersede an earlier one. The bodies are the canonical JSON the hub
itself would store.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sqlite3
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import psycopg

from cxsidebar.core import NO_SUMMARY, Outcome, Problem, ReasonKind, Repeated
from cxsidebar.hub import cube_schema, rollup_schema
from cxsidebar.hub.rating_facts import (
    FACT_COLUMNS,
    INSERT_FACTS,
    PARTS,
    PROBLEM_BITS,
    REASON_BITS,
    REPEATED_BITS,
    day_and_week,
    mask_of,
)
from cxsidebar.hub.storage import POSTGRES_SCHEMES, StorageURLError, open_storage

CHANNELS = ("chat", "chat", "chat", "voice", "voice", "email")
SUMMARISERS = ("llm", "llm", "extractive", NO_SUMMARY)
ESCALATION_COLUMNS = (
    "id",
    "queue",
    "channel",
    "customer_id",
    "status",
    "claimed_by",
    "claimed_at",
    "body",
    "body_hash",
    "item",
    "created_event_id",
    "created_at",
    "received_at",
)
RATING_COLUMNS = ("id", "escalation_id", "agent", "body", "body_hash", "received_at")
REBUILD = (*rollup_schema.REBUILD, *cube_schema.REBUILD)


@dataclass(frozen=True)
class Shape:
    """How many ratings, over which days, among how many queues, flows and agents."""

    count: int
    days: int = 365
    end: date = date(2026, 11, 1)  # the day after the last one
    queues: int = 10
    flows_per_queue: int = 4
    agents: int = 200
    edit_share: float = 0.05  # ratings that replace an earlier rating of the same agent
    seed: int = 1


@dataclass(frozen=True)
class Generated:
    ratings: int
    escalations: int
    seconds: float


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class _Flow:
    queue: str
    name: str
    reasons: list[dict[str, Any]]  # as the escalation body has them
    reason_mask: int


class _Clock:
    """Whole seconds since the first day, formatted fast: the set is large."""

    def __init__(self, start: date, days: int) -> None:
        self.days = [(start + timedelta(days=d)).isoformat() for d in range(days + 2)]
        self.weeks = [
            day_and_week(datetime.fromisoformat(d + "T00:00:00+00:00"))[1] for d in self.days
        ]

    def texts(self, second: int) -> tuple[str, str, str, str]:
        """(body time, stored time, day, week) of a moment."""
        day, rest = divmod(second, 86400)
        hour, rest = divmod(rest, 3600)
        clock = f"{self.days[day]}T{hour:02}:{rest // 60:02}:{rest % 60:02}"
        return f"{clock}Z", f"{clock}.000000+00:00", self.days[day], self.weeks[day]


class _Rows:
    """The rows of each table, made in one pass with a seeded random generator.

    Times are stored as UTC text, which SQLite stores as is and PostgreSQL's COPY parses.
    """

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.rng = random.Random(shape.seed)
        kinds = list(ReasonKind)
        self.flows = []
        for q in range(shape.queues):
            for f in range(shape.flows_per_queue):
                chosen = self.rng.sample(kinds, self.rng.choice((1, 1, 2)))
                self.flows.append(
                    _Flow(
                        f"queue-{q}",
                        f"flow-{q}-{f}",
                        [{"detail": "", "kind": k.value, "value": None} for k in chosen],
                        mask_of(chosen, REASON_BITS),
                    )
                )
        per_queue = max(1, shape.agents // shape.queues)
        self.agents = {
            f"queue-{q}": [f"Agent {q * per_queue + a}" for a in range(per_queue)]
            for q in range(shape.queues)
        }
        self.clock = _Clock(shape.end - timedelta(days=shape.days), shape.days)
        self.escalations: list[list[Any]] = []
        self.ratings: list[list[Any]] = []
        self.facts: list[list[Any]] = []

    def make(self) -> None:
        n = 0
        while n < self.shape.count:
            n += self._escalation(len(self.escalations), self.shape.count - n)

    def _escalation(self, index: int, room: int) -> int:
        rng = self.rng
        flow = rng.choice(self.flows)
        channel = rng.choice(CHANNELS)
        created = rng.randrange(self.shape.days * 86400)
        created_text, created_stamp, _, _ = self.clock.texts(created)
        esc_id = f"gen-{self.shape.seed}-{index}"
        customer = f"cust-{index % 50_000}"
        body = _dumps(
            {
                "bot": {"flow": flow.name, "note_to_agent": "", "platform": "generator"},
                "channel": channel,
                "created_at": created_text,
                "customer": {"display_name": "", "id": customer},
                "id": esc_id,
                "language": "en",
                "queue": flow.queue,
                "reasons": flow.reasons,
                "transcript": [],
            }
        )
        item = _dumps(
            {
                "channel": channel,
                "created_at": created_text,
                "customer_display_name": "",
                "escalation_id": esc_id,
                "queue": flow.queue,
                "reasons": flow.reasons,
            }
        )
        team = self.agents[flow.queue]
        raters = rng.sample(team, min(room, rng.choice((1, 1, 2)), len(team)))
        self.escalations.append(
            [
                esc_id,
                flow.queue,
                channel,
                customer,
                "claimed",
                raters[0],
                created_stamp,
                body,
                _sha(body),
                item,
                0,
                created_stamp,
                created_stamp,
            ]
        )
        made = 0
        summariser = rng.choice(SUMMARISERS)
        for agent in raters:
            at = created + rng.randrange(60, 1800)
            old = self._rating(esc_id, agent, at, flow, channel, summariser, None)
            made += 1
            if made < room and rng.random() < self.shape.edit_share:
                at += rng.randrange(60, 3600)
                self._rating(esc_id, agent, at, flow, channel, summariser, old)
                made += 1
        return made

    def _rating(
        self,
        esc_id: str,
        agent: str,
        at: int,
        flow: _Flow,
        channel: str,
        summariser: str,
        supersedes: str | None,
    ) -> str:
        rng = self.rng
        rating_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        overall = rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 3, 4, 3))[0]
        parts = {
            part: (None if rng.random() < 0.3 else max(1, min(5, overall + rng.randint(-1, 1))))
            for part in PARTS
        }
        repeated = (
            sorted(rng.sample(REPEATED, rng.choice((1, 1, 2))), key=REPEATED_BITS.__getitem__)
            if rng.random() < 0.25
            else []
        )
        problems = (
            sorted(rng.sample(PROBLEMS, rng.choice((1, 2))), key=PROBLEM_BITS.__getitem__)
            if overall <= 3 and rng.random() < 0.6
            else []
        )
        outcome = rng.choice(OUTCOMES)
        first_action = int(rng.lognormvariate(9, 0.8)) if rng.random() < 0.9 else None
        rate_ms = (first_action or 0) + int(rng.lognormvariate(10, 0.5))
        summary_version = None if summariser == NO_SUMMARY else 1
        at_text, at_stamp, day, week = self.clock.texts(at)
        body = _dumps(
            {
                "comment": "",
                "context_version": None,
                "created_at": at_text,
                "customer_repeated": bool(repeated),
                "escalation_id": esc_id,
                "first_action_ms": first_action,
                "id": rating_id,
                "outcome": outcome,
                "overall": overall,
                "parts": parts,
                "problems": [p.value for p in problems],
                "rate_ms": rate_ms,
                "repeated": [r.value for r in repeated],
                "summary_version": summary_version,
                "supersedes": supersedes,
            }
        )
        received = self.clock.texts(at + 2)[1]
        self.ratings.append([rating_id, esc_id, agent, body, _sha(body), received])
        if supersedes is not None:
            self.facts[-1][-1] = 0  # the rating it replaces is no longer current
        self.facts.append(
            [
                rating_id,
                esc_id,
                agent,
                at_stamp,
                received,
                day,
                week,
                flow.queue,
                channel,
                flow.name,
                flow.reason_mask,
                summariser,
                overall,
                *(parts[part] for part in PARTS),
                int(bool(repeated)),
                mask_of(repeated, REPEATED_BITS),
                mask_of(problems, PROBLEM_BITS),
                outcome,
                first_action,
                rate_ms,
                None,
                summary_version,
                supersedes,
                1,
            ]
        )
        return rating_id


REPEATED = list(Repeated)
PROBLEMS = list(Problem)
OUTCOMES = (Outcome.RESOLVED.value, Outcome.RESOLVED.value, Outcome.FOLLOW_UP.value, None)


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608 (constants)


def generate_ratings(url: str, shape: Shape) -> Generated:
    """Add `shape.count` ratings (and their escalations) to the hub database at `url`."""
    started = time.perf_counter()
    open_storage(url).close()  # creates or migrates the schema
    rows = _Rows(shape)
    rows.make()
    if url.partition("://")[0] in POSTGRES_SCHEMES:
        _copy_postgres(url, rows)
    else:
        _bulk_sqlite(url.partition("://")[2][1:], rows)
    return Generated(
        ratings=len(rows.ratings),
        escalations=len(rows.escalations),
        seconds=time.perf_counter() - started,
    )


def _bulk_sqlite(path: str, rows: _Rows) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        # A bulk load: a cache big enough for the indexes saves most of the I/O.
        conn.execute("PRAGMA cache_size = -1000000")
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_insert("escalations", ESCALATION_COLUMNS), rows.escalations)
        conn.executemany(_insert("ratings", RATING_COLUMNS), rows.ratings)
        conn.executemany(INSERT_FACTS, rows.facts)
        for sql in REBUILD:  # the rollups and the cube of every fact, old and new
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


def _copy_postgres(url: str, rows: _Rows) -> None:
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        for table, columns, data in (
            ("escalations", ESCALATION_COLUMNS, rows.escalations),
            ("ratings", RATING_COLUMNS, rows.ratings),
            ("rating_facts", FACT_COLUMNS, rows.facts),
        ):
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
        for sql in REBUILD:  # the rollups and the cube of every fact, old and new
            cursor.execute(sql)
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {text!r}")
    return value


def _generate(args: argparse.Namespace) -> int:
    shape = Shape(count=args.count, days=args.days, seed=args.seed)
    try:
        done = generate_ratings(args.db, shape)
    except StorageURLError as error:
        print(f"cxsidebar-hub: --db: {error}", file=sys.stderr)
        return 2
    except (sqlite3.IntegrityError, psycopg.errors.UniqueViolation):
        print(
            f"cxsidebar-hub: the database has the ratings of --seed {shape.seed} already; "
            "add more with another seed",
            file=sys.stderr,
        )
        return 2
    print(
        f"Added {done.ratings} ratings of {done.escalations} escalations "
        f"over {shape.days} days in {done.seconds:.1f} s."
    )
    return 0


def add_command(commands: Any, db_help: str) -> None:
    """`cxsidebar-hub generate-ratings --db URL --count N [--days D] [--seed S]`."""
    generate = commands.add_parser(
        "generate-ratings", help="add a large synthetic rating set (for benchmarks)"
    )
    generate.add_argument("--db", required=True, help=db_help)
    generate.add_argument("--count", type=_positive_int, required=True, metavar="N")
    generate.add_argument("--days", type=_positive_int, default=365, metavar="D")
    generate.add_argument("--seed", type=int, default=1)
    generate.set_defaults(func=_generate)
