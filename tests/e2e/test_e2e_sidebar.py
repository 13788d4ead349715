"""The whole loop on real parts.

Signed escalation → hub → stream → screen-pop → claim → rating → local commit → sync.
"""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from support.hub import escalation_body

from cxsidebar.core import ConnectionState

WAIT = 15_000  # ms; generous for a loaded CI machine, never reached when things work


def _hub_ratings(hub) -> list[tuple[str, str, str]]:
    db = hub.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, escalation_id, agent FROM ratings").fetchall()


def _wait_live(qtbot, sidebar) -> None:
    qtbot.waitUntil(lambda: sidebar.connection_state is ConnectionState.LIVE, timeout=WAIT)


def test_escalation_pops_is_claimed_rated_and_synced_once(qtbot, hub, sidebar_factory):
    sidebar = sidebar_factory(hub)
    window = sidebar.window
    _wait_live(qtbot, sidebar)

    answer = hub.post(escalation_body("esc-e2e-1", queue="billing"))
    assert answer.status_code == 202, answer.text

    # Screen-pop: the escalation is queued, selected, and its full context shown.
    qtbot.waitUntil(lambda: window.context_view.escalation_id == "esc-e2e-1", timeout=WAIT)
    qtbot.waitUntil(lambda: window.context_view.transcript_model.rowCount() == 2, timeout=WAIT)
    assert window.notifier.pops == 1
    assert window.queue_model.rowCount() == 1

    # Claim with the button; the hub answers with the agent's name.
    with qtbot.waitSignal(sidebar.bridge.claimed, timeout=WAIT) as claimed:
        qtbot.mouseClick(window.context_view.claim_bar.button, Qt.MouseButton.LeftButton)
    assert claimed.args[0].claimed_by == hub.agent_name
    qtbot.waitUntil(lambda: not window.context_view.claim_bar.button.isEnabled(), timeout=WAIT)

    # Rate from the keyboard, save, and wait for the durable local commit, then the sync.
    panel = window.rating_panel
    panel.overall_buttons[4].click()
    panel.repeat_box.setChecked(True)
    with qtbot.waitSignal(sidebar.bridge.rating_saved, timeout=WAIT) as saved:
        qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    rating_id = saved.args[0]
    qtbot.waitUntil(lambda: len(_hub_ratings(hub)) == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: sidebar.last_sync.unsynced == 0, timeout=WAIT)
    assert window.header.sync_label.text() == "All ratings synced"

    # Exactly one rating, the agent's, from the token and not the body.
    assert _hub_ratings(hub) == [(str(rating_id), "esc-e2e-1", hub.agent_name)]


def test_sidebar_reconnects_after_the_hub_is_killed_and_misses_nothing(qtbot, hub, sidebar_factory):
    sidebar = sidebar_factory(hub)
    window = sidebar.window
    _wait_live(qtbot, sidebar)
    assert hub.post(escalation_body("esc-before")).status_code == 202
    qtbot.waitUntil(lambda: window.queue_model.rowCount() == 1, timeout=WAIT)

    hub.kill()
    qtbot.waitUntil(
        lambda: sidebar.connection_state in (ConnectionState.RECONNECTING, ConnectionState.OFFLINE),
        timeout=WAIT,
    )
    hub.start()  # same port, same database
    assert hub.post(escalation_body("esc-after")).status_code == 202

    _wait_live(qtbot, sidebar)
    qtbot.waitUntil(lambda: window.queue_model.rowCount() == 2, timeout=WAIT)
    assert window.queue_model.row_of("esc-before") == 0
    assert window.queue_model.row_of("esc-after") == 1
