"""The adapters config file: format, clear errors naming file and key, and the CLI flag."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from adapters_conftest_helpers import payload
from support.hub import signed

from cxsidebar.hub.adapters import (
    AdaptersConfig,
    AdaptersConfigError,
    InferenceRules,
    Route,
    load_adapters_config,
)
from cxsidebar.hub.cli import main
from cxsidebar.hub.settings import HubSettings

EXAMPLE = """
[inference]
fallback_run = 3
low_confidence = 0.5
keywords = ["frustrated", "urgent", "complaint", "lawyer"]
payment_threshold = 1000

[sources.rasa]
default_queue = "support"
routes = [
  { field = "slots.department", equals = "billing", queue = "billing" },
  { field = "slots.vip", equals = true, queue = "vip" },
]

[sources.chatwoot]
default_queue = "care"

[sources.chatwoot.api]
base_url = "https://chatwoot.example.com/"
token = "cw-token"
account_id = 7
timeout_seconds = 3
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "adapters.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_documented_example_loads(tmp_path):
    config = load_adapters_config(write(tmp_path, EXAMPLE))
    assert config.inference == InferenceRules(
        fallback_run=3, low_confidence=0.5, payment_threshold=1000,
        keywords=("frustrated", "urgent", "complaint", "lawyer"),
    )  # fmt: skip
    rasa = config.source("rasa")
    assert rasa.default_queue == "support"
    assert rasa.routes == (
        Route("slots.department", "billing", "billing"),
        Route("slots.vip", "true", "vip"),
    )
    api = config.source("chatwoot").api
    assert api is not None
    assert (api.base_url, api.account_id, api.timeout_seconds) == (
        "https://chatwoot.example.com", 7, 3.0,
    )  # fmt: skip
    assert "cw-token" not in repr(api)
    assert config.source("botpress").default_queue == "default"


def test_an_empty_file_is_the_defaults(tmp_path):
    assert load_adapters_config(write(tmp_path, "")) == AdaptersConfig()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[sources.genesys]\ndefault_queue = 'x'", "sources.genesys"),
        ("[sources.rasa]\ndefault_queue = ''", "sources.rasa.default_queue"),
        ("[sources.rasa]\nqueue = 'x'", "sources.rasa.queue"),
        ("[sources.rasa]\nroutes = [{ field = 'a', queue = 'b' }]",
         "sources.rasa.routes[0].equals"),
        ("[sources.rasa]\nroutes = 'x'", "sources.rasa.routes"),
        ("[sources.rasa]\nroutes = [{ field = 'a', equals = [1], queue = 'b' }]",
         "sources.rasa.routes[0].equals"),
        ("[sources.chatwoot.api]\nbase_url = 'ftp://x'\ntoken = 't'",
         "sources.chatwoot.api.base_url"),
        ("[sources.chatwoot.api]\nbase_url = 'http://x'", "sources.chatwoot.api.token"),
        ("[sources.chatwoot.api]\nbase_url = 'http://x'\ntoken = 't'\ntimeout_seconds = 0",
         "sources.chatwoot.api.timeout_seconds"),
        ("[inference]\nfallback_run = 0", "inference.fallback_run"),
        ("[inference]\nfallback_run = 1.5", "inference.fallback_run"),
        ("[inference]\nkeywords = 'urgent'", "inference.keywords"),
        ("[inference]\nmood = 1", "inference.mood"),
        ("colour = 'blue'", "colour"),
    ],
)  # fmt: skip
def test_errors_name_the_file_and_the_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(AdaptersConfigError) as raised:
        load_adapters_config(path)
    assert str(raised.value).startswith(f"{path}: {key}:")


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(AdaptersConfigError, match="cannot read"):
        load_adapters_config(tmp_path / "missing.toml")
    with pytest.raises(AdaptersConfigError, match="not valid TOML"):
        load_adapters_config(write(tmp_path, "[sources\n"))


def test_hub_settings_carry_the_config():
    assert HubSettings().adapters == AdaptersConfig()


def test_serve_refuses_a_bad_config_naming_it(tmp_path, capsys):
    path = write(tmp_path, "[sources.rasa]\ndefault_queue = 3")
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    code = main(["serve", "--db", db, "--adapters-config", str(path)])
    assert code == 2
    err = capsys.readouterr().err
    assert f"--adapters-config: {path}: sources.rasa.default_queue:" in err


def test_serve_takes_the_config(tmp_path, hub_factory):
    path = write(tmp_path, EXAMPLE)
    hub = hub_factory("with-config", extra_args=["--adapters-config", str(path)])
    raw, headers = signed(hub.source_secret, payload("rasa"))
    answer = httpx.post(f"{hub.url}/v1/adapters/rasa/escalations", content=raw, headers=headers,
                        timeout=5.0)  # fmt: skip
    assert answer.status_code == 202, answer.text
    context = httpx.get(
        f"{hub.url}/v1/escalations/{answer.json()['id']}", headers=hub.auth(), timeout=5.0
    )
    assert context.json()["escalation"]["queue"] == "billing"  # slots.department
