"""A small asyncio TCP proxy on 127.0.0.1 that misbehaves on purpose, for fault tests.

Each new connection gets a fault from `plan(connection_number)`:
- "pass": forward both ways;
- "delay": forward, holding every chunk back a little;
- "reset": accept, then drop the connection at once;
- "blackhole": accept and read, never forward nor answer (a half-open link);
- "drop_ratings_answer": forward, but when the hub starts answering a
  `POST /v1/ratings`, close the connection instead (the hub has committed,
  the sidebar never hears so); `on_dropped` is called then.
Everything runs on one background thread and stops with `stop()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable

from cxsidebar.demo.hubthread import free_port

Plan = Callable[[int], str]


class FaultProxy:
    def __init__(
        self,
        upstream_port: int,
        plan: Plan = lambda n: "pass",
        *,
        delay: float = 0.05,
        on_dropped: Callable[[], None] | None = None,
        drop_limit: int = 1,
    ) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.plan = plan
        self.delay = delay
        self.on_dropped = on_dropped
        self.drop_limit = drop_limit  # how many ratings answers to swallow in all
        self.faults: list[str] = []  # what each connection got, in order
        self.dropped_answers = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fault-proxy", daemon=True
        )
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()  # every socket, closed at stop

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def cut(self) -> None:
        """Close every open connection now; new ones get what the plan says."""
        asyncio.run_coroutine_threadsafe(self._cut(), self._loop).result(10)

    async def _cut(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()
        for _ in range(3):  # let the closed transports release their sockets
            await asyncio.sleep(0)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        fault = self.plan(len(self.faults))
        self.faults.append(fault)
        try:
            await self._serve(fault, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client, the hub or stop() ended it
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(
        self, fault: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if fault == "reset":
            return
        if fault == "blackhole":
            while await reader.read(65536):  # until the client gives up
                pass
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers.add(up_writer)
        armed = asyncio.Event()  # a ratings POST went up on this connection

        async def upstream() -> None:
            while data := await reader.read(65536):
                if (
                    fault == "drop_ratings_answer"
                    and b"POST /v1/ratings" in data[:64]
                    and self.dropped_answers < self.drop_limit
                ):
                    armed.set()
                if fault == "delay":
                    await asyncio.sleep(self.delay)
                up_writer.write(data)
                await up_writer.drain()
            up_writer.close()

        async def downstream() -> None:
            while data := await up_reader.read(65536):
                if armed.is_set():
                    if self.on_dropped is not None:
                        self.on_dropped()  # before counting: waiters see its effect
                    self.dropped_answers += 1
                    return  # the answer dies here; closing follows
                if fault == "delay":
                    await asyncio.sleep(self.delay)
                writer.write(data)
                await writer.drain()

        tasks = [asyncio.create_task(upstream()), asyncio.create_task(downstream())]
        try:
            done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            up_writer.close()  # first: a cancelled gather below must not skip it
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
