"""Celery tasks of the accounts app (run by beat: wiki/settings.py CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import housekeeping


@shared_task(ignore_result=True)
def purge_expired_sign_in_state() -> dict[str, int]:
    return housekeeping.purge_expired()
