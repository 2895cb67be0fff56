"""Rendered page views, kept per process while nothing they show has changed.

A page view shows the page, the tree around it (breadcrumbs and sidebar), its last editor's
name, the site, and what the visitor may do; it depends on who asks and on the clock only
through the publish windows of scheduled pages. So a rendered view is kept under:

* the key: site, address (path and query), who asks (the guest, or the signed-in user with
  the name the header shows) and the access version their policy was read under, which also
  changes with every write to sites (accounts.access_cache, wiki.sites.SiteTable);
* the content version (``wiki.content_version``), which triggers raise with every
  write to pages, tree items or users' names, read in the same query as the caller's row;
* a deadline: the next instant a scheduled page of the site enters or leaves its window.

A kept view is served only while its content version is the caller's and its deadline is
ahead; the first view after any change renders afresh. Whatever the cache holds was read no
earlier than its version (the version is read first), so it is never older than what it
claims to be. The sign-out form's CSRF token is the one thing in a view that is per request:
the view is rendered with a placeholder (unguessable, per process) put back for each answer.
Only 200 answers are kept, within ``PAGE_VIEW_CACHE_BYTES`` per process.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Min, Q
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from .browser import Visit
from .models import Page, PublishState

# What the views render in place of the CSRF token, and ``personalised`` swaps for the real one.
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()


@dataclass(frozen=True)
class _Kept:
    valid_until: datetime | None
    content: bytes
    headers: tuple[tuple[str, str], ...]


class _Generation:
    """The views kept under one content version; replaced whole when it changes."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.views: dict[tuple, _Kept] = {}
        self.size = 0


@dataclass(frozen=True)
class Ticket:
    """What ``keep`` needs to file a view rendered after ``lookup`` found none: the key, the
    content version, and the instant the request began (a publish window that opens or closes
    while the view renders must end its life, not outlast it)."""

    key: tuple | None
    version: int | None
    started: datetime


class PageViewCache:
    def __init__(self) -> None:
        self._generation: _Generation | None = None
        self._lock = threading.Lock()

    @staticmethod
    def _key(visit: Visit) -> tuple | None:
        caller = visit.caller
        if caller.access_version is None or _content_version(visit) is None:
            return None  # a version row is missing: nothing can be kept safely
        user = visit.user
        who = ("user", user.pk, user.name, user.email) if user is not None else ("guest",)
        return (visit.site.pk, visit.request.get_full_path(), who, caller.access_version)

    def lookup(self, visit: Visit) -> tuple[HttpResponse | None, Ticket]:
        """The kept view for ``visit`` when one is still current (else None), and the ticket
        to ``keep`` a view rendered instead."""
        now = timezone.now()
        enabled = settings.PAGE_VIEW_CACHE_BYTES > 0
        key = self._key(visit) if enabled else None
        version = _content_version(visit)
        ticket = Ticket(key, version, now)
        generation = self._generation
        if key is None or generation is None or generation.version != version:
            return None, ticket
        kept = generation.views.get(key)
        if kept is None or (kept.valid_until is not None and now >= kept.valid_until):
            return None, ticket
        response = HttpResponse(kept.content)
        for name, value in kept.headers:
            response[name] = value
        return personalised(visit, response), ticket

    def keep(self, visit: Visit, ticket: Ticket, response: HttpResponse) -> HttpResponse:
        """Keep a rendered 200 ``response`` of ``visit``; answer it personalised."""
        limit = settings.PAGE_VIEW_CACHE_BYTES
        if response.status_code != 200 or limit <= 0 or ticket.key is None:
            return personalised(visit, response)
        if hasattr(response, "render"):
            response.render()
        content = bytes(response.content)
        if len(content) <= limit // 4:  # a few huge pages must not push everything else out
            kept = _Kept(
                valid_until=next_publish_change(visit.site.pk, after=ticket.started),
                content=content,
                headers=tuple(response.items()),
            )
            self._store(ticket.version, ticket.key, kept, limit)
        return personalised(visit, response)

    def _store(self, version: int, key: tuple, kept: _Kept, limit: int) -> None:
        with self._lock:
            generation = self._generation
            if generation is None or generation.version != version:
                generation = _Generation(version)
            old = generation.views.pop(key, None)
            if old is not None:
                generation.size -= len(old.content)
            while generation.views and generation.size + len(kept.content) > limit:
                oldest = next(iter(generation.views))  # dicts keep insertion order
                generation.size -= len(generation.views.pop(oldest).content)
            generation.views[key] = kept
            generation.size += len(kept.content)
            self._generation = generation

    def forget(self) -> None:
        with self._lock:
            self._generation = None


def _content_version(visit: Visit) -> int | None:
    return getattr(visit.caller.user, "content_version", None)


def personalised(visit: Visit, response: HttpResponse) -> HttpResponse:
    """``response`` with the request's own CSRF token where the placeholder stands."""
    if hasattr(response, "render"):
        response.render()
    if _PLACEHOLDER_BYTES in response.content:
        token = get_token(visit.request).encode()
        response.content = response.content.replace(_PLACEHOLDER_BYTES, token)
    return response


def next_publish_change(site_id, *, after: datetime) -> datetime | None:
    """The first instant past ``after`` at which a scheduled page of the site enters or leaves
    its window (None when none will): until then, which pages the site shows to whom cannot
    change by itself."""
    found = Page.objects.filter(site_id=site_id, publish_state=PublishState.SCHEDULED).aggregate(
        start=Min("publish_start_date", filter=Q(publish_start_date__gt=after)),
        end=Min("publish_end_date", filter=Q(publish_end_date__gt=after)),
    )
    instants = [found["start"], found["end"]]
    return min((instant for instant in instants if instant is not None), default=None)


page_views = PageViewCache()
