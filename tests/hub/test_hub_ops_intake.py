"""Intake operations on both backends: per-source rate limits (429 with Retry-After)
and webhook secret rotation (two secrets valid during the switch)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from support.hub import TIMEOUT, escalation_body, signed

from cxsidebar.core import ErrorEnvelope
from cxsidebar.hub import HubSettings, create_app, open_storage
from cxsidebar.hub.cli import main
from cxsidebar.hub.ratelimit import IntakeLimiter


@pytest.mark.anyio
async def test_a_source_over_its_rate_gets_429_with_retry_after(storage):
    app = create_app(storage, HubSettings(intake_rate_per_second=0.5, intake_burst=2))
    fast, calm = storage.add_source("fast-bot"), storage.add_source("calm-bot")
    admin = storage.create_token("admin", "Ada")

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub.test", timeout=TIMEOUT
    ) as client:

        async def post(secret: str, escalation_id: str) -> httpx.Response:
            raw, headers = signed(secret, escalation_body(escalation_id))
            return await client.post("/v1/escalations", content=raw, headers=headers)

        assert [(await post(fast, f"f-{n}")).status_code for n in range(2)] == [202, 202]
        limited = await post(fast, "f-2")
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "2"
        assert ErrorEnvelope.model_validate(limited.json()).error.code == "rate_limited"
        assert (await post(calm, "c-0")).status_code == 202  # each source has its own bucket
        # A forged delivery is refused before it can use up a source's bucket.
        assert (await post("whsec_" + "C" * 32, "x")).status_code == 401
        metrics = await client.get("/metrics", headers={"Authorization": f"Bearer {admin}"})
    assert 'cxsidebar_hub_intake_rate_limited_total{source="fast-bot"} 1.0' in metrics.text
    assert storage.escalation_queue("f-2") is None


def test_the_bucket_refills_at_the_rate():
    now = [0.0]
    limiter = IntakeLimiter(rate=2.0, burst=1, clock=lambda: now[0])
    assert limiter.take("bot") is None
    assert limiter.take("bot") == pytest.approx(0.5)
    now[0] = 0.5
    assert limiter.take("bot") is None
    now[0] = 100.0
    assert limiter.take("bot") is None
    assert limiter.take("bot") is not None  # the burst caps what idle time saves up


@pytest.mark.anyio
async def test_during_a_rotation_both_secrets_are_valid_until_finished(api):
    old = api.secret
    [name] = api.storage.list_sources()
    rotation = api.storage.rotate_source(name, grace_seconds=3600)
    assert rotation.secret != old
    assert (await api.post(escalation_body("by-new"), secret=rotation.secret)).status_code == 202
    assert (await api.post(escalation_body("by-old"), secret=old)).status_code == 202
    api.storage.finish_rotation(name)
    refused = await api.post(escalation_body("by-old-2"), secret=old)
    assert refused.status_code == 401
    assert (await api.post(escalation_body("by-new-2"), secret=rotation.secret)).status_code == 202


@pytest.mark.anyio
async def test_the_previous_secret_expires_after_the_grace_time(api):
    [name] = api.storage.list_sources()
    rotation = api.storage.rotate_source(name, grace_seconds=0)
    assert (await api.post(escalation_body("by-old"), secret=api.secret)).status_code == 401
    assert (await api.post(escalation_body("by-new"), secret=rotation.secret)).status_code == 202


def test_sources_rotate_prints_the_new_secret_last(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    assert main(["sources", "add", "acme-bot", "--db", url]) == 0
    old = capsys.readouterr().out.splitlines()[-1]
    assert main(["sources", "rotate", "acme-bot", "--db", url, "--grace-hours", "2"]) == 0
    out = capsys.readouterr().out
    new = out.splitlines()[-1]
    assert new.startswith("whsec_")
    assert new != old
    assert "stays valid until" in out
    storage = open_storage(url)
    try:
        assert storage.signing_keys() == [("acme-bot", new), ("acme-bot", old)]
    finally:
        storage.close()
    assert main(["sources", "rotate", "acme-bot", "--db", url, "--finish"]) == 0
    storage = open_storage(url)
    try:
        assert storage.signing_keys() == [("acme-bot", new)]
    finally:
        storage.close()
    assert main(["sources", "rotate", "no-such-bot", "--db", url]) == 2
    assert "no source is named" in capsys.readouterr().err
