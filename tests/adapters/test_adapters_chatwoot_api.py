"""Chatwoot's messages fetched from its API: a fake Chatwoot on 127.0.0.1 (real uvicorn)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from adapters_conftest_helpers import mapped, payload
from fastapi import FastAPI, Header, HTTPException

from cxsidebar.core import Speaker
from cxsidebar.demo.hubthread import free_port
from cxsidebar.hub.adapters import AdaptersConfig, ApiAccess, SourceConfig

TOKEN = "cw-test-token"
CONVERSATION = 4471
ACCOUNT = 7


def history() -> list[dict[str, Any]]:
    """45 messages, so the API pages (20 at a time, newest first, `before` an id)."""
    start = 1717675000
    return [
        {"id": 1000 + n, "content": f"message {n}", "message_type": n % 2, "created_at": start + n,
         "private": False, "account_id": ACCOUNT, "conversation_id": CONVERSATION}
        for n in range(45)
    ]  # fmt: skip


def fake_chatwoot() -> tuple[FastAPI, list[dict[str, Any]]]:
    app = FastAPI()
    seen: list[dict[str, Any]] = []
    messages = history()

    @app.get("/api/v1/accounts/{account}/conversations/{conversation}/messages")
    def list_messages(
        account: int,
        conversation: int,
        api_access_token: str = Header(default="", convert_underscores=False),
        before: int | None = None,
    ) -> dict[str, Any]:
        seen.append({"account": account, "conversation": conversation, "before": before})
        if api_access_token != TOKEN:
            raise HTTPException(401, "Invalid Access Token")
        older = [m for m in messages if before is None or m["id"] < before]
        return {"meta": {"labels": [], "assignee": None}, "payload": older[-20:]}

    return app, seen


@pytest.fixture
def chatwoot() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    app, seen = fake_chatwoot()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    tick = threading.Event()
    while not server.started:
        assert thread.is_alive(), "the fake Chatwoot stopped while starting"
        assert time.monotonic() < deadline, "the fake Chatwoot did not start in 10 s"
        tick.wait(0.02)
    yield f"http://127.0.0.1:{port}", seen
    server.should_exit = True
    thread.join(10)


def config(base_url: str, token: str = TOKEN, account_id: int | None = None) -> AdaptersConfig:
    api = ApiAccess(base_url, token, account_id, timeout_seconds=2.0)
    return AdaptersConfig(sources={"chatwoot": SourceConfig(default_queue="care", api=api)})


def test_the_whole_history_is_fetched_page_by_page(chatwoot):
    url, seen = chatwoot
    e = mapped("chatwoot", config=config(url))
    assert [turn.text for turn in e.transcript] == [f"message {n}" for n in range(45)]
    assert e.transcript[0].speaker is Speaker.CUSTOMER
    assert e.transcript[1].speaker is Speaker.BOT
    assert [call["before"] for call in seen] == [None, 1025, 1005, 1000]
    assert {(call["account"], call["conversation"]) for call in seen} == {(ACCOUNT, CONVERSATION)}
    assert e.queue == "care"


def test_the_configured_account_wins_over_the_payload(chatwoot):
    url, seen = chatwoot
    mapped("chatwoot", config=config(url, account_id=12))
    assert seen[0]["account"] == 12


def test_a_refused_token_falls_back_to_the_payload_messages(chatwoot, caplog):
    url, seen = chatwoot
    e = mapped("chatwoot", config=config(url, token="wrong"))
    assert len(seen) == 1
    assert e.transcript[0].text == "My package arrived broken"
    assert "not fetched" in caplog.text


def test_an_unreachable_chatwoot_falls_back_to_the_payload_messages():
    e = mapped("chatwoot", config=config(f"http://127.0.0.1:{free_port()}"))
    assert e.transcript[0].text == payload("chatwoot")["messages"][0]["content"]
