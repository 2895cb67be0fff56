"""Rendering for the seeder, in worker processes: Markdown rendering is most of its time.

Imports nothing of Django, so spawned workers start fast and share no database connection.
"""

from __future__ import annotations

import multiprocessing
import os
from contextlib import contextmanager

from pages.rendering import render

Rendered = tuple[str, list, str]  # html, toc, search text


def render_one(job: tuple[str, dict]) -> Rendered:
    content, depth = job
    rendered = render(content, "markdown", depth)
    return rendered.html, rendered.toc, rendered.text


class _Done:
    """An in-process stand-in for ``AsyncResult``."""

    def __init__(self, jobs: list[tuple[str, dict]]) -> None:
        self.jobs = jobs

    def get(self) -> list[Rendered]:
        return [render_one(job) for job in self.jobs]


class _InProcess:
    def map_async(self, jobs: list[tuple[str, dict]]) -> _Done:
        return _Done(jobs)


class _Pool:
    def __init__(self, pool) -> None:
        self.pool = pool

    def map_async(self, jobs: list[tuple[str, dict]]):
        return self.pool.map_async(render_one, jobs, chunksize=50)


@contextmanager
def renderers(parallel: bool):
    """A pool of one process per CPU when ``parallel``, else rendering in this process."""
    if not parallel:
        yield _InProcess()
        return
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    # spawn, not fork: a forked child would share this process's database connection.
    with multiprocessing.get_context("spawn").Pool(max(cpus, 1)) as pool:
        yield _Pool(pool)
