"""A page whose source takes too long to render is refused, not rendered for minutes
(pages/rendering.py ``_time_budget``): some Markdown costs ~50 µs a character."""

from __future__ import annotations

import threading
import time

import pytest

from pages.rendering import render
from wiki.errors import DomainError, ErrorKey

# Long enough to take several seconds to parse on any machine, far under the body limit.
SLOW_MARKDOWN = "![" * 400_000


def test_slow_markdown_is_refused_within_the_budget(settings):
    settings.PAGE_RENDER_SECONDS = 0.5
    started = time.monotonic()
    with pytest.raises(DomainError) as refused:
        render(SLOW_MARKDOWN, "markdown")
    assert refused.value.key == ErrorKey.INVALID_INPUT
    assert time.monotonic() - started < 3


def test_ordinary_content_renders_and_leaves_no_timer_behind(settings):
    import signal

    settings.PAGE_RENDER_SECONDS = 5
    handler = signal.getsignal(signal.SIGALRM)
    rendered = render("# Title\n\n" + "Words and more words. " * 5000, "markdown")
    assert rendered.toc[0]["label"] == "Title"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler


def test_a_page_created_with_slow_markdown_is_refused(settings, admin_client):
    settings.PAGE_RENDER_SECONDS = 0.5
    from tests.factories import default_site

    document = """
    mutation ($siteId: UUID!, $content: String!) {
      createPage(siteId: $siteId, locale: "en", path: "slow", title: "Slow", content: $content,
                 editor: "markdown", description: "", publishState: published) {
        operation { succeeded slug }
      }
    }"""
    r = admin_client(document, {"siteId": str(default_site().pk), "content": SLOW_MARKDOWN})
    assert r.data == {
        "createPage": {"operation": {"succeeded": False, "slug": "ERR_INVALID_INPUT"}}
    }


def test_off_the_main_thread_no_timer_is_set(settings):
    """Signals reach the main thread only: elsewhere the render simply runs."""
    settings.PAGE_RENDER_SECONDS = 0.01
    results = []
    thread = threading.Thread(target=lambda: results.append(render("![" * 2000, "markdown")))
    thread.start()
    thread.join()
    assert len(results) == 1
