"""Test settings: production settings with test-only speed-ups.

DATABASE_URL and REDIS_URL are honoured, so the same suite runs on SQLite and PostgreSQL.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault(
    "SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-django-and-pyjwt-0123456789"
)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1,wiki.example.com")

from wiki.settings import *  # noqa: E402,F403

# Argon2 is deliberately slow; tests that check hashing use the production list explicitly.
PRODUCTION_PASSWORD_HASHERS = PASSWORD_HASHERS  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in process unless a test starts a real worker (tests/accounts/test_welcome_mail.py),
# so that results do not depend on whether REDIS_URL is set.
CELERY_TASK_ALWAYS_EAGER = True
