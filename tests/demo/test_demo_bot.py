"""The scripted bot signs its posts the Standard Webhooks way and stops when told."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from cxsidebar import core
from cxsidebar.demo.bot import BotPostError, ScriptedBot, main
from cxsidebar.demo.scenarios import SCENARIOS, by_key

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
HUB = "http://127.0.0.1:9"  # never reached: every test uses a MockTransport


class Hub:
    """A stand-in hub that records requests and answers like the real one."""

    def __init__(self, answer: Callable[[int], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self._answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self._answer is not None:
            return self._answer(len(self.requests))
        body = json.loads(request.content)
        return httpx.Response(202, json={"id": body["id"], "event_id": len(self.requests)})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def envelope(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


def test_post_is_signed_and_verifies():
    hub = Hub()
    with hub.client() as http, ScriptedBot(HUB, SECRET, http=http) as bot:
        answer = bot.post(by_key("payment-over-limit"), 42)
    [request] = hub.requests
    assert request.method == "POST"
    assert str(request.url) == f"{HUB}/v1/escalations"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"]
    assert request.headers["webhook-timestamp"].isdigit()
    assert request.headers["webhook-signature"].startswith("v1,")
    payload = Webhook(SECRET).verify(request.content, dict(request.headers))
    escalation = core.Escalation.model_validate(payload)
    assert escalation.id == "esc-payment-over-limit-42"
    assert answer == {"id": "esc-payment-over-limit-42", "event_id": 1}
    assert request.extensions["timeout"]["read"] is not None


def test_a_wrong_secret_does_not_verify():
    hub = Hub()
    with hub.client() as http, ScriptedBot(HUB, SECRET, http=http) as bot:
        bot.post(SCENARIOS[0], 1)
    other = "whsec_" + base64.b64encode(b"another secret, 32 bytes long!!!").decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(hub.requests[0].content, dict(hub.requests[0].headers))


def test_hostile_and_long_scenarios_survive_signing():
    hub = Hub()
    with hub.client() as http, ScriptedBot(HUB, SECRET, http=http) as bot:
        bot.post(by_key("hostile-text"), 1)
        bot.post(by_key("long-troubleshooting"), 2)
    expected = ("esc-hostile-text-1", "esc-long-troubleshooting-2")
    for request, escalation_id in zip(hub.requests, expected, strict=True):
        payload = Webhook(SECRET).verify(request.content, dict(request.headers))
        assert payload["id"] == escalation_id
    hostile = json.loads(hub.requests[0].content)
    assert any("\x00" in turn["text"] for turn in hostile["transcript"])


def test_refusal_raises_with_the_envelope_message():
    hub = Hub(lambda _: envelope(409, "conflict", "escalation esc-x-1 exists with another body"))
    with (
        hub.client() as http,
        ScriptedBot(HUB, SECRET, http=http) as bot,
        pytest.raises(BotPostError, match="exists with another body") as caught,
    ):
        bot.post(SCENARIOS[0], 1)
    assert caught.value.status == 409
    assert caught.value.code == "conflict"


def test_refusal_without_an_envelope_still_says_something():
    hub = Hub(lambda _: httpx.Response(502, text="Bad gateway from the proxy"))
    with (
        hub.client() as http,
        ScriptedBot(HUB, SECRET, http=http) as bot,
        pytest.raises(BotPostError, match=r"502 .*Bad gateway"),
    ):
        bot.post(SCENARIOS[0], 1)


def test_run_posts_round_robin_up_to_the_limit():
    hub = Hub()
    stop = threading.Event()
    with hub.client() as http, ScriptedBot(HUB, SECRET, http=http, interval=0, start=5) as bot:
        accepted = bot.run(stop, limit=3)
    assert accepted == 3
    ids = [json.loads(request.content)["id"] for request in hub.requests]
    assert ids == [f"esc-{SCENARIOS[i].key}-{5 + i}" for i in range(3)]


def test_run_logs_failures_and_carries_on(caplog: pytest.LogCaptureFixture):
    def answer(n: int) -> httpx.Response:
        if n == 1:
            return envelope(401, "unauthorized", "bad signature")
        if n == 2:
            raise httpx.ConnectError("connection refused")
        return httpx.Response(202, json={"id": "esc", "event_id": n})

    hub = Hub(answer)
    with (
        caplog.at_level(logging.WARNING, logger="cxsidebar.demo.bot"),
        hub.client() as http,
        ScriptedBot(HUB, SECRET, http=http, interval=0, start=0) as bot,
    ):
        accepted = bot.run(threading.Event(), limit=3)
    assert accepted == 1
    assert len(hub.requests) == 3
    assert "bad signature" in caplog.text
    assert "connection refused" in caplog.text


def test_run_stops_when_the_event_is_set():
    stop = threading.Event()

    def answer(n: int) -> httpx.Response:
        stop.set()  # the demo shutting down while the bot waits for its next turn
        return httpx.Response(202, json={"id": "esc", "event_id": n})

    hub = Hub(answer)
    with hub.client() as http, ScriptedBot(HUB, SECRET, http=http, interval=3600) as bot:
        accepted = bot.run(stop, limit=50)
    assert accepted == 1
    assert len(hub.requests) == 1


def test_run_does_nothing_once_stopped():
    hub = Hub()
    stop = threading.Event()
    stop.set()
    with hub.client() as http, ScriptedBot(HUB, SECRET, http=http, interval=0) as bot:
        assert bot.run(stop, limit=5) == 0
    assert hub.requests == []


def test_default_start_comes_from_the_clock():
    hub = Hub()
    fixed = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    with hub.client() as http, ScriptedBot(HUB, SECRET, http=http, clock=lambda: fixed) as bot:
        bot.run(threading.Event(), limit=1)
    body = json.loads(hub.requests[0].content)
    assert body["id"] == f"esc-{SCENARIOS[0].key}-{int(fixed.timestamp())}"
    assert body["created_at"].startswith("2030-01-02T03:04:05")
    assert hub.requests[0].headers["webhook-timestamp"] == str(int(fixed.timestamp()))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="interval"):
        ScriptedBot(HUB, SECRET, interval=-1)
    with pytest.raises(ValueError, match="scenarios"):
        ScriptedBot(HUB, SECRET, scenarios=())


def test_cli_posts_count_escalations():
    hub = Hub()
    with hub.client() as http:
        code = main(
            [
                "--hub",
                HUB + "/",
                "--secret",
                SECRET,
                "--interval",
                "0",
                "--count",
                "2",
                "--start",
                "10",
            ],
            http=http,
        )
    assert code == 0
    assert [json.loads(r.content)["id"] for r in hub.requests] == [
        f"esc-{SCENARIOS[0].key}-10",
        f"esc-{SCENARIOS[1].key}-11",
    ]


def test_cli_reports_refusals_in_its_exit_code():
    hub = Hub(lambda _: envelope(401, "unauthorized", "bad signature"))
    with hub.client() as http:
        assert (
            main(["--hub", HUB, "--secret", SECRET, "--interval", "0", "--count", "1"], http=http)
            == 1
        )


def test_cli_needs_a_secret(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.delenv("CXSIDEBAR_BOT_SECRET", raising=False)
    with pytest.raises(SystemExit) as exited:
        main(["--hub", HUB])
    assert exited.value.code == 2
    assert "secret" in capsys.readouterr().err


def test_bot_module_does_not_import_qt():
    code = (
        "import sys, cxsidebar.demo.bot, cxsidebar.demo.scenarios\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
