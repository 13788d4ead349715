"""The header bar: who is signed in, the link to the hub, and the ratings outbox."""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QSizePolicy, QWidget

from cxsidebar.core import ConnectionState, SyncState

from .context import set_style
from .text import clip, dim, plain_label, plural, shorten


class _Look(NamedTuple):
    text: str
    colour: str  # the dot's colour; the text alone must already say it all


_CONNECTION: dict[ConnectionState, _Look] = {
    ConnectionState.LIVE: _Look("Live", "#1e8e3e"),
    ConnectionState.CONNECTING: _Look("Connecting…", "#b06000"),
    ConnectionState.RECONNECTING: _Look("Reconnecting…", "#b06000"),
    ConnectionState.OFFLINE: _Look("Offline, retrying", "#c5221f"),
    ConnectionState.SIGNED_OUT: _Look("Signed out: sign in again", "#c5221f"),
}


def connection_text(state: ConnectionState, detail: str = "") -> str:
    text = _CONNECTION[state].text
    detail = clip(detail)
    return f"{text} ({detail})" if detail else text


def sync_text(state: SyncState) -> str:
    if state.unsynced == 0 and state.rejected == 0:
        return "All ratings synced"
    parts = []
    if state.unsynced:
        parts.append(plural(state.unsynced, "rating") + " not yet synced")
    if state.rejected:
        parts.append(f"{state.rejected} rejected by the hub")
    text = ", ".join(parts)
    detail = clip(state.detail)
    return f"{text} ({detail})" if detail else text


class HeaderBar(QFrame):
    """Shows state only; it has no signals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._dot = plain_label("●", self)
        self._dot.setAccessibleName("Connection indicator")
        self.connection_label = plain_label(name="Connection to the hub", parent=self)
        self.sync_label = plain_label(name="Ratings sync", parent=self)
        self.agent_label = plain_label(name="Signed-in agent", parent=self)
        for label in (self.connection_label, self.sync_label, self.agent_label):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        dim(self.agent_label)

        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(8, 4, 8, 4)
        self._grid.setVerticalSpacing(2)
        self._narrow: bool | None = None
        self.set_narrow(False)
        self.set_connection(ConnectionState.CONNECTING, "")
        self.set_sync(SyncState(unsynced=0))

    def set_narrow(self, narrow: bool) -> None:
        """One row when wide; in a narrow sidebar the sync state gets a row of its own."""
        if narrow == self._narrow:
            return
        self._narrow = narrow
        for widget in (self._dot, self.connection_label, self.sync_label, self.agent_label):
            self._grid.removeWidget(widget)
        self._grid.addWidget(self._dot, 0, 0)
        self._grid.addWidget(self.connection_label, 0, 1)
        for label in (self.connection_label, self.sync_label):
            label.setWordWrap(narrow)  # a narrow sidebar wraps long details instead of cutting
        if narrow:
            self._grid.addWidget(self.agent_label, 0, 2)
            self._grid.addWidget(self.sync_label, 1, 1, 1, 2)
        else:
            self._grid.addWidget(self.sync_label, 0, 2)
            self._grid.addWidget(self.agent_label, 0, 3)
        for column, stretch in enumerate((0, 3, 3, 0 if narrow else 2)):
            self._grid.setColumnStretch(column, stretch)
        self.agent_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def set_connection(self, state: ConnectionState, detail: str) -> None:
        look = _CONNECTION[state]
        set_style(self._dot, f"color: {look.colour};")
        self.connection_label.setText(connection_text(state, detail))
        set_style(self.connection_label, f"color: {look.colour}; font-weight: bold;")

    def set_sync(self, state: SyncState) -> None:
        self.sync_label.setText(sync_text(state))
        warn = state.rejected > 0
        set_style(self.sync_label, "color: #c5221f; font-weight: bold;" if warn else "")

    def set_agent_name(self, name: str) -> None:
        name = shorten(clip(name), 40)
        self.agent_label.setText(f"Signed in as {name}" if name else "")
