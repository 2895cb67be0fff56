"""Which site serves a request (API.md §4.7)."""

import uuid

from django.db.models import Case, Subquery, Value, When
from django.http import HttpRequest
from django.http.request import split_domain_port

from .errors import DomainError, ErrorKey
from .models import WILDCARD_HOSTNAME, Site
from .prepared import PreparedQuery
from .text import uuid_or_none


def existing_site(site_id: uuid.UUID | str | None) -> Site:
    """The site named by a ``siteId`` argument, else ``ERR_INVALID_SITE``."""
    pk = uuid_or_none(site_id)
    site = Site.objects.filter(pk=pk).first() if pk else None
    if site is None:
        raise DomainError(ErrorKey.INVALID_SITE, str(site_id))
    return site


def site_for_hostname(hostname: str, *, exact: bool = False) -> Site | None:
    """The site of ``hostname``, else (unless ``exact``) the ``*`` site.

    One query, compiled once per connection (wiki/prepared.py): every browser request asks,
    and compiling the ORM query cost several times what running it does.
    """
    if exact:
        return Site.objects.filter(hostname=hostname).first()
    sites = _SITE_OR_WILDCARD.run("site", _site_or_wildcard, (hostname,))
    by_host = {site.hostname: site for site in sites}
    return by_host.get(hostname) or by_host.get(WILDCARD_HOSTNAME)


def _site_or_wildcard(hostname: str):
    # Two rows at most: the hostname is unique.
    return Site.objects.filter(hostname__in=[hostname, WILDCARD_HOSTNAME]).order_by()


_SITE_OR_WILDCARD = PreparedQuery(limit=4)


def request_hostname(request: HttpRequest) -> str:
    """The host a site is matched by: lowercase, without port or trailing dot ("" if none)."""
    try:
        # Django's own parsing: lowercase, port and trailing dot dropped, IPv6 brackets kept.
        host, _port = split_domain_port(request.get_host())
    except Exception:  # DisallowedHost is answered by Django before we get here
        host = ""
    return host


def site_for_request(request: HttpRequest) -> Site | None:
    """The site whose hostname equals the request's host, else the ``*`` site."""
    return site_for_hostname(request_hostname(request))


class SiteTable:
    """Sites by hostname, kept per process while a caller-supplied stamp holds.

    The stamp must change with every write to sites (the access version does: a trigger on
    the sites table bumps it, accounts migration 0008) and be read in a query the caller
    makes anyway, so that a page view finds its site without a query of its own. The table is
    replaced whole when the stamp changes and never holds more than ``limit`` hostnames
    (unknown hosts fall back to the ``*`` site and are remembered as such). A stamp of None
    (no version row) is never cached.
    """

    def __init__(self, limit: int = 256) -> None:
        self._limit = limit
        # One tuple, swapped in one assignment: a thread never sees one stamp's sites under
        # another stamp.
        self._table: tuple[object, dict[str, Site | None]] = (None, {})

    def lookup(self, hostname: str, stamp) -> Site | None:
        if stamp is None:
            return site_for_hostname(hostname)
        table_stamp, sites = self._table
        if table_stamp == stamp and hostname in sites:
            return sites[hostname]
        site = site_for_hostname(hostname)
        if table_stamp != stamp or len(sites) >= self._limit:
            sites = {}
        else:
            sites = dict(sites)
        sites[hostname] = site
        self._table = (stamp, sites)
        return site

    def forget(self) -> None:
        self._table = (None, {})


def site_id_subquery(hostname: str) -> Subquery:
    """``site_for_hostname(hostname).pk`` as SQL, for a filter that must cost no query of its
    own: the exact host's site, else the ``*`` site (NULL, matching nothing, when neither)."""
    sites = (
        Site.objects.filter(hostname__in=[hostname, WILDCARD_HOSTNAME])
        .order_by(Case(When(hostname=WILDCARD_HOSTNAME, then=Value(1)), default=Value(0)))
        .values("pk")[:1]
    )
    return Subquery(sites)
