"""Mail sent about accounts."""

from wiki.mail import OutgoingMail, queue_mail, render_mail, site_url


def render_welcome_mail(user, site, password: str) -> OutgoingMail:
    context = {
        "user": user,
        "site_title": site.title if site else "",
        "login_url": f"{site_url(site)}/login",
        "password": password,
    }
    return render_mail("welcome", context, to=user.email)


def queue_welcome_mail(message: OutgoingMail) -> None:
    queue_mail(message)
