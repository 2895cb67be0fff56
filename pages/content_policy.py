"""The Content Security Policy of the wiki's pages in a browser.

Strict by default: everything from the wiki's own origin, no inline script or style at all,
no plugins, no framing, forms posting only to the wiki. Two allowances, each for a reason:

- ``style-src`` carries the hashes of the four ``style`` attribute values the renderer keeps on
  table cells (``text-align:left|right|center|justify``, pages/rendering.py), so that Markdown
  tables stay aligned; no other inline style can match them.
- pages may show images from other HTTPS sites (Wiki.js pages commonly do), except pages that
  carry their own stylesheet (``scriptCss``): there ``img-src`` and ``font-src`` stay on the
  wiki's origin, so that the page's CSS cannot read what the page holds through attribute
  selectors and send it elsewhere in image or font requests.

A page's own CSS and JavaScript are never inline: they are served from the same origin
(``/_page-style/<id>.css``, ``/_page-script/<id>.js``), after the same read check as the page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

from wiki.security_headers import (
    ADMIN_DIRECTIVES,
    DOCUMENT_DIRECTIVES,
    HEADER,
    build_policy,
    hash_source,
)

# The only inline style the stored render can hold (pages/rendering.py ``_filter_attribute``).
TABLE_ALIGNMENTS = tuple(f"text-align:{side}" for side in ("left", "right", "center", "justify"))
_STYLE_ATTRIBUTES = " ".join(hash_source(value) for value in TABLE_ALIGNMENTS)


def policy(*, own_styles: bool = False) -> str:
    """The policy of one page; ``own_styles``: the page links its own stylesheet."""
    images = "'self' data:" if own_styles else "'self' data: https:"
    return build_policy(
        **DOCUMENT_DIRECTIVES
        | {
            "style_src": f"'self' 'unsafe-hashes' {_STYLE_ATTRIBUTES}",
            "img_src": images,
        }
    )


# The admin's page screens show a page's render in a sandboxed frame (pages/admin_views.py).
# A ``srcdoc`` frame lives under the policy of the admin page around it as well as its own, so
# that page must allow what a render holds: the table alignments and images from other HTTPS
# sites; and the frame's own ``style`` attribute (templates/admin/pages/page/preview.html).
PREVIEW_FRAME_STYLE = (
    "width: 100%; min-height: 30em; border: 1px solid var(--hairline-color); background: #fff;"
)
ADMIN_PREVIEW_POLICY = build_policy(
    **ADMIN_DIRECTIVES
    | {
        "style_src": (
            f"{ADMIN_DIRECTIVES['style_src']} 'unsafe-hashes' {_STYLE_ATTRIBUTES} "
            f"{hash_source(PREVIEW_FRAME_STYLE)}"
        ),
        "img_src": "'self' data: https:",
    }
)


_POLICIES = {own_styles: policy(own_styles=own_styles) for own_styles in (False, True)}


def protect(response: HttpResponse, *, own_styles: bool = False) -> HttpResponse:
    """Give ``response`` the policy, unless its view already chose one."""
    if HEADER not in response:
        response[HEADER] = _POLICIES[own_styles]
    return response


def with_content_policy(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every answer of ``view`` (pages, refusals, redirects) carries the policy."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return protect(view(request, *args, **kwargs))

    return wrapped


def protect_admin_preview(response: HttpResponse) -> HttpResponse:
    """Give an admin screen that shows a page's preview frame the policy that frame needs."""
    response[HEADER] = ADMIN_PREVIEW_POLICY
    return response
