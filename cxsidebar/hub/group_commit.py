"""Group commit: concurrent writes share one transaction, so one fsync serves many.

SQLite with `synchronous = FULL` pays a few milliseconds of fsync per commit,
which capped intake at a few hundred escalations a second however many
threads posted. Here the first writer to arrive leads: it takes every write
waiting (up to `max_batch`), applies them in one transaction and commits once;
the others wait for its commit and then return their own result. Each write
is answered only after the commit that holds it, as before. A `StorageError`
of one write (a conflict, found before it writes anything) is that write's
answer alone; any other failure rolls the transaction back and is every
write's answer.

`apply` takes the whole batch, so it can write it with batch-level SQL
(sql_intake.py: one statement per table per batch); `each` adapts a function
of one item.

On PostgreSQL the batch also runs in pipeline mode (`pipelined`): the leader
holds the write lock, which serialises writers across hub processes, so the
round trips spent under it bound intake; pipelining leaves one per read. An
engine with `writing_pipelined` (`PipelinedWriting`) sends its BEGIN and the
lock in the pipeline too, so they cost no round trip of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar, runtime_checkable

from cxsidebar.hub.sql_tx import SqlEngine, SqlTx
from cxsidebar.hub.storage import StorageError

T = TypeVar("T")
R = TypeVar("R")


@runtime_checkable
class Pipelining(Protocol):
    """A transaction that can send statements without waiting for each answer
    (PostgreSQL's pipeline mode): a statement whose rows are read waits for every
    answer before it; the others are only sent. Inside it a write's row count is unknown."""

    def pipeline(self) -> AbstractContextManager[object]: ...


@runtime_checkable
class PipelinedWriting(Protocol):
    """An engine whose write transaction can run wholly in pipeline mode, its BEGIN and
    lock included (PostgreSQL)."""

    def writing_pipelined(self) -> AbstractContextManager[SqlTx]: ...


def each(apply: Callable[[SqlTx, T], R]) -> Callable[[SqlTx, list[T]], list[R | StorageError]]:
    """A batch `apply` made of a function of one item; a `StorageError` it raises is that
    item's answer (it must raise before the item wrote anything)."""

    def apply_all(tx: SqlTx, items: list[T]) -> list[R | StorageError]:
        results: list[R | StorageError] = []
        for item in items:
            try:
                results.append(apply(tx, item))
            except StorageError as error:
                results.append(error)
        return results

    return apply_all


@dataclass
class _Slot(Generic[T, R]):
    item: T
    result: R | None = None
    error: BaseException | None = None
    done: bool = False
    # Set once: when the slot is done, or when its thread is handed the lead.
    wake: threading.Event = field(default_factory=threading.Event)


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        engine: SqlEngine,
        apply: Callable[[SqlTx, list[T]], list[R | StorageError]],
        *,
        max_batch: int = 128,
        pipelined: bool = False,
    ) -> None:
        """`apply(tx, items)` returns one answer per item, in order: a result, or the
        `StorageError` of an item that wrote nothing. `pipelined`: run the batch in
        pipeline mode where the backend has one, so a write costs no round trip of its
        own; only for an `apply` that never reads the row count of a write."""
        self._engine = engine
        self._apply = apply
        self._max_batch = max_batch
        self._pipelined = pipelined
        self._lock = threading.Lock()
        self._pending: list[_Slot[T, R]] = []
        self._leading = False  # a thread runs a batch, or has been handed the lead

    def submit(self, item: T) -> R:
        """Apply `item` in a shared transaction; returns once that transaction committed.

        Each waiting thread is woken once: when its write is done, or to lead the next
        batch (the first waiting write's thread). Waking every waiter after each batch
        cost a GIL hand-off per waiter, which grew with the number of concurrent posts.
        """
        slot: _Slot[T, R] = _Slot(item)
        with self._lock:
            self._pending.append(slot)
            lead = not self._leading
            self._leading = True
        if not lead:
            slot.wake.wait()  # the leader always wakes it: see the finally below
        if not slot.done:  # this thread leads; its own write is first in the queue
            with self._lock:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
            try:
                self._run(batch)
            finally:
                with self._lock:
                    for done in batch:
                        done.done = True
                    if self._pending:
                        self._pending[0].wake.set()  # not done: it leads the next batch
                    else:
                        self._leading = False
                for done in batch:
                    done.wake.set()
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # set when no error

    def _run(self, batch: list[_Slot[T, R]]) -> None:
        try:
            with self._writing() as tx:
                results = self._apply(tx, [slot.item for slot in batch])
        except BaseException as error:  # rolled back: nothing of this batch was stored
            for slot in batch:
                slot.result, slot.error = None, error
            return
        for slot, result in zip(batch, results, strict=True):
            if isinstance(result, StorageError):
                slot.error = result
            else:
                slot.result = result

    @contextmanager
    def _writing(self) -> Iterator[SqlTx]:
        if self._pipelined and isinstance(self._engine, PipelinedWriting):
            with self._engine.writing_pipelined() as tx:
                yield tx
            return
        with self._engine.writing() as tx, self._pipeline(tx):
            yield tx

    def _pipeline(self, tx: SqlTx) -> AbstractContextManager[object]:
        if self._pipelined and isinstance(tx, Pipelining):
            return tx.pipeline()
        return nullcontext()
