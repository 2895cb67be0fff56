"""The welcome, reset and verification mails (API.md §4.6) over real SMTP, and their links.

Each message goes through a real aiosmtpd server on loopback, in process (no broker): its
envelope, headers and both bodies are read as received, its link is taken out of the message,
and following that link with the test client, against the host the link names, does what the
message promises: the sign-in page takes the mailed password, the reset link lets a new
password be chosen, the verification link verifies the account. A named site's links use its
hostname; the ``*`` site's, the configured base URL.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import User, UserKey
from tests.factories import UserFactory
from tests.smtp_support import (
    BASE_URL,
    SENDER_EMAIL,
    SENDER_NAME,
    SMTP_BACKEND,
    Received,
    SmtpServer,
    point_mail_at,
)
from wiki.mail import render_mail
from wiki.models import OutboundMail, Site, default_site_config

from .mail_support import (
    BASE_HOST,
    CREATE_USER,
    EMAIL,
    FORGOT_PASSWORD,
    NAMED_HOST,
    PASSWORD,
    REGISTER,
    follow,
    open_validating_registration,
)
from .signin_page_support import hidden, session_user_id, step_of

NEW_PASSWORD = "Brand-New-Pass7"
TOKEN = r"[A-Za-z0-9_-]{21}"


@pytest.fixture
def smtp(db, settings) -> SmtpServer:
    """A real SMTP server on loopback that the wiki's mail settings point at."""
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, BASE_HOST]
    with SmtpServer() as server:
        point_mail_at(server.port)
        yield server


@pytest.fixture(params=["named", "wildcard"])
def site(request, db) -> Site:
    """The site a request is served by: one with a hostname, or the ``*`` site."""
    if request.param == "named":
        config = {**default_site_config(), "title": "Company Wiki"}
        return Site.objects.create(hostname=NAMED_HOST, config=config)
    site = Site.objects.get(hostname="*")
    site.config = {**site.config, "title": "Team Wiki"}
    site.save()
    return site


def host_and_base(site: Site) -> tuple[str, str]:
    """The host a client reaches ``site`` at, and where its mails must link."""
    if site.is_wildcard:
        return BASE_HOST, BASE_URL
    return site.hostname, f"https://{site.hostname}"


def assert_delivered(mail: Received, subject: str) -> None:
    assert mail.rcpt_tos == [EMAIL]
    assert mail.message["To"] == EMAIL
    assert mail.message["Subject"] == subject
    assert parseaddr(str(mail.message["From"])) == (SENDER_NAME, SENDER_EMAIL)
    assert mail.message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in mail.message.iter_parts()]
    assert parts == ["text/plain", "text/html"]


def succeeded(payload: dict) -> None:
    assert payload["operation"]["succeeded"] is True, payload


# --- Welcome ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_welcome_mail_and_its_login_link(smtp, site, admin_key_client):
    host, base = host_and_base(site)

    response = admin_key_client(
        CREATE_USER, {"email": EMAIL, "name": "Jane Doe", "password": PASSWORD}, HTTP_HOST=host
    )

    succeeded(response.data["createUser"])
    (mail,) = smtp.received
    assert_delivered(mail, f"Welcome to the wiki {site.title}")
    for body in (mail.text, mail.html):
        assert site.title in body
        assert "Jane Doe" in body
        assert EMAIL in body
        assert PASSWORD in body
    assert ">Login</a>" in mail.html
    link = mail.link()
    assert link == f"{base}/login"
    # The link opens the sign-in page, which takes the mailed email and password.
    browser = Client()
    assert follow(link, browser).status_code == 200
    signed_in = browser.post(
        "/login",
        {"step": "password", "username": EMAIL, "password": PASSWORD},
        HTTP_HOST=urlsplit(link).netloc,
        secure=True,
    )
    assert signed_in.status_code == 302
    assert session_user_id(signed_in) == str(User.objects.get(email=EMAIL).pk)
    # Delivered: the outbox keeps no body, so no password.
    row = OutboundMail.objects.get()
    assert (row.kind, row.status, row.attempts, row.body) == ("welcome", "sent", 1, "")


# --- Password reset ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_reset_mail_and_its_link_sets_a_new_password(smtp, site, anonymous):
    host, base = host_and_base(site)
    jane = UserFactory(email=EMAIL, name="Jane Doe")

    succeeded(anonymous(FORGOT_PASSWORD, {"email": EMAIL}, HTTP_HOST=host).data["forgotPassword"])

    (mail,) = smtp.received
    assert_delivered(mail, "Password Reset Request")
    for body in (mail.text, mail.html):
        assert site.title in body
        assert "Jane Doe" in body
    assert ">Reset Password</a>" in mail.html
    link = mail.link()
    assert re.fullmatch(rf"{re.escape(base)}/login-reset/{TOKEN}", link), link
    # The link leads to the sign-in page's new-password step, which sets it and signs in.
    browser = Client()
    landing = follow(link, browser)
    assert landing.status_code == 302
    page = follow(urljoin(link, landing["Location"]), browser)
    assert page.status_code == 200
    assert step_of(page) == "changePassword"
    done = browser.post(
        "/login",
        {
            "step": "changePassword",
            "token": hidden(page, "token"),
            "next": hidden(page, "next"),
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
        HTTP_HOST=urlsplit(link).netloc,
        secure=True,
    )
    assert done.status_code == 302
    assert session_user_id(done) == str(jane.pk)
    jane.refresh_from_db()
    assert jane.check_password(NEW_PASSWORD)
    # The link worked once.
    assert follow(link).status_code == 400


# --- Email verification -----------------------------------------------------------------------
@pytest.mark.django_db
def test_verify_mail_and_its_link_verifies_the_account(smtp, site, anonymous):
    host, base = host_and_base(site)
    open_validating_registration()

    response = anonymous(
        REGISTER, {"email": EMAIL, "password": PASSWORD, "name": "Jane Doe"}, HTTP_HOST=host
    )

    succeeded(response.data["register"])
    jane = User.objects.get(email=EMAIL)
    assert jane.is_verified is False
    (mail,) = smtp.received
    assert_delivered(mail, "Verify your account")
    for body in (mail.text, mail.html):
        assert site.title in body
        assert "Jane Doe" in body
    assert ">Verify</a>" in mail.html
    link = mail.link()
    assert re.fullmatch(rf"{re.escape(base)}/verify/{TOKEN}", link), link
    # The link verifies the account and signs it in.
    opened = follow(link)
    assert opened.status_code == 302
    assert opened["Location"] == "/"
    assert session_user_id(opened) == str(jane.pk)
    jane.refresh_from_db()
    assert jane.is_verified is True
    assert not UserKey.objects.filter(user=jane, kind="verify").exists()


# --- What users and administrators type cannot change the message ---------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["welcome", "reset", "verify"])
def test_names_and_titles_are_escaped_in_html_only(smtp, admin_key_client, anonymous, kind):
    title = 'Tom & Jerry <script>alert("title")</script>'
    name = "Jane <script>alert(1)</script>"
    Site.objects.filter(hostname="*").update(config={**default_site_config(), "title": title})
    variables = {"email": EMAIL, "name": name, "password": PASSWORD}
    if kind == "welcome":
        response = admin_key_client(CREATE_USER, variables, HTTP_HOST=BASE_HOST)
    elif kind == "reset":
        UserFactory(email=EMAIL, name=name)
        response = anonymous(FORGOT_PASSWORD, {"email": EMAIL}, HTTP_HOST=BASE_HOST)
    else:
        open_validating_registration()
        response = anonymous(REGISTER, variables, HTTP_HOST=BASE_HOST)
    succeeded(next(iter(response.data.values())))

    (mail,) = smtp.received
    assert "<script" not in mail.html.lower()
    assert "Jane &lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert "Tom &amp; Jerry &lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in mail.html
    # Plain text is not HTML: it shows what was typed.
    assert name in mail.text
    assert title in mail.text
    if kind == "welcome":
        assert mail.message["Subject"] == f"Welcome to the wiki {title}"


@pytest.mark.django_db
def test_a_title_with_a_line_break_adds_no_header(smtp, admin_key_client):
    title = "Team\r\nBcc: intruder@example.net\nX-Injected: yes"
    Site.objects.filter(hostname="*").update(config={**default_site_config(), "title": title})

    response = admin_key_client(
        CREATE_USER, {"email": EMAIL, "name": "Jane Doe", "password": PASSWORD}, HTTP_HOST=BASE_HOST
    )

    succeeded(response.data["createUser"])
    (mail,) = smtp.received
    assert mail.rcpt_tos == [EMAIL]
    assert mail.message["Bcc"] is None
    assert mail.message["X-Injected"] is None
    assert mail.message["Subject"] == (
        "Welcome to the wiki Team Bcc: intruder@example.net X-Injected: yes"
    )


def test_a_subject_is_one_line_without_control_characters(settings, tmp_path):
    (tmp_path / "mail").mkdir()
    for suffix in ("subject.txt", "txt", "html"):
        (tmp_path / "mail" / f"probe.{suffix}").write_text("Hello {{ value }}")
    settings.TEMPLATES = [{**django_settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    message = render_mail("probe", {"value": "A\x00B\x1bC\u2028D\u0085E\r\nF\tG  <&>"}, to=EMAIL)

    assert message.subject == "Hello A B C D E F G <&>"
    assert message.text == "Hello A\x00B\x1bC\u2028D\u0085E\r\nF\tG  <&>"
    assert message.html == "Hello A\x00B\x1bC\u2028D\u0085E\r\nF\tG  &lt;&amp;&gt;"
