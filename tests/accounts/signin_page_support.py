"""Reading the sign-in and profile pages as a browser would: hidden fields, error keys, cookies."""

from __future__ import annotations

import html
import json
import re

from django.test import Client

from accounts import tokens

PASSWORD = "Password123"  # tests.factories.UserFactory's


def hidden(response, name: str) -> str:
    """The value of the page's hidden input ``name``."""
    text = response.content.decode()
    match = re.search(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)"', text)
    assert match, f"no hidden {name} on the page"
    return html.unescape(match.group(1))


def error_keys(response) -> list[str]:
    return re.findall(r'data-error-key="([A-Z_]+)"', response.content.decode())


def step_of(response) -> str | None:
    match = re.search(
        r'<input type="hidden" name="step" value="([A-Za-z]+)"', response.content.decode()
    )
    return match.group(1) if match else None


def session_user_id(response) -> str | None:
    """The user id of the ``jwt`` cookie the response sets, or None when it sets none."""
    morsel = response.cookies.get(tokens.COOKIE_NAME)
    if morsel is None or not morsel.value:
        return None
    return str(tokens.read_token(morsel.value)["id"])


def signed_in_client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.cookies[tokens.COOKIE_NAME] = tokens.issue_session_token(user)
    return client


def sign_in(client: Client, email: str, password: str = PASSWORD, *, url: str = "/login", **data):
    return client.post(url, {"step": "password", "username": email, "password": password, **data})


# Django's test client calls itself "testserver": the site of that hostname is the relying party.
ORIGIN = "http://testserver"


def post_json(client: Client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")
