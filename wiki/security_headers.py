"""Security headers on every answer of the server, static files and refusals included.

Django's ``SecurityMiddleware`` already sets ``X-Content-Type-Options``, ``Referrer-Policy``,
``Cross-Origin-Opener-Policy`` and HSTS (settings.py). This middleware adds what it does not:

- a **Content Security Policy** when the view did not choose one itself (the wiki's pages
  do, pages/content_policy.py). The default depends on what the answer is:

  - JSON, files and everything else that is no HTML page: ``default-src 'none'``: such an
    answer opened as a document (a JSON error, an SVG, a text file) can run, load or frame
    nothing;
  - the GraphQL explorer (the HTML answer of ``/_graphql`` and ``/graphql``): its bundle
    writes ``<style>`` elements at run time, so those may be inline (nothing else);
  - the Django admin: the wiki's own origin only, plus what the admin's own templates hold;
  - any other HTML page (sign-in, profile, companion pages, Django's error pages): the wiki's
    own origin only, no inline script or style.

- ``Permissions-Policy``: no page of the wiki uses camera, microphone, location, payment and
  the like, so no page (nor anything a page could be made to embed) may ask for them.
  Passkeys (``publickey-credentials-*``) and the clipboard keep their defaults (this origin).
- ``X-Frame-Options: DENY`` on the answers Django's clickjacking middleware never sees (it
  runs last: static files, redirects and refusals of the middlewares before it).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
PERMISSIONS_HEADER = "Permissions-Policy"


def hash_source(text: str) -> str:
    """The CSP source that allows exactly this inline ``<style>`` text or ``style`` value."""
    digest = hashlib.sha256(text.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def build_policy(**directives: str) -> str:
    """A policy from directives given as keywords (``style_src="'self'"`` is ``style-src``)."""
    return "; ".join(f"{name.replace('_', '-')} {value}" for name, value in directives.items())


# The common ground of every HTML document the wiki serves: its own origin for everything,
# no plugins, no <base> pointing elsewhere, forms posting only here, never framed.
DOCUMENT_DIRECTIVES = {
    "default_src": "'self'",
    "script_src": "'self'",
    "style_src": "'self'",
    "img_src": "'self' data:",
    "font_src": "'self' data:",
    "object_src": "'none'",
    "base_uri": "'self'",
    "form_action": "'self'",
    "frame_ancestors": "'none'",
}

# An answer that is no HTML document needs nothing at all.
STRICT_POLICY = build_policy(default_src="'none'", frame_ancestors="'none'")
DOCUMENT_POLICY = build_policy(**DOCUMENT_DIRECTIVES)
# The GraphQL explorer (GraphiQL 3, static/vendor/graphiql) writes <style> elements at run
# time: its dialogs lock the page's scrolling with CSS computed from the scrollbar's width
# (react-style-singleton), which no hash can name in advance and whose nonce support is not
# reachable from outside the bundle; and the template sizes the page in one. So style
# *elements* may be inline; style attributes, scripts and everything else stay as strict as
# on any page. (Checked in Chromium by tests/browser/test_csp_pages.py: the bundle needs no
# eval, no workers and no other origin.)
EXPLORER_POLICY = build_policy(**DOCUMENT_DIRECTIVES | {"style_src_elem": "'self' 'unsafe-inline'"})
# Django's change list writes one <style> element when a list has no actions
# (django/contrib/admin/templates/admin/change_list.html); the test of this module checks
# the hash against the installed Django.
ADMIN_CHANGE_LIST_STYLE = "\n      #changelist table thead th:first-child {width: inherit}\n    "
ADMIN_DIRECTIVES = DOCUMENT_DIRECTIVES | {
    "style_src": f"'self' {hash_source(ADMIN_CHANGE_LIST_STYLE)}",
}
ADMIN_POLICY = build_policy(**ADMIN_DIRECTIVES)

# Features no page of the wiki uses: refused to the page and to anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)

# The view names whose HTML answer is the explorer (wiki/urls.py).
EXPLORER_VIEWS = frozenset({"graphql", "graphql-v2"})
ADMIN_NAMESPACE = "admin"
# The admin's own screens and the wiki's additions beside it (API access, mail settings).
ADMIN_PREFIX = "/admin/"


def is_html(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().lower() == "text/html"


def default_policy(request: HttpRequest, response: HttpResponse) -> str | None:
    """The policy of an answer whose view chose none (None: leave it without one)."""
    if not is_html(response):
        return STRICT_POLICY
    if settings.DEBUG and response.status_code >= 400:
        # Django's debug pages (a traceback, a technical 404) are styled and scripted inline;
        # they exist only in development.
        return None
    match = getattr(request, "resolver_match", None)  # None when no route matched
    if match is not None and match.view_name in EXPLORER_VIEWS:
        return EXPLORER_POLICY
    if request.path_info.startswith(ADMIN_PREFIX) or (
        match is not None and ADMIN_NAMESPACE in match.namespaces
    ):
        return ADMIN_POLICY
    return DOCUMENT_POLICY


class SecurityHeadersMiddleware:
    """Sets the headers above on every response that lacks them (never replaces a view's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response and (policy := default_policy(request, response)):
            response[HEADER] = policy
        response.setdefault(PERMISSIONS_HEADER, PERMISSIONS_POLICY)
        if not getattr(response, "xframe_options_exempt", False):
            response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return response
