"""The evaluation runner reads the documented JSONL format and prints every figure."""

from __future__ import annotations

import json

from benchmarks import summary_eval


def test_runner_prints_every_figure_for_the_shipped_examples(capsys):
    assert summary_eval.main([]) == 0
    out = capsys.readouterr().out
    for label in (
        "ROUGE-1 F1",
        "ROUGE-2 F1",
        "ROUGE-L F1",
        "valid citations",
        "facts captured",
        "ms per dialogue",
    ):
        assert label in out


def test_runner_names_a_bad_line(tmp_path, capsys):
    good = {
        "id": "a",
        "turns": [{"id": "1", "speaker": "agent", "text": "Hello"}],
        "references": ["x"],
    }
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    assert summary_eval.main([str(path)]) == 2
    assert f"{path}:2: not a dialogue" in capsys.readouterr().err


def test_llm_needs_its_endpoint(monkeypatch, capsys):
    monkeypatch.delenv("CXSIDEBAR_LLM_BASE_URL", raising=False)
    assert summary_eval.main(["--summariser", "llm"]) == 2
    assert "CXSIDEBAR_LLM_BASE_URL" in capsys.readouterr().err
