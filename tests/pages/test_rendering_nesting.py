"""HTML nested deeper than the sanitiser can parse in linear time is refused (found by fuzzing).

nh3's HTML5 parser walks the stack of open elements at every block start tag, so 20,000
nested ``<div>`` (100 KB) took seconds and a megabyte of them minutes, in the request that
saved the page. ``pages.rendering`` now measures the nesting first, in linear time, and refuses
content deeper than ``MAX_HTML_NESTING`` with ERR_INVALID_INPUT.
"""

from __future__ import annotations

import time

import pytest

from pages.models import Page
from pages.rendering import MAX_HTML_NESTING, nesting_depth, render
from tests.factories import default_site
from wiki.errors import DomainError, ErrorKey

CREATE_PAGE = """
mutation ($siteId: UUID!, $content: String!, $editor: String!) {
  createPage(siteId: $siteId, locale: "en", path: "deep", title: "Deep", description: "",
             content: $content, editor: $editor, publishState: published) {
    operation { succeeded slug message }
  }
}
"""


@pytest.mark.parametrize(
    ("raw_html", "depth"),
    [
        ("<div><div></div><div></div></div>", 2),
        ("<div>" * 600, 600),
        ("<div></x>" * 600, 600),  # stray end tags close nothing, in the parser too
        ("<DIV title='a>b'>" * 3, 3),
        ("<div/>" * 600, 600),  # the slash of a non-void HTML element is ignored
        ("<svg>" + "<path/>" * 600 + "</svg>", 1),  # ... but honoured in SVG
        ("<p>" * 600 + "<li>" * 600 + "<br>" * 600 + "<img src=x>" * 600, 0),
        ("<section><blockquote><div>x</section>" * 600, 3),  # closes what it encloses
        ("no tags < at all > here", 0),
    ],
)
def test_nesting_depth_reads_as_the_parser_nests(raw_html, depth):
    assert nesting_depth(raw_html) == depth


def test_content_at_the_bound_renders_and_one_deeper_is_refused():
    at_bound = "<div>" * MAX_HTML_NESTING + "deep"
    assert "deep" in render(at_bound, "html").html
    for content_type in ("html", "markdown"):
        with pytest.raises(DomainError) as refused:
            render("<div>" * (MAX_HTML_NESTING + 1), content_type)
        assert refused.value.key is ErrorKey.INVALID_INPUT


def test_ordinary_pages_are_far_from_the_bound():
    markdown = "\n".join(f"{'  ' * level}- item {level}" for level in range(40))
    markdown += "\n\n" + "> " * 40 + "quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert render(markdown, "markdown").html
    assert nesting_depth(markdown) < 50


@pytest.mark.django_db
@pytest.mark.parametrize("editor", ["markdown", "wysiwyg"])
def test_create_page_refuses_deep_html_quickly_and_creates_nothing(admin, admin_key_client, editor):
    started = time.perf_counter()
    response = admin_key_client(
        CREATE_PAGE,
        {"siteId": str(default_site().pk), "content": "<div>" * 200_000, "editor": editor},
    )
    assert time.perf_counter() - started < 10  # was minutes
    assert response.data["createPage"]["operation"] == {
        "succeeded": False,
        "slug": "ERR_INVALID_INPUT",
        "message": "ERR_INVALID_INPUT",
    }
    assert not Page.objects.filter(path="deep").exists()
