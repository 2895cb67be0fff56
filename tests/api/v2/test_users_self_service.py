"""``users.updateProfile`` and ``users.changePassword`` on /graphql (API-v2.md §3.3, §1.5, §2.5)."""

import pytest

from accounts import tokens
from accounts.models import User
from tests.conftest import GraphQLClient
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db

RESULT = "responseResult { succeeded errorCode slug message }"
UPDATE_PROFILE = f"""
mutation ($name: String!, $location: String!, $jobTitle: String!, $timezone: String!,
          $dateFormat: String!, $appearance: String!) {{
  users {{ updateProfile(name: $name, location: $location, jobTitle: $jobTitle,
                         timezone: $timezone, dateFormat: $dateFormat, appearance: $appearance) {{
    {RESULT} jwt
  }} }}
}}
"""
CHANGE_PASSWORD = f"""
mutation ($current: String!, $new: String!) {{
  users {{ changePassword(current: $current, new: $new) {{ {RESULT} jwt }} }}
}}
"""
# The same account through /_graphql.
ME = """
query ($id: UUID!) { userById(id: $id) { name meta prefs } }
"""
AUTH_REQUIRED = {
    "succeeded": False,
    "errorCode": 1019,
    "slug": "AuthRequired",
    "message": "You must be authenticated to access this resource.",
}


def failure(code: int, slug: str, message: str) -> dict:
    return {"succeeded": False, "errorCode": code, "slug": slug, "message": message}


def succeeded(message: str) -> dict:
    return {"succeeded": True, "errorCode": 0, "slug": "ok", "message": message}


def answer(r, operation: str) -> dict:
    assert r.status == 200, r.body
    assert "errors" not in r.body, r.body
    return r.data["users"][operation]


def profile_variables(**overrides) -> dict:
    variables = {
        "name": "Jane Doe",
        "location": "Paris",
        "jobTitle": "Editor",
        "timezone": "America/New_York",
        "dateFormat": "DD.MM.YYYY",
        "appearance": "dark",
    }
    variables.update(overrides)
    return variables


@pytest.fixture
def jane(db):
    return UserFactory(
        email="jane@example.com",
        name="Jane",
        meta={"location": "Lyon", "jobTitle": "Writer", "pronouns": "she"},
        prefs={
            "timezone": "Europe/Paris",
            "dateFormat": "YYYY-MM-DD",
            "timeFormat": "24h",
            "appearance": "light",
            "cvd": "none",
        },
    )


# --- updateProfile -------------------------------------------------------------------------------
def test_update_profile_changes_and_returns_a_fresh_token(v2_for, admin_client, jane):
    r = v2_for(jane)(UPDATE_PROFILE, profile_variables(name=" Jane Doe "))
    updated = answer(r, "updateProfile")
    assert updated["responseResult"] == succeeded("User profile updated successfully")
    claims = tokens.read_token(updated["jwt"])
    assert claims["id"] == str(jane.pk)
    seen = admin_client(ME, {"id": str(jane.pk)}).data["userById"]
    assert seen["name"] == "Jane Doe"
    assert seen["meta"] == {"location": "Paris", "jobTitle": "Editor", "pronouns": "she"}
    assert seen["prefs"] == {
        "timezone": "America/New_York",
        "dateFormat": "DD.MM.YYYY",
        "timeFormat": "24h",
        "appearance": "dark",
        "cvd": "none",
    }
    # The fresh token works on /graphql.
    fresh = GraphQLClient(updated["jwt"], url="/graphql")
    assert fresh("{ users { profile { name } } }").data == {
        "users": {"profile": {"name": "Jane Doe"}}
    }
    jane.refresh_from_db()
    assert jane.last_login is not None


def test_update_profile_empty_texts_keep_values_date_format_and_appearance_always(v2_for, jane):
    r = v2_for(jane)(
        UPDATE_PROFILE,
        profile_variables(
            name=" ", location="", jobTitle="", timezone="", dateFormat="", appearance=""
        ),
    )
    assert answer(r, "updateProfile")["responseResult"]["succeeded"] is True
    jane.refresh_from_db()
    assert jane.name == "Jane"
    assert jane.meta == {"location": "Lyon", "jobTitle": "Writer", "pronouns": "she"}
    assert jane.prefs["timezone"] == "Europe/Paris"
    assert (jane.prefs["dateFormat"], jane.prefs["appearance"]) == ("", "site")


INVALID = failure(1012, "InputInvalid", "Input data is invalid.")


@pytest.mark.parametrize(
    "overrides",
    [
        {"dateFormat": "YYYY.MM.DD"},
        {"appearance": "blue"},
        {"timezone": "Mars/Olympus"},
        {"name": "J"},
    ],
)
def test_update_profile_invalid_values(v2_for, jane, overrides):
    before = User.objects.filter(pk=jane.pk).values().get()
    r = v2_for(jane)(UPDATE_PROFILE, profile_variables(**overrides))
    assert answer(r, "updateProfile") == {"responseResult": INVALID, "jwt": None}
    assert User.objects.filter(pk=jane.pk).values().get() == before


def test_update_profile_refuses_guests_and_api_keys(v2_anonymous, v2_admin_key, admin):
    before = User.objects.filter(pk=admin.pk).values().get()
    for client in (v2_anonymous, v2_admin_key):
        r = client(UPDATE_PROFILE, profile_variables())
        assert answer(r, "updateProfile") == {"responseResult": AUTH_REQUIRED, "jwt": None}
    assert User.objects.filter(pk=admin.pk).values().get() == before


def test_update_profile_of_an_unverified_account(v2_for):
    unverified = UserFactory(is_verified=False, name="Before")
    r = v2_for(unverified)(UPDATE_PROFILE, profile_variables())
    assert answer(r, "updateProfile")["responseResult"] == failure(
        1014, "AuthAccountNotVerified", "You must verify your account before your can login."
    )
    assert User.objects.get(pk=unverified.pk).name == "Before"


def test_update_profile_needs_no_permission(v2_for):
    """No gate: a user in a group without any permission changes their own profile."""
    bare = UserFactory(groups=[GroupFactory(permissions=[])])
    bare.groups.remove(*bare.groups.exclude(permissions=[]))
    r = v2_for(bare)(UPDATE_PROFILE, profile_variables())
    assert answer(r, "updateProfile")["responseResult"]["succeeded"] is True


# --- changePassword ------------------------------------------------------------------------------
def test_change_password_replaces_it_and_clears_must_change(v2_for, jane):
    User.objects.filter(pk=jane.pk).update(must_change_password=True)
    r = v2_for(jane)(CHANGE_PASSWORD, {"current": "Password123", "new": "Another123"})
    changed = answer(r, "changePassword")
    assert changed["responseResult"] == succeeded("Password changed successfully")
    assert tokens.read_token(changed["jwt"])["id"] == str(jane.pk)
    jane.refresh_from_db()
    assert jane.check_password("Another123")
    assert jane.must_change_password is False


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"current": "Password123", "new": "short"},
            failure(1012, "InputInvalid", "Password must be at least 8 characters!"),
        ),
        (
            {"current": "wrong-one", "new": "Another123"},
            failure(1020, "AuthPasswordInvalid", "Password is incorrect."),
        ),
        # Domain order (§3.3): the length before the current password.
        (
            {"current": "wrong-one", "new": "short"},
            failure(1012, "InputInvalid", "Password must be at least 8 characters!"),
        ),
    ],
)
def test_change_password_refusals(v2_for, jane, variables, expected):
    r = v2_for(jane)(CHANGE_PASSWORD, variables)
    assert answer(r, "changePassword") == {"responseResult": expected, "jwt": None}
    jane.refresh_from_db()
    assert jane.check_password("Password123")


def test_change_password_without_local_password(v2_for):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    r = v2_for(user)(CHANGE_PASSWORD, {"current": "x", "new": "Another123"})
    assert answer(r, "changePassword")["responseResult"] == failure(
        1003, "AuthProviderInvalid", "Invalid authentication provider."
    )


def test_change_password_of_an_unverified_account(v2_for):
    user = UserFactory(is_verified=False)
    r = v2_for(user)(CHANGE_PASSWORD, {"current": "Password123", "new": "Another123"})
    assert answer(r, "changePassword")["responseResult"] == failure(
        1014, "AuthAccountNotVerified", "You must verify your account before your can login."
    )
    user.refresh_from_db()
    assert user.check_password("Password123")


def test_change_password_refuses_guests_and_api_keys(v2_anonymous, v2_admin_key, admin):
    for client in (v2_anonymous, v2_admin_key):
        r = client(CHANGE_PASSWORD, {"current": "Password123", "new": "Another123"})
        assert answer(r, "changePassword") == {"responseResult": AUTH_REQUIRED, "jwt": None}
    admin.refresh_from_db()
    assert admin.check_password("Password123")


def test_update_profile_takes_site_as_the_sites_appearance(v2_for, jane):
    """A synonym of "" (the reference says so): what /_graphql stores for the site's."""
    r = v2_for(jane)(UPDATE_PROFILE, profile_variables(appearance="site"))
    assert answer(r, "updateProfile")["responseResult"]["succeeded"] is True
    single = v2_for(jane)("{ users { profile { appearance } } }")
    assert single.data == {"users": {"profile": {"appearance": ""}}}
