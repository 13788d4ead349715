"""Chatwoot: `conversation_status_changed` when a bot's pending conversation is opened for
humans. Messages come from the payload, or from Chatwoot's messages API when configured."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field

from cxsidebar.core import Speaker
from cxsidebar.hub.adapters.base import (
    HINTS_KEY,
    Adapter,
    Draft,
    DraftTurn,
    HintsField,
    PayloadError,
    Source,
    parse,
)
from cxsidebar.hub.adapters.chatwoot_api import fetch_messages
from cxsidebar.hub.adapters.config import SourceConfig

DOC_URL = "https://www.chatwoot.com/docs/product/others/webhook-events"
API_DOC_URL = "https://developers.chatwoot.com/api-reference/messages/get-messages"
HANDOFF_EVENT = "conversation_status_changed"

MAPPING = (
    ("id", "escalation id (with account and timestamp); conversation"),
    ("timestamp", "created_at"),
    ("channel", "channel (Channel::Email email, Channel::Voice voice, else chat)"),
    ("meta.sender.identifier (else meta.sender.id)", "customer.id"),
    ("meta.sender.name", "customer.display_name"),
    ("messages[].content", "transcript[].text (private notes are skipped)"),
    ("messages[].message_type", "transcript[].speaker (0/incoming customer, 1/outgoing and "
     "3/template bot, 2/activity system)"),
    ("messages[].created_at", "transcript[].at"),
    ("custom_attributes.cxsidebar", "queue, reasons, note_to_agent, flow, customer"),
    ("GET /api/v1/accounts/{account}/conversations/{id}/messages", "the whole transcript, "
     "when [sources.chatwoot.api] is configured"),
)  # fmt: skip

MESSAGE_TYPES = {
    0: Speaker.CUSTOMER, "incoming": Speaker.CUSTOMER,
    1: Speaker.BOT, "outgoing": Speaker.BOT,
    2: Speaker.SYSTEM, "activity": Speaker.SYSTEM,
    3: Speaker.BOT, "template": Speaker.BOT,
}  # fmt: skip


class Message(Source):
    id: int | str | None = None
    content: str | None = None
    message_type: int | str
    created_at: AwareDatetime
    private: bool = False
    account_id: int | None = None


class Sender(Source):
    id: int | str | None = None
    identifier: str | None = None
    name: str | None = None


class Meta(Source):
    sender: Sender


class Account(Source):
    id: int


class Attributes(Source):
    hints: HintsField = Field(default=None, alias=HINTS_KEY)


class StatusChanged(Source):
    event: str
    id: int
    status: str
    timestamp: AwareDatetime
    channel: str | None = None
    meta: Meta
    messages: list[Message] = Field(default_factory=list)
    account: Account | None = None
    custom_attributes: Attributes = Field(default_factory=Attributes)


def _turns(messages: list[Message], prefix: str) -> list[DraftTurn]:
    turns = []
    for n, message in enumerate(messages):
        if message.private or not message.content:
            continue
        speaker = MESSAGE_TYPES.get(message.message_type)
        if speaker is None:
            raise PayloadError([(f"{prefix}.{n}.message_type", "expected 0, 1, 2 or 3")])
        source_id = None if message.id is None else str(message.id)
        turns.append(DraftTurn(speaker, message.content, message.created_at, source_id=source_id))
    return turns


def _channel(name: str | None) -> str:
    lowered = (name or "").lower()
    if "email" in lowered:
        return "email"
    return "voice" if "voice" in lowered else "chat"


def read(payload: dict[str, Any], config: SourceConfig) -> Draft:
    change = parse(StatusChanged, payload)
    if change.event != HANDOFF_EVENT:
        raise PayloadError([("event", f"expected {HANDOFF_EVENT!r}, got {change.event!r}")])
    if change.status != "open":
        raise PayloadError([("status", f"expected 'open' (a handoff), got {change.status!r}")])
    account_id = _account(change, config)
    messages = change.messages
    where = "messages"
    if config.api is not None and account_id is not None:
        fetched = fetch_messages(config.api, account_id, change.id)
        if fetched is not None:
            messages = [parse(Message, item, f"api.messages.{n}") for n, item in enumerate(fetched)]
            where = "api.messages"
    messages = sorted(messages, key=lambda message: message.created_at)
    sender = change.meta.sender
    customer = sender.identifier or (None if sender.id is None else str(sender.id))
    if not customer:
        raise PayloadError([("meta.sender.id", "the contact has no id or identifier")])
    created: datetime = change.timestamp
    return Draft(
        platform="chatwoot",
        conversation_id=f"{account_id}-{change.id}" if account_id is not None else str(change.id),
        handoff_key=str(int(created.timestamp())),
        customer_id=customer,
        customer_name=sender.name or "",
        turns=_turns(messages, where),
        created_at=created,
        channel=_channel(change.channel),
        hints=change.custom_attributes.hints,
    )


def _account(change: StatusChanged, config: SourceConfig) -> int | None:
    if config.api is not None and config.api.account_id is not None:
        return config.api.account_id
    if change.account is not None:
        return change.account.id
    return next((m.account_id for m in change.messages if m.account_id is not None), None)


ADAPTER = Adapter("chatwoot", "Chatwoot", DOC_URL, MAPPING, read)
