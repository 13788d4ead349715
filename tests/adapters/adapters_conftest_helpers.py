"""Helpers for the adapter tests: fixture payloads, mapping, and where each platform's hints go."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from support.hub import signed

from cxsidebar.core import Escalation
from cxsidebar.hub import HubSettings, HubStorage, create_app
from cxsidebar.hub.adapters import ADAPTERS, AdaptersConfig, adapt

FIXTURES = Path(__file__).parent / "fixtures"


def payload(platform: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{platform}.json").read_text("utf-8"))
    return data


def mapped(
    platform: str, body: dict[str, Any] | None = None, config: AdaptersConfig | None = None
) -> Escalation:
    raw = json.dumps(payload(platform) if body is None else body).encode("utf-8")
    return adapt(ADAPTERS[platform], raw, config or AdaptersConfig())


def with_hints(platform: str, body: dict[str, Any], hints: dict[str, Any]) -> dict[str, Any]:
    """`body` with `hints` put where `platform` carries the cxsidebar hints."""
    body = copy.deepcopy(body)
    if platform == "rasa":
        body["slots"]["cxsidebar"] = hints
    elif platform == "dialogflow-cx":
        body["messages"] = [{"liveAgentHandoff": {"metadata": hints}}]
    elif platform == "lex-v2":
        body["sessionState"]["sessionAttributes"]["cxsidebar"] = json.dumps(hints)
    elif platform == "copilot-studio":
        body["value"]["cxsidebar"] = hints
    elif platform == "chatwoot":
        body["custom_attributes"]["cxsidebar"] = json.dumps(hints)
    elif platform == "botpress":
        body["payload"]["cxsidebar"] = hints
    else:
        raise ValueError(platform)
    return body


@dataclass
class AdapterApi:
    storage: HubStorage
    client: httpx.AsyncClient
    secret: str
    agent: str

    async def post(
        self, platform: str, body: dict[str, Any] | bytes, *, secret: str | None = None, **sign: Any
    ) -> httpx.Response:
        raw, headers = signed(secret or self.secret, body, **sign)
        return await self.client.post(
            f"/v1/adapters/{platform}/escalations", content=raw, headers=headers
        )

    async def context(self, escalation_id: str) -> dict[str, Any]:
        response = await self.client.get(
            f"/v1/escalations/{escalation_id}", headers={"Authorization": f"Bearer {self.agent}"}
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


async def make_api(
    storage: HubStorage, adapters: AdaptersConfig | None = None
) -> AsyncIterator[AdapterApi]:
    settings = HubSettings(max_body_bytes=256 * 1024, adapters=adapters or AdaptersConfig())
    app = create_app(storage, settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub.test", timeout=httpx.Timeout(5.0)
    ) as client:
        yield AdapterApi(
            storage=storage,
            client=client,
            secret=storage.add_source("bot"),
            agent=storage.create_token("agent", "Alice"),
        )
