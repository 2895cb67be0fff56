"""The folders admin: create, rename, move, duplicate and delete through the folder services."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.utils.html import escape

from pages.models import HistoryAction, Page, PageHistory, TreeItem

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
from .page_admin_support import change_url, messages_of, service_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _root_administrator(admin):
    """Pages and folders made by a trusted operator are attributed to the root administrator."""


def _guides() -> TreeItem:
    """``guides`` (titled by its name, as made by the pages): a page, and ``setup`` holding two
    pages and the folder ``empty``."""
    service_page("guides/install", title="Install")
    service_page("guides/setup/linux", title="Linux")
    service_page("guides/setup/windows", title="Windows")
    service_folder("guides/setup/empty")
    return folder_at("guides")


def _assert_refused(response, field: str, key: str, before) -> None:
    assert response.status_code == 400
    errors = form_errors(response)
    assert list(errors) == [field]
    assert errors[field][0].startswith(f"{key}: ")
    assert escape(errors[field][0]) in response.content.decode()
    assert tree_state() == before


# --- Create -----------------------------------------------------------------------------------
def test_create_nested_folder_creates_the_missing_ancestors(admin_http):
    response = admin_http.post(
        ADD_FOLDER, add_data(parent_path="/Guides/Setup/", path_name="linux", title="Linux")
    )

    folder = folder_at("guides/setup/linux")
    assert response.status_code == 302
    assert response["Location"] == folder_url(folder)
    assert (folder.title, folder.depth, folder.folder_path) == ("Linux", 2, "guides/setup")
    assert list(TreeItem.objects.order_by("path").values_list("type", "path", "title")) == [
        ("folder", "guides", "guides"),
        ("folder", "guides/setup", "setup"),
        ("folder", "guides/setup/linux", "Linux"),
    ]
    assert LogEntry.objects.get(object_id=str(folder.pk)).action_flag == ADDITION
    assert messages_of(admin_http.get(response["Location"])) == [
        "Created the folder “guides/setup/linux”."
    ]


def test_add_form_takes_the_parent_from_the_folder_page_link(admin_http):
    guides = service_folder("guides")

    page = admin_http.get(folder_url(guides))
    form = admin_http.get(ADD_FOLDER, {"locale": "en", "parent_path": "guides"})

    assert 'id="folder-add-link"' in page.content.decode()
    assert form.status_code == 200
    assert form.context["form"]["parent_path"].value() == "guides"


@pytest.mark.parametrize(
    ("overrides", "field", "key"),
    [
        ({"path_name": "guides"}, "path_name", "ERR_FOLDER_DUPLICATE"),
        ({"path_name": "Has Space"}, "path_name", "ERR_INVALID_PATH"),
        ({"path_name": ""}, "path_name", "ERR_INVALID_PATH"),
        ({"path_name": "login"}, "path_name", "ERR_INVALID_PATH"),
        ({"parent_path": "bad parent!", "path_name": "x1"}, "parent_path", "ERR_INVALID_PATH"),
        ({"parent_path": "_hidden", "path_name": "x1"}, "parent_path", "ERR_INVALID_PATH"),
        ({"title": '<b>"bold"</b>', "path_name": "x1"}, "title", "ERR_FOLDER_TITLE_INVALID"),
        ({"title": "   ", "path_name": "x1"}, "title", "ERR_FOLDER_TITLE_INVALID"),
        ({"locale": "english", "path_name": "x1"}, "locale", "ERR_INVALID_INPUT"),
    ],
)
def test_create_refusals_are_form_errors_and_change_nothing(admin_http, overrides, field, key):
    service_folder("guides")
    before = tree_state()

    response = admin_http.post(ADD_FOLDER, add_data(**overrides))

    _assert_refused(response, field, key, before)


def test_duplicate_folder_message_is_in_plain_words(admin_http):
    service_folder("guides")

    response = admin_http.post(ADD_FOLDER, add_data())

    assert form_errors(response)["path_name"] == [
        "ERR_FOLDER_DUPLICATE: a folder already exists at this path."
    ]


# --- Rename -----------------------------------------------------------------------------------
def test_rename_title_only_keeps_every_path(admin_http):
    guides = _guides()
    pages_before = sorted(Page.objects.values_list("path", "updated_at"))

    response = admin_http.post(rename_url(guides), {"path_name": "guides", "title": "All guides"})

    assert response.status_code == 302
    assert response["Location"] == folder_url(guides)
    guides.refresh_from_db()
    assert (guides.path, guides.title) == ("guides", "All guides")
    assert sorted(Page.objects.values_list("path", "updated_at")) == pages_before
    assert not PageHistory.objects.exists()
    entry = LogEntry.objects.get(object_id=str(guides.pk), action_flag=CHANGE)
    assert entry.change_message == "Renamed “guides” (“guides”) to “guides” (“All guides”)."


def test_rename_with_a_new_name_repaths_everything_below(admin_http, admin):
    guides = _guides()
    moved_ids = set(Page.objects.values_list("pk", flat=True))

    response = admin_http.post(rename_url(guides), {"path_name": "manuals", "title": "Manuals"})

    assert response.status_code == 302
    guides.refresh_from_db()
    assert (guides.path, guides.file_name, guides.title) == ("manuals", "manuals", "Manuals")
    assert sorted(Page.objects.values_list("path", flat=True)) == [
        "manuals/install",
        "manuals/setup/linux",
        "manuals/setup/windows",
    ]
    assert sorted(TreeItem.objects.values_list("type", "path")) == [
        ("folder", "manuals"),
        ("folder", "manuals/setup"),
        ("folder", "manuals/setup/empty"),
        ("page", "manuals/install"),
        ("page", "manuals/setup/linux"),
        ("page", "manuals/setup/windows"),
    ]
    versions = PageHistory.objects.all()
    assert {version.page_id for version in versions} == moved_ids
    assert {(v.action, v.path.split("/")[0], tuple(v.affected_fields)) for v in versions} == {
        (HistoryAction.MOVED, "guides", ("path",))
    }
    assert set(Page.objects.values_list("author", flat=True)) == {admin.pk}
    assert "Renamed “guides” (“guides”) to “manuals” (“Manuals”)." in messages_of(
        admin_http.get(response["Location"])
    )


def _page_in_the_way(path: str) -> None:
    """A page at ``path`` whose folder has no tree item (written before the tree existed);
    the folders above that one stay."""
    service_page(path)
    TreeItem.objects.filter(type="folder", path=path.rpartition("/")[0]).delete()


@pytest.mark.parametrize(
    ("data", "field", "key"),
    [
        ({"path_name": "manuals"}, "path_name", "ERR_FOLDER_DUPLICATE"),
        ({"path_name": "Bad Name"}, "path_name", "ERR_INVALID_PATH"),
        ({"path_name": "login"}, "path_name", "ERR_INVALID_PATH"),
        ({"title": 'say "hi"'}, "title", "ERR_FOLDER_TITLE_INVALID"),
        ({"title": ""}, "title", "ERR_FOLDER_TITLE_INVALID"),
        ({"path_name": "taken"}, "__all__", "ERR_PAGE_DUPLICATE_PATH"),
    ],
)
def test_rename_refusals_are_form_errors_and_change_nothing(admin_http, data, field, key):
    guides = _guides()
    service_folder("manuals")
    _page_in_the_way("taken/install")
    before = tree_state()

    response = admin_http.post(rename_url(guides), {"path_name": "guides", "title": "G", **data})

    _assert_refused(response, field, key, before)
    assert not LogEntry.objects.exists()


# --- Move -------------------------------------------------------------------------------------
def test_move_to_another_folder_and_back_to_the_root(admin_http):
    guides = _guides()
    setup = folder_at("guides/setup")
    service_folder("archive")

    into = admin_http.post(move_folder_url(setup), {"parent_path": "archive"})
    setup.refresh_from_db()
    after_into = sorted(Page.objects.values_list("path", flat=True))
    to_root = admin_http.post(move_folder_url(setup), {"parent_path": ""})

    assert into.status_code == 302
    assert after_into == ["archive/setup/linux", "archive/setup/windows", "guides/install"]
    assert to_root.status_code == 302
    assert to_root["Location"] == folder_url(setup)
    setup.refresh_from_db()
    assert (setup.path, setup.depth, setup.title) == ("setup", 0, "setup")
    assert sorted(Page.objects.values_list("path", flat=True)) == [
        "guides/install",
        "setup/linux",
        "setup/windows",
    ]
    assert folder_at("setup/empty").depth == 1
    assert PageHistory.objects.filter(action=HistoryAction.MOVED).count() == 4
    assert TreeItem.objects.filter(pk=guides.pk).exists()
    assert list(
        LogEntry.objects.filter(object_id=str(setup.pk)).values_list("change_message", flat=True)
    ) == ["Moved “archive/setup” to “setup”.", "Moved “guides/setup” to “archive/setup”."]


@pytest.mark.parametrize(
    ("folder", "target", "field", "key"),
    [
        ("guides/setup", "guides/setup", "parent_path", "ERR_FOLDER_PARENT_INVALID"),
        ("guides", "guides/setup/empty", "parent_path", "ERR_FOLDER_PARENT_INVALID"),
        ("guides/setup", "nowhere", "parent_path", "ERR_FOLDER_PARENT_INVALID"),
        ("guides/setup", "Bad Path!", "parent_path", "ERR_INVALID_PATH"),
        ("guides/setup", "manuals", "__all__", "ERR_FOLDER_DUPLICATE"),
        ("guides/login", "", "parent_path", "ERR_INVALID_PATH"),
        ("guides/setup", "taken", "__all__", "ERR_PAGE_DUPLICATE_PATH"),
    ],
)
def test_move_refusals_are_form_errors_and_change_nothing(admin_http, folder, target, field, key):
    _guides()
    service_folder("guides/login")
    service_folder("manuals/setup")
    _page_in_the_way("taken/setup/linux")
    before = tree_state()

    response = admin_http.post(move_folder_url(folder_at(folder)), {"parent_path": target})

    _assert_refused(response, field, key, before)


# --- Duplicate --------------------------------------------------------------------------------
def test_duplicate_copies_folders_and_pages(admin_http, admin):
    _guides()
    setup = folder_at("guides/setup")
    service_folder("archive")

    form = admin_http.get(duplicate_url(setup))
    response = admin_http.post(
        duplicate_url(setup),
        {"parent_path": "archive", "path_name": "setup-2024", "title": "Setup in 2024"},
    )

    assert form.context["form"].initial == {
        "parent_path": "guides",
        "path_name": "setup-copy",
        "title": "setup (copy)",
    }
    copy = folder_at("archive/setup-2024")
    assert response.status_code == 302
    assert response["Location"] == folder_url(copy)
    assert copy.title == "Setup in 2024"
    assert folder_at("archive/setup-2024/empty").title == "Empty"
    copies = Page.objects.filter(path__startswith="archive/")
    assert sorted(copies.values_list("path", "title", "content")) == [
        ("archive/setup-2024/linux", "Linux", "# Guide\n\nFirst line.\nSecond line."),
        ("archive/setup-2024/windows", "Windows", "# Guide\n\nFirst line.\nSecond line."),
    ]
    assert set(copies.values_list("creator", flat=True)) == {admin.pk}
    assert Page.objects.filter(path__startswith="guides/setup/").count() == 2  # sources stay
    assert not PageHistory.objects.exists()
    assert LogEntry.objects.get(object_id=str(copy.pk)).action_flag == ADDITION


@pytest.mark.parametrize(
    ("data", "field", "key"),
    [
        ({"path_name": "setup"}, "path_name", "ERR_FOLDER_DUPLICATE"),
        ({"path_name": "No Way"}, "path_name", "ERR_INVALID_PATH"),
        ({"title": "<script>"}, "title", "ERR_FOLDER_TITLE_INVALID"),
        ({"parent_path": "guides/setup"}, "parent_path", "ERR_FOLDER_PARENT_INVALID"),
        ({"parent_path": "nowhere"}, "parent_path", "ERR_FOLDER_PARENT_INVALID"),
        ({"parent_path": "taken", "path_name": "setup"}, "__all__", "ERR_PAGE_DUPLICATE_PATH"),
    ],
)
def test_duplicate_refusals_are_form_errors_and_change_nothing(admin_http, data, field, key):
    _guides()
    _page_in_the_way("taken/setup/linux")
    before = tree_state()
    form = {"parent_path": "guides", "path_name": "copy", "title": "Copy", **data}

    response = admin_http.post(duplicate_url(folder_at("guides/setup")), form)

    _assert_refused(response, field, key, before)


# --- Delete -----------------------------------------------------------------------------------
def test_delete_confirms_with_the_counts_then_deletes_and_keeps_history(admin_http):
    guides = _guides()
    other = service_page("other")

    confirm = admin_http.get(delete_folder_url(guides))
    assert confirm.status_code == 200
    assert (confirm.context["pages_below"], confirm.context["folders_below"]) == (3, 2)
    summary = " ".join(confirm.content.decode().split())
    assert "This deletes <strong>3 pages</strong> and <strong>2 folders</strong> below it" in (
        summary
    )
    assert TreeItem.objects.filter(pk=guides.pk).exists()  # asking deletes nothing

    response = admin_http.post(delete_folder_url(guides), {"post": "yes"}, follow=True)

    assert response.redirect_chain == [(TREE, 302)]
    assert messages_of(response) == [
        "Deleted the folder “guides” with 3 page(s) and 2 folder(s) below it."
    ]
    assert list(Page.objects.values_list("pk", flat=True)) == [other.pk]
    assert list(TreeItem.objects.values_list("path", flat=True)) == ["other"]
    assert sorted(PageHistory.objects.values_list("path", "action")) == [
        ("guides/install", "deleted"),
        ("guides/setup/linux", "deleted"),
        ("guides/setup/windows", "deleted"),
    ]
    assert LogEntry.objects.get(object_id=str(guides.pk)).action_flag == DELETION


def test_delete_of_a_subfolder_returns_to_its_parent(admin_http):
    guides = _guides()

    response = admin_http.post(delete_folder_url(folder_at("guides/setup")), {"post": "yes"})

    assert response["Location"] == folder_url(guides)
    assert sorted(TreeItem.objects.values_list("path", flat=True)) == ["guides", "guides/install"]


# --- The list and the folder page -------------------------------------------------------------
def test_changelist_lists_folders_and_pages_with_their_links(admin_http):
    guides = _guides()
    install = Page.objects.get(path="guides/install")

    response = admin_http.get(TREE)
    folders = admin_http.get(TREE, {"type__exact": "folder", "q": "setup"})

    text = response.content.decode()
    assert f'<a href="{folder_url(guides)}">guides</a>' in text
    assert f'<a href="{change_url(install)}">guides/install</a>' in text
    counts = {item.path: item.children_count for item in response.context["cl"].result_list}
    assert (counts["guides"], counts["guides/setup"], counts["guides/setup/empty"]) == (2, 3, 0)
    assert [item.path for item in folders.context["cl"].result_list] == [
        "guides/setup",
        "guides/setup/empty",
    ]
    for name in ("type__exact", "locale"):
        assert f"?{name}=" in text, name


def test_folder_page_shows_ancestors_children_and_actions(admin_http):
    _guides()
    setup = folder_at("guides/setup")
    linux = Page.objects.get(path="guides/setup/linux")

    response = admin_http.get(folder_url(setup))

    text = response.content.decode()
    assert response.status_code == 200
    assert [child.path for child in response.context["children"]] == [
        "guides/setup/empty",
        "guides/setup/linux",
        "guides/setup/windows",
    ]
    assert response.context["ancestors"] == [("guides", folder_url(folder_at("guides")))]
    assert f'href="{folder_url(folder_at("guides/setup/empty"))}">empty/</a>' in text
    assert f'href="{change_url(linux)}">linux</a>' in text
    for action in ("add", "rename", "move", "duplicate", "delete"):
        assert f'id="folder-{action}-link"' in text, action


def test_a_page_item_leads_to_the_page_admin(admin_http):
    page = service_page("guides/install")

    response = admin_http.get(folder_url(TreeItem.objects.get(pk=page.pk)))
    rename = admin_http.post(rename_url(page), {"path_name": "x", "title": "X"})

    assert response.status_code == 302
    assert response["Location"] == change_url(page)
    assert rename.status_code == 403
    assert Page.objects.get(pk=page.pk).path == "guides/install"
