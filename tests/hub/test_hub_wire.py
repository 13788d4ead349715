"""What only a real server shows: limits on the socket, concurrency, shutdown."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from support.hub import create_token, escalation_body, open_stream, signed

TIMEOUT = httpx.Timeout(10.0)
LIMIT = 2 * 1024 * 1024  # the default

# What the database behind the hub cannot change (the HTTP layer) runs on SQLite only.
http_layer_only = pytest.mark.parametrize("backend", ["sqlite"])


def test_a_signed_escalation_is_accepted_and_a_retry_is_not_stored_twice(hub):
    first = hub.post(escalation_body("esc-1"), webhook_id="msg_wire")
    retry = hub.post(escalation_body("esc-1"), webhook_id="msg_wire")
    assert first.status_code == retry.status_code == 202
    assert retry.json() == first.json()
    listed = httpx.get(f"{hub.url}/v1/escalations", headers=hub.auth(), timeout=TIMEOUT)
    assert [i["escalation_id"] for i in listed.json()["items"]] == ["esc-1"]


@http_layer_only
def test_an_unsigned_post_is_401(hub):
    response = httpx.post(f"{hub.url}/v1/escalations", json=escalation_body(), timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@http_layer_only
def test_over_the_limit_by_content_length_is_413(hub):
    raw, headers = signed(hub.source_secret, escalation_body(padding="x" * LIMIT))
    response = httpx.post(
        f"{hub.url}/v1/escalations", content=raw, headers=headers, timeout=TIMEOUT
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@http_layer_only
def test_over_the_limit_chunked_is_413(hub):
    raw, headers = signed(hub.source_secret, escalation_body(padding="x" * LIMIT))

    def chunks():
        for start in range(0, len(raw), 64 * 1024):
            yield raw[start : start + 64 * 1024]

    response = httpx.post(
        f"{hub.url}/v1/escalations", content=chunks(), headers=headers, timeout=TIMEOUT
    )
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@http_layer_only
def test_just_under_the_limit_is_accepted(hub):
    body = escalation_body(padding="")
    size = len(signed(hub.source_secret, body)[0])
    body["padding"] = "x" * (LIMIT - size - 10)
    response = hub.post(body)
    assert response.status_code == 202, response.text


def test_concurrent_claims_over_http_have_one_winner(hub):
    hub.post(escalation_body("esc-1"))
    tokens = [create_token(hub.db_url, "agent", f"Agent {n}") for n in range(6)]
    start = threading.Barrier(len(tokens))

    def claim(token: str) -> httpx.Response:
        start.wait(10)
        return httpx.post(
            f"{hub.url}/v1/escalations/esc-1/claim",
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        )

    with ThreadPoolExecutor(len(tokens)) as pool:
        responses = list(pool.map(claim, tokens))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (len(tokens) - 1)
    winner = next(r for r in responses if r.status_code == 200).json()["claimed_by"]
    assert {r.json()["error"]["claimed_by"] for r in responses if r.status_code == 409} == {winner}


def test_a_stop_with_open_streams_is_graceful_and_quick(hub):
    with (
        open_stream(hub.url, hub.agent_token) as first,
        open_stream(hub.url, hub.admin_token) as second,
    ):
        for stream in (first, second):
            stream.read_until(lambda seen: seen.retries)
        assert hub.stop(timeout=5) == 0
        for stream in (first, second):
            stream.read_until(lambda seen: seen.ended)
    assert "Application shutdown complete" in hub.log_text()
