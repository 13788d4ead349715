"""The agent's token in the OS keystore (Windows Credential Manager, macOS Keychain,
Secret Service); never on disk in plain text.

Where there is no keystore (keyring's `fail` backend: headless or locked Linux
sessions), `persistent` is False: the app asks at each start and keeps the
token in memory only.
"""

from __future__ import annotations

import logging

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringError

log = logging.getLogger(__name__)

SERVICE = "cxsidebar"


class TokenStore:
    """Tokens per hub URL (one agent may use a test and a production hub)."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend if backend is not None else keyring.get_keyring()

    @property
    def persistent(self) -> bool:
        """Whether tokens survive a restart (there is a real keystore)."""
        return not isinstance(self._backend, fail.Keyring)

    @property
    def backend_name(self) -> str:
        kind = type(self._backend)
        return f"{kind.__module__}.{kind.__name__}"

    def load(self, hub_url: str) -> str | None:
        if not self.persistent:
            return None
        try:
            return self._backend.get_password(SERVICE, _user(hub_url)) or None
        except KeyringError as exc:
            log.warning("cannot read the token from the keystore: %s", exc)
            return None

    def save(self, hub_url: str, token: str) -> bool:
        """Keep the token in the keystore; False (and nothing written) without one."""
        if not self.persistent:
            return False
        try:
            self._backend.set_password(SERVICE, _user(hub_url), token)
        except KeyringError as exc:
            # e.g. Windows' 2560-byte credential limit: stay signed in for this session only.
            log.warning("cannot store the token in the keystore: %s", exc)
            return False
        return True

    def forget(self, hub_url: str) -> None:
        if not self.persistent:
            return
        try:
            self._backend.delete_password(SERVICE, _user(hub_url))
        except KeyringError as exc:
            log.info("no token to forget for %s: %s", hub_url, exc)


def _user(hub_url: str) -> str:
    return hub_url.rstrip("/")
