"""GET /v1/reports/context-quality: every grouping and filter on both backends, checked
against a plain-Python reference (hub_reports_seed.py), and who may ask."""

from __future__ import annotations

import pytest
from hub_reports_seed import ESCALATIONS, body, expected_rows, ratings, summary

from cxsidebar.core import GroupBy, QualityReport, ReportFilters
from cxsidebar.hub import report_paths
from cxsidebar.hub.rollups import MAX_RELATIVE_ERROR

pytestmark = pytest.mark.anyio

REPORT = "/v1/reports/context-quality"


async def seed(api) -> str:
    """Escalations, summary versions and ratings; returns a supervisor token."""
    for esc in ESCALATIONS:
        await api.escalate(esc.id, **{k: v for k, v in body(esc).items() if k != "id"})
        for kind in esc.summaries:
            api.storage.put_summary(esc.id, summary(kind))
    tokens = {
        "Alice": api.agent,
        "Bob": api.other_agent,
        "Carol": api.storage.create_token("agent", "Carol"),
    }
    for seeded in ratings():
        response = await api.client.post(
            "/v1/ratings",
            json={"ratings": [seeded.rating.model_dump(mode="json")]},
            headers=api.auth(tokens[seeded.agent]),
        )
        assert response.json()["results"][0]["status"] == "created", response.text
    return api.storage.create_token("supervisor", "Sue")


@pytest.fixture
async def supervisor(api) -> str:
    return await seed(api)


def check(report: QualityReport, group_by: GroupBy, filters: ReportFilters) -> None:
    expected = expected_rows(group_by, filters)
    assert report.median_estimated is report_paths.estimated(group_by, filters)
    assert [row.key for row in report.rows] == list(expected)
    for row in report.rows:
        want = expected[row.key]
        assert row.ratings == want["ratings"], row.key
        assert row.mean_overall == pytest.approx(want["mean_overall"])
        assert row.distribution == want["distribution"]
        for part, mean in want["parts"].items():
            assert getattr(row.parts, part) == pytest.approx(mean), (row.key, part)
        assert row.repeated_share == pytest.approx(want["repeated_share"])
        assert {k.value: v for k, v in row.repeated.items()} == want["repeated"]
        assert {p.problem.value: p.count for p in row.top_problems} == want["problems"]
        counts = [p.count for p in row.top_problems]
        assert counts == sorted(counts, reverse=True)
        check_median(row.median_first_action_ms, want["median_first_action_ms"], group_by, filters)
        assert row.with_outcome == want["with_outcome"]
        assert row.fcr_share == pytest.approx(want["fcr_share"])


def check_median(
    got: float | None, want: float | None, group_by: GroupBy, filters: ReportFilters
) -> None:
    """Exact on the raw path; from the rollups or the cube an estimate within the
    documented bound."""
    if want is None or not report_paths.estimated(group_by, filters):
        assert got == pytest.approx(want)
        return
    assert got is not None
    assert abs(got - want) <= MAX_RELATIVE_ERROR * want + 500


async def get_report(api, token: str, params: list[tuple[str, str]]) -> QualityReport:
    response = await api.client.get(REPORT, params=params, headers=api.auth(token))
    assert response.status_code == 200, response.text
    return QualityReport.model_validate(response.json())


@pytest.mark.parametrize("group_by", list(GroupBy))
async def test_every_grouping_matches_the_reference(api, supervisor, group_by):
    report = await get_report(api, supervisor, [("group_by", group_by.value)])
    assert report.group_by is group_by
    assert report.rows, "the seed has ratings in every grouping"
    check(report, group_by, ReportFilters())


FILTERS = [
    pytest.param([("since", "2026-11-04T00:00:00Z")], id="since"),
    pytest.param([("until", "2026-11-10T00:00:00Z")], id="until"),
    pytest.param(
        [("since", "2026-11-04T01:00:00+02:00"), ("until", "2026-11-11T00:00:00Z")], id="range"
    ),
    pytest.param([("queue", "tech")], id="queue"),
    pytest.param([("queue", "tech"), ("queue", "billing")], id="two-queues"),
    pytest.param([("flow", "refund")], id="flow"),
    pytest.param([("reason", "keyword")], id="reason"),
    pytest.param([("reason", "bot_failure"), ("reason", "payment_threshold")], id="two-reasons"),
    pytest.param([("agent", "Bob")], id="agent"),
    pytest.param([("channel", "voice")], id="channel"),
    pytest.param([("summariser", "llm")], id="summariser"),
    pytest.param([("summariser", "none")], id="no-summary"),
    pytest.param([("queue", "billing"), ("agent", "Alice"), ("channel", "voice")], id="combined"),
    pytest.param([("flow", "nowhere")], id="nothing-matches"),
]


@pytest.mark.parametrize("params", FILTERS)
@pytest.mark.parametrize("group_by", [GroupBy.DAY, GroupBy.REASON, GroupBy.AGENT])
async def test_every_filter_matches_the_reference(api, supervisor, params, group_by):
    report = await get_report(api, supervisor, [*params, ("group_by", group_by.value)])
    filters = ReportFilters.model_validate(
        {
            key: (value if key in ("since", "until") else [v for k, v in params if k == key])
            for key, value in params
        }
    )
    assert report.filters == filters
    check(report, group_by, filters)


async def test_the_default_grouping_is_by_day_and_keys_are_labelled(api, supervisor):
    report = await get_report(api, supervisor, [])
    assert report.group_by is GroupBy.DAY
    weeks = await get_report(api, supervisor, [("group_by", "week")])
    assert [(r.key, r.label) for r in weeks.rows][:1] == [("2026-11-02", "Week of 2026-11-02")]
    reasons = await get_report(api, supervisor, [("group_by", "reason")])
    assert "bot failure" in [r.label for r in reasons.rows]


async def test_the_report_says_whether_its_medians_are_estimated(api, supervisor):
    whole_days = await get_report(api, supervisor, [("group_by", "day")])
    assert whole_days.median_estimated  # added up from the rollups
    one_day = [("since", "2026-11-04T01:00:00Z"), ("until", "2026-11-04T23:00:00Z")]
    hours = await get_report(api, supervisor, [("group_by", "day"), *one_day])
    assert not hours.median_estimated  # within one day: from the ratings, exact
    filters = ReportFilters(since="2026-11-04T01:00:00Z", until="2026-11-04T23:00:00Z")
    assert [r.median_first_action_ms for r in hours.rows] == [
        row["median_first_action_ms"] for row in expected_rows(GroupBy.DAY, filters).values()
    ]


async def test_a_superseded_rating_is_not_counted(api, supervisor):
    report = await get_report(api, supervisor, [("group_by", "flow"), ("flow", "router")])
    [row] = report.rows
    assert row.ratings == 2  # e3 by Bob, and only the edit of Alice's e4 rating
    assert row.distribution == [0, 1, 0, 1, 0]


async def test_an_escalation_counts_once_per_reason_kind(api, supervisor):
    report = await get_report(api, supervisor, [("group_by", "reason")])
    rows = {r.key: r.ratings for r in report.rows}
    assert rows["keyword"] == 2  # e2, and e5 which names the kind twice
    assert "other" not in rows


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ([("group_by", "month")], "group_by"),
        ([("since", "yesterday")], "since"),
        ([("since", "2026-11-01T00:00:00")], "since"),  # no offset
        ([("since", "0001-01-01T00:00:00+05:00")], "since"),  # before year 1 in UTC
        ([("reason", "boredom")], "reason.0"),
        ([("since", "2026-11-02T00:00:00Z"), ("until", "2026-11-01T00:00:00Z")], "until"),
    ],
)
async def test_bad_parameters_are_422_envelopes_naming_them(api, supervisor, params, field):
    response = await api.client.get(REPORT, params=params, headers=api.auth(supervisor))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == [field]


async def test_roles(api, supervisor):
    assert (await api.client.get(REPORT)).status_code == 401
    bad = await api.client.get(REPORT, headers=api.auth("cxs_unknown"))
    assert bad.status_code == 401
    agent = await api.client.get(REPORT, headers=api.auth(api.agent))
    assert agent.status_code == 403
    assert agent.json()["error"]["code"] == "forbidden"
    assert (await api.client.get(REPORT, headers=api.auth(api.admin))).status_code == 200


async def test_a_supervisor_of_some_queues_sees_only_them(api, supervisor):
    tech = api.storage.create_token("supervisor", "Tess", queues=["tech"])
    report = await get_report(api, tech, [("group_by", "queue")])
    assert [r.key for r in report.rows] == ["tech"]
    other = await api.client.get(REPORT, params={"queue": "billing"}, headers=api.auth(tech))
    assert other.status_code == 403
