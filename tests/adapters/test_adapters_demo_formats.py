"""The scripted bot speaks every platform format; a real hub maps each scenario back intact."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from cxsidebar import core
from cxsidebar.demo.bot import ScriptedBot, main
from cxsidebar.demo.hubthread import HubThread, sqlite_url
from cxsidebar.demo.platforms import FORMATS, path, render
from cxsidebar.demo.scenarios import SCENARIOS, Scenario
from cxsidebar.hub.storage import open_storage

PLATFORM_FORMATS = [fmt for fmt in FORMATS if fmt != "v1"]
CARRY_SYSTEM_LINES = {"dialogflow-cx", "chatwoot", "botpress"}
CARRY_INTENTS = {"rasa", "dialogflow-cx", "lex-v2"}
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def demo_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    directory: Path = tmp_path_factory.mktemp("demo-formats")
    storage = open_storage(sqlite_url(directory / "hub.sqlite3"))
    secret = storage.add_source("demo-bot")
    token = storage.create_token("agent", "Tester", ())
    server = HubThread(storage).start()
    try:
        yield server.url, secret, token
    finally:
        server.stop()
        storage.close()


def spoken(turns: list[core.Turn], fmt: str) -> list[tuple[core.Speaker, str]]:
    keep_system = fmt in CARRY_SYSTEM_LINES
    return [
        (turn.speaker, turn.text)
        for turn in turns
        if keep_system or turn.speaker is not core.Speaker.SYSTEM
    ]


@pytest.mark.parametrize("fmt", PLATFORM_FORMATS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_every_scenario_in_every_format_keeps_transcript_customer_and_reasons(
    demo_hub, fmt: str, scenario: Scenario
):
    url, secret, token = demo_hub
    with ScriptedBot(url, secret, interval=0, clock=lambda: NOW, format=fmt) as bot:
        answer = bot.post(scenario, 1)
        assert bot.post(scenario, 1) == answer  # a re-post is the same escalation
    with httpx.Client(base_url=url, timeout=10.0) as http:
        response = http.get(
            f"/v1/escalations/{answer['id']}", headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text
    got = core.EscalationContext.model_validate_json(response.content).escalation
    want = scenario.escalation(NOW, 1)
    assert got.bot.platform == fmt
    assert got.customer == want.customer
    assert got.queue == want.queue
    assert got.language == want.language
    assert got.channel == want.channel
    assert spoken(got.transcript, fmt) == spoken(want.transcript, fmt)
    for reason in want.reasons:
        assert reason in got.reasons, (reason, got.reasons)
    assert got.reasons[: len(want.reasons)] == want.reasons
    if fmt in CARRY_INTENTS:
        said = [(t.text, t.intent) for t in got.transcript if t.speaker is core.Speaker.CUSTOMER]
        assert said == [
            (t.text, t.intent) for t in want.transcript if t.speaker is core.Speaker.CUSTOMER
        ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_cli_flag_posts_in_that_format(demo_hub, fmt: str):
    url, secret, _ = demo_hub
    start = 1000 + FORMATS.index(fmt) * 10
    argv = ["--hub", url, "--secret", secret, "--interval", "0", "--count", "2",
            "--start", str(start), "--format", fmt]  # fmt: skip
    assert main(argv) == 0


def test_unknown_formats_are_refused(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(ValueError, match="unknown format"):
        ScriptedBot("http://127.0.0.1:1", "whsec_" + "A" * 44, format="genesys")
    with pytest.raises(ValueError, match="unknown format"):
        render("genesys", SCENARIOS[0].escalation(NOW, 1))
    with pytest.raises(SystemExit):
        main(["--hub", "http://127.0.0.1:1", "--secret", "whsec_x", "--format", "genesys"])
    assert "invalid choice" in capsys.readouterr().err
    assert path("v1") == "/v1/escalations"
    assert path("rasa") == "/v1/adapters/rasa/escalations"


def test_the_v1_format_is_unchanged(demo_hub):
    url, secret, token = demo_hub
    with ScriptedBot(url, secret, interval=0, clock=lambda: NOW, start=500) as bot:
        assert bot.run(threading.Event(), limit=1) == 1
    with httpx.Client(base_url=url, timeout=10.0) as http:
        response = http.get(
            f"/v1/escalations/esc-{SCENARIOS[0].key}-500",
            headers={"Authorization": f"Bearer {token}"},
        )
    got = core.EscalationContext.model_validate_json(response.content).escalation
    assert got == SCENARIOS[0].escalation(NOW, 500)
