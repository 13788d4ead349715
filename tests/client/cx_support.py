"""Helpers for the client tests: sample domain objects, a recording listener, a loop thread."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from cxsidebar.core import (
    BotInfo,
    ClaimInfo,
    ConnectionState,
    CustomerRef,
    Escalation,
    EscalationContext,
    EscalationStatus,
    HistoryItem,
    HubEvent,
    Identity,
    Profile,
    QueueItem,
    Rating,
    Reason,
    ReasonKind,
    Speaker,
    Summary,
    SyncState,
    Turn,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def escalation(escalation_id: str = "esc-1", queue: str = "billing") -> Escalation:
    return Escalation(
        id=escalation_id,
        queue=queue,
        channel="chat",
        created_at=T0,
        bot=BotInfo(platform="acme-bot", flow="refunds", note_to_agent="asked twice"),
        customer=CustomerRef(id="cust-7", display_name="Dana Ng"),
        reasons=[Reason(kind=ReasonKind.PAYMENT_THRESHOLD, detail="over limit", value=740)],
        transcript=[
            Turn(id="t1", at=T0, speaker=Speaker.CUSTOMER, text="I want my money back"),
            Turn(id="t2", at=T0, speaker=Speaker.BOT, text="Let me check", intent="refund"),
        ],
    )


def queue_item(escalation_id: str = "esc-1", queue: str = "billing") -> QueueItem:
    return QueueItem.of(escalation(escalation_id, queue))


def context(escalation_id: str = "esc-1", queue: str = "billing") -> EscalationContext:
    return EscalationContext(
        escalation=escalation(escalation_id, queue),
        status=EscalationStatus.OPEN,
        profile=Profile(id="cust-7", display_name="Dana Ng", tier="gold", vip=True),
        history=[HistoryItem(id="h1", kind="ticket", title="Late refund", opened_at=T0)],
        summary=Summary(kind="extractive", text="Wants a refund of 740."),
    )


def claim_info(escalation_id: str = "esc-1", holder: str = "Sam") -> ClaimInfo:
    return ClaimInfo(
        escalation_id=escalation_id,
        queue="billing",
        claimed_by=holder,
        claimed_at=T0 + timedelta(minutes=1),
    )


def rating(escalation_id: str = "esc-1", overall: int = 4, **fields: Any) -> Rating:
    return Rating(
        id=fields.pop("id", uuid.uuid4()),
        escalation_id=escalation_id,
        created_at=T0,
        overall=overall,
        **fields,
    )


class RecordingListener:
    """Implements WorkerListener; records every call, lets a test wait for one."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.cond = threading.Condition()
        self.threads: set[int] = set()  # the threads the calls came from

    def _record(self, name: str, *args: Any) -> None:
        with self.cond:
            self.calls.append((name, args))
            self.threads.add(threading.get_ident())
            self.cond.notify_all()

    def of(self, name: str) -> list[tuple[Any, ...]]:
        with self.cond:
            return [args for call, args in self.calls if call == name]

    def states(self) -> list[ConnectionState]:
        return [args[0] for args in self.of("on_connection")]

    def details(self) -> list[str]:
        return [args[1] for args in self.of("on_connection")]

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
        with self.cond:
            ok = self.cond.wait_for(predicate, timeout)
        assert ok, f"timed out; calls so far: {self.calls}"

    def wait_for_call(self, name: str, count: int = 1, timeout: float = 15.0) -> list[Any]:
        self.wait_until(lambda: len(self.of(name)) >= count, timeout)
        return self.of(name)

    def on_connection(self, state: ConnectionState, detail: str) -> None:
        self._record("on_connection", state, detail)

    def on_summary_regenerate_failed(self, escalation_id: str, message: str) -> None:
        self._record("on_summary_regenerate_failed", escalation_id, message)

    def on_identity(self, identity: Identity) -> None:
        self._record("on_identity", identity)

    def on_snapshot(self, items: list[QueueItem]) -> None:
        self._record("on_snapshot", items)

    def on_event(self, event: HubEvent) -> None:
        self._record("on_event", event)

    def on_context(self, context: EscalationContext) -> None:
        self._record("on_context", context)

    def on_context_failed(self, escalation_id: str, message: str) -> None:
        self._record("on_context_failed", escalation_id, message)

    def on_claimed(self, info: ClaimInfo) -> None:
        self._record("on_claimed", info)

    def on_claim_failed(self, escalation_id: str, message: str) -> None:
        self._record("on_claim_failed", escalation_id, message)

    def on_rating_saved(self, rating_id: uuid.UUID) -> None:
        self._record("on_rating_saved", rating_id)

    def on_rating_save_failed(self, rating_id: uuid.UUID, message: str) -> None:
        self._record("on_rating_save_failed", rating_id, message)

    def on_sync(self, state: SyncState) -> None:
        self._record("on_sync", state)


class LoopThread:
    """Runs one coroutine on a fresh event loop in a thread, until it ends or `stop()`."""

    def __init__(self, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._make = make
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self.finished = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="test-loop", daemon=True)

    def __enter__(self) -> LoopThread:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = self._loop
        try:
            self._task = loop.create_task(self._make())
            loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        except BaseException as exc:
            self.error = exc
        finally:
            self.finished.set()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        if not self.finished.is_set():
            self._loop.call_soon_threadsafe(self._cancel)
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the test loop did not stop"
        if self.error is not None:
            raise self.error

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
