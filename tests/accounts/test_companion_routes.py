"""The companion routes mails link to (API.md §1.6): ``/verify/<token>``, ``/login-reset/<token>``."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts import continuation
from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy, TotpDevice, User, UserKey
from tests.factories import UserFactory
from tests.token_support import verified_claims
from wiki.config import update_setting

Kind = continuation.Kind
YEAR = 365 * 24 * 60 * 60


@pytest.fixture
def http() -> Client:
    return Client()


@pytest.fixture
def unverified(db):
    return UserFactory(email="jane@example.com", is_verified=False)


def expire_all() -> None:
    UserKey.objects.update(valid_until=timezone.now() - timedelta(seconds=1))


def assert_refused_page(response, key: str) -> None:
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert key in response.content.decode()
    assert "jwt" not in response.cookies
    assert "no-store" in response["Cache-Control"]


# --- /verify/<token> --------------------------------------------------------------------------
@pytest.mark.django_db
def test_verify_marks_verified_and_signs_in(http, unverified):
    token = continuation.issue(unverified, Kind.VERIFY)

    response = http.get(f"/verify/{token}")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "no-store" in response["Cache-Control"]
    cookie = response.cookies["jwt"]
    assert cookie["max-age"] == YEAR
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] == ""
    assert cookie["path"] == "/"
    assert verified_claims(cookie.value)["id"] == str(unverified.pk)
    user = User.objects.get(pk=unverified.pk)
    assert user.is_verified is True
    assert user.last_login is not None
    assert not UserKey.objects.exists()


@pytest.mark.django_db
def test_verify_over_https_sets_a_secure_cookie(http, unverified):
    token = continuation.issue(unverified, Kind.VERIFY)

    response = http.get(f"/verify/{token}", secure=True)

    assert response.cookies["jwt"]["secure"] is True


@pytest.mark.django_db
def test_a_verify_link_works_once(http, unverified):
    token = continuation.issue(unverified, Kind.VERIFY)
    http.get(f"/verify/{token}")

    assert_refused_page(Client().get(f"/verify/{token}"), "ERR_INVALID_VALIDATION_TOKEN")


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["x" * 21, "short", "a" * 300, "%00"], ids=repr)
def test_verify_with_an_unknown_token(http, unverified, token):
    continuation.issue(unverified, Kind.VERIFY)

    assert_refused_page(http.get(f"/verify/{token}"), "ERR_INVALID_VALIDATION_TOKEN")
    assert User.objects.get(pk=unverified.pk).is_verified is False


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [Kind.RESET_PASSWORD, Kind.CHANGE_PASSWORD, Kind.TFA])
def test_verify_with_a_token_of_another_kind(http, unverified, kind):
    token = continuation.issue(unverified, kind)

    assert_refused_page(http.get(f"/verify/{token}"), "ERR_INVALID_VALIDATION_TOKEN")
    assert User.objects.get(pk=unverified.pk).is_verified is False
    assert UserKey.objects.filter(kind=kind).exists()


@pytest.mark.django_db
def test_verify_with_an_expired_token(http, unverified):
    token = continuation.issue(unverified, Kind.VERIFY)
    expire_all()

    assert_refused_page(http.get(f"/verify/{token}"), "ERR_EXPIRED_VALIDATION_TOKEN")
    assert User.objects.get(pk=unverified.pk).is_verified is False
    # Deleted as it was checked (§4.5.2): the next try is an unknown token.
    assert not UserKey.objects.exists()


@pytest.mark.django_db
def test_verify_for_a_deactivated_account(http, unverified):
    token = continuation.issue(unverified, Kind.VERIFY)
    User.objects.filter(pk=unverified.pk).update(is_active=False)

    assert_refused_page(http.get(f"/verify/{token}"), "ERR_INACTIVE_USER")
    assert User.objects.get(pk=unverified.pk).is_verified is False


@pytest.mark.django_db
@pytest.mark.parametrize("step", ["must change password", "tfa required", "enforced", "totp"])
def test_verify_leaves_further_sign_in_steps_to_the_login_page(http, unverified, step):
    """The link proves the mailbox, not a second factor: no session, the login page instead."""
    if step == "must change password":
        User.objects.filter(pk=unverified.pk).update(must_change_password=True)
    elif step == "tfa required":
        User.objects.filter(pk=unverified.pk).update(tfa_required=True)
    elif step == "enforced":
        AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(config={"enforceTfa": True})
    else:
        TotpDevice.objects.create(user=unverified, name="phone", sealed_key="x", confirmed=True)
    token = continuation.issue(unverified, Kind.VERIFY)

    response = http.get(f"/verify/{token}")

    assert response.status_code == 302
    assert response["Location"] == "/login"
    assert "jwt" not in response.cookies
    assert User.objects.get(pk=unverified.pk).is_verified is True


@pytest.mark.django_db
def test_verify_answers_get_only(http, unverified):
    token = continuation.issue(unverified, Kind.VERIFY)

    assert http.post(f"/verify/{token}").status_code == 405
    assert UserKey.objects.count() == 1


@pytest.mark.django_db
def test_register_then_follow_the_mailed_link(http, anonymous):
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(
        registration=True, config={"emailValidation": True}
    )
    update_setting(
        "mail",
        host="smtp.example.com",
        senderEmail="wiki@example.com",
        defaultBaseURL="https://wiki.example.com/",
    )
    anonymous(
        'mutation { register(email: "new@example.com", password: "Correct-Horse-9", '
        'name: "Newcomer") { operation { succeeded } } }'
    )
    (link,) = re.findall(r"https://wiki\.example\.com(/verify/\S+)", mail.outbox[0].body)

    response = http.get(link)

    user = User.objects.get(email="new@example.com")
    assert response.status_code == 302
    assert user.is_verified is True
    assert verified_claims(response.cookies["jwt"].value)["email"] == "new@example.com"


# --- /login-reset/<token> ---------------------------------------------------------------------
@pytest.mark.django_db
def test_login_reset_hands_a_change_password_token_to_the_login_page(http, user):
    token = continuation.issue(user, Kind.RESET_PASSWORD)

    response = http.get(f"/login-reset/{token}")

    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    assert "jwt" not in response.cookies
    location = urlsplit(response["Location"])
    assert location.path == "/login"
    (new_token,) = parse_qs(location.query)["changePwdContinuationToken"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{21}", new_token)
    assert not UserKey.objects.filter(kind=Kind.RESET_PASSWORD).exists()
    key = continuation.consume(new_token, Kind.CHANGE_PASSWORD)
    assert key.user == user
    assert continuation.strategy_of(key) == str(LOCAL_STRATEGY_ID)


@pytest.mark.django_db
def test_a_reset_link_works_once(http, user):
    token = continuation.issue(user, Kind.RESET_PASSWORD)
    http.get(f"/login-reset/{token}")

    assert_refused_page(http.get(f"/login-reset/{token}"), "ERR_INVALID_VALIDATION_TOKEN")
    assert UserKey.objects.filter(kind=Kind.CHANGE_PASSWORD).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [Kind.VERIFY, Kind.CHANGE_PASSWORD, Kind.TFA_SETUP])
def test_login_reset_with_a_token_of_another_kind(http, user, kind):
    token = continuation.issue(user, kind)

    assert_refused_page(http.get(f"/login-reset/{token}"), "ERR_INVALID_VALIDATION_TOKEN")
    assert list(UserKey.objects.values_list("kind", flat=True)) == [kind]


@pytest.mark.django_db
def test_login_reset_with_an_unknown_token(http):
    assert_refused_page(http.get("/login-reset/" + "x" * 21), "ERR_INVALID_VALIDATION_TOKEN")


@pytest.mark.django_db
def test_login_reset_with_an_expired_token(http, user):
    token = continuation.issue(user, Kind.RESET_PASSWORD)
    expire_all()

    assert_refused_page(http.get(f"/login-reset/{token}"), "ERR_EXPIRED_VALIDATION_TOKEN")
    assert not UserKey.objects.exists()


@pytest.mark.django_db
def test_login_reset_for_a_deactivated_account(http, user):
    token = continuation.issue(user, Kind.RESET_PASSWORD)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_refused_page(http.get(f"/login-reset/{token}"), "ERR_INACTIVE_USER")
    assert not UserKey.objects.exists()


@pytest.mark.django_db
def test_forgot_password_then_follow_the_mailed_link(http, anonymous, user):
    update_setting(
        "mail",
        host="smtp.example.com",
        senderEmail="wiki@example.com",
        defaultBaseURL="https://w.example",
    )
    anonymous(
        f'mutation {{ forgotPassword(email: "{user.email}") {{ operation {{ succeeded }} }} }}'
    )
    (link,) = re.findall(r"https://w\.example(/login-reset/\S+)", mail.outbox[0].body)

    response = http.get(link)

    new_token = parse_qs(urlsplit(response["Location"]).query)["changePwdContinuationToken"][0]
    assert continuation.consume(new_token, Kind.CHANGE_PASSWORD).user == user
