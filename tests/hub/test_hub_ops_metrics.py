"""`GET /metrics`: who may read it, and what the counters count (both backends)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.hub import TIMEOUT, escalation_body, open_stream

from cxsidebar.core import ErrorEnvelope
from cxsidebar.hub import HubSettings, create_app
from cxsidebar.hub.metrics import MetricsAccess


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by (name, sorted labels)."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def rating(escalation_id: str) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "escalation_id": escalation_id,
        "created_at": "2025-03-01T10:05:00+00:00",
        "overall": 4,
    }


@pytest.mark.anyio
async def test_metrics_need_an_admin_token_by_default(api):
    anonymous = await api.client.get("/metrics")
    assert anonymous.status_code == 401
    assert ErrorEnvelope.model_validate(anonymous.json()).error.code == "unauthorized"
    agent = await api.client.get("/metrics", headers=api.auth())
    assert agent.status_code == 403
    assert ErrorEnvelope.model_validate(agent.json()).error.code == "forbidden"
    admin = await api.client.get("/metrics", headers=api.auth(api.admin))
    assert admin.status_code == 200
    assert admin.headers["content-type"].startswith("text/plain")
    assert "cxsidebar_hub_escalations_received" in admin.text


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("access", "anonymous_status", "agent_status"),
    [
        (MetricsAccess.PUBLIC, 200, 200),
        (MetricsAccess.SUPERVISOR, 401, 403),
        (MetricsAccess.OFF, 404, 404),
    ],
)
async def test_the_setting_decides_who_reads_metrics(
    storage, access, anonymous_status, agent_status
):
    app = create_app(storage, HubSettings(metrics_access=access))
    agent = storage.create_token("agent", "Alice")
    supervisor = storage.create_token("supervisor", "Sam")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub.test", timeout=TIMEOUT
    ) as client:
        assert (await client.get("/metrics")).status_code == anonymous_status
        auth = {"Authorization": f"Bearer {agent}"}
        assert (await client.get("/metrics", headers=auth)).status_code == agent_status
        auth = {"Authorization": f"Bearer {supervisor}"}
        expected = 404 if access is MetricsAccess.OFF else 200
        assert (await client.get("/metrics", headers=auth)).status_code == expected


@pytest.mark.anyio
async def test_intake_and_ratings_are_counted(api):
    await api.escalate("esc-1")
    await api.escalate("esc-1")  # a repeat is answered 202 again and counted again
    refused = await api.post(escalation_body("esc-2"), secret="whsec_" + "A" * 32)
    assert refused.status_code == 401
    batch = {"ratings": [rating("esc-1"), rating("no-such-escalation")]}
    saved = await api.client.post("/v1/ratings", json=batch, headers=api.auth())
    assert saved.status_code == 200, saved.text

    text = (await api.client.get("/metrics", headers=api.auth(api.admin))).text
    assert value(text, "cxsidebar_hub_escalations_received_total", status="202") == 2
    assert value(text, "cxsidebar_hub_escalations_received_total", status="401") == 1
    assert value(text, "cxsidebar_hub_ratings_received_total", result="created") == 1
    assert value(text, "cxsidebar_hub_ratings_received_total", result="rejected") == 1
    route = {"route": "/v1/escalations", "method": "POST", "status": "202"}
    assert value(text, "cxsidebar_hub_request_duration_seconds_count", **route) == 2


@pytest.mark.anyio
async def test_each_answer_carries_a_request_id(api):
    mine = "client-chosen-id-0001"
    echoed = await api.client.get("/healthz", headers={"X-Request-ID": mine})
    assert echoed.headers["x-request-id"] == mine
    unsafe = await api.client.get("/healthz", headers={"X-Request-ID": "Dana <script>"})
    assert unsafe.headers["x-request-id"] != "Dana <script>"
    assert len(unsafe.headers["x-request-id"]) == 32


def test_streams_report_subscribers_fan_out_and_delivery_latency(hub):
    def scrape() -> str:
        response = httpx.get(
            f"{hub.url}/metrics", headers=hub.auth(hub.admin_token), timeout=TIMEOUT
        )
        assert response.status_code == 200
        return response.text

    with open_stream(hub.url, hub.agent_token) as stream:
        stream.read_until(lambda seen: seen.retries)
        assert value(scrape(), "cxsidebar_hub_subscribers") == 1
        assert hub.post(escalation_body("esc-1")).status_code == 202
        stream.events(1)
        stream.read_until(lambda seen: seen.comments)  # the next heartbeat: counted by now
        text = scrape()
    assert value(text, "cxsidebar_hub_events_fanned_out_total") == 1
    assert value(text, "cxsidebar_hub_delivery_latency_seconds_count") == 1
    assert value(text, "cxsidebar_hub_escalations_received_total", status="202") == 1
