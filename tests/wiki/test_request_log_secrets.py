"""No token, password, API key, cookie, Authorization header, mail body or reset token is
ever logged: real flows with everything captured, pytest's capture at DEBUG (the records as
the code wrote them) and the configured handler's output (what an operator reads, request
lines included).

The handler's scrubber (wiki/log_format.py) is a safety net; the flows below must not need it,
so their secrets are also looked for in the raw records. Only the unexpected error, whose
exception text nobody controls, relies on it.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from accounts import directory
from accounts.models import LOCAL_STRATEGY_ID
from accounts.services import administrators_group
from tests.conftest import GRAPHQL_URL
from tests.factories import UserFactory, default_site
from tests.log_support import capture_server_log
from wiki.config import set_api_enabled

pytestmark = pytest.mark.django_db

PASSWORD = "Zebra-Unicorn-7731"
WRONG_PASSWORD = "Walrus-Kettle-4402"
LOGIN = """mutation ($username: String!, $password: String!, $strategyId: UUID!, $siteId: UUID!) {
  login(username: $username, password: $password, strategyId: $strategyId, siteId: $siteId) {
    operation { succeeded slug } jwt } }"""
CREATE_API_KEY = """mutation ($groups: [UUID]!) {
  createApiKey(name: "Logged?", expiration: "30d", groups: $groups) {
    operation { succeeded slug } key } }"""
FORGOT = """mutation ($email: String!) {
  forgotPassword(email: $email) { operation { succeeded slug } } }"""
JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@pytest.fixture
def everything(caplog):
    """(pytest's records at DEBUG, the server log at DEBUG): both, for the whole test."""
    caplog.set_level(logging.DEBUG)
    # aiosmtpd, the test's SMTP server (tests/smtp_support.py), logs every line it receives at
    # DEBUG: the receiving side's log, not the wiki's.
    caplog.set_level(logging.INFO, logger="mail.log")
    with capture_server_log(logging.DEBUG) as log:
        yield caplog, log


def raw_text(caplog) -> str:
    """Every record's message and trace as the code wrote it, before any handler's filter."""
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.extend(str(value) for value in record.__dict__.values() if isinstance(value, str))
    return "\n".join(parts)


def assert_absent(secrets, caplog, log) -> None:
    raw = raw_text(caplog)
    for secret in secrets:
        assert secret, "a secret to look for"
        assert secret not in raw
        assert secret not in log.text
    assert log.request_lines(), "the request lines are part of what was checked"


def call(query: str, variables: dict, *, token: str | None = None, cookie: str | None = None):
    http = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if cookie:
        http.cookies["jwt"] = cookie
    response = http.post(
        GRAPHQL_URL,
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    return response


def test_signing_in_with_a_password_logs_neither_password_nor_token(everything):
    caplog, log = everything
    UserFactory(email="jane@example.com", password=PASSWORD)
    variables = {
        "username": "jane@example.com",
        "strategyId": str(LOCAL_STRATEGY_ID),
        "siteId": str(default_site().pk),
    }

    refused = call(LOGIN, {**variables, "password": WRONG_PASSWORD}).json()["data"]["login"]
    signed_in = call(LOGIN, {**variables, "password": PASSWORD})
    jwt = signed_in.json()["data"]["login"]["jwt"]
    # The new session used, by header and as a browser's cookie.
    call("{ sites { id } }", {}, token=jwt)
    call("{ sites { id } }", {}, cookie=jwt)

    assert refused["operation"]["succeeded"] is False
    assert JWT_SHAPE.fullmatch(jwt)
    assert_absent([PASSWORD, WRONG_PASSWORD, jwt, jwt.split(".")[2]], caplog, log)


def test_creating_an_api_key_logs_neither_the_key_nor_the_callers_token(everything, admin_client):
    caplog, log = everything
    set_api_enabled(True)

    created = call(
        CREATE_API_KEY, {"groups": [str(administrators_group().pk)]}, token=admin_client.token
    ).json()["data"]["createApiKey"]
    key = created["key"]
    call("{ sites { id } }", {}, token=key)  # the key at work

    assert created["operation"] == {"succeeded": True, "slug": "ok"}
    assert_absent([key, key.split(".")[2], admin_client.token], caplog, log)


def test_a_password_reset_logs_neither_the_mail_nor_its_tokens(everything, smtp):
    caplog, log = everything
    UserFactory(email="jane@example.com", name="Jane Doe")

    forgot = call(FORGOT, {"email": "jane@example.com"}).json()["data"]["forgotPassword"]
    (mail,) = smtp.received
    link = mail.link()
    reset_token = link.rsplit("/", 1)[1]
    opened = Client().get(urlsplit(link).path)  # the link, opened: a changePwd token follows
    change_token = parse_qs(urlsplit(opened["Location"]).query)["changePwdContinuationToken"][0]
    Client().get(opened["Location"])
    Client().get(urlsplit(link).path)  # again: refused (400), logged by Django as well

    assert forgot["operation"] == {"succeeded": True, "slug": "ok"}
    body_lines = [line.strip() for line in mail.text.splitlines() if len(line.strip()) > 20]
    assert body_lines
    assert_absent([reset_token, change_token, *body_lines], caplog, log)
    assert "/login-reset/[redacted]" in log.text


def test_an_unexpected_error_quoting_secrets_is_scrubbed_from_the_log(
    everything, admin_key_client, monkeypatch
):
    caplog, log = everything
    token = admin_key_client.token
    leaked = (
        f"Authorization: Bearer {token}; cookie jwt={token}; password=hunter2-unique; "
        f"{{'passwordRaw': 'sesame open', \"token\": \"abc123xyz\"}}; /login-reset/Zq3xY7pW2mN8kL4vB6cD9"
    )

    def explode(*args, **kwargs):
        raise RuntimeError(leaked)

    monkeypatch.setattr(directory, "list_users", explode)

    response = call("{ users { id } }", {}, token=token)

    assert response.json()["errors"][0]["extensions"]["code"] == "ERR_UNEXPECTED"
    assert "RuntimeError: Authorization: Bearer [redacted]" in log.text
    for secret in (token, "hunter2-unique", "sesame open", "abc123xyz", "Zq3xY7pW2mN8kL4vB6cD9"):
        assert secret not in log.text
        assert secret not in response.content.decode()
    # The messages themselves never held it; the trace did, and only the handler's scrubbed
    # copy of the trace was written.
    assert all(token not in record.getMessage() for record in caplog.records)
