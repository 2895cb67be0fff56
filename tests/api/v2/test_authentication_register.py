"""``register`` and ``forgotPassword`` on /graphql (API-v2.md §3.5, §2.8)."""

import pytest
from django.conf import settings as django_settings
from django.core import mail

from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy, User, UserKey
from tests.factories import GroupFactory, UserFactory
from tests.token_support import verified_claims
from wiki.config import update_setting

from .auth_support import PY_FORGOT_PASSWORD, PY_REGISTER, ok, refused, result_of

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-9"
MAIL_NOT_CONFIGURED = refused(
    3002, "MailNotConfigured", "The mail configuration is incomplete or invalid."
)
MAIL_TEMPLATE_FAILED = refused(3003, "MailTemplateFailed", "Mail template failed to load.")
MAIL_GENERIC = refused(
    3001, "MailGenericError", "An unexpected error occured during mail operation."
)


def configure(**fields) -> None:
    local = AuthStrategy.objects.get(pk=LOCAL_STRATEGY_ID)
    config = fields.pop("config", None)
    for name, value in fields.items():
        setattr(local, name, value)
    if config is not None:
        local.config = {**(local.config or {}), **config}
    local.save()


@pytest.fixture
def open_registration(db):
    configure(registration=True, config={"emailValidation": False})


@pytest.fixture
def validating_registration(db, mail_configured):
    configure(registration=True, config={"emailValidation": True})


def register(client, email="jane@example.com", password=PASSWORD, name="Jane Doe") -> dict:
    variables = {"email": email, "password": password, "name": name}
    return result_of(client(PY_REGISTER, variables), "register")


def invalid(message: str) -> dict:
    return {"responseResult": refused(1012, "InputInvalid", message), "jwt": None}


# --- register ----------------------------------------------------------------------------------
def test_register_without_email_validation_signs_in(v2_anonymous, open_registration):
    enrolled = GroupFactory(name="Self-registered")
    configure(auto_enroll_groups=[str(enrolled.pk)])

    result = register(v2_anonymous)

    assert result["responseResult"] == ok("Registration success")
    user = User.objects.get(email="jane@example.com")
    assert verified_claims(result["jwt"])["id"] == str(user.pk)
    assert user.name == "Jane Doe"
    assert enrolled in user.groups.all()


def test_register_with_email_validation_mails_and_returns_no_jwt(
    v2_anonymous, validating_registration
):
    result = register(v2_anonymous)

    assert result == {"responseResult": ok("Registration success"), "jwt": None}
    user = User.objects.get(email="jane@example.com")
    assert user.is_verified is False
    (message,) = mail.outbox
    assert message.to == ["jane@example.com"]
    assert UserKey.objects.filter(user=user, kind="verify").exists()


def test_registration_disabled(v2_anonymous):
    configure(registration=False)

    assert register(v2_anonymous) == {
        "responseResult": refused(
            1010,
            "AuthRegistrationDisabled",
            "Registration is disabled. Contact your system administrator.",
        ),
        "jwt": None,
    }
    assert not User.objects.filter(email="jane@example.com").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"email": "not an email"}, "Email is not a valid email"),
        ({"email": ""}, "Email is not a valid email"),
        ({"password": ""}, "Password can't be blank"),
        ({"password": "short"}, "Password is too short (minimum is 8 characters)"),
        ({"name": ""}, "Name can't be blank"),
        ({"name": "   "}, "Name can't be blank"),
        ({"name": "J"}, "Name is too short (minimum is 2 characters)"),
        ({"name": "J" * 256}, "Name is too long (maximum is 255 characters)"),
    ],
)
def test_register_field_messages(v2_anonymous, open_registration, arguments, message):
    assert register(v2_anonymous, **arguments) == invalid(message)
    assert User.objects.filter(is_system=False).count() == 0


def test_the_allow_list_refuses_other_domains(v2_anonymous, open_registration):
    configure(allowed_email_regex=r"@example\.org$")

    assert register(v2_anonymous, email="jane@example.com") == {
        "responseResult": refused(
            1011,
            "AuthRegistrationDomainUnauthorized",
            "You are not authorized to register. Your domain is not whitelisted.",
        ),
        "jwt": None,
    }
    assert register(v2_anonymous, email="jane@example.org")["responseResult"] == ok(
        "Registration success"
    )


def test_an_email_in_use_is_refused(v2_anonymous, open_registration):
    UserFactory(email="jane@example.com")

    assert register(v2_anonymous, email="JANE@example.com") == {
        "responseResult": refused(
            1004,
            "AuthAccountAlreadyExists",
            "An account already exists using this email address.",
        ),
        "jwt": None,
    }


def test_validation_without_mail_settings_is_mail_not_configured(v2_anonymous):
    configure(registration=True, config={"emailValidation": True})

    assert register(v2_anonymous) == {"responseResult": MAIL_NOT_CONFIGURED, "jwt": None}
    assert not User.objects.filter(email="jane@example.com").exists()


def broken_template(settings, tmp_path, kind: str) -> None:
    """The HTML template of mail ``kind`` does not compile."""
    templates = tmp_path / "mail"
    templates.mkdir()
    real = django_settings.BASE_DIR / "templates" / "mail"
    for name in (f"{kind}.subject.txt", f"{kind}.txt"):
        (templates / name).write_text((real / name).read_text())
    (templates / f"{kind}.html").write_text("<p>{% if %}</p>")
    settings.TEMPLATES = [{**django_settings.TEMPLATES[0], "DIRS": [tmp_path]}]


def test_a_verification_mail_that_does_not_render(
    v2_anonymous, validating_registration, settings, tmp_path
):
    broken_template(settings, tmp_path, "verify")

    assert register(v2_anonymous) == {"responseResult": MAIL_TEMPLATE_FAILED, "jwt": None}
    assert not User.objects.filter(email="jane@example.com").exists()


# --- forgotPassword ----------------------------------------------------------------------------
def forgot(client, email="jane@example.com") -> dict:
    return result_of(client(PY_FORGOT_PASSWORD, {"email": email}), "forgotPassword")


@pytest.mark.parametrize("known", [True, False])
def test_forgot_password_answers_alike(v2_anonymous, mail_configured, known):
    if known:
        UserFactory(email="jane@example.com")

    assert forgot(v2_anonymous) == {"responseResult": ok("Password reset request processed.")}
    assert len(mail.outbox) == (1 if known else 0)
    assert UserKey.objects.filter(kind="resetPwd").count() == (1 if known else 0)


def test_forgot_password_without_mail_settings(v2_anonymous):
    UserFactory(email="jane@example.com")

    assert forgot(v2_anonymous) == {"responseResult": MAIL_NOT_CONFIGURED}


@pytest.mark.parametrize("known", [True, False])
def test_forgot_password_with_a_broken_template(
    v2_anonymous, mail_configured, settings, tmp_path, known
):
    if known:
        UserFactory(email="jane@example.com")
    broken_template(settings, tmp_path, "reset")

    assert forgot(v2_anonymous) == {"responseResult": MAIL_TEMPLATE_FAILED}
    assert UserKey.objects.count() == 0


def test_forgot_password_when_the_mail_cannot_be_sent(v2_anonymous, mail_configured, settings):
    UserFactory(email="jane@example.com")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    update_setting("mail", host="127.0.0.1", port=1, secure=False)

    assert forgot(v2_anonymous) == {"responseResult": MAIL_GENERIC}
    assert UserKey.objects.count() == 0
