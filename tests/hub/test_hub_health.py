"""`GET /healthz` and `GET /readyz` (the database answers), on both backends."""

from __future__ import annotations

import pytest

from cxsidebar.core import ErrorEnvelope

pytestmark = pytest.mark.anyio


async def test_ready_while_the_database_answers(api):
    live = await api.client.get("/healthz")
    ready = await api.client.get("/readyz")
    assert live.status_code == ready.status_code == 200
    assert ready.json() == {"status": "ok"}


async def test_not_ready_once_the_database_is_gone_but_still_alive(api, caplog):
    api.storage.close()
    ready = await api.client.get("/readyz")
    assert ready.status_code == 503
    error = ErrorEnvelope.model_validate(ready.json()).error
    assert error.code == "unavailable"
    assert "database" in error.message
    assert "not ready" in caplog.text
    assert (await api.client.get("/healthz")).status_code == 200
