"""Pages, people and browsers shared by the tests of reading pages (pages/read_views.py)."""

from __future__ import annotations

import json
import re

from django.test import Client

from accounts import tokens
from accounts.models import GUESTS_GROUP_ID, USERS_GROUP_ID, Group
from pages import services
from pages.models import Page
from tests.factories import default_site

CSP = "Content-Security-Policy"


def make_page(path: str, *, locale: str = "en", tags=(), **fields) -> Page:
    """A page created through the real service: rendered, tagged, placed in the tree."""
    data = services.PageInput(
        site_id=fields.pop("site_id", default_site().pk),
        locale=locale,
        path=path,
        title=fields.pop("title", path.rsplit("/", 1)[-1].title()),
        description=fields.pop("description", ""),
        content=fields.pop("content", f"# {path}\n\nText of {path}."),
        editor=fields.pop("editor", "markdown"),
        publish_state=fields.pop("publish_state", "published"),
        tags=list(tags),
        **fields,
    )
    return services.create_page(None, data)


def browser(user=None, **kwargs) -> Client:
    """A browser: signed in as ``user`` through the ``jwt`` cookie, or a guest."""
    http = Client(**kwargs)
    if user is not None:
        http.cookies[tokens.COOKIE_NAME] = tokens.issue_session_token(user)
    return http


def set_rules(group_id, rules) -> None:
    Group.objects.filter(pk=group_id).update(rules=list(rules))


def close_users_group() -> None:
    """The Users group reads nothing by itself: what a person reads comes from their groups."""
    set_rules(USERS_GROUP_ID, [])


def open_to_guests(rules) -> None:
    set_rules(GUESTS_GROUP_ID, rules)


def text(response) -> str:
    return response.content.decode()


def element(response, element_id: str) -> str | None:
    """The opening tag and content of the element with ``element_id`` up to its first closing
    tag of the same name (enough for the flat elements these tests look at)."""
    body = text(response)
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>', body)
    if match is None:
        return None
    name = match.group(1)
    end = body.find(f"</{name}>", match.end())
    return body[match.start() : end if end != -1 else len(body)]


def links_in(fragment: str | None) -> list[str]:
    return re.findall(r'href="([^"]*)"', fragment or "")


def csrf_token_of(http: Client) -> str:
    """The token the API explorer page carries, as the explorer's script sends it."""
    page = http.get("/_graphql", HTTP_ACCEPT="text/html")
    return re.search(r'data-csrf-token="([^"]+)"', text(page)).group(1)


def graphql(http: Client, query: str, variables: dict, csrf: str | None) -> dict:
    headers = {"HTTP_X_CSRFTOKEN": csrf} if csrf else {}
    response = http.post(
        "/_graphql",
        data=json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, text(response)
    return response.json()
