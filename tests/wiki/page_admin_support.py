"""Helpers of the pages admin tests: URLs, form data, pages made by the real services."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from pages.models import Page
from pages.services import PageInput, create_page
from tests.factories import default_site, rule

CHANGELIST = reverse("admin:pages_page_changelist")
ADD = reverse("admin:pages_page_add")


def change_url(page) -> str:
    return reverse("admin:pages_page_change", args=[page.pk])


def delete_url(page) -> str:
    return reverse("admin:pages_page_delete", args=[page.pk])


def versions_url(page) -> str:
    return reverse("admin:pages_page_versions", args=[page.pk])


def restore_url(page, version) -> str:
    return reverse("admin:pages_page_restore", args=[page.pk, version.pk])


def move_url(page) -> str:
    return reverse("admin:pages_page_move", args=[page.pk])


def service_page(path: str = "guide", *, author=None, **fields) -> Page:
    """A page made by ``create_page`` (tree item, tags, render), by a trusted operator."""
    values = {
        "site_id": default_site().pk,
        "locale": "en",
        "path": path,
        "title": "Guide",
        "description": "How to",
        "content": "# Guide\n\nFirst line.\nSecond line.",
        "editor": "markdown",
        "publish_state": "published",
        "tags": ["one", "two"],
        **fields,
    }
    page = create_page(None, PageInput(**values))
    if author is not None:
        Page.objects.filter(pk=page.pk).update(author=author, creator=author, owner=author)
        page.refresh_from_db()
    return page


def create_data(**overrides) -> dict:
    """What the add form posts; dates are split in a date and a time box."""
    data = {
        "site": str(default_site().pk),
        "locale": "en",
        "path": "guides/install",
        "editor": "markdown",
        "title": "Installing",
        "description": "Step by step",
        "icon": "",
        "alias": "install",
        "tags": "Setup, guide",
        "content": "# Install\r\n\r\nRun **it**.",
        "publish_state": "published",
        "publish_start_date_0": "",
        "publish_start_date_1": "",
        "publish_end_date_0": "",
        "publish_end_date_1": "",
        "script_css": "",
        "script_js_load": "",
        "script_js_unload": "",
    }
    data.update(overrides)
    return data


def _split(value) -> tuple[str, str]:
    return (value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")) if value else ("", "")


def edit_data(page: Page, **overrides) -> dict:
    """What the change form posts when nothing is touched, as a browser sends it (CRLF)."""
    start, end = _split(page.publish_start_date), _split(page.publish_end_date)
    scripts = page.scripts or {}
    data = {
        "title": page.title,
        "description": page.description,
        "icon": page.icon,
        "alias": page.alias or "",
        "tags": ", ".join(page.tags),
        "content": page.content.replace("\n", "\r\n"),
        "publish_state": page.publish_state,
        "publish_start_date_0": start[0],
        "publish_start_date_1": start[1],
        "publish_end_date_0": end[0],
        "publish_end_date_1": end[1],
        "script_css": scripts.get("css", ""),
        "script_js_load": scripts.get("jsLoad", ""),
        "script_js_unload": scripts.get("jsUnload", ""),
        "reason_for_change": "",
    }
    data.update(overrides)
    return data


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def docs_writer_rules(*roles: str) -> list[dict]:
    """Rules letting a group do ``roles`` under ``docs`` only."""
    return [rule(path="docs", roles=roles, name="docs")]
