"""What the agent should notice first, computed without Qt so it is tested without Qt.

- `sla_status`: how long an escalation may still wait, per channel, and its colour level.
- `reason_chip`: a reason as a person reads it ("2 misunderstood intents", "keyword: fraud").
- `turn_marks`: which turns made the bot give up (misunderstood, negative, keyword).
- `repeat_contacts`: recent CRM history about the same flow or reason.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from cxsidebar.core import HistoryItem, Reason, ReasonKind, Speaker, Turn, clean_text

# -- SLA ------------------------------------------------------------------------------------

# Seconds an escalation may wait for an agent, per channel: calls are answered within
# 30 s, chat transfers within 2 min; anything else (email, forms) within the hour.
DEFAULT_SLA: Mapping[str, int] = {"voice": 30, "phone": 30, "chat": 120, "email": 3600}
OTHER_SLA = 3600
AMBER_AT = 2 / 3  # share of the target used up when the countdown turns amber


class SlaLevel(StrEnum):
    OK = "ok"
    AMBER = "amber"  # most of the target used up
    RED = "red"  # overdue


@dataclass(frozen=True)
class SlaStatus:
    remaining: int  # seconds; negative once overdue
    level: SlaLevel
    text: str  # "1:24 left", "0:09 left", "+0:35 late"


def sla_targets(*, voice: int, chat: int) -> dict[str, int]:
    """The per-channel table with the configured voice (and phone) and chat targets."""
    return {**DEFAULT_SLA, "voice": voice, "phone": voice, "chat": chat}


def sla_target(channel: str, targets: Mapping[str, int] | None = None) -> int:
    table = DEFAULT_SLA if targets is None else targets
    return table.get(channel.casefold(), table.get("*", OTHER_SLA))


def sla_status(
    created_at: datetime, now: datetime, channel: str, targets: Mapping[str, int] | None = None
) -> SlaStatus:
    target = max(1, sla_target(channel, targets))
    waited = max(0, int((now - created_at).total_seconds()))
    remaining = target - waited
    if remaining <= 0:
        level = SlaLevel.RED
    elif waited >= target * AMBER_AT:
        level = SlaLevel.AMBER
    else:
        level = SlaLevel.OK
    text = (
        f"+{format_duration(-remaining)} late"
        if remaining < 0
        else (f"{format_duration(remaining)} left")
    )
    return SlaStatus(remaining, level, text)


def format_duration(seconds: int) -> str:
    """`0:09`, `1:24`, `59:59`, `1:02:03`, `3 d`."""
    seconds = max(0, seconds)
    if seconds >= 86_400:
        return f"{seconds // 86_400} d"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# -- reasons ------------------------------------------------------------------------------------

CHIP_LIMIT = 48  # characters of a reason's value on its chip; the detail says the rest
MINUS = "\u2212"  # a real minus sign (U+2212), not a hyphen
_CURRENCY = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "pln": "zł ", "inr": "₹"}
_NUMBER = re.compile(r"\$|€|£")


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) >= 10 else f"{value:g}"


def _signed(value: float) -> str:
    text = f"{abs(value):g}"
    return f"{MINUS}{text}" if value < 0 else f"+{text}" if value > 0 else text


def _money(value: float, currency: str) -> str:
    symbol = _CURRENCY.get(currency.casefold(), "")
    if symbol:
        return f"{symbol}{_number(value)}"
    return f"{_number(value)} {currency}".strip()


def _currency_of(reason: Reason) -> str:
    extra = reason.model_extra or {}
    currency = extra.get("currency")
    if isinstance(currency, str):
        return clean_text(currency, single_line=True)[:6]
    symbol = _NUMBER.search(reason.detail)  # "payment $740 > $500 limit"
    return {"$": "usd", "€": "eur", "£": "gbp"}[symbol.group(0)] if symbol else ""


def reason_chip(reason: Reason) -> str:
    """A reason with its value, as an agent reads it at a glance."""
    value = reason.value
    kind = reason.kind
    extra = reason.model_extra or {}
    number = float(value) if isinstance(value, int | float) else None
    text = clean_text(value[: CHIP_LIMIT * 4], single_line=True) if isinstance(value, str) else ""
    if len(text) > CHIP_LIMIT:
        text = text[: CHIP_LIMIT - 1] + "…"
    if kind is ReasonKind.MISUNDERSTOOD_INTENTS and number is not None:
        count = int(number)
        return f"{count} misunderstood intent{'' if count == 1 else 's'}"
    if kind is ReasonKind.PAYMENT_THRESHOLD and number is not None:
        currency = _currency_of(reason)
        limit = extra.get("threshold", extra.get("limit"))
        if limit is None:  # the bot said it only in its detail: "… > $500 …"
            found = re.search(r">\s*\D{0,3}?([0-9][0-9,]*(?:\.[0-9]+)?)", reason.detail)
            limit = float(found.group(1).replace(",", "")) if found else None
        shown = f"payment {_money(number, currency)}"
        if isinstance(limit, int | float):
            shown += f" > {_money(float(limit), currency)}"
        return shown
    if kind is ReasonKind.NEGATIVE_SENTIMENT and number is not None:
        return f"sentiment {_signed(number)}"
    if kind is ReasonKind.KEYWORD and text:
        return f"keyword: {text}"
    if kind is ReasonKind.CUSTOMER_REQUEST:
        return "asked for a human" + (f": {text}" if text else "")
    shown = text or (_number(number) if number is not None else "")
    name = kind.value.replace("_", " ")
    return f"{name}: {shown}" if shown else name


# -- transcript marks -------------------------------------------------------------------------


class Mark(StrEnum):
    MISUNDERSTOOD = "misunderstood"  # fallback intent or low confidence
    NEGATIVE = "negative"  # sentiment at or under the threshold
    KEYWORD = "keyword"  # contains an escalation keyword


LOW_CONFIDENCE = 0.5
NEGATIVE_SENTIMENT = -0.5
FALLBACK_INTENTS = frozenset(
    {"fallback", "nlu_fallback", "default fallback intent", "out_of_scope", "none", "unknown"}
)


def escalation_keywords(reasons: Iterable[Reason]) -> list[str]:
    """The words a `keyword` reason names: its value, split at commas."""
    words: list[str] = []
    for reason in reasons:
        if reason.kind is ReasonKind.KEYWORD and isinstance(reason.value, str):
            words.extend(w.strip() for w in reason.value.split(",") if w.strip())
    return words


def keyword_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({w.casefold() for w in words if w}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, cleaned)) + r")(?!\w)", re.I)


def turn_marks(
    turns: Sequence[Turn],
    reasons: Iterable[Reason],
    *,
    low_confidence: float = LOW_CONFIDENCE,
    negative: float = NEGATIVE_SENTIMENT,
) -> dict[str, frozenset[Mark]]:
    """Turn id → why that turn counts towards the escalation; unmarked turns are left out."""
    pattern = keyword_pattern(escalation_keywords(reasons))
    marks: dict[str, frozenset[Mark]] = {}
    for turn in turns:
        found: set[Mark] = set()
        if turn.speaker is Speaker.CUSTOMER and turn.intent is not None:
            fallback = turn.intent.strip().casefold() in FALLBACK_INTENTS
            unsure = turn.confidence is not None and turn.confidence < low_confidence
            if fallback or unsure:
                found.add(Mark.MISUNDERSTOOD)
        if turn.sentiment is not None and turn.sentiment <= negative:
            found.add(Mark.NEGATIVE)
        if pattern is not None and turn.speaker is not Speaker.BOT and pattern.search(turn.text):
            found.add(Mark.KEYWORD)
        if found:
            marks[turn.id] = frozenset(found)
    return marks


_MARK_ORDER = (Mark.MISUNDERSTOOD, Mark.NEGATIVE, Mark.KEYWORD)


@functools.cache
def _marks_text(marks: frozenset[Mark]) -> str:
    return " · ".join(m.value for m in _MARK_ORDER if m in marks)


def marks_text(marks: Iterable[Mark]) -> str:
    """`misunderstood · negative · keyword`, in that order, for the marks present."""
    return _marks_text(frozenset(marks))


# -- repeat contacts ---------------------------------------------------------------------------

REPEAT_DAYS = 7


def _key(text: object) -> str:
    return clean_text(str(text)[:500], single_line=True).casefold() if text else ""


def repeat_contacts(
    history: Iterable[HistoryItem],
    *,
    flow: str,
    reasons: Iterable[Reason],
    now: datetime,
    days: int = REPEAT_DAYS,
) -> list[HistoryItem]:
    """History items opened in the last `days` about the same bot flow or reason, newest first."""
    wanted = {_key(flow)}
    for reason in reasons:
        wanted.add(_key(reason.kind.value))
        if isinstance(reason.value, str):
            wanted.add(_key(reason.value))
    wanted.discard("")
    since = now - timedelta(days=days)
    found = []
    for item in history:
        if not since <= item.opened_at <= now + timedelta(minutes=5):
            continue
        about = {_key(item.flow), _key((item.model_extra or {}).get("reason"))}
        if about & wanted:
            found.append(item)
    return sorted(found, key=lambda i: i.opened_at, reverse=True)


def _short(text: str | None, limit: int) -> str:
    """Cleaned and cut to `limit` characters; cost bounded whatever the input's size."""
    cleaned = clean_text((text or "")[: limit * 4], single_line=True)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def repeat_banner(items: Sequence[HistoryItem], now: datetime) -> str:
    """`Repeat contact: case "Double charge" 3 days ago, same flow billing/refund (+1 more)`."""
    if not items:
        return ""
    item = items[0]
    days = max(0, (now - item.opened_at).days)
    when = "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"
    title = _short(item.title, 60)
    kind = _short(item.kind, 40)
    reason = (item.model_extra or {}).get("reason")
    what, about = ("flow", item.flow) if item.flow else ("reason", reason)
    about = _short(str(about or ""), 60)
    text = f"Repeat contact: {kind} \u201c{title}\u201d {when}"
    if about:
        text += f", same {what} {about}"
    if len(items) > 1:
        text += f" (+{len(items) - 1} more)"
    return text
