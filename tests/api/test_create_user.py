"""``createUser`` (API.md §4.3.2): good paths, every refusal, the order of checks, permissions.

The welcome mail is covered in tests/accounts/test_welcome_mail.py.
"""

import uuid

import pytest

from accounts.models import LOCAL_STRATEGY_ID, USERS_GROUP_ID, AuthStrategy, Membership, User
from accounts.services import administrators_group
from tests.factories import GroupFactory, UserFactory
from wiki.config import update_setting

pytestmark = pytest.mark.django_db

CREATE_USER = """
mutation CreateUser(
  $email: String!, $name: String!, $passwordRaw: String, $password: String,
  $providerKey: String, $groups: [UUID], $mustChangePassword: Boolean,
  $sendWelcomeEmail: Boolean, $siteId: UUID
) {
  createUser(
    email: $email, name: $name, passwordRaw: $passwordRaw, password: $password,
    providerKey: $providerKey, groups: $groups, mustChangePassword: $mustChangePassword,
    sendWelcomeEmail: $sendWelcomeEmail, sendWelcomeEmailFromSiteId: $siteId
  ) {
    operation { succeeded slug message }
    user {
      id name email isSystem isActive isVerified hasAvatar meta prefs
      groups { id }
      auth { authId authName strategyKey config }
    }
  }
}
"""
UNKNOWN_ID = "4b0a57a5-3c09-4b5e-9a41-1f1c3c7f1d00"
EMAIL_255 = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".com"
EMAIL_256 = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 59 + ".com"
VALID = {"email": "jane@example.com", "name": "Jane Doe", "passwordRaw": "Password123"}


def create(client, *, reads_groups: bool = True, **variables):
    response = client(CREATE_USER, {**VALID, **variables})
    assert response.status == 200, response.body
    if reads_groups:
        assert "errors" not in response.body, response.body
    else:
        # A user's groups are read as ``groups`` is (§3.5): write:users alone does not.
        assert response.data["createUser"]["user"]["groups"] is None
        assert [(e["message"], e["path"]) for e in response.errors] == [
            ("ERR_FORBIDDEN", ["createUser", "user", "groups"])
        ]
    return response.data["createUser"]


def snapshot():
    return (
        User.objects.count(),
        Membership.objects.count(),
        list(User.objects.order_by("pk").values_list("pk", "email")),
    )


def assert_refused(payload, key):
    assert payload == {"operation": {"succeeded": False, "slug": key, "message": key}, "user": None}


def refuse(client, key, **variables):
    before = snapshot()
    assert_refused(create(client, **variables), key)
    assert snapshot() == before


# --- Good paths ---------------------------------------------------------------------------------
def test_creates_a_local_user_with_defaults(admin_key_client):
    update_setting(
        "userDefaults", timezone="Europe/Paris", dateFormat="DD.MM.YYYY", timeFormat="24h"
    )

    payload = create(admin_key_client, email="  Jane.DOE@Example.COM ", name="  Jane Doe  ")

    assert payload["operation"] == {
        "succeeded": True,
        "slug": "ok",
        "message": "User created successfully.",
    }
    user = User.objects.get(email="jane.doe@example.com")
    assert payload["user"] == {
        "id": str(user.pk),
        "name": "Jane Doe",
        "email": "jane.doe@example.com",
        "isSystem": False,
        "isActive": True,
        "isVerified": True,
        "hasAvatar": False,
        "meta": {"jobTitle": "", "location": "", "pronouns": ""},
        "prefs": {
            "timezone": "Europe/Paris",
            "dateFormat": "DD.MM.YYYY",
            "timeFormat": "24h",
            "appearance": "site",
            "cvd": "none",
        },
        "groups": [{"id": str(USERS_GROUP_ID)}],
        "auth": [
            {
                "authId": str(LOCAL_STRATEGY_ID),
                "authName": "Local Authentication",
                "strategyKey": "local",
                "config": {
                    "isPasswordSet": True,
                    "isTfaSetup": False,
                    "isTfaRequired": False,
                    "mustChangePwd": False,
                    "restrictLogin": False,
                },
            }
        ],
    }
    assert user.name == "Jane Doe"
    assert user.check_password("Password123")
    assert user.must_change_password is False
    assert list(user.groups.values_list("pk", flat=True)) == [USERS_GROUP_ID]
    # The hash is never the password itself.
    assert "Password123" not in user.password


@pytest.mark.parametrize(
    "passwords",
    [
        {"passwordRaw": "Password123"},
        {"password": "Password123", "passwordRaw": None},
        {"password": "Password123", "passwordRaw": "Password123"},
        {"passwordRaw": "12345678"},
    ],
    ids=["passwordRaw", "password", "both-equal", "exactly-8"],
)
def test_password_arguments(admin_key_client, passwords):
    payload = create(admin_key_client, **passwords)

    assert payload["operation"]["succeeded"] is True
    secret = passwords.get("passwordRaw") or passwords["password"]
    assert User.objects.get(email="jane@example.com").check_password(secret)


@pytest.mark.parametrize("provider_key", [None, "local", str(LOCAL_STRATEGY_ID)])
def test_accepted_provider_keys(admin_key_client, provider_key):
    payload = create(admin_key_client, providerKey=provider_key)

    assert payload["operation"]["succeeded"] is True
    assert User.objects.filter(email="jane@example.com").exists()


def test_groups_are_added_to_users_and_nulls_are_ignored(admin_key_client):
    editors = GroupFactory(name="Editors")
    authors = GroupFactory(name="Authors")

    payload = create(
        admin_key_client,
        groups=[str(editors.pk), None, str(USERS_GROUP_ID), str(authors.pk), str(editors.pk)],
        mustChangePassword=True,
    )

    assert payload["operation"]["succeeded"] is True
    user = User.objects.get(email="jane@example.com")
    assert sorted(
        Membership.objects.filter(user=user).values_list("group_id", flat=True)
    ) == sorted([USERS_GROUP_ID, editors.pk, authors.pk])
    assert user.must_change_password is True
    assert payload["user"]["auth"][0]["config"]["mustChangePwd"] is True


@pytest.mark.parametrize("name", ["Jo", "x" * 255])
def test_name_length_limits_are_inclusive(admin_key_client, name):
    payload = create(admin_key_client, name=name)

    assert payload["operation"]["succeeded"] is True
    assert User.objects.get(email="jane@example.com").name == name


def test_email_of_255_characters_is_accepted(admin_key_client):
    assert len(EMAIL_255) == 255

    payload = create(admin_key_client, email=EMAIL_255)

    assert payload["operation"]["succeeded"] is True
    assert User.objects.filter(email=EMAIL_255).exists()


# --- Refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize("email", ["jane@example.com", "JANE@Example.com", "  jane@EXAMPLE.COM  "])
def test_duplicate_email(admin_key_client, email):
    UserFactory(email="jane@example.com")

    refuse(admin_key_client, "ERR_DUPLICATE_ACCOUNT_EMAIL", email=email)


def test_duplicate_of_an_address_stored_in_mixed_case(admin_key_client):
    UserFactory(email="Jane@Example.com")

    refuse(admin_key_client, "ERR_DUPLICATE_ACCOUNT_EMAIL", email="jane@example.com")


def test_welcome_site_is_ignored_without_welcome_mail(admin_key_client):
    payload = create(admin_key_client, sendWelcomeEmail=False, siteId=UNKNOWN_ID)

    assert payload["operation"]["succeeded"] is True
    assert User.objects.filter(email="jane@example.com").exists()


@pytest.mark.parametrize(
    "passwords",
    [{"passwordRaw": "Pass123"}, {"passwordRaw": None, "password": "short"}, {"passwordRaw": ""}],
    ids=["passwordRaw-7", "password-5", "empty"],
)
def test_short_password(admin_key_client, passwords):
    refuse(admin_key_client, "ERR_PASSWORD_TOO_SHORT", **passwords)


@pytest.mark.parametrize(
    "email",
    [
        "not-an-email",
        "jane@",
        "@example.com",
        "jane doe@example.com",
        "jane@@example.com",
        "",
        "   ",
        EMAIL_256,
    ],
    ids=["no-at", "no-domain", "no-local", "space", "double-at", "empty", "blank", "256-chars"],
)
def test_email_not_allowed(admin_key_client, email):
    refuse(admin_key_client, "ERR_EMAIL_ADDRESS_NOT_ALLOWED", email=email)


def test_unknown_group(admin_key_client):
    editors = GroupFactory(name="Editors")

    refuse(admin_key_client, "ERR_INVALID_GROUP", groups=[str(editors.pk), UNKNOWN_ID])


@pytest.mark.parametrize(
    "passwords",
    [
        {"passwordRaw": None},
        {"passwordRaw": None, "password": None},
        {"passwordRaw": "Password123", "password": "Password124"},
        {"passwordRaw": "short", "password": "other"},
    ],
    ids=["missing", "both-null", "different", "different-and-short"],
)
def test_password_missing_or_conflicting(admin_key_client, passwords):
    refuse(admin_key_client, "ERR_INVALID_INPUT", **passwords)


@pytest.mark.parametrize("name", ["J", "x" * 256, "", "    ", "  J  "])
def test_bad_name(admin_key_client, name):
    refuse(admin_key_client, "ERR_INVALID_INPUT", name=name)


@pytest.mark.parametrize(
    "provider_key",
    ["ldap", "", "LOCAL", "local ", "00000000-0000-0000-0000-000000000000", UNKNOWN_ID],
)
def test_bad_provider_key(admin_key_client, provider_key):
    refuse(admin_key_client, "ERR_INVALID_STRATEGY", providerKey=provider_key)


def test_disabled_local_strategy(admin_key_client):
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=False)

    refuse(admin_key_client, "ERR_INVALID_STRATEGY", providerKey="local")


# --- Order of checks (API.md §4.3.2) ------------------------------------------------------------
@pytest.mark.parametrize(
    ("variables", "key"),
    [
        (
            {"providerKey": "ldap", "email": "bad", "passwordRaw": "x", "name": "J"},
            "ERR_INVALID_STRATEGY",
        ),
        ({"email": "bad", "passwordRaw": "x", "name": "J"}, "ERR_EMAIL_ADDRESS_NOT_ALLOWED"),
        ({"email": "bad", "passwordRaw": None}, "ERR_EMAIL_ADDRESS_NOT_ALLOWED"),
        ({"passwordRaw": "short", "name": "J", "groups": [UNKNOWN_ID]}, "ERR_PASSWORD_TOO_SHORT"),
        ({"passwordRaw": None, "groups": [UNKNOWN_ID]}, "ERR_INVALID_INPUT"),
        ({"name": "J", "groups": [UNKNOWN_ID], "email": "taken@example.com"}, "ERR_INVALID_INPUT"),
        ({"groups": [UNKNOWN_ID], "email": "taken@example.com"}, "ERR_INVALID_GROUP"),
        (
            {"email": "taken@example.com", "sendWelcomeEmail": True, "siteId": UNKNOWN_ID},
            "ERR_DUPLICATE_ACCOUNT_EMAIL",
        ),
        ({"sendWelcomeEmail": True, "siteId": UNKNOWN_ID}, "ERR_INVALID_SITE"),
        ({"sendWelcomeEmail": True}, "ERR_MAIL_NOT_CONFIGURED"),
    ],
)
def test_order_of_checks(admin_key_client, variables, key):
    UserFactory(email="taken@example.com")

    refuse(admin_key_client, key, **variables)


def test_elevation_is_checked_before_the_duplicate_email(group_with, client_for):
    clerk = UserFactory(groups=[group_with("write:users")])
    UserFactory(email="taken@example.com")
    elevated = group_with("manage:users")

    refuse(client_for(clerk), "ERR_FORBIDDEN", email="taken@example.com", groups=[str(elevated.pk)])


def test_permission_is_checked_first(user_client, anonymous):
    refuse(user_client, "ERR_FORBIDDEN", providerKey="ldap", email="bad", name="J")
    refuse(anonymous, "ERR_NOT_AUTHENTICATED", providerKey="ldap", email="bad", name="J")


# --- Permissions (API.md §3.5, §3.6) ------------------------------------------------------------
@pytest.mark.parametrize(
    ("permissions", "key"),
    [
        ((), "ERR_FORBIDDEN"),
        (("read:users",), "ERR_FORBIDDEN"),
        (("manage:api", "read:pages"), "ERR_FORBIDDEN"),
        (("write:users",), None),
        (("manage:users",), None),
        (("manage:groups",), None),
        (("manage:system",), None),
    ],
)
@pytest.mark.parametrize("kind", ["user", "api_key"])
def test_permission_matrix(group_with, client_of, permissions, key, kind):
    client = client_of(kind, group_with(*permissions))

    if key is None:
        payload = create(client, reads_groups=permissions != ("write:users",))
        assert payload["operation"]["succeeded"] is True
        assert User.objects.filter(email="jane@example.com").exists()
    else:
        refuse(client, key)


def test_guest_is_told_to_authenticate(anonymous):
    refuse(anonymous, "ERR_NOT_AUTHENTICATED")


@pytest.mark.parametrize(
    ("caller_permissions", "target", "key"),
    [
        (("write:users",), "elevated", "ERR_FORBIDDEN"),
        (("manage:users",), "elevated", "ERR_FORBIDDEN"),
        (("manage:users",), "admins", "ERR_FORBIDDEN"),
        (("manage:groups",), "admins", "ERR_FORBIDDEN"),
        (("manage:groups",), "elevated", None),
        (("write:users",), "plain", None),
        (("manage:system",), "admins", None),
    ],
)
def test_elevation(group_with, client_for, caller_permissions, target, key):
    caller = UserFactory(groups=[group_with(*caller_permissions)])
    groups = {
        "elevated": lambda: group_with("manage:users", "read:pages"),
        "admins": administrators_group,
        "plain": lambda: group_with("read:pages", "write:comments"),
    }
    group = groups[target]()
    client = client_for(caller)

    if key is None:
        reads_groups = caller_permissions != ("write:users",)
        payload = create(client, reads_groups=reads_groups, groups=[str(group.pk)])
        assert payload["operation"]["succeeded"] is True
        new_user = User.objects.get(email="jane@example.com")
        assert set(new_user.groups.values_list("pk", flat=True)) == {USERS_GROUP_ID, group.pk}
    else:
        refuse(client, key, groups=[str(group.pk)])


def test_created_user_can_be_read_back(admin_key_client):
    payload = create(admin_key_client)

    response = admin_key_client(
        "query ($id: UUID!) { userById(id: $id) { id email } }", {"id": payload["user"]["id"]}
    )

    assert response.data == {"userById": {"id": payload["user"]["id"], "email": "jane@example.com"}}


def test_nil_uuid_group_is_unknown(admin_key_client):
    refuse(admin_key_client, "ERR_INVALID_GROUP", groups=[str(uuid.UUID(int=0))])
