"""``manage.py createsuperuser`` and ``manage.py createapikey``."""

import io
import uuid

import pytest
from django.core.management import CommandError, call_command, get_commands

from accounts.models import USERS_GROUP_ID, ApiKey, User
from accounts.services import administrators_group, root_admin_user
from tests.conftest import GraphQLClient
from tests.factories import GroupFactory, UserFactory
from wiki.config import is_api_enabled

pytestmark = pytest.mark.django_db

GROUPS_QUERY = "{ groups { name } }"


def _group_ids(user: User) -> set[uuid.UUID]:
    return set(user.groups.values_list("pk", flat=True))


# --- createsuperuser ----------------------------------------------------------------------
@pytest.fixture
def superuser_env(monkeypatch):
    for name in ("PASSWORD", "EMAIL", "NAME"):
        monkeypatch.delenv(f"DJANGO_SUPERUSER_{name}", raising=False)
    return monkeypatch


def _createsuperuser(*args, **options) -> str:
    out = io.StringIO()
    call_command("createsuperuser", *args, interactive=False, stdout=out, **options)
    return out.getvalue()


def test_our_command_overrides_djangos():
    assert get_commands()["createsuperuser"] == "accounts"


def test_first_superuser_becomes_root_admin_with_legacy_id_1(superuser_env):
    superuser_env.setenv("DJANGO_SUPERUSER_PASSWORD", "Sup3r-secret")

    output = _createsuperuser(email="Root@Example.com", name="Root Admin")

    assert output == "Superuser created successfully.\n"
    user = User.objects.get(email="root@example.com")
    assert (user.name, user.legacy_id, user.is_active, user.is_verified) == (
        "Root Admin",
        1,
        True,
        True,
    )
    assert user.check_password("Sup3r-secret")
    assert _group_ids(user) == {administrators_group().pk, USERS_GROUP_ID}
    assert root_admin_user() == user
    assert user.is_staff
    assert user.is_superuser


def test_second_superuser_gets_a_fresh_legacy_id(superuser_env, admin):
    superuser_env.setenv("DJANGO_SUPERUSER_PASSWORD", "Sup3r-secret")
    first_legacy_id = admin.legacy_id

    _createsuperuser(email="second@example.com", name="Second")

    second = User.objects.get(email="second@example.com")
    assert second.legacy_id not in (1, 2, first_legacy_id)
    assert _group_ids(second) == {administrators_group().pk, USERS_GROUP_ID}
    assert root_admin_user() == admin


def test_environment_supplies_email_and_name(superuser_env):
    superuser_env.setenv("DJANGO_SUPERUSER_PASSWORD", "Sup3r-secret")
    superuser_env.setenv("DJANGO_SUPERUSER_EMAIL", "env@example.com")
    superuser_env.setenv("DJANGO_SUPERUSER_NAME", "From Env")

    _createsuperuser()

    user = User.objects.get(email="env@example.com")
    assert user.name == "From Env"
    assert user.check_password("Sup3r-secret")


def test_without_password_the_superuser_cannot_log_in(superuser_env):
    _createsuperuser(email="nopass@example.com", name="No Pass")

    assert User.objects.get(email="nopass@example.com").has_usable_password() is False


@pytest.mark.parametrize(
    ("options", "env", "message"),
    [
        ({"name": "No Email"}, {}, "You must use --email with --noinput."),
        ({"email": "x@example.com"}, {}, "You must use --name with --noinput."),
        ({"email": "not-an-email", "name": "Bad"}, {}, "Enter a valid email address"),
        ({"email": "x@example.com", "name": "X"}, {}, "The name must be 2 to 255 characters"),
        (
            {"email": "x@example.com", "name": "Short"},
            {"DJANGO_SUPERUSER_PASSWORD": "short"},
            "The password must be at least 8 characters. (ERR_PASSWORD_TOO_SHORT)",
        ),
        ({"email": "ADMIN@example.com", "name": "Dup"}, {}, "already taken"),
    ],
)
def test_createsuperuser_refuses_bad_input(superuser_env, admin, options, env, message):
    for key, value in env.items():
        superuser_env.setenv(key, value)
    before = User.objects.count()

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _createsuperuser(**options)

    assert User.objects.count() == before


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_interactive_mode_prompts_and_validates(superuser_env, monkeypatch):
    # Email (bad, good), name (too short, good), then "n" to Django's offer to bypass the
    # password validators after the too-short password.
    answers = iter(["bad-email", "Ask@Example.com", "A", "Asked Admin", "n"])
    passwords = iter(["short", "short", "Long-enough-1", "Long-enough-1"])
    prompts = []

    def fake_input(prompt=""):
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setattr("getpass.getpass", lambda prompt="Password: ": next(passwords))
    out, err = io.StringIO(), io.StringIO()

    call_command("createsuperuser", stdin=_Tty(), stdout=out, stderr=err)

    user = User.objects.get(email="ask@example.com")
    assert user.name == "Asked Admin"
    assert user.check_password("Long-enough-1")
    assert user.legacy_id == 1
    assert _group_ids(user) == {administrators_group().pk, USERS_GROUP_ID}
    assert "Enter a valid email address" in err.getvalue()
    assert "The name must be 2 to 255 characters" in err.getvalue()
    assert "at least 8 characters" in err.getvalue()
    assert out.getvalue().endswith("Superuser created successfully.\n")
    assert prompts == ["Email: ", "Email: ", "Name: ", "Name: ", prompts[-1]]
    assert prompts[-1].startswith("Bypass password validation")


# --- createapikey --------------------------------------------------------------------------
def _createapikey(*args) -> list[str]:
    out = io.StringIO()
    call_command("createapikey", *args, stdout=out)
    return out.getvalue().splitlines()


def test_createapikey_prints_a_working_key_last(db):
    assert is_api_enabled() is False

    lines = _createapikey("--name", "CI", "--groups", "Administrators")

    token = lines[-1]
    api_key = ApiKey.objects.get()
    assert token.count(".") == 2
    assert " " not in token
    assert api_key.key_short == "..." + token[-20:]
    assert (api_key.name, api_key.group_ids) == ("CI", [str(administrators_group().pk)])
    assert not ApiKey.objects.filter(key_digest__contains=token).exists()
    assert is_api_enabled() is True
    result = GraphQLClient(token)(GROUPS_QUERY)
    assert result.status == 200
    assert {"name": "Administrators"} in result.data["groups"]


def test_createapikey_takes_ids_names_and_expiration(db):
    editors = GroupFactory(name="Editors")

    _createapikey(
        "--name",
        "Mixed",
        "--groups",
        str(USERS_GROUP_ID),
        "--groups",
        "editors",
        "--groups",
        "Users",
        "--expiration",
        "12h",
    )

    api_key = ApiKey.objects.get()
    assert api_key.group_ids == [str(USERS_GROUP_ID), str(editors.pk)]
    lifetime = api_key.expiration - api_key.created_at
    assert 12 * 3600 - 5 <= lifetime.total_seconds() <= 12 * 3600 + 5


def test_createapikey_default_expiration_is_30_days(db):
    _createapikey("--name", "Default", "--groups", "Users")

    lifetime = ApiKey.objects.get().expiration - ApiKey.objects.get().created_at
    assert abs(lifetime.total_seconds() - 30 * 86400) < 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--groups", "Users"], "the following arguments are required: --name"),
        (["--name", "N"], "the following arguments are required: --groups"),
        (["--name", "N", "--groups", "Nobody"], 'Unknown group: no group is named "Nobody"'),
        (
            ["--name", "N", "--groups", "00000000-0000-4000-8000-000000000009"],
            "Unknown group: no group has the id 00000000-0000-4000-8000-000000000009",
        ),
        (["--name", "N", "--groups", "Twins"], 'Ambiguous group name "Twins"'),
        (["--name", "N", "--groups", "Users", "--expiration", "soon"], "Bad --expiration 'soon'"),
        (["--name", "N", "--groups", "Users", "--expiration", "0s"], "Bad --expiration '0s'"),
        (["--name", "  ", "--groups", "Users"], "Bad --name"),
        (["--name", "<b>", "--groups", "Users"], "Bad --name"),
    ],
)
def test_createapikey_refuses_bad_input(db, args, message):
    GroupFactory(name="Twins")
    GroupFactory(name="Twins")

    with pytest.raises(CommandError, match=message.replace("(", r"\(")) as caught:
        _createapikey(*args)

    assert "Traceback" not in str(caught.value)
    assert not ApiKey.objects.exists()
    assert is_api_enabled() is False


def test_createapikey_key_for_plain_users_cannot_list_groups(db):
    UserFactory()
    token = _createapikey("--name", "Reader", "--groups", "Users")[-1]

    result = GraphQLClient(token)(GROUPS_QUERY)

    assert result.data == {"groups": None}
    assert result.error_messages == ["ERR_FORBIDDEN"]
