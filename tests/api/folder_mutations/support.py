"""What the folder mutation tests share: the wiki they start from, and helpers."""

from accounts import scopes
from pages.models import Page, PageHistory

from ..permission_support import assert_mutation_refused
from ..tree_support import RENAME_FOLDER, everything, folder_at

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
MANAGE, DELETE = scopes.MANAGE_PAGES, scopes.DELETE_PAGES
# Pages and folders below ``docs`` in en, decoys that only look related, and fr's own ``docs``.
EN_FOLDERS = ["docs", "docs/guide", "docs/guide/deep", "docs2", "team"]
EN_PAGES = {
    "docs": "Docs",
    "docs/intro": "Intro",
    "docs/guide/install": "Install",
    "docs/guide/deep/leaf": "Leaf",
    "docs2/other": "Other",
    "team/payroll": "Payroll",
}


def refused(thunk, field, key):
    """Call with a thunk so that the world is captured before the request runs."""
    before = everything()
    assert_mutation_refused(thunk(), field, key)
    assert everything() == before


def page_paths(locale="en") -> dict[str, str]:
    return dict(Page.objects.filter(locale=locale).values_list("path", "title"))


def moved_versions() -> dict[str, str]:
    """Archived path -> action, for every version written."""
    return dict(PageHistory.objects.values_list("path", "action"))


# Symbolic ids, resolved once the fixture exists.
def resolve(value, wiki, other_site_folder=None):
    if not isinstance(value, str) or not value.startswith("@"):
        return value
    name = value[1:]
    if name == "page":
        return str(wiki["intro"].pk)
    if name == "fr":
        return str(folder_at("docs", locale="fr").pk)
    if name == "other-site":
        return str(other_site_folder.pk)
    return str(folder_at(name).pk)


def folder_row(path, locale="en"):
    folder = folder_at(path, locale=locale)
    return (folder.folder_path, folder.file_name, folder.title, folder.locale, folder.depth)


def rename(client, folder, pathName, title="Title"):
    folder_id = folder if isinstance(folder, str) else str(folder.pk)
    return client(RENAME_FOLDER, {"folderId": folder_id, "pathName": pathName, "title": title})
