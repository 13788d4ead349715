"""The grounding check every summary statement must pass, whichever summariser wrote it.

A statement survives only if every turn it cites exists, every number and id
it states appears in those turns, and it carries no URL or markup. What fails
is dropped and counted, never repaired.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cxsidebar.core import Statement

# Redaction placeholders such as [EMAIL_1] are not claims about the transcript.
_PLACEHOLDER = re.compile(r"\[[A-Z]+_\d+\]")
# Numbers (740, 1,200.50, -0.8) and ids that contain a digit (ORD-77310, A1B2).
_TOKEN = re.compile(r"(?:[A-Za-z]+[-#])?[A-Za-z]*\d[\w\-/.,:]*")
_URL = re.compile(r"(?i)\b(?:https?://|ftp://|file:|data:|javascript:|www\.)|\]\(")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|!\[|`{3}")


def _norm(token: str) -> str:
    return re.sub(r"[,\s]", "", token).strip(".:/-").lower()


def claimed_tokens(text: str) -> list[str]:
    """The numbers and ids a statement asserts, normalised for comparison."""
    text = _PLACEHOLDER.sub(" ", text)
    return [t for t in (_norm(m) for m in _TOKEN.findall(text)) if any(c.isdigit() for c in t)]


def has_link_or_markup(text: str) -> bool:
    return bool(_URL.search(text) or _MARKUP.search(text))


def problem_with(statement: Statement, turns: Mapping[str, str]) -> str | None:
    """Why `statement` is not grounded in `turns` (turn id → text), or None if it is."""
    missing = [c for c in statement.cites if c not in turns]
    if missing:
        return f"cites unknown turns {missing}"
    if has_link_or_markup(statement.text):
        return "contains a URL or markup"
    cited = _norm(" ".join(turns[c] for c in statement.cites))
    cited_raw = " ".join(turns[c] for c in statement.cites).lower()
    for token in claimed_tokens(statement.text):
        if token not in cited and token not in cited_raw:
            return f"states {token!r}, which the cited turns do not"
    return None


@dataclass(frozen=True)
class Grounded:
    kept: list[Statement]
    dropped: int


def ground(statements: Iterable[Statement], turns: Mapping[str, str]) -> Grounded:
    kept, dropped = [], 0
    for statement in statements:
        if problem_with(statement, turns) is None:
            kept.append(statement)
        else:
            dropped += 1
    return Grounded(kept, dropped)
