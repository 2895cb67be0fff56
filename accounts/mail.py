"""Mail sent about accounts."""

from wiki.mail import OutgoingMail, render_mail, site_url


def render_welcome_mail(user, site, password: str) -> OutgoingMail:
    context = {
        "user": user,
        "site_title": site.title if site else "",
        "login_url": f"{site_url(site)}/login",
        "password": password,
    }
    return render_mail("welcome", context, to=user.email)
