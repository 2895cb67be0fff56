"""The log's format (LOG_FORMAT) and the scrubber (wiki/log_format.py) on their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from wiki.log_format import scrub

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6IjEyMyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        (f"Authorization: Bearer {JWT}", "Authorization: Bearer [redacted]"),
        ("authorization: bearer abcdefgh12345678", "authorization: bearer [redacted]"),
        (f"key {JWT} refused", "key [redacted] refused"),
        ("login password=hunter2 ok", "login password=[redacted] ok"),
        ("newPassword=a&b=c", "newPassword=[redacted]&b=c"),
        (
            "/login?changePwdContinuationToken=Xy_z-1&next=/",
            "/login?changePwdContinuationToken=[redacted]&next=/",
        ),
        ("Cookie: jwt=abc.def; csrftoken=q1w2e3", "Cookie: jwt=[redacted]; csrftoken=[redacted]"),
        (
            '{"passwordRaw": "a long pass", "name": "Jane"}',
            '{"passwordRaw": "[redacted]", "name": "Jane"}',
        ),
        ("{'token': 'abc\\'d', 'id': 3}", "{'token': '[redacted]', 'id': 3}"),
        ("Bad Request: /login-reset/Zq3xY7pW2mN8kL4vB6cD9", "Bad Request: /login-reset/[redacted]"),
        ("GET /verify/abc?x=1 HTTP/1.1", "GET /verify/[redacted]?x=1 HTTP/1.1"),
    ],
)
def test_secrets_are_scrubbed(text, scrubbed):
    assert scrub(text) == scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "LoginMutation refused: ERR_INVALID_TOKEN: the token does not verify",
        "token ignored, request runs as guest: it does not verify: Signature has expired",
        "outbox message 3f2a: attempt 2 failed (421 try later)",
        "GET /docs/passwords-policy 200 3.1ms sql=2 caller=user op=PageOne",
        "unexpected error ref=0123abcd",
    ],
)
def test_ordinary_lines_are_left_alone(text):
    assert scrub(text) == text


def _django_logging(**env) -> subprocess.CompletedProcess:
    """A fresh process with the test settings and ``env``: logs one warning at start-up."""
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('wiki.check').warning('hello %s', 'password=hunter2')"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_log_format_json_writes_one_object_per_line():
    done = _django_logging(LOG_FORMAT="json")

    assert done.returncode == 0, done.stderr
    (line,) = done.stderr.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "wiki.check"
    assert entry["message"] == "hello password=[redacted]"
    assert entry["request_id"] == "-"
    assert set(entry) == {"timestamp", "level", "logger", "message", "request_id"}


def test_plain_is_the_default():
    done = _django_logging(LOG_FORMAT="")

    assert done.returncode == 0, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.endswith(" WARNING wiki.check [-] hello password=[redacted]")


def test_an_unknown_log_format_is_refused_at_start():
    done = _django_logging(LOG_FORMAT="xml")

    assert done.returncode != 0
    assert "LOG_FORMAT must be plain or json, not 'xml'." in done.stderr
