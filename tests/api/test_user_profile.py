"""updateProfile, userDefaults and updateUserDefaults (API.md §4.3.1, §4.3.2).

Effects, every check in contract order with its key and no trace, and a permission matrix
per operation. updateProfile is self-service: API keys and the guest have no profile.
"""

import pytest

from accounts import profile
from accounts.authentication import user_caller
from accounts.models import User
from tests.factories import UserFactory
from wiki.config import DEFAULTS, get_setting
from wiki.errors import DomainError, ErrorKey

from .permission_support import (
    assert_mutation_refused,
    assert_mutation_succeeded,
    assert_query_refused,
    client_as,
)
from .user_admin_support import full_snapshot

pytestmark = pytest.mark.django_db

OPERATION = "operation { succeeded slug message }"
UPDATE_PROFILE = f"""mutation ($name: String, $location: String, $jobTitle: String,
  $pronouns: String, $timezone: String, $dateFormat: String, $timeFormat: String,
  $appearance: UserSiteAppearance, $cvd: UserCvdChoices) {{
  updateProfile(name: $name, location: $location, jobTitle: $jobTitle, pronouns: $pronouns,
    timezone: $timezone, dateFormat: $dateFormat, timeFormat: $timeFormat,
    appearance: $appearance, cvd: $cvd) {{ {OPERATION} }} }}"""
USER_DEFAULTS = "{ userDefaults { timezone dateFormat timeFormat } }"
UPDATE_USER_DEFAULTS = f"""mutation ($timezone: String!, $dateFormat: String!,
  $timeFormat: String!) {{
  updateUserDefaults(timezone: $timezone, dateFormat: $dateFormat, timeFormat: $timeFormat) {{
    {OPERATION} }} }}"""
CREATE_USER = f"""mutation {{ createUser(email: "new@example.com", name: "New User",
  passwordRaw: "Password123") {{ {OPERATION} user {{ id }} }} }}"""
NEW_DEFAULTS = {"timezone": "Europe/Paris", "dateFormat": "DD.MM.YYYY", "timeFormat": "24h"}

# (kind, permissions of the granting group) per caller of the matrices.
CALLERS = {
    "guest": ("guest", ()),
    "plain user": ("user", ()),
    "user with read:users": ("user_with", ("read:users",)),
    "user with write:users": ("user_with", ("write:users",)),
    "user with manage:users": ("user_with", ("manage:users",)),
    "user with manage:groups": ("user_with", ("manage:groups",)),
    "admin": ("admin", ()),
    "key with limited groups": ("key_without", ()),
    "key with manage:users": ("key_with", ("manage:users",)),
    "key with manage:system": ("key_with", ("manage:system",)),
}


def caller(name, admin):
    kind, permissions = CALLERS[name]
    return client_as(kind, admin, permissions=permissions)


@pytest.fixture
def me():
    user = UserFactory(email="me@example.com", name="Me Myself")
    user.meta = {"location": "Oslo", "jobTitle": "Writer", "pronouns": "she"}
    user.prefs = {
        "timezone": "Europe/Oslo",
        "dateFormat": "YYYY-MM-DD",
        "timeFormat": "12h",
        "appearance": "site",
        "cvd": "none",
    }
    user.save()
    return user


@pytest.fixture
def my_client(client_for, me):
    return client_for(me)


def stored(user) -> tuple:
    user.refresh_from_db()
    return user.name, user.meta, user.prefs


# --- updateProfile: effects -------------------------------------------------------------------
def test_update_profile_replaces_every_given_value_trimmed(my_client, me):
    r = my_client(
        UPDATE_PROFILE,
        {
            "name": "  New Name ",
            "location": " Paris ",
            "jobTitle": " Editor ",
            "pronouns": " they ",
            "timezone": " America/Chicago ",
            "dateFormat": "DD/MM/YYYY",
            "timeFormat": "24h",
            "appearance": "dark",
            "cvd": "tritanopia",
        },
    )
    assert_mutation_succeeded(r, "updateProfile")
    assert stored(me) == (
        "New Name",
        {"location": "Paris", "jobTitle": "Editor", "pronouns": "they"},
        {
            "timezone": "America/Chicago",
            "dateFormat": "DD/MM/YYYY",
            "timeFormat": "24h",
            "appearance": "dark",
            "cvd": "tritanopia",
        },
    )


def test_update_profile_leaves_absent_and_null_values_alone(my_client, me):
    before = stored(me)
    r = my_client(UPDATE_PROFILE, {"pronouns": "he", "name": None, "cvd": None})
    assert_mutation_succeeded(r, "updateProfile")
    assert stored(me) == (before[0], {**before[1], "pronouns": "he"}, before[2])


def test_update_profile_accepts_empty_texts_and_the_empty_date_format(my_client, me):
    r = my_client(UPDATE_PROFILE, {"location": "  ", "dateFormat": ""})
    assert_mutation_succeeded(r, "updateProfile")
    _, meta, prefs = stored(me)
    assert (meta["location"], prefs["dateFormat"]) == ("", "")


def test_update_profile_completes_a_profile_missing_keys(client_for):
    bare = UserFactory()
    User.objects.filter(pk=bare.pk).update(meta={}, prefs={})
    r = client_for(bare)(UPDATE_PROFILE, {"jobTitle": "Cook", "timeFormat": "24h"})
    assert_mutation_succeeded(r, "updateProfile")
    assert stored(bare)[1:] == ({"jobTitle": "Cook"}, {"timeFormat": "24h"})


# --- updateProfile: checks in order -----------------------------------------------------------
BAD_LATER = {"name": "   ", "timezone": "Mars/Olympus", "location": "x" * 256}


@pytest.mark.parametrize(
    ("case", "variables", "key"),
    [
        ("guest", BAD_LATER, "ERR_NOT_AUTHENTICATED"),
        ("api key with manage:system", BAD_LATER, "ERR_NOT_AUTHENTICATED"),
        ("unverified", BAD_LATER, "ERR_USER_NOT_VERIFIED"),
        ("verified", BAD_LATER, "ERR_INVALID_INPUT"),
        ("verified", {"name": "   "}, "ERR_INVALID_INPUT"),
        ("verified", {"name": "x"}, "ERR_INVALID_INPUT"),
        ("verified", {"name": "x" * 256}, "ERR_INVALID_INPUT"),
        ("verified", {"timezone": "Mars/Olympus"}, "ERR_INVALID_INPUT"),
        ("verified", {"timezone": ""}, "ERR_INVALID_INPUT"),
        ("verified", {"dateFormat": "D/M/Y"}, "ERR_INVALID_INPUT"),
        ("verified", {"timeFormat": "25h"}, "ERR_INVALID_INPUT"),
        ("verified", {"location": "x" * 256}, "ERR_INVALID_INPUT"),
        ("verified", {"jobTitle": "x" * 256}, "ERR_INVALID_INPUT"),
        ("verified", {"pronouns": "x" * 256, "name": "Fine Name"}, "ERR_INVALID_INPUT"),
    ],
)
def test_update_profile_checks_in_order(case, variables, key, admin, me, client_for):
    if case == "guest":
        client = client_as("guest", admin)
    elif case == "api key with manage:system":
        client = client_as("key_with", admin, permissions=["manage:system"])
    else:
        User.objects.filter(pk=me.pk).update(is_verified=case != "unverified")
        client = client_for(me)
    before = full_snapshot()
    assert_mutation_refused(client(UPDATE_PROFILE, variables), "updateProfile", key)
    assert full_snapshot() == before


def test_update_profile_refuses_an_unknown_enum_value_before_running(my_client, me):
    before = full_snapshot()
    r = my_client(UPDATE_PROFILE, {"appearance": "neon"})
    assert r.status == 400
    assert full_snapshot() == before


def test_update_profile_refuses_an_inactive_user_before_an_unverified_one(me):
    # Unreachable through the API (an inactive user's token makes a guest request, §1.3):
    # the service still refuses a caller whose account was deactivated meanwhile.
    caller = user_caller(me)
    User.objects.filter(pk=me.pk).update(is_active=False, is_verified=False)
    before = full_snapshot()
    with pytest.raises(DomainError) as refused:
        profile.update_profile(caller, profile.ProfileChanges(name="   "))
    assert refused.value.key == ErrorKey.INACTIVE_USER
    assert full_snapshot() == before


def test_update_profile_of_a_deleted_account_is_not_authenticated(me):
    caller = user_caller(me)
    User.objects.filter(pk=me.pk).delete()
    with pytest.raises(DomainError) as refused:
        profile.update_profile(caller, profile.ProfileChanges(name="Ghost"))
    assert refused.value.key == ErrorKey.NOT_AUTHENTICATED


# --- updateProfile: who may call it -----------------------------------------------------------
@pytest.mark.parametrize("who", list(CALLERS))
def test_update_profile_permission_matrix(who, admin):
    client = caller(who, admin)
    before = full_snapshot()
    r = client(UPDATE_PROFILE, {"jobTitle": "Changed"})
    if CALLERS[who][0] in ("guest", "key_without", "key_with"):
        assert_mutation_refused(r, "updateProfile", "ERR_NOT_AUTHENTICATED")
        assert full_snapshot() == before
        return
    assert_mutation_succeeded(r, "updateProfile")
    changed = User.objects.filter(meta__jobTitle="Changed")
    signed_in = admin if who == "admin" else User.objects.order_by("-created_at").first()
    assert list(changed.values_list("pk", flat=True)) == [signed_in.pk]


# --- userDefaults -----------------------------------------------------------------------------
USER_DEFAULTS_REFUSED = {
    "guest": "ERR_NOT_AUTHENTICATED",
    "plain user": "ERR_FORBIDDEN",
    "key with limited groups": "ERR_FORBIDDEN",
}


@pytest.mark.parametrize("who", list(CALLERS))
def test_user_defaults_permission_matrix(who, admin):
    r = caller(who, admin)(USER_DEFAULTS)
    if who in USER_DEFAULTS_REFUSED:
        assert_query_refused(r, "userDefaults", USER_DEFAULTS_REFUSED[who])
    else:
        assert r.errors == [], r.body
        assert r.data == {
            "userDefaults": {
                "timezone": "America/New_York",
                "dateFormat": "YYYY-MM-DD",
                "timeFormat": "12h",
            }
        }


# --- updateUserDefaults -----------------------------------------------------------------------
UPDATE_DEFAULTS_REFUSED = {
    "guest": "ERR_NOT_AUTHENTICATED",
    "plain user": "ERR_FORBIDDEN",
    "user with read:users": "ERR_FORBIDDEN",
    "user with write:users": "ERR_FORBIDDEN",
    "key with limited groups": "ERR_FORBIDDEN",
}


@pytest.mark.parametrize("who", list(CALLERS))
def test_update_user_defaults_permission_matrix(who, admin):
    client = caller(who, admin)
    before = full_snapshot()
    r = client(UPDATE_USER_DEFAULTS, NEW_DEFAULTS)
    if who in UPDATE_DEFAULTS_REFUSED:
        assert_mutation_refused(r, "updateUserDefaults", UPDATE_DEFAULTS_REFUSED[who])
        assert full_snapshot() == before
    else:
        assert_mutation_succeeded(r, "updateUserDefaults")
        assert get_setting("userDefaults") == NEW_DEFAULTS


@pytest.mark.parametrize(
    ("case", "variables", "key"),
    [
        ("guest", {"timezone": "Nowhere"}, "ERR_NOT_AUTHENTICATED"),
        ("read:users", {"timezone": "Nowhere"}, "ERR_FORBIDDEN"),
        ("manage:users", {"timezone": "Nowhere"}, "ERR_INVALID_INPUT"),
        ("manage:users", {"timezone": ""}, "ERR_INVALID_INPUT"),
        ("manage:users", {"dateFormat": "YYYY.MM.DD"}, "ERR_INVALID_INPUT"),
        ("manage:users", {"timeFormat": "12H"}, "ERR_INVALID_INPUT"),
    ],
)
def test_update_user_defaults_checks_in_order(case, variables, key, anonymous, client_with):
    client = anonymous if case == "guest" else client_with(case)
    before = full_snapshot()
    r = client(UPDATE_USER_DEFAULTS, {**NEW_DEFAULTS, **variables})
    assert_mutation_refused(r, "updateUserDefaults", key)
    assert full_snapshot() == before


def test_new_accounts_start_from_the_defaults_and_existing_ones_keep_theirs(admin_client, me):
    before = stored(me)
    assert_mutation_succeeded(
        admin_client(UPDATE_USER_DEFAULTS, {**NEW_DEFAULTS, "timezone": " Europe/Paris "}),
        "updateUserDefaults",
    )
    assert admin_client(USER_DEFAULTS).data == {"userDefaults": NEW_DEFAULTS}
    assert_mutation_succeeded(admin_client(CREATE_USER), "createUser")
    assert User.objects.get(email="new@example.com").prefs == {
        **NEW_DEFAULTS,
        "appearance": "site",
        "cvd": "none",
    }
    assert stored(me) == before


def test_user_defaults_read_the_setting_defaults_when_nothing_is_stored(admin):
    assert profile.user_defaults(user_caller(admin)) == DEFAULTS["userDefaults"]
