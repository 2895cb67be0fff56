"""``register`` (API.md §4.5.5): every check in contract order, both outcomes, the mail."""

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail

from accounts import continuation
from accounts.models import LOCAL_STRATEGY_ID, USERS_GROUP_ID, AuthStrategy, User, UserKey
from accounts.registration import email_allowed, register
from tests.factories import GroupFactory, UserFactory
from tests.token_support import verified_claims
from wiki.config import update_setting
from wiki.errors import DomainError, ErrorKey
from wiki.models import OutboundMail, Site

REGISTER = """
mutation Register($email: String!, $password: String!, $name: String!) {
  register(email: $email, password: $password, name: $name) {
    operation { succeeded slug message }
    jwt nextAction continuationToken redirect tfaQRImage
  }
}
"""
PASSWORD = "Correct-Horse-9"
EMPTY_AUTH = {"jwt": None, "nextAction": None, "continuationToken": None, "redirect": None}


def strategy() -> AuthStrategy:
    return AuthStrategy.objects.get(pk=LOCAL_STRATEGY_ID)


def configure(**fields) -> AuthStrategy:
    config = fields.pop("config", None)
    local = strategy()
    for name, value in fields.items():
        setattr(local, name, value)
    if config is not None:
        local.config = {**(local.config or {}), **config}
    local.save()
    return local


@pytest.fixture
def open_registration(db):
    return configure(registration=True, config={"emailValidation": False})


@pytest.fixture
def validating_registration(db, mail_configured):
    return configure(registration=True, config={"emailValidation": True})


def call(client, email="jane@example.com", password=PASSWORD, name="Jane Doe", **headers):
    response = client(REGISTER, {"email": email, "password": password, "name": name}, **headers)
    assert response.status == 200, response.body
    return response


def registered(client, **variables) -> dict:
    response = call(client, **variables)
    assert response.errors == []
    return response.data["register"]


def assert_refused(payload: dict, key: str) -> None:
    assert payload == {
        "operation": {"succeeded": False, "slug": key, "message": key},
        "jwt": None,
        "nextAction": None,
        "continuationToken": None,
        "redirect": None,
        "tfaQRImage": None,
    }


def refuse(client, key: str, **variables) -> None:
    users = User.objects.count()
    keys = UserKey.objects.count()
    assert_refused(registered(client, **variables), key)
    assert User.objects.count() == users
    assert UserKey.objects.count() == keys
    assert mail.outbox == []


# --- Without email validation: signed in at once ---------------------------------------------
@pytest.mark.django_db
def test_registers_and_signs_in(anonymous, open_registration):
    payload = registered(anonymous, email="  Jane@Example.COM ")

    user = User.objects.get(email="jane@example.com")
    assert payload["operation"] == {
        "succeeded": True,
        "slug": "ok",
        "message": "Registration completed successfully.",
    }
    assert payload["nextAction"] == "redirect"
    assert payload["redirect"] == "/"
    assert payload["continuationToken"] is None
    assert payload["tfaQRImage"] is None
    assert verified_claims(payload["jwt"])["id"] == str(user.pk)
    assert user.name == "Jane Doe"
    assert user.check_password(PASSWORD)
    assert user.is_active
    assert user.is_verified
    assert not user.must_change_password
    assert not user.is_system
    assert user.last_login is not None
    assert list(user.groups.values_list("pk", flat=True)) == [USERS_GROUP_ID]
    assert user.prefs["timezone"] == "America/New_York"
    assert mail.outbox == []
    # The token works as a credential.
    response = anonymous(
        "query ($id: UUID!) { userById(id: $id) { email } }",
        {"id": str(user.pk)},
        HTTP_AUTHORIZATION=f"Bearer {payload['jwt']}",
    )
    assert response.data == {"userById": {"email": "jane@example.com"}}


@pytest.mark.django_db
def test_auto_enrolled_groups_that_still_exist(anonymous, open_registration):
    editors = GroupFactory(name="Editors")
    readers = GroupFactory(name="Readers")
    gone = GroupFactory(name="Gone")
    configure(auto_enroll_groups=[str(editors.pk), str(gone.pk), "not-a-uuid", str(readers.pk)])
    gone.delete()

    registered(anonymous)

    user = User.objects.get(email="jane@example.com")
    assert set(user.groups.values_list("pk", flat=True)) == {
        USERS_GROUP_ID,
        editors.pk,
        readers.pk,
    }


@pytest.mark.django_db
def test_a_group_redirect_is_the_login_redirect(anonymous, open_registration):
    landing = GroupFactory(name="Landing", redirect_on_login="/welcome")
    configure(auto_enroll_groups=[str(landing.pk)])

    payload = registered(anonymous)

    assert payload["redirect"] == "/welcome"


@pytest.mark.django_db
def test_email_validation_is_on_by_default(anonymous, mail_configured):
    local = configure(registration=True)
    local.config = {}
    local.save()

    payload = registered(anonymous)

    assert payload["operation"]["succeeded"] is True
    assert {k: payload[k] for k in EMPTY_AUTH} == EMPTY_AUTH
    assert User.objects.get(email="jane@example.com").is_verified is False


# --- With email validation: a mail, no session -----------------------------------------------
@pytest.mark.django_db
def test_registers_unverified_and_mails_a_link(anonymous, validating_registration):
    Site.objects.filter(hostname="*").update(config={"title": "Team Wiki"})

    payload = registered(anonymous)

    user = User.objects.get(email="jane@example.com")
    assert payload == {
        "operation": {
            "succeeded": True,
            "slug": "ok",
            "message": "Registration completed successfully.",
        },
        **EMPTY_AUTH,
        "tfaQRImage": None,
    }
    assert user.is_verified is False
    assert user.last_login is None
    assert user.check_password(PASSWORD)
    (key,) = UserKey.objects.filter(user=user)
    assert key.kind == "verify"

    (message,) = mail.outbox
    assert message.to == ["jane@example.com"]
    assert message.subject == "Verify your account"
    assert message.from_email == "Wiki Bot <wiki@example.com>"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    token = re.search(r"https://docs\.example\.org/verify/([A-Za-z0-9_-]{21})\n", message.body)
    assert token, message.body
    assert f'href="https://docs.example.org/verify/{token[1]}"' in html
    assert ">Verify</a>" in html
    assert "Team Wiki" in message.body
    assert "Team Wiki" in html
    assert "Jane Doe" in message.body
    # The link's token is the stored one: it verifies exactly this account.
    assert continuation.consume(token[1], continuation.Kind.VERIFY).user == user


@pytest.mark.django_db
def test_a_named_site_links_to_its_own_hostname(anonymous, validating_registration):
    Site.objects.create(hostname="wiki.example.com", config={"title": "Company Wiki"})

    registered(anonymous, HTTP_HOST="wiki.example.com")

    (message,) = mail.outbox
    assert re.search(r"https://wiki\.example\.com/verify/[A-Za-z0-9_-]{21}\n", message.body)
    assert "docs.example.org" not in message.body
    assert "Company Wiki" in message.body


@pytest.mark.django_db
def test_an_unverified_account_cannot_log_in_yet(anonymous, validating_registration):
    registered(anonymous)

    user = User.objects.get(email="jane@example.com")
    assert not user.is_verified
    assert not UserKey.objects.filter(user=user, kind="changePwd").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("defect", ["broken", "missing"])
def test_a_mail_that_does_not_render_leaves_no_account(
    anonymous, validating_registration, settings, tmp_path, defect
):
    templates = tmp_path / "mail"
    templates.mkdir()
    real = django_settings.BASE_DIR / "templates" / "mail"
    for name in ("verify.subject.txt", "verify.txt"):
        (templates / name).write_text((real / name).read_text())
    if defect == "broken":
        (templates / "verify.html").write_text("<p>{% if %}</p>")
    settings.TEMPLATES = [{**django_settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    refuse(anonymous, "ERR_MAIL_RENDER_FAILED")


@pytest.mark.django_db
def test_a_mail_that_cannot_be_sent_leaves_no_account(anonymous, settings, mail_configured):
    configure(registration=True, config={"emailValidation": True})
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    update_setting("mail", host="127.0.0.1", port=1, secure=False)

    refuse(anonymous, "ERR_MAIL_SEND_FAILED")
    # The account, its token and the outbox row were one transaction: none stays.
    assert OutboundMail.objects.count() == 0

    # Once mail works, the same address can register.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert registered(anonymous)["operation"]["succeeded"] is True


# --- The checks, in contract order ------------------------------------------------------------
@pytest.mark.django_db
def test_registration_disabled(anonymous, mail_configured):
    configure(registration=False, config={"emailValidation": False})
    # Every later check would fail too: this one comes first.
    refuse(anonymous, "ERR_REGISTRATION_DISABLED", email="bad", password="x", name="")


@pytest.mark.django_db
def test_a_disabled_local_strategy_disables_registration(anonymous, open_registration):
    configure(is_enabled=False)
    refuse(anonymous, "ERR_REGISTRATION_DISABLED")


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["", "   ", "jane", "jane@", "@example.com", "a b@example.com"])
def test_email_format(anonymous, open_registration, email):
    refuse(anonymous, "ERR_EMAIL_ADDRESS_NOT_ALLOWED", email=email, password="x", name="")


@pytest.mark.django_db
def test_email_longer_than_255(anonymous, open_registration):
    email = "a" * 244 + "@example.com"  # 256 characters
    refuse(anonymous, "ERR_EMAIL_ADDRESS_NOT_ALLOWED", email=email)


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["", "1234567", "       "])
def test_password_too_short(anonymous, open_registration, password):
    # After the email, before the name.
    refuse(anonymous, "ERR_PASSWORD_TOO_SHORT", password=password[:7], name="")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", " ", "J", " J ", "x" * 256])
def test_name(anonymous, open_registration, name):
    configure(allowed_email_regex="@nowhere\\.invalid$")
    refuse(anonymous, "ERR_INVALID_INPUT", name=name)


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["@example\\.org$", "^admin@", "EXAMPLE\\.NET"])
def test_email_not_matching_the_allowed_pattern(anonymous, open_registration, pattern):
    configure(allowed_email_regex=pattern)
    UserFactory(email="jane@example.com")  # the duplicate check comes later
    refuse(anonymous, "ERR_EMAIL_ADDRESS_NOT_ALLOWED")


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["@EXAMPLE\\.com$", "example", "^jane@", "(?i)JANE"])
def test_email_matching_the_allowed_pattern_ignoring_case(anonymous, open_registration, pattern):
    configure(allowed_email_regex=pattern)
    assert registered(anonymous)["operation"]["succeeded"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["(a", "(?=x)example", "(\\w)\\1"])
def test_a_pattern_that_does_not_compile_allows_nobody(anonymous, open_registration, pattern):
    configure(allowed_email_regex=pattern)
    refuse(anonymous, "ERR_EMAIL_ADDRESS_NOT_ALLOWED")


@pytest.mark.django_db
def test_a_hostile_pattern_answers_at_once(open_registration):
    """RE2 runs in linear time: Python's re would take minutes here."""
    local = configure(allowed_email_regex="^(a+)+$")
    assert email_allowed(local, "a" * 5000 + "!") is False
    assert email_allowed(local, "a" * 5000) is True


@pytest.mark.django_db
@pytest.mark.parametrize("existing", ["jane@example.com", "JANE@example.com"])
def test_duplicate_email(anonymous, open_registration, existing):
    User.objects.filter(pk=UserFactory().pk).update(email=existing)
    configure(config={"emailValidation": True})  # mail not configured: checked later
    refuse(anonymous, "ERR_DUPLICATE_ACCOUNT_EMAIL", email="Jane@Example.com")


@pytest.mark.django_db
def test_mail_not_configured_with_email_validation(anonymous):
    configure(registration=True, config={"emailValidation": True})
    refuse(anonymous, "ERR_MAIL_NOT_CONFIGURED")


@pytest.mark.django_db
def test_mail_not_needed_without_email_validation(anonymous, open_registration):
    assert registered(anonymous)["operation"]["succeeded"] is True


@pytest.mark.django_db
def test_a_signed_in_caller_registers_like_anyone(user_client, open_registration):
    payload = registered(user_client)
    assert payload["operation"]["succeeded"] is True
    assert verified_claims(payload["jwt"])["email"] == "jane@example.com"


# --- The service, directly --------------------------------------------------------------------
@pytest.mark.django_db
def test_service_refuses_in_order(open_registration):
    site = Site.objects.get(hostname="*")
    with pytest.raises(DomainError) as refused:
        register(email="x", password="", name="", site=site, client_address="203.0.113.7")
    assert refused.value.key == ErrorKey.EMAIL_ADDRESS_NOT_ALLOWED

    result = register(
        email="jane@example.com",
        password=PASSWORD,
        name="Jane",
        site=site,
        client_address="203.0.113.7",
    )
    assert result.user.email == "jane@example.com"
    assert result.next_action == "redirect"
