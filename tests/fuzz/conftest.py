"""A live server holding a small seeded wiki, and the figures every fuzz run prints.

The live server is pytest-django's: a real HTTP server on a loopback port, in this process, on
the test database (PostgreSQL when ``DATABASE_URL`` says so, else SQLite). Being in-process
lets a run read the server's log records of each request, so an ERR_UNEXPECTED is reported
with its trace.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches

from .support import Figures, ServerLog
from .world import World, seed_world

_FIGURES: list[Figures] = []


@pytest.fixture
def world(live_server) -> World:
    """The seeded wiki. Tests using it are marked ``django_db(transaction=True,
    serialized_rollback=True)``: the live server's thread needs committed rows, and the flush
    after the test must give back the rows that migrations made (the default site, groups)."""
    caches["default"].clear()
    return seed_world()


@pytest.fixture
def server_log():
    with ServerLog() as log:
        yield log


@pytest.fixture
def figures(request) -> Figures:
    """The figures of this test's run, printed in the terminal summary whether it passes or not."""
    collected = Figures(title=request.node.nodeid)
    _FIGURES.append(collected)
    return collected


def pytest_terminal_summary(terminalreporter) -> None:
    if not _FIGURES:
        return
    terminalreporter.section("fuzz figures")
    for collected in _FIGURES:
        terminalreporter.write_line(collected.report())
