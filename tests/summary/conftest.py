from __future__ import annotations

from collections.abc import Iterator

import pytest
from cx_fake_openai import FakeOpenAI, ServedFake
from cx_summary_support import make_escalation

from cxsidebar.core import Escalation


@pytest.fixture
def fake_openai() -> Iterator[ServedFake]:
    served = ServedFake(FakeOpenAI()).start()
    yield served
    served.stop()


@pytest.fixture
def billing() -> Escalation:
    return make_escalation(
        [
            ("customer", "Hi, I was charged twice for order ORD-77310, $740 each time."),
            ("bot", "I can see the order ORD-77310. Let me check the payments."),
            (
                "customer",
                "I want a refund of the second charge please. My email is ana.lima@example.com",
            ),
            ("bot", "Refunds above $500 need a colleague. I'm connecting you now."),
        ]
    )
