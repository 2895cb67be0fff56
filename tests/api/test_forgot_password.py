"""``forgotPassword`` (API.md §4.5.5) and its mail (§4.6): the same answer whether or not the
account exists, a link only for an account that can use it."""

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail

from accounts import continuation
from accounts.models import User, UserKey
from accounts.services import guest_user
from tests.factories import UserFactory
from wiki.config import update_setting
from wiki.models import OutboundMail, Site

FORGOT = """
mutation Forgot($email: String!) {
  forgotPassword(email: $email) { operation { succeeded slug message } }
}
"""
SUCCEEDED = {
    "succeeded": True,
    "slug": "ok",
    "message": "If an account with that email exists, a password reset link was sent.",
}
LINK = re.compile(r"https://docs\.example\.org/login-reset/([A-Za-z0-9_-]{21})\n")


@pytest.fixture
def jane(db):
    return UserFactory(email="jane@example.com", name="Jane Doe")


def forgot(client, email="jane@example.com", **headers) -> dict:
    response = client(FORGOT, {"email": email}, **headers)
    assert response.status == 200, response.body
    assert response.errors == []
    return response.data["forgotPassword"]["operation"]


def failed(key: str) -> dict:
    return {"succeeded": False, "slug": key, "message": key}


@pytest.mark.django_db
def test_mails_a_reset_link(anonymous, mail_configured, jane):
    Site.objects.filter(hostname="*").update(config={"title": "Team Wiki"})

    assert forgot(anonymous, email="  Jane@EXAMPLE.com ") == SUCCEEDED

    (message,) = mail.outbox
    assert message.to == ["jane@example.com"]
    assert message.subject == "Password Reset Request"
    assert message.from_email == "Wiki Bot <wiki@example.com>"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    token = LINK.search(message.body)
    assert token, message.body
    assert f'href="https://docs.example.org/login-reset/{token[1]}"' in html
    assert ">Reset Password</a>" in html
    assert "Team Wiki" in message.body
    assert "Team Wiki" in html
    assert "Jane Doe" in html
    (key,) = UserKey.objects.all()
    assert key.user == jane
    assert key.kind == "resetPwd"
    # The password is untouched until the link is used.
    assert User.objects.get(pk=jane.pk).check_password("Password123")
    assert continuation.consume(token[1], continuation.Kind.RESET_PASSWORD).user == jane


@pytest.mark.django_db
def test_each_request_mails_a_new_link(anonymous, mail_configured, jane):
    forgot(anonymous)
    forgot(anonymous)

    first, second = (LINK.search(m.body)[1] for m in mail.outbox)
    assert first != second
    assert UserKey.objects.filter(user=jane, kind="resetPwd").count() == 2


@pytest.mark.django_db
def test_mail_not_configured_comes_first(anonymous, jane):
    assert forgot(anonymous) == failed("ERR_MAIL_NOT_CONFIGURED")
    assert forgot(anonymous, email="nobody@example.com") == failed("ERR_MAIL_NOT_CONFIGURED")
    assert forgot(anonymous, email="not an email") == failed("ERR_MAIL_NOT_CONFIGURED")
    assert mail.outbox == []
    assert UserKey.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["nobody@example.com", "", "not an email", "x" * 300])
def test_unknown_emails_get_the_same_answer(anonymous, mail_configured, jane, email):
    assert forgot(anonymous, email=email) == SUCCEEDED
    assert mail.outbox == []
    assert UserKey.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "account",
    ["inactive", "system", "no local password"],
)
def test_accounts_that_cannot_use_a_link_get_none(anonymous, mail_configured, account):
    if account == "system":
        email = guest_user().email
    else:
        user = UserFactory(email="jane@example.com", is_active=account != "inactive")
        email = user.email
        if account == "no local password":
            user.set_unusable_password()
            user.save()

    assert forgot(anonymous, email=email) == SUCCEEDED
    assert mail.outbox == []
    assert UserKey.objects.count() == 0


@pytest.mark.django_db
def test_a_signed_in_caller_asks_like_anyone(user_client, mail_configured, jane):
    assert forgot(user_client) == SUCCEEDED
    assert mail.outbox[0].to == ["jane@example.com"]


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["jane@example.com", "nobody@example.com"])
def test_a_mail_that_does_not_render_fails_alike(
    anonymous, mail_configured, jane, settings, tmp_path, email
):
    """Known or not, the mail is rendered: the answer tells nothing about the account."""
    templates = tmp_path / "mail"
    templates.mkdir()
    real = django_settings.BASE_DIR / "templates" / "mail"
    for name in ("reset.subject.txt", "reset.txt"):
        (templates / name).write_text((real / name).read_text())
    (templates / "reset.html").write_text("<p>{% if %}</p>")
    settings.TEMPLATES = [{**django_settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    assert forgot(anonymous, email=email) == failed("ERR_MAIL_RENDER_FAILED")
    assert mail.outbox == []
    assert UserKey.objects.count() == 0


@pytest.mark.django_db
def test_a_mail_that_cannot_be_sent_leaves_no_token(anonymous, mail_configured, jane, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    update_setting("mail", host="127.0.0.1", port=1, secure=False)

    assert forgot(anonymous) == failed("ERR_MAIL_SEND_FAILED")
    # The token and the outbox row were one transaction: neither stays.
    assert UserKey.objects.count() == 0
    assert OutboundMail.objects.count() == 0


@pytest.mark.django_db
def test_the_base_url_without_a_trailing_slash(anonymous, mail_configured, jane):
    update_setting("mail", defaultBaseURL="https://wiki.example.net/sub")

    forgot(anonymous)  # served by the * site, whose links start with the base URL

    assert re.search(
        r"https://wiki\.example\.net/sub/login-reset/[A-Za-z0-9_-]{21}\n", mail.outbox[0].body
    )


@pytest.mark.django_db
def test_a_named_site_links_to_its_own_hostname(anonymous, mail_configured, jane):
    Site.objects.create(hostname="wiki.example.com", config={"title": "Company Wiki"})

    forgot(anonymous, HTTP_HOST="wiki.example.com")

    (message,) = mail.outbox
    assert re.search(r"https://wiki\.example\.com/login-reset/[A-Za-z0-9_-]{21}\n", message.body)
    assert "docs.example.org" not in message.body
    assert "Company Wiki" in message.body
