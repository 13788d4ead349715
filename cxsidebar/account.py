"""The window menu's work: sign in again, sign out, settings and the dead letters.

Kept out of app.py so the composition root stays a wiring file. Signing in
again never restarts the process: the new token goes to the keystore (when
there is one) and the running network worker restarts its stream and sync
with it. Dialogs are modal on the GUI thread; store reads come back through
a queued signal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

from cxsidebar.core import ConnectionState, Rating
from cxsidebar.settings import Settings

if TYPE_CHECKING:  # the client pulls httpx: imported only when the worker exists
    from cxsidebar.client import NetworkWorker
    from cxsidebar.credentials import TokenStore
    from cxsidebar.ui import MainWindow
    from cxsidebar.ui.dead_letters import DeadLetterDialog

log = logging.getLogger("cxsidebar")

T = TypeVar("T")
Letters = list[tuple[Rating, str]]
OnWorker = Callable[[Callable[["NetworkWorker"], object]], None]


class Account(QObject):
    """Does what the window menu asks; `sign_in(token)` is the dialog-free path tests use."""

    dead_letters_loaded = Signal(object)  # Letters, emitted from the store thread (queued)
    signed_in = Signal()

    def __init__(
        self,
        settings: Settings,
        window: MainWindow,
        on_worker: OnWorker,
        tokens: Callable[[], TokenStore],
    ) -> None:
        """`on_worker(job)`: run `job(worker)` now or once the worker runs (Sidebar.on_worker).
        `tokens`: the keystore the app signed in with."""
        super().__init__(window)
        self._settings = settings
        self._window = window
        self._on_worker = on_worker
        self._tokens = tokens
        self.dead_letter_dialog: DeadLetterDialog | None = None
        menu = window.window_menu
        menu.sign_in_requested.connect(self.ask_sign_in)
        menu.sign_out_requested.connect(self.sign_out)
        menu.settings_requested.connect(self.open_settings)
        menu.dead_letters_requested.connect(self.open_dead_letters)
        self.dead_letters_loaded.connect(self._show_dead_letters)

    @property
    def tokens(self) -> TokenStore:
        return self._tokens()

    @Slot()
    def ask_sign_in(self) -> None:
        """The sign-in dialog; OK stores the token and restarts the stream and the sync."""
        from cxsidebar.ui.sign_in import SignInDialog

        dialog = SignInDialog(
            self._settings.hub_url,
            remembered=self.tokens.persistent,
            error="The hub refused the last token." if self._signed_out() else "",
            parent=self._window,
        )
        dialog.token_entered.connect(self.sign_in)
        dialog.exec()
        dialog.token_entered.disconnect(self.sign_in)
        dialog.deleteLater()

    @Slot(str)
    def sign_in(self, token: str) -> None:
        if not self.tokens.save(self._settings.hub_url, token):
            log.info("no keystore (%s): the new token is kept in memory", self.tokens.backend_name)
        self._on_worker(lambda worker: _logged(worker.reauthenticate, token))
        self._window.set_connection(ConnectionState.CONNECTING, "signing in again")
        self.signed_in.emit()

    @Slot()
    def sign_out(self) -> None:
        """Forget the stored token and stop talking to the hub; ratings still save locally."""
        self.tokens.forget(self._settings.hub_url)
        self._on_worker(lambda worker: _logged(worker.sign_out))

    @Slot()
    def open_settings(self) -> None:
        from cxsidebar.startup import run_settings_dialog

        run_settings_dialog(self._settings)

    @Slot()
    def open_dead_letters(self) -> None:
        self._on_worker(self._read_dead_letters)

    def _read_dead_letters(self, worker: NetworkWorker) -> None:
        future = _logged(worker.dead_letters)
        if future is not None:
            future.add_done_callback(self._loaded)

    def _loaded(self, future: Future[Letters]) -> None:  # on the store thread
        try:
            letters = future.result()
        except Exception:
            log.exception("reading the dead letters failed")
            return
        self.dead_letters_loaded.emit(letters)

    @Slot(object)
    def _show_dead_letters(self, letters: Letters) -> None:
        from cxsidebar.ui.dead_letters import DeadLetterDialog

        if self.dead_letter_dialog is None:
            self.dead_letter_dialog = DeadLetterDialog(letters, parent=self._window)
        else:
            self.dead_letter_dialog.set_letters(letters)
        self.dead_letter_dialog.show()
        self.dead_letter_dialog.raise_()

    def _signed_out(self) -> bool:
        return not self._window.window_menu.sign_in_button.isHidden()


def _logged(command: Callable[..., Future[T]], *args: object) -> Future[T] | None:
    """Run a worker command; a stopped worker (NetworkWorkerError) is logged, not raised."""
    try:
        return command(*args)
    except RuntimeError as exc:  # NetworkWorkerError, without importing the client here
        log.warning("the network worker cannot do that now: %s", exc)
        return None
