"""Settings of the gunicorn server the soak starts: production settings, one change.

Everything comes from ``wiki.settings`` and the environment the soak gives the server (DEBUG
off, its own SECRET_KEY and database, Redis when the run has one). Only the static files differ:
production serves them from ``collectstatic``'s manifest, which the soak would have to write
into the checkout (``STATIC_ROOT``) first; served from the source folders instead, every
browser page renders the same without that step.
"""

from wiki.settings import *  # noqa: F403

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# Nothing is collected: whitenoise need not look for (and warn about) the collected folder.
STATIC_ROOT = None
