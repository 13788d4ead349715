"""Sign in again without restarting (issue 8), on a real hub and a real sidebar.

A refused token → the header says signed out and offers Sign in; ratings still
save locally. The sign-in dialog takes a valid token → it goes to the keystore,
the same process goes live again and the pending rating reaches the hub once.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from support.hub import escalation_body

from cxsidebar.core import ConnectionState, Rating
from cxsidebar.credentials import TokenStore
from cxsidebar.ui.sign_in import SignInDialog

WAIT = 15_000  # ms; generous for a loaded CI machine, never reached when things work


class MemoryKeyring(KeyringBackend):
    """A keystore in memory: the test never touches the desktop's."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


def hub_ratings(hub) -> list[tuple[str, str]]:
    with sqlite3.connect(hub.db_url.removeprefix("sqlite:///")) as db:
        return db.execute("SELECT id, escalation_id FROM ratings").fetchall()


def test_a_refused_token_signs_out_and_signing_in_again_resumes_everything(
    qtbot, hub, sidebar_factory
):
    assert hub.post(escalation_body("esc-signin")).status_code == 202
    sidebar = sidebar_factory(hub, token="revoked-or-mistyped")
    window = sidebar.window
    keyring = MemoryKeyring()
    sidebar.boot.token_store = TokenStore(keyring)

    qtbot.waitUntil(lambda: sidebar.connection_state is ConnectionState.SIGNED_OUT, timeout=WAIT)
    assert window.window_menu.sign_in_button.isVisible()
    assert "Signed out" in window.header.connection_label.text()

    # Ratings still save while signed out; the sync says why it holds them.
    pending = Rating(escalation_id="esc-signin", created_at=datetime.now(UTC), overall=4)
    with qtbot.waitSignal(sidebar.bridge.rating_saved, timeout=WAIT):
        window.rating_submitted.emit(pending)
    qtbot.waitUntil(
        lambda: sidebar.last_sync is not None and "signed out" in sidebar.last_sync.detail,
        timeout=WAIT,
    )
    assert hub_ratings(hub) == []

    # Sign in again from the header's button: the real dialog, filled in by "the agent".
    def type_token() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignInDialog)
        assert dialog.error_label.isVisibleTo(dialog)  # it says the last token was refused
        dialog.token_edit.setText(hub.agent_token)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, type_token)
    with qtbot.waitSignal(sidebar.account.signed_in, timeout=WAIT):
        window.window_menu.sign_in_button.click()

    qtbot.waitUntil(lambda: sidebar.connection_state is ConnectionState.LIVE, timeout=WAIT)
    assert window.window_menu.sign_in_button.isHidden()
    qtbot.waitUntil(lambda: window.queue_model.row_of("esc-signin") is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: len(hub_ratings(hub)) == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: sidebar.last_sync.unsynced == 0, timeout=WAIT)
    assert hub_ratings(hub) == [(str(pending.id), "esc-signin")]
    assert keyring.items == {("cxsidebar", hub.url): hub.agent_token}
    assert window.header.agent_label.text() == f"Signed in as {hub.agent_name}"


def test_sign_out_stops_the_link_and_forgets_the_token(qtbot, hub, sidebar_factory):
    sidebar = sidebar_factory(hub)
    keyring = MemoryKeyring()
    keyring.items[("cxsidebar", hub.url)] = hub.agent_token
    sidebar.boot.token_store = TokenStore(keyring)
    qtbot.waitUntil(lambda: sidebar.connection_state is ConnectionState.LIVE, timeout=WAIT)

    sidebar.window.window_menu.actions["sign out"].trigger()
    qtbot.waitUntil(lambda: sidebar.connection_state is ConnectionState.SIGNED_OUT, timeout=WAIT)
    assert keyring.items == {}
    assert sidebar.window.window_menu.sign_in_button.isVisible()


def test_a_refused_rating_is_a_dead_letter_the_agent_can_open(qtbot, hub, sidebar_factory):
    sidebar = sidebar_factory(hub)
    window = sidebar.window
    qtbot.waitUntil(lambda: sidebar.connection_state is ConnectionState.LIVE, timeout=WAIT)
    unknown = Rating(escalation_id="esc-nobody-knows", created_at=datetime.now(UTC), overall=2)
    window.rating_submitted.emit(unknown)
    qtbot.waitUntil(
        lambda: sidebar.last_sync is not None and sidebar.last_sync.rejected == 1, timeout=WAIT
    )
    assert "1 rejected by the hub" in window.header.sync_label.text()

    with qtbot.waitSignal(sidebar.account.dead_letters_loaded, timeout=WAIT):
        window.window_menu.actions["dead letters"].trigger()
    dialog = sidebar.account.dead_letter_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, 0).data() == "esc-nobody-knows"
    assert "unknown escalation" in dialog.model.index(0, 3).data()
    dialog.close()


def test_a_rating_carries_its_timings_and_the_context_it_judged(qtbot, hub, sidebar_factory):
    sidebar = sidebar_factory(hub)
    window = sidebar.window
    qtbot.waitUntil(lambda: sidebar.connection_state is ConnectionState.LIVE, timeout=WAIT)
    assert hub.post(escalation_body("esc-timed")).status_code == 202
    qtbot.waitUntil(lambda: window.context_view.escalation_id == "esc-timed", timeout=WAIT)
    qtbot.waitUntil(lambda: window.context_view.transcript_model.rowCount() == 2, timeout=WAIT)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)

    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    with qtbot.waitSignal(sidebar.bridge.rating_saved, timeout=WAIT):
        qtbot.keyClick(target, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(hub_ratings(hub)) == 1, timeout=WAIT)
    with sqlite3.connect(hub.db_url.removeprefix("sqlite:///")) as db:
        (body,) = db.execute("SELECT body FROM ratings").fetchone()
    stored = Rating.model_validate_json(body)
    assert stored.overall == 3
    assert stored.rate_ms is not None
    assert stored.first_action_ms is not None
    assert 0 <= stored.first_action_ms <= stored.rate_ms
    assert (stored.context_version, stored.summary_version) == sidebar.stamp.versions("esc-timed")
