"""The Celery application. Configuration comes from Django settings (CELERY_*).

A worker or beat started without ``REDIS_URL`` would consume an in-memory broker that nothing
publishes to (the web processes then deliver mail themselves) and sit idle looking healthy:
they refuse to start instead.
"""

import os
from pathlib import Path

from celery import Celery, beat, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiki.settings")

app = Celery("wiki")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

NO_BROKER = (
    "REDIS_URL is not set: without a broker the web processes deliver mail themselves and a "
    "Celery {program} has nothing to do. Set REDIS_URL (environment or .env) to the Redis "
    "that the web processes use, e.g. REDIS_URL=redis://127.0.0.1:6379/0."
)


def _require_broker(program: str) -> None:
    if app.conf.task_always_eager or str(app.conf.broker_url).startswith("memory://"):
        # SystemExit: Celery logs and swallows ordinary exceptions raised by signal handlers.
        raise SystemExit(NO_BROKER.format(program=program))


@signals.celeryd_init.connect
def _worker_needs_a_broker(**_kwargs) -> None:
    """Sent by the ``celery worker`` program only (not by the tests' in-thread workers)."""
    _require_broker("worker")


@signals.beat_init.connect
def _beat_needs_a_broker(**_kwargs) -> None:
    _require_broker("beat")


class Scheduler(beat.PersistentScheduler):
    """Celery's scheduler (CELERY_BEAT_SCHEDULER), creating the folder of its schedule file
    first: by default the data folder, which a fresh checkout does not have."""

    def setup_schedule(self) -> None:
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()
