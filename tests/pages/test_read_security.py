"""Reading pages safely: the Content Security Policy, the page's own CSS and JavaScript only as
the contract lets them be set, inert script payloads everywhere, and no credential in a page."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from accounts import scopes, tokens
from accounts.authentication import user_caller
from pages import services
from pages.models import Page, PageTag, Tag, TreeItem
from tests.factories import GroupFactory, UserFactory, default_site, rule

from .read_support import (
    CSP,
    browser,
    close_users_group,
    element,
    make_page,
    open_to_guests,
    text,
)

pytestmark = pytest.mark.django_db

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
STYLE = 'body { color: rebeccapurple } a > b::after { content: "</style>" }'
SCRIPT = "document.documentElement.dataset.pageScript = 'ran';"


def directives(response) -> dict[str, list[str]]:
    policy = response[CSP]
    parts = [part.strip().split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def sha256(value: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(value.encode()).digest()).decode() + "'"


def assert_strict(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response[CSP]
    assert "'unsafe-eval'" not in response[CSP]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def assert_no_inline_script(response) -> None:
    """Every script is a same-origin file, and no element has an event handler attribute."""
    for tag in re.findall(r"<script\b[^>]*>", text(response), re.IGNORECASE):
        assert re.search(r'\bsrc="/', tag), tag
    for tag in re.findall(r"<[a-zA-Z][^>]*>", text(response)):
        names_only = re.sub(r'"[^"]*"', '""', tag)  # escaped text inside values is no attribute
        assert not re.search(r"\son[a-z]+\s*=", names_only, re.IGNORECASE), tag


# --- The policy -------------------------------------------------------------------------------
def test_every_reading_address_answers_under_the_policy(admin):
    page = make_page("docs/guide", tags=["t"])
    close_users_group()
    nobody = UserFactory()
    addresses = {
        "/": (browser(admin), 200),
        "/docs/guide": (browser(admin), 200),
        "/docs/missing": (browser(admin), 404),
        "/docs/guide?x": (browser(nobody), 403),
        f"/i/{page.pk}": (browser(admin), 302),
        "/i/nothing": (browser(admin), 404),
        "/t": (browser(admin), 200),
        "/t/t": (browser(admin), 200),
    }
    for address, (http, status) in addresses.items():
        response = http.get(address)
        assert response.status_code == status, address
        assert_strict(response)
        assert_no_inline_script(response)
    guest = browser().get("/docs/guide")
    assert guest.status_code == 302
    assert_strict(guest)


def test_table_alignment_from_markdown_is_allowed_and_nothing_else_inline(admin):
    make_page("docs/table", content="| a | b |\n|:-:|--:|\n| 1 | 2 |")

    response = browser(admin).get("/docs/table")

    assert 'style="text-align:center"' in element(response, "page-content")
    styles = directives(response)["style-src"]
    assert styles[:2] == ["'self'", "'unsafe-hashes'"]
    assert set(styles[2:]) == {
        sha256(f"text-align:{side}") for side in ("left", "right", "center", "justify")
    }


def test_images_from_other_sites_are_allowed_only_on_pages_without_their_own_css(admin):
    make_page("docs/plain")
    make_page("docs/styled", script_css=STYLE)

    assert directives(browser(admin).get("/docs/plain"))["img-src"] == ["'self'", "data:", "https:"]
    styled = directives(browser(admin).get("/docs/styled"))
    assert styled["img-src"] == ["'self'", "data:"]
    assert styled["font-src"] == ["'self'", "data:"]


# --- The page's own CSS and JavaScript --------------------------------------------------------
def asset_link(response, kind: str) -> str | None:
    pattern = (
        r'<link rel="stylesheet" href="(/_page-style/[^"]+)">'
        if kind == "css"
        else r'<script src="(/_page-script/[^"]+)" defer></script>'
    )
    found = re.search(pattern, text(response))
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_pages_css_and_script_are_served_from_the_wiki_itself(admin):
    page = make_page("docs/guide", script_css=STYLE, script_js_load=SCRIPT)
    http = browser(admin)

    response = http.get("/docs/guide")
    style_url, script_url = asset_link(response, "css"), asset_link(response, "js")

    assert style_url.startswith(f"/_page-style/{page.pk}.css?v=")
    assert script_url.startswith(f"/_page-script/{page.pk}.js?v=")
    assert STYLE not in text(response)
    assert SCRIPT not in text(response)
    style = http.get(style_url)
    assert style.status_code == 200
    assert style["Content-Type"] == "text/css; charset=utf-8"
    assert style.content.decode() == STYLE
    script = http.get(script_url)
    assert script["Content-Type"] == "text/javascript; charset=utf-8"
    assert script.content.decode() == SCRIPT
    assert "no-cache" in script["Cache-Control"]
    assert script["X-Content-Type-Options"] == "nosniff"


def test_a_changed_css_gets_a_new_address(admin):
    page = make_page("docs/guide", script_css=STYLE)
    before = asset_link(browser(admin).get("/docs/guide"), "css")
    Page.objects.filter(pk=page.pk).update(scripts={"css": "p { margin: 0 }"})

    assert asset_link(browser(admin).get("/docs/guide"), "css") != before


def test_only_what_the_contract_let_the_writer_store_is_linked(admin):
    close_users_group()
    plain = UserFactory(groups=[GroupFactory(rules=[rule(roles=[READ, WRITE])])])
    styling = UserFactory(
        groups=[
            GroupFactory(
                rules=[rule(roles=[READ, WRITE, scopes.WRITE_STYLES, scopes.WRITE_SCRIPTS])]
            )
        ]
    )
    for writer, path in ((plain, "docs/plain"), (styling, "docs/styled")):
        services.create_page(
            user_caller(writer),
            services.PageInput(
                site_id=default_site().pk,
                locale="en",
                path=path,
                title="T",
                description="",
                content="Text",
                editor="markdown",
                publish_state="published",
                script_css=STYLE,
                script_js_load=SCRIPT,
            ),
        )

    unstyled = browser(plain).get("/docs/plain")
    styled = browser(plain).get("/docs/styled")

    assert asset_link(unstyled, "css") is None
    assert asset_link(unstyled, "js") is None
    assert asset_link(styled, "css")
    assert asset_link(styled, "js")
    page = Page.objects.get(path="docs/plain")
    assert browser(admin).get(f"/_page-style/{page.pk}.css").status_code == 404
    assert browser(admin).get(f"/_page-script/{page.pk}.js").status_code == 404


def test_the_pages_css_and_script_need_the_right_to_read_the_page(admin):
    page = make_page("docs/guide", script_css=STYLE, script_js_load=SCRIPT)
    draft = make_page("docs/draft", script_css=STYLE, publish_state="draft")
    open_to_guests([rule(path="docs", roles=[READ])])
    close_users_group()
    nobody = UserFactory()

    assert browser().get(f"/_page-style/{page.pk}.css").status_code == 200
    assert browser().get(f"/_page-style/{draft.pk}.css").status_code == 404
    for http in (browser(nobody),):
        for address in (f"/_page-style/{page.pk}.css", f"/_page-script/{page.pk}.js"):
            refused = http.get(address)
            assert refused.status_code == 404
            assert refused.content == b""
    assert browser().get("/_page-style/not-a-uuid.css").status_code == 404
    assert browser(admin).get(f"/_page-script/{draft.pk}.js").status_code == 404  # none set


# --- Script payloads are inert ----------------------------------------------------------------
PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_payloads_in_title_description_tags_toc_and_content_come_out_inert(admin):
    page = make_page(
        "docs/xss",
        title=PAYLOAD,
        description=PAYLOAD,
        content=(
            "# Heading <script>alert(3)</script>\n\n"
            '<img src=x onerror="alert(4)"><a href="javascript:alert(5)">x</a>'
            '<svg onload="alert(6)"></svg><iframe src="https://evil.example"></iframe>'
        ),
        tags=["safe"],
    )
    make_page("docs/xss/child", title=PAYLOAD)
    # What no service would store, as an import or a hand edit could.
    Page.objects.filter(pk=page.pk).update(
        tags=[PAYLOAD, "safe"],
        toc=[{"label": PAYLOAD, "key": '"><script>alert(7)</script>', "children": []}],
    )
    TreeItem.objects.filter(type="folder", path="docs").update(title=PAYLOAD)

    response = browser(admin).get("/docs/xss/child")
    parent = browser(admin).get("/docs/xss")

    for answer in (response, parent):
        assert answer.status_code == 200
        body = text(answer)
        assert "<script>alert" not in body
        assert "javascript:" not in body
        assert "<iframe" not in body
        assert "<svg" not in body
        assert_no_inline_script(answer)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in element(parent, "page-title")
    assert "&lt;script&gt;" in element(parent, "page-description")
    assert "&lt;script&gt;" in element(parent, "page-tags")
    assert "&lt;script&gt;" in element(parent, "toc")
    assert "&lt;script&gt;" in element(response, "breadcrumbs")
    assert "&lt;script&gt;" in element(parent, "sidebar")


def test_payloads_in_tag_lists_come_out_inert(admin):
    page = make_page("docs/xss", title=PAYLOAD, description=PAYLOAD, tags=["safe"])
    Tag.objects.create(site=default_site(), tag=PAYLOAD)
    Page.objects.filter(pk=page.pk).update(tags=["safe", PAYLOAD])
    PageTag.objects.create(page=page, tag=Tag.objects.get(tag=PAYLOAD))
    http = browser(admin)

    for answer in (
        http.get("/t"),
        http.get("/t/safe"),
        http.get("/t/<script>alert(1)<img src=x onerror=alert(2)>"),
    ):
        assert answer.status_code == 200
        assert "<script>alert" not in text(answer)
        assert_no_inline_script(answer)


def test_payloads_in_an_address_come_out_inert(admin):
    for address in ('/docs/"><script>alert(1)</script>', "/i/<script>alert(1)</script>"):
        response = browser(admin).get(address)
        assert response.status_code == 404
        assert "<script>alert" not in text(response)


# --- No credential in a page ------------------------------------------------------------------
def test_a_readers_page_holds_no_token_or_key(admin, api_key_for):
    make_page("docs/guide")
    key = api_key_for(GroupFactory(rules=[rule(roles=[READ])]))
    http = browser(admin)

    body = text(http.get("/docs/guide"))

    assert http.cookies[tokens.COOKIE_NAME].value not in body
    assert key.token not in body
    assert "Bearer" not in body
    assert "eyJ" not in body
