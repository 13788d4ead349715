"""`cxsidebar doctor`: can this workstation run the sidebar? One row per check.

IT runs it remotely: it prints a plain table and exits 1 when any check fails
(warnings do not fail it). It never shows a window.
"""

from __future__ import annotations

import asyncio
import enum
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import httpx

from cxsidebar.client import HubAuthError, HubClient, HubClientError, describe_transport_error
from cxsidebar.netconfig import http_options
from cxsidebar.settings import Settings, SettingsError
from cxsidebar.store import is_network_path


class Status(enum.Enum):
    PASS = "PASS"  # noqa: S105 (a result, not a password)
    WARN = "WARN"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str


# -- the local disk ---------------------------------------------------------------------------


def check_database(db_path: Path, mounts: Path = Path("/proc/mounts")) -> Check:
    name = "local database"
    folder = db_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".cxsidebar-doctor-"):
            pass
    except OSError as exc:
        return Check(name, Status.FAIL, f"{folder} is not writable: {exc.strerror or exc}")
    remote, why = is_network_path(folder, mounts)
    if remote:
        return Check(
            name,
            Status.FAIL,
            f"{folder} is on a network disk ({why}); set db_path to a local folder",
        )
    try:
        conn = sqlite3.connect(db_path, timeout=2.0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Check(name, Status.FAIL, f"{db_path}: {exc}")
    return Check(name, Status.PASS, f"{db_path} is writable ({why})")


# -- the hub ----------------------------------------------------------------------------------


async def _hub_checks(settings: Settings, token: str | None, wait: float) -> list[Check]:
    options = http_options(settings).as_kwargs()
    plain = settings.hub_url.startswith("http://")
    checks = []
    async with httpx.AsyncClient(timeout=wait, **options) as http:  # type: ignore[arg-type]
        try:
            response = await http.get(settings.hub_url.rstrip("/") + "/healthz")
        except httpx.TransportError as exc:
            detail = f"{settings.hub_url}: {describe_transport_error(exc)}"
            return [Check("hub reachable", Status.FAIL, detail)]
        if response.status_code != 200:
            return [
                Check(
                    "hub reachable",
                    Status.FAIL,
                    f"{settings.hub_url}/healthz answered HTTP {response.status_code}",
                )
            ]
        checks.append(Check("hub reachable", Status.PASS, settings.hub_url))
        checks.append(
            Check("TLS", Status.WARN, "plain HTTP: traffic is not encrypted")
            if plain
            else Check("TLS", Status.PASS, f"certificate of {response.url.host} verified")
        )
        if not token:
            checks.append(
                Check("token", Status.FAIL, "no token: sign in once, or set CXSIDEBAR_TOKEN")
            )
            checks.append(Check("event stream", Status.SKIP, "needs a token"))
            return checks
        client = HubClient(settings.hub_url, token, http=http)
        try:
            identity = await client.me()
        except HubAuthError as exc:
            checks.append(Check("token", Status.FAIL, f"the hub refused the token ({exc})"))
            checks.append(Check("event stream", Status.SKIP, "needs a valid token"))
            return checks
        except HubClientError as exc:
            checks.append(Check("token", Status.FAIL, exc.message))
            checks.append(Check("event stream", Status.SKIP, "needs a valid token"))
            return checks
        who = f"signed in as {identity.name} ({identity.role})"
        checks.append(Check("token", Status.PASS, who))
        try:
            async with client.open_events(queues=settings.queues, read_timeout=wait):
                pass
        except HubClientError as exc:
            checks.append(Check("event stream", Status.FAIL, exc.message))
        else:
            queues = ", ".join(settings.queues) or "all queues"
            checks.append(Check("event stream", Status.PASS, f"subscribed ({queues})"))
    return checks


# -- the desktop ------------------------------------------------------------------------------


def check_tray() -> Check:
    """The tray icon needs a desktop; the sidebar falls back to in-window notices (a warning)."""
    name = "system tray"
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if (
        sys.platform.startswith("linux")
        and not platform
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        return Check(name, Status.WARN, "no display in this session (run doctor on the desktop)")
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    if QApplication.instance() is None:
        app = QApplication(sys.argv[:1])
        available = QSystemTrayIcon.isSystemTrayAvailable()
        app.shutdown()
    else:
        available = QSystemTrayIcon.isSystemTrayAvailable()
    if available:
        return Check(name, Status.PASS, "available")
    return Check(name, Status.WARN, "not available: notices show in the window only")


# -- all together -----------------------------------------------------------------------------


def run_checks(
    settings: Settings,
    token: str | None,
    *,
    timeout: float = 5.0,
    mounts: Path = Path("/proc/mounts"),
    tray: Callable[[], Check] = check_tray,
) -> list[Check]:
    locked = [k for k in settings.origins if settings.locked(k)]
    config = f"hub_url from {settings.origin('hub_url').source}"
    if locked:
        config += f"; locked by policy: {', '.join(sorted(locked))}"
    checks = [Check("configuration", Status.PASS, config)]
    try:
        checks += asyncio.run(_hub_checks(settings, token, timeout))
    except SettingsError as exc:
        checks.append(Check("TLS", Status.FAIL, str(exc)))
    checks.append(check_database(settings.db_path, mounts))
    checks.append(tray())
    return checks


def config_failure(error: SettingsError) -> list[Check]:
    return [Check("configuration", Status.FAIL, str(error))]


def format_table(checks: Sequence[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = [f"{'check'.ljust(width)}  result  detail", f"{'-' * width}  ------  ------"]
    lines += [f"{c.name.ljust(width)}  {c.status.value:<6}  {c.detail}" for c in checks]
    return "\n".join(lines)


def report(checks: Sequence[Check], out: TextIO) -> int:
    """Print the table; 1 when a check failed."""
    print(format_table(checks), file=out)
    failed = [c.name for c in checks if c.status is Status.FAIL]
    print(f"\n{'FAILED: ' + ', '.join(failed) if failed else 'all checks passed'}", file=out)
    return 1 if failed else 0
