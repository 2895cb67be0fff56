"""Health checks for load balancers and orchestrators.

``GET /healthz``: the process answers (Wiki.js serves the same path); no database, no Redis,
so a database outage never makes a load balancer kill healthy web processes.
``GET /readyz``: the process can serve: the database answers ``SELECT 1`` and, when
``REDIS_URL`` is set, Redis answers ``PING``, each within a short timeout. 200 or 503, with a
JSON body naming each check's result.

Both are answered by ``HealthCheckMiddleware``, placed right after Django's
``SecurityMiddleware``: before ``CommonMiddleware`` checks the Host header against
``ALLOWED_HOSTS`` (a load balancer probes with its own Host, often the bare IP address, and
these answers build no URL from it), before sessions, CSRF and the cookie's user (no cookie is
read or set), and exempt from the HTTPS redirect (``SECURE_REDIRECT_EXEMPT``: probes speak
plain HTTP to the backend). The routes in ``wiki/urls.py`` name the same views, so the paths
stay reserved and resolvable if the middleware is ever removed.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HEALTHZ_PATH = "/healthz"
READYZ_PATH = "/readyz"
# Redis's check gives up after this many seconds (to connect, then to answer); the database's
# connection has DATABASE_CONNECT_TIMEOUT (wiki/settings.py).
CHECK_TIMEOUT = 0.5


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up. Touches nothing else."""
    return _no_store(JsonResponse({"status": "ok"}))


def check_database() -> str | None:
    """None when the database answers, else why not (for the log)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        # The connection that failed is not kept for the next request.
        connection.close_if_unusable_or_obsolete()
        return _reason(error)
    return None


def check_redis() -> str | None:
    """None when Redis (``REDIS_URL``) answers PING, else why not (for the log)."""
    import redis  # only where Redis is configured

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=CHECK_TIMEOUT,
        socket_timeout=CHECK_TIMEOUT,
        retry_on_timeout=False,
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        return _reason(error)
    finally:
        client.close()
    return None


def _reason(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def checks_to_run() -> dict:
    checks = {"database": check_database}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    return checks


@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """200 when every configured dependency answers, else 503, each check named in the body:
    ``{"status": "ok"|"unavailable", "checks": {"database": "ok"|"unavailable", ...}}``.

    Why a check failed (an address, a driver's message) goes to the log, not to the body:
    the path is reachable with any Host header.
    """
    results: dict[str, str] = {}
    problems = []
    for name, check in checks_to_run().items():
        started = time.monotonic()
        problem = check()
        results[name] = "ok" if problem is None else "unavailable"
        if problem is not None:
            problems.append(f"{name} ({time.monotonic() - started:.2f} s): {problem}")
    if problems:
        logger.warning("readyz: not ready: %s", "; ".join(problems))
    body = {"status": "unavailable" if problems else "ok", "checks": results}
    return _no_store(JsonResponse(body, status=503 if problems else 200))


VIEWS = {HEALTHZ_PATH: healthz, READYZ_PATH: readyz}


class HealthCheckMiddleware:
    """Answers ``/healthz`` and ``/readyz`` before the host check, sessions and cookies."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = VIEWS.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)
