"""Every statement is grounded in the turns it cites, or dropped and counted."""

from __future__ import annotations

import pytest

from cxsidebar.core import Statement
from cxsidebar.hub.summarise import ground, problem_with

TURNS = {
    "t1": "I was charged twice for order ORD-77310, $1,200.50 on 3 March.",
    "t2": "Please refund the second charge.",
}


@pytest.mark.parametrize(
    ("text", "cites"),
    [
        ("Order ORD-77310 was charged twice.", ["t1"]),
        ("The amount was $1,200.50.", ["t1"]),
        ("Charged on 3 March.", ["t1"]),
        ("Wants a refund of the second charge.", ["t2"]),
        ("Email is [EMAIL_1].", ["t2"]),  # placeholders are not claims
    ],
)
def test_grounded_statements_are_kept(text, cites):
    assert problem_with(Statement(text=text, cites=cites), TURNS) is None


@pytest.mark.parametrize(
    ("text", "cites", "why"),
    [
        ("Order ORD-77310 was charged twice.", ["t9"], "unknown turns"),
        ("Order ORD-99999 was charged twice.", ["t1"], "ord-99999"),
        ("Refund of $700.", ["t2"], "700"),
        ("See https://evil.example/x for details.", ["t1"], "URL"),
        ("Click [here](javascript:alert(1))", ["t1"], "URL"),
        ("![img](data:x)", ["t1"], "URL"),
        ("<b>Refund</b> now", ["t2"], "markup"),
    ],
)
def test_ungrounded_statements_say_why(text, cites, why):
    problem = problem_with(Statement(text=text, cites=cites), TURNS)
    assert problem is not None
    assert why in problem


def test_ground_counts_what_it_drops():
    result = ground(
        [
            Statement(text="Order ORD-77310.", cites=["t1"]),
            Statement(text="Order ORD-1.", cites=["t1"]),
            Statement(text="Anything.", cites=["nope"]),
        ],
        TURNS,
    )
    assert [s.text for s in result.kept] == ["Order ORD-77310."]
    assert result.dropped == 2
