"""The sidebar's settings: one typed object, read from TOML, environment and flags.

Precedence, lowest first: built-in defaults < the TOML file < `CXSIDEBAR_*`
environment variables < command-line flags. The packaging work adds machine,
user and policy layers in front of this; everything reads one `Settings`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "cxsidebar"
ENV_PREFIX = "CXSIDEBAR_"


class SettingsError(ValueError):
    """Bad configuration: the message names the source, the key and what was expected."""


def default_data_dir() -> Path:
    # Non-roaming on Windows: SQLite WAL does not work on redirected profiles.
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


@dataclass(frozen=True)
class Settings:
    hub_url: str = "http://127.0.0.1:8700"
    token: str = field(default="", repr=False)
    queues: tuple[str, ...] = ()  # empty: every queue the token may see
    db_path: Path = field(default_factory=lambda: default_data_dir() / "sidebar.sqlite3")
    pop: str = "pop"  # "pop": raise the window on arrival; "notify": only notify

    def __post_init__(self) -> None:
        # Built directly (the demo, tests) as well as by load_settings: same checks.
        for key in ("hub_url", "pop"):
            _coerce(key, getattr(self, key), "settings")


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(key: str, value: Any, source: str) -> Any:
    """Turn a raw TOML/env/flag value into the field's type, or say what was expected."""
    where = f"{source}: key {key!r}"
    if key == "queues":
        if isinstance(value, str):
            value = [q.strip() for q in value.split(",") if q.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(q, str) for q in value):
            raise SettingsError(f"{where}: expected a list of queue names, got {value!r}")
        return tuple(value)
    if key == "db_path":
        if not isinstance(value, str | Path) or not str(value):
            raise SettingsError(f"{where}: expected a file path, got {value!r}")
        return Path(value).expanduser()
    if not isinstance(value, str):
        raise SettingsError(f"{where}: expected a string, got {value!r}")
    if key == "hub_url" and not value.startswith(("http://", "https://")):
        raise SettingsError(f"{where}: expected an http:// or https:// URL, got {value!r}")
    if key == "pop" and value not in ("pop", "notify"):
        raise SettingsError(f"{where}: expected 'pop' or 'notify', got {value!r}")
    return value


def _layer(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        if key not in _FIELDS:
            known = ", ".join(sorted(_FIELDS))
            raise SettingsError(f"{source}: unknown key {key!r} (known keys: {known})")
        out[key] = _coerce(key, value, source)
    return out


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise SettingsError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    table = data.get("sidebar", data)
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: key 'sidebar': expected a table")
    return _layer(table, str(path))


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings from every layer; SettingsError names what to fix."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if config_file is None and environ.get(ENV_PREFIX + "CONFIG"):
        config_file = Path(environ[ENV_PREFIX + "CONFIG"])
    if config_file is not None:
        values.update(read_toml(config_file))
    # Only the variables that name a setting: other tools share the prefix
    # (CXSIDEBAR_VENV for ./dev, CXSIDEBAR_BOT_SECRET for the demo bot).
    env_values = {
        key: environ[ENV_PREFIX + key.upper()]
        for key in _FIELDS
        if ENV_PREFIX + key.upper() in environ
    }
    values.update(_layer(env_values, "environment (CXSIDEBAR_*)"))
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    values.update(_layer(flags, "command line"))
    return Settings(**values)
