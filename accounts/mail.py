"""The account mails of API.md §4.6: welcome (``createUser``), password reset
(``forgotPassword``) and email verification (``register``).

Each names the site and links under ``wiki.mail.site_url(site)``: the site's own
``https://<hostname>``, or the configured ``defaultBaseURL`` for the ``*`` site, which has no
address of its own. The contract's table writes ``<defaultBaseURL>`` for the reset and
verification links; the issue asks for the site's own hostname where there is one, so that a
link opens the wiki the person used, and for the ``*`` site the two readings agree.
"""

from __future__ import annotations

from typing import Any

from wiki.mail import OutgoingMail, render_mail, site_url
from wiki.models import Site

from .models import User


def render_welcome_mail(user: User, site: Site | None, password: str) -> OutgoingMail:
    """The welcome mail: the account's email, its initial ``password``, a Login button."""
    context = _context(user, site, login_url=f"{site_url(site)}/login", password=password)
    return render_mail("welcome", context, to=user.email)


def render_reset_mail(user: User, site: Site | None, token: str) -> OutgoingMail:
    """The password reset mail: a Reset Password button to the ``resetPwd`` ``token``'s page."""
    context = _context(user, site, reset_url=f"{site_url(site)}/login-reset/{token}")
    return render_mail("reset", context, to=user.email)


def render_verify_mail(user: User, site: Site | None, token: str) -> OutgoingMail:
    """The verification mail: a Verify button to the ``verify`` ``token``'s page."""
    context = _context(user, site, verify_url=f"{site_url(site)}/verify/{token}")
    return render_mail("verify", context, to=user.email)


def _context(user: User, site: Site | None, **values: Any) -> dict[str, Any]:
    return {"user": user, "site_title": site.title if site else "", **values}
