"""In-process fixtures: the hub app over a fresh database, driven through ASGITransport.

Every test that uses `storage`, `api` or `hub` runs once per backend: on a new
SQLite file and on a new PostgreSQL database (`postgres` in tests/conftest.py).
ASGITransport buffers whole responses, so event streams are tested against the
real `hub` fixture instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from support.hub import SeededHub, escalation_body, signed

from cxsidebar.hub import HubSettings, HubStorage, create_app, open_storage


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind this test runs on: "sqlite" or "postgresql"."""
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL of a fresh, empty database of the `backend` kind."""
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'hub.sqlite3'}"


@pytest.fixture
def storage(db_url: str) -> Iterator[HubStorage]:
    opened = open_storage(db_url)
    yield opened
    opened.close()


@pytest.fixture
def hub(backend: str, hub_factory: Callable[..., SeededHub]) -> SeededHub:
    """The real hub of tests/conftest.py, once per backend."""
    return hub_factory(db=backend)


@dataclass
class Api:
    """An in-process hub and the credentials its tests use."""

    app: FastAPI
    storage: HubStorage
    client: httpx.AsyncClient
    secret: str
    agent: str
    admin: str
    other_agent: str

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.agent}"}

    async def post(
        self, body: dict[str, Any] | bytes, *, secret: str | None = None, **sign: Any
    ) -> httpx.Response:
        raw, headers = signed(secret or self.secret, body, **sign)
        return await self.client.post("/v1/escalations", content=raw, headers=headers)

    async def escalate(self, escalation_id: str = "esc-1", **fields: Any) -> httpx.Response:
        response = await self.post(escalation_body(escalation_id, **fields))
        assert response.status_code == 202, response.text
        return response


def make_settings() -> HubSettings:
    return HubSettings(max_body_bytes=64 * 1024)


@pytest.fixture
async def api(storage: HubStorage) -> AsyncIterator[Api]:
    app = create_app(storage, make_settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub.test", timeout=httpx.Timeout(5.0)
    ) as client:
        yield Api(
            app=app,
            storage=storage,
            client=client,
            secret=storage.add_source("bot"),
            agent=storage.create_token("agent", "Alice"),
            admin=storage.create_token("admin", "Ada"),
            other_agent=storage.create_token("agent", "Bob"),
        )
