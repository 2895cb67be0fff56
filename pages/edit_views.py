"""The editor at ``/e/<locale>/<path>``: edit a page, or create one where none exists yet.

A plain form (it works with JavaScript off) saved through the services of ``createPage`` and
``updatePage``, so the editor allows, refuses and validates exactly what the API does for the
same person. It adds one thing the API leaves to its clients: no edit is lost silently. The form
carries the version it started from (the page's ``updated_at``, to the microsecond), and
``update_page`` compares it on the locked row; when someone else saved in between, the save is
refused and the editor shows their version beside the writer's kept text (``#edit-conflict``).
A create that finds a page already there is the same conflict. A refused save never redirects:
the writer's text always comes back in the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts import scopes
from wiki.errors import DomainError, ErrorKey
from wiki.text import uuid_or_none

from . import validation as v
from .browser import Target, Visit, action_url, forbidden, page_url, render, split_target, visit
from .content_policy import with_content_policy
from .edits import PagePatch, StaleVersion, update_page
from .lookup import HOME
from .models import Page
from .rendering import render as render_content
from .services import PageInput, create_page

TEMPLATE = "pages/editor.html"
NEW_PAGE_EDITOR = "markdown"  # the editor's text area is Markdown
NEW_PAGE_STATE = "published"  # as Wiki.js publishes a new page

# What each refusal means, in the editor's words (the key is shown with it).
MEANINGS = {
    ErrorKey.NOT_AUTHENTICATED: "Please sign in first: guests may not write here.",
    ErrorKey.FORBIDDEN: "Your groups' page rules do not allow writing a page here.",
    ErrorKey.PAGE_UPDATE_FORBIDDEN: "Your groups' page rules do not allow editing this page.",
    ErrorKey.INVALID_PATH: (
        "This address cannot hold a page. A page path is made of segments of lowercase letters, "
        "digits, '-' and '_' joined by single '/'; its first segment has at least two "
        "characters, does not start with '_', does not look like a locale code (such as 'en' or "
        "'pt-br') and is not a word the wiki's own addresses use (such as 'login' or 'admin')."
    ),
    ErrorKey.PAGE_TITLE_MISSING: "Give the page a title.",
    ErrorKey.PAGE_DUPLICATE_PATH: "A page already exists at this address.",
    ErrorKey.PAGE_NOT_FOUND: (
        "This page was deleted since you began editing. Your text is kept below: saving creates "
        "the page again at this address."
    ),
}
# ERR_INVALID_INPUT covers several fields; the service's detail names the one at fault.
INVALID_INPUT_MEANINGS = (
    ("title", "The title is longer than 255 characters."),
    ("description", "The description is longer than 255 characters."),
    ("tag", "A tag holds only lowercase letters, digits, '-' and CJK ideographs (at most 255)."),
    ("content", "Write some text: a page cannot be empty."),
    ("locale", "This address names no valid locale."),
)
REFUSAL_STATUS = {
    ErrorKey.NOT_AUTHENTICATED: 403,
    ErrorKey.FORBIDDEN: 403,
    ErrorKey.PAGE_UPDATE_FORBIDDEN: 403,
    ErrorKey.PAGE_DUPLICATE_PATH: 409,
    ErrorKey.PAGE_NOT_FOUND: 409,
}


@dataclass(frozen=True)
class Problem:
    key: str
    message: str


def problem_for(error: DomainError) -> Problem:
    message = MEANINGS.get(error.key, "The wiki refused this change.")
    if error.key == ErrorKey.INVALID_INPUT:
        message = next(
            (text for word, text in INVALID_INPUT_MEANINGS if word in error.detail),
            "A value is not valid.",
        )
    return Problem(error.key.value, message)


# --- Versions ---------------------------------------------------------------------------------
def version_of(page: Page) -> str:
    """The version a form starts from: ``updated_at`` to the microsecond, in UTC."""
    return page.updated_at.isoformat(timespec="microseconds")


def parse_version(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


# A version no page has: a form whose version cannot be read is a conflict, never a blind save.
UNKNOWN_VERSION = datetime.fromisoformat("0001-01-01T00:00:00+00:00")


# --- What the form holds ----------------------------------------------------------------------
@dataclass
class Draft:
    """What the writer typed; it always comes back to them, whatever happens to the save."""

    title: str = ""
    description: str = ""
    tags: str = ""
    content: str = ""

    @classmethod
    def of(cls, page: Page) -> Draft:
        return cls(page.title, page.description, ", ".join(page.tags or []), page.content)

    @classmethod
    def posted(cls, request: HttpRequest) -> Draft:
        data = request.POST
        return cls(
            data.get("title", ""),
            data.get("description", ""),
            data.get("tags", ""),
            # Browsers send line breaks as CRLF; the stored text keeps the writer's LF.
            data.get("content", "").replace("\r\n", "\n"),
        )

    @property
    def tag_list(self) -> list[str]:
        """Comma separated, as typed; the service normalises and validates each tag."""
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


@dataclass
class Editing:
    """Where the form saves: an existing page at the version it started from, or a new page."""

    locale: str
    path: str
    page: Page | None = None
    base_version: str = ""

    @classmethod
    def of(cls, page: Page) -> Editing:
        return cls(page.locale, page.path, page, version_of(page))

    @property
    def form_action(self) -> str:
        return action_url("e", self.locale, self.path)


@dataclass
class Conflict:
    """The newer version the writer did not start from, shown beside their kept text."""

    page: Page | None
    url: str | None

    @property
    def author_name(self) -> str:
        author = self.page.author if self.page is not None else None
        return (author.name or "Someone") if author is not None else "Someone"


# --- The view ---------------------------------------------------------------------------------
@with_content_policy
@csrf_exempt  # checked by ``_editor_view``, once a body too large to read has been answered
def edit_page(request: HttpRequest, target: str) -> HttpResponse:
    """``/e/<locale>/<path>``: GET shows the editor; POST previews or saves."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        try:
            request.POST  # noqa: B018 - read once here, where "too large" can be answered
        except (RequestDataTooBig, TooManyFieldsSent):
            return _too_large(request, target)
    return _editor_view(request, target)


@csrf_protect
def _editor_view(request: HttpRequest, target: str) -> HttpResponse:
    here = visit(request)
    spot = split_target(here.site, target)
    if request.method == "POST":
        return _post(here, target, spot)
    page = _page_at(here, spot)
    if page is not None:
        if not here.can_on(scopes.WRITE_PAGES, page):
            return forbidden(here)
        return _editor(here, Editing.of(page), Draft.of(page))
    try:
        path = creation_path(target, spot)
    except DomainError as error:
        return _bad_address(here, target, error)
    if not here.can_at(scopes.WRITE_PAGES, spot.locale, path):
        return forbidden(here)
    return _editor(here, Editing(spot.locale, path), Draft())


def creation_path(raw: str, spot: Target) -> str:
    """The path a new page at this address gets, by ``createPage``'s strict rule.

    Finding a page reads the address leniently, as ``pageByPath`` does; creating one must not
    guess: ``/e/en/a<b`` creates no ``ab``, it is refused with ERR_INVALID_PATH.
    """
    text = raw.strip().lstrip("/")
    if spot.explicit_locale:
        text = text.partition("/")[2]
    return v.normalize_path(text or HOME)


def _page_at(here: Visit, spot: Target) -> Page | None:
    pages = Page.objects.select_related("author").filter(
        site_id=here.site.pk, locale=spot.locale, path=spot.path
    )
    return next(iter(pages.order_by()[:1]), None)


def _page_by_id(here: Visit, raw_id: str) -> Page | None:
    page_id = uuid_or_none(raw_id)
    if page_id is None:
        return None
    pages = Page.objects.select_related("author").filter(pk=page_id, site_id=here.site.pk)
    return next(iter(pages.order_by()[:1]), None)


def _post(here: Visit, raw: str, spot: Target) -> HttpResponse:
    draft = Draft.posted(here.request)
    page_id = here.request.POST.get("page_id", "").strip()
    editing: Editing | None = None
    if page_id:
        page = _page_by_id(here, page_id)
        if page is None:
            # Deleted since the form was opened: the text stays and may create the page anew.
            return _refused_as_new(here, raw, spot, draft, DomainError(ErrorKey.PAGE_NOT_FOUND))
        editing = Editing(page.locale, page.path, page, here.request.POST.get("base_version", ""))
    else:
        try:
            editing = Editing(spot.locale, creation_path(raw, spot))
        except DomainError as error:
            return _editor(here, Editing(spot.locale, spot.path), draft, error=error)
    if here.request.POST.get("action") == "preview":
        return _preview(here, editing, draft)
    if editing.page is not None:
        return _save_edit(here, raw, spot, editing, draft)
    return _save_new(here, editing, draft)


def _preview(here: Visit, editing: Editing, draft: Draft) -> HttpResponse:
    """Rendered and sanitised exactly as a save would store it; nothing is saved."""
    page = editing.page
    allowed = (
        here.can_on(scopes.WRITE_PAGES, page)
        if page is not None
        else here.can_at(scopes.WRITE_PAGES, editing.locale, editing.path)
    )
    if not allowed:
        key = ErrorKey.PAGE_UPDATE_FORBIDDEN if page is not None else ErrorKey.FORBIDDEN
        key = ErrorKey.NOT_AUTHENTICATED if here.user is None else key
        return _editor(here, editing, draft, error=DomainError(key))
    if page is not None:
        content_type, depth = page.content_type, (page.config or {}).get("tocDepth")
    else:
        content_type = v.content_type_for(NEW_PAGE_EDITOR)
        depth = (here.site.config.get("defaults") or {}).get("tocDepth")
    preview = render_content(draft.content, content_type, depth).html
    return _editor(here, editing, draft, preview=preview)


def _save_edit(here: Visit, raw: str, spot: Target, editing: Editing, draft: Draft) -> HttpResponse:
    expected = parse_version(editing.base_version) or UNKNOWN_VERSION
    patch = PagePatch(
        title=draft.title,
        description=draft.description,
        tags=draft.tag_list,
        content=draft.content,
    )
    try:
        v.check_content(draft.content)
    except DomainError as blank:
        # A form always sends the whole text: an emptied one is a mistake to point out, not the
        # partial patch's "leave the content as it is" (createPage's rule and words). Refused
        # only where updatePage's own earlier checks (permission, version) would pass; else
        # update_page below refuses it for that reason.
        if here.can_on(scopes.WRITE_PAGES, editing.page) and editing.page.updated_at == expected:
            return _editor(here, editing, draft, error=blank)
        patch.content = None
    try:
        page = update_page(here.caller, editing.page.pk, patch, expected_version=expected)
    except StaleVersion as stale:
        newer = _page_by_id(here, str(stale.current.pk))
        if newer is None:
            return _refused_as_new(here, raw, spot, draft, DomainError(ErrorKey.PAGE_NOT_FOUND))
        return _conflict(here, newer, draft)
    except DomainError as error:
        if error.key == ErrorKey.PAGE_NOT_FOUND:
            return _refused_as_new(here, raw, spot, draft, error)
        return _editor(here, editing, draft, error=error)
    return HttpResponseRedirect(page_url(here.site, page.locale, page.path))


def _save_new(here: Visit, editing: Editing, draft: Draft) -> HttpResponse:
    data = PageInput(
        site_id=here.site.pk,
        locale=editing.locale,
        path=editing.path,
        title=draft.title,
        description=draft.description,
        content=draft.content,
        editor=NEW_PAGE_EDITOR,
        publish_state=NEW_PAGE_STATE,
        tags=draft.tag_list,
    )
    try:
        page = create_page(here.caller, data)
    except DomainError as error:
        if error.key == ErrorKey.PAGE_DUPLICATE_PATH:
            theirs = Page.objects.select_related("author").filter(
                site_id=here.site.pk, locale=editing.locale, path=editing.path
            )
            theirs = next(iter(theirs.order_by()[:1]), None)
            if theirs is not None and here.can_on(scopes.WRITE_PAGES, theirs):
                return _conflict(here, theirs, draft)
        return _editor(here, editing, draft, error=error)
    return HttpResponseRedirect(page_url(here.site, page.locale, page.path))


def _refused_as_new(
    here: Visit, raw: str, spot: Target, draft: Draft, error: DomainError
) -> HttpResponse:
    """The page the form edited is gone: the text comes back in a form that creates it."""
    try:
        editing = Editing(spot.locale, creation_path(raw, spot))
    except DomainError:
        editing = Editing(spot.locale, spot.path)
    return _editor(here, editing, draft, error=error)


def _conflict(here: Visit, newer: Page, draft: Draft) -> HttpResponse:
    """Their version beside the writer's kept text; the form now starts from theirs, so the
    next save (after merging) goes through unless someone saves yet again."""
    conflict = Conflict(newer, page_url(here.site, newer.locale, newer.path))
    return _editor(here, Editing.of(newer), draft, conflict=conflict, status=409)


def _editor(
    here: Visit,
    editing: Editing,
    draft: Draft,
    *,
    error: DomainError | None = None,
    conflict: Conflict | None = None,
    preview: str | None = None,
    status: int = 200,
) -> HttpResponse:
    problem = problem_for(error) if error is not None else None
    if error is not None and status == 200:
        status = REFUSAL_STATUS.get(error.key, 400)
    page = editing.page
    context = {
        "editing": editing,
        "draft": draft,
        "problem": problem,
        "conflict": conflict,
        "preview": preview,
        "page_locale": editing.locale,
        "view_url": page_url(here.site, page.locale, page.path) if page is not None else None,
    }
    return render(here, TEMPLATE, context, status=status)


def _bad_address(here: Visit, raw: str, error: DomainError) -> HttpResponse:
    context = {"heading": "No page can live here", "problem": problem_for(error), "address": raw}
    return render(here, "pages/editor_refused.html", context, status=400)


def _too_large(request: HttpRequest, target: str) -> HttpResponse:
    """A body over the limit (``MAX_BODY_BYTES``, API.md §1.1) is refused, as the API refuses
    it: nothing was read, so nothing can be kept; the browser's Back keeps the text."""
    here = visit(request)
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    problem = Problem(
        "",  # no contract key: the API answers this with a transport error (HTTP 400)
        f"The text is larger than this wiki accepts ({limit_mb:g} MB at most). Nothing was "
        "saved: go back to your text (your browser keeps it) and shorten it.",
    )
    return render(
        here,
        "pages/editor_refused.html",
        {"heading": "The text is too large", "problem": problem, "address": target},
        status=413,
    )
