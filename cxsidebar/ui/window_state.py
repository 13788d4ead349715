"""Remembering the window: geometry, pane sizes, always-on-top and colours.

The window hands its state to the app as JSON-safe values (`save_state`) and
takes it back (`restore_state`); the app decides where it lives. The UI does
no file I/O, so this is testable without touching disk, and the state can sit
next to the other per-user data the app keeps (QSettings would write its own
file or registry key behind the settings layers' back).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSplitter

from .look import COLOR_SCHEMES, apply_color_scheme, is_dark_scheme, restyle

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow as _WindowBase

    from .context_view import ContextView
else:
    _WindowBase = object  # at run time a plain mixin; MainWindow brings QMainWindow

STATE_VERSION = 1


class WindowLook(_WindowBase):
    """Colours, always-on-top and remembered state: a mixin of `MainWindow`."""

    # What the mixin uses of the window (annotations only: MainWindow sets them).
    _color_scheme: str
    context_view: ContextView
    key_actions: dict[str, QAction]
    main_splitter: QSplitter
    detail_splitter: QSplitter

    @property
    def color_scheme(self) -> str:
        return self._color_scheme

    def set_color_scheme(self, scheme: str) -> None:
        """ "auto" follows the desktop's `styleHints().colorScheme()`; "light"/"dark" force one."""
        is_dark_scheme(scheme)  # validates
        self._color_scheme = scheme
        apply_color_scheme(scheme)
        restyle(self)
        self.context_view.apply_look()

    def cycle_color_scheme(self) -> None:
        following = COLOR_SCHEMES[(COLOR_SCHEMES.index(self._color_scheme) + 1) % 3]
        self.set_color_scheme(following)

    def is_dark(self) -> bool:
        return is_dark_scheme(self._color_scheme)

    def _desktop_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._color_scheme == "auto":
            apply_color_scheme("auto")
            restyle(self)
            self.context_view.apply_look()

    @property
    def always_on_top(self) -> bool:
        return bool(self.windowFlags() & Qt.WindowType.WindowStaysOnTopHint)

    def set_always_on_top(self, on: bool) -> None:
        self.key_actions["always on top"].setChecked(on)
        if on == self.always_on_top:
            return
        visible = self.isVisible()
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, on)
        if visible:  # changing window flags hides the window
            self.show()

    def toggle_always_on_top(self) -> None:
        self.set_always_on_top(not self.always_on_top)

    def save_state(self) -> dict[str, object]:
        """Geometry, pane sizes, always-on-top and colours, as JSON-safe values for the app."""
        return save_window_state(self)

    def restore_state(self, state: Mapping[str, object]) -> None:
        """Put back what `save_state` gave; anything missing or malformed is skipped."""
        restore_window_state(self, state)


def _sizes(splitter: QSplitter) -> list[int]:
    return [int(size) for size in splitter.sizes()]


def _set_sizes(splitter: QSplitter, value: object) -> None:
    if (
        isinstance(value, list)
        and len(value) == splitter.count()
        and all(isinstance(v, int) and 0 <= v <= 100_000 for v in value)
        and sum(value) > 0
    ):
        splitter.setSizes(value)


def save_window_state(window: WindowLook) -> dict[str, object]:
    geometry = bytes(window.saveGeometry().data())
    return {
        "version": STATE_VERSION,
        "geometry": base64.b64encode(geometry).decode("ascii"),
        "main_splitter": _sizes(window.main_splitter),
        "main_orientation": window.main_splitter.orientation().name,
        "detail_splitter": _sizes(window.detail_splitter),
        "always_on_top": window.always_on_top,
        "color_scheme": window.color_scheme,
    }


def restore_window_state(window: WindowLook, state: Mapping[str, object]) -> None:
    """Apply what `save_window_state` produced; unknown or malformed entries are skipped."""
    if state.get("version") != STATE_VERSION:
        return
    geometry = state.get("geometry")
    if isinstance(geometry, str):
        try:
            raw = base64.b64decode(geometry.encode("ascii"), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if raw:
            window.restoreGeometry(QByteArray(raw))
    # The main splitter turns vertical in a narrow window; its sizes fit one orientation.
    if state.get("main_orientation") == window.main_splitter.orientation().name:
        _set_sizes(window.main_splitter, state.get("main_splitter"))
    _set_sizes(window.detail_splitter, state.get("detail_splitter"))
    on_top = state.get("always_on_top")
    if isinstance(on_top, bool):
        window.set_always_on_top(on_top)
    scheme = state.get("color_scheme")
    if isinstance(scheme, str) and scheme in COLOR_SCHEMES:
        window.set_color_scheme(scheme)
