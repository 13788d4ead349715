"""Start-up flows with their real dialogs: first-run sign-in and the settings command."""

from __future__ import annotations

from collections.abc import Callable

from cx_keyring import MemoryKeyring
from keyring.backends import fail
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox

from cxsidebar.credentials import TokenStore
from cxsidebar.settings import Locations, Settings, load_settings
from cxsidebar.startup import ask_token, run_settings_dialog
from cxsidebar.ui.settings_dialog import SettingsDialog
from cxsidebar.ui.sign_in import SignInDialog


def when_modal(kind: type[QDialog], act: Callable[[QDialog], None]) -> None:
    """Act on the modal dialog of `kind` once its event loop runs (bounded: 200 tries)."""
    tries = [0]

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            act(dialog)
        elif tries[0] < 200:
            tries[0] += 1
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


def sign_in_with(token: str) -> Callable[[QDialog], None]:
    def act(dialog: QDialog) -> None:
        assert isinstance(dialog, SignInDialog)
        dialog.token_edit.setText(token)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    return act


def test_first_run_asks_and_keeps_the_token_in_the_keystore(qapp):
    store = TokenStore(MemoryKeyring())
    when_modal(SignInDialog, sign_in_with("tok-1"))
    assert ask_token(Settings(hub_url="https://hub.example"), store) == "tok-1"
    assert store.load("https://hub.example") == "tok-1"
    # The next start does not ask.
    assert ask_token(Settings(hub_url="https://hub.example"), store) == "tok-1"


def test_without_a_keystore_the_token_stays_in_memory(qapp, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = TokenStore(fail.Keyring())
    when_modal(SignInDialog, sign_in_with("tok-2"))
    assert ask_token(Settings(hub_url="https://hub.example"), store) == "tok-2"
    assert store.load("https://hub.example") is None
    assert list(tmp_path.iterdir()) == []


def test_cancelling_the_sign_in_gives_no_token(qapp):
    when_modal(SignInDialog, lambda dialog: dialog.reject())
    assert ask_token(Settings(), TokenStore(MemoryKeyring())) is None


def test_a_configured_token_needs_no_dialog(qapp):
    assert ask_token(Settings(token="from-env"), TokenStore(fail.Keyring())) == "from-env"


def test_the_settings_command_writes_the_user_file(qapp, tmp_path):
    user_file = tmp_path / "settings.toml"

    def change(dialog: QDialog) -> None:
        assert isinstance(dialog, SettingsDialog)
        dialog.editors["queues"].setText("billing, vip")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    when_modal(SettingsDialog, change)
    assert run_settings_dialog(Settings(), user_file) == 0
    settings = load_settings(environ={}, locations=Locations(None, user_file, None))
    assert settings.queues == ("billing", "vip")


def test_an_invalid_value_keeps_the_dialog_open_with_the_reason(qapp, tmp_path):
    user_file = tmp_path / "settings.toml"
    seen: list[str] = []

    def bad_then_cancel(dialog: QDialog) -> None:
        assert isinstance(dialog, SettingsDialog)
        dialog.editors["hub_url"].setText("hub.example")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        seen.append(dialog.error_label.text())
        dialog.reject()

    when_modal(SettingsDialog, bad_then_cancel)
    assert run_settings_dialog(Settings(), user_file) == 1
    assert "key 'hub_url'" in seen[0]
    assert not user_file.exists()


def test_a_refused_stored_token_is_forgotten_once():
    from cxsidebar.core import ConnectionState
    from cxsidebar.startup import RefusedTokenHandler

    store = TokenStore(MemoryKeyring())
    store.save("https://hub.example", "revoked")
    handler = RefusedTokenHandler(Settings(hub_url="https://hub.example"), store)
    handler.on_connection(ConnectionState.OFFLINE, "connection refused")
    assert store.load("https://hub.example") == "revoked"
    handler.on_connection(ConnectionState.SIGNED_OUT, "401")
    assert store.load("https://hub.example") is None
    assert handler.forgotten


def test_a_configured_token_is_never_forgotten_from_the_keystore():
    from cxsidebar.core import ConnectionState
    from cxsidebar.startup import RefusedTokenHandler

    store = TokenStore(MemoryKeyring())
    store.save("https://hub.example", "kept")
    settings = Settings(hub_url="https://hub.example", token="from-env")
    RefusedTokenHandler(settings, store).on_connection(ConnectionState.SIGNED_OUT, "401")
    assert store.load("https://hub.example") == "kept"
