"""The account mails end to end: the three operations that mail, and reading a received
message the way its recipient would (following its link with Django's test client against the
host the link names). The SMTP server, the received message and the mail settings are the shared
ones of tests/smtp_support.py."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy
from tests.smtp_support import BASE_URL

# The `*` site's links start at BASE_URL; the test client is told this host is allowed.
BASE_HOST = urlsplit(BASE_URL).hostname
NAMED_HOST = "wiki.example.com"
EMAIL = "jane@example.com"
PASSWORD = "Initial-Pass1"

CREATE_USER = """
mutation ($email: String!, $name: String!, $password: String) {
  createUser(email: $email, name: $name, passwordRaw: $password, sendWelcomeEmail: true) {
    operation { succeeded slug message }
    user { id email }
  }
}
"""
REGISTER = """
mutation ($email: String!, $password: String!, $name: String!) {
  register(email: $email, password: $password, name: $name) {
    operation { succeeded slug message }
    jwt nextAction continuationToken redirect
  }
}
"""
FORGOT_PASSWORD = """
mutation ($email: String!) { forgotPassword(email: $email) { operation { succeeded slug message } } }
"""


# --- Registration and links ------------------------------------------------------------------
def open_validating_registration() -> None:
    """Self-registration on, with the verification mail (the local strategy's settings)."""
    local = AuthStrategy.objects.get(pk=LOCAL_STRATEGY_ID)
    local.registration = True
    local.config = {**(local.config or {}), "emailValidation": True}
    local.save()


def follow(link: str, client: Client | None = None, **extra):
    """GET ``link`` from this server as its host: the ``Host`` header and scheme it names."""
    parts = urlsplit(link)
    client = client or Client()
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return client.get(path, HTTP_HOST=parts.netloc, secure=parts.scheme == "https", **extra)
