"""Settings of the wiki processes the fault tests start: production settings (DEBUG off,
REDIS_URL and DATABASE_URL from the environment), with static files served from the source
folders, as the tests run no collectstatic."""

from wiki.settings import *  # noqa: F403

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# Argon2 is deliberately slow; the tests sign in a few times and measure how long it takes.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
