"""Pages and database snapshots shared by the tests of updatePage, movePage, deletePage,
restorePage, rerenderPage and the history queries."""

from __future__ import annotations

from pages import services
from pages.models import Page, PageHistory, PageTag, Tag
from tests.factories import default_site

from .permission_support import snapshot


def make_page(path: str = "docs/intro", *, tags=("alpha", "beta"), **fields) -> Page:
    """A page created through the real service (tags linked and counted, content rendered)."""
    data = services.PageInput(
        site_id=default_site().pk,
        locale=fields.pop("locale", "en"),
        path=path,
        title=fields.pop("title", "Intro"),
        description=fields.pop("description", "About"),
        content=fields.pop("content", "# Intro\n\nHello."),
        editor=fields.pop("editor", "markdown"),
        publish_state=fields.pop("publish_state", "published"),
        tags=list(tags),
        **fields,
    )
    return services.create_page(None, data)


def page_row(page_id) -> dict:
    return Page.objects.filter(pk=page_id).values().get()


def world() -> dict:
    """Everything a refused page operation must leave as it was, rows included."""
    return {
        **snapshot(),
        "pages": list(Page.objects.order_by("pk").values()),
        "versions": list(PageHistory.objects.order_by("pk").values()),
        "tags": list(Tag.objects.order_by("tag").values_list("tag", "usage_count")),
        "links": sorted(PageTag.objects.values_list("page_id", "tag__tag")),
    }


def usage() -> dict[str, int]:
    return dict(Tag.objects.values_list("tag", "usage_count"))


def linked(page_id) -> set[str]:
    return set(PageTag.objects.filter(page_id=page_id).values_list("tag__tag", flat=True))
