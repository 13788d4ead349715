"""Retention on both backends: transcripts purged after N days, ratings and claims kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.hub import escalation_body, wait_for

from cxsidebar.core import Summary
from cxsidebar.hub import open_storage
from cxsidebar.hub.cli import main
from cxsidebar.hub.retention import RetentionJob, cutoff_for

pytestmark = pytest.mark.anyio


def rating(escalation_id: str) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "escalation_id": escalation_id,
        "created_at": "2025-03-01T10:05:00+00:00",
        "overall": 3,
        "comment": "fine",
    }


def a_summary() -> Summary:
    return Summary.model_validate(
        {"text": "Customer asks for a refund of 740.", "kind": "extractive", "version": 1}
    )


async def test_a_purge_empties_old_transcripts_and_keeps_ratings(api):
    old_body = escalation_body("esc-old")
    first = await api.post(old_body, msg_id="msg-old")
    assert first.status_code == 202
    api.storage.put_summary("esc-old", a_summary())
    old_rating = rating("esc-old")
    saved = await api.client.post("/v1/ratings", json={"ratings": [old_rating]}, headers=api.auth())
    assert saved.json()["results"][0]["status"] == "created"
    assert (await api.client.get("/v1/escalations/esc-old", headers=api.auth())).status_code == 200
    cutoff = datetime.now(UTC)
    wait_for(lambda: datetime.now(UTC) > cutoff)
    await api.escalate("esc-new")

    report = api.storage.purge_before(cutoff)
    assert report.escalations == 1
    assert report.events >= 2  # esc-old's created and summary events
    assert report.deliveries == 1

    old = (await api.client.get("/v1/escalations/esc-old", headers=api.auth())).json()
    assert old["escalation"]["transcript"] == []
    assert old["summary"] is None
    assert old["escalation"]["customer"]["id"] == "cust-1"
    assert api.storage.summary_versions("esc-old") == []
    new = (await api.client.get("/v1/escalations/esc-new", headers=api.auth())).json()
    assert [turn["text"] for turn in new["escalation"]["transcript"]] == ["Refund?", "One moment."]

    # Ratings stay: a repeat is a duplicate, a new one is stored; claims still work.
    again = await api.client.post("/v1/ratings", json={"ratings": [old_rating]}, headers=api.auth())
    assert again.json()["results"][0]["status"] == "duplicate"
    other = await api.client.post(
        "/v1/ratings", json={"ratings": [rating("esc-old")]}, headers=api.auth(api.other_agent)
    )
    assert other.json()["results"][0]["status"] == "created"
    assert (await api.client.post("/v1/escalations/esc-old/claim", headers=api.auth())).is_success
    # A late retry of the purged delivery is still recognised, not a conflict.
    retried = await api.post(old_body, msg_id="msg-old")
    assert retried.status_code == 202
    assert retried.json() == first.json()

    assert api.storage.purge_before(cutoff).escalations == 0  # idempotent


async def test_the_hub_job_purges_periodically(api):
    await api.escalate("esc-1")
    job = RetentionJob(api.storage, days=1e-9, interval=0.05).start()
    try:
        wait_for(lambda: job.runs >= 2)
    finally:
        job.close()
    context = (await api.client.get("/v1/escalations/esc-1", headers=api.auth())).json()
    assert context["escalation"]["transcript"] == []


def test_cutoff_needs_a_positive_number_of_days():
    with pytest.raises(ValueError, match="more than 0 days"):
        cutoff_for(0)


def test_the_purge_command_reports_what_it_removed(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    storage = open_storage(url)
    storage.close()
    assert main(["purge", "--db", url, "--older-than-days", "30"]) == 0
    out = capsys.readouterr().out
    assert "0 escalations" in out
    assert "Ratings are kept" in out
