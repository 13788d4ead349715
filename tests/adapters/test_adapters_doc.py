"""docs/adapters.md has a section for every platform the hub serves, with its whole mapping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cxsidebar.hub.adapters import ADAPTERS, parse_adapters_config

DOC = Path(__file__).resolve().parents[2] / "docs" / "adapters.md"
SECTION = re.compile(r"^## .*\(`([a-z0-9-]+)`\)$", re.MULTILINE)


def sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    found = list(SECTION.finditer(text))
    return {
        match[1]: text[match.end() : found[n + 1].start() if n + 1 < len(found) else len(text)]
        for n, match in enumerate(found)
    }


def test_every_platform_has_a_section_and_every_section_a_platform():
    assert set(sections()) == set(ADAPTERS)


@pytest.mark.parametrize("platform", list(ADAPTERS))
def test_each_section_has_the_mapping_table_and_the_documentation_link(platform):
    section = sections()[platform]
    adapter = ADAPTERS[platform]
    assert adapter.doc_url in section
    for source, target in adapter.mapping:
        assert f"| `{source}` | {target} |" in section, (platform, source)


def test_the_config_example_in_the_doc_is_valid():
    import tomllib

    text = DOC.read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", text, re.DOTALL)
    assert example is not None
    config = parse_adapters_config(tomllib.loads(example[1]), "docs/adapters.md")
    assert config.source("rasa").routes[0].queue == "billing"
    assert config.source("chatwoot").api is not None
