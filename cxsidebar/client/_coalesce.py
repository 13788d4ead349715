"""Coalesced, ordered runs of one job per key (the worker's context fetches).

While a job for a key runs, new requests for that key wait; the next run
starts once the current one ends and serves all of them together. So answers
come back in the order they were asked for (a refetch never loses to an older
answer that was still in flight), and a burst of requests costs two runs at most.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class _Gate:
    """One key: `asked` requests so far, the first `served` of them covered by a run
    that started after they were made."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    asked: int = 0
    served: int = 0
    users: int = 0  # requests inside `run`; the gate goes when there are none


class Coalescer:
    """Use on one event loop only."""

    def __init__(self) -> None:
        self._gates: dict[str, _Gate] = {}

    def __len__(self) -> int:
        """Keys with requests waiting or running."""
        return len(self._gates)

    async def run(self, key: str, job: Callable[[], Awaitable[None]]) -> bool:
        """Return once a run of `job` that started after this call has ended: this call's
        own (True) or one it shared with later requests (False)."""
        gate = self._gates.setdefault(key, _Gate())
        gate.users += 1
        gate.asked += 1
        ticket = gate.asked
        try:
            async with gate.lock:
                if gate.served >= ticket:
                    return False
                gate.served = gate.asked
                await job()
                return True
        finally:
            gate.users -= 1
            if not gate.users:
                del self._gates[key]
