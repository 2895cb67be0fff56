"""Which site serves a request (API.md §4.7)."""

import uuid

from django.http import HttpRequest
from django.http.request import split_domain_port

from .errors import DomainError, ErrorKey
from .models import WILDCARD_HOSTNAME, Site
from .text import uuid_or_none


def existing_site(site_id: uuid.UUID | str | None) -> Site:
    """The site named by a ``siteId`` argument, else ``ERR_INVALID_SITE``."""
    pk = uuid_or_none(site_id)
    site = Site.objects.filter(pk=pk).first() if pk else None
    if site is None:
        raise DomainError(ErrorKey.INVALID_SITE, str(site_id))
    return site


def site_for_hostname(hostname: str, *, exact: bool = False) -> Site | None:
    site = Site.objects.filter(hostname=hostname).first()
    if site is None and not exact:
        site = Site.objects.filter(hostname=WILDCARD_HOSTNAME).first()
    return site


def site_for_request(request: HttpRequest) -> Site | None:
    """The site whose hostname equals the request's host, else the ``*`` site."""
    try:
        # Django's own parsing: lowercase, port and trailing dot dropped, IPv6 brackets kept.
        host, _port = split_domain_port(request.get_host())
    except Exception:  # DisallowedHost is answered by Django before we get here
        host = ""
    return site_for_hostname(host)
