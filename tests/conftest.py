"""Fixtures shared by every test directory; each directory keeps its own extras."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.hub import SeededHub

# Short, so stream tests see pings quickly and reconnect logic is exercised fast.
TEST_HEARTBEAT = 0.2


@pytest.fixture
def hub_factory(tmp_path: Path) -> Iterator[Callable[..., SeededHub]]:
    """Make started hubs (`hub_factory(name, heartbeat=...)`); all are stopped at teardown."""
    made: list[SeededHub] = []

    def make(name: str = "hub", **options: Any) -> SeededHub:
        options.setdefault("heartbeat", TEST_HEARTBEAT)
        hub = SeededHub(tmp_path / name, **options)
        made.append(hub)
        return hub.start()

    yield make
    for hub in made:
        hub.stop()


@pytest.fixture
def hub(hub_factory: Callable[..., SeededHub]) -> SeededHub:
    """A started hub on a fresh database, with `.url`, `.agent_token`, `.admin_token`,
    `.source_secret` and `.post(body)`; heartbeat 0.2 s."""
    return hub_factory()
