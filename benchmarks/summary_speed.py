"""The extractive summariser's speed on 200-turn transcripts (goal: at most 20 ms each),
and the cost of one live preview of a streamed LLM answer (parsed at most every 0.25 s)."""

from __future__ import annotations

import argparse
import json
import sys
import time

from benchmarks.screen_pop import escalation, report
from cxsidebar.core import Escalation
from cxsidebar.hub.summarise import ExtractiveSummariser, preview_text


def full_answer() -> str:
    """The longest answer the draft schema allows: every list full, statements of 300 chars."""

    def statement(n: int) -> dict[str, object]:
        return {"text": f"Statement {n} " + "about the order and the refund " * 9, "cites": ["t1"]}

    draft = {
        "issue": statement(0),
        "wants": [statement(n) for n in range(5)],
        "bot_tried": [statement(n) for n in range(5)],
        "facts": [statement(n) for n in range(12)],
        "sentiment": statement(1),
        "next_step": statement(2),
    }
    return json.dumps(draft)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks summary_speed")
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    summariser = ExtractiveSummariser()
    samples = [Escalation.model_validate(escalation(n, args.turns)) for n in range(args.runs)]
    summariser.summarise(samples[0])  # warm the regex caches
    seconds: list[float] = []
    for sample in samples:
        started = time.perf_counter()
        summariser.summarise(sample)
        seconds.append(time.perf_counter() - started)
    print(f"extractive summary of {args.turns} turns, {args.runs} runs")
    report(f"extractive summary ({args.turns} turns)", seconds)

    answer = full_answer()
    previews: list[float] = []
    for end in range(0, len(answer), max(1, len(answer) // args.runs)):
        started = time.perf_counter()
        preview_text(answer[:end])
        previews.append(time.perf_counter() - started)
    print(f"streamed answer preview, prefixes of a {len(answer)}-character answer")
    report("preview of a streamed answer (one parse)", previews)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
