"""The window as the agent left it: geometry, pane sizes, always-on-top, colours, pop mode.

Kept as a small JSON file next to the sidebar's other per-user data. What a
setting configures (a settings file, the environment, the command line or a
policy) wins over what was remembered; remembered choices fill in only where
nothing was configured.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication

from cxsidebar.settings import DEFAULT_ORIGIN, Settings, default_data_dir

if TYPE_CHECKING:
    from cxsidebar.ui import MainWindow

log = logging.getLogger("cxsidebar")

STATE_FILE = "window.json"
MAX_BYTES = 64 * 1024  # far more than a window's state; anything bigger is not ours
POP_MODES = ("pop", "notify", "accept")
# A first start, with nothing remembered: a sidebar along the right edge of the screen
# (the narrow layout: the queue above the context), not a big window in the middle.
SIDEBAR_WIDTH = 460
SIDEBAR_HEIGHT = 860
TITLE_BAR_ALLOWANCE = 40  # the window manager's frame above the window, roughly


def state_file() -> Path:
    return default_data_dir() / STATE_FILE


def load_state(path: Path) -> dict[str, object]:
    """The remembered state; empty when there is none or it cannot be read."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError("too large")
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring the remembered window state in %s: %s", path, exc)
        return {}
    return state if isinstance(state, dict) else {}


def save_state(path: Path, state: Mapping[str, object]) -> None:
    """Write atomically (a crash never leaves half a file); failures are only logged."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        log.warning("cannot remember the window state in %s: %s", path, exc)


def sidebar_geometry(available: QRect, minimum: tuple[int, int] = (0, 0)) -> QRect:
    """Where a first start puts the window: at the right edge of `available`, at its top."""
    width = max(minimum[0], min(SIDEBAR_WIDTH, available.width()))
    height = max(minimum[1], min(SIDEBAR_HEIGHT, available.height() - TITLE_BAR_ALLOWANCE))
    return QRect(available.x() + available.width() - width, available.y(), width, height)


def dock_right(window: MainWindow) -> None:
    """Size and place `window` as a sidebar on its screen (before it is shown)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return  # no screen at all: Qt's own placement
    minimum = window.minimumSize()
    place = sidebar_geometry(screen.availableGeometry(), (minimum.width(), minimum.height()))
    window.resize(place.size())
    window.move(place.topLeft())


def restore_window(window: MainWindow, settings: Settings, state: Mapping[str, object]) -> None:
    """Put back what `window_state` gave, except what the settings configure.

    The window first docks at the right edge of the screen; remembered geometry wins.
    """
    dock_right(window)
    remembered = dict(state)
    pop = remembered.pop("pop_mode", None)
    if settings.origin("color_scheme") != DEFAULT_ORIGIN:
        remembered.pop("color_scheme", None)
    window.restore_state(remembered)
    if pop in POP_MODES and settings.origin("pop") == DEFAULT_ORIGIN:
        assert isinstance(pop, str)
        window.set_pop_mode(pop)


def window_state(window: MainWindow) -> dict[str, object]:
    return {**window.save_state(), "pop_mode": window.pop_mode}
