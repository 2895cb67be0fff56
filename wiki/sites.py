"""Which site serves a request (API.md §4.7)."""

import uuid

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


def site_for_request(request: HttpRequest) -> Site | None:
    """The site whose hostname equals the request's host, else the ``*`` site."""
    try:
        # Django's own parsing: lowercase, port and trailing dot dropped, IPv6 brackets kept.
        host, _port = split_domain_port(request.get_host())
    except Exception:  # DisallowedHost is answered by Django before we get here
        host = ""
    return site_for_hostname(host)
