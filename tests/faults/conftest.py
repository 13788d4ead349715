"""Fault tests cut connections mid-request on purpose.

When a stop cancels a request whose connection the proxy has just cut, httpcore
can leave that socket for the garbage collector to close, which Python reports
as a ResourceWarning at some later collection. It loses no data (the fault tests
check every rating and event), so here it is collected and silenced at the end
of each test instead of surfacing as an error in whichever test runs next.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _collect_cut_sockets() -> Iterator[None]:
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
