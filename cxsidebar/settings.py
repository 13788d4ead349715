"""The sidebar's settings: one typed object, built from layers described by one schema.

Precedence, lowest first: built-in defaults < machine config (`/etc/cxsidebar/
config.toml`, `%ProgramData%\\cxsidebar\\config.toml`) < user settings file <
a file named by `--config`/`CXSIDEBAR_CONFIG` < `CXSIDEBAR_*` environment
variables < command-line flags. The policy layer (`/etc/cxsidebar/policy.d/*.toml`,
`HKLM\\SOFTWARE\\Policies\\cxsidebar`) wins over all of them and locks its keys.

`SCHEMA` drives the loader, the user settings file and docs/deployment.md's key
table (`key_table_markdown`). Adding a setting is one `Settings` field plus one
`Key` entry.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "cxsidebar"
ENV_PREFIX = "CXSIDEBAR_"
USER = "user"  # the user may set it (settings dialog, user settings file) unless a policy locks it
ADMIN = "admin"  # only machine config, policy, environment or command line


class SettingsError(ValueError):
    """Bad configuration: the message names the source, the key and what was expected."""


def default_data_dir() -> Path:
    # Non-roaming on Windows: SQLite WAL does not work on redirected profiles.
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def default_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Origin:
    """Where a setting's value came from; `locked` when a policy set it."""

    source: str
    locked: bool = False


DEFAULT_ORIGIN = Origin("default")


@dataclass(frozen=True)
class Settings:
    hub_url: str = "http://127.0.0.1:8700"
    token: str = field(default="", repr=False)
    queues: tuple[str, ...] = ()  # empty: every queue the token may see
    db_path: Path = field(default_factory=lambda: default_data_dir() / "sidebar.sqlite3")
    pop: str = "pop"  # "pop": raise the window on arrival; "notify": only notify; "accept"
    color_scheme: str = "auto"  # "auto" follows the desktop; "light" or "dark" forces one
    proxy_url: str = ""
    use_env_proxy: bool = True
    use_system_trust: bool = True
    ca_bundle: str = ""
    log_level: str = "INFO"
    autostart: bool = True
    sla_voice: int = 30  # seconds a call may wait for an agent (phone too)
    sla_chat: int = 120  # seconds a chat transfer may wait
    max_open: int = 50  # open escalations the queue lists at once
    repeat_days: int = 7  # a contact this recent about the same flow or reason is a repeat
    arrival_sound: bool = False
    origins: Mapping[str, Origin] = field(
        default_factory=dict, compare=False, repr=False, kw_only=True
    )

    def __post_init__(self) -> None:
        # Built directly (the demo, tests) as well as by load_settings: same checks.
        for key in schema().values():
            if key.check is not None:
                key.check(key, getattr(self, key.name), "settings")

    def origin(self, key: str) -> Origin:
        """Where `key`'s value came from; `(source, locked)`."""
        if key not in schema():
            raise KeyError(key)
        return self.origins.get(key, DEFAULT_ORIGIN)

    def locked(self, key: str) -> bool:
        return self.origin(key).locked


# -- the schema -------------------------------------------------------------------------------

Check = Callable[["Key", Any, str], Any]


@dataclass(frozen=True)
class Key:
    """One setting: how to read it, what it means and who may set it."""

    name: str
    kind: str  # for people: "string", "URL", "list of strings", "path", "boolean", one of ...
    description: str
    who: str = USER
    choices: tuple[str, ...] = ()
    secret: bool = False
    coerce: Check | None = None  # raw value → typed value, or SettingsError
    check: Check | None = None  # extra validation of a typed value (also for Settings(...))

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    def parse(self, value: Any, source: str) -> Any:
        typed = (self.coerce or _as_str)(self, value, source)
        if self.check is not None:
            self.check(self, typed, source)
        return typed


def _where(key: Key, source: str) -> str:
    return f"{source}: key {key.name!r}"


def _as_str(key: Key, value: Any, source: str) -> str:
    if not isinstance(value, str):
        raise SettingsError(f"{_where(key, source)}: expected a string, got {value!r}")
    return value


def _as_list(key: Key, value: Any, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [q.strip() for q in value.split(",") if q.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(q, str) for q in value):
        raise SettingsError(f"{_where(key, source)}: expected a list of queue names, got {value!r}")
    return tuple(value)


def _as_path(key: Key, value: Any, source: str) -> Path:
    if not isinstance(value, str | Path) or not str(value):
        raise SettingsError(f"{_where(key, source)}: expected a file path, got {value!r}")
    return Path(value).expanduser()


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _as_bool(key: Key, value: Any, source: str) -> bool:
    # TOML booleans, registry DWORDs (0/1) and environment words.
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise SettingsError(f"{_where(key, source)}: expected true or false, got {value!r}")


def _url(*, empty_ok: bool, schemes: tuple[str, ...] = ("http://", "https://")) -> Check:
    def check(key: Key, value: Any, source: str) -> None:
        _as_str(key, value, source)
        if empty_ok and value == "":
            return
        if not value.startswith(schemes):
            wanted = " or ".join(schemes)
            raise SettingsError(f"{_where(key, source)}: expected an {wanted} URL, got {value!r}")

    return check


def _one_of(key: Key, value: Any, source: str) -> None:
    if value not in key.choices:
        wanted = " or ".join(repr(c) for c in key.choices)
        raise SettingsError(f"{_where(key, source)}: expected {wanted}, got {value!r}")


def _upper(key: Key, value: Any, source: str) -> str:
    return _as_str(key, value, source).upper()


def _whole(low: int, high: int) -> Check:
    """A whole number in [low, high], from TOML, a registry DWORD or an environment word."""

    def coerce(key: Key, value: Any, source: str) -> int:
        number = value
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value.strip())
        if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
            raise SettingsError(
                f"{_where(key, source)}: expected a whole number from {low} to {high},"
                f" got {value!r}"
            )
        return number

    return coerce


SCHEMA: tuple[Key, ...] = (
    Key(
        "hub_url",
        "URL",
        "The hub's base URL, e.g. `https://hub.example:8700`.",
        check=_url(empty_ok=False),
    ),
    Key(
        "token",
        "string (secret)",
        "The agent's bearer token. Leave unset: the sidebar asks at first start and keeps it"
        " in the OS keystore. Never put it in a user settings file.",
        who=ADMIN,
        secret=True,
    ),
    Key(
        "queues",
        "list of strings",
        "Queues to follow; empty means every queue the token may see.",
        coerce=_as_list,
    ),
    Key(
        "db_path",
        "path",
        "The local ratings database; must be on a local disk.",
        who=ADMIN,
        coerce=_as_path,
    ),
    Key(
        "pop",
        "one of",
        "`pop` raises the window when an escalation arrives; `notify` only"
        " notifies; `accept` notifies and opens it when the agent accepts.",
        choices=("pop", "notify", "accept"),
        check=_one_of,
    ),
    Key(
        "color_scheme",
        "one of",
        "`auto` follows the desktop's light or dark mode; `light` or `dark` forces one.",
        choices=("auto", "light", "dark"),
        check=_one_of,
    ),
    Key(
        "proxy_url",
        "URL",
        "An explicit HTTP(S) proxy for the hub; empty: see `use_env_proxy`.",
        who=ADMIN,
        check=_url(empty_ok=True, schemes=("http://", "https://", "socks5://")),
    ),
    Key(
        "use_env_proxy",
        "boolean",
        "Honour `HTTPS_PROXY`/`NO_PROXY` (and the Windows/macOS system proxy) when"
        " `proxy_url` is empty.",
        who=ADMIN,
        coerce=_as_bool,
    ),
    Key(
        "use_system_trust",
        "boolean",
        "Verify the hub's certificate against the operating system's trust store"
        " (corporate CAs); false: the bundled certifi roots.",
        who=ADMIN,
        coerce=_as_bool,
    ),
    Key(
        "ca_bundle",
        "path",
        "A PEM file of the CA certificates to trust for the hub; when"
        " set it replaces the system trust store.",
        who=ADMIN,
    ),
    Key(
        "log_level",
        "one of",
        "How much goes to the log file.",
        who=ADMIN,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        coerce=_upper,
        check=_one_of,
    ),
    Key("autostart", "boolean", "Start the sidebar when the user signs in.", coerce=_as_bool),
    Key(
        "sla_voice",
        "seconds",
        "How long a voice (or phone) escalation may wait for an agent: its queue countdown"
        " turns amber at two thirds, red when overdue.",
        who=ADMIN,
        coerce=_whole(1, 86_400),
        check=_whole(1, 86_400),
    ),
    Key(
        "sla_chat",
        "seconds",
        "How long a chat escalation may wait for an agent (other channels: one hour).",
        who=ADMIN,
        coerce=_whole(1, 86_400),
        check=_whole(1, 86_400),
    ),
    Key(
        "max_open",
        "whole number",
        "Open escalations the queue lists at once; newer ones wait off the list, counted.",
        who=ADMIN,
        coerce=_whole(1, 1000),
        check=_whole(1, 1000),
    ),
    Key(
        "repeat_days",
        "days",
        "A CRM contact this many days back about the same bot flow or reason marks the"
        " escalation as a repeat contact.",
        who=ADMIN,
        coerce=_whole(1, 365),
        check=_whole(1, 365),
    ),
    Key(
        "arrival_sound",
        "boolean",
        "Play a short sound when an escalation arrives.",
        coerce=_as_bool,
    ),
)


def schema() -> dict[str, Key]:
    """Every setting by name. A Settings field without its own entry gets a plain string entry."""
    keys = {key.name: key for key in SCHEMA}
    for f in dataclasses.fields(Settings):
        if f.name != "origins" and f.name not in keys:
            keys[f.name] = Key(f.name, "string", f"The `{f.name}` setting.")
    return keys


def default_value(name: str) -> Any:
    f = next(f for f in dataclasses.fields(Settings) if f.name == name)
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


# -- where the layers live -------------------------------------------------------------------


@dataclass(frozen=True)
class Locations:
    """The files (and registry key) each layer reads; tests pass their own."""

    machine_config: Path | None
    user_config: Path | None
    policy_dir: Path | None
    policy_registry: str | None = None  # HKLM subkey read as policy, Windows only
    machine_registry: str | None = None  # HKLM subkey read as machine config (the MSI writes it)

    @classmethod
    def default(cls) -> Locations:
        if sys.platform == "win32":
            base = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / APP_NAME
            return cls(
                base / "config.toml",
                _user_file(),
                base / "policy.d",
                r"SOFTWARE\Policies\cxsidebar",
                r"SOFTWARE\cxsidebar",
            )
        if sys.platform == "darwin":
            base = Path("/Library/Application Support") / APP_NAME
            return cls(base / "config.toml", _user_file(), base / "policy.d")
        return cls(
            Path("/etc/cxsidebar/config.toml"), _user_file(), Path("/etc/cxsidebar/policy.d")
        )

    @classmethod
    def none(cls) -> Locations:
        return cls(None, None, None)


def _user_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.toml"


# -- reading layers ---------------------------------------------------------------------------


def _layer(values: Mapping[str, Any], source: str, *, user_file: bool = False) -> dict[str, Any]:
    keys = schema()
    out = {}
    for name, value in values.items():
        key = keys.get(name)
        if key is None:
            known = ", ".join(sorted(keys))
            raise SettingsError(f"{source}: unknown key {name!r} (known keys: {known})")
        if user_file and key.who != USER:
            raise SettingsError(
                f"{source}: key {name!r}: only an administrator may set it (machine config,"
                " policy, environment or command line)"
            )
        out[name] = key.parse(value, source)
    return out


def _toml_table(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise SettingsError(f"{path}: no such configuration file") from None
    except PermissionError:
        raise SettingsError(f"{path}: not readable (permission denied)") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    table = data.get("sidebar", data)
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: key 'sidebar': expected a table")
    return table


def read_toml(path: Path, *, user_file: bool = False) -> dict[str, Any]:
    """One TOML layer, typed; keys may sit at the top or in a `[sidebar]` table."""
    return _layer(_toml_table(path), str(path), user_file=user_file)


def read_registry(subkey: str) -> dict[str, Any]:
    """Values under HKLM\\<subkey> (Windows only; nothing elsewhere or when absent)."""
    if sys.platform != "win32":
        return {}
    import winreg

    source = f"HKLM\\{subkey}"
    values: dict[str, Any] = {}
    try:
        handle = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, subkey)
    except OSError:
        return {}
    with handle:
        index = 0
        while True:
            try:
                name, value, _kind = winreg.EnumValue(handle, index)
            except OSError:
                break
            if value is not None and str(value).strip():  # an MSI property left empty: unset
                values[name] = value  # REG_SZ → str, REG_DWORD → int, REG_MULTI_SZ → list
            index += 1
    return _layer(values, source)


def _policy_layers(locations: Locations) -> list[tuple[str, dict[str, Any]]]:
    layers = []
    if locations.policy_dir is not None and locations.policy_dir.is_dir():
        for path in sorted(locations.policy_dir.glob("*.toml")):
            layers.append((str(path), read_toml(path)))
    if locations.policy_registry:
        layers.append(
            (f"HKLM\\{locations.policy_registry}", read_registry(locations.policy_registry))
        )
    return layers


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    locations: Locations | None = None,
) -> Settings:
    """Build the settings from every layer; SettingsError names what to fix."""
    environ = os.environ if environ is None else environ
    locations = Locations.default() if locations is None else locations
    keys = schema()
    layers: list[tuple[str, dict[str, Any]]] = []
    if locations.machine_config is not None and locations.machine_config.is_file():
        layers.append((str(locations.machine_config), read_toml(locations.machine_config)))
    if locations.machine_registry:
        layers.append(
            (f"HKLM\\{locations.machine_registry}", read_registry(locations.machine_registry))
        )
    if locations.user_config is not None and locations.user_config.is_file():
        layers.append(
            (str(locations.user_config), read_toml(locations.user_config, user_file=True))
        )
    if config_file is None and environ.get(ENV_PREFIX + "CONFIG"):
        config_file = Path(environ[ENV_PREFIX + "CONFIG"])
    if config_file is not None:
        layers.append((str(config_file), read_toml(config_file)))
    # Only the variables that name a setting: other tools share the prefix
    # (CXSIDEBAR_VENV for ./dev, CXSIDEBAR_BOT_SECRET for the demo bot).
    env_source = "environment (CXSIDEBAR_*)"
    env_values = {name: environ[key.env] for name, key in keys.items() if key.env in environ}
    layers.append((env_source, _layer(env_values, env_source)))
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    layers.append(("command line", _layer(flags, "command line")))
    values: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    for source, layer in layers:
        values.update(layer)
        origins.update(dict.fromkeys(layer, Origin(source)))
    for source, layer in _policy_layers(locations):
        values.update(layer)
        origins.update(dict.fromkeys(layer, Origin(source, locked=True)))
    return Settings(**values, origins=origins)


# -- the user settings file -------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # JSON string escapes are valid TOML basic strings


def save_user_settings(path: Path, values: Mapping[str, Any]) -> None:
    """Write the user's own choices; only USER keys, never a secret, validated first."""
    typed = read_toml(path, user_file=True) if path.is_file() else {}
    typed.update(_layer(values, str(path), user_file=True))
    lines = ["# cxsidebar user settings, written by the settings dialog.", "[sidebar]"]
    lines += [f"{name} = {_toml_value(value)}" for name, value in sorted(typed.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


# -- documentation ----------------------------------------------------------------------------


def _default_text(key: Key) -> str:
    if key.name == "db_path":
        return "user data dir / `sidebar.sqlite3`"
    value = default_value(key.name)
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value in ("", ()):
        return "(empty)"
    return f"`{value}`"


def key_table_markdown() -> str:
    """docs/deployment.md's key table, generated from the schema."""
    rows = [
        "| Key | Type | Default | Who may set it | Environment | Description |",
        "|---|---|---|---|---|---|",
    ]
    for key in schema().values():
        kind = key.kind
        if key.choices:
            kind = "one of " + ", ".join(f"`{c}`" for c in key.choices)
        who = "user, admin" if key.who == USER else "admin"
        rows.append(
            f"| `{key.name}` | {kind} | {_default_text(key)} | {who} | `{key.env}` |"
            f" {key.description} |"
        )
    return "\n".join(rows) + "\n"
