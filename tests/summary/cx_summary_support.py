"""Escalations for the summary tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cxsidebar.core import Escalation


def make_escalation(texts: list[tuple[str, str]], **extra: Any) -> Escalation:
    """An escalation whose transcript is `(speaker, text)` pairs, turn ids t1, t2, ..."""
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    body = {
        "id": "esc-s1",
        "queue": "billing",
        "channel": "chat",
        "created_at": (start + timedelta(minutes=10)).isoformat(),
        "bot": {"platform": "rasa", "flow": "billing", "note_to_agent": "Refund above limit."},
        "customer": {"id": "cust-9", "display_name": "Ana Lima"},
        "reasons": [{"kind": "payment_threshold", "detail": "payment $740 > $500", "value": 740}],
        "transcript": [
            {
                "id": f"t{n}",
                "at": (start + timedelta(seconds=20 * n)).isoformat(),
                "speaker": speaker,
                "text": text,
            }
            for n, (speaker, text) in enumerate(texts, 1)
        ],
    }
    body.update(extra)
    return Escalation.model_validate(body)
