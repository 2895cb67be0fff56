"""No cache hides a change to access (issue 6): the very next request sees it, in every process.

Each process keeps the policies derived from groups while the access version holds; database
triggers change that version with every write to groups or memberships, whoever writes.
Key and user rows are read on every request. So revoking a key, deactivating a user, changing
a group's permissions or rules, or a membership, counts from the next request on, first in one
process (any database), then with requests alternating between two gunicorn servers on one
PostgreSQL database.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from accounts import tokens
from accounts.access_cache import current_version
from accounts.models import GUESTS_GROUP_ID, USERS_GROUP_ID, ApiKey, Group, Membership, User
from tests.conftest import GraphQLClient
from tests.factories import GroupFactory, PageFactory, UserFactory, rule
from tests.wiki.admin_support import form_data, logged_in
from tests.wiki.group_admin_support import page_data
from wiki.config import set_api_enabled

ROOT = Path(__file__).resolve().parents[2]
API_STATE = "{ apiState }"
PAGES = "{ pages { path } }"
REVOKE = "mutation R($id: UUID!) { revokeApiKey(id: $id) { operation { succeeded } } }"
SET_API = "mutation S($on: Boolean!) { setApiState(enabled: $on) { operation { succeeded } } }"

ALLOWED = (200, {"data": {"apiState": True}})


def refused(key: str) -> tuple[int, dict]:
    error = {
        "message": key,
        "locations": [{"line": 1, "column": 3}],
        "path": ["apiState"],
        "extensions": {"code": key},
    }
    return 200, {"errors": [error], "data": {"apiState": None}}


FORBIDDEN = refused("ERR_FORBIDDEN")
GUEST_REFUSED = refused("ERR_NOT_AUTHENTICATED")
KEY_REJECTED = (401, {"data": None, "errors": [{"message": "ERR_INVALID_TOKEN"}]})
API_OFF = (403, {"data": None, "errors": [{"message": "ERR_FORBIDDEN"}]})


# --- The access version changes with every write to groups and memberships -------------------
def _user_in_group():
    group = GroupFactory()
    return UserFactory(groups=[group]), group


WRITES: dict[str, Callable[[User, Group], object]] = {
    "group created": lambda user, group: GroupFactory(),
    "group saved": lambda user, group: group.save(),
    "group queryset update": lambda user, group: Group.objects.filter(pk=group.pk).update(
        permissions=["read:api"]
    ),
    "group bulk update": lambda user, group: Group.objects.bulk_update(
        [Group(pk=group.pk, name="x", permissions=[], rules=[])], ["rules"]
    ),
    "group deleted": lambda user, group: group.delete(),
    "membership added": lambda user, group: user.groups.add(GroupFactory.create()),
    "membership removed": lambda user, group: user.groups.remove(group),
    "memberships cleared": lambda user, group: user.groups.clear(),
    "memberships set": lambda user, group: user.groups.set([USERS_GROUP_ID]),
    "membership row created": lambda user, group: Membership.objects.create(
        user=user, group=GroupFactory()
    ),
    "memberships bulk created": lambda user, group: Membership.objects.bulk_create(
        [Membership(user=user, group=GroupFactory())]
    ),
    "membership queryset delete": lambda user, group: Membership.objects.filter(user=user).delete(),
    "user deleted (memberships cascade)": lambda user, group: user.delete(),
    "raw SQL": lambda user, group: connection.cursor().execute(
        "UPDATE accounts_group SET rules = %s WHERE id = %s",
        ["[]", group.pk.hex if connection.vendor == "sqlite" else group.pk],
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_to_groups_or_memberships_changes_the_version(write):
    user, group = _user_in_group()
    before = current_version()

    WRITES[write](user, group)

    assert current_version() not in (None, before)


@pytest.mark.django_db
def test_writes_elsewhere_leave_the_version_alone(api_key_for, group_with):
    group = group_with("read:api")
    user = UserFactory(groups=[group])
    key = api_key_for(group).api_key
    before = current_version()

    user.name = "Renamed"
    user.save()
    User.objects.filter(pk=user.pk).update(is_active=False)
    ApiKey.objects.filter(pk=key.pk).update(is_revoked=True)
    PageFactory(author=user)
    set_api_enabled(False)

    assert current_version() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_write_leaves_no_version_behind():
    group = GroupFactory()
    before = current_version()
    seen = {}

    def write_then_fail():
        with transaction.atomic():
            group.save()
            seen["inside"] = current_version()
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError, match="roll back"):
        write_then_fail()
    inside = seen["inside"]

    assert inside != before
    assert current_version() == before
    group.save()
    assert current_version() not in (before, inside)


# --- Scenarios: a change, and what one probe answers before and after it ---------------------
Post = Callable[..., tuple[int, dict]]  # post(target, token, query, variables=None)


@dataclass
class Scenario:
    token: str | None
    query: str
    before: tuple[int, dict]
    after: tuple[int, dict]
    change: Callable[[Post], None]


def _enabled_api():
    set_api_enabled(True)


def _key(*groups) -> tuple[str, ApiKey]:
    from accounts.apikeys import create_api_key

    issued = create_api_key(None, name="probe", expiration="1d", group_ids=[g.pk for g in groups])
    return issued.token, issued.api_key


def _admin_token() -> str:
    from accounts.services import make_administrator

    admin = UserFactory(email="root@example.com")
    make_administrator(admin)
    return tokens.issue_session_token(admin)


def _succeeded(response: tuple[int, dict], field: str) -> None:
    assert response[0] == 200, response
    assert response[1]["data"][field]["operation"]["succeeded"] is True, response


def revoked_key() -> Scenario:
    _enabled_api()
    token, key = _key(GroupFactory(permissions=["read:api"]))
    admin = _admin_token()

    def change(post):
        _succeeded(post("A", admin, REVOKE, {"id": str(key.pk)}), "revokeApiKey")

    return Scenario(token, API_STATE, ALLOWED, KEY_REJECTED, change)


def api_switched_off() -> Scenario:
    _enabled_api()
    token, _ = _key(GroupFactory(permissions=["read:api"]))
    admin = _admin_token()

    def change(post):
        _succeeded(post("A", admin, SET_API, {"on": False}), "setApiState")

    return Scenario(token, API_STATE, ALLOWED, API_OFF, change)


def _member(*permissions: str) -> tuple[str, User, Group]:
    _enabled_api()
    group = GroupFactory(permissions=list(permissions))
    user = UserFactory(groups=[group])
    return tokens.issue_session_token(user), user, group


def deactivated_user() -> Scenario:
    token, user, _ = _member("read:api")

    def change(post):
        User.objects.filter(pk=user.pk).update(is_active=False)

    return Scenario(token, API_STATE, ALLOWED, GUEST_REFUSED, change)


def deleted_user() -> Scenario:
    token, user, _ = _member("read:api")
    return Scenario(token, API_STATE, ALLOWED, GUEST_REFUSED, lambda post: user.delete())


def permission_removed_by_save() -> Scenario:
    token, _, group = _member("read:api")

    def change(post):
        group.permissions = ["read:pages"]
        group.save()

    return Scenario(token, API_STATE, ALLOWED, FORBIDDEN, change)


def permission_removed_by_update() -> Scenario:
    token, _, group = _member("read:api")

    def change(post):
        Group.objects.filter(pk=group.pk).update(permissions=[])

    return Scenario(token, API_STATE, ALLOWED, FORBIDDEN, change)


def permission_granted() -> Scenario:
    token, _, group = _member()

    def change(post):
        Group.objects.filter(pk=group.pk).update(permissions=["read:api"])

    return Scenario(token, API_STATE, FORBIDDEN, ALLOWED, change)


def membership_removed() -> Scenario:
    token, user, group = _member("read:api")
    return Scenario(token, API_STATE, ALLOWED, FORBIDDEN, lambda post: user.groups.remove(group))


def membership_added() -> Scenario:
    token, user, _ = _member()
    readers = GroupFactory(permissions=["read:api"])
    return Scenario(token, API_STATE, FORBIDDEN, ALLOWED, lambda post: user.groups.add(readers))


def key_group_deleted() -> Scenario:
    _enabled_api()
    group = GroupFactory(permissions=["read:api"])
    token, _ = _key(group)
    return Scenario(token, API_STATE, ALLOWED, FORBIDDEN, lambda post: group.delete())


def _docs_page() -> None:
    PageFactory(path="docs/setup")


DOCS = (200, {"data": {"pages": [{"path": "docs/setup"}]}})
NO_PAGES = (200, {"data": {"pages": []}})


def page_rule_changed() -> Scenario:
    _enabled_api()
    group = GroupFactory(permissions=["read:pages"], rules=[rule(path="docs")])
    token, _ = _key(group)
    _docs_page()

    def change(post):
        group.rules = [rule(path="docs"), rule(mode="DENY", path="docs/setup", match="EXACT")]
        group.save()

    return Scenario(token, PAGES, DOCS, NO_PAGES, change)


def guest_rule_changed() -> Scenario:
    _docs_page()

    def change(post):
        Group.objects.filter(pk=GUESTS_GROUP_ID).update(rules=[rule(path="docs")])

    return Scenario(None, PAGES, NO_PAGES, DOCS, change)


SCENARIOS = {
    "key revoked (revokeApiKey)": revoked_key,
    "API switched off (setApiState)": api_switched_off,
    "user deactivated": deactivated_user,
    "user deleted": deleted_user,
    "group permission removed (save)": permission_removed_by_save,
    "group permission removed (queryset update)": permission_removed_by_update,
    "group permission granted": permission_granted,
    "membership removed": membership_removed,
    "membership added": membership_added,
    "key's group deleted": key_group_deleted,
    "page rule changed": page_rule_changed,
    "guests' rule changed": guest_rule_changed,
}


def play(scenario: Scenario, post: Post) -> None:
    """Warm both targets, change, then the other target first: each answers the new way."""
    for target in ("A", "B", "A", "B"):
        assert post(target, scenario.token, scenario.query) == scenario.before, target
    scenario.change(post)
    for target in ("B", "A", "B"):
        assert post(target, scenario.token, scenario.query) == scenario.after, target


# --- In this process (SQLite or PostgreSQL) ---------------------------------------------------
def _in_process(target: str, token: str | None, query: str, variables=None) -> tuple[int, dict]:
    response = GraphQLClient(token)(query, variables)
    return response.status, response.body


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_next_request_sees_the_change(name):
    play(SCENARIOS[name](), _in_process)


# --- The Django admin writes through the same tables ----------------------------------------
def _admin_change(obj, edit) -> None:
    from accounts.services import make_administrator

    admin = UserFactory(email="admin-browser@example.com")
    make_administrator(admin)
    http = logged_in(admin)
    url = reverse(f"admin:accounts_{obj._meta.model_name}_change", args=[obj.pk])
    # The group page posts its rules as rows, which the generic form reader does not know.
    data = (page_data if isinstance(obj, Group) else form_data)(http.get(url))
    edit(data)
    response = http.post(url, data)
    assert response.status_code == 302, response.content[:2000]


@pytest.mark.django_db
def test_admin_group_edit_counts_on_the_next_request():
    token, _, group = _member("read:api")
    client = GraphQLClient(token)
    assert (client(API_STATE).status, client(API_STATE).body) == ALLOWED

    _admin_change(group, lambda data: data.update(permissions=["read:pages"]))

    response = client(API_STATE)
    assert (response.status, response.body) == FORBIDDEN


@pytest.mark.django_db
def test_admin_membership_removal_counts_on_the_next_request():
    token, user, group = _member("read:api")
    client = GraphQLClient(token)
    assert (client(API_STATE).status, client(API_STATE).body) == ALLOWED

    def edit(data):
        data["member_of"] = [pk for pk in data["member_of"] if pk != str(group.pk)]

    _admin_change(user, edit)

    response = client(API_STATE)
    assert (response.status, response.body) == FORBIDDEN


@pytest.mark.django_db
def test_admin_deactivation_counts_on_the_next_request():
    token, user, _ = _member("read:api")
    client = GraphQLClient(token)
    assert (client(API_STATE).status, client(API_STATE).body) == ALLOWED

    _admin_change(user, lambda data: data.pop("is_active"))

    response = client(API_STATE)
    assert (response.status, response.body) == GUEST_REFUSED


# --- Two gunicorn servers on one PostgreSQL database -------------------------------------------
def _port(index: int) -> int:
    base = os.environ.get("TEST_SERVER_PORT_BASE")
    if base:
        return int(base) + index
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url(db: dict) -> str:
    credentials = urllib.parse.quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{urllib.parse.quote(db['NAME'])}"


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http_post(base: str, token: str | None, query: str, variables=None) -> tuple[int, dict]:
    body = {"query": query} if variables is None else {"query": query, "variables": variables}
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - our own loopback server
        base + "/_graphql", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with _OPENER.open(request, timeout=20) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, {"not JSON": raw.decode(errors="replace")[:500]}


class _Server:
    def __init__(self, port: int, env: dict, log: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = log
        self._log = log.open("wb")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "wiki.wsgi:application",
            "--workers=1",
            f"--bind=127.0.0.1:{port}",
            "--max-requests=0",  # a worker restart would empty its caches and hide staleness
            "--timeout=60",
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, deadline: float) -> None:
        # A GET that Django answers without the database: between tests the database may be
        # empty (flushed) until the next test's data is loaded.
        answer = None
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with _OPENER.open(self.base + "/_graphql", timeout=5) as response:
                    answer = response.status
            except urllib.error.HTTPError as error:
                with error:
                    answer = error.code
                    if error.code == 405 and b"POST" in error.read():
                        return
            except OSError:
                time.sleep(0.2)
                continue
            break
        self.stop()
        log = self.log_path.read_text(errors="replace")
        raise AssertionError(f"server {self.base} is not serving ({answer}):\n{log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._log.close()


@pytest.fixture(scope="module")
def two_servers(django_db_setup, tmp_path_factory):
    """Two single-worker gunicorn servers with production settings on the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("two server processes need a shared database: set DATABASE_URL=postgres://")
    logs = tmp_path_factory.mktemp("servers")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(logs)),
        "DJANGO_SETTINGS_MODULE": "wiki.settings",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": "",  # caches and tasks in process: nothing shared but the database
        "GUNICORN_ACCESS_LOG": "",
        "WIKI_DATA_DIR": str(logs),
        "LOG_LEVEL": "WARNING",
    }
    servers = [_Server(_port(i), env, logs / f"server-{i}.log") for i in range(2)]
    try:
        deadline = time.monotonic() + 60
        for server in servers:
            server.wait_ready(deadline)
        yield {"A": servers[0].base, "B": servers[1].base}
    finally:
        for server in servers:
            server.stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_other_process_sees_the_change_on_its_next_request(two_servers, name):
    def post(target, token, query, variables=None):
        return _http_post(two_servers[target], token, query, variables)

    play(SCENARIOS[name](), post)
