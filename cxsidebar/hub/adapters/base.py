"""What every platform module shares: the mapped draft, the bot's hints, small helpers.

A platform module validates the payload with its own pydantic models (so a
malformed payload is a 422 naming the source field) and returns a `Draft`;
`registry.adapt` turns the draft into a `core.Escalation` (routing, inference).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from cxsidebar.core import Reason, Speaker
from cxsidebar.hub.adapters.config import SourceConfig

M = TypeVar("M", bound=BaseModel)
MAX_ID = 200  # core.ShortText
# (source field, v1 field) rows, documented in docs/adapters.md
Mapping_ = tuple[tuple[str, str], ...]


class Source(BaseModel):
    """A platform object: the fields an adapter reads are checked, the rest ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


def _json_object(value: Any) -> Any:
    """Hints may arrive as an object or, where the platform only stores strings, as JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"expected a JSON object, not this text: {error}") from None
    return value


class Hints(Source):
    """What a bot may state about its handoff, in the platform's own place for custom data."""

    queue: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    reasons: list[Reason] = Field(default_factory=list, max_length=100)
    note_to_agent: Annotated[str, Field(max_length=10_000)] | None = None
    flow: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    customer_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    customer_name: Annotated[str, Field(max_length=200)] | None = None
    language: Annotated[str, Field(min_length=2, max_length=35)] | None = None
    channel: Annotated[str, Field(min_length=1, max_length=40)] | None = None


HintsField = Annotated[Hints | None, BeforeValidator(_json_object)]
HINTS_KEY = "cxsidebar"  # the key under which each platform carries `Hints`


@dataclass(frozen=True)
class DraftTurn:
    speaker: Speaker
    text: str
    at: datetime | None = None
    intent: str | None = None
    confidence: float | None = None
    sentiment: float | None = None
    source_id: str | None = None


@dataclass(frozen=True)
class Draft:
    """A platform payload read into v1 terms, before routing and inference."""

    platform: str
    conversation_id: str
    handoff_key: str  # tells two handoffs of one conversation apart
    customer_id: str
    turns: list[DraftTurn]
    created_at: datetime | None = None
    channel: str = "chat"
    language: str | None = None
    flow: str | None = None
    note_to_agent: str = ""
    customer_name: str = ""
    hints: Hints | None = None
    reasons: list[Reason] = field(default_factory=list)  # stated by the platform itself
    amounts: list[float] = field(default_factory=list)  # payment amounts from slots/parameters


class PayloadError(Exception):
    """The payload cannot be mapped; `details` are (source field, message) pairs for the 422."""

    def __init__(self, details: list[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" if f else m for f, m in details))
        self.details = details


def parse(model: type[M], data: Any, prefix: str = "") -> M:
    """`model.model_validate(data)`, with errors named by their field under `prefix`."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details: list[tuple[str | None, str]] = []
        for item in error.errors():
            parts = [prefix] if prefix else []
            parts.extend(str(part) for part in item["loc"])
            details.append((".".join(parts) or None, item["msg"]))
        raise PayloadError(details) from None


@dataclass(frozen=True)
class Adapter:
    """One platform: its name in the URL, where its format is documented, and its mapping."""

    name: str
    title: str
    doc_url: str
    mapping: Mapping_
    read: Callable[[dict[str, Any], SourceConfig], Draft]


def stable_id(*parts: str) -> str:
    """Join `parts` with '-'; hash the tail when the id would pass the v1 length limit."""
    text = "-".join(part for part in parts if part)
    if len(text) <= MAX_ID:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    return f"{text[: MAX_ID - 33]}-{digest}"


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path (`slots.department`, `messages.0.text`); None if absent."""
    current = data
    for part in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
        if current is None:
            return None
    return current


def amounts_in(values: Mapping[str, Any]) -> list[float]:
    """Numbers in slots/parameters whose name says they are an amount."""
    found: list[float] = []
    for name, value in values.items():
        if "amount" not in name.lower():
            continue
        number = _number(value)
        if number is not None:
            found.append(number)
    return found


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").replace("$", "").strip())
        except ValueError:
            return None
    if isinstance(value, Mapping):  # Lex slots: {"value": {"interpretedValue": "740"}}
        for key in ("interpretedValue", "value", "amount"):
            if key in value:
                return _number(value[key])
    return None
