"""``changePassword`` (API.md §4.5.5): with a changePwd token, and as a profile change."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import continuation, signin
from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy, User, UserKey
from accounts.permissions import Caller, CallerKind
from tests.factories import GroupFactory, UserFactory
from tests.token_support import verified_claims
from wiki.errors import DomainError

from .support import (
    CHANGE_PASSWORD,
    LOCAL,
    LOGIN,
    PASSWORD,
    failed,
    give_totp,
    keys_of,
    login_variables,
    nothing_but,
    site_id,
    token_for,
)

pytestmark = pytest.mark.django_db

NEW = "BrandNew-456"
CHANGE_PWD = UserKey.Kind.CHANGE_PASSWORD


def change(client, *, token=None, current=None, new=NEW, **changes) -> dict:
    variables = {"new": new, "strategyId": LOCAL, "siteId": site_id(), **changes}
    if token is not None:
        variables["token"] = token
    if current is not None:
        variables["current"] = current
    answer = client(CHANGE_PASSWORD, variables)
    assert answer.status == 200, answer.body
    assert answer.errors == [], answer.body
    return answer.data["changePassword"]


def password_is(user, password: str) -> bool:
    return User.objects.get(pk=user.pk).check_password(password)


# --- With a changePwd token -------------------------------------------------------------------
def test_a_forced_change_sets_the_password_and_signs_in(anonymous, rate_hits):
    group = GroupFactory(redirect_on_login="/start")
    user = UserFactory(email="forced@example.com", must_change_password=True, groups=[group])
    first = anonymous(LOGIN, login_variables("forced@example.com")).data["login"]
    assert first["nextAction"] == "changePassword"

    result = change(anonymous, token=first["continuationToken"])

    assert result["operation"]["succeeded"] is True
    assert result["nextAction"] == "redirect"
    assert result["redirect"] == "/start"
    assert result["continuationToken"] is None
    assert verified_claims(result["jwt"])["id"] == str(user.pk)
    user.refresh_from_db()
    assert user.must_change_password is False
    assert user.last_login is not None
    assert password_is(user, NEW)
    assert not password_is(user, PASSWORD)
    assert keys_of(user) == []
    assert rate_hits[-1] == ("changePassword", "127.0.0.1", "forced@example.com")
    # The new password signs in directly now.
    again = anonymous(LOGIN, login_variables("forced@example.com", NEW)).data["login"]
    assert again["nextAction"] == "redirect"


def test_the_tfa_step_is_not_repeated_after_the_change(anonymous):
    user = UserFactory(must_change_password=True, tfa_required=True)
    give_totp(user)
    token = token_for(user, CHANGE_PWD)

    result = change(anonymous, token=token)

    assert result["nextAction"] == "redirect"
    assert result["jwt"]


def test_a_reset_token_without_strategy_counts_as_local(anonymous):
    user = UserFactory()
    token = continuation.issue(user, CHANGE_PWD)  # as /login-reset/{token} makes it

    result = change(anonymous, token=token)

    assert result["nextAction"] == "redirect"
    assert password_is(user, NEW)


def test_a_reset_link_still_asks_for_the_second_factor(anonymous, client):
    """A reset link proves the mailbox only: an account with TOTP is asked for its code."""
    user = UserFactory(email="tfa-reset@example.com")
    give_totp(user)
    reset = continuation.issue(user, UserKey.Kind.RESET_PASSWORD)
    location = client.get(f"/login-reset/{reset}")["Location"]
    token = location.split("changePwdContinuationToken=")[1]

    result = change(anonymous, token=token)

    assert result["nextAction"] == "provideTfa"
    assert result["jwt"] is None
    assert [kind for kind, _meta in keys_of(user)] == ["tfa"]
    assert password_is(user, NEW)


def test_1_a_short_password_leaves_the_token(anonymous):
    user = UserFactory(must_change_password=True)
    token = token_for(user, CHANGE_PWD)

    assert change(anonymous, token=token, new="short12") == nothing_but(
        failed("ERR_PASSWORD_TOO_SHORT")
    )
    assert [kind for kind, _ in keys_of(user)] == ["changePwd"]
    assert password_is(user, PASSWORD)


@pytest.mark.parametrize("issued", [None, "tfa", "resetPwd"])
def test_2_an_unknown_token_or_one_of_another_kind(anonymous, issued):
    user = UserFactory(must_change_password=True)
    token = token_for(user, issued) if issued else "no-such-token-here-xx"

    assert change(anonymous, token=token) == nothing_but(failed("ERR_INVALID_VALIDATION_TOKEN"))
    assert password_is(user, PASSWORD)


def test_2_an_expired_token_is_refused_and_deleted(anonymous):
    user = UserFactory(must_change_password=True)
    token = token_for(user, CHANGE_PWD)
    UserKey.objects.filter(user=user).update(valid_until=timezone.now() - timedelta(minutes=1))

    assert change(anonymous, token=token) == nothing_but(failed("ERR_EXPIRED_VALIDATION_TOKEN"))
    assert keys_of(user) == []
    assert password_is(user, PASSWORD)


@pytest.mark.parametrize("recorded", [LOCAL_STRATEGY_ID, None])
def test_3_another_strategy_than_the_tokens(anonymous, recorded):
    user = UserFactory(must_change_password=True)
    token = continuation.issue(user, CHANGE_PWD, strategy_id=recorded)

    result = change(anonymous, token=token, strategyId=str(uuid.uuid4()))

    assert result == nothing_but(failed("ERR_INVALID_STRATEGY"))
    assert keys_of(user) == []  # looked at, so gone (§4.5.2)
    assert password_is(user, PASSWORD)
    user.refresh_from_db()
    assert user.must_change_password is True


def test_4_the_tokens_user_deleted_meanwhile(monkeypatch):
    """The key cascades with its user, so only a deletion between the checks gets here."""
    user = UserFactory(must_change_password=True)
    token = token_for(user, CHANGE_PWD)
    real_consume = continuation.consume

    def consume_then_lose_the_user(*args, **kwargs):
        key = real_consume(*args, **kwargs)
        User.objects.filter(pk=key.user_id).delete()
        return key

    monkeypatch.setattr(continuation, "consume", consume_then_lose_the_user)

    with pytest.raises(DomainError) as refusal:
        signin.change_password_with_token(
            continuation_token=token,
            new_password=NEW,
            strategy_id=LOCAL_STRATEGY_ID,
            site_id=None,
            client_address="127.0.0.1",
        )

    assert refusal.value.key == "ERR_INVALID_USER"


def test_token_form_checks_in_order(anonymous):
    user = UserFactory(must_change_password=True)
    answers = [
        change(anonymous, token="unknown-token", new="short", strategyId=str(uuid.uuid4())),
        change(anonymous, token="unknown-token", strategyId=str(uuid.uuid4())),
        change(anonymous, token=token_for(user, CHANGE_PWD), strategyId=str(uuid.uuid4())),
        change(anonymous, token=token_for(user, CHANGE_PWD)),
    ]

    assert [answer["operation"]["slug"] for answer in answers] == [
        "ERR_PASSWORD_TOO_SHORT",
        "ERR_INVALID_VALIDATION_TOKEN",
        "ERR_INVALID_STRATEGY",
        "ok",
    ]


# --- Profile change (no token) ----------------------------------------------------------------
def test_a_signed_in_user_changes_their_password(user, user_client, rate_hits):
    User.objects.filter(pk=user.pk).update(must_change_password=True)

    result = change(user_client, current=PASSWORD)

    assert result == nothing_but({**result["operation"], "succeeded": True, "slug": "ok"})
    user.refresh_from_db()
    assert password_is(user, NEW)
    assert user.must_change_password is False
    assert user.last_login is None  # no new session
    assert rate_hits == [("changePassword", "127.0.0.1", "member@example.com")]


def test_an_empty_token_is_a_profile_change(user, user_client):
    result = change(user_client, token="", current=PASSWORD)

    assert result["operation"]["succeeded"] is True
    assert password_is(user, NEW)


@pytest.mark.parametrize("kind", ["guest", "api_key"])
def test_profile_1_needs_a_signed_in_user(kind, anonymous, admin_key_client, rate_hits):
    client = anonymous if kind == "guest" else admin_key_client

    assert change(client, current=PASSWORD) == nothing_but(failed("ERR_NOT_AUTHENTICATED"))
    assert rate_hits == [("changePassword", "127.0.0.1", None)]


def test_profile_2_an_account_deleted_meanwhile():
    user = UserFactory()
    caller = Caller(kind=CallerKind.USER, policy=None, user=user)
    user.delete()

    with pytest.raises(DomainError) as refusal:
        signin.change_own_password(
            caller,
            current_password=PASSWORD,
            new_password=NEW,
            strategy_id=LOCAL_STRATEGY_ID,
            client_address="127.0.0.1",
        )

    assert refusal.value.key == "ERR_INVALID_USER"


def test_profile_3_a_short_password(user, user_client):
    assert change(user_client, current=PASSWORD, new="1234567") == nothing_but(
        failed("ERR_PASSWORD_TOO_SHORT")
    )
    assert password_is(user, PASSWORD)


@pytest.mark.parametrize("why", ["unknown", "disabled", "no password", "other strategy"])
def test_profile_4_no_password_for_the_strategy(user, user_client, why):
    strategy = LOCAL
    if why == "unknown":
        strategy = str(uuid.uuid4())
    elif why == "disabled":
        AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=False)
    elif why == "no password":
        user.set_unusable_password()
        user.save()
    else:
        strategy = str(
            AuthStrategy.objects.create(module="ldap", display_name="LDAP", is_enabled=True).pk
        )

    result = change(user_client, current=PASSWORD, strategyId=strategy)

    assert result == nothing_but(failed("ERR_INVALID_STRATEGY"))
    assert password_is(user, PASSWORD) is (why != "no password")


@pytest.mark.parametrize("current", [None, "", "Password124", "password123"])
def test_profile_5_a_wrong_or_missing_current_password(user, user_client, current):
    result = change(user_client, current=current)

    assert result == nothing_but(failed("ERR_INCORRECT_CURRENT_PASSWORD"))
    assert password_is(user, PASSWORD)


def test_profile_form_checks_in_order(user, user_client):
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=False)
    answers = [
        change(user_client, current="wrong", new="short"),
        change(user_client, current="wrong"),
    ]
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=True)
    answers.append(change(user_client, current="wrong"))
    answers.append(change(user_client, current=PASSWORD))

    assert [answer["operation"]["slug"] for answer in answers] == [
        "ERR_PASSWORD_TOO_SHORT",
        "ERR_INVALID_STRATEGY",
        "ERR_INCORRECT_CURRENT_PASSWORD",
        "ok",
    ]
