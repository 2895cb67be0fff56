"""Test settings: production settings with test-only speed-ups.

DATABASE_URL is honoured, so the same suite runs on SQLite and PostgreSQL. REDIS_URL is not:
tests use only the Redis database named by TEST_REDIS_URL (see tests/redis_support.py).
"""

import os
import uuid

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
# so that results do not depend on whether REDIS_URL is set; nothing is ever sent to REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
# The cache: local memory, or the test Redis database under a key prefix of this run only
# (whose clear() deletes those keys, where Django's would flush the whole database).
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
if TEST_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "tests.redis_support.RunScopedRedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": f"wiki-test-cache-{uuid.uuid4().hex[:12]}",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The test process shares one connection between GraphQL requests, fixtures and the flush
# of transactional tests, which a request timeout would cut on a loaded machine; the tests
# of the timeout set it themselves (tests/api/test_limits_deadline.py).
REQUEST_STATEMENT_TIMEOUT_MS = int(os.environ.get("REQUEST_STATEMENT_TIMEOUT_MS", "0"))
