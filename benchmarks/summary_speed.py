"""The extractive summariser's speed on 200-turn transcripts (goal: at most 20 ms each)."""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks.screen_pop import escalation, report
from cxsidebar.core import Escalation
from cxsidebar.hub.summarise import ExtractiveSummariser


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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
