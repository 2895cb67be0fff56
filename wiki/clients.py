"""Who is on the other end of a request: the client address that rate limits count by."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address as far as this deployment can trust it.

    With ``TRUSTED_PROXY_COUNT = 0`` (the default) that is ``REMOTE_ADDR``: a client writes
    what it likes into ``X-Forwarded-For``, so the header is ignored. Behind N proxies that
    each append the address they received from, the N-th entry from the right is what the
    outermost trusted proxy saw; entries further left are the client's own claims.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if trusted > 0:
        header = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
        hops = [hop.strip() for hop in header.split(",") if hop.strip()]
        if hops:
            forwarded = _address(hops[-min(trusted, len(hops))])
            if forwarded:
                return forwarded
    return _address(remote) or remote or "unknown"
