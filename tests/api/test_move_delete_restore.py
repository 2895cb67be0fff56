"""movePage, deletePage, restorePage and rerenderPage through /_graphql (API.md §4.1.1,
§4.1.3): checks in the contract's order with nothing left behind, history, permissions."""

import pytest

from accounts import scopes
from accounts.services import delegated_author
from pages.models import Page, PageHistory
from tests.factories import UserFactory, rule

from .page_edit_support import linked, make_page, page_row, usage, world
from .permission_support import KINDS, assert_mutation_refused, assert_mutation_succeeded

pytestmark = pytest.mark.django_db

MOVE = """mutation ($id: UUID!, $locale: String!, $path: String!, $title: String) {
  movePage(id: $id, destinationLocale: $locale, destinationPath: $path, title: $title) {
    operation { succeeded slug message } } }"""
DELETE = """mutation ($id: UUID!) {
  deletePage(id: $id) { operation { succeeded slug message } } }"""
RESTORE = """mutation ($pageId: UUID!, $versionId: UUID!) {
  restorePage(pageId: $pageId, versionId: $versionId) { operation { succeeded slug message } } }"""
RERENDER = """mutation ($id: UUID!) {
  rerenderPage(id: $id) { operation { succeeded slug message } } }"""
UPDATE = """mutation ($id: UUID!, $patch: PageUpdateInput!) {
  updatePage(id: $id, patch: $patch) { operation { succeeded slug } } }"""
NIL = "00000000-0000-0000-0000-000000000000"
READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
MANAGE, DELETE_SCOPE = scopes.MANAGE_PAGES, scopes.DELETE_PAGES


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator, as by an operator."""


def move(client, page_id, path, locale="en", title=None):
    return client(MOVE, {"id": str(page_id), "locale": locale, "path": path, "title": title})


def refused(response, field, key):
    """Call with a thunk so the world is captured before the request runs."""
    before = world()
    assert_mutation_refused(response(), field, key)
    assert world() == before


# --- movePage ---------------------------------------------------------------------------------
def test_move_changes_path_locale_title_and_author(admin, admin_client):
    page = make_page(alias="intro", tags=("alpha",))
    Page.objects.filter(pk=page.pk).update(author=UserFactory())
    original = Page.objects.get(pk=page.pk)
    r = move(admin_client, page.pk, " /Guide/Start/ ", "FR", " Début ")
    assert assert_mutation_succeeded(r, "movePage")["operation"]["message"]
    moved = Page.objects.get(pk=page.pk)
    assert (moved.locale, moved.path, moved.title) == ("fr", "guide/start", "Début")
    assert (moved.alias, moved.tags, moved.content) == ("intro", ["alpha"], original.content)
    assert moved.author_id == admin.pk
    assert moved.updated_at > original.updated_at
    assert moved.hash != original.hash
    version = PageHistory.objects.get(page_id=page.pk)
    assert (version.action, version.path, version.locale, version.title) == (
        "moved",
        "docs/intro",
        "en",
        "Intro",
    )
    assert version.author_id == original.author_id
    assert version.version_date == original.updated_at
    assert version.affected_fields == ["locale", "path", "title"]


def test_move_without_title_keeps_it(admin_client):
    page = make_page()
    assert_mutation_succeeded(move(admin_client, page.pk, "guide/intro"), "movePage")
    assert Page.objects.get(pk=page.pk).title == "Intro"


@pytest.mark.parametrize(
    ("path", "locale", "title", "key"),
    [
        ("", "en", None, "ERR_INVALID_PATH"),
        ("a//b", "en", None, "ERR_INVALID_PATH"),
        ("e/page", "en", None, "ERR_INVALID_PATH"),
        ("login", "en", None, "ERR_INVALID_PATH"),
        ("en/page", "en", None, "ERR_INVALID_PATH"),
        ("guide/x", "english", None, "ERR_INVALID_INPUT"),
        ("guide/x", "", None, "ERR_INVALID_INPUT"),
        ("docs/other", "en", None, "ERR_PAGE_DUPLICATE_PATH"),
        ("DOCS/Intro/", "en", None, "ERR_PAGE_DUPLICATE_PATH"),  # its own path
        ("guide/x", "en", "  ", "ERR_PAGE_TITLE_MISSING"),
        ("guide/x", "en", "x" * 256, "ERR_INVALID_INPUT"),
        # Two faults: the earlier check answers.
        ("a//b", "english", None, "ERR_INVALID_PATH"),
        ("docs/other", "en", " ", "ERR_PAGE_DUPLICATE_PATH"),
    ],
)
def test_move_checks_in_order(path, locale, title, key, admin_client):
    make_page("docs/other")
    page = make_page()
    refused(lambda: move(admin_client, page.pk, path, locale, title), "movePage", key)


def test_move_of_unknown_page(admin_client, anonymous):
    make_page()
    refused(lambda: move(admin_client, NIL, "guide/x"), "movePage", "ERR_PAGE_NOT_FOUND")
    refused(lambda: move(anonymous, NIL, "a//b"), "movePage", "ERR_PAGE_NOT_FOUND")


def test_move_same_path_in_another_site_or_locale_is_no_collision(admin_client):
    make_page("guide/x", locale="fr")
    page = make_page()
    assert_mutation_succeeded(move(admin_client, page.pk, "guide/x"), "movePage")


def test_move_needs_manage_at_source_then_write_at_destination(client_with):
    page = make_page()
    # write everywhere, but manage:pages nowhere: refused at the source.
    writer = client_with(rules=[rule(roles=[READ, WRITE])])
    refused(lambda: move(writer, page.pk, "guide/x"), "movePage", "ERR_FORBIDDEN")
    # manage at docs, write only at docs: refused at the destination.
    manager = client_with(rules=[rule(path="docs", roles=[READ, WRITE, MANAGE])])
    refused(lambda: move(manager, page.pk, "guide/x"), "movePage", "ERR_FORBIDDEN")
    assert_mutation_succeeded(move(manager, page.pk, "docs/moved"), "movePage")
    # The destination is judged with the page's tags (TAG rule).
    tagged = client_with(
        rules=[rule(path="docs", roles=[MANAGE]), rule(match="TAG", path="alpha", roles=[WRITE])]
    )
    assert_mutation_succeeded(move(tagged, page.pk, "elsewhere/x"), "movePage")
    # Permission comes before the collision and title checks.
    make_page("docs/taken")
    refused(lambda: move(writer, page.pk, "docs/taken", title=""), "movePage", "ERR_FORBIDDEN")


def test_move_into_a_denied_subtree_is_refused(client_with):
    page = make_page()
    client = client_with(
        rules=[
            rule(path="docs", roles=[READ, WRITE, MANAGE]),
            rule("DENY", path="docs/private", roles=[WRITE]),
        ]
    )
    refused(lambda: move(client, page.pk, "docs/private/x"), "movePage", "ERR_FORBIDDEN")


@pytest.mark.parametrize("kind", KINDS)
def test_move_permission_matrix(kind, as_caller):
    page = make_page()
    client = as_caller(kind, rules=[rule(roles=[READ]), rule(path="docs", roles=[WRITE, MANAGE])])
    if kind in MATRIX_REFUSED:
        refused(lambda: move(client, page.pk, "docs/moved"), "movePage", MATRIX_REFUSED[kind])
        return
    assert_mutation_succeeded(move(client, page.pk, "docs/moved"), "movePage")
    assert Page.objects.get(pk=page.pk).path == "docs/moved"


MATRIX_REFUSED = {
    "guest": "ERR_NOT_AUTHENTICATED",
    "user": "ERR_FORBIDDEN",
    "key_without": "ERR_FORBIDDEN",
}
UPDATE_REFUSED = {**MATRIX_REFUSED, "user": "ERR_PAGE_UPDATE_FORBIDDEN"}
UPDATE_REFUSED["key_without"] = "ERR_PAGE_UPDATE_FORBIDDEN"


# --- deletePage -------------------------------------------------------------------------------
def test_delete_keeps_history_frees_alias_and_drops_counts(admin_client):
    page = make_page(alias="intro", tags=("alpha", "beta"))
    make_page("docs/other", tags=("beta",))
    original = Page.objects.get(pk=page.pk)
    r = admin_client(DELETE, {"id": str(page.pk)})
    assert_mutation_succeeded(r, "deletePage")
    assert not Page.objects.filter(pk=page.pk).exists()
    assert usage() == {"alpha": 0, "beta": 1}
    assert linked(page.pk) == set()
    version = PageHistory.objects.get(page_id=page.pk)
    assert (version.action, version.title, version.alias, version.tags) == (
        "deleted",
        "Intro",
        "intro",
        ["alpha", "beta"],
    )
    assert version.version_date == original.updated_at
    # The alias is free again.
    make_page("docs/new", alias="intro")


def test_delete_checks(admin_client, client_with):
    page = make_page()
    refused(lambda: admin_client(DELETE, {"id": NIL}), "deletePage", "ERR_PAGE_NOT_FOUND")
    writer = client_with(rules=[rule(roles=[READ, WRITE, MANAGE])])
    refused(lambda: writer(DELETE, {"id": str(page.pk)}), "deletePage", "ERR_FORBIDDEN")
    denied = client_with(
        rules=[rule(roles=[DELETE_SCOPE]), rule("DENY", path="docs", roles=[DELETE_SCOPE])]
    )
    refused(lambda: denied(DELETE, {"id": str(page.pk)}), "deletePage", "ERR_FORBIDDEN")


@pytest.mark.parametrize("kind", KINDS)
def test_delete_permission_matrix(kind, as_caller):
    page = make_page()
    client = as_caller(kind, rules=[rule(roles=[READ]), rule(path="docs", roles=[DELETE_SCOPE])])
    if kind in MATRIX_REFUSED:
        refused(lambda: client(DELETE, {"id": str(page.pk)}), "deletePage", MATRIX_REFUSED[kind])
        return
    assert_mutation_succeeded(client(DELETE, {"id": str(page.pk)}), "deletePage")
    assert not Page.objects.filter(pk=page.pk).exists()


# --- restorePage ------------------------------------------------------------------------------
def test_restore_brings_back_content_and_settings_only(admin, admin_client):
    page = make_page(title="First", content="# One", alias="intro", tags=("alpha",))
    r = admin_client(
        UPDATE,
        {
            "id": str(page.pk),
            "patch": {
                "title": "Second",
                "content": "# Two",
                "description": "Changed",
                "showToc": False,
                "tags": ["beta"],
                "alias": "other",
            },
        },
    )
    assert r.data["updatePage"]["operation"]["slug"] == "ok"
    assert_mutation_succeeded(move(admin_client, page.pk, "guide/intro"), "movePage")
    first = PageHistory.objects.filter(page_id=page.pk).order_by("legacy_id").first()
    Page.objects.filter(pk=page.pk).update(author=UserFactory())
    before = Page.objects.get(pk=page.pk)
    r = admin_client(RESTORE, {"pageId": str(page.pk), "versionId": str(first.pk)})
    assert_mutation_succeeded(r, "restorePage")
    restored = Page.objects.get(pk=page.pk)
    assert (restored.title, restored.content, restored.description) == ("First", "# One", "About")
    assert restored.config["showToc"] is True
    assert "One" in restored.render
    assert "Two" not in restored.render
    # Path, locale, alias and tags stay; the author is the caller.
    assert (restored.path, restored.alias, restored.tags) == ("guide/intro", "other", ["beta"])
    assert restored.author_id == admin.pk
    newest = PageHistory.objects.filter(page_id=page.pk).first()
    assert (newest.action, newest.title, newest.path) == ("restored", "Second", "guide/intro")
    assert newest.author_id == before.author_id
    assert PageHistory.objects.filter(page_id=page.pk).count() == 3


def test_restore_checks_in_order(admin_client, anonymous, client_with):
    page = make_page()
    other = make_page("docs/other")
    admin_client(UPDATE, {"id": str(page.pk), "patch": {"title": "T"}})
    admin_client(UPDATE, {"id": str(other.pk), "patch": {"title": "T"}})
    mine = PageHistory.objects.get(page_id=page.pk)
    foreign = PageHistory.objects.get(page_id=other.pk)

    def restore(client, page_id, version_id):
        return lambda: client(RESTORE, {"pageId": str(page_id), "versionId": str(version_id)})

    refused(restore(admin_client, NIL, mine.pk), "restorePage", "ERR_PAGE_NOT_FOUND")
    reader = client_with(rules=[rule(roles=[READ])])
    refused(restore(reader, page.pk, NIL), "restorePage", "ERR_PAGE_UPDATE_FORBIDDEN")
    refused(restore(anonymous, page.pk, NIL), "restorePage", "ERR_NOT_AUTHENTICATED")
    refused(restore(admin_client, page.pk, NIL), "restorePage", "ERR_PAGE_NOT_FOUND")
    refused(restore(admin_client, page.pk, foreign.pk), "restorePage", "ERR_PAGE_NOT_FOUND")


@pytest.mark.parametrize("kind", KINDS)
def test_restore_permission_matrix(kind, as_caller, admin_client):
    page = make_page()
    admin_client(UPDATE, {"id": str(page.pk), "patch": {"title": "T"}})
    version = PageHistory.objects.get(page_id=page.pk)
    client = as_caller(kind, rules=[rule(roles=[READ]), rule(path="docs", roles=[WRITE])])
    variables = {"pageId": str(page.pk), "versionId": str(version.pk)}
    if kind in UPDATE_REFUSED:
        refused(lambda: client(RESTORE, variables), "restorePage", UPDATE_REFUSED[kind])
        return
    assert_mutation_succeeded(client(RESTORE, variables), "restorePage")
    assert Page.objects.get(pk=page.pk).title == "Intro"


def test_history_survives_moves(admin_client):
    page = make_page()
    admin_client(UPDATE, {"id": str(page.pk), "patch": {"title": "Two"}})
    assert_mutation_succeeded(move(admin_client, page.pk, "guide/intro"), "movePage")
    admin_client(UPDATE, {"id": str(page.pk), "patch": {"title": "Three"}})
    assert list(
        PageHistory.objects.filter(page_id=page.pk)
        .order_by("legacy_id")
        .values_list("action", "path", "title")
    ) == [
        ("updated", "docs/intro", "Intro"),
        ("moved", "docs/intro", "Two"),
        ("updated", "guide/intro", "Two"),
    ]


# --- rerenderPage -----------------------------------------------------------------------------
def test_rerender_rebuilds_render_only(admin_client):
    page = make_page(content="# Title\n\nText")
    Page.objects.filter(pk=page.pk).update(render="stale", toc=[], search_content="")
    before = page_row(page.pk)
    assert_mutation_succeeded(admin_client(RERENDER, {"id": str(page.pk)}), "rerenderPage")
    after = page_row(page.pk)
    assert "Title" in after["render"]
    assert after["render"] != "stale"
    assert [item["label"] for item in after["toc"]] == ["Title"]
    assert "Text" in after["search_content"]
    unchanged = {k: v for k, v in after.items() if k not in {"render", "toc", "search_content"}}
    assert unchanged == {k: before[k] for k in unchanged}
    assert not PageHistory.objects.exists()


def test_rerender_checks(admin_client, anonymous, client_with):
    page = make_page()
    refused(lambda: admin_client(RERENDER, {"id": NIL}), "rerenderPage", "ERR_PAGE_NOT_FOUND")
    refused(lambda: anonymous(RERENDER, {"id": NIL}), "rerenderPage", "ERR_PAGE_NOT_FOUND")
    denied = client_with(
        rules=[rule(roles=[READ, WRITE]), rule("DENY", path="docs", roles=[WRITE])]
    )
    refused(
        lambda: denied(RERENDER, {"id": str(page.pk)}), "rerenderPage", "ERR_PAGE_UPDATE_FORBIDDEN"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_rerender_permission_matrix(kind, as_caller):
    page = make_page()
    Page.objects.filter(pk=page.pk).update(render="stale")
    client = as_caller(kind, rules=[rule(roles=[READ]), rule(path="docs", roles=[WRITE])])
    if kind in UPDATE_REFUSED:
        refused(
            lambda: client(RERENDER, {"id": str(page.pk)}), "rerenderPage", UPDATE_REFUSED[kind]
        )
        return
    assert_mutation_succeeded(client(RERENDER, {"id": str(page.pk)}), "rerenderPage")
    assert Page.objects.get(pk=page.pk).render != "stale"


def test_api_key_moves_as_the_delegated_author(admin_key_client):
    page = make_page()
    Page.objects.filter(pk=page.pk).update(author=UserFactory())
    assert_mutation_succeeded(move(admin_key_client, page.pk, "guide/intro"), "movePage")
    assert Page.objects.get(pk=page.pk).author_id == delegated_author().pk
