"""A real sidebar (offscreen window + network worker + local SQLite) against a real hub."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.hub import SeededHub

from cxsidebar.app import Sidebar
from cxsidebar.client import Tuning
from cxsidebar.settings import Settings
from cxsidebar.ui import MainWindow


class RecordingNotifier:
    """Stands in for the desktop's notifications, which offscreen Qt does not have."""

    def __init__(self) -> None:
        self.pops = 0
        self.notes: list[tuple[str, str]] = []
        self.announcements: list[str] = []

    def pop(self, window: Any) -> None:
        self.pops += 1
        window.show()

    def notify(self, window: Any, title: str, message: str) -> None:
        self.notes.append((title, message))

    def announce(self, window: Any, message: str) -> None:
        self.announcements.append(message)

    def dismiss(self) -> None:
        pass


# Fast reconnects so kill/restart tests finish in seconds; the hub's heartbeat is 0.2 s.
FAST = Tuning(
    heartbeat=0.2,
    reconnect_base=0.05,
    reconnect_cap=0.5,
    sync_base=0.05,
    sync_cap=0.5,
    sync_period=1.0,
    seed=7,
)


@pytest.fixture
def sidebar_factory(qtbot, tmp_path: Path) -> Iterator[Callable[..., Sidebar]]:
    made: list[Sidebar] = []

    def make(hub: SeededHub, *, token: str | None = None, name: str = "sidebar") -> Sidebar:
        settings = Settings(
            hub_url=hub.url,
            token=token or hub.agent_token,
            db_path=tmp_path / f"{name}.sqlite3",
        )
        window = MainWindow(notifier=RecordingNotifier())
        qtbot.addWidget(window)
        sidebar = Sidebar(settings, window=window, tuning=FAST)
        made.append(sidebar)
        sidebar.start()
        return sidebar

    yield make
    for sidebar in made:
        sidebar.stop()
