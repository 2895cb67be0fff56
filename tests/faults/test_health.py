"""``/healthz`` and ``/readyz`` in process (wiki/health.py): what they answer, what they touch,
and that a load balancer's probe passes whatever its Host header and scheme."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.test import Client

from tests.redis_support import redis_url

from .services import free_port, loopback_redis_url


@pytest.fixture
def browser() -> Client:
    # A fresh client per test: its middleware chain is built on the first request, after the
    # test's settings changes.
    return Client()


@contextmanager
def silent_redis() -> Iterator[int]:
    """A port that accepts connections and never answers: a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def test_healthz_answers_without_the_database(browser):
    # No django_db mark: any query would fail this test ("Database access not allowed").
    response = browser.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


@pytest.mark.django_db
def test_readyz_checks_the_database_with_one_query(browser, settings, django_assert_num_queries):
    settings.REDIS_URL = ""
    with django_assert_num_queries(1):
        response = browser.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("host", ["10.0.0.7:8000", "internal-lb.example.net", "[::1]"])
def test_a_probe_with_its_own_host_header_passes(browser, settings, path, host):
    settings.REDIS_URL = ""
    assert host.split(":")[0] not in settings.ALLOWED_HOSTS

    response = browser.get(path, HTTP_HOST=host)

    assert response.status_code == 200, response.content
    # The same Host on any other address is refused, as before.
    assert browser.get("/", HTTP_HOST=host).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_over_plain_http_are_not_redirected(settings, path):
    settings.REDIS_URL = ""
    settings.SECURE_SSL_REDIRECT = True
    browser = Client()

    assert browser.get(path).status_code == 200
    assert browser.get("/").status_code == 301  # the redirect still holds elsewhere


@pytest.mark.django_db
def test_probes_set_no_cookie_for_a_signed_in_browser(client_for, user):
    from accounts import tokens

    browser = Client()
    browser.cookies[tokens.COOKIE_NAME] = "an.expired.or.bad.token"
    for path in ("/healthz", "/readyz"):
        response = browser.get(path)
        assert response.status_code == 200
        assert not response.cookies
        assert "Vary" not in response


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_only_get_and_head(browser, path):
    assert browser.post(path).status_code == 405
    assert browser.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_configured_and_answers(browser, settings):
    settings.REDIS_URL = redis_url()

    response = browser.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


@pytest.mark.django_db
def test_readyz_is_unavailable_when_redis_refuses(browser, settings, caplog):
    settings.REDIS_URL = loopback_redis_url(free_port())

    response = browser.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "unavailable"},
    }
    # Why, for the operator: in the log, not in the answer (anyone may call /readyz).
    assert "readyz: not ready: redis" in caplog.text
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_gives_up_on_a_hung_redis_within_its_timeout(browser, settings):
    with silent_redis() as port:
        settings.REDIS_URL = loopback_redis_url(port)
        started = time.monotonic()
        response = browser.get("/readyz")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "unavailable"}
    assert elapsed < 2.0, f"readyz waited {elapsed:.2f} s for a Redis that never answers"
