"""Settings of the Celery worker process that the fault tests start (tests/celery_support.py).

The test settings, switched to what production runs: a real broker (the test's Redis database,
queue and key prefix), tasks not eager, Django's SMTP backend (the wiki's SmtpBackend), and the
test's own database, whose name the test passes (the worker must see the rows it commits).
Delays come from the environment as in production (MAIL_RETRY_DELAY, MAIL_REQUEUE_AFTER,
MAIL_REQUEUE_INTERVAL, CELERY_VISIBILITY_TIMEOUT), set small by each test.
"""

import os

from tests.settings import *  # noqa: F403

BROKER_URL = os.environ["WORKER_BROKER_URL"]
QUEUE = os.environ["WORKER_QUEUE"]

DATABASES["default"]["NAME"] = os.environ["WORKER_DATABASE_NAME"]  # noqa: F405
CELERY_BROKER_URL = BROKER_URL
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = QUEUE
CELERY_TASK_ROUTES = {"wiki.*": {"queue": QUEUE}}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "global_keyprefix": os.environ["WORKER_KEY_PREFIX"],
    # kombu looks for messages past their visibility timeout every 10 x 10 s by default:
    # every second here, so that a killed worker's message comes back within the test.
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
