"""The header says the connection and the sync state in words, not colour alone."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cxsidebar.core import ConnectionState, SyncState
from cxsidebar.ui.header import HeaderBar

CONNECTION_TEXTS = {
    ConnectionState.LIVE: "Live",
    ConnectionState.CONNECTING: "Connecting…",
    ConnectionState.RECONNECTING: "Reconnecting…",
    ConnectionState.OFFLINE: "Offline, retrying",
    ConnectionState.SIGNED_OUT: "Signed out: sign in again",
}


@pytest.mark.parametrize("state", list(ConnectionState))
def test_each_connection_state_has_words(window, state):
    window.set_connection(state, "")
    assert window.header.connection_label.text() == CONNECTION_TEXTS[state]


def test_connection_detail_is_shown_plain(window):
    window.set_connection(ConnectionState.RECONNECTING, "attempt 3, <b>next</b> in 4 s\n")
    label = window.header.connection_label
    assert label.text() == "Reconnecting… (attempt 3, <b>next</b> in 4 s)"
    assert label.textFormat() == Qt.TextFormat.PlainText


def test_states_differ_in_colour_too(qtbot):
    header = HeaderBar()
    qtbot.addWidget(header)
    header.set_connection(ConnectionState.LIVE, "")
    live = header.connection_label.styleSheet()
    header.set_connection(ConnectionState.OFFLINE, "")
    assert header.connection_label.styleSheet() != live


@pytest.mark.parametrize(
    ("state", "text"),
    [
        (SyncState(unsynced=0), "All ratings synced"),
        (SyncState(unsynced=1), "1 rating not yet synced"),
        (SyncState(unsynced=3), "3 ratings not yet synced"),
        (SyncState(unsynced=2, rejected=1), "2 ratings not yet synced, 1 rejected by the hub"),
        (SyncState(unsynced=0, rejected=4), "4 rejected by the hub"),
        (
            SyncState(unsynced=5, detail="hub unreachable"),
            "5 ratings not yet synced (hub unreachable)",
        ),
    ],
)
def test_sync_texts(window, state, text):
    window.set_sync(state)
    assert window.header.sync_label.text() == text


def test_agent_name_is_shown(window):
    assert window.header.agent_label.text() == "Signed in as Sam Agent"
    window.set_agent_name("<i>Eve</i>")
    assert window.header.agent_label.text() == "Signed in as <i>Eve</i>"
    assert window.header.agent_label.textFormat() == Qt.TextFormat.PlainText
