"""The folders admin: who reaches it, what a limited editor sees and may do, CSRF, cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pages.models import Page, PageHistory, TreeItem
from tests.factories import rule

from .admin_support import assert_sent_to_login, logged_in
from .folder_admin_support import (
    ADD_FOLDER,
    TREE,
    add_data,
    delete_folder_url,
    duplicate_url,
    folder_at,
    folder_url,
    form_errors,
    move_folder_url,
    rename_url,
    service_folder,
    tree_state,
)
from .page_admin_support import messages_of, service_page

pytestmark = pytest.mark.django_db

# Editing under ``docs`` only; ``private`` hidden (Users read everywhere else); the pages of
# ``docs/keep`` not deletable.
LIMITED_RULES = [
    rule(path="docs", roles=("write:pages", "manage:pages", "delete:pages"), name="docs"),
    rule(mode="DENY", path="private", roles=("read:pages",), name="private"),
    rule(mode="DENY", path="docs/keep", roles=("delete:pages",), name="keep"),
]


@pytest.fixture(autouse=True)
def _root_administrator(admin):
    """Pages and folders made by a trusted operator are attributed to the root administrator."""


@pytest.fixture
def limited_http(staff_http):
    return staff_http(rules=LIMITED_RULES)


def _wiki() -> None:
    service_page("docs/team/intro", title="Intro")
    service_page("docs/keep/charter", title="Charter")
    service_page("open/welcome", title="Welcome")
    service_page("private/salaries", title="Salaries")
    service_folder("private/board")


def _folder_posts(folder) -> list[tuple[str, dict]]:
    return [
        (ADD_FOLDER, add_data(path_name="new")),
        (rename_url(folder), {"path_name": "renamed", "title": "Renamed"}),
        (move_folder_url(folder), {"parent_path": ""}),
        (duplicate_url(folder), {"parent_path": "", "path_name": "copy", "title": "Copy"}),
        (delete_folder_url(folder), {"post": "yes"}),
    ]


# --- Who reaches it ---------------------------------------------------------------------------
def test_non_staff_cannot_reach_any_folder_admin_url(client, user):
    _wiki()
    team = folder_at("docs/team")
    before = tree_state()
    plain = logged_in(user)

    for url in (TREE, folder_url(team), *(url for url, _ in _folder_posts(team))):
        assert_sent_to_login(url, client, plain)
    for url, data in _folder_posts(team):
        for http in (client, plain):
            response = http.post(url, data)
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/")
    assert tree_state() == before


def test_staff_without_page_editing_rules_is_refused(staff_http):
    _wiki()
    team = folder_at("docs/team")
    before = tree_state()
    http = staff_http("manage:users")

    assert http.get(TREE).status_code == 403
    assert http.get(folder_url(team)).status_code == 403
    assert http.get(ADD_FOLDER).status_code == 403
    for url, data in _folder_posts(team):
        assert http.post(url, data).status_code == 403, url
    assert TREE.encode() not in http.get("/admin/").content
    assert tree_state() == before


def test_folder_posts_need_csrf(admin):
    _wiki()
    team = folder_at("docs/team")
    before = tree_state()
    strict = logged_in(admin, enforce_csrf_checks=True)

    for url, data in _folder_posts(team):
        assert strict.post(url, data).status_code == 403, url
    assert tree_state() == before
    assert strict.get(rename_url(team)).status_code == 200  # reading needs no token


# --- What a limited editor sees ---------------------------------------------------------------
def test_changelist_holds_only_what_the_user_may_read(limited_http, admin_http):
    _wiki()

    listed = limited_http.get(TREE)
    searched = limited_http.get(TREE, {"q": "sal"})
    everything = admin_http.get(TREE)

    assert TREE.encode() in limited_http.get("/admin/").content
    assert sorted(item.path for item in listed.context["cl"].result_list) == [
        "docs",
        "docs/keep",
        "docs/keep/charter",
        "docs/team",
        "docs/team/intro",
        "open",
        "open/welcome",
    ]
    assert b"private" not in listed.content
    assert list(searched.context["cl"].result_list) == []
    assert everything.context["cl"].result_count == 10
    assert limited_http.get(folder_url(folder_at("private"))).status_code == 403
    assert limited_http.get(delete_folder_url(folder_at("private/board"))).status_code == 403


def test_folder_page_offers_only_the_actions_the_rules_allow(limited_http):
    _wiki()

    docs = limited_http.get(folder_url(folder_at("docs"))).content.decode()
    open_folder = limited_http.get(folder_url(folder_at("open"))).content.decode()

    for action in ("add", "rename", "move", "duplicate", "delete"):
        assert f'id="folder-{action}-link"' in docs, action
    for action in ("add", "rename", "move", "delete"):
        assert f'id="folder-{action}-link"' not in open_folder, action


# --- What a limited editor may do -------------------------------------------------------------
def test_limited_editor_works_under_docs(limited_http):
    _wiki()
    team = folder_at("docs/team")

    created = limited_http.post(
        ADD_FOLDER, add_data(parent_path="docs/new/area", path_name="notes", title="Notes")
    )
    titled = limited_http.post(rename_url(team), {"path_name": "team", "title": "The team"})
    renamed = limited_http.post(rename_url(team), {"path_name": "crew", "title": "Crew"})
    moved = limited_http.post(
        move_folder_url(folder_at("docs/new/area")), {"parent_path": "docs/crew"}
    )
    copied = limited_http.post(
        duplicate_url(team), {"parent_path": "docs", "path_name": "crew-copy", "title": "Copy"}
    )
    deleted = limited_http.post(delete_folder_url(folder_at("docs/new")), {"post": "yes"})

    for response in (created, titled, renamed, moved, copied, deleted):
        assert response.status_code == 302
    assert sorted(
        TreeItem.objects.filter(path__startswith="docs/").values_list("type", "path", "title")
    ) == [
        ("folder", "docs/crew", "Crew"),
        ("folder", "docs/crew-copy", "Copy"),
        ("folder", "docs/crew-copy/area", "area"),
        ("folder", "docs/crew-copy/area/notes", "Notes"),
        ("folder", "docs/crew/area", "area"),
        ("folder", "docs/crew/area/notes", "Notes"),
        ("folder", "docs/keep", "keep"),
        ("page", "docs/crew-copy/intro", "Intro"),
        ("page", "docs/crew/intro", "Intro"),
        ("page", "docs/keep/charter", "Charter"),
    ]
    user = created.wsgi_request.user
    assert Page.objects.get(path="docs/crew/intro").author == user
    assert Page.objects.get(path="docs/crew-copy/intro").creator == user
    assert list(PageHistory.objects.values_list("path", "action")) == [("docs/team/intro", "moved")]


@pytest.mark.parametrize(
    ("url", "data", "needs"),
    [
        (lambda: ADD_FOLDER, {"path_name": "new"}, "write:pages at en/new"),
        (
            lambda: ADD_FOLDER,
            {"parent_path": "open", "path_name": "new"},
            "write:pages at en/open/new",
        ),
        (
            lambda: rename_url(folder_at("open")),
            {"path_name": "open", "title": "Mine"},
            "write:pages at en/open",
        ),
        (
            lambda: rename_url(folder_at("open")),
            {"path_name": "opened", "title": "Open"},
            "manage:pages at en/open",
        ),
        (
            lambda: move_folder_url(folder_at("docs/team")),
            {"parent_path": ""},
            "write:pages at en/team",
        ),
        (
            lambda: move_folder_url(folder_at("open")),
            {"parent_path": "docs"},
            "manage:pages at en/open",
        ),
        (
            lambda: duplicate_url(folder_at("docs/team")),
            {"parent_path": "open", "path_name": "team", "title": "Team"},
            "write:pages at en/open/team",
        ),
    ],
)
def test_forbidden_changes_are_form_errors_and_change_nothing(limited_http, url, data, needs):
    _wiki()
    before = tree_state()

    target = url()
    response = limited_http.post(target, add_data(**data) if target == ADD_FOLDER else data)

    assert response.status_code == 400
    assert form_errors(response)["__all__"] == [
        f"ERR_FORBIDDEN: your groups' page rules do not allow this here (needs {needs})."
    ]
    assert tree_state() == before


@pytest.mark.parametrize(
    ("path", "needs"),
    [("open", "en/open"), ("docs", "en/docs/keep/charter")],
)
def test_forbidden_delete_is_reported_and_deletes_nothing(limited_http, path, needs):
    _wiki()
    folder = folder_at(path)
    before = tree_state()

    response = limited_http.post(delete_folder_url(folder), {"post": "yes"}, follow=True)

    assert response.redirect_chain == [(folder_url(folder), 302)]
    assert messages_of(response) == [
        "ERR_FORBIDDEN: your groups' page rules do not allow this here "
        f"(needs delete:pages at {needs})."
    ]
    assert tree_state() == before


def test_delete_confirmation_counts_what_the_user_cannot_read(staff_http):
    """A delete takes everything below, so the count includes what this user cannot see."""
    http = staff_http(rules=[*LIMITED_RULES, rule(mode="DENY", path="docs/team/secret")])
    _wiki()
    service_page("docs/team/secret/plan")

    confirm = http.get(delete_folder_url(folder_at("docs/team")))

    assert (confirm.context["pages_below"], confirm.context["folders_below"]) == (2, 1)
    assert b"docs/team/secret" not in confirm.content


def test_hidden_ancestors_are_named_but_not_linked(staff_http):
    http = staff_http(rules=[*LIMITED_RULES, rule(mode="DENY", match="EXACT", path="docs")])
    _wiki()
    team = folder_at("docs/team")

    response = http.get(folder_url(team))

    assert response.status_code == 200
    assert response.context["ancestors"] == [("docs", None)]
    assert folder_url(folder_at("docs")) not in response.content.decode()
    assert http.get(f"{folder_url(team)[: -len('change/')]}history/").status_code == 200


# --- Cost: the list and the folder page do not grow with their rows ---------------------------
def _queries(http, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert http.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("as_limited", [False, True])
def test_list_and_folder_page_cost_the_same_for_1_and_10_children(
    admin_http, limited_http, as_limited
):
    http = limited_http if as_limited else admin_http
    service_page("docs/area/page-0")
    area = folder_at("docs/area")
    http.get("/admin/")  # the first request of a session warms caches
    one = (_queries(http, TREE), _queries(http, folder_url(area)))
    for number in range(1, 10):
        service_page(f"docs/area/page-{number}")
        service_folder(f"docs/area/folder-{number}")

    ten = (_queries(http, TREE), _queries(http, folder_url(area)))

    assert ten == one
