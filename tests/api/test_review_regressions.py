"""Regressions found by the review of the domain and API code (one test group per finding)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import scopes
from accounts.models import LOCAL_STRATEGY_ID, USERS_GROUP_ID, ApiKey, Group, User
from pages.models import Page
from tests.factories import GroupFactory, UserFactory, default_site
from wiki.config import update_setting
from wiki.models import Site

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]

MY_GROUPS = """
query ($id: UUID!) {
  userById(id: $id) { id groups { name userCount users { email } } }
}
"""
MY_GROUP_NAMES = """
query ($id: UUID!) {
  userById(id: $id) { groups { name userCount } }
}
"""
MUTATION_TYPES = """
{ __type(name: "Mutation") { fields { name type { name } } } }
"""
REVOKE_KEY = """
mutation ($id: UUID!) {
  revokeApiKey(id: $id) { ... on DefaultResponse { operation { succeeded slug message } } }
}
"""
SET_API_STATE = """
mutation ($enabled: Boolean!) {
  setApiState(enabled: $enabled) { ... on DefaultResponse { operation { succeeded slug } } }
}
"""
CREATE_SCHEDULED_PAGE = """
mutation ($siteId: UUID!, $start: Date, $end: Date) {
  createPage(siteId: $siteId, locale: "en", path: "launch", title: "Launch", description: "",
             content: "Soon.", editor: "markdown", publishState: scheduled,
             publishStartDate: $start, publishEndDate: $end) {
    operation { succeeded slug message }
    page { publishStartDate publishEndDate }
  }
}
"""
CREATE_USER = """
mutation ($email: String!, $provider: String, $groups: [UUID], $send: Boolean) {
  createUser(email: $email, name: "Jane Doe", passwordRaw: "Password123",
             providerKey: $provider, groups: $groups, sendWelcomeEmail: $send) {
    operation { succeeded slug message }
    user { id }
  }
}
"""


# --- Group.users listed every account to any member (userById(self) { groups { users } }) -----
def test_member_cannot_list_the_members_of_its_own_groups(user, user_client, make_user):
    make_user(email="someone.else@example.com")

    response = user_client(MY_GROUPS, {"id": str(user.pk)})

    # A member sees the names of its own groups and nothing more (§3.5 gates groups).
    assert response.status == 200
    assert response.data == {
        "userById": {
            "id": str(user.pk),
            "groups": [{"name": "Users", "userCount": None, "users": None}],
        }
    }
    assert [(e["message"], e["path"]) for e in response.errors] == [
        ("ERR_FORBIDDEN", ["userById", "groups", 0, "userCount"]),
        ("ERR_FORBIDDEN", ["userById", "groups", 0, "users"]),
    ]


@pytest.mark.parametrize("permission", [scopes.MANAGE_USERS, scopes.MANAGE_GROUPS])
def test_group_readers_still_see_group_members(permission, client_for, group_with, user):
    reader = UserFactory(email="reader@example.com", groups=[group_with(permission)])

    response = client_for(reader)(MY_GROUPS, {"id": str(user.pk)})

    assert response.errors == []
    assert response.data["userById"]["groups"] == [
        {
            "name": "Users",
            "userCount": 2,
            "users": [{"email": "member@example.com"}, {"email": "reader@example.com"}],
        }
    ]


@pytest.mark.parametrize("permission", [scopes.READ_USERS, scopes.WRITE_USERS])
def test_user_readers_do_not_see_other_users_groups(permission, client_for, group_with, user):
    reader = UserFactory(email="reader@example.com", groups=[group_with(permission)])

    response = client_for(reader)(MY_GROUPS, {"id": str(user.pk)})

    assert response.data == {"userById": {"id": str(user.pk), "groups": None}}
    assert [(e["message"], e["path"]) for e in response.errors] == [
        ("ERR_FORBIDDEN", ["userById", "groups"])
    ]


def test_listing_a_users_groups_costs_the_same_for_one_and_five_groups(admin, admin_client):
    one = UserFactory()
    five = UserFactory(groups=[GroupFactory(name=f"Team {n}") for n in range(4)])
    UserFactory(groups=list(Group.objects.filter(name__startswith="Team")))
    admin_client("{ __typename }")  # the caller's policy is read once, then cached

    with CaptureQueriesContext(connection) as for_one:
        first = admin_client(MY_GROUPS, {"id": str(one.pk)})
    with CaptureQueriesContext(connection) as for_five:
        second = admin_client(MY_GROUPS, {"id": str(five.pk)})

    assert first.errors == []
    assert second.errors == []
    assert [g["name"] for g in second.data["userById"]["groups"]] == [
        "Team 0",
        "Team 1",
        "Team 2",
        "Team 3",
        "Users",
    ]
    # userCount counts every member, not only the user the groups were reached from.
    assert [g["userCount"] for g in second.data["userById"]["groups"]] == [2, 2, 2, 2, 4]
    assert len(for_one) == len(for_five)


# --- revokeApiKey / setApiState answered their own types instead of DefaultResponse (§4.5.5) ---
def test_api_key_mutations_return_default_response(admin_client, admin_key_client):
    response = admin_client(MUTATION_TYPES)
    types = {f["name"]: f["type"]["name"] for f in response.data["__type"]["fields"]}
    assert types["revokeApiKey"] == "DefaultResponse"
    assert types["setApiState"] == "DefaultResponse"

    revoked = admin_client(REVOKE_KEY, {"id": str(admin_key_client.api_key.pk)})
    assert revoked.data == {
        "revokeApiKey": {
            "operation": {
                "succeeded": True,
                "slug": "ok",
                "message": "API key revoked successfully.",
            }
        }
    }
    assert ApiKey.objects.get(pk=admin_key_client.api_key.pk).is_revoked is True

    unknown = admin_client(REVOKE_KEY, {"id": "00000000-0000-0000-0000-000000000000"})
    assert unknown.data["revokeApiKey"]["operation"] == {
        "succeeded": False,
        "slug": "ERR_INVALID_INPUT",
        "message": "ERR_INVALID_INPUT",
    }

    refused = admin_key_client  # revoked above: the key is refused at the door
    assert refused(SET_API_STATE, {"enabled": False}).status == 401
    switched = admin_client(SET_API_STATE, {"enabled": False})
    assert switched.data == {"setApiState": {"operation": {"succeeded": True, "slug": "ok"}}}


# --- Dates outside years 1-9999 once in UTC were stored (PostgreSQL: rows no one could read) ---
@pytest.mark.parametrize("start", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_dates_that_leave_the_calendar_in_utc_are_refused(admin_client, start):
    variables = {"siteId": str(default_site().pk), "start": start, "end": "9999-12-31T00:00:00Z"}

    response = admin_client(CREATE_SCHEDULED_PAGE, variables)

    assert response.status == 400
    assert response.data is None
    assert "Date cannot represent value" in response.errors[0]["message"]
    assert not Page.objects.exists()
    assert admin_client("{ pages { path } }").data == {"pages": []}


def test_date_offsets_are_kept_as_the_same_instant(admin_client):
    variables = {
        "siteId": str(default_site().pk),
        "start": "0001-01-01T01:30:00+01:00",
        "end": "2030-01-01T02:00:00+02:00",
    }

    response = admin_client(CREATE_SCHEDULED_PAGE, variables)

    assert response.data["createPage"] == {
        "operation": {"succeeded": True, "slug": "ok", "message": "Page created successfully."},
        "page": {
            "publishStartDate": "0001-01-01T00:30:00.000Z",
            "publishEndDate": "2030-01-01T00:00:00.000Z",
        },
    }
    assert admin_client("{ pages { path } }").data == {"pages": [{"path": "launch"}]}


# --- providerKey: the local strategy's id was refused unless written in lowercase ------------
@pytest.mark.parametrize(
    ("provider", "key"),
    [
        (str(LOCAL_STRATEGY_ID).upper(), None),
        (str(LOCAL_STRATEGY_ID), None),
        ("local", None),
        ("LOCAL", "ERR_INVALID_STRATEGY"),
        (f" {LOCAL_STRATEGY_ID}", "ERR_INVALID_STRATEGY"),
    ],
)
def test_provider_key_forms(admin_client, provider, key):
    response = admin_client(CREATE_USER, {"email": "jane@example.com", "provider": provider})

    payload = response.data["createUser"]
    if key is None:
        assert payload["operation"]["succeeded"] is True
        assert User.objects.filter(email="jane@example.com").count() == 1
    else:
        assert payload == {
            "operation": {"succeeded": False, "slug": key, "message": key},
            "user": None,
        }
        assert not User.objects.filter(email="jane@example.com").exists()


# --- createUser reported every integrity failure as ERR_DUPLICATE_ACCOUNT_EMAIL -------------
def test_lost_email_race_is_a_duplicate(admin_client, monkeypatch):
    from accounts import services

    real = services.check_may_change_membership

    def meanwhile(caller, groups):
        real(caller, groups)
        UserFactory(email="jane@example.com")  # another request commits the same email

    monkeypatch.setattr(services, "check_may_change_membership", meanwhile)

    response = admin_client(CREATE_USER, {"email": "jane@example.com"})

    assert response.data["createUser"] == {
        "operation": {
            "succeeded": False,
            "slug": "ERR_DUPLICATE_ACCOUNT_EMAIL",
            "message": "ERR_DUPLICATE_ACCOUNT_EMAIL",
        },
        "user": None,
    }
    assert User.objects.filter(email="jane@example.com").count() == 1


def test_other_integrity_failures_are_not_called_duplicates(admin_client, monkeypatch):
    guest_id = User.objects.get(is_system=True).legacy_id
    monkeypatch.setattr("wiki.legacy_ids.allocate", lambda kind: guest_id)

    response = admin_client(CREATE_USER, {"email": "jane@example.com"})

    operation = response.data["createUser"]["operation"]
    assert operation["succeeded"] is False
    assert operation["slug"] == "ERR_UNEXPECTED"
    assert response.data["createUser"]["user"] is None
    assert not User.objects.filter(email="jane@example.com").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_group_deleted_during_create_user_is_an_invalid_group(monkeypatch):
    from accounts import services, tokens
    from accounts.services import make_administrator
    from tests.conftest import GraphQLClient

    admin = UserFactory(email="admin@example.com")
    make_administrator(admin)
    team = GroupFactory(name="Team")
    real = services.check_may_change_membership

    def meanwhile(caller, groups):
        real(caller, groups)
        Group.objects.filter(pk=team.pk).delete()  # another request deletes the group

    monkeypatch.setattr(services, "check_may_change_membership", meanwhile)
    client = GraphQLClient(tokens.issue_session_token(admin))

    response = client(CREATE_USER, {"email": "jane@example.com", "groups": [str(team.pk)]})

    assert response.data["createUser"] == {
        "operation": {
            "succeeded": False,
            "slug": "ERR_INVALID_GROUP",
            "message": "ERR_INVALID_GROUP",
        },
        "user": None,
    }
    assert not User.objects.filter(email="jane@example.com").exists()


# --- The request's site: "host." and "HOST:port" fell back to the * site ---------------------
@pytest.mark.parametrize("host", ["wiki.example.com.", "WIKI.example.com:8443"])
def test_welcome_mail_site_follows_the_host_header(admin_client, host):
    Site.objects.create(hostname="wiki.example.com", config={"title": "Team Wiki"})
    update_setting("mail", host="smtp.example.com", senderEmail="wiki@example.com")

    response = admin_client(
        CREATE_USER, {"email": "jane@example.com", "send": True}, HTTP_HOST=host
    )

    assert response.data["createUser"]["operation"]["succeeded"] is True
    (message,) = mail.outbox
    assert message.subject == "Welcome to the wiki Team Wiki"
    assert "https://wiki.example.com/login" in message.body
    assert USERS_GROUP_ID in set(
        User.objects.get(email="jane@example.com").groups.values_list("pk", flat=True)
    )


# --- Settings: .env.example's placeholder SECRET_KEY was accepted with DEBUG off ------------
def _settings_import(**env) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update({"ALLOWED_HOSTS": "wiki.example.com", **env})
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "import wiki.settings"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _example_secret() -> str:
    lines = (BASE_DIR / ".env.example").read_text().splitlines()
    return next(line.partition("=")[2] for line in lines if line.startswith("SECRET_KEY="))


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(_example_secret(), id="env-example"),
        pytest.param(
            "dev-only-insecure-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz", id="dev-default"
        ),
    ],
)
def test_published_secret_keys_are_refused_in_production(secret):
    refused = _settings_import(DEBUG="0", SECRET_KEY=secret)
    assert refused.returncode != 0
    assert "SECRET_KEY is a published example value" in refused.stderr

    assert _settings_import(DEBUG="1", SECRET_KEY=secret).returncode == 0
    accepted = _settings_import(DEBUG="0", SECRET_KEY="a-real-random-value-" + "x7Q" * 20)
    assert accepted.returncode == 0, accepted.stderr


# --- Settings: the SQLite data folder was created even when DATABASE_URL names another database
def test_data_folder_is_only_needed_for_the_default_sqlite_file(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    unusable = str(blocker / "data")  # cannot be created: its parent is a file
    secret = "a-real-random-value-" + "x7Q" * 20

    on_postgres = _settings_import(
        DEBUG="0",
        SECRET_KEY=secret,
        WIKI_DATA_DIR=unusable,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/wiki",
    )
    assert on_postgres.returncode == 0, on_postgres.stderr

    env = {"DEBUG": "0", "SECRET_KEY": secret, "WIKI_DATA_DIR": str(tmp_path / "data")}
    assert _settings_import(**env, DATABASE_URL="").returncode == 0
    assert (tmp_path / "data").is_dir()
