"""HubClient against httpx.MockTransport: every request, answer and error mapping."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest
from cx_support import claim_info, context, queue_item, rating

from cxsidebar.client import (
    ClaimConflict,
    HubAuthError,
    HubClient,
    HubError,
    HubTransportError,
)
from cxsidebar.core import RatingBatchResult, RatingResult

T = TypeVar("T")
Handler = Callable[[httpx.Request], httpx.Response]


def call(handler: Handler, fn: Callable[[HubClient], Coroutine[Any, Any, T]]) -> T:
    """Run one client call against a mock transport on a fresh loop."""

    async def main() -> T:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            return await fn(HubClient("http://hub.test/", "tok-1", http=http))

    return asyncio.run(main())


def error(status: int, code: str, message: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message, **extra}})


def test_list_open_asks_for_open_items_of_the_queues_with_the_token() -> None:
    seen: list[httpx.Request] = []
    items = [queue_item("esc-1"), queue_item("esc-2", "sales")]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [i.model_dump(mode="json") for i in items]})

    assert call(handler, lambda c: c.list_open(["billing", "sales"])) == items
    (request,) = seen
    assert request.method == "GET"
    assert request.url.path == "/v1/escalations"
    assert request.url.params.multi_items() == [
        ("status", "open"),
        ("queue", "billing"),
        ("queue", "sales"),
    ]
    assert request.headers["authorization"] == "Bearer tok-1"
    assert request.headers["user-agent"].startswith("cxsidebar/")
    # Explicit timeouts on every request: connect 5 s, read 10 s.
    timeout = request.extensions["timeout"]
    assert timeout == {"connect": 5.0, "read": 10.0, "write": 10.0, "pool": 10.0}


def test_get_context_parses_the_whole_context_and_quotes_the_id() -> None:
    expected = context("esc/1 ?#")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=expected.model_dump(mode="json"))

    got = call(handler, lambda c: c.get_context("esc/1 ?#"))
    assert got == expected
    assert got.escalation.transcript[1].intent == "refund"
    assert got.profile is not None
    assert got.profile.vip
    assert seen[0].url.raw_path == b"/v1/escalations/esc%2F1%20%3F%23"


def test_claim_returns_the_claim() -> None:
    info = claim_info("esc-1", "Sam")

    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/v1/escalations/esc-1/claim")
        return httpx.Response(200, json=info.model_dump(mode="json"))

    assert call(handler, lambda c: c.claim("esc-1")) == info


def test_a_lost_claim_names_the_holder() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return error(409, "already_claimed", "already claimed by Ana", claimed_by="Ana")

    with pytest.raises(ClaimConflict) as caught:
        call(handler, lambda c: c.claim("esc-1"))
    assert caught.value.holder == "Ana"
    assert caught.value.status == 409
    assert caught.value.code == "already_claimed"


def test_another_conflict_is_not_a_lost_claim() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return error(409, "conflict", "escalation changed")

    with pytest.raises(HubError) as caught:
        call(handler, lambda c: c.claim("esc-1"))
    assert not isinstance(caught.value, ClaimConflict)
    assert caught.value.message == "escalation changed"


def test_post_ratings_sends_the_batch_with_its_idempotency_key() -> None:
    ratings = [rating("esc-1", 5, comment="clear"), rating("esc-2", 2)]
    seen: list[httpx.Request] = []
    answer = RatingBatchResult(
        results=[
            RatingResult(id=ratings[0].id, status="created"),
            RatingResult(id=ratings[1].id, status="rejected", reason="unknown escalation"),
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer.model_dump(mode="json"))

    assert call(handler, lambda c: c.post_ratings(ratings, "key-1")) == answer
    (request,) = seen
    assert (request.method, request.url.path) == ("POST", "/v1/ratings")
    assert request.headers["idempotency-key"] == "key-1"
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.content)
    assert [r["id"] for r in body["ratings"]] == [str(r.id) for r in ratings]
    assert body["ratings"][0]["comment"] == "clear"


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures_are_hub_auth_errors(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return error(status, "unauthorized" if status == 401 else "forbidden", "token refused")

    with pytest.raises(HubAuthError) as caught:
        call(handler, lambda c: c.list_open())
    assert (caught.value.status, caught.value.message) == (status, "token refused")
    assert not caught.value.transient


def test_an_error_carries_the_envelope() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            422,
            json={
                "error": {
                    "code": "validation_error",
                    "message": "invalid batch",
                    "details": [{"field": "ratings.0.overall", "message": "must be 1..5"}],
                }
            },
        )

    with pytest.raises(HubError) as caught:
        call(handler, lambda c: c.post_ratings([rating()], "k"))
    exc = caught.value
    assert (exc.status, exc.code, exc.message) == (422, "validation_error", "invalid batch")
    assert exc.envelope is not None
    assert exc.envelope.error.details[0].field == "ratings.0.overall"
    assert str(exc) == "422: invalid batch"
    assert not exc.transient


def test_not_found_is_a_plain_hub_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return error(404, "not_found", "no such escalation")

    with pytest.raises(HubError) as caught:
        call(handler, lambda c: c.get_context("nope"))
    assert (caught.value.status, caught.value.message) == (404, "no such escalation")


def test_an_error_without_envelope_says_the_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>Bad gateway</html>")

    with pytest.raises(HubError) as caught:
        call(handler, lambda c: c.list_open())
    assert caught.value.envelope is None
    assert caught.value.message == "HTTP 502 Bad Gateway"
    assert caught.value.transient


@pytest.mark.parametrize(
    ("header", "seconds"), [("7", 7.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None)]
)
def test_retry_after_is_read(header: str, seconds: float | None) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        response = error(429, "rate_limited", "slow down")
        response.headers["Retry-After"] = header
        return response

    with pytest.raises(HubError) as caught:
        call(handler, lambda c: c.post_ratings([rating()], "k"))
    assert caught.value.retry_after == seconds
    assert caught.value.transient


def test_an_unexpected_body_is_a_hub_error_not_a_crash() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [{"escalation_id": 3}]})

    with pytest.raises(HubError, match="unexpected answer from the hub"):
        call(handler, lambda c: c.list_open())


@pytest.mark.parametrize(
    ("raised", "reason"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection refused"),
        (httpx.ConnectTimeout("timed out"), "connection timed out"),
        (httpx.ReadTimeout("timed out"), "the hub did not answer in time"),
        (httpx.RemoteProtocolError("peer closed connection"), "connection dropped"),
    ],
)
def test_transport_failures_are_transport_errors(raised: httpx.TransportError, reason: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise raised

    with pytest.raises(HubTransportError) as caught:
        call(handler, lambda c: c.get_context("esc-1"))
    assert caught.value.message == reason
    assert not isinstance(caught.value, HubError)


def test_a_closed_port_is_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async def main() -> None:
        client = HubClient(f"http://127.0.0.1:{port}", "tok")
        try:
            await client.list_open()
        finally:
            await client.aclose()

    with pytest.raises(HubTransportError, match="connection refused"):
        asyncio.run(main())


def test_the_event_stream_request_has_the_watchdog_timeout_and_last_event_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=b"retry: 2000\n\n"
        )

    async def read(client: HubClient) -> list[int | None]:
        events = client.open_events(queues=["billing"], last_event_id=41, read_timeout=45.0)
        async with events as src:
            return [sse.retry async for sse in src.aiter_sse()]

    assert call(handler, read) == [2000]
    (request,) = seen
    assert request.headers["last-event-id"] == "41"
    assert request.headers["accept"] == "text/event-stream"
    assert request.url.params.get_list("queue") == ["billing"]
    assert request.extensions["timeout"]["read"] == 45.0
    assert request.extensions["timeout"]["connect"] == 5.0


def test_the_event_stream_maps_errors_and_content_types() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        return error(401, "unauthorized", "unknown token")

    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, html="<p>login</p>")

    async def open_it(client: HubClient) -> None:
        async with client.open_events():
            pass

    with pytest.raises(HubAuthError, match="unknown token"):
        call(refused, open_it)
    with pytest.raises(HubError, match="not an event stream"):
        call(html, open_it)
