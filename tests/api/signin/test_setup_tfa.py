"""``setupTFA`` and ``deactivateTFA`` (API.md §4.5.5), and an administrator's ``disableUserTFA``."""

import base64
import uuid

import pytest

from accounts import tokens, totp
from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy, TotpDevice, UserKey
from accounts.permissions import Caller, CallerKind
from tests.conftest import GraphQLClient
from tests.factories import UserFactory, default_site
from wiki.errors import DomainError

from .support import (
    DEACTIVATE_TFA,
    DISABLE_USER_TFA,
    LOCAL,
    LOGIN,
    LOGIN_TFA,
    SETUP_TFA,
    USER_AUTH,
    code,
    failed,
    give_totp,
    keys_of,
    login_variables,
    site_id,
    stored_secret,
    tfa_variables,
)

pytestmark = pytest.mark.django_db

OK = {"succeeded": True, "slug": "ok"}


def setup_tfa(client, **changes) -> dict:
    variables = {"strategyId": LOCAL, "siteId": site_id(), **changes}
    answer = client(SETUP_TFA, variables)
    assert answer.status == 200, answer.body
    assert answer.errors == [], answer.body
    return answer.data["setupTFA"]


def deactivate_tfa(client, **changes) -> dict:
    answer = client(DEACTIVATE_TFA, {"strategyId": LOCAL, **changes})
    assert answer.status == 200, answer.body
    assert answer.errors == [], answer.body
    return answer.data["deactivateTFA"]


def refused(key: str) -> dict:
    return {"operation": failed(key), "continuationToken": None, "tfaQRImage": None}


def is_tfa_setup(admin_client, user) -> bool:
    answer = admin_client(USER_AUTH, {"id": str(user.pk)})
    return answer.data["userById"]["auth"][0]["config"]["isTfaSetup"]


def ghost_caller(user) -> Caller:
    """A signed-in caller whose account is deleted while the request runs."""
    caller = Caller(kind=CallerKind.USER, policy=None, user=user)
    user.delete()
    return caller


# --- setupTFA ---------------------------------------------------------------------------------
def test_setup_then_first_code_activates_tfa(user, user_client, admin_client, anonymous):
    assert is_tfa_setup(admin_client, user) is False

    result = setup_tfa(user_client)

    assert result["operation"]["succeeded"] is True
    device = TotpDevice.objects.get(user=user)
    assert device.confirmed is False
    secret = stored_secret(user)
    assert result["tfaQRImage"] == totp.qr_svg(user.email, secret, default_site())
    assert keys_of(user) == [("tfaSetup", {"strategyId": LOCAL})]
    assert is_tfa_setup(admin_client, user) is False  # not before the first code

    done = anonymous(
        LOGIN_TFA, tfa_variables(result["continuationToken"], code(secret), setup=True)
    ).data["loginTFA"]

    assert done["nextAction"] == "redirect"
    assert is_tfa_setup(admin_client, user) is True
    assert anonymous(LOGIN, login_variables(user.email)).data["login"]["nextAction"] == (
        "provideTfa"
    )


def test_the_qr_code_is_labelled_with_the_stripped_site_title(user, user_client):
    site = default_site()
    site.config = {**site.config, "title": "My Wiki-Site. (v2) {a/b\\c;d<e>f} #1 @x!?&*=+,%$[]"}
    site.save()

    result = setup_tfa(user_client)

    secret = stored_secret(user)
    label = "MyWikiSitev2abcdef1x"
    assert totp.qr_label(site) == label
    encoded = base64.b32encode(secret).decode()
    assert totp.otpauth_uri(user.email, secret, site) == (
        f"otpauth://totp/{label}:{user.email}?secret={encoded}&issuer={label}"
    )
    assert result["tfaQRImage"] == totp.qr_svg(user.email, secret, site)


def test_setting_up_again_before_confirming_replaces_the_secret(user, user_client):
    setup_tfa(user_client)
    first = stored_secret(user)

    setup_tfa(user_client)

    assert TotpDevice.objects.filter(user=user).count() == 1
    assert stored_secret(user) != first


@pytest.mark.parametrize("kind", ["guest", "api_key"])
def test_setup_1_needs_a_signed_in_user(kind, anonymous, admin_key_client):
    client = anonymous if kind == "guest" else admin_key_client

    assert setup_tfa(client) == refused("ERR_NOT_AUTHENTICATED")
    assert TotpDevice.objects.count() == 0
    assert UserKey.objects.count() == 0


def test_setup_2_an_account_deleted_meanwhile():
    caller = ghost_caller(UserFactory())

    with pytest.raises(DomainError) as refusal:
        totp.setup_tfa(caller, strategy_id=LOCAL_STRATEGY_ID, site_id=default_site().pk)

    assert refusal.value.key == "ERR_INVALID_USER"
    assert TotpDevice.objects.count() == 0


def test_setup_3_an_unknown_site(user, user_client):
    assert setup_tfa(user_client, siteId=str(uuid.uuid4())) == refused("ERR_INVALID_SITE")
    assert keys_of(user) == []
    assert not TotpDevice.objects.filter(user=user).exists()


@pytest.mark.parametrize("why", ["unknown", "disabled", "no password", "other strategy"])
def test_setup_4_a_strategy_without_credentials(user, user_client, why):
    strategy = LOCAL
    if why == "unknown":
        strategy = str(uuid.uuid4())
    elif why == "disabled":
        AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=False)
    elif why == "no password":
        user.set_unusable_password()
        user.save()
    else:
        strategy = str(AuthStrategy.objects.create(module="ldap", display_name="LDAP").pk)

    assert setup_tfa(user_client, strategyId=strategy) == refused("ERR_INVALID_STRATEGY")
    assert keys_of(user) == []
    assert not TotpDevice.objects.filter(user=user).exists()


def test_setup_5_tfa_already_active(user, user_client):
    secret = give_totp(user)

    assert setup_tfa(user_client) == refused("ERR_TFA_ALREADY_ACTIVE")
    assert stored_secret(user) == secret
    assert TotpDevice.objects.get(user=user).confirmed is True
    assert keys_of(user) == []


def test_setup_checks_in_order(user, user_client):
    give_totp(user)
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=False)
    answers = [setup_tfa(user_client, siteId=str(uuid.uuid4())), setup_tfa(user_client)]
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=True)
    answers.append(setup_tfa(user_client))

    assert [answer["operation"]["slug"] for answer in answers] == [
        "ERR_INVALID_SITE",
        "ERR_INVALID_STRATEGY",
        "ERR_TFA_ALREADY_ACTIVE",
    ]


# --- deactivateTFA ----------------------------------------------------------------------------
def test_deactivate_removes_the_secret(user, user_client, admin_client, anonymous):
    give_totp(user)

    result = deactivate_tfa(user_client)

    assert result == {"operation": {**OK, "message": result["operation"]["message"]}}
    assert not TotpDevice.objects.filter(user=user).exists()
    assert is_tfa_setup(admin_client, user) is False
    assert anonymous(LOGIN, login_variables(user.email)).data["login"]["nextAction"] == "redirect"


def test_deactivate_leaves_other_users_alone(user, user_client):
    other = UserFactory()
    give_totp(other)
    give_totp(user)

    deactivate_tfa(user_client)

    assert TotpDevice.objects.filter(user=other, confirmed=True).exists()


@pytest.mark.parametrize("kind", ["guest", "api_key"])
def test_deactivate_1_needs_a_signed_in_user(kind, anonymous, admin_key_client):
    client = anonymous if kind == "guest" else admin_key_client
    give_totp(UserFactory())

    assert deactivate_tfa(client) == {"operation": failed("ERR_NOT_AUTHENTICATED")}
    assert TotpDevice.objects.count() == 1


def test_deactivate_2_an_account_deleted_meanwhile():
    caller = ghost_caller(UserFactory())

    with pytest.raises(DomainError) as refusal:
        totp.deactivate_tfa(caller, strategy_id=LOCAL_STRATEGY_ID)

    assert refusal.value.key == "ERR_INVALID_USER"


@pytest.mark.parametrize("why", ["unknown", "disabled", "no password"])
def test_deactivate_3_a_strategy_without_credentials(user, user_client, why):
    give_totp(user)
    strategy = LOCAL
    if why == "unknown":
        strategy = str(uuid.uuid4())
    elif why == "disabled":
        AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=False)
    else:
        user.set_unusable_password()
        user.save()

    assert deactivate_tfa(user_client, strategyId=strategy) == {
        "operation": failed("ERR_INVALID_STRATEGY")
    }
    assert TotpDevice.objects.filter(user=user, confirmed=True).exists()


@pytest.mark.parametrize("device", ["none", "unconfirmed"])
def test_deactivate_4_tfa_not_active(user, user_client, device):
    if device == "unconfirmed":
        give_totp(user, confirmed=False)

    assert deactivate_tfa(user_client) == {"operation": failed("ERR_TFA_NOT_ACTIVE")}
    assert TotpDevice.objects.filter(user=user).count() == (device == "unconfirmed")


# --- disableUserTFA (administrators) ----------------------------------------------------------
def test_disable_user_tfa_removes_the_users_devices(admin_client, anonymous):
    user = UserFactory(tfa_required=True)
    give_totp(user)

    answer = admin_client(DISABLE_USER_TFA, {"id": str(user.pk)})

    assert answer.data["disableUserTFA"]["operation"] == OK
    assert not TotpDevice.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.tfa_required is False
    assert anonymous(LOGIN, login_variables(user.email)).data["login"]["nextAction"] == "redirect"


def test_a_refused_disable_user_tfa_keeps_the_device(client_for):
    user = UserFactory()
    give_totp(user)
    stranger = GraphQLClient(tokens.issue_session_token(UserFactory()))

    answer = stranger(DISABLE_USER_TFA, {"id": str(user.pk)})

    assert answer.data["disableUserTFA"]["operation"] == {
        "succeeded": False,
        "slug": "ERR_FORBIDDEN",
    }
    assert TotpDevice.objects.filter(user=user, confirmed=True).exists()
