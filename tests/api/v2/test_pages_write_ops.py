"""``pages.move``, ``delete``, ``render``, ``restore``, ``flushCache`` and ``rebuildTree`` on
/graphql (API-v2.md §3.2)."""

import pytest

from api.v2 import dialect
from pages.models import Page, PageHistory, TreeItem
from tests.api.page_edit_support import world
from tests.factories import rule

from .pages_write_support import make_page, on_graphql, refused, result, status

pytestmark = pytest.mark.django_db

# wikijscmd (graphql_queries.move_page) and wikijs-pyclient / wikijs-mcp-server alike.
MOVE = """mutation ($id: Int!, $destinationPath: String!, $destinationLocale: String!) {
  pages {
    move(id: $id, destinationPath: $destinationPath, destinationLocale: $destinationLocale) {
      responseResult {
        succeeded
        errorCode
        slug
        message
        __typename
      }
      __typename
    }
    __typename
  }
}"""

DELETE = """
mutation DeletePage($id: Int!) {
    pages { delete(id: $id) { responseResult { succeeded errorCode slug message } } }
}
"""

RENDER = "mutation ($id: Int!) { pages { render(id: $id) { responseResult { succeeded errorCode slug message } } } }"

RESTORE = """
mutation ($pageId: Int!, $versionId: Int!) {
    pages { restore(pageId: $pageId, versionId: $versionId) {
        responseResult { succeeded errorCode slug message }
    } }
}
"""

FLUSH = "mutation { pages { flushCache { responseResult { succeeded errorCode slug message } } } }"
REBUILD = (
    "mutation { pages { rebuildTree { responseResult { succeeded errorCode slug message } } } }"
)


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` and API-key writes belong to the root administrator."""


def move(client, page, path, locale="en"):
    return client(
        MOVE, {"id": page.legacy_id, "destinationPath": path, "destinationLocale": locale}
    )


def key_with_rules(v2_key_for, group_with, *permissions, rules):
    return v2_key_for(group_with(*permissions, rules=rules))


# --- move ------------------------------------------------------------------------------------


def test_wikijscmd_moves_a_page(v2_admin_key, admin):
    page = make_page("docs/intro", title="Intro")

    r = move(v2_admin_key, page, "guides/intro")

    assert status(r, "move") == (True, 0, "ok", "Page has been moved.")
    assert result(r, "move")["__typename"] == "DefaultResponse"
    read = on_graphql(admin)(page.pk)
    assert (read["path"], read["locale"], read["title"]) == ("guides/intro", "en", "Intro")
    assert PageHistory.objects.get(page_id=page.pk).action == "moved"
    assert TreeItem.objects.filter(page_id=page.pk, path="guides/intro").exists()


@pytest.mark.parametrize(
    ("title", "expected"), [("intro", "start"), ("Intro", "Intro"), ("Other", "Other")]
)
def test_title_rule(v2_admin, title, expected):
    page = make_page("docs/intro", title=title)

    assert status(move(v2_admin, page, "Guide/Start", "FR"), "move")[0] is True
    stored = Page.objects.get(pk=page.pk)
    assert (stored.locale, stored.path, stored.title) == ("fr", "guide/start", expected)


@pytest.mark.parametrize(
    ("legacy_id", "path", "locale", "error"),
    [
        (999, "docs/x", "en", dialect.PAGE_NOT_FOUND),
        (999, "docs/v1.0", "en", dialect.PAGE_NOT_FOUND),
        (None, "docs/v1.0", "nowhere", dialect.PAGE_ILLEGAL_PATH),
        (None, "docs x", "en", dialect.PAGE_ILLEGAL_PATH),
        (None, "docs\\x", "en", dialect.PAGE_ILLEGAL_PATH),
        (None, "docs//x", "en", dialect.PAGE_ILLEGAL_PATH),
        (None, "admin/x", "en", dialect.PAGE_ILLEGAL_PATH),
        (None, "docs/x", "nowhere", dialect.INPUT_INVALID),
        (None, "docs/taken", "en", dialect.PAGE_PATH_COLLISION),
        (None, "docs/intro", "en", dialect.PAGE_PATH_COLLISION),
    ],
)
def test_move_failures(v2_admin, legacy_id, path, locale, error):
    page = make_page("docs/intro")
    make_page("docs/taken")
    before = world()

    r = v2_admin(
        MOVE,
        {
            "id": legacy_id or page.legacy_id,
            "destinationPath": path,
            "destinationLocale": locale,
        },
    )

    assert status(r, "move") == refused(error)
    assert world() == before


def test_move_needs_manage_at_the_source(v2_key_for, group_with):
    page = make_page("docs/intro")
    client = key_with_rules(
        v2_key_for,
        group_with,
        "manage:pages",
        rules=[rule(path="guides", roles=("write:pages", "manage:pages"))],
    )
    before = world()

    assert status(move(client, page, "guides/intro"), "move") == refused(
        dialect.PAGE_MOVE_FORBIDDEN
    )
    assert world() == before


def test_move_needs_write_at_the_destination(v2_key_for, group_with):
    page = make_page("docs/intro")
    client = key_with_rules(
        v2_key_for,
        group_with,
        "manage:pages",
        rules=[rule(path="docs", roles=("write:pages", "manage:pages"))],
    )

    assert status(move(client, page, "guides/intro"), "move") == refused(
        dialect.PAGE_MOVE_FORBIDDEN
    )
    assert status(move(client, page, "docs/moved"), "move")[0] is True


# --- delete ----------------------------------------------------------------------------------


def test_delete(v2_admin_key):
    page = make_page("docs/intro")

    r = v2_admin_key(DELETE, {"id": page.legacy_id})

    assert status(r, "delete") == (True, 0, "ok", "Page has been deleted.")
    assert not Page.objects.filter(pk=page.pk).exists()
    assert PageHistory.objects.get(page_id=page.pk).action == "deleted"


def test_deleted_page_is_gone_on_the_other_endpoint(v2_admin, admin_client):
    page = make_page("docs/intro")
    assert status(v2_admin(DELETE, {"id": page.legacy_id}), "delete")[0] is True

    r = admin_client("query ($id: UUID!) { pageById(id: $id) { id } }", {"id": str(page.pk)})
    assert r.error_messages == ["ERR_PAGE_NOT_FOUND"]


def test_delete_failures(v2_key_for, group_with, v2_admin):
    page = make_page("docs/intro")
    client = key_with_rules(
        v2_key_for, group_with, "delete:pages", rules=[rule(path="blog", roles=("delete:pages",))]
    )
    before = world()

    assert status(v2_admin(DELETE, {"id": 999}), "delete") == refused(dialect.PAGE_NOT_FOUND)
    r = client(DELETE, {"id": page.legacy_id})
    assert status(r, "delete") == refused(dialect.PAGE_DELETE_FORBIDDEN)
    assert world() == before


# --- render ----------------------------------------------------------------------------------


def test_render_rebuilds_without_a_version(v2_admin):
    page = make_page("docs/intro", content="# Head\n\nBody")
    Page.objects.filter(pk=page.pk).update(render="stale", toc=[])
    before = Page.objects.get(pk=page.pk)

    r = v2_admin(RENDER, {"id": page.legacy_id})

    assert status(r, "render") == (True, 0, "ok", "Page rendered successfully.")
    after = Page.objects.get(pk=page.pk)
    assert after.render.startswith('<h1 id="head">Head</h1>')
    assert after.toc == [{"label": "Head", "key": "head", "children": []}]
    assert (after.updated_at, after.author_id) == (before.updated_at, before.author_id)
    assert not PageHistory.objects.exists()


def test_render_of_an_unknown_page(v2_admin):
    assert status(v2_admin(RENDER, {"id": 42}), "render") == refused(dialect.PAGE_NOT_FOUND)


# --- restore ---------------------------------------------------------------------------------


def test_restore_brings_back_content_keeping_path_and_tags(v2_admin, admin):
    from pages import edits

    page = make_page("docs/intro", content="First", tags=("alpha",))
    edits.update_page(None, page.pk, edits.PagePatch(content="Second", tags=["beta"]))
    edits.move_page(None, page.pk, "en", "docs/moved")
    version = PageHistory.objects.get(page_id=page.pk, action="updated")

    r = v2_admin(RESTORE, {"pageId": page.legacy_id, "versionId": version.legacy_id})

    assert status(r, "restore") == (True, 0, "ok", "Page version restored successfully.")
    read = on_graphql(admin)(page.pk)
    assert (read["content"], read["path"], read["tags"]) == ("First", "docs/moved", ["beta"])


def test_restore_failures(v2_admin, v2_key_for, group_with):
    page = make_page("docs/intro")
    other = make_page("docs/other")
    from pages import edits

    edits.update_page(None, other.pk, edits.PagePatch(content="x"))
    foreign = PageHistory.objects.get(page_id=other.pk)
    client = key_with_rules(
        v2_key_for, group_with, "write:pages", rules=[rule(path="blog", roles=("write:pages",))]
    )
    before = world()

    def restore(client, page_id, version_id):
        return client(RESTORE, {"pageId": page_id, "versionId": version_id})

    assert status(restore(v2_admin, 999, foreign.legacy_id), "restore") == refused(
        dialect.PAGE_NOT_FOUND
    )
    assert status(restore(v2_admin, page.legacy_id, foreign.legacy_id), "restore") == refused(
        dialect.PAGE_NOT_FOUND
    )
    assert status(restore(v2_admin, page.legacy_id, 999), "restore") == refused(
        dialect.PAGE_NOT_FOUND
    )
    # Permission is checked before the version: an unknown version is still forbidden.
    assert status(restore(client, page.legacy_id, 999), "restore") == refused(
        dialect.PAGE_RESTORE_FORBIDDEN
    )
    assert world() == before


# --- no-ops ----------------------------------------------------------------------------------


def test_flush_cache_and_rebuild_tree_succeed_and_change_nothing(v2_admin_key):
    make_page()
    before = world()

    assert status(v2_admin_key(FLUSH), "flushCache") == (
        True,
        0,
        "ok",
        "Pages Cache has been flushed successfully.",
    )
    assert status(v2_admin_key(REBUILD), "rebuildTree") == (
        True,
        0,
        "ok",
        "Page tree rebuilt successfully.",
    )
    assert world() == before


def test_nested_mutations_run_in_document_order(v2_admin):
    page = make_page("docs/intro", title="Intro")

    r = v2_admin(
        "mutation ($id: Int!) { pages {"
        ' a: move(id: $id, destinationPath: "docs/one", destinationLocale: "en")'
        " { responseResult { succeeded } }"
        ' b: move(id: $id, destinationPath: "docs/two", destinationLocale: "en")'
        " { responseResult { succeeded } }"
        " } }",
        {"id": page.legacy_id},
    )

    assert r.data["pages"] == {
        "a": {"responseResult": {"succeeded": True}},
        "b": {"responseResult": {"succeeded": True}},
    }
    assert Page.objects.get(pk=page.pk).path == "docs/two"
