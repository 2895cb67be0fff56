"""``/i/<id>`` (by UUID or integer id) and the tag pages ``/t`` and ``/t/<tag>``."""

from __future__ import annotations

import re
import uuid

import pytest

from accounts import scopes
from pages.models import Page
from tests.factories import GroupFactory, UserFactory, rule
from wiki.models import Site

from .read_support import browser, close_users_group, element, links_in, make_page, open_to_guests

pytestmark = pytest.mark.django_db

READ = scopes.READ_PAGES


# --- /i/<id> ----------------------------------------------------------------------------------
def test_by_uuid_and_by_integer_id_lead_to_the_pages_address(admin):
    page = make_page("docs/guide")
    french = make_page("docs/guide", locale="fr")
    home = make_page("home")
    http = browser(admin)

    for ref in (str(page.pk), str(page.legacy_id), str(page.pk).upper(), f"%20{page.legacy_id}"):
        response = http.get(f"/i/{ref}")
        assert (response.status_code, response["Location"]) == (302, "/docs/guide"), ref
    assert http.get(f"/i/{french.legacy_id}")["Location"] == "/fr/docs/guide"
    assert http.get(f"/i/{home.pk}")["Location"] == "/"


@pytest.mark.parametrize(
    "ref",
    [
        "junk",
        "0",
        "-1",
        "00",
        "99999999",
        "9" * 40,
        "1e3",
        "١٢",  # Arabic-Indic digits: isdigit() says yes, the database would say no
        str(uuid.UUID(int=0)),
        "12345678-1234-4234-8234-123456789012",
        "%00",
        "x" * 3000,
    ],
)
def test_an_id_that_names_no_page_is_a_404(admin, ref):
    make_page("docs/guide")

    response = browser(admin).get(f"/i/{ref}")

    assert response.status_code == 404
    assert element(response, "create-page") is None


def test_a_page_of_another_site_is_unknown_here(admin):
    other = Site.objects.create(hostname="wiki.example.com")
    page = make_page("docs/guide", site_id=other.pk)

    assert browser(admin).get(f"/i/{page.pk}").status_code == 404
    assert browser(admin, HTTP_HOST="wiki.example.com").get(f"/i/{page.pk}").status_code == 302


def test_a_page_the_visitor_may_not_read_is_refused_by_id(admin):
    page = make_page("staff/pay")
    close_users_group()
    reader = UserFactory(groups=[GroupFactory(rules=[rule(path="docs", roles=[READ])])])

    assert browser(reader).get(f"/i/{page.pk}").status_code == 403
    guest = browser().get(f"/i/{page.legacy_id}")
    assert guest.status_code == 302
    assert guest["Location"].startswith("/login?next=")


# --- /t/<tag> ---------------------------------------------------------------------------------
@pytest.fixture
def tagged(admin):
    make_page("docs/b", title="Bravo", tags=["guide", "other"], description="Second")
    make_page("docs/a", title="Alpha", tags=["guide"])
    make_page("docs/c", title="Charlie", tags=["guide"], publish_state="draft")
    make_page("staff/d", title="Delta", tags=["guide", "hr"])
    make_page("docs/e", title="Echo", tags=["guide"], locale="fr")
    make_page("docs/f", title="Foxtrot", tags=["other"])
    close_users_group()
    open_to_guests([rule(path="docs", roles=[READ])])


def titles(response) -> list[str]:
    listed = element(response, "tagged-pages") or ""
    return re.findall(r'<a href="[^"]*" lang="\w+">([^<]*)</a>', listed)


def test_a_tag_lists_the_pages_the_visitor_may_read_by_title(tagged, admin):
    guest = browser().get("/t/guide")
    assert guest.status_code == 200
    assert titles(guest) == ["Alpha", "Bravo", "Echo"]
    assert links_in(element(guest, "tagged-pages")) == ["/docs/a", "/docs/b", "/fr/docs/e"]
    assert "Second" in element(guest, "tagged-pages")

    assert titles(browser(admin).get("/t/guide")) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]


def test_a_tag_is_read_as_page_tags_are_written(tagged):
    assert titles(browser().get("/t/%23GUIDE")) == ["Alpha", "Bravo", "Echo"]


@pytest.mark.parametrize("tag", ["unknown", "%20", "%00", "<script>", "x" * 3000, "hr"])
def test_a_tag_with_no_readable_page_lists_nothing(tagged, tag):
    response = browser().get(f"/t/{tag}")

    assert response.status_code == 200
    assert element(response, "tagged-pages") is None
    assert element(response, "no-pages") is not None
    assert "<script>" not in response.content.decode()


def test_a_tag_is_listed_page_by_page(admin, monkeypatch):
    monkeypatch.setattr("pages.read_views.TAG_PAGE_SIZE", 2)
    for letter in "abcde":
        make_page(f"docs/{letter}", title=f"Page {letter}", tags=["many"])
    http = browser(admin)

    first, second, last = (http.get("/t/many", {"page": n}) for n in (1, 2, 3))

    assert titles(first) == ["Page a", "Page b"]
    assert titles(second) == ["Page c", "Page d"]
    assert titles(last) == ["Page e"]
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert 'rel="prev"' not in first.content.decode()
    assert 'rel="prev" href="?page=2"' in last.content.decode()
    assert 'rel="next"' not in last.content.decode()
    beyond = http.get("/t/many", {"page": 99})
    assert beyond.status_code == 200
    assert titles(beyond) == []


@pytest.mark.parametrize("number", ["0", "-3", "abc", "1.5", "9" * 50, "", "²"])
def test_a_bad_page_number_is_the_first_page(admin, number):
    make_page("docs/a", title="Alpha", tags=["t"])

    response = browser(admin).get("/t/t", {"page": number})

    assert response.status_code == 200
    assert titles(response) == ["Alpha"]


# --- /t ---------------------------------------------------------------------------------------
def test_the_tag_list_counts_only_pages_the_visitor_may_read(tagged, admin):
    def listed(response):
        found = re.findall(
            r'href="/t/([^"]+)" rel="tag">#[^<]+</a> <span class="muted">\((\d+)',
            response.content.decode(),
        )
        return {tag: int(count) for tag, count in found}

    assert listed(browser().get("/t")) == {"guide": 3, "other": 2}
    assert listed(browser(admin).get("/t")) == {"guide": 5, "hr": 1, "other": 2}
    assert browser().get("/t/").status_code == 200


def test_the_tag_list_of_a_visitor_who_reads_nothing_is_empty(tagged):
    close_users_group()
    response = browser(UserFactory()).get("/t")

    assert element(response, "tag-list") is None
    assert element(response, "no-tags") is not None


def test_tags_of_another_site_are_not_listed(admin):
    other = Site.objects.create(hostname="wiki.example.com")
    make_page("docs/a", site_id=other.pk, tags=["elsewhere"])
    make_page("docs/a", tags=["here"])

    body = browser(admin).get("/t").content.decode()

    assert "/t/here" in body
    assert "elsewhere" not in body
    assert Page.objects.count() == 2
