"""Helpers of the folders admin tests: URLs, folders made by the real services, tree snapshots."""

from __future__ import annotations

from django.urls import reverse

from pages.folders import create_folder
from pages.models import Page, PageHistory, TreeItem
from tests.factories import default_site

TREE = reverse("admin:pages_treeitem_changelist")
ADD_FOLDER = reverse("admin:pages_treeitem_add")


def folder_url(item) -> str:
    return reverse("admin:pages_treeitem_change", args=[item.pk])


def rename_url(folder) -> str:
    return reverse("admin:pages_treeitem_rename", args=[folder.pk])


def move_folder_url(folder) -> str:
    return reverse("admin:pages_treeitem_move", args=[folder.pk])


def duplicate_url(folder) -> str:
    return reverse("admin:pages_treeitem_duplicate", args=[folder.pk])


def delete_folder_url(folder) -> str:
    return reverse("admin:pages_treeitem_delete", args=[folder.pk])


def service_folder(path: str, title: str | None = None) -> TreeItem:
    """A folder made by ``create_folder`` as a trusted operator (ancestors created too)."""
    parent, _, name = path.rpartition("/")
    return create_folder(
        None, default_site().pk, "en", name, title or name.title(), parent_path=parent
    )


def folder_at(path: str) -> TreeItem:
    return TreeItem.objects.get(type="folder", path=path)


def add_data(**overrides) -> dict:
    data = {
        "site": str(default_site().pk),
        "locale": "en",
        "parent_path": "",
        "path_name": "guides",
        "title": "Guides",
    }
    data.update(overrides)
    return data


def tree_state() -> tuple:
    """Everything a folder operation may change: items, pages and history."""
    items = sorted(TreeItem.objects.values_list("type", "path", "title", "updated_at"))
    pages = sorted(Page.objects.values_list("pk", "path", "title", "updated_at"))
    return items, pages, PageHistory.objects.count()


def form_errors(response) -> dict:
    return response.context["form"].errors
