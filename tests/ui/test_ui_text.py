"""Plain-text helpers: masking, ages, reason labels, markup escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cxsidebar.core import Reason, ReasonKind
from cxsidebar.ui.text import (
    format_age,
    markup_escape,
    mask_email,
    mask_phone,
    plain_label,
    top_reason,
)

NOW = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("ana.kowalski@example.com", "a••••@example.com"),
        ("x@y.z", "x••••@y.z"),
        ("not-an-email", "n••••"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("+48 601 234 567", "•••• ••67"), ("12", "••••"), (None, "—")],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(minutes=4, seconds=59), "4 min"),
        (timedelta(hours=2, minutes=5), "2 h 05"),
        (timedelta(days=3, hours=1), "3 d"),
        (timedelta(seconds=-30), "just now"),  # clocks disagree: never a negative age
    ],
)
def test_format_age(delta, text):
    assert format_age(NOW - delta, NOW) == text


def test_top_reason_is_the_first_chip():
    reasons = [
        Reason(kind=ReasonKind.KEYWORD, value="cancel\nnow"),
        Reason(kind=ReasonKind.NEGATIVE_SENTIMENT, value=-0.75),
    ]
    assert top_reason(reasons) == "keyword: cancel now"
    assert top_reason(reasons[1:]) == "sentiment \u22120.75"
    assert top_reason([]) == "no reason given"


def test_markup_escape_for_notification_bodies():
    assert markup_escape('<b>x</b> & "y"\x00') == "&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;"


def test_plain_label_never_guesses_rich_text(qtbot):
    label = plain_label("<b>bold</b>", name="Probe")
    qtbot.addWidget(label)
    assert label.textFormat().name == "PlainText"
    assert label.accessibleName() == "Probe"
    assert not label.openExternalLinks()
