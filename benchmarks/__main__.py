"""`./dev bench` (or `python -m benchmarks`): run every benchmark and print its figures.

`python -m benchmarks NAME [ARGS]` runs one (screen_pop, ui_transcript, startup,
summary_speed, summary_eval, fanout, ratings, ...) with its own arguments;
`python -m benchmarks [ARGS]` runs them all, passing ARGS to screen_pop.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from benchmarks import (
    fanout,
    intake_load,
    ratings,
    report_matrix,
    reports,
    review_ui,
    screen_pop,
    startup,
    summary_eval,
    summary_speed,
    ui_transcript,
)

BENCHMARKS: dict[str, Callable[[list[str]], int]] = {
    "screen_pop": screen_pop.main,
    "ui_transcript": ui_transcript.main,
    "startup": startup.main,
    "summary_speed": summary_speed.main,
    "summary_eval": summary_eval.main,
    "fanout": fanout.main,
    "intake": intake_load.main,
    "reports": reports.main,
    "report-matrix": report_matrix.main,
    "ratings": ratings.main,
    "review_ui": review_ui.main,
}


def main(argv: list[str]) -> int:
    if argv and argv[0] in BENCHMARKS:
        return BENCHMARKS[argv[0]](argv[1:])
    failed = 0
    for name, run in BENCHMARKS.items():
        print(f"\n== {name} ==", flush=True)
        failed |= run(argv if name == "screen_pop" else [])
    return failed


def _exit_on_term(signum: int, _frame: object) -> None:
    """SIGTERM (e.g. from `timeout`) unwinds like Ctrl+C: the hubs and servers started stop too."""
    sys.exit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_term)
    sys.exit(main(sys.argv[1:]))
