"""The synthetic rating generator: valid canonical bodies, one current rating per
(escalation, agent), reports that add up; and its CLI."""

from __future__ import annotations

from cxsidebar.core import Escalation, GroupBy, Rating, ReportFilters
from cxsidebar.hub import open_storage
from cxsidebar.hub.cli import main
from cxsidebar.hub.rating_generator import Shape, generate_ratings
from cxsidebar.hub.storage import canonical_json


def test_generated_ratings_are_what_the_hub_would_store(db_url):
    done = generate_ratings(db_url, Shape(count=400, days=30, edit_share=0.2, seed=7))
    assert done.ratings == 400
    storage = open_storage(db_url)
    try:
        page = storage.rating_page(ReportFilters(), None, limit=500, include_superseded=True)
        assert len(page.items) == 400
        for item in page.items:
            body = canonical_json(item.rating)
            assert Rating.model_validate_json(body) == item.rating
        current = [i for i in page.items if i.current]
        superseded = {str(i.rating.supersedes) for i in current if i.rating.supersedes}
        assert superseded == {str(i.rating.id) for i in page.items if not i.current}
        assert superseded, "some ratings are edits"
        pairs = [(i.rating.escalation_id, i.agent) for i in current]
        assert len(pairs) == len(set(pairs))
        for group_by in GroupBy:
            rows = storage.context_report(group_by, ReportFilters(), None)
            total = sum(row.ratings for row in rows)
            if group_by is GroupBy.REASON:
                assert total >= len(current)
            else:
                assert total == len(current), group_by
        context = storage.get_context(current[0].rating.escalation_id)
        assert context is not None
        assert isinstance(context.escalation, Escalation)
        assert canonical_json(context.escalation) == canonical_json(
            Escalation.model_validate(context.escalation.model_dump())
        )
    finally:
        storage.close()


def test_the_cli_generates_and_refuses_the_same_seed_twice(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    assert main(["generate-ratings", "--db", url, "--count", "50", "--days", "3"]) == 0
    assert "Added 50 ratings" in capsys.readouterr().out
    assert main(["generate-ratings", "--db", url, "--count", "50", "--seed", "1"]) == 2
    assert "another seed" in capsys.readouterr().err
    assert main(["generate-ratings", "--db", url, "--count", "50", "--seed", "2"]) == 0
