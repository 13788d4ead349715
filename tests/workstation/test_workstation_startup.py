"""Start-up flows with their real dialogs: first-run sign-in and the settings command."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from cx_keyring import MemoryKeyring
from keyring.backends import fail
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QWidget

from cxsidebar.app import Sidebar
from cxsidebar.boot import Boot, FirstPaint, skip_optional
from cxsidebar.credentials import TokenStore
from cxsidebar.settings import Locations, Settings, load_settings
from cxsidebar.startup import ask_token, run_settings_dialog
from cxsidebar.ui import MainWindow
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


# -- the fast start: window first, the network layer on the boot thread ----------------------


HEAVY = ("httpx", "sqlite_utils", "keyring", "numpy", "cxsidebar.hub", "cxsidebar.demo", "openai")


def test_the_window_paints_before_the_network_store_keystore_or_hub_load(tmp_path):
    # A real `cxsidebar` start in a fresh interpreter, stopped when the boot thread would begin.
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "import cxsidebar.boot\n"
        "def painted(boot, token=''):\n"
        f"    print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "    QApplication.instance().exit(0)\n"
        "cxsidebar.boot.Boot.start = painted\n"
        "from cxsidebar.__main__ import main\n"
        "sys.exit(main(['--hub-url', 'http://127.0.0.1:9', '--token', 't', '--db', sys.argv[1]]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXSIDEBAR_")} | {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_SESSION_ID": uuid.uuid4().hex,
    }
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "s.sqlite3")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert "window painted" in done.stderr


def test_the_boot_imports_leave_numpy_out_and_importable_afterwards():
    code = (
        "import sys\n"
        "from cxsidebar.boot import skip_optional\n"
        "with skip_optional():\n"
        "    import cxsidebar.client, cxsidebar.store, cxsidebar.netconfig\n"
        "print('numpy' in sys.modules, 'rich' in sys.modules)\n"
        "import numpy\n"
        "print(numpy.__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    assert out == ["False", "False", "numpy"]


def test_skip_optional_hides_modules_from_this_thread_only(monkeypatch):
    name = "tabnanny"  # a stdlib module without import side effects
    monkeypatch.delitem(sys.modules, name, raising=False)
    elsewhere: list[object] = []
    with skip_optional((name, "sys")):
        with pytest.raises(ImportError):
            __import__(name)
        assert __import__("sys") is sys  # loaded ones stay
        other = threading.Thread(target=lambda: elsewhere.append(__import__(name)))
        other.start()
        other.join(10)
    assert elsewhere == [sys.modules[name]]  # another thread imported it meanwhile
    assert __import__(name) is sys.modules[name]


class FakeWorker:
    def __init__(self, token: str, fail: bool = False) -> None:
        self.token = token
        self.fail = fail
        self.started = threading.Event()
        self.stopped = False
        self.calls: list[tuple[str, object]] = []

    def start(self) -> None:
        if self.fail:
            raise OSError("disk full")
        self.started.set()

    def stop(self) -> None:
        self.stopped = True

    def claim(self, escalation_id: str) -> None:
        self.calls.append(("claim", escalation_id))

    def fetch_context(self, escalation_id: str) -> None:
        self.calls.append(("fetch_context", escalation_id))


def local(tmp_path: Path, **values: object) -> Settings:
    return Settings(hub_url="https://hub.example", db_path=tmp_path / "s.sqlite3", **values)


def test_boot_starts_the_worker_with_the_configured_token(qtbot, tmp_path):
    made: list[FakeWorker] = []

    def make(token: str) -> FakeWorker:
        made.append(FakeWorker(token))
        return made[-1]

    boot = Boot(local(tmp_path, token="tok"), make)
    with qtbot.waitSignal(boot.ready, timeout=5000) as ready:
        boot.start()
    assert ready.args[0] is made[0]
    assert made[0].token == "tok"
    assert made[0].started.is_set()
    assert boot.stop() is made[0]
    assert boot.token_store is None  # a configured token never asks the keystore


def test_boot_takes_the_token_from_the_keystore(qtbot, tmp_path):
    store = TokenStore(MemoryKeyring())
    store.save("https://hub.example", "stored")
    boot = Boot(local(tmp_path), FakeWorker, token_store=lambda: store)
    with qtbot.waitSignal(boot.ready, timeout=5000) as ready:
        boot.start()
    assert ready.args[0].token == "stored"
    boot.stop()


def test_boot_asks_for_a_token_when_there_is_none_then_starts_with_it(qtbot, tmp_path):
    boot = Boot(local(tmp_path), FakeWorker, token_store=lambda: TokenStore(MemoryKeyring()))
    with qtbot.waitSignal(boot.token_needed, timeout=5000):
        boot.start()
    assert boot.token_store is not None  # the sign-in dialog saves into the same keystore
    with qtbot.waitSignal(boot.ready, timeout=5000) as ready:
        boot.start("entered")  # at once: the first run may still be ending
    assert ready.args[0].token == "entered"
    assert boot.stop() is ready.args[0]


def test_boot_refuses_a_database_on_a_network_filesystem(qtbot, tmp_path, monkeypatch):
    import cxsidebar.store

    def refuse(path: Path) -> None:
        raise cxsidebar.store.StoreLocationError(f"{path} is on nfs")

    monkeypatch.setattr(cxsidebar.store, "check_local", refuse)
    boot = Boot(local(tmp_path, token="tok"), FakeWorker)
    with qtbot.waitSignal(boot.failed, timeout=5000) as failed:
        boot.start()
    assert failed.args == [f"{tmp_path / 's.sqlite3'} is on nfs", 2]
    assert boot.stop() is None


def test_boot_reports_a_worker_that_cannot_start(qtbot, tmp_path):
    boot = Boot(local(tmp_path, token="tok"), lambda token: FakeWorker(token, fail=True))
    with qtbot.waitSignal(boot.failed, timeout=5000) as failed:
        boot.start()
    assert "disk full" in failed.args[0]
    assert failed.args[1] == 1
    assert boot.stop() is None


def test_first_paint_runs_the_start_after_the_window_painted(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    painted: list[bool] = []
    started: list[bool] = []

    def then() -> None:
        started.append(bool(painted))

    class Paints(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(True)
            return False

    paints = Paints()
    widget.installEventFilter(paints)
    FirstPaint(widget, then, fallback_ms=60_000)
    assert started == []
    widget.show()
    qtbot.waitUntil(lambda: started == [True], timeout=5000)


def test_the_sidebar_paints_before_its_worker_starts_and_queues_early_requests(qtbot, tmp_path):
    window = MainWindow()
    qtbot.addWidget(window)
    made: list[FakeWorker] = []

    def make(token: str) -> FakeWorker:
        made.append(FakeWorker(token))
        return made[-1]

    sidebar = Sidebar(local(tmp_path, token="tok"), window=window, worker_factory=make)
    window.claim_requested.emit("e-1")  # before the worker runs: kept
    assert sidebar.worker is None
    with qtbot.waitSignal(sidebar.boot.ready, timeout=5000):
        sidebar.start_after_paint()
    qtbot.waitUntil(lambda: sidebar.worker is not None, timeout=5000)
    assert made[0].calls == [("claim", "e-1")]
    window.claim_requested.emit("e-2")
    assert made[0].calls[-1] == ("claim", "e-2")
    sidebar.stop()
    assert made[0].stopped


def test_a_database_on_a_network_share_stops_the_sidebar_with_a_message(
    qapp, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    import cxsidebar.app
    import cxsidebar.store
    from cxsidebar.single import SingleInstance

    def refuse(path: Path) -> None:
        raise cxsidebar.store.StoreLocationError(f"{path} is on a network filesystem (cifs)")

    monkeypatch.setattr(cxsidebar.store, "check_local", refuse)
    monkeypatch.setattr(cxsidebar.app, "_install_error_hooks", lambda: None)  # pytest's stay
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    shown: list[tuple[str, Qt.TextFormat]] = []

    def read_and_close(box: QDialog) -> None:
        assert isinstance(box, QMessageBox)
        shown.append((box.text(), box.textFormat()))
        box.accept()

    when_modal(QMessageBox, read_and_close)
    settings = local(tmp_path, token="tok")
    instance = SingleInstance(f"cxsidebar-test-{uuid.uuid4().hex[:12]}")
    assert cxsidebar.app.run_sidebar(settings, instance=instance) == 2
    assert shown == [
        (f"{tmp_path / 's.sqlite3'} is on a network filesystem (cifs)", Qt.TextFormat.PlainText)
    ]
    for widget in qapp.topLevelWidgets():
        if isinstance(widget, MainWindow):
            widget.close()
            widget.deleteLater()
