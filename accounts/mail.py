"""Mail sent about accounts."""

from wiki.config import get_setting
from wiki.mail import OutgoingMail, render_mail, site_url


def render_welcome_mail(user, site, password: str) -> OutgoingMail:
    context = {
        "user": user,
        "site_title": site.title if site else "",
        "login_url": f"{site_url(site)}/login",
        "password": password,
    }
    return render_mail("welcome", context, to=user.email)


def base_url() -> str:
    """``mail.defaultBaseURL`` without its trailing slash: the links of reset and verify mails."""
    return str(get_setting("mail").get("defaultBaseURL") or "").rstrip("/")


def render_reset_mail(user, site, token: str) -> OutgoingMail:
    """The password reset mail of ``forgotPassword`` (API.md §4.6)."""
    context = {
        "user": user,
        "site_title": site.title if site else "",
        "reset_url": f"{base_url()}/login-reset/{token}",
    }
    return render_mail("reset", context, to=user.email)


def render_verify_mail(user, site, token: str) -> OutgoingMail:
    """The account verification mail of ``register`` (API.md §4.6)."""
    context = {
        "user": user,
        "site_title": site.title if site else "",
        "verify_url": f"{base_url()}/verify/{token}",
    }
    return render_mail("verify", context, to=user.email)
