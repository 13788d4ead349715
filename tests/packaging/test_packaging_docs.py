"""docs/deployment.md's key table is generated from the settings schema.

After changing SCHEMA, refresh it with:
    CXSIDEBAR_UPDATE_DOCS=1 .venv/bin/python -m pytest tests/packaging/test_packaging_docs.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cxsidebar.settings import key_table_markdown, schema

DOC = Path(__file__).parents[2] / "docs" / "deployment.md"
BLOCK = re.compile(r"(<!-- keys:start[^\n]*-->\n)(.*?)(<!-- keys:end -->)", re.S)


def test_the_key_table_matches_the_schema():
    text = DOC.read_text(encoding="utf-8")
    found = BLOCK.search(text)
    assert found, "docs/deployment.md lost its <!-- keys:start --> / <!-- keys:end --> markers"
    expected = key_table_markdown()
    if os.environ.get("CXSIDEBAR_UPDATE_DOCS") == "1" and found.group(2) != expected:
        DOC.write_text(text[: found.start(2)] + expected + text[found.end(2) :], encoding="utf-8")
        return
    assert found.group(2) == expected, "stale key table: see this test's docstring to refresh it"


def test_every_key_has_a_row_and_its_environment_variable():
    table = key_table_markdown()
    for key in schema().values():
        assert f"| `{key.name}` |" in table
        assert f"`{key.env}`" in table
        assert key.description in table


def test_the_guide_covers_what_it_asks_for():
    text = DOC.read_text(encoding="utf-8")
    for needed in (
        "msiexec /i",
        "/qn",
        "ALLUSERS=1",
        "HUBURL=",
        "policy.d",
        "Policies\\cxsidebar",
        "cxsidebar doctor",
        "Uninstall",
        "Where data and logs live",
        "what to allow",
    ):
        assert needed in text, needed
