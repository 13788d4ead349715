"""Botpress: the HITL API's `createRemoteConversation` request, sent when the HITL plugin's
`startHitl` hands a conversation to a human, with its message history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from cxsidebar.core import Speaker
from cxsidebar.hub.adapters.base import (
    HINTS_KEY,
    Adapter,
    Draft,
    DraftTurn,
    HintsField,
    Source,
    parse,
)
from cxsidebar.hub.adapters.config import SourceConfig

DOC_URL = "https://botpress.com/reference/botpress-hitl-integration-apis"
BOT_AUTHORS = {"bot", "assistant", "agent-bot"}

MAPPING = (
    ("payload.conversationId", "escalation id (with the last message time)"),
    ("payload.userId", "customer.id (unless cxsidebar.customer_id)"),
    ("payload.userName", "customer.display_name"),
    ("payload.title", "bot.flow"),
    ("payload.description", "bot.note_to_agent"),
    ("payload.messages[].text", "transcript[].text"),
    ("payload.messages[].author", "transcript[].speaker (bot/assistant bot, system system, "
     "anything else the customer)"),
    ("payload.messages[].timestamp", "transcript[].at; the last one is created_at"),
    ("payload.cxsidebar", "queue, reasons, note_to_agent, flow, customer"),
)  # fmt: skip


class Message(Source):
    text: str
    author: str | None = None
    timestamp: AwareDatetime | None = None


class Conversation(Source):
    conversationId: Annotated[str, Field(min_length=1)]
    userId: Annotated[str, Field(min_length=1)]
    userName: str | None = None
    title: str | None = None
    description: str | None = None
    messages: list[Message] = Field(default_factory=list)
    hints: HintsField = Field(default=None, alias=HINTS_KEY)


class Request(Source):
    type: Literal["createRemoteConversation"]
    payload: Conversation


def _speaker(author: str | None) -> Speaker:
    name = (author or "").strip().lower()
    if name in BOT_AUTHORS or name.startswith("bot:"):
        return Speaker.BOT
    return Speaker.SYSTEM if name == "system" else Speaker.CUSTOMER


def read(payload: dict[str, Any], config: SourceConfig) -> Draft:
    conversation = parse(Request, payload).payload
    turns = [
        DraftTurn(_speaker(message.author), message.text, message.timestamp)
        for message in conversation.messages
    ]
    times = [message.timestamp for message in conversation.messages if message.timestamp]
    last = max(times) if times else None
    return Draft(
        platform="botpress",
        conversation_id=conversation.conversationId,
        handoff_key=str(int(last.timestamp() * 1000)) if last else "",
        customer_id=conversation.userId,
        customer_name=conversation.userName or "",
        turns=turns,
        created_at=last,
        flow=conversation.title,
        note_to_agent=conversation.description or "",
        hints=conversation.hints,
    )


ADAPTER = Adapter("botpress", "Botpress", DOC_URL, MAPPING, read)
