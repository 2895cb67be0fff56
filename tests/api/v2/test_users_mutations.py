"""``users.create``, ``update``, ``delete``, ``verify``, ``activate``, ``deactivate``, ``enableTFA``,
``disableTFA``, ``resetPassword`` on /graphql (API-v2.md §3.3, §2.7, §2.8)."""

import pytest
from django.core import mail

from accounts import scopes
from accounts.models import LOCAL_STRATEGY_ID, User
from pages.models import Page
from tests.api.permission_support import KINDS, client_as, snapshot
from tests.api.v2.conftest import on_v2
from tests.factories import GroupFactory, PageFactory, UserFactory
from wiki.models import OutboundMail

pytestmark = pytest.mark.django_db

RESULT = "responseResult { succeeded errorCode slug message }"
# As wikijs-pyclient and wikijspy send them (§6): every declared argument, variables.
CREATE = f"""
mutation ($email: String!, $name: String!, $passwordRaw: String, $providerKey: String!,
          $groups: [Int]!, $mustChangePassword: Boolean, $sendWelcomeEmail: Boolean) {{
  users {{ create(email: $email, name: $name, passwordRaw: $passwordRaw,
                  providerKey: $providerKey, groups: $groups,
                  mustChangePassword: $mustChangePassword, sendWelcomeEmail: $sendWelcomeEmail) {{
    {RESULT}
    user {{ id name email providerKey isSystem isActive isVerified createdAt groups {{ id name }} }}
  }} }}
}}
"""
UPDATE = f"""
mutation ($id: Int!, $email: String, $name: String, $newPassword: String, $groups: [Int],
          $location: String, $jobTitle: String, $timezone: String, $dateFormat: String,
          $appearance: String) {{
  users {{ update(id: $id, email: $email, name: $name, newPassword: $newPassword,
                  groups: $groups, location: $location, jobTitle: $jobTitle,
                  timezone: $timezone, dateFormat: $dateFormat, appearance: $appearance) {{
    {RESULT}
  }} }}
}}
"""
DELETE = f"""
mutation ($id: Int!, $replaceId: Int!) {{
  users {{ delete(id: $id, replaceId: $replaceId) {{ {RESULT} }} }}
}}
"""


def by_id(operation: str) -> str:
    return f"mutation ($id: Int!) {{ users {{ {operation}(id: $id) {{ {RESULT} }} }} }}"


# /_graphql sees the same store.
USER_BY_ID = """
query ($id: UUID!) { userById(id: $id) {
  name email isActive isVerified meta prefs groups { name }
  auth { config }
} }
"""


def succeeded(message: str) -> dict:
    return {"succeeded": True, "errorCode": 0, "slug": "ok", "message": message}


def failure(code: int, slug: str, message: str) -> dict:
    return {"succeeded": False, "errorCode": code, "slug": slug, "message": message}


def plain(message: str) -> dict:
    return failure(1, "Error", message)


INPUT_INVALID = "InputInvalid"
USER_NOT_FOUND = failure(1016, "UserNotFound", "This user does not exist.")
FORBIDDEN = plain("Forbidden")


def answer(r, operation: str) -> dict:
    assert r.status == 200, r.body
    assert "errors" not in r.body, r.body
    return r.data["users"][operation]


def result(r, operation: str) -> dict:
    return answer(r, operation)["responseResult"]


def gate_refused(r, operation: str) -> None:
    assert r.status == 200, r.body
    assert r.data == {"users": {operation: None}}, r.body
    assert [(e["message"], e["path"], e["extensions"]) for e in r.errors] == [
        ("Forbidden", ["users", operation], {"code": "INTERNAL_SERVER_ERROR"})
    ]


def create_variables(**overrides) -> dict:
    variables = {
        "email": "New.Person@Example.com",
        "name": "New Person",
        "passwordRaw": "Secret123",
        "providerKey": "local",
        "groups": [],
        "mustChangePassword": False,
        "sendWelcomeEmail": False,
    }
    variables.update(overrides)
    return variables


# --- create --------------------------------------------------------------------------------------
def test_create_returns_the_user_in_users_and_given_groups(v2_admin_key, admin_client):
    editors = GroupFactory(name="Editors")
    r = v2_admin_key(
        CREATE, create_variables(groups=[editors.legacy_id, None], mustChangePassword=True)
    )
    created = answer(r, "create")
    assert created["responseResult"] == succeeded("User created successfully")
    user = User.objects.get(email="new.person@example.com")
    assert created["user"] == {
        "id": user.legacy_id,
        "name": "New Person",
        "email": "new.person@example.com",
        "providerKey": "local",
        "isSystem": False,
        "isActive": True,
        "isVerified": True,
        "createdAt": created["user"]["createdAt"],
        "groups": [{"id": editors.legacy_id, "name": "Editors"}, {"id": 3, "name": "Users"}],
    }
    assert user.legacy_id >= 3
    seen = admin_client(USER_BY_ID, {"id": str(user.pk)}).data["userById"]
    assert sorted(g["name"] for g in seen["groups"]) == ["Editors", "Users"]
    assert seen["auth"][0]["config"]["mustChangePwd"] is True
    assert user.check_password("Secret123")


def test_create_accepts_the_local_strategy_id(v2_admin_key):
    r = v2_admin_key(CREATE, create_variables(providerKey=str(LOCAL_STRATEGY_ID)))
    assert result(r, "create") == succeeded("User created successfully")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"providerKey": "ldap"},
            failure(1003, "AuthProviderInvalid", "Invalid authentication provider."),
        ),
        ({"email": "not-an-email"}, failure(1012, INPUT_INVALID, "Email is not a valid email")),
        (
            {"email": "a" * 250 + "@x.com"},
            failure(1012, INPUT_INVALID, "Email is not a valid email"),
        ),
        ({"passwordRaw": None}, failure(1012, INPUT_INVALID, "Password raw can't be blank")),
        ({"passwordRaw": ""}, failure(1012, INPUT_INVALID, "Password raw can't be blank")),
        (
            {"passwordRaw": "short"},
            failure(1012, INPUT_INVALID, "Password raw is too short (minimum is 8 characters)"),
        ),
        ({"name": "  "}, failure(1012, INPUT_INVALID, "Name can't be blank")),
        (
            {"name": "J"},
            failure(1012, INPUT_INVALID, "Name is too short (minimum is 2 characters)"),
        ),
        (
            {"name": "J" * 256},
            failure(1012, INPUT_INVALID, "Name is too long (maximum is 255 characters)"),
        ),
        ({"groups": [999999]}, plain("Invalid Group ID")),
        ({"groups": [0]}, plain("Invalid Group ID")),
        # Domain order: the password comes before the name, the email before both.
        (
            {"passwordRaw": "x", "name": ""},
            failure(1012, INPUT_INVALID, "Password raw is too short (minimum is 8 characters)"),
        ),
        (
            {"email": "bad", "passwordRaw": None},
            failure(1012, INPUT_INVALID, "Email is not a valid email"),
        ),
        (
            {"providerKey": "x", "groups": [999999]},
            failure(1003, "AuthProviderInvalid", "Invalid authentication provider."),
        ),
    ],
)
def test_create_refusals(v2_admin_key, overrides, expected):
    before = snapshot()
    r = v2_admin_key(CREATE, create_variables(**overrides))
    assert answer(r, "create") == {"responseResult": expected, "user": None}
    assert snapshot() == before


def test_create_duplicate_email(v2_admin_key):
    UserFactory(email="new.person@example.com")
    r = v2_admin_key(CREATE, create_variables())
    assert result(r, "create") == failure(
        1004, "AuthAccountAlreadyExists", "An account already exists using this email address."
    )


def test_create_with_an_elevated_group_needs_manage_groups(admin):
    client = on_v2(client_as("user_with", admin, permissions=[scopes.WRITE_USERS]))
    managers = GroupFactory(name="Managers", permissions=[scopes.MANAGE_USERS])
    r = client(CREATE, create_variables(groups=[managers.legacy_id]))
    assert result(r, "create") == plain(
        "You are not authorized to create a user with an assignment to an administrative group."
    )
    assert not User.objects.filter(email="new.person@example.com").exists()


def test_create_welcome_mail_not_configured_refuses(v2_admin_key):
    r = v2_admin_key(CREATE, create_variables(sendWelcomeEmail=True))
    assert answer(r, "create") == {
        "responseResult": failure(
            3002, "MailNotConfigured", "The mail configuration is incomplete or invalid."
        ),
        "user": None,
    }
    assert not User.objects.filter(email="new.person@example.com").exists()


def test_create_sends_the_welcome_mail(v2_admin_key, mail_configured):
    r = v2_admin_key(CREATE, create_variables(sendWelcomeEmail=True))
    assert result(r, "create") == succeeded("User created successfully")
    (message,) = mail.outbox
    assert message.to == ["new.person@example.com"]


def test_create_welcome_mail_failure_keeps_the_user(v2_admin_key, mail_configured, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template")

    monkeypatch.setattr("accounts.services.render_welcome_mail", broken)
    r = v2_admin_key(CREATE, create_variables(sendWelcomeEmail=True))
    created = answer(r, "create")
    assert created["responseResult"] == failure(
        3003, "MailTemplateFailed", "Mail template failed to load."
    )
    assert created["user"]["email"] == "new.person@example.com"
    assert User.objects.filter(email="new.person@example.com").exists()
    assert OutboundMail.objects.count() == 0


@pytest.mark.parametrize("kind", KINDS)
def test_create_gate(kind, admin):
    client = on_v2(client_as(kind, admin, permissions=[scopes.WRITE_USERS]))
    r = client(CREATE, create_variables())
    if kind in ("guest", "user", "key_without"):
        gate_refused(r, "create")
        assert not User.objects.filter(email="new.person@example.com").exists()
    else:
        assert result(r, "create") == succeeded("User created successfully")


# --- update --------------------------------------------------------------------------------------
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
            "appearance": "dark",
            "cvd": "none",
        },
    )


def test_update_applies_every_argument(v2_admin_key, admin_client, jane):
    editors = GroupFactory(name="Editors")
    r = v2_admin_key(
        UPDATE,
        {
            "id": jane.legacy_id,
            "email": "Jane.Doe@Example.com",
            "name": "  Jane Doe ",
            "newPassword": "NewSecret1",
            "groups": [editors.legacy_id, 3],
            "location": " Paris ",
            "jobTitle": "Editor",
            "timezone": "America/New_York",
            "dateFormat": "DD/MM/YYYY",
            "appearance": "",
        },
    )
    assert result(r, "update") == succeeded("User updated successfully")
    seen = admin_client(USER_BY_ID, {"id": str(jane.pk)}).data["userById"]
    assert (seen["name"], seen["email"]) == ("Jane Doe", "jane.doe@example.com")
    assert seen["meta"] == {"location": "Paris", "jobTitle": "Editor", "pronouns": "she"}
    assert seen["prefs"] == {
        "timezone": "America/New_York",
        "dateFormat": "DD/MM/YYYY",
        "timeFormat": "24h",
        "appearance": "site",
        "cvd": "none",
    }
    assert sorted(g["name"] for g in seen["groups"]) == ["Editors", "Users"]
    jane.refresh_from_db()
    assert jane.check_password("NewSecret1")


def test_update_empty_values_change_nothing_but_date_format_and_appearance(v2_admin_key, jane):
    groups_before = set(jane.groups.values_list("pk", flat=True))
    r = v2_admin_key(
        UPDATE,
        {
            "id": jane.legacy_id,
            "email": "",
            "name": "",
            "newPassword": "",
            "groups": None,
            "location": "",
            "jobTitle": "",
            "timezone": "",
            "dateFormat": "",
            "appearance": "light",
        },
    )
    assert result(r, "update") == succeeded("User updated successfully")
    jane.refresh_from_db()
    assert (jane.email, jane.name) == ("jane@example.com", "Jane")
    assert jane.meta == {"location": "Lyon", "jobTitle": "Writer", "pronouns": "she"}
    assert jane.prefs["timezone"] == "Europe/Paris"
    assert (jane.prefs["dateFormat"], jane.prefs["appearance"]) == ("", "light")
    assert set(jane.groups.values_list("pk", flat=True)) == groups_before
    assert jane.check_password("Password123")


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"id": 999999}, USER_NOT_FOUND),
        ({"email": "nope"}, failure(1012, INPUT_INVALID, "Email is not a valid email")),
        (
            {"email": "admin@example.com"},
            failure(
                1004,
                "AuthAccountAlreadyExists",
                "An account already exists using this email address.",
            ),
        ),
        (
            {"newPassword": "short"},
            failure(1012, INPUT_INVALID, "Password must be at least 8 characters!"),
        ),
        ({"groups": [999999]}, plain("Invalid Group ID")),
        ({"timezone": "Mars/Base"}, failure(1012, INPUT_INVALID, "Input data is invalid.")),
        ({"dateFormat": "YY"}, failure(1012, INPUT_INVALID, "Input data is invalid.")),
        ({"appearance": "blue"}, failure(1012, INPUT_INVALID, "Input data is invalid.")),
        ({"name": "J"}, failure(1012, INPUT_INVALID, "Input data is invalid.")),
        # All or nothing: a valid name with a short password changes nothing.
        (
            {"name": "Changed", "newPassword": "short"},
            failure(1012, INPUT_INVALID, "Password must be at least 8 characters!"),
        ),
        (
            {"name": "Changed", "timezone": "Mars/Base"},
            failure(1012, INPUT_INVALID, "Input data is invalid."),
        ),
    ],
)
def test_update_refusals(v2_admin_key, admin, jane, variables, expected):
    before = snapshot()
    jane_before = User.objects.filter(pk=jane.pk).values().get()
    r = v2_admin_key(UPDATE, {"id": jane.legacy_id, **variables})
    assert result(r, "update") == expected
    assert snapshot() == before
    assert User.objects.filter(pk=jane.pk).values().get() == jane_before


ELEVATION = plain(
    "You are not authorized to modify / assign a user from / to an administrative group."
)


def test_update_protected_targets(v2_admin_key, admin):
    # The guest is a system user; the root administrator stays in Administrators.
    assert result(v2_admin_key(UPDATE, {"id": 2, "name": "Visitor"}), "update") == ELEVATION
    r = v2_admin_key(UPDATE, {"id": admin.legacy_id, "groups": [3]})
    assert result(r, "update") == ELEVATION
    assert User.objects.get(legacy_id=2).name == "Guest"


def test_update_elevation_needs_manage_groups_and_system(admin):
    client = on_v2(client_as("user_with", admin, permissions=[scopes.MANAGE_USERS]))
    target = UserFactory()
    r = client(UPDATE, {"id": target.legacy_id, "groups": [1]})
    assert result(r, "update") == ELEVATION
    # An administrator (manage:system) is out of reach of a mere user manager.
    assert result(client(UPDATE, {"id": admin.legacy_id, "name": "X Y"}), "update") == ELEVATION
    assert not target.groups.filter(legacy_id=1).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_update_gate(kind, admin, jane):
    client = on_v2(client_as(kind, admin, permissions=[scopes.MANAGE_USERS]))
    r = client(UPDATE, {"id": jane.legacy_id, "name": "Jane Changed"})
    if kind in ("guest", "user", "key_without"):
        gate_refused(r, "update")
        assert User.objects.get(pk=jane.pk).name == "Jane"
    else:
        assert result(r, "update") == succeeded("User updated successfully")
        assert User.objects.get(pk=jane.pk).name == "Jane Changed"


def test_update_gate_refuses_write_users(admin, jane):
    client = on_v2(client_as("key_with", admin, permissions=[scopes.WRITE_USERS]))
    gate_refused(client(UPDATE, {"id": jane.legacy_id, "name": "Other"}), "update")


# --- delete --------------------------------------------------------------------------------------
def test_delete_hands_pages_to_the_replacement(v2_admin_key, admin_client, admin, jane):
    page = PageFactory(author=jane)
    r = v2_admin_key(DELETE, {"id": jane.legacy_id, "replaceId": admin.legacy_id})
    assert result(r, "delete") == succeeded("User deleted successfully")
    assert not User.objects.filter(pk=jane.pk).exists()
    page = Page.objects.get(pk=page.pk)
    assert (page.author_id, page.creator_id) == (admin.pk, admin.pk)
    assert admin_client(USER_BY_ID, {"id": str(jane.pk)}).errors


PROTECTED = failure(1018, "UserDeleteProtected", "Cannot delete a protected system account.")


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ((1, "admin"), PROTECTED),
        ((2, "admin"), PROTECTED),
        ((999999, "admin"), USER_NOT_FOUND),
        (("jane", 999999), USER_NOT_FOUND),
        (("jane", "jane"), USER_NOT_FOUND),
    ],
)
def test_delete_refusals(v2_admin_key, admin, jane, ids, expected):
    named = {"admin": admin.legacy_id, "jane": jane.legacy_id}
    before = snapshot()
    r = v2_admin_key(
        DELETE, {"id": named.get(ids[0], ids[0]), "replaceId": named.get(ids[1], ids[1])}
    )
    assert result(r, "delete") == expected
    assert snapshot() == before


def test_delete_of_an_administrator_by_a_user_manager_is_protected(admin, jane):
    client = on_v2(client_as("user_with", admin, permissions=[scopes.MANAGE_USERS]))
    r = client(DELETE, {"id": admin.legacy_id, "replaceId": jane.legacy_id})
    assert result(r, "delete") == PROTECTED
    assert User.objects.filter(pk=admin.pk).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_delete_gate(kind, admin, jane):
    client = on_v2(client_as(kind, admin, permissions=[scopes.MANAGE_USERS]))
    r = client(DELETE, {"id": jane.legacy_id, "replaceId": admin.legacy_id})
    if kind in ("guest", "user", "key_without"):
        gate_refused(r, "delete")
        assert User.objects.filter(pk=jane.pk).exists()
    else:
        assert result(r, "delete") == succeeded("User deleted successfully")


# --- verify, activate, deactivate, enableTFA, disableTFA ---------------------------------------
FLAG_OPERATIONS = [
    ("verify", {"is_verified": False}, "User verified successfully", {"is_verified": True}),
    ("activate", {"is_active": False}, "User activated successfully", {"is_active": True}),
    ("deactivate", {}, "User deactivated successfully", {"is_active": False}),
    ("enableTFA", {}, "User 2FA enabled successfully", {"tfa_required": True}),
    (
        "disableTFA",
        {"tfa_required": True},
        "User 2FA disabled successfully",
        {"tfa_required": False},
    ),
]


@pytest.mark.parametrize(("operation", "start", "message", "end"), FLAG_OPERATIONS)
def test_flag_operations(v2_admin_key, operation, start, message, end):
    target = UserFactory(**start)
    r = v2_admin_key(by_id(operation), {"id": target.legacy_id})
    assert result(r, operation) == succeeded(message)
    target.refresh_from_db()
    assert {field: getattr(target, field) for field in end} == end


def test_flag_effects_visible_on_graphql(v2_admin_key, admin_client, jane):
    v2_admin_key(by_id("deactivate"), {"id": jane.legacy_id})
    v2_admin_key(by_id("enableTFA"), {"id": jane.legacy_id})
    seen = admin_client(USER_BY_ID, {"id": str(jane.pk)}).data["userById"]
    assert seen["isActive"] is False
    assert seen["auth"][0]["config"]["isTfaRequired"] is True


@pytest.mark.parametrize("operation", [op[0] for op in FLAG_OPERATIONS])
def test_flag_operations_unknown_user(v2_admin_key, operation):
    assert result(v2_admin_key(by_id(operation), {"id": 999999}), operation) == USER_NOT_FOUND


@pytest.mark.parametrize("operation", ["verify", "activate", "enableTFA", "disableTFA"])
def test_flag_operations_on_system_accounts_are_forbidden(v2_admin_key, operation):
    assert result(v2_admin_key(by_id(operation), {"id": 2}), operation) == FORBIDDEN


@pytest.mark.parametrize("system_id", [1, 2])
def test_deactivate_system_accounts_pre_check(v2_admin_key, system_id):
    r = v2_admin_key(by_id("deactivate"), {"id": system_id})
    assert result(r, "deactivate") == plain("Cannot deactivate system accounts.")
    assert User.objects.get(legacy_id=2).is_active


def test_flag_operation_on_an_administrator_by_a_user_manager(admin):
    client = on_v2(client_as("user_with", admin, permissions=[scopes.MANAGE_USERS]))
    assert result(client(by_id("deactivate"), {"id": admin.legacy_id}), "deactivate") == FORBIDDEN
    assert User.objects.get(pk=admin.pk).is_active


@pytest.mark.parametrize("operation", ["enableTFA", "disableTFA"])
def test_tfa_without_local_password(v2_admin_key, operation):
    target = UserFactory()
    target.set_unusable_password()
    target.save()
    assert result(v2_admin_key(by_id(operation), {"id": target.legacy_id}), operation) == failure(
        1003, "AuthProviderInvalid", "Invalid authentication provider."
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "operation", ["verify", "activate", "deactivate", "enableTFA", "disableTFA"]
)
def test_flag_operations_gate(kind, operation, admin):
    client = on_v2(client_as(kind, admin, permissions=[scopes.MANAGE_USERS]))
    target = UserFactory()
    r = client(by_id(operation), {"id": target.legacy_id})
    if kind in ("guest", "user", "key_without"):
        gate_refused(r, operation)
    else:
        assert result(r, operation)["succeeded"] is True


# --- resetPassword -------------------------------------------------------------------------------
RESET = by_id("resetPassword")


def test_reset_password_mails_the_reset_link(v2_admin_key, mail_configured, jane):
    assert result(v2_admin_key(RESET, {"id": jane.legacy_id}), "resetPassword") == succeeded(
        "Password reset email sent."
    )
    (message,) = mail.outbox
    assert message.to == ["jane@example.com"]
    assert "/login-reset/" in message.body


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (999999, USER_NOT_FOUND),
        (2, failure(1003, "AuthProviderInvalid", "Invalid authentication provider.")),
        ("no-password", failure(1003, "AuthProviderInvalid", "Invalid authentication provider.")),
    ],
)
def test_reset_password_refusals(v2_admin_key, mail_configured, target, expected):
    if target == "no-password":
        user = UserFactory()
        user.set_unusable_password()
        user.save()
        target = user.legacy_id
    assert result(v2_admin_key(RESET, {"id": target}), "resetPassword") == expected
    assert mail.outbox == []


def test_reset_password_without_mail_settings(v2_admin_key, jane):
    assert result(v2_admin_key(RESET, {"id": jane.legacy_id}), "resetPassword") == failure(
        3002, "MailNotConfigured", "The mail configuration is incomplete or invalid."
    )


@pytest.mark.parametrize("kind", KINDS)
def test_reset_password_gate(kind, admin, mail_configured, jane):
    r = on_v2(client_as(kind, admin, permissions=[scopes.MANAGE_USERS]))(
        RESET, {"id": jane.legacy_id}
    )
    if kind in ("guest", "user", "key_without"):
        gate_refused(r, "resetPassword")
        assert mail.outbox == []
    else:
        assert result(r, "resetPassword")["succeeded"] is True


def test_nested_mutations_run_in_document_order(v2_admin_key, jane):
    r = v2_admin_key(
        f"""mutation {{ users {{
          off: deactivate(id: {jane.legacy_id}) {{ {RESULT} }}
          on: activate(id: {jane.legacy_id}) {{ {RESULT} }}
        }} }}"""
    )
    assert r.data["users"]["off"]["responseResult"]["succeeded"] is True
    assert r.data["users"]["on"]["responseResult"]["succeeded"] is True
    assert User.objects.get(pk=jane.pk).is_active is True
