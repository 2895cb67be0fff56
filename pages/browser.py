"""What every page of the wiki in a browser shares: the visit, addresses, and the refusals.

A browser request is matched to a site by its ``Host`` (as the API does) and made by the person
its session cookie names, or by the guest: the same ``Caller`` and the same services as
``/_graphql``, so a browser can never see or do more than the API allows that person.

Addresses are Wiki.js's: ``/<path>`` for a page of the site's primary locale, ``/<locale>/<path>``
for any page, and single-letter prefixes for what can be done with it (``/e/`` edit, ``/h/``
history, ``/s/`` source, ``/d/`` download, ``/i/`` by id, ``/t/`` by tag). No page can hide
them: the path rule reserves single-character and route first segments (API.md §4.1.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from accounts import scopes
from accounts.authentication import guest_caller, request_user_caller
from accounts.models import User
from accounts.permissions import Caller, PageContext
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site
from wiki.sites import SiteTable, request_hostname

from .lookup import HOME, parse_path
from .models import Page


@dataclass(frozen=True)
class Visit:
    """Who asks (``caller``, ``user`` when signed in) and which site answers."""

    request: HttpRequest
    site: Site
    caller: Caller
    user: User | None

    @property
    def primary_locale(self) -> str:
        return self.site.primary_locale.lower()

    def can_at(self, scope: str, locale: str, path: str, tags=()) -> bool:
        return self.caller.can_at(scope, PageContext(self.site.pk, locale, path, tuple(tags)))

    def can_on(self, scope: str, page: Page) -> bool:
        return self.caller.can_at(scope, PageContext.of(page))

    def may_read_source(self, page: Page) -> bool:
        """What the API's ``Page.content`` needs beyond reading the page (API.md §3.5)."""
        return any(self.can_on(scope, page) for scope in scopes.PAGE_SOURCE_ANY)


def signed_in_user(request: HttpRequest) -> User | None:
    """The person the session cookie names (CookieAuthenticationMiddleware), or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active or user.is_system:
        return None
    return user


# Sites by hostname, kept while the access version read with the caller's row holds (a
# trigger changes it with every write to sites): a page view asks for its site without a query.
_SITES = SiteTable()


def visit(request: HttpRequest) -> Visit:
    """The visit of ``request``; 404 when no site serves its host (or the site is off)."""
    user = signed_in_user(request)
    caller = request_user_caller(user) if user is not None else guest_caller()
    site = _SITES.lookup(request_hostname(request), caller.access_version)
    if site is None or not site.is_enabled:
        raise Http404("No site serves this host.")
    return Visit(request=request, site=site, caller=caller, user=user)


@dataclass(frozen=True)
class Target:
    """A page address taken apart: locale (explicit or the site's primary) and path."""

    locale: str
    path: str
    explicit_locale: bool


def split_target(site: Site, raw: str) -> Target:
    """``en/docs/intro`` -> (en, docs/intro); ``docs/intro`` -> (primary, docs/intro); an
    empty path is ``home``.

    Lenient, as ``pageByPath`` is (``lookup.parse_path``): trimmed and cleaned, never refused
    here; an address that cannot name a page simply finds none.
    """
    parsed = parse_path(raw)
    if parsed.locale is not None:
        return Target(parsed.locale, parsed.path, True)
    return Target(site.primary_locale.lower(), parsed.path, False)


def _quoted(path: str) -> str:
    return quote(path, safe="/-_")


def page_url(site: Site, locale: str, path: str) -> str:
    """The page's address: ``/<path>`` in the primary locale, else ``/<locale>/<path>``."""
    if locale == site.primary_locale.lower():
        return "/" if path == HOME else f"/{_quoted(path)}"
    return f"/{locale}/{_quoted(path)}"


def action_url(action: str, locale: str, path: str) -> str:
    """``/e/<locale>/<path>`` and its kin (``e`` edit, ``h`` history, ``s`` source, ``d``
    download): the locale is always written, as Wiki.js writes it."""
    return f"/{action}/{locale}/{_quoted(path)}"


# The last ``?page=`` of a list: far beyond any wiki, small enough for a valid SQL offset.
MAX_LIST_PAGE = 100_000


def list_page_number(raw: str | None) -> int:
    """``?page=`` as a number from 1 to ``MAX_LIST_PAGE``; anything else is the first page.

    ASCII digits only: ``str.isdigit`` also accepts digits such as "²" that ``int`` refuses.
    """
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return 1
    return min(max(int(text), 1), MAX_LIST_PAGE)


def sign_in_url(request: HttpRequest) -> str:
    return "/login?" + urlencode({"next": request.get_full_path()})


def forbidden(visit: Visit) -> HttpResponse:
    """A guest is sent to sign in (and back); a signed-in person gets the 403 page."""
    if visit.user is None:
        return HttpResponseRedirect(sign_in_url(visit.request))
    return render(visit, "pages/forbidden.html", {}, status=403)


def refused(visit: Visit, error: DomainError, target: Target | None = None) -> HttpResponse:
    """What a reading service's refusal (``page_for_reading`` and kin) becomes in a browser."""
    if error.key == ErrorKey.PAGE_NOT_FOUND:
        return not_found(visit, target)
    return forbidden(visit)


def not_found(visit: Visit, target: Target | None = None) -> HttpResponse:
    """The 404 page; it offers to create the page to whoever may write there."""
    create_url = None
    if target is not None and visit.can_at(scopes.WRITE_PAGES, target.locale, target.path):
        create_url = action_url("e", target.locale, target.path)
    context = {"target": target, "create_url": create_url}
    return render(visit, "pages/not_found.html", context, status=404)


def render(visit: Visit, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """``template`` inside the site's layout (templates/base.html) with what it needs."""
    context = {
        "site": visit.site,
        "site_title": visit.site.title or "Wiki",
        "signed_in": visit.user,
        "sign_in_url": sign_in_url(visit.request),
        "search_url": "/_search",
        **context,
    }
    return TemplateResponse(visit.request, template, context, status=status)
