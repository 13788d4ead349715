"""Microsoft Copilot Studio: the `handoff.initiate` event activity of a generic handoff."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BeforeValidator, Field

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

DOC_URL = "https://learn.microsoft.com/en-us/microsoft-copilot-studio/configure-generic-handoff"
TRANSCRIPT_ATTACHMENT = "transcript"

MAPPING = (
    ("value.va_ConversationId", "customer.id fallback; escalation id (with the activity id)"),
    ("value.va_LastTopic", "bot.flow"),
    ("value.va_Topics + value.va_Phrases", "transcript[].intent of the customer turn "
     "that said the phrase"),
    ("value.va_LastPhrases", "the intent of the last customer turn (va_LastTopic)"),
    ("value.va_AgentMessage", "bot.note_to_agent"),
    ("value.va_Language", "language"),
    ("timestamp", "created_at"),
    ("attachments[name=transcript].content.activities[type=message].text", "transcript[].text"),
    ("…activities[].from.role", "transcript[].speaker (user customer, bot bot)"),
    ("…activities[].timestamp", "transcript[].at"),
    ("…activities[from.role=user].from.id / .name", "customer.id / customer.display_name"),
    ("value.cxsidebar", "queue, reasons, note_to_agent, flow, customer"),
)  # fmt: skip


def _list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Account(Source):
    id: str | None = None
    name: str | None = None
    role: str | None = None


class Activity(Source):
    type: str
    id: str | None = None
    timestamp: AwareDatetime | None = None
    from_: Account | None = Field(default=None, alias="from")
    text: str | None = None


class Transcript(Source):
    activities: list[Activity] = Field(default_factory=list)


class Attachment(Source):
    name: str | None = None
    content: Any = None


class HandoffContext(Source):
    va_ConversationId: Annotated[str, Field(min_length=1)]
    va_LastTopic: str | None = None
    va_Topics: Annotated[list[str], BeforeValidator(_list)] = Field(default_factory=list)
    va_LastPhrases: str | None = None
    va_Phrases: Annotated[list[str], BeforeValidator(_list)] = Field(default_factory=list)
    va_AgentMessage: str | None = None
    va_Language: str | None = None
    hints: HintsField = Field(default=None, alias=HINTS_KEY)


class HandoffActivity(Source):
    type: Literal["event"]
    name: Literal["handoff.initiate"]
    id: str | None = None
    timestamp: AwareDatetime
    value: HandoffContext
    attachments: list[Attachment] = Field(default_factory=list)


def _transcript(activity: HandoffActivity) -> list[Activity]:
    for n, attachment in enumerate(activity.attachments):
        if (attachment.name or "").lower() == TRANSCRIPT_ATTACHMENT:
            return parse(Transcript, attachment.content, f"attachments.{n}.content").activities
    return []


def _activity_key(activity: HandoffActivity, conversation: str) -> str:
    """Direct Line activity ids are `<conversation id>|<sequence>`: keep the sequence."""
    if not activity.id:
        return str(int(activity.timestamp.timestamp() * 1000))
    return activity.id.removeprefix(f"{conversation}|")


def read(payload: dict[str, Any], config: SourceConfig) -> Draft:
    activity = parse(HandoffActivity, payload)
    context = activity.value
    topics = dict(zip(context.va_Phrases, context.va_Topics, strict=False))
    if context.va_LastPhrases and context.va_LastTopic:
        topics.setdefault(context.va_LastPhrases, context.va_LastTopic)
    turns: list[DraftTurn] = []
    customer_id = customer_name = None
    for item in _transcript(activity):
        if item.type != "message" or item.text is None:
            continue
        role = (item.from_.role if item.from_ else None) or "bot"
        if role == "user":
            speaker = Speaker.CUSTOMER
            if item.from_ and customer_id is None:
                customer_id, customer_name = item.from_.id, item.from_.name
        else:
            speaker = Speaker.BOT
        intent = topics.get(item.text) if speaker is Speaker.CUSTOMER else None
        turns.append(DraftTurn(speaker, item.text, item.timestamp, intent=intent,
                               source_id=item.id))  # fmt: skip
    return Draft(
        platform="copilot-studio",
        conversation_id=context.va_ConversationId,
        handoff_key=_activity_key(activity, context.va_ConversationId),
        customer_id=customer_id or context.va_ConversationId,
        customer_name=customer_name or "",
        turns=turns,
        created_at=activity.timestamp,
        language=context.va_Language,
        flow=context.va_LastTopic,
        note_to_agent=context.va_AgentMessage or "",
        hints=context.hints,
    )


ADAPTER = Adapter("copilot-studio", "Microsoft Copilot Studio", DOC_URL, MAPPING, read)
