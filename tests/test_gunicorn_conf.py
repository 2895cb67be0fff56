"""gunicorn.conf.py: sync workers unless the operator asks for threads, and bad values refused."""

import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def load(monkeypatch, **env: str) -> dict:
    for name in ("GUNICORN_THREADS", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_the_default_is_sync_workers_one_per_cpu_at_least_two(monkeypatch):
    conf = load(monkeypatch)

    assert (conf["worker_class"], conf["threads"]) == ("sync", 1)
    assert conf["workers"] >= 2
    assert conf["timeout"] == 30


def test_threads_switch_to_gthread_workers(monkeypatch):
    conf = load(monkeypatch, GUNICORN_THREADS="4", WEB_CONCURRENCY="2")

    assert (conf["worker_class"], conf["threads"], conf["workers"]) == ("gthread", 4, 2)


@pytest.mark.parametrize(("value", "message"), [("0", "at least 1"), ("four", "whole number")])
def test_a_bad_thread_count_is_refused_with_its_reason(monkeypatch, value, message):
    with pytest.raises(ValueError, match=f"GUNICORN_THREADS must be (a )?{message}"):
        load(monkeypatch, GUNICORN_THREADS=value)
