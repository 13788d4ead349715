"""`GET /v1/me` tells a sidebar the name its claims carry."""

from __future__ import annotations

import pytest

# Token checks do not depend on the database kind (the storage tests cover both).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_me_names_the_token(hub):
    import httpx

    answer = httpx.get(f"{hub.url}/v1/me", headers=hub.auth(), timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"name": hub.agent_name, "role": "agent", "queues": []}


def test_me_needs_a_token(hub):
    import httpx

    answer = httpx.get(f"{hub.url}/v1/me", timeout=5)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
