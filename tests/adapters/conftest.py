"""In-process hub over a fresh SQLite file for the adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from adapters_conftest_helpers import AdapterApi, make_api

from cxsidebar.hub import HubStorage, open_storage


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def adapter_storage(tmp_path: Path) -> Iterator[HubStorage]:
    opened = open_storage(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    yield opened
    opened.close()


@pytest.fixture
async def adapter_api(adapter_storage: HubStorage) -> AsyncIterator[AdapterApi]:
    async for api in make_api(adapter_storage):
        yield api
