"""Sample escalations for the UI tests, and guards against leaked windows and timers.

Test modules get the sample builders through the `samples` fixture (importing
`conftest` by name would be ambiguous next to tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from cxsidebar.core import (
    BotInfo,
    CustomerRef,
    Escalation,
    EscalationContext,
    EscalationStatus,
    HistoryItem,
    Profile,
    QueueItem,
    Reason,
    ReasonKind,
    Speaker,
    Statement,
    Summary,
    SummaryProvenance,
    Turn,
)
from cxsidebar.ui import MainWindow

NOW = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)
HOSTILE = [
    "<img src=x onerror=alert(1)><b>bold</b>",
    '<a href="file:///etc/passwd">x</a>',
    "<b>urgent</b> refund",
]
RLO = "refund \u202eexe.txt"


class StubNotifier:
    """Records what the window asked for instead of touching the desktop."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, ...]] = []

    def pop(self, window: QWidget) -> None:
        self.calls.append(("pop", window))

    def notify(self, window: QWidget, title: str, message: str) -> None:
        self.calls.append(("notify", window, title, message))

    def announce(self, window: QWidget, message: str) -> None:
        self.calls.append(("announce", window, message))

    def kinds(self) -> list[str]:
        return [call[0] for call in self.calls]


def make_turns(count: int, *, start: datetime = NOW - timedelta(minutes=30)) -> list[Turn]:
    lines = [
        (
            Speaker.CUSTOMER,
            "Hi, I was charged twice for my March invoice.",
            "billing_dispute",
            0.91,
            -0.4,
        ),
        (
            Speaker.BOT,
            "I'm sorry to hear that. Can you confirm the last four digits of the card?",
            None,
            None,
            None,
        ),
        (
            Speaker.CUSTOMER,
            "4242. And I want the 740 EUR back today, this is the third time!",
            "refund_request",
            0.62,
            -0.8,
        ),
        (
            Speaker.BOT,
            "Refunds above 500 EUR need a colleague. I'm connecting you now.",
            None,
            None,
            None,
        ),
    ]
    turns = []
    for number in range(count):
        speaker, text, intent, confidence, sentiment = lines[number % len(lines)]
        turns.append(
            Turn(
                id=f"t{number}",
                at=start + timedelta(seconds=20 * number),
                speaker=speaker,
                text=text,
                intent=intent,
                confidence=confidence,
                sentiment=sentiment,
            )
        )
    return turns


def make_escalation(
    escalation_id: str = "esc-1",
    *,
    name: str = "Ana Kowalski",
    queue: str = "billing",
    channel: str = "chat",
    minutes_ago: int = 4,
    turns: int = 4,
    reasons: list[Reason] | None = None,
    note: str = "Customer asked twice for a human. Double charge confirmed in billing system.",
) -> Escalation:
    return Escalation(
        id=escalation_id,
        queue=queue,
        channel=channel,
        created_at=NOW - timedelta(minutes=minutes_ago),
        bot=BotInfo(platform="acme-bot", flow="billing/refund", note_to_agent=note),
        customer=CustomerRef(id=f"cust-{escalation_id}", display_name=name),
        reasons=reasons
        if reasons is not None
        else [
            Reason(
                kind=ReasonKind.PAYMENT_THRESHOLD,
                value=740,
                detail="Refund above the 500 EUR bot limit",
            ),
            Reason(kind=ReasonKind.NEGATIVE_SENTIMENT, value=-0.8, detail="Customer is angry"),
        ],
        transcript=make_turns(turns),
    )


def make_item(escalation_id: str = "esc-1", **kwargs: Any) -> QueueItem:
    return QueueItem.of(make_escalation(escalation_id, **kwargs))


def make_profile(customer_id: str = "cust-esc-1", **kwargs: Any) -> Profile:
    fields: dict[str, Any] = {
        "id": customer_id,
        "display_name": "Ana Kowalski",
        "tier": "Gold",
        "vip": True,
        "language": "pl",
        "customer_since": "2019-05-02",
        "email": "ana.kowalski@example.com",
        "phone": "+48 601 234 567",
        "consent": {"marketing": False, "recording": True},
    }
    fields.update(kwargs)
    return Profile(**fields)


def make_history() -> list[HistoryItem]:
    return [
        HistoryItem(
            id="h-old",
            kind="ticket",
            title="Card declined at checkout",
            status="closed",
            opened_at=NOW - timedelta(days=300),
            closed_at=NOW - timedelta(days=298),
        ),
        HistoryItem(
            id="h-new",
            kind="case",
            title="Double charge, February invoice",
            status="open",
            opened_at=NOW - timedelta(days=3),
            flow="billing/refund",
        ),
        HistoryItem(
            id="h-mid",
            kind="order",
            title="Premium plan upgrade",
            status="delivered",
            opened_at=NOW - timedelta(days=40),
            closed_at=NOW - timedelta(days=39),
        ),
    ]


def make_context(
    escalation: Escalation | None = None,
    *,
    profile: Profile | str | None = "default",
    history: list[HistoryItem] | None = None,
    summary: Summary | str | None = "default",
    status: EscalationStatus = EscalationStatus.OPEN,
    claimed_by: str | None = None,
) -> EscalationContext:
    escalation = escalation or make_escalation()
    if profile == "default":
        profile = make_profile(escalation.customer.id)
    if summary == "default":
        summary = Summary(
            kind="llm",
            text="Customer was charged twice (740 EUR) for the March invoice and wants a "
            "refund today. Third contact about billing this month; angry.",
            created_at=NOW,
        )
    return EscalationContext(
        escalation=escalation,
        status=status,
        claimed_by=claimed_by,
        claimed_at=NOW if claimed_by else None,
        profile=profile,  # type: ignore[arg-type]
        history=make_history() if history is None else history,
        summary=summary,  # type: ignore[arg-type]
    )


def make_structured_summary(**update: Any) -> Summary:
    """An AI summary of `make_turns(4)` with every section, 1 to 3 statements and citations."""
    fields: dict[str, Any] = {
        "kind": "llm",
        "text": "Charged twice for the March invoice; wants 740 EUR back today.",
        "created_at": NOW,
        "version": 2,
        "issue": Statement(text="Charged twice for the March invoice.", cites=["t0"]),
        "wants": [
            Statement(text="A refund of the duplicate 740 EUR charge.", cites=["t2"]),
            Statement(text="The refund today, not next week.", cites=["t2", "t99"]),
        ],
        "bot_tried": [
            Statement(text="Asked for the last four digits of the card.", cites=["t1"]),
            Statement(text="Explained refunds above 500 EUR need an agent.", cites=["t3"]),
        ],
        "facts": [
            Statement(text="Card ending 4242.", cites=["t2"]),
            Statement(text="Amount: 740 EUR, March invoice.", cites=["t0", "t2"]),
            Statement(text="Third contact about this.", cites=["t2"]),
        ],
        "sentiment": Statement(text="Angry (third contact this month).", cites=["t2"]),
        "next_step": Statement(text="Refund the duplicate charge and confirm.", cites=["t3"]),
        "provenance": SummaryProvenance(
            summariser="llm",
            model="gpt-4o-mini",
            prompt_version="summary-v1",
            input_hash="0" * 64,
            started_at=NOW,
            took_ms=812.0,
            dropped_statements=1,
        ),
    }
    fields.update(update)
    return Summary(**fields)


@pytest.fixture
def samples() -> SimpleNamespace:
    """The sample builders and hostile strings, for test modules."""
    return SimpleNamespace(
        NOW=NOW,
        HOSTILE=HOSTILE,
        RLO=RLO,
        turns=make_turns,
        escalation=make_escalation,
        item=make_item,
        profile=make_profile,
        history=make_history,
        context=make_context,
        structured_summary=make_structured_summary,
    )


@pytest.fixture
def notifier() -> StubNotifier:
    return StubNotifier()


@pytest.fixture
def window(qtbot: Any, notifier: StubNotifier) -> Iterator[MainWindow]:
    win = MainWindow(notifier=notifier)
    qtbot.addWidget(win)
    win.set_agent_name("Sam Agent")
    return win


@pytest.fixture(autouse=True)
def _no_leaked_windows(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a top-level widget (and with it its timers) behind."""
    before = {id(w) for w in qapp.topLevelWidgets()}
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    leaked = [w for w in qapp.topLevelWidgets() if id(w) not in before]
    timers = [t for w in leaked for t in w.findChildren(QTimer) if t.isActive()]
    assert not leaked, f"top-level widgets left behind: {leaked}, running timers: {timers}"
