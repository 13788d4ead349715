"""`cxsidebar` and `python -m cxsidebar`."""

import sys


def main(argv: list[str] | None = None) -> int:
    from cxsidebar.app import run
    from cxsidebar.boot import settle_heap_after_start

    settle_heap_after_start()  # a process of its own: start-up objects leave the collector's walk
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
