"""Rendered page views kept per process (pages/view_cache.py): served while nothing they show
has changed, whoever changes it and however, and never to anyone but whom they were made for."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import scopes
from accounts.models import User
from pages.edits import PagePatch, update_page
from pages.models import Page
from pages.view_cache import CSRF_PLACEHOLDER, page_views
from tests.factories import GroupFactory, UserFactory, rule

from .read_support import browser, close_users_group, element, make_page, open_to_guests, text

pytestmark = pytest.mark.django_db

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES


@pytest.fixture(autouse=True)
def empty_cache():
    page_views.forget()
    yield
    page_views.forget()


@pytest.fixture
def readers(admin):
    """Guests read everything; a member reads and writes everything."""
    open_to_guests([rule(path="", roles=[READ])])
    close_users_group()
    member = UserFactory(
        name="Mia Member", groups=[GroupFactory(rules=[rule(roles=[READ, WRITE])])]
    )
    return {"guest": None, "member": member}


def queries_of(http, address: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = http.get(address)
    return len(captured.captured_queries), response


@pytest.mark.parametrize("who", ["guest", "member"])
def test_a_kept_view_costs_the_callers_row_alone(readers, who):
    make_page("docs/intro", content="First words.")
    http = browser(readers[who])
    rendered_cost, first = queries_of(http, "/docs/intro")
    kept_cost, again = queries_of(http, "/docs/intro")

    assert first.status_code == again.status_code == 200
    assert kept_cost == 1 < rendered_cost
    assert element(again, "page-content") == element(first, "page-content")
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_an_edit_through_the_service_is_seen_at_once(readers):
    page = make_page("docs/intro", content="Old words.")
    http = browser()
    assert "Old words." in text(http.get("/docs/intro"))
    update_page(None, page.pk, PagePatch(content="New words."))
    assert "New words." in text(http.get("/docs/intro"))


def test_rows_written_behind_the_services_back_are_seen_at_once(readers):
    """Queryset updates send no signal: only the triggers can tell the processes."""
    page = make_page("docs/intro", content="Text.")
    make_page("docs/sibling", title="Sibling")
    http = browser()
    http.get("/docs/intro")

    Page.objects.filter(pk=page.pk).update(render="<p>Rewritten render.</p>")
    assert "Rewritten render." in element(http.get("/docs/intro"), "page-content")

    from pages.models import TreeItem

    TreeItem.objects.filter(path="docs/sibling", type="page").update(title="Renamed Sibling")
    assert "Renamed Sibling" in element(http.get("/docs/intro"), "sidebar")

    User.objects.filter(pk=page.author_id).update(name="New Name Of The Author")
    assert "New Name Of The Author" in text(http.get("/docs/intro"))


def test_a_new_neighbour_appears_in_the_sidebar(readers):
    make_page("docs/intro")
    http = browser()
    assert "Newcomer" not in element(http.get("/docs/intro"), "sidebar")
    make_page("docs/newcomer", title="Newcomer")
    assert "Newcomer" in element(http.get("/docs/intro"), "sidebar")


def test_a_rule_change_is_seen_at_once(readers):
    make_page("docs/intro")
    http = browser()
    assert http.get("/docs/intro").status_code == 200
    open_to_guests([])
    assert http.get("/docs/intro").status_code in (302, 403)


def test_one_persons_view_is_never_anothers(readers, admin):
    make_page("docs/intro")
    other = UserFactory(name="Otto Other", groups=list(readers["member"].groups.all()))
    member_page = text(browser(readers["member"]).get("/docs/intro"))
    other_page = text(browser(other).get("/docs/intro"))
    guest_page = text(browser().get("/docs/intro"))

    assert "Mia Member" in member_page
    assert "Otto Other" not in member_page
    assert "Otto Other" in other_page
    assert "Mia Member" not in other_page
    assert 'id="sign-in"' in guest_page
    assert "Member" not in guest_page
    # The administrator may edit; the guest may not: actions are never shared.
    assert 'id="action-edit"' in text(browser(admin).get("/docs/intro"))
    assert 'id="action-edit"' not in text(browser().get("/docs/intro"))


def _sign_out_token(response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(response))
    assert found is not None
    return found[1]


def test_each_browser_gets_a_sign_out_token_of_its_own(readers):
    """A kept view carries the CSRF token of the request it answers, never the placeholder and
    never the token of the browser it was first rendered for."""
    make_page("docs/intro")
    first = browser(readers["member"], enforce_csrf_checks=True)
    second = browser(readers["member"], enforce_csrf_checks=True)
    first_token = _sign_out_token(first.get("/docs/intro"))
    kept = second.get("/docs/intro")
    second_token = _sign_out_token(kept)

    assert CSRF_PLACEHOLDER not in text(kept)
    assert first_token != second_token
    signed_out = second.post("/logout", {"csrfmiddlewaretoken": second_token})
    assert signed_out.status_code in (302, 303), signed_out.status_code


def test_a_scheduled_page_opening_its_window_ends_the_kept_view(readers, monkeypatch):
    make_page("docs/intro")
    opens = timezone.now() + timedelta(hours=1)
    make_page(
        "docs/coming",
        title="Coming Soon",
        publish_state="scheduled",
        publish_start_date=opens,
        publish_end_date=opens + timedelta(days=1),
    )
    http = browser()
    assert "Coming Soon" not in element(http.get("/docs/intro"), "sidebar")

    later = opens + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "Coming Soon" in element(http.get("/docs/intro"), "sidebar")


def test_refusals_and_missing_pages_are_never_kept(readers):
    http = browser()
    for _ in range(2):
        count, response = queries_of(http, "/docs/nowhere")
        assert response.status_code == 404
    assert count > 1


def test_switched_off_the_cache_renders_every_view(readers, settings):
    settings.PAGE_VIEW_CACHE_BYTES = 0
    make_page("docs/intro")
    http = browser()
    http.get("/docs/intro")  # the process's other caches (guest id, policies) are warm
    first, _ = queries_of(http, "/docs/intro")
    second, _ = queries_of(http, "/docs/intro")
    assert first == second > 1


def test_the_cache_stays_within_its_bytes(readers, settings):
    settings.PAGE_VIEW_CACHE_BYTES = 200_000
    for n in range(12):
        make_page(f"docs/page-{n}", content="Long text. " * 1500)
    http = browser()
    for n in range(12):
        assert http.get(f"/docs/page-{n}").status_code == 200
    generation = page_views._generation
    assert 0 < generation.size <= 200_000
    assert generation.size == sum(len(kept.content) for kept in generation.views.values())
    assert len(generation.views) < 12
