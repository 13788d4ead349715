"""The LLM client trusts the system store plus a corporate CA bundle, and names the host
when TLS fails: a fake OpenAI-compatible server on 127.0.0.1 with a certificate that a
throwaway test CA signed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cx_fake_openai import FakeOpenAI, Reply, ServedFake
from cx_summary_tls import make_ca, make_server_cert

from cxsidebar.core import Profile
from cxsidebar.demo.hubthread import free_port
from cxsidebar.hub.summarise import LLMSettings, LLMSummariser, SummaryService

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

PROFILE = Profile(id="cust-9", display_name="Ana Lima")
ANSWER = {
    "issue": {"text": "Charged twice for order ORD-77310.", "cites": ["t1"]},
    "wants": [],
    "bot_tried": [],
    "facts": [],
    "sentiment": None,
    "next_step": None,
}


@pytest.fixture(scope="module")
def authorities(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tls")
    corporate, stranger = make_ca(folder, "corporate-ca"), make_ca(folder, "stranger-ca")
    cert, key = make_server_cert(folder, corporate)
    return {
        "corporate": corporate.cert,
        "stranger": stranger.cert,
        "cert": Path(cert),
        "key": Path(key),
    }


@pytest.fixture
def tls_openai(authorities: dict[str, Path]) -> Iterator[ServedFake]:
    fake = FakeOpenAI(reply=lambda body: Reply(json.dumps(ANSWER)))
    served = ServedFake(fake, tls=(str(authorities["cert"]), str(authorities["key"]))).start()
    yield served
    served.stop()


def summarise(served: ServedFake, billing, **options) -> tuple[str, str | None]:
    settings = LLMSettings(
        base_url=served.base_url, model="fake-model", max_retries=0, timeout=5.0, **options
    )
    service = SummaryService(LLMSummariser(settings))
    try:
        summary = service.summarise(billing, PROFILE)
    finally:
        service.close()
    return summary.kind, summary.provenance.fallback_reason


def test_the_corporate_ca_bundle_makes_the_endpoint_trusted(tls_openai, authorities, billing):
    kind, reason = summarise(tls_openai, billing, ca_bundle=str(authorities["corporate"]))
    assert (kind, reason) == ("llm", None)
    assert tls_openai.base_url.startswith("https://")
    assert len(tls_openai.fake.requests) == 1


@pytest.mark.parametrize("bundle", [None, "stranger"], ids=["system-store-only", "wrong-ca"])
def test_an_untrusted_certificate_falls_back_naming_the_host(
    tls_openai, authorities, billing, bundle
):
    ca_bundle = str(authorities[bundle]) if bundle else None
    kind, reason = summarise(tls_openai, billing, ca_bundle=ca_bundle)
    assert kind == "extractive"
    assert reason is not None
    assert "TLS with the model's endpoint 127.0.0.1 failed" in reason
    assert "certificate verify failed" in reason
    assert "CXSIDEBAR_LLM_CA_BUNDLE" in reason
    assert "_ssl.c" not in reason
    assert tls_openai.fake.requests == []


def test_a_proxy_from_the_environment_is_used(tls_openai, authorities, billing, monkeypatch):
    closed = free_port()  # nothing listens here
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    kind, reason = summarise(tls_openai, billing, ca_bundle=str(authorities["corporate"]))
    assert kind == "extractive"
    assert "127.0.0.1 is unreachable" in reason
    assert tls_openai.fake.requests == []

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert summarise(tls_openai, billing, ca_bundle=str(authorities["corporate"]))[0] == "llm"


def test_the_ca_bundle_comes_from_the_environment_and_must_be_readable(authorities, tmp_path):
    env = {
        "CXSIDEBAR_LLM_BASE_URL": "https://llm.example/v1",
        "CXSIDEBAR_LLM_MODEL": "m",
        "CXSIDEBAR_LLM_CA_BUNDLE": str(authorities["corporate"]),
    }
    settings = LLMSettings.from_env(env)
    assert settings is not None
    assert settings.ca_bundle == str(authorities["corporate"])
    with pytest.raises(ValueError, match="CXSIDEBAR_LLM_CA_BUNDLE"):
        LLMSettings.from_env({**env, "CXSIDEBAR_LLM_CA_BUNDLE": str(tmp_path / "missing.pem")})
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(ValueError, match="readable PEM"):
        LLMSettings(base_url="https://llm.example/v1", model="m", ca_bundle=str(garbage))
