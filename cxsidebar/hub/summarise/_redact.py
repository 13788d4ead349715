"""PII redaction before any text leaves the hub for an LLM, and its reversal afterwards.

Two layers: the customer's own known values (from the CRM profile and the
bot's customer reference, matched case-insensitively), then patterns (payment
cards that pass the Luhn check, emails, phone numbers, IBANs that pass
mod-97, common national id formats). Each distinct value gets a stable
placeholder such as `[EMAIL_1]`; `restore` puts the values back into what the
model wrote, so the stored summary reads naturally and nothing was sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from cxsidebar.core import CustomerRef, Profile

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d{1,4}\)?(?:[ .-]?\(?\d{2,4}\)?){2,5}(?!\w)")
_NATIONAL_IDS = (
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),  # US social security number
    re.compile(
        r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"
    ),  # UK national insurance
    re.compile(r"\b\d{8}[A-HJ-NP-TV-Z]\b"),  # Spanish DNI
)
_PROFILE_KINDS = {
    "display_name": "NAME",
    "email": "EMAIL",
    "phone": "PHONE",
    "address": "ADDRESS",
    "account_number": "ACCOUNT",
    "account_id": "ACCOUNT",
    "iban": "IBAN",
}


def luhn_ok(digits: str) -> bool:
    numbers = [int(d) for d in digits if d.isdigit()]
    if not 13 <= len(numbers) <= 19:
        return False
    total = 0
    for i, n in enumerate(reversed(numbers)):
        if i % 2:
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    compact = text.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97 == 1


@dataclass
class Redactor:
    """Replaces PII with placeholders; remembers them to restore the model's output."""

    known: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    placeholders: dict[str, str] = field(default_factory=dict)  # placeholder -> value
    _by_value: dict[str, str] = field(default_factory=dict)
    count: int = 0

    @classmethod
    def for_customer(cls, customer: CustomerRef, profile: Profile | None) -> Redactor:
        known: list[tuple[str, str]] = []
        sources: list[dict[str, object]] = [customer.model_dump()]
        if profile is not None:
            sources.append(profile.model_dump())
        for source in sources:
            for key, kind in _PROFILE_KINDS.items():
                value = source.get(key)
                if isinstance(value, str) and len(value.strip()) >= 3:
                    known.append((kind, value.strip()))
                    if kind == "NAME":  # first and last names on their own
                        known += [("NAME", part) for part in value.split() if len(part) >= 3]
        # Longest first, so "Ana Lima" is replaced before "Ana".
        known.sort(key=lambda item: len(item[1]), reverse=True)
        return cls(known=known)

    def _placeholder(self, kind: str, value: str) -> str:
        key = value.lower()
        if key not in self._by_value:
            number = sum(1 for p in self.placeholders if p.startswith(f"[{kind}_")) + 1
            placeholder = f"[{kind}_{number}]"
            self._by_value[key] = placeholder
            self.placeholders[placeholder] = value
        self.count += 1
        return self._by_value[key]

    def _sub(
        self,
        pattern: re.Pattern[str],
        kind: str,
        text: str,
        check: Callable[[str], bool] | None = None,
    ) -> str:
        def replace(match: re.Match[str]) -> str:
            value = match.group(0)
            if check is not None and not check(value):
                return value
            return self._placeholder(kind, value)

        return pattern.sub(replace, text)

    def redact(self, text: str) -> str:
        for kind, value in self.known:
            pattern = re.compile(r"(?<!\w)" + re.escape(value) + r"(?!\w)", re.IGNORECASE)
            text = self._sub(pattern, kind, text)
        text = self._sub(_EMAIL, "EMAIL", text)
        text = self._sub(_IBAN, "IBAN", text, iban_ok)
        text = self._sub(_CARD, "CARD", text, luhn_ok)
        for pattern in _NATIONAL_IDS:
            text = self._sub(pattern, "ID", text)
        text = self._sub(_PHONE, "PHONE", text, lambda v: 9 <= sum(c.isdigit() for c in v) <= 15)
        return text

    def restore(self, text: str) -> str:
        return re.sub(
            r"\[[A-Z]+_\d+\]", lambda m: self.placeholders.get(m.group(0), m.group(0)), text
        )


class NoRedaction(Redactor):
    """For customers or queues whose consent allows raw text to reach the model."""

    def redact(self, text: str) -> str:
        return text
