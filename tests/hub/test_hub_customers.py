"""PUT /v1/customers/{id} and its history: admin only, replacing what was there."""

from __future__ import annotations

import pytest

from cxsidebar.core import ErrorEnvelope

pytestmark = pytest.mark.anyio

PROFILE = {"id": "cust-1", "display_name": "Dana", "tier": "gold", "crm_segment": "S2"}
HISTORY = {
    "items": [
        {"id": "h1", "kind": "ticket", "title": "Late parcel", "opened_at": "2024-05-01T08:00:00Z"},
        {"id": "h2", "kind": "order", "opened_at": "2025-01-02T08:00:00Z", "status": "shipped"},
    ]
}


async def test_admin_puts_a_profile_and_gets_it_back(api):
    response = await api.client.put(
        "/v1/customers/cust-1", json=PROFILE, headers=api.auth(api.admin)
    )
    assert response.status_code == 200
    assert response.json()["crm_segment"] == "S2"
    assert response.json()["tier"] == "gold"
    changed = {**PROFILE, "tier": "silver"}
    again = await api.client.put("/v1/customers/cust-1", json=changed, headers=api.auth(api.admin))
    assert again.json()["tier"] == "silver"
    await api.escalate("esc-1")
    context = api.storage.get_context("esc-1")
    assert context is not None
    assert context.profile is not None
    assert context.profile.tier == "silver"


async def test_history_is_replaced_and_served_newest_first(api):
    url = "/v1/customers/cust-1/history"
    response = await api.client.put(url, json=HISTORY, headers=api.auth(api.admin))
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == ["h1", "h2"]
    await api.escalate("esc-1")
    context = (await api.client.get("/v1/escalations/esc-1", headers=api.auth())).json()
    assert [h["id"] for h in context["history"]] == ["h2", "h1"]
    await api.client.put(url, json={"items": []}, headers=api.auth(api.admin))
    context = (await api.client.get("/v1/escalations/esc-1", headers=api.auth())).json()
    assert context["history"] == []


@pytest.mark.parametrize("path", ["/v1/customers/cust-1", "/v1/customers/cust-1/history"])
async def test_agents_may_not_load_crm_data(api, path):
    body = PROFILE if path.endswith("cust-1") else HISTORY
    forbidden = await api.client.put(path, json=body, headers=api.auth())
    assert forbidden.status_code == 403
    assert ErrorEnvelope.model_validate(forbidden.json()).error.code == "forbidden"
    anonymous = await api.client.put(path, json=body)
    assert anonymous.status_code == 401


async def test_a_profile_for_another_id_is_422_naming_id(api):
    response = await api.client.put(
        "/v1/customers/cust-2", json=PROFILE, headers=api.auth(api.admin)
    )
    assert response.status_code == 422
    assert ErrorEnvelope.model_validate(response.json()).error.details[0].field == "id"


async def test_a_bad_history_item_is_422_naming_the_field(api):
    body = {"items": [{"id": "h1", "kind": "ticket", "opened_at": "last spring"}]}
    response = await api.client.put(
        "/v1/customers/cust-1/history", json=body, headers=api.auth(api.admin)
    )
    assert response.status_code == 422
    fields = [d.field for d in ErrorEnvelope.model_validate(response.json()).error.details]
    assert fields == ["items.0.opened_at"]
