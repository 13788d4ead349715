"""The adapters' configuration: per-source queues and routing rules, inference thresholds.

It lives in a TOML file given to `cxsidebar-hub serve --adapters-config FILE`,
not in the database. Every error names the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from cxsidebar.hub.adapters.inference import InferenceRules

PLATFORMS = ("rasa", "dialogflow-cx", "lex-v2", "copilot-studio", "chatwoot", "botpress")
DEFAULT_QUEUE = "default"


class AdaptersConfigError(ValueError):
    """The config file is unreadable or wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Route:
    """Send the escalation to `queue` when the payload's `field` (a dotted path) equals `equals`."""

    field: str
    equals: str
    queue: str


@dataclass(frozen=True)
class ApiAccess:
    """Where to fetch more of a conversation (Chatwoot's messages API)."""

    base_url: str
    token: str = field(repr=False)
    account_id: int | None = None  # None: taken from the payload
    timeout_seconds: float = 5.0


@dataclass(frozen=True)
class SourceConfig:
    default_queue: str = DEFAULT_QUEUE
    routes: tuple[Route, ...] = ()
    api: ApiAccess | None = None


@dataclass(frozen=True)
class AdaptersConfig:
    sources: Mapping[str, SourceConfig] = field(default_factory=dict)
    inference: InferenceRules = field(default_factory=InferenceRules)

    def source(self, platform: str) -> SourceConfig:
        return self.sources.get(platform) or SourceConfig()


def load_adapters_config(path: Path) -> AdaptersConfig:
    """Read and check the TOML file at `path`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AdaptersConfigError(f"{path}: cannot read the file ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise AdaptersConfigError(f"{path}: not valid TOML ({error})") from None
    return parse_adapters_config(data, str(path))


def parse_adapters_config(data: Mapping[str, Any], where: str = "<config>") -> AdaptersConfig:
    _only(data, {"inference", "sources"}, where, "")
    inference = _inference(_table(data, "inference", where, ""), where)
    sources: dict[str, SourceConfig] = {}
    for name, table in _table(data, "sources", where, "").items():
        key = f"sources.{name}"
        if name not in PLATFORMS:
            raise AdaptersConfigError(
                f"{where}: {key}: unknown platform; expected one of {', '.join(PLATFORMS)}"
            )
        if not isinstance(table, Mapping):
            raise AdaptersConfigError(f"{where}: {key}: expected a table")
        sources[name] = _source(table, where, key)
    return AdaptersConfig(sources=sources, inference=inference)


def _only(table: Mapping[str, Any], allowed: set[str], where: str, key: str) -> None:
    for name in table:
        if name not in allowed:
            full = f"{key}.{name}" if key else name
            raise AdaptersConfigError(
                f"{where}: {full}: unknown key; expected one of {', '.join(sorted(allowed))}"
            )


def _table(data: Mapping[str, Any], name: str, where: str, key: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise AdaptersConfigError(f"{where}: {key + '.' if key else ''}{name}: expected a table")
    return value


def _text(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise AdaptersConfigError(f"{where}: {key}: expected a non-empty string")
    return value


def _source(table: Mapping[str, Any], where: str, key: str) -> SourceConfig:
    _only(table, {"default_queue", "routes", "api"}, where, key)
    default_queue = _text(table.get("default_queue", DEFAULT_QUEUE), where, f"{key}.default_queue")
    raw_routes = table.get("routes", [])
    if not isinstance(raw_routes, list):
        raise AdaptersConfigError(f"{where}: {key}.routes: expected an array of tables")
    routes = []
    for n, raw in enumerate(raw_routes):
        route_key = f"{key}.routes[{n}]"
        if not isinstance(raw, Mapping):
            raise AdaptersConfigError(f"{where}: {route_key}: expected a table")
        _only(raw, {"field", "equals", "queue"}, where, route_key)
        for needed in ("field", "equals", "queue"):
            if needed not in raw:
                raise AdaptersConfigError(f"{where}: {route_key}.{needed}: missing")
        equals = raw["equals"]
        if not isinstance(equals, str | int | float | bool):
            raise AdaptersConfigError(
                f"{where}: {route_key}.equals: expected a string, number or boolean"
            )
        routes.append(
            Route(
                field=_text(raw["field"], where, f"{route_key}.field"),
                equals=scalar_text(equals),
                queue=_text(raw["queue"], where, f"{route_key}.queue"),
            )
        )
    api = _api(table["api"], where, f"{key}.api") if "api" in table else None
    return SourceConfig(default_queue=default_queue, routes=tuple(routes), api=api)


def scalar_text(value: Any) -> str:
    """How a payload value compares with `equals`: booleans as JSON spells them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _api(table: Any, where: str, key: str) -> ApiAccess:
    if not isinstance(table, Mapping):
        raise AdaptersConfigError(f"{where}: {key}: expected a table")
    _only(table, {"base_url", "token", "account_id", "timeout_seconds"}, where, key)
    base_url = _text(table.get("base_url"), where, f"{key}.base_url")
    if not base_url.startswith(("http://", "https://")):
        raise AdaptersConfigError(f"{where}: {key}.base_url: expected an http(s) URL")
    token = table.get("token")
    if not isinstance(token, str) or not token:
        raise AdaptersConfigError(f"{where}: {key}.token: expected a non-empty string")
    account_id = table.get("account_id")
    if account_id is not None and (isinstance(account_id, bool) or not isinstance(account_id, int)):
        raise AdaptersConfigError(f"{where}: {key}.account_id: expected an integer")
    timeout = table.get("timeout_seconds", 5.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 60:
        raise AdaptersConfigError(
            f"{where}: {key}.timeout_seconds: expected a number of seconds, more than 0, at most 60"
        )
    return ApiAccess(base_url.rstrip("/"), token, account_id, float(timeout))


def _inference(table: Mapping[str, Any], where: str) -> InferenceRules:
    names = {f.name for f in fields(InferenceRules)}
    _only(table, names, where, "inference")
    values: dict[str, Any] = {}
    for name, value in table.items():
        key = f"inference.{name}"
        default = getattr(InferenceRules, name)
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise AdaptersConfigError(f"{where}: {key}: expected an array of strings")
            values[name] = tuple(value)
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise AdaptersConfigError(f"{where}: {key}: expected a number")
        elif isinstance(default, int) and not isinstance(value, int):
            raise AdaptersConfigError(f"{where}: {key}: expected an integer")
        else:
            values[name] = value
    try:
        return InferenceRules(**values)
    except ValueError as error:
        raise AdaptersConfigError(f"{where}: inference.{error}") from None
