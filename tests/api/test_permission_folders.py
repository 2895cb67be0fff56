"""Permissions of the tree and the folder operations (API.md §3.4, §3.5, §4.2).

A matrix per operation over every caller kind, then the page rules that matter for folders:
DENY subtrees, FORCEALLOW, TAG/TAGALL and REGEX rules, and for rename/move both the old and the
new place of the folder and of every page below it.
"""

import pytest

from accounts import scopes
from accounts.models import GUESTS_GROUP_ID, USERS_GROUP_ID, Group
from pages.models import Page
from tests.factories import rule

from .page_edit_support import make_page
from .permission_support import (
    KINDS,
    REFUSED,
    assert_mutation_refused,
    assert_mutation_succeeded,
    assert_query_refused,
)
from .tree_support import (
    CREATE_FOLDER,
    DELETE_FOLDER,
    DUPLICATE_FOLDER,
    FOLDER_BY_ID,
    FOLDER_BY_PATH,
    MOVE_FOLDER,
    RENAME_FOLDER,
    everything,
    folder_at,
    folders,
    listed,
    site_id,
    tree,
)

pytestmark = pytest.mark.django_db

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
MANAGE, DELETE = scopes.MANAGE_PAGES, scopes.DELETE_PAGES


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator, as by an operator."""


@pytest.fixture
def wiki():
    """Lowercase titles, so that the order of a listing depends on no collation."""
    return {
        "intro": make_page("docs/intro", title="intro", tags=("alpha",)),
        "install": make_page("docs/guide/install", title="install", tags=("beta",)),
        "draft": make_page("docs/draft", title="draft", tags=(), publish_state="draft"),
        "payroll": make_page("team/payroll", title="payroll", tags=()),
        "team-draft": make_page("team/draft", title="team draft", tags=(), publish_state="draft"),
    }


def refused(thunk, field, key):
    before = everything()
    assert_mutation_refused(thunk(), field, key)
    assert everything() == before


def _id(folder) -> str:
    return str(folder.pk)


# --- tree -------------------------------------------------------------------------------------
READ_ALL_WRITE_DOCS = [rule(roles=[READ]), rule(path="docs", roles=[WRITE])]
PUBLISHED_TREE = [
    "docs/",
    "team/",
    "docs/guide/",
    "docs/intro",
    "team/payroll",
    "docs/guide/install",
]
WITH_DOCS_DRAFT = ["docs/", "team/", "docs/draft", *PUBLISHED_TREE[2:]]
EXPECTED_TREE = {
    "guest": [],
    "user": PUBLISHED_TREE,
    "user_with": WITH_DOCS_DRAFT,
    "key_without": PUBLISHED_TREE,
    "key_with": WITH_DOCS_DRAFT,
    "admin": [*WITH_DOCS_DRAFT[:6], "team/draft", "docs/guide/install"],
}


@pytest.mark.parametrize("kind", KINDS)
def test_tree(kind, as_caller, wiki):
    client = as_caller(kind, rules=READ_ALL_WRITE_DOCS)
    assert listed(tree(client, locale="en", depth=10)) == EXPECTED_TREE[kind]


def test_tree_for_guests_follows_the_guests_group(wiki, anonymous):
    Group.objects.filter(pk=GUESTS_GROUP_ID).update(
        rules=[rule(roles=[READ]), rule("DENY", "START", "team")]
    )
    assert listed(tree(anonymous, locale="en", depth=10)) == [
        "docs/",
        "docs/guide/",
        "docs/intro",
        "docs/guide/install",
    ]


def test_tree_with_regex_and_forceallow_rules(wiki, make_user, client_for, group_with):
    Group.objects.filter(pk=USERS_GROUP_ID).update(rules=[])
    regex = client_for(make_user(groups=[group_with(rules=[rule(match="REGEX", path="^docs")])]))
    assert listed(tree(regex, locale="en", depth=10)) == [
        "docs/",
        "docs/guide/",
        "docs/intro",
        "docs/guide/install",
    ]
    forced = client_for(
        make_user(
            groups=[
                group_with(rules=[rule("DENY", "START", "docs")]),
                group_with(rules=[rule("FORCEALLOW", "START", "docs/guide")]),
            ]
        )
    )
    assert listed(tree(forced, locale="en", depth=10)) == ["docs/guide/", "docs/guide/install"]


# --- folderById / folderByPath ----------------------------------------------------------------
@pytest.fixture
def team_denied_to_users(wiki):
    """Users read everything but ``team``; the granting group may read ``team`` exactly."""
    Group.objects.filter(pk=USERS_GROUP_ID).update(
        rules=[rule(roles=[READ]), rule("DENY", "START", "team")]
    )


# The Limited group of key_without reads everywhere and is not in Users: it may read team.
FOLDER_READ_REFUSED = {"guest": "ERR_NOT_AUTHENTICATED", "user": "ERR_FORBIDDEN"}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", ["folderById", "folderByPath"])
def test_folder_reads(kind, field, as_caller, team_denied_to_users):
    client = as_caller(kind, rules=[rule(match="EXACT", path="team")])
    team = folder_at("team")
    if field == "folderById":
        r = client(FOLDER_BY_ID, {"id": _id(team)})
    else:
        r = client(FOLDER_BY_PATH, {"siteId": site_id(), "locale": "en", "path": "team"})
    if kind in FOLDER_READ_REFUSED:
        assert_query_refused(r, field, FOLDER_READ_REFUSED[kind])
        return
    assert r.errors == [], r.body
    assert (r.data[field]["id"], r.data[field]["title"]) == (_id(team), "team")


def test_folder_reads_ignore_tag_rules(wiki, make_user, client_for, group_with):
    """A folder carries no tags: a TAG rule neither opens nor closes it."""
    Group.objects.filter(pk=USERS_GROUP_ID).update(rules=[])
    tagged = client_for(make_user(groups=[group_with(rules=[rule(match="TAG", path="alpha")])]))
    r = tagged(FOLDER_BY_ID, {"id": _id(folder_at("docs"))})
    assert_query_refused(r, "folderById", "ERR_FORBIDDEN")
    Group.objects.filter(pk=USERS_GROUP_ID).update(
        rules=[rule(roles=[READ]), rule("DENY", "TAG", "alpha")]
    )
    assert tagged(FOLDER_BY_ID, {"id": _id(folder_at("docs"))}).errors == []


# --- createFolder -----------------------------------------------------------------------------
def create(client, path_name, parent_path=None):
    variables = {"siteId": site_id(), "locale": "en", "pathName": path_name, "title": "New"}
    if parent_path is not None:
        variables["parentPath"] = parent_path
    return client(CREATE_FOLDER, variables)


@pytest.mark.parametrize("kind", KINDS)
def test_create_folder(kind, as_caller, wiki):
    client = as_caller(kind, rules=[rule(path="docs", roles=[WRITE])])
    if kind in REFUSED:
        refused(lambda: create(client, "new", "docs"), "createFolder", REFUSED[kind])
        return
    assert_mutation_succeeded(create(client, "new", "docs"), "createFolder")
    assert "docs/new" in folders()


def test_create_folder_rules(wiki, client_with):
    subtree = client_with(
        rules=[rule(roles=[WRITE]), rule("DENY", "START", "docs/private", roles=[WRITE])]
    )
    refused(lambda: create(subtree, "private", "docs"), "createFolder", "ERR_FORBIDDEN")
    # START is a plain prefix: docs/private2 is inside the denied subtree too.
    refused(lambda: create(subtree, "private2", "docs"), "createFolder", "ERR_FORBIDDEN")
    assert_mutation_succeeded(create(subtree, "public", "docs"), "createFolder")
    regex = client_with(rules=[rule(match="REGEX", path="^docs/[a-z]+$", roles=[WRITE])])
    assert_mutation_succeeded(create(regex, "abc", "docs"), "createFolder")
    refused(lambda: create(regex, "def", "docs/abc"), "createFolder", "ERR_FORBIDDEN")
    refused(lambda: create(regex, "d-1", "docs"), "createFolder", "ERR_FORBIDDEN")
    # Tag rules never match a folder.
    tagged = client_with(rules=[rule(match="TAG", path="alpha", roles=[WRITE])])
    refused(lambda: create(tagged, "tagged", "docs"), "createFolder", "ERR_FORBIDDEN")
    forced = client_with(
        rules=[rule("DENY", "START", "docs", roles=[WRITE]), rule("FORCEALLOW", path="docs/x")]
    )
    refused(lambda: create(forced, "x", "docs"), "createFolder", "ERR_FORBIDDEN")  # read only
    forced = client_with(
        rules=[
            rule("DENY", "START", "docs", roles=[WRITE]),
            rule("FORCEALLOW", "START", "docs/x", roles=[WRITE]),
        ]
    )
    assert_mutation_succeeded(create(forced, "x", "docs"), "createFolder")


# --- renameFolder -----------------------------------------------------------------------------
def rename(client, path, path_name, title="Title"):
    variables = {"folderId": _id(folder_at(path)), "pathName": path_name, "title": title}
    return client(RENAME_FOLDER, variables)


@pytest.mark.parametrize("kind", KINDS)
def test_rename_folder(kind, as_caller, wiki):
    client = as_caller(kind, rules=[rule(path="docs", roles=[MANAGE, WRITE])])
    if kind in REFUSED:
        refused(lambda: rename(client, "docs/guide", "howto"), "renameFolder", REFUSED[kind])
        return
    assert_mutation_succeeded(rename(client, "docs/guide", "howto"), "renameFolder")
    assert Page.objects.get(pk=wiki["install"].pk).path == "docs/howto/install"


@pytest.mark.parametrize("kind", KINDS)
def test_rename_title_only(kind, as_caller, wiki):
    client = as_caller(kind, rules=[rule(path="docs", roles=[WRITE])])
    if kind in REFUSED:
        refused(lambda: rename(client, "docs/guide", "guide", "G"), "renameFolder", REFUSED[kind])
        return
    assert_mutation_succeeded(rename(client, "docs/guide", "guide", "G"), "renameFolder")
    assert folder_at("docs/guide").title == "G"


def test_rename_title_needs_write_not_manage(wiki, client_with):
    writer = client_with(rules=[rule(path="docs", roles=[WRITE])])
    refused(lambda: rename(writer, "docs/guide", "howto"), "renameFolder", "ERR_FORBIDDEN")
    manager = client_with(rules=[rule(path="docs", roles=[MANAGE])])
    refused(lambda: rename(manager, "docs/guide", "guide", "G"), "renameFolder", "ERR_FORBIDDEN")
    refused(lambda: rename(manager, "docs/guide", "howto"), "renameFolder", "ERR_FORBIDDEN")


def test_rename_needs_manage_at_every_page_below(wiki, client_with):
    client = client_with(
        rules=[
            rule(path="docs", roles=[MANAGE, WRITE]),
            rule("DENY", "EXACT", "docs/guide/install", roles=[MANAGE]),
        ]
    )
    refused(lambda: rename(client, "docs/guide", "howto"), "renameFolder", "ERR_FORBIDDEN")
    # Another folder, whose page may be managed, is fine.
    make_page("docs/other/page", title="p", tags=())
    assert_mutation_succeeded(rename(client, "docs/other", "others"), "renameFolder")


def test_rename_needs_write_at_every_new_place(wiki, client_with):
    # The page below carries "beta": write is refused there by tag.
    tagged = client_with(
        rules=[rule(path="docs", roles=[MANAGE, WRITE]), rule("DENY", "TAG", "beta", roles=[WRITE])]
    )
    refused(lambda: rename(tagged, "docs/guide", "howto"), "renameFolder", "ERR_FORBIDDEN")
    # The new folder path falls in a denied subtree.
    subtree = client_with(
        rules=[
            rule(roles=[MANAGE, WRITE]),
            rule("DENY", "START", "docs/secret", roles=[WRITE]),
        ]
    )
    refused(lambda: rename(subtree, "docs/guide", "secret"), "renameFolder", "ERR_FORBIDDEN")
    # Write at the new place only for the folder, not for the page below (EXACT rule).
    exact = client_with(
        rules=[
            rule(path="docs/guide", roles=[MANAGE]),
            rule(match="EXACT", path="docs/howto", roles=[WRITE]),
        ]
    )
    refused(lambda: rename(exact, "docs/guide", "howto"), "renameFolder", "ERR_FORBIDDEN")


def test_rename_with_regex_and_forceallow(wiki, client_with):
    regex = client_with(
        rules=[rule(match="REGEX", path="^docs/(guide|howto)", roles=[MANAGE, WRITE])]
    )
    refused(lambda: rename(regex, "docs/guide", "other"), "renameFolder", "ERR_FORBIDDEN")
    assert_mutation_succeeded(rename(regex, "docs/guide", "howto"), "renameFolder")
    forced = client_with(
        rules=[
            rule(path="docs", roles=[WRITE]),
            rule("DENY", "START", "docs", roles=[MANAGE]),
            rule("FORCEALLOW", "START", "docs/howto", roles=[MANAGE]),
        ]
    )
    assert_mutation_succeeded(rename(forced, "docs/howto", "guide"), "renameFolder")
    assert Page.objects.get(pk=wiki["install"].pk).path == "docs/guide/install"


# --- moveFolder -------------------------------------------------------------------------------
def move(client, path, target):
    target_id = None if target is None else _id(folder_at(target))
    return client(MOVE_FOLDER, {"folderId": _id(folder_at(path)), "targetParentId": target_id})


@pytest.mark.parametrize("kind", KINDS)
def test_move_folder(kind, as_caller, wiki):
    client = as_caller(
        kind, rules=[rule(path="docs", roles=[MANAGE]), rule(path="team", roles=[WRITE])]
    )
    if kind in REFUSED:
        refused(lambda: move(client, "docs/guide", "team"), "moveFolder", REFUSED[kind])
        return
    assert_mutation_succeeded(move(client, "docs/guide", "team"), "moveFolder")
    assert Page.objects.get(pk=wiki["install"].pk).path == "team/guide/install"


def test_move_needs_manage_at_the_source_and_write_at_the_target(wiki, client_with):
    write_only = client_with(rules=[rule(roles=[WRITE])])
    refused(lambda: move(write_only, "docs/guide", "team"), "moveFolder", "ERR_FORBIDDEN")
    manage_only = client_with(rules=[rule(roles=[MANAGE])])
    refused(lambda: move(manage_only, "docs/guide", "team"), "moveFolder", "ERR_FORBIDDEN")
    refused(lambda: move(manage_only, "docs/guide", None), "moveFolder", "ERR_FORBIDDEN")
    # Write at the target folder but not at the page's new place.
    page_denied = client_with(
        rules=[
            rule(roles=[MANAGE, WRITE]),
            rule("DENY", "EXACT", "team/guide/install", roles=[WRITE]),
        ]
    )
    refused(lambda: move(page_denied, "docs/guide", "team"), "moveFolder", "ERR_FORBIDDEN")
    # Manage denied for the page below by its tag.
    tag_denied = client_with(
        rules=[rule(roles=[MANAGE, WRITE]), rule("DENY", "TAGALL", "beta", roles=[MANAGE])]
    )
    refused(lambda: move(tag_denied, "docs/guide", "team"), "moveFolder", "ERR_FORBIDDEN")
    allowed = client_with(rules=[rule(roles=[MANAGE, WRITE])])
    assert_mutation_succeeded(move(allowed, "docs/guide", None), "moveFolder")
    assert Page.objects.get(pk=wiki["install"].pk).path == "guide/install"


# --- duplicateFolder --------------------------------------------------------------------------
def duplicate(client, path, target, path_name="copy"):
    variables = {
        "folderId": _id(folder_at(path)),
        "targetParentId": None if target is None else _id(folder_at(target)),
        "targetPathName": path_name,
        "targetTitle": "Copy",
    }
    return client(DUPLICATE_FOLDER, variables)


@pytest.mark.parametrize("kind", KINDS)
def test_duplicate_folder(kind, as_caller, wiki):
    # read:source too: a copy hands the pages' source to the caller (docs/api.md).
    client = as_caller(
        kind, rules=[rule(roles=[READ, "read:source"]), rule(path="team", roles=[WRITE])]
    )
    if kind in REFUSED:
        refused(lambda: duplicate(client, "docs/guide", "team"), "duplicateFolder", REFUSED[kind])
        return
    assert_mutation_succeeded(duplicate(client, "docs/guide", "team"), "duplicateFolder")
    assert Page.objects.filter(path="team/copy/install").count() == 1


def test_duplicate_needs_read_at_every_source_and_write_at_every_destination(wiki, client_with):
    unreadable = client_with(
        rules=[rule(roles=[WRITE]), rule("DENY", "EXACT", "docs/guide/install")]
    )
    refused(lambda: duplicate(unreadable, "docs/guide", "team"), "duplicateFolder", "ERR_FORBIDDEN")
    tag_denied = client_with(
        rules=[rule(roles=[WRITE]), rule("DENY", "TAG", "beta", roles=[WRITE])]
    )
    refused(lambda: duplicate(tag_denied, "docs/guide", "team"), "duplicateFolder", "ERR_FORBIDDEN")
    folder_only = client_with(rules=[rule(match="EXACT", path="team/copy", roles=[WRITE])])
    refused(
        lambda: duplicate(folder_only, "docs/guide", "team"), "duplicateFolder", "ERR_FORBIDDEN"
    )
    # Reading a page is not reading its source, which the copy would hand over.
    no_source = client_with(rules=[rule(roles=[READ]), rule(path="team", roles=[WRITE])])
    refused(lambda: duplicate(no_source, "docs/guide", "team"), "duplicateFolder", "ERR_FORBIDDEN")
    # An unpublished page below is copied only by a caller who may see it.
    make_page("docs/guide/hidden", title="hidden", tags=(), publish_state="draft")
    reader = client_with(rules=[rule(path="team", roles=[WRITE])])
    refused(lambda: duplicate(reader, "docs/guide", "team"), "duplicateFolder", "ERR_FORBIDDEN")
    writer = client_with(rules=[rule(roles=[WRITE])])
    assert_mutation_succeeded(duplicate(writer, "docs/guide", "team"), "duplicateFolder")
    assert sorted(
        Page.objects.filter(path__startswith="team/copy").values_list("path", flat=True)
    ) == [
        "team/copy/hidden",
        "team/copy/install",
    ]


# --- deleteFolder -----------------------------------------------------------------------------
def delete(client, path):
    return client(DELETE_FOLDER, {"folderId": _id(folder_at(path))})


@pytest.mark.parametrize("kind", KINDS)
def test_delete_folder(kind, as_caller, wiki):
    client = as_caller(kind, rules=[rule(path="docs", roles=[DELETE])])
    if kind in REFUSED:
        refused(lambda: delete(client, "docs"), "deleteFolder", REFUSED[kind])
        return
    assert_mutation_succeeded(delete(client, "docs"), "deleteFolder")
    assert sorted(Page.objects.values_list("path", flat=True)) == ["team/draft", "team/payroll"]
    assert folders() == ["team"]


def test_delete_needs_delete_at_every_page_below(wiki, client_with):
    subtree = client_with(
        rules=[
            rule(path="docs", roles=[DELETE]),
            rule("DENY", "START", "docs/guide", roles=[DELETE]),
        ]
    )
    refused(lambda: delete(subtree, "docs"), "deleteFolder", "ERR_FORBIDDEN")
    tagged = client_with(
        rules=[rule(path="docs", roles=[DELETE]), rule("DENY", "TAG", "beta", roles=[DELETE])]
    )
    refused(lambda: delete(tagged, "docs"), "deleteFolder", "ERR_FORBIDDEN")
    # The unpublished page below counts too.
    drafts = client_with(
        rules=[
            rule(path="docs", roles=[DELETE]),
            rule("DENY", "EXACT", "docs/draft", roles=[DELETE]),
        ]
    )
    refused(lambda: delete(drafts, "docs"), "deleteFolder", "ERR_FORBIDDEN")


def test_delete_needs_delete_at_the_folder_itself(wiki, client_with):
    # Tag rules cover both pages below docs/guide... but never the folder.
    tags_only = client_with(rules=[rule(match="TAG", path="alpha beta", roles=[DELETE])])
    refused(lambda: delete(tags_only, "docs/guide"), "deleteFolder", "ERR_FORBIDDEN")
    pages_only = client_with(rules=[rule(match="EXACT", path="docs/guide/install", roles=[DELETE])])
    refused(lambda: delete(pages_only, "docs/guide"), "deleteFolder", "ERR_FORBIDDEN")


def test_delete_with_tagall_regex_and_forceallow(wiki, client_with):
    tagall = client_with(
        rules=[
            rule(path="docs", roles=[DELETE]),
            rule("DENY", "TAGALL", "alpha beta", roles=[DELETE]),  # no page has both
        ]
    )
    assert_mutation_succeeded(delete(tagall, "docs/guide"), "deleteFolder")
    make_page("docs/guide/install", title="install", tags=("beta",))
    forced = client_with(
        rules=[
            rule(path="docs", roles=[DELETE]),
            rule("DENY", "EXACT", "docs/guide/install", roles=[DELETE]),
            rule("FORCEALLOW", "TAG", "beta", roles=[DELETE]),
        ]
    )
    assert_mutation_succeeded(delete(forced, "docs/guide"), "deleteFolder")
    regex = client_with(rules=[rule(match="REGEX", path="^team(/|$)", roles=[DELETE])])
    assert_mutation_succeeded(delete(regex, "team"), "deleteFolder")
    assert sorted(Page.objects.values_list("path", flat=True)) == ["docs/draft", "docs/intro"]
