"""One LISTEN connection per hub process: it wakes the process's streams.

Writers NOTIFY `cxsidebar_events` with the event id inside the transaction
that adds the event, so the notification goes out at commit. The payload is
only a hint: streams read the events table, so a missed notification costs
at most one heartbeat, never an event. When the connection drops, streams are
woken (they re-read the table) and the listener reconnects with backoff.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

log = logging.getLogger(__name__)

CHANNEL = "cxsidebar_events"
STOP_PAYLOAD = "stop"
APPLICATION_NAME = "cxsidebar-listen"


class EventListener:
    """A daemon thread that calls `wake()` after each committed event, from any process."""

    def __init__(
        self,
        url: str,
        wake: Callable[[], None],
        *,
        connect_timeout: float = 5.0,
        max_backoff: float = 5.0,
    ) -> None:
        self._url = url
        self._wake = wake
        self._connect_timeout = connect_timeout
        self._max_backoff = max_backoff
        self._stop = threading.Event()
        self._listening = threading.Event()
        self.reconnects = 0  # connections after the first; for tests and logs
        self._thread = threading.Thread(target=self._run, name="cxsidebar-pg-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait_listening(self, timeout: float) -> bool:
        """True once LISTEN is in place (again, after a drop)."""
        return self._listening.wait(timeout)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self, notify: Callable[[], None] | None = None, timeout: float = 5.0) -> None:
        """End the thread; `notify` sends the stop payload so it ends without waiting."""
        self._stop.set()
        if notify is not None and self._thread.is_alive():
            try:
                notify()
            except psycopg.Error:
                log.debug("could not send the stop notification", exc_info=True)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        backoff = 0.1
        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._url,
                    autocommit=True,
                    connect_timeout=max(1, round(self._connect_timeout)),
                    application_name=APPLICATION_NAME,
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    backoff = 0.1
                    if not first:
                        self._call_wake()  # anything committed while nobody listened
                        self.reconnects += 1
                    first = False
                    self._listen(conn)
            except psycopg.Error as error:
                if self._stop.is_set():
                    break
                log.warning("the PostgreSQL event listener lost its connection: %s", error)
            self._listening.clear()
            self._call_wake()  # streams re-read the table while this one reconnects
            if self._stop.wait(backoff):
                break
            backoff = min(backoff * 2, self._max_backoff)

    def _listen(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        while not self._stop.is_set():
            # The timeout bounds how long a stop without a stop payload takes.
            for note in conn.notifies(timeout=1.0):
                if self._stop.is_set():
                    return
                if note.payload != STOP_PAYLOAD:
                    self._call_wake()

    def _call_wake(self) -> None:
        try:
            self._wake()
        except Exception:
            log.exception("waking the event streams failed")
