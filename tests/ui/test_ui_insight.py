"""The pure logic behind SLA colours, reason chips, turn marks and the repeat-contact banner.

No Qt here: these are plain functions over core models.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cxsidebar.core import HistoryItem, Reason, ReasonKind, Speaker, Turn
from cxsidebar.ui.insight import (
    Mark,
    SlaLevel,
    format_duration,
    marks_text,
    reason_chip,
    repeat_banner,
    repeat_contacts,
    sla_status,
    sla_target,
    turn_marks,
)

NOW = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("channel", "waited", "level", "text"),
    [
        ("voice", 0, SlaLevel.OK, "0:30 left"),
        ("voice", 19, SlaLevel.OK, "0:11 left"),
        ("voice", 20, SlaLevel.AMBER, "0:10 left"),
        ("voice", 30, SlaLevel.RED, "0:00 left"),
        ("voice", 95, SlaLevel.RED, "+1:05 late"),
        ("chat", 60, SlaLevel.OK, "1:00 left"),
        ("Chat", 80, SlaLevel.AMBER, "0:40 left"),
        ("email", 600, SlaLevel.OK, "50:00 left"),
        ("fax", 3700, SlaLevel.RED, "+1:40 late"),
    ],
)
def test_sla_counts_down_per_channel(channel, waited, level, text):
    status = sla_status(NOW - timedelta(seconds=waited), NOW, channel)
    assert (status.level, status.text) == (level, text)


def test_sla_targets_are_configurable():
    targets = {"chat": 10, "*": 50}
    assert sla_target("chat", targets) == 10
    assert sla_target("sms", targets) == 50
    assert sla_status(NOW - timedelta(seconds=11), NOW, "chat", targets).level is SlaLevel.RED


def test_format_duration():
    assert [format_duration(s) for s in (9, 84, 3723, 200_000, -4)] == [
        "0:09",
        "1:24",
        "1:02:03",
        "2 d",
        "0:00",
    ]


@pytest.mark.parametrize(
    ("reason", "chip"),
    [
        (Reason(kind=ReasonKind.MISUNDERSTOOD_INTENTS, value=2), "2 misunderstood intents"),
        (Reason(kind=ReasonKind.MISUNDERSTOOD_INTENTS, value=1.0), "1 misunderstood intent"),
        (
            Reason(
                kind=ReasonKind.PAYMENT_THRESHOLD, value=740, detail="payment $740 > $500 limit"
            ),
            "payment $740 > $500",
        ),
        (
            Reason(kind=ReasonKind.PAYMENT_THRESHOLD, value=915.55, threshold=500, currency="EUR"),
            "payment €915.55 > €500",
        ),
        (Reason(kind=ReasonKind.PAYMENT_THRESHOLD, value=740), "payment 740"),
        (Reason(kind=ReasonKind.KEYWORD, value="complaint"), "keyword: complaint"),
        (Reason(kind=ReasonKind.NEGATIVE_SENTIMENT, value=-0.8), "sentiment \u22120.8"),
        (Reason(kind=ReasonKind.CUSTOMER_REQUEST), "asked for a human"),
        (
            Reason(kind=ReasonKind.SENSITIVE_TOPIC, value="bereavement"),
            "sensitive topic: bereavement",
        ),
        (Reason(kind=ReasonKind.OTHER, value="x\x00\u202ey"), "other: x[RLO]y"),
        (Reason(kind=ReasonKind.BOT_FAILURE), "bot failure"),
    ],
)
def test_reason_chips_read_like_people_talk(reason, chip):
    assert reason_chip(reason) == chip


def turn(number: int, speaker: Speaker, text: str, **kwargs) -> Turn:
    return Turn(
        id=f"t{number}",
        at=NOW + timedelta(seconds=number),
        speaker=speaker,
        text=text,
        **kwargs,
    )


def test_turn_marks_find_what_made_the_bot_give_up():
    turns = [
        turn(0, Speaker.CUSTOMER, "Hi", intent="greet", confidence=0.97, sentiment=0.1),
        turn(1, Speaker.CUSTOMER, "blah", intent="nlu_fallback", confidence=0.9),
        turn(2, Speaker.CUSTOMER, "refund??", intent="refund", confidence=0.31),
        turn(3, Speaker.CUSTOMER, "This is a COMPLAINT.", sentiment=-0.8),
        turn(4, Speaker.BOT, "Sorry, I can take your complaint."),  # the bot's words don't count
        turn(5, Speaker.CUSTOMER, "complaints dept"),  # whole words only
        turn(6, Speaker.CUSTOMER, "angry", sentiment=-0.5),
    ]
    reasons = [Reason(kind=ReasonKind.KEYWORD, value="complaint, fraud")]
    marks = turn_marks(turns, reasons)
    assert marks == {
        "t1": {Mark.MISUNDERSTOOD},
        "t2": {Mark.MISUNDERSTOOD},
        "t3": {Mark.NEGATIVE, Mark.KEYWORD},
        "t6": {Mark.NEGATIVE},
    }
    assert marks_text(marks["t3"]) == "negative · keyword"


def test_turn_marks_thresholds_are_parameters():
    turns = [turn(0, Speaker.CUSTOMER, "ok", intent="refund", confidence=0.6, sentiment=-0.4)]
    assert turn_marks(turns, []) == {}
    assert turn_marks(turns, [], low_confidence=0.7, negative=-0.3) == {
        "t0": {Mark.MISUNDERSTOOD, Mark.NEGATIVE}
    }


def history(item_id: str, days: float, flow: str | None = None, **extra) -> HistoryItem:
    return HistoryItem(
        id=item_id,
        kind="ticket",
        title=f"Ticket {item_id}",
        opened_at=NOW - timedelta(days=days),
        flow=flow,
        **extra,
    )


def test_repeat_contacts_match_flow_or_reason_within_the_window():
    items = [
        history("old", 9, "billing/refund"),
        history("other", 2, "password_reset"),
        history("same-flow", 3, "Billing/Refund"),
        history("same-reason", 1, reason="payment_threshold"),
        history("no-flow", 1),
    ]
    reasons = [Reason(kind=ReasonKind.PAYMENT_THRESHOLD, value=740)]
    found = repeat_contacts(items, flow="billing/refund", reasons=reasons, now=NOW)
    assert [i.id for i in found] == ["same-reason", "same-flow"]
    assert [i.id for i in repeat_contacts(items, flow="x", reasons=[], now=NOW, days=30)] == []
    wide = repeat_contacts(items, flow="billing/refund", reasons=[], now=NOW, days=10)
    assert [i.id for i in wide] == ["same-flow", "old"]


def test_repeat_banner_names_the_latest_match():
    items = [history("a", 3, "billing/refund"), history("b", 5, "billing/refund")]
    assert repeat_banner(items, NOW) == (
        "Repeat contact: ticket \u201cTicket a\u201d 3 days ago, same flow billing/refund (+1 more)"
    )
    assert repeat_banner([history("c", 0.2, reason="keyword")], NOW) == (
        "Repeat contact: ticket \u201cTicket c\u201d today, same reason keyword"
    )
    assert repeat_banner([], NOW) == ""
