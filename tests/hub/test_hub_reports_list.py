"""GET /v1/ratings (pages, cursor, CSV) and GET /v1/ratings/{id}/context, on both backends."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from hub_reports_seed import ratings
from test_hub_reports import seed

from cxsidebar.core import RatedContext, RatingPage, Summary

pytestmark = pytest.mark.anyio


@pytest.fixture
async def supervisor(api) -> str:
    return await seed(api)


async def page(api, token: str, params: list[tuple[str, str]]) -> RatingPage:
    response = await api.client.get("/v1/ratings", params=params, headers=api.auth(token))
    assert response.status_code == 200, response.text
    return RatingPage.model_validate(response.json())


def newest_first(include_superseded: bool = False) -> list[str]:
    chosen = [s for s in ratings() if s.counted or include_superseded]
    chosen.sort(key=lambda s: (s.rating.created_at, str(s.rating.id)), reverse=True)
    return [str(s.rating.id) for s in chosen]


async def test_pages_follow_the_cursor_newest_first(api, supervisor):
    seen: list[str] = []
    params = [("limit", "2")]
    for _ in range(10):
        got = await page(api, supervisor, params)
        assert len(got.items) <= 2
        seen += [str(item.rating.id) for item in got.items]
        if got.next_cursor is None:
            break
        params = [("limit", "2"), ("cursor", got.next_cursor)]
    assert seen == newest_first()


async def test_items_carry_the_escalation_attributes(api, supervisor):
    got = await page(
        api, supervisor, [("flow", "refund"), ("agent", "Alice"), ("channel", "voice")]
    )
    [item] = got.items
    assert (item.agent, item.queue, item.channel, item.flow) == (
        "Alice",
        "billing",
        "voice",
        "refund",
    )
    assert [k.value for k in item.reasons] == ["negative_sentiment", "keyword"]
    assert item.summariser == "llm"
    assert item.current is True
    assert item.rating.overall == 2


async def test_superseded_ratings_are_listed_only_when_asked(api, supervisor):
    assert [str(i.rating.id) for i in (await page(api, supervisor, [])).items] == newest_first()
    everything = await page(api, supervisor, [("include_superseded", "true")])
    assert [str(i.rating.id) for i in everything.items] == newest_first(True)
    assert [i.current for i in everything.items].count(False) == 1


async def test_filters_apply_to_the_list(api, supervisor):
    got = await page(api, supervisor, [("summariser", "none"), ("channel", "chat")])
    assert [i.rating.escalation_id for i in got.items] == ["e4"]
    got = await page(api, supervisor, [("since", "2026-11-16T00:00:00Z")])
    assert [i.agent for i in got.items] == ["Carol"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ([("cursor", "garbage!")], "cursor"),
        ([("limit", "0")], "limit"),
        ([("limit", "501")], "limit"),
        ([("format", "xml")], "format"),
    ],
)
async def test_bad_list_parameters_are_422(api, supervisor, params, field):
    response = await api.client.get("/v1/ratings", params=params, headers=api.auth(supervisor))
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == [field]


async def test_csv_lists_every_rating_with_formulas_neutralised(api, supervisor):
    response = await api.client.get(
        "/v1/ratings", params={"format": "csv", "limit": "1"}, headers=api.auth(supervisor)
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == newest_first()  # cursor and limit do not apply
    by_escalation = {r["escalation_id"]: r for r in rows}
    assert by_escalation["e2"]["comment"] == '\'=HYPERLINK("http://evil")'
    assert by_escalation["e3"]["comment"] == "'+1 -2 @x"
    assert by_escalation["e2"]["repeated"] == "order_number;account_id"
    assert by_escalation["e2"]["reasons"] == "negative_sentiment;keyword"
    assert by_escalation["e5"]["customer_repeated"] == "false"
    assert by_escalation["e4"]["supersedes"] != ""


async def test_list_and_context_roles(api, supervisor):
    some = str(ratings()[0].rating.id)
    for path in ("/v1/ratings", f"/v1/ratings/{some}/context"):
        assert (await api.client.get(path)).status_code == 401
        agent = await api.client.get(path, headers=api.auth(api.agent))
        assert agent.status_code == 403, path


async def rate_after_fetch(api, escalation_id: str) -> tuple[dict, str]:
    """Fetch the context as an agent would, rate it naming its versions."""
    served = await api.client.get(f"/v1/escalations/{escalation_id}", headers=api.auth())
    context = served.json()
    rating = {
        "id": str(uuid.uuid4()),
        "escalation_id": escalation_id,
        "created_at": "2026-11-20T10:00:00+00:00",
        "overall": 3,
        "context_version": context["context_version"],
        "summary_version": context["summary"]["version"] if context["summary"] else None,
    }
    saved = await api.client.post("/v1/ratings", json={"ratings": [rating]}, headers=api.auth())
    assert saved.json()["results"][0]["status"] == "created", saved.text
    return context, rating["id"]


async def test_drill_down_shows_the_context_and_summary_version_rated(api):
    await api.escalate("esc-9", transcript=[
        {"id": "t1", "at": "2026-11-20T09:00:00+00:00", "speaker": "customer",
         "text": "<b>not markup</b> my order 55"},
    ])  # fmt: skip
    api.storage.put_summary("esc-9", _summary("first"))
    context, rating_id = await rate_after_fetch(api, "esc-9")
    assert len(context["context_version"]) == 64
    # What the agent saw changes afterwards: a new summary version and a new profile.
    api.storage.put_summary("esc-9", _summary("second"))
    await api.client.put(
        "/v1/customers/cust-1",
        json={"id": "cust-1", "display_name": "Dana Renamed"},
        headers=api.auth(api.admin),
    )
    now = await api.client.get("/v1/escalations/esc-9", headers=api.auth())
    assert now.json()["context_version"] != context["context_version"]
    sue = api.storage.create_token("supervisor", "Sue")
    response = await api.client.get(f"/v1/ratings/{rating_id}/context", headers=api.auth(sue))
    assert response.status_code == 200, response.text
    rated = RatedContext.model_validate(response.json())
    assert rated.context_version == context["context_version"]
    assert rated.summary_version == 1
    assert rated.context is not None
    assert rated.context.profile is None  # as it was when the agent looked
    assert rated.context.summary is not None
    assert rated.context.summary.text == "first"
    assert rated.context.escalation.transcript[0].text == "<b>not markup</b> my order 55"
    assert rated.item.agent == "Alice"


async def test_drill_down_without_a_version_has_no_context(api, supervisor):
    first = ratings()[0].rating
    response = await api.client.get(f"/v1/ratings/{first.id}/context", headers=api.auth(supervisor))
    rated = RatedContext.model_validate(response.json())
    assert rated.context is None
    assert rated.item.rating == first


async def test_drill_down_errors(api, supervisor):
    unknown = await api.client.get(
        f"/v1/ratings/{uuid.uuid4()}/context", headers=api.auth(supervisor)
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    bad = await api.client.get("/v1/ratings/nope/context", headers=api.auth(supervisor))
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "rating_id"
    billing_only = api.storage.create_token("supervisor", "Bill", queues=["billing"])
    tech_rating = ratings()[3].rating  # e3, queue tech
    hidden = await api.client.get(
        f"/v1/ratings/{tech_rating.id}/context", headers=api.auth(billing_only)
    )
    assert hidden.status_code == 404


async def test_the_snapshot_is_stored_once_per_version(api):
    await api.escalate("esc-1")
    versions = set()
    for _ in range(3):
        served = await api.client.get("/v1/escalations/esc-1", headers=api.auth())
        versions.add(served.json()["context_version"])
    assert len(versions) == 1
    await api.client.post("/v1/escalations/esc-1/claim", headers=api.auth())
    claimed = await api.client.get("/v1/escalations/esc-1", headers=api.auth())
    assert claimed.json()["context_version"] in versions  # a claim is not content


def _summary(text: str) -> Summary:
    from cxsidebar.core import Summary

    return Summary(kind="extractive", text=text)
