"""One current rating per (escalation, agent); an edit supersedes it, and only the newest counts."""

from __future__ import annotations

import uuid

import pytest

from cxsidebar.core import QualityReport, RatingBatchResult

pytestmark = pytest.mark.anyio


def rating(escalation_id: str = "esc-1", overall: int = 4, **fields) -> dict:
    return {
        "id": str(fields.pop("id", uuid.uuid4())),
        "escalation_id": escalation_id,
        "created_at": "2026-11-02T10:05:00+00:00",
        "overall": overall,
        **fields,
    }


async def send(api, *ratings: dict, token: str | None = None) -> list[tuple[str, str | None]]:
    response = await api.client.post(
        "/v1/ratings", json={"ratings": list(ratings)}, headers=api.auth(token)
    )
    assert response.status_code == 200, response.text
    return [(r.status, r.reason) for r in RatingBatchResult.model_validate(response.json()).results]


async def counted(api) -> list[int]:
    """The overall scores the report counts for esc-1, as a distribution."""
    sue = api.storage.create_token("supervisor", "Sue")
    response = await api.client.get(
        "/v1/reports/context-quality", params={"group_by": "queue"}, headers=api.auth(sue)
    )
    report = QualityReport.model_validate(response.json())
    return report.rows[0].distribution if report.rows else [0] * 5


async def test_an_edit_that_supersedes_the_current_rating_replaces_it(api):
    await api.escalate("esc-1")
    first = rating(overall=2)
    edit = rating(overall=5, supersedes=first["id"])
    assert await send(api, first) == [("created", None)]
    assert await send(api, edit) == [("created", None)]
    assert await counted(api) == [0, 0, 0, 0, 1]
    again = rating(overall=3, supersedes=edit["id"])  # an edit of the edit
    assert await send(api, again) == [("created", None)]
    assert await counted(api) == [0, 0, 1, 0, 0]


async def test_a_rating_and_its_edit_in_one_batch(api):
    await api.escalate("esc-1")
    first = rating(overall=1)
    edit = rating(overall=4, supersedes=first["id"])
    assert await send(api, first, edit) == [("created", None), ("created", None)]
    assert await counted(api) == [0, 0, 0, 1, 0]


async def test_a_second_rating_without_supersedes_is_rejected(api):
    await api.escalate("esc-1")
    first = rating()
    await send(api, first)
    [(status, reason)] = await send(api, rating(overall=1))
    assert status == "rejected"
    assert first["id"] in reason
    assert "supersedes" in reason
    assert await counted(api) == [0, 0, 0, 1, 0]


async def test_another_agent_rates_the_same_escalation_separately(api):
    await api.escalate("esc-1")
    await send(api, rating(overall=2))
    assert await send(api, rating(overall=4), token=api.other_agent) == [("created", None)]
    assert await counted(api) == [0, 1, 0, 1, 0]


async def test_superseding_a_rating_that_is_not_current_is_rejected(api):
    await api.escalate("esc-1")
    await api.escalate("esc-2")
    first = rating()
    edit = rating(supersedes=first["id"])
    await send(api, first, edit)
    [(status, reason)] = await send(api, rating(overall=1, supersedes=first["id"]))
    assert status == "rejected"
    assert "already superseded" in reason
    assert edit["id"] in reason
    unknown = str(uuid.uuid4())
    [(status, reason)] = await send(api, rating("esc-2", supersedes=unknown))
    assert (status, reason) == ("rejected", f"supersedes names an unknown rating {unknown}")
    [(status, reason)] = await send(api, rating("esc-2", supersedes=edit["id"]))
    assert status == "rejected"
    assert "not yours for this escalation" in reason
    other = await send(api, rating(supersedes=edit["id"]), token=api.other_agent)
    assert other[0][0] == "rejected"
    assert await counted(api) == [0, 0, 0, 1, 0]


async def test_resending_a_superseded_rating_is_still_a_duplicate(api):
    await api.escalate("esc-1")
    first = rating()
    edit = rating(overall=1, supersedes=first["id"])
    await send(api, first, edit)
    assert await send(api, first, edit) == [("duplicate", None), ("duplicate", None)]
    assert await counted(api) == [1, 0, 0, 0, 0]
