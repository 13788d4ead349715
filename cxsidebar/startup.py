"""Start-up chores of the sidebar process: logs, the token, the settings dialog, self-test.

Kept out of app.py so the composition root stays a wiring file.
"""

from __future__ import annotations

import faulthandler
import importlib
import logging
import logging.handlers
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from cxsidebar.settings import (
    USER,
    Locations,
    Settings,
    SettingsError,
    save_user_settings,
    schema,
)

if TYPE_CHECKING:  # the keystore loads when a token is looked up, not at start
    from cxsidebar.credentials import TokenStore

log = logging.getLogger("cxsidebar")

# What a bundle must carry beyond what the window pulls in.
SELF_TEST_MODULES = (
    "certifi",
    "httpx",
    "httpx_sse",
    "keyring",
    "truststore",
    "sqlite_utils",
    "pydantic",
    "platformdirs",
    "PySide6.QtNetwork",
    "cxsidebar.client",
    "cxsidebar.doctor",
    "cxsidebar.single",
    "numpy",  # Review mode's charts: pyqtgraph draws with numpy
    "pyqtgraph",
    "cxsidebar.ui.review",
)

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
LOG_BYTES = 2 * 1024 * 1024
LOG_BACKUPS = 5


@dataclass
class LogSetup:
    """The handlers and the crash file `setup_logging` opened; `close()` undoes it."""

    directory: Path
    handlers: list[logging.Handler] = field(default_factory=list)
    crash_file: IO[str] | None = None

    def close(self) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        if self.crash_file is not None:
            faulthandler.disable()
            self.crash_file.close()
            self.crash_file = None


def setup_logging(directory: Path, level: str, *, console: bool = True) -> LogSetup:
    """A rotating `cxsidebar.log` and a `crash.log` for native crashes (faulthandler)."""
    directory.mkdir(parents=True, exist_ok=True)
    setup = LogSetup(directory)
    root = logging.getLogger()
    root.setLevel(getattr(logging, level, logging.INFO))
    formatter = logging.Formatter(LOG_FORMAT)
    rotating = logging.handlers.RotatingFileHandler(
        directory / "cxsidebar.log", maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    setup.handlers.append(rotating)
    if console and sys.stderr is not None:
        setup.handlers.append(logging.StreamHandler(sys.stderr))
    for handler in setup.handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    setup.crash_file = (directory / "crash.log").open("a", encoding="utf-8")
    faulthandler.enable(setup.crash_file)
    return setup


# -- the token --------------------------------------------------------------------------------


def ask_token(settings: Settings, store: TokenStore, error: str = "") -> str | None:
    """The token from settings or the keystore; else the sign-in dialog (None: cancelled)."""
    if settings.token:
        return settings.token
    stored = store.load(settings.hub_url)
    if stored and not error:
        return stored
    from cxsidebar.ui.sign_in import SignInDialog

    entered: list[str] = []
    dialog = SignInDialog(settings.hub_url, remembered=store.persistent, error=error)
    dialog.token_entered.connect(entered.append)
    dialog.exec()
    if not entered:
        return None
    if not store.save(settings.hub_url, entered[0]):
        log.info("no keystore (%s): the token is kept in memory only", store.backend_name)
    return entered[0]


class RefusedTokenHandler:
    """When the hub refuses a token from the keystore, forget it so the next start asks again."""

    def __init__(self, settings: Settings, store: TokenStore) -> None:
        self._settings = settings
        self._store = store
        self.forgotten = False

    def on_connection(self, state: object, _detail: str) -> None:
        from cxsidebar.core import ConnectionState

        if state is ConnectionState.SIGNED_OUT and not self._settings.token and not self.forgotten:
            # A configured token (env, file, flag) is the administrator's to fix, not ours.
            self._store.forget(self._settings.hub_url)
            self.forgotten = True
            log.warning("the hub refused the stored token: the next start asks for a new one")


# -- the settings dialog ----------------------------------------------------------------------


def user_fields(settings: Settings) -> list[Any]:
    """The dialog's rows: every key a user may set, locked where a policy set it."""
    from cxsidebar.ui.settings_dialog import SettingField

    fields = []
    for key in schema().values():
        if key.who != USER:
            continue
        origin = settings.origin(key.name)
        fields.append(
            SettingField(
                name=key.name,
                label=key.name.replace("_", " ").capitalize(),
                value=getattr(settings, key.name),
                description=key.description,
                choices=key.choices,
                locked_by=origin.source if origin.locked else "",
            )
        )
    return fields


def run_settings_dialog(settings: Settings, user_file: Path | None = None) -> int:
    """`cxsidebar settings`: edit the user settings file; 0 saved, 1 cancelled."""
    from PySide6.QtWidgets import QApplication

    from cxsidebar.ui.settings_dialog import SettingsDialog

    path = user_file or Locations.default().user_config
    assert path is not None
    existing = QApplication.instance()
    _app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    dialog = SettingsDialog(user_fields(settings))

    def save(values: dict[str, Any]) -> None:
        try:
            save_user_settings(path, values)
        except SettingsError as exc:
            dialog.show_error(str(exc))
        else:
            dialog.accept()

    dialog.settings_saved.connect(save)
    saved = dialog.exec()
    dialog.settings_saved.disconnect(save)  # break the closure's cycle: the dialog can go
    return 0 if saved else 1


# -- --self-test ------------------------------------------------------------------------------


def self_test() -> int:
    """Start offscreen, import everything a bundle must carry, build the window, exit 0."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for name in SELF_TEST_MODULES:
        importlib.import_module(name)
    import keyring
    from PySide6.QtWidgets import QApplication

    from cxsidebar.netconfig import http_options
    from cxsidebar.store import LocalStore
    from cxsidebar.ui import MainWindow

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    window = MainWindow()
    window.show()
    app.processEvents()
    window.close()
    window.deleteLater()
    http_options(Settings())  # the system trust store loads
    with tempfile.TemporaryDirectory(prefix="cxsidebar-self-test-") as folder:
        LocalStore(Path(folder) / "self-test.sqlite3").close()
    backend = type(keyring.get_keyring())
    print(f"cxsidebar self-test: ok (keyring backend {backend.__module__}.{backend.__name__})")
    return 0
