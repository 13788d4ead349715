"""The domain of a bot-to-human handoff, which is also the v1 wire schema.

Every model is frozen, so instances can cross threads (worker → Qt signal → UI)
without copies. Bot-supplied objects keep unknown fields (`extra="allow"`): a
platform may send more than v1 knows, and nothing it sends is thrown away.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSION = "v1"

ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Score = Annotated[int, Field(ge=1, le=5)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Open(BaseModel):
    """A bot- or CRM-supplied object: unknown fields are kept, not rejected."""

    model_config = ConfigDict(frozen=True, extra="allow")


class Speaker(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    SYSTEM = "system"


class ReasonKind(StrEnum):
    NEGATIVE_SENTIMENT = "negative_sentiment"
    MISUNDERSTOOD_INTENTS = "misunderstood_intents"
    KEYWORD = "keyword"
    PAYMENT_THRESHOLD = "payment_threshold"
    SENSITIVE_TOPIC = "sensitive_topic"
    CUSTOMER_REQUEST = "customer_request"
    BOT_FAILURE = "bot_failure"
    OTHER = "other"


class EscalationStatus(StrEnum):
    OPEN = "open"  # not yet claimed by an agent
    CLAIMED = "claimed"


class Turn(_Open):
    """One message of the bot conversation."""

    id: ShortText
    at: AwareDatetime
    speaker: Speaker
    text: Annotated[str, Field(max_length=100_000)]
    intent: str | None = None
    confidence: Annotated[float, Field(ge=0, le=1)] | None = None
    sentiment: Annotated[float, Field(ge=-1, le=1)] | None = None


class Reason(_Open):
    """Why the bot gave up, e.g. `payment_threshold` with value 740."""

    kind: ReasonKind
    detail: Annotated[str, Field(max_length=2000)] = ""
    value: float | str | None = None


class BotInfo(_Open):
    platform: ShortText
    flow: ShortText
    note_to_agent: Annotated[str, Field(max_length=10_000)] = ""


class CustomerRef(_Open):
    """Who the bot was talking to, as the bot knows them."""

    id: ShortText
    display_name: Annotated[str, Field(max_length=200)] = ""


class Escalation(_Open):
    """What a bot platform posts to `POST /v1/escalations`."""

    id: ShortText
    queue: ShortText
    channel: Annotated[str, Field(min_length=1, max_length=40)]  # chat, voice, email, ...
    created_at: AwareDatetime
    language: Annotated[str, Field(min_length=2, max_length=35)] = "en"
    bot: BotInfo
    customer: CustomerRef
    reasons: list[Reason] = Field(default_factory=list, max_length=100)
    transcript: list[Turn] = Field(default_factory=list, max_length=20_000)


class Profile(_Open):
    """The CRM's customer record, loaded with `PUT /v1/customers/{id}`."""

    id: ShortText
    display_name: Annotated[str, Field(max_length=200)] = ""
    tier: str | None = None
    vip: bool = False
    language: str | None = None
    customer_since: str | None = None  # a date, as the CRM spells it
    email: str | None = None
    phone: str | None = None
    consent: dict[str, bool] = Field(default_factory=dict)


class HistoryItem(_Open):
    """A prior ticket, case or order, loaded with `PUT /v1/customers/{id}/history`."""

    id: ShortText
    kind: Annotated[str, Field(min_length=1, max_length=40)]  # ticket, case, order, ...
    title: Annotated[str, Field(max_length=500)] = ""
    status: Annotated[str, Field(max_length=60)] = ""
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    flow: str | None = None  # the bot flow or reason it was about, when known


class Statement(_Frozen):
    """One summary statement and the transcript turns it rests on."""

    text: Annotated[str, Field(min_length=1, max_length=600)]
    cites: list[ShortText] = Field(min_length=1, max_length=20)  # Turn ids


class SummaryState(StrEnum):
    READY = "ready"
    NOT_ENOUGH_CONVERSATION = "not_enough_conversation"


class SummaryProvenance(_Frozen):
    """How one summary version was made, so supervisors see exactly what was rated."""

    summariser: str  # "extractive" or "llm"
    model: str | None = None
    prompt_version: str
    input_hash: str  # sha256 of the (redacted) input the summariser saw
    started_at: AwareDatetime
    took_ms: float
    fallback_reason: str | None = None  # why the LLM summary was not used
    dropped_statements: int = 0  # statements refused by the grounding check
    redactions: int = 0  # PII values replaced before the text left the hub


class Summary(_Open):
    """A structured, cited summary of the conversation, as the hub's summariser produced it.

    `text` is a plain rendering of the sections for simple views; the sections
    carry the citations (turn ids) that the sidebar shows as chips.
    """

    kind: str  # "extractive" or "llm"
    text: str = ""
    created_at: AwareDatetime | None = None
    state: SummaryState = SummaryState.READY
    version: int = 1
    issue: Statement | None = None  # the issue, in one sentence
    wants: list[Statement] = Field(default_factory=list)  # what the customer wants
    bot_tried: list[Statement] = Field(default_factory=list)  # what the bot already tried
    facts: list[Statement] = Field(default_factory=list)  # facts the customer already gave
    sentiment: Statement | None = None
    next_step: Statement | None = None
    provenance: SummaryProvenance | None = None

    def statements(self) -> list[tuple[str, Statement]]:
        """Every statement with its section name, in reading order."""
        out: list[tuple[str, Statement]] = []
        if self.issue:
            out.append(("issue", self.issue))
        out += [("wants", s) for s in self.wants]
        out += [("bot_tried", s) for s in self.bot_tried]
        out += [("facts", s) for s in self.facts]
        if self.sentiment:
            out.append(("sentiment", self.sentiment))
        if self.next_step:
            out.append(("next_step", self.next_step))
        return out


class EscalationContext(_Frozen):
    """Everything an agent sees for one escalation (`GET /v1/escalations/{id}`)."""

    escalation: Escalation
    status: EscalationStatus
    claimed_by: str | None = None
    claimed_at: AwareDatetime | None = None
    profile: Profile | None = None
    history: list[HistoryItem] = Field(default_factory=list)
    summary: Summary | None = None
    # A content hash of what the agent is shown (escalation, profile, history), so a
    # rating can name the exact context it judged and a supervisor can open it again.
    context_version: Annotated[str, Field(max_length=64)] | None = None


class QueueItem(_Frozen):
    """What the queue shows without a fetch: the data of `escalation.created`."""

    escalation_id: str
    queue: str
    channel: str
    customer_display_name: str
    reasons: list[Reason]
    created_at: AwareDatetime
    status: EscalationStatus = EscalationStatus.OPEN
    claimed_by: str | None = None

    @classmethod
    def of(cls, escalation: Escalation) -> QueueItem:
        return cls(
            escalation_id=escalation.id,
            queue=escalation.queue,
            channel=escalation.channel,
            customer_display_name=escalation.customer.display_name,
            reasons=escalation.reasons,
            created_at=escalation.created_at,
        )


class ClaimInfo(_Frozen):
    """The answer to a claim, and the data of `escalation.claimed`."""

    escalation_id: str
    queue: str
    claimed_by: str
    claimed_at: AwareDatetime


class EscalationAccepted(_Frozen):
    """The 202 answer to `POST /v1/escalations`."""

    id: str
    event_id: int


class RatingParts(_Frozen):
    """Per-part scores; None means the agent did not use or did not score that part."""

    transcript: Score | None = None
    summary: Score | None = None
    profile: Score | None = None
    history: Score | None = None


class Repeated(StrEnum):
    """What the agent had to ask the customer again."""

    ACCOUNT_ID = "account_id"
    ORDER_NUMBER = "order_number"
    ISSUE_DESCRIPTION = "issue_description"
    IDENTITY_VERIFICATION = "identity_verification"
    OTHER = "other"


class Problem(StrEnum):
    """What was wrong with the context."""

    INACCURATE = "inaccurate"
    MISSING = "missing"
    TOO_LONG = "too_long"
    IRRELEVANT = "irrelevant"
    OUTDATED = "outdated"


class Outcome(StrEnum):
    """How the contact ended, set at wrap-up: first-contact resolution is reported from it."""

    RESOLVED = "resolved"
    FOLLOW_UP = "follow_up"
    TRANSFERRED = "transferred"


Millis = Annotated[int, Field(ge=0, le=7 * 24 * 3600 * 1000)]


class Rating(_Frozen):
    """An agent's verdict on the context of one escalation.

    One current rating per (escalation, agent). An edit after the rating synced is a
    new rating whose `supersedes` names the one it replaces; the hub keeps both and
    counts only the newest.
    """

    id: uuid.UUID = Field(default_factory=uuid.uuid4)  # made by the client, the sync key
    escalation_id: ShortText
    created_at: AwareDatetime
    overall: Score
    parts: RatingParts = Field(default_factory=RatingParts)
    customer_repeated: bool = False
    repeated: list[Repeated] = Field(default_factory=list, max_length=len(Repeated))
    problems: list[Problem] = Field(default_factory=list, max_length=len(Problem))
    comment: Annotated[str, Field(max_length=4000)] = ""
    outcome: Outcome | None = None
    # Recorded by the sidebar, not typed by the agent.
    first_action_ms: Millis | None = None  # pop painted → the agent's first action
    rate_ms: Millis | None = None  # pop painted → rating saved
    context_version: Annotated[str, Field(max_length=64)] | None = None  # EscalationContext's
    summary_version: Annotated[int, Field(ge=1)] | None = None  # the summary shown, if any
    supersedes: uuid.UUID | None = None


class RatingBatch(_Frozen):
    ratings: list[Rating] = Field(min_length=1, max_length=500)


class RatingResult(_Frozen):
    id: uuid.UUID
    status: Literal["created", "duplicate", "rejected"]
    reason: str | None = None


class RatingBatchResult(_Frozen):
    results: list[RatingResult]


class Identity(_Frozen):
    """Who a bearer token belongs to (`GET /v1/me`): the agent's name as claims show it."""

    name: str
    role: Literal["agent", "supervisor", "admin"]
    queues: list[str] = Field(default_factory=list)  # empty: every queue


class ErrorDetail(_Frozen):
    field: str | None = None
    message: str


class ErrorInfo(BaseModel):
    """`extra` carries specifics, e.g. `claimed_by` on a lost claim."""

    model_config = ConfigDict(frozen=True, extra="allow")

    code: str  # machine-readable, e.g. "validation_error", "unauthorized"
    message: str  # for people
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorEnvelope(_Frozen):
    """The one shape of every 4xx and 5xx answer of the hub."""

    error: ErrorInfo


class ConnectionState(StrEnum):
    """The sidebar's link to the hub, as its header shows it."""

    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"  # gave up for now or never reached; retrying in the background
    SIGNED_OUT = "signed_out"  # 401/403: the stream stopped until the agent signs in again


class SyncState(_Frozen):
    """The ratings outbox, as the header shows it."""

    unsynced: int  # saved locally, not yet accepted by the hub
    rejected: int = 0  # refused by the hub for good (dead letters)
    detail: str = ""  # the last problem, for people; empty when all is well


class EventType(StrEnum):
    CREATED = "escalation.created"
    CLAIMED = "escalation.claimed"
    UPDATED = "escalation.updated"
    RESYNC = "resync"
    # Ephemeral: sent without an id to the streams connected now; never stored or replayed.
    SUMMARY_PROGRESS = "summary.progress"


class UpdatedInfo(_Frozen):
    """The data of `escalation.updated`: something about it changed, fetch it again."""

    escalation_id: str
    queue: str
    what: str  # e.g. "summary"


class ResyncInfo(_Frozen):
    """The data of `resync`: replay is impossible, fetch the open escalations again."""

    reason: str


class SummaryProgress(_Frozen):
    """The data of `summary.progress`: a summary while the model writes it, not yet checked.

    `text` is a plain rendering of the sections streamed so far (untrusted, unverified);
    the checked summary follows as `escalation.updated` and replaces it.
    """

    escalation_id: str
    queue: str
    version: int  # the version this summary will have once stored
    text: Annotated[str, Field(max_length=20_000)]


class HubEvent(_Frozen):
    """One event of the hub's stream, as the client decodes it."""

    id: int
    type: EventType
    data: QueueItem | ClaimInfo | UpdatedInfo | ResyncInfo | SummaryProgress
    received_at: datetime | None = None


_EVENT_DATA: dict[EventType, type[BaseModel]] = {
    EventType.CREATED: QueueItem,
    EventType.CLAIMED: ClaimInfo,
    EventType.UPDATED: UpdatedInfo,
    EventType.RESYNC: ResyncInfo,
    EventType.SUMMARY_PROGRESS: SummaryProgress,
}


def decode_event(event_id: int, event_type: str, data: str) -> HubEvent:
    """Decode one SSE event of the hub's stream; ValueError if it is not one."""
    try:
        kind = EventType(event_type)
    except ValueError:
        raise ValueError(f"unknown event type {event_type!r}") from None
    payload = _EVENT_DATA[kind].model_validate_json(data)
    return HubEvent(id=event_id, type=kind, data=payload)
