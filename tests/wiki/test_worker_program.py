"""``celery -A wiki worker`` (``make worker``) and ``celery -A wiki beat`` refuse to start
without REDIS_URL: they would consume an in-memory broker that nothing publishes to and sit
idle looking healthy (wiki/celery.py)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.celery_support import BASE_DIR, CELERY


@pytest.mark.parametrize("program", [["worker", "-B"], ["beat"]], ids=["worker", "beat"])
def test_refuses_to_start_without_redis_url(tmp_path, program):
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    # Production settings; REDIS_URL empty rather than unset, so that a developer's .env does
    # not set it; nothing written to the checkout (schedule file, SQLite database).
    env.update(
        REDIS_URL="",
        DATABASE_URL="",
        DEBUG="1",
        WIKI_DATA_DIR=str(tmp_path / "data"),
        PYTHONDONTWRITEBYTECODE="1",
    )

    finished = subprocess.run(  # noqa: S603 - our own program, fixed arguments
        [str(CELERY), "-A", "wiki", *program, "--loglevel", "INFO"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert finished.returncode == 1
    output = finished.stdout + finished.stderr
    assert "REDIS_URL is not set: without a broker the web processes deliver mail" in output
    assert f"a Celery {program[0]} has nothing to do" in output
