"""`./dev bench` (or `python -m benchmarks`): run every benchmark and print its figures."""

from __future__ import annotations

import sys

from benchmarks import screen_pop


def main(argv: list[str]) -> int:
    return screen_pop.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
