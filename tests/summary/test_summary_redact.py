"""PII is replaced by stable placeholders before text leaves the hub, and restored after."""

from __future__ import annotations

import pytest

from cxsidebar.core import CustomerRef, Profile
from cxsidebar.hub.summarise import Redactor, iban_ok, luhn_ok


@pytest.fixture
def redactor():
    return Redactor.for_customer(
        CustomerRef(id="c1", display_name="Ana Lima"),
        Profile(
            id="c1",
            display_name="Ana Lima",
            email="ana.lima@example.com",
            phone="+1 555 010 2233",
            account_number="ACC-88412",
        ),
    )


def test_known_profile_values_are_replaced_case_insensitively(redactor):
    text = redactor.redact("This is ANA LIMA, account acc-88412, Ana for short.")
    assert "ana" not in text.lower()
    assert "88412" not in text
    assert "[NAME_" in text
    assert "[ACCOUNT_1]" in text


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("write to someone.else@example.org", "[EMAIL_"),
        ("card 4111 1111 1111 1111 please", "[CARD_"),
        ("iban GB82 WEST 1234 5698 7654 32", "[IBAN_"),
        ("ssn 123-45-6789", "[ID_"),
        ("NI number AB 12 34 56 C", "[ID_"),
        ("call me on +44 20 7946 0958", "[PHONE_"),
    ],
)
def test_patterns_are_replaced(redactor, raw, kind):
    assert kind in redactor.redact(raw)


def test_numbers_that_are_not_pii_stay(redactor):
    text = "order ORD-77310 for $740 on 3 March, card ending 4242, ref 1234 5678 9012 3456"
    assert redactor.redact(text) == text  # 16 digits failing Luhn are not a card


def test_placeholders_are_stable_and_restored(redactor):
    text = redactor.redact("ana.lima@example.com and again ana.lima@example.com")
    assert text == "[EMAIL_1] and again [EMAIL_1]"
    assert redactor.restore("Email: [EMAIL_1]; unknown [EMAIL_9]") == (
        "Email: ana.lima@example.com; unknown [EMAIL_9]"
    )


def test_checksums():
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32")
    assert not iban_ok("GB82 WEST 1234 5698 7654 33")
