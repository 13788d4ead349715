"""Every 4xx and 5xx answer has one shape: `core.ErrorEnvelope`, with nothing else in it."""

from __future__ import annotations

import logging

import pytest
from support.hub import escalation_body, signed

from cxsidebar.core import ErrorEnvelope

pytestmark = pytest.mark.anyio

CODE_OF_STATUS = {
    401: {"unauthorized"},
    403: {"forbidden"},
    404: {"not_found"},
    405: {"method_not_allowed"},
    409: {"conflict", "already_claimed"},
    413: {"payload_too_large"},
    422: {"validation_error"},
    500: {"internal_error"},
}
ALLOWED_EXTRAS = {"claimed_by"}


def assert_envelope(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    ErrorEnvelope.model_validate(body)
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message", "details"} <= set(error)
    assert set(error) - {"code", "message", "details"} <= ALLOWED_EXTRAS
    assert error["code"] in CODE_OF_STATUS[status]
    assert isinstance(error["message"], str)
    assert error["message"]
    for detail in error["details"]:
        assert set(detail) == {"field", "message"}
    return error


async def test_every_kind_of_error_has_the_envelope(api):
    client, agent, admin = api.client, api.auth(), api.auth(api.admin)
    await api.escalate("esc-1")
    await client.post("/v1/escalations/esc-1/claim", headers=agent)
    json_agent = {**agent, "content-type": "application/json"}
    big_raw, big_headers = signed(api.secret, escalation_body(padding="x" * 70_000))
    cases = [
        (401, client.get("/v1/escalations")),
        (401, api.post(escalation_body(), secret="whsec_" + "A" * 44)),
        (403, client.put("/v1/customers/c", json={"id": "c"}, headers=agent)),
        (404, client.get("/v1/escalations/missing", headers=agent)),
        (404, client.get("/no/such/path")),
        (405, client.delete("/v1/escalations")),
        (405, client.delete("/v1/ratings", headers=agent)),
        (409, client.post("/v1/escalations/esc-1/claim", headers=api.auth(api.other_agent))),
        (409, api.post(escalation_body("esc-1", channel="email"))),
        (413, client.post("/v1/escalations", content=big_raw, headers=big_headers)),
        (422, api.post({"id": "x"})),
        (422, client.post("/v1/ratings", content=b"[", headers=json_agent)),
        (422, client.put("/v1/customers/c", json={"id": "c", "vip": "maybe"}, headers=admin)),
    ]  # fmt: skip
    for status, request in cases:
        assert_envelope(await request, status)


async def test_the_lost_claim_names_the_holder_as_an_extra(api):
    await api.escalate("esc-1")
    await api.client.post("/v1/escalations/esc-1/claim", headers=api.auth())
    lost = await api.client.post("/v1/escalations/esc-1/claim", headers=api.auth(api.other_agent))
    error = assert_envelope(lost, 409)
    assert error["claimed_by"] == "Alice"


async def test_405_says_which_methods_are_allowed(api):
    response = await api.client.delete("/v1/escalations")
    assert_envelope(response, 405)
    assert "GET" in response.headers["allow"]


async def test_an_unexpected_failure_is_a_logged_500_envelope(api, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api.storage, "list_escalations", explode)
    with caplog.at_level(logging.ERROR, logger="cxsidebar.hub.errors"):
        response = await api.client.get("/v1/escalations", headers=api.auth())
    error = assert_envelope(response, 500)
    assert "disk on fire" not in error["message"]  # internals stay in the log
    assert any("disk on fire" in (r.exc_text or "") for r in caplog.records)
