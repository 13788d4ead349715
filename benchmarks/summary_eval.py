"""Score a summariser on dialogues with human reference summaries.

    python -m benchmarks.summary_eval FILE.jsonl [--summariser extractive|llm]

One dialogue per line: {"id", "turns": [{"id", "speaker": customer|bot|agent|system,
"text"}], "references": [str, ...], "facts": [str, ...]}. Prints ROUGE-1/2/L F1
(best over the references, averaged), the share of statements with valid
citations, the share of `facts` captured in "facts already given", and
milliseconds per dialogue. The LLM summariser reads CXSIDEBAR_LLM_BASE_URL,
CXSIDEBAR_LLM_MODEL and CXSIDEBAR_LLM_API_KEY.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rouge_score import rouge_scorer  # type: ignore[import-untyped]

from cxsidebar.core import Escalation, Summary, SummaryState
from cxsidebar.hub.summarise import (
    ExtractiveSummariser,
    LLMSettings,
    LLMSummariser,
    Summariser,
    SummaryService,
)

EXAMPLES = Path(__file__).parent / "data" / "summary_examples.jsonl"
_SPEAKERS = {"customer": "customer", "bot": "bot", "agent": "bot", "system": "system"}


def to_escalation(dialogue: dict[str, Any]) -> Escalation:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return Escalation.model_validate(
        {
            "id": str(dialogue["id"]),
            "queue": "eval",
            "channel": "chat",
            "created_at": (start + timedelta(hours=1)).isoformat(),
            "bot": {"platform": "eval", "flow": "eval"},
            "customer": {"id": "eval"},
            "transcript": [
                {
                    "id": str(turn["id"]),
                    "at": (start + timedelta(seconds=10 * n)).isoformat(),
                    "speaker": _SPEAKERS[turn["speaker"]],
                    "text": turn["text"],
                }
                for n, turn in enumerate(dialogue["turns"])
            ],
        }
    )


def summary_prose(summary: Summary) -> str:
    return " ".join(statement.text for _section, statement in summary.statements())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.summary_eval", description=__doc__)
    parser.add_argument("file", type=Path, nargs="?", default=EXAMPLES)
    parser.add_argument("--summariser", choices=["extractive", "llm"], default="extractive")
    args = parser.parse_args(argv)

    summariser: Summariser | SummaryService
    if args.summariser == "llm":
        settings = LLMSettings.from_env()
        if settings is None:
            print(
                "set CXSIDEBAR_LLM_BASE_URL and CXSIDEBAR_LLM_MODEL for --summariser llm",
                file=sys.stderr,
            )
            return 2
        summariser = SummaryService(LLMSummariser(settings))
    else:
        summariser = ExtractiveSummariser()

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    rouge: dict[str, list[float]] = {"rouge1": [], "rouge2": [], "rougeL": []}
    kept = dropped = facts_total = facts_found = not_enough = 0
    millis: list[float] = []
    lines = [line for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    for number, line in enumerate(lines, 1):
        try:
            dialogue = json.loads(line)
            escalation = to_escalation(dialogue)
        except (json.JSONDecodeError, KeyError, ValueError) as exc:
            print(f"{args.file}:{number}: not a dialogue: {exc}", file=sys.stderr)
            return 2
        started = time.perf_counter()
        summary = summariser.summarise(escalation)
        millis.append((time.perf_counter() - started) * 1000)
        if summary.state is SummaryState.NOT_ENOUGH_CONVERSATION:
            not_enough += 1
        prose = summary_prose(summary)
        for name in rouge:
            rouge[name].append(
                max(scorer.score(ref, prose)[name].fmeasure for ref in dialogue["references"])
            )
        kept += len(summary.statements())
        dropped += summary.provenance.dropped_statements if summary.provenance else 0
        given = " ".join(s.text for s in summary.facts).lower()
        for fact in dialogue.get("facts", []):
            facts_total += 1
            facts_found += fact.lower() in given

    n = len(lines)
    print(f"summary evaluation: {args.summariser} on {n} dialogues from {args.file}")
    for name, label in (("rouge1", "ROUGE-1"), ("rouge2", "ROUGE-2"), ("rougeL", "ROUGE-L")):
        print(f"  {label} F1                          {statistics.fmean(rouge[name]):.3f}")
    cited = kept / (kept + dropped) if kept + dropped else 1.0
    print(f"  statements with valid citations     {cited:.1%} ({kept} kept, {dropped} dropped)")
    captured = facts_found / facts_total if facts_total else 1.0
    print(f"  facts captured                      {captured:.1%} ({facts_found}/{facts_total})")
    print(f"  'not enough conversation'           {not_enough} of {n}")
    mean, worst = statistics.fmean(millis), max(millis)
    print(f"  ms per dialogue                     mean {mean:.2f}, max {worst:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
