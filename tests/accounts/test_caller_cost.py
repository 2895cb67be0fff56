"""What resolving the caller costs (issue 6): SQL queries per request, pinned for every kind.

Once a process has seen a caller's groups, a request costs one query for the caller: its own
row (guest user, signed-in user or API key) with the access version and, for a key, the API
state. After a write to groups or memberships, the first request reads the groups again (two).
"""

import threading
import time
import uuid

import jwt
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from accounts import access_cache, authentication, tokens
from accounts.apikeys import revoke_api_key
from accounts.models import ApiKey, User
from accounts.services import guest_user
from tests.factories import UserFactory
from tests.token_support import claims_for, sign
from wiki.config import set_api_enabled, stored_setting, update_setting
from wiki.prepared import PreparedRow

pytestmark = pytest.mark.django_db

TRIVIAL = "{ __typename }"
API_STATE = "{ apiState }"


@pytest.fixture
def callers(group_with, api_key_for, client_for, anonymous):
    """One client of each kind; the user and the key hold read:api."""
    readers = group_with("read:api", name="API readers")
    return {
        "guest": anonymous,
        "user": client_for(UserFactory(groups=[readers])),
        "api_key": api_key_for(readers),
    }


def sql_of(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("kind", ["guest", "user", "api_key"])
def test_a_warm_request_costs_one_query(callers, kind, django_assert_num_queries):
    client = callers[kind]
    assert client(TRIVIAL).body == {"data": {"__typename": "Query"}}

    with django_assert_num_queries(1) as captured:
        response = client(TRIVIAL)

    assert response.body == {"data": {"__typename": "Query"}}
    [sql] = sql_of(captured)
    table = "accounts_apikey" if kind == "api_key" else "accounts_user"
    assert f'FROM "{table}"' in sql
    assert '"accounts_accessversion"' in sql
    # The key's row comes with the API state; the guest's with the setting naming the guest.
    assert ('"wiki_setting"' in sql) is (kind != "user")


@pytest.mark.parametrize("kind", ["guest", "user", "api_key"])
def test_after_a_group_change_the_first_request_costs_two(
    callers, kind, group_with, django_assert_num_queries
):
    client = callers[kind]
    client(TRIVIAL)
    group_with("read:pages")  # any write to groups

    with django_assert_num_queries(2) as captured:
        client(TRIVIAL)
    assert 'FROM "accounts_group"' in sql_of(captured)[1]
    with django_assert_num_queries(1):
        client(TRIVIAL)


@pytest.mark.parametrize("kind", ["user", "api_key"])
def test_the_answer_is_the_same_warm_and_cold(callers, kind):
    client = callers[kind]
    cold = client(API_STATE)
    warm = client(API_STATE)

    assert cold.body == warm.body == {"data": {"apiState": True}}


def test_a_new_process_finds_the_guest_in_two_queries(
    anonymous, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(authentication, "_guest_id", None)
    access_cache.forget()

    with django_assert_num_queries(2):
        anonymous(TRIVIAL)
    with django_assert_num_queries(1):
        anonymous(TRIVIAL)


def test_the_guest_named_by_the_setting_wins(anonymous, group_with):
    """Should ``auth.guestUserId`` name another user, guest requests run as that user."""
    anonymous(TRIVIAL)  # the installation's guest is now known to this process
    other = UserFactory(
        email="visitor@example.com", is_system=True, groups=[group_with("read:api")]
    )
    update_setting("auth", guestUserId=str(other.pk))

    assert anonymous(API_STATE).body == {"data": {"apiState": False}}
    caller = authentication.guest_caller()
    assert (caller.user.pk, caller.is_guest) == (other.pk, True)


def test_a_missing_guest_is_an_error_not_another_user(monkeypatch):
    monkeypatch.setattr(authentication, "_guest_id", None)
    update_setting("auth", guestUserId=str(uuid.uuid4()))

    with pytest.raises(User.DoesNotExist):
        authentication.guest_caller()


def test_refused_keys_cost_at_most_two_queries(api_key_for, group_with, django_assert_num_queries):
    client = api_key_for(group_with("read:api"))
    revoke_api_key(None, client.api_key.pk)
    with django_assert_num_queries(1):
        assert client(TRIVIAL).status == 401
    ApiKey.objects.filter(pk=client.api_key.pk).delete()
    # Unknown key: the API state is read on its own, since off means 403 for every key.
    with django_assert_num_queries(2):
        assert client(TRIVIAL).status == 401
    set_api_enabled(False)
    with django_assert_num_queries(2):
        assert client(TRIVIAL).status == 403


def test_the_api_state_of_a_key_request_is_read_once(
    api_key_for, group_with, django_assert_num_queries
):
    client = api_key_for(group_with("read:api"))
    client(TRIVIAL)

    with django_assert_num_queries(1):
        assert client(API_STATE).body == {"data": {"apiState": True}}


def test_api_off_refuses_a_valid_key_in_the_same_query(api_key_for, group_with):
    client = api_key_for(group_with("read:api"))
    client(TRIVIAL)
    set_api_enabled(False)

    with CaptureQueriesContext(connection) as captured:
        response = client(TRIVIAL)

    assert (response.status, response.body) == (
        403,
        {"data": None, "errors": [{"message": "ERR_FORBIDDEN"}]},
    )
    assert len(captured) == 1


# --- Token verification is cached per process, expiry still honoured ------------------------
@pytest.fixture
def decodes(monkeypatch):
    """How many times a token's signature was checked."""
    calls = []
    real = jwt.decode

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(tokens.jwt, "decode", counting)
    return calls


def test_a_token_is_verified_once_per_process(user, decodes):
    token = tokens.issue_session_token(user)

    first = tokens.read_token(token)
    second = tokens.read_token(token)

    assert first == second
    assert first["id"] == str(user.pk)
    assert decodes == [token]
    second["id"] = "changed"
    assert tokens.read_token(token)["id"] == str(user.pk)  # callers get their own copy


def test_a_cached_token_still_expires(user, decodes):
    now = int(time.time())
    token = sign(claims_for(user, iat=now, exp=now + 2))
    assert tokens.read_token(token)["id"] == str(user.pk)

    time.sleep(max(0.0, now + 2.05 - time.time()))

    with pytest.raises(tokens.TokenExpired):
        tokens.read_token(token)
    assert tokens.read_token(token, verify_exp=False)["id"] == str(user.pk)
    assert len(decodes) == 3  # verified anew once the cached expiry passed


def test_refused_tokens_are_not_cached(user, decodes):
    forged = sign(claims_for(user), key=b"0123456789abcdef0123456789abcdef", algorithm="HS256")
    for _ in range(2):
        with pytest.raises(tokens.TokenError):
            tokens.read_token(forged)
    assert len(decodes) == 2


def test_new_signing_keys_forget_verified_tokens(user, decodes):
    token = tokens.issue_session_token(user)
    tokens.read_token(token)

    tokens.forget_signing_keys()
    tokens.read_token(token)

    assert len(decodes) == 2


def test_verified_tokens_are_bounded(user, monkeypatch):
    monkeypatch.setattr(tokens._verified, "limit", 3)
    tokens.forget_signing_keys()
    for n in range(5):
        tokens.read_token(sign(claims_for(user, email=f"u{n}@example.com")))
    assert len(tokens._verified) <= 3


# --- PreparedRow gives what the ORM gives -------------------------------------------------------
def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_prepared_rows_equal_the_orm_rows(api_key_for, group_with):
    user = UserFactory(meta={"jobTitle": "Chef"}, prefs={"timezone": "Europe/Paris"})
    key = api_key_for(group_with("read:api")).api_key
    users = PreparedRow(lambda pk: User.objects.filter(pk=pk).annotate(auth=stored_setting("auth")))
    keys = PreparedRow(lambda pk: ApiKey.objects.filter(pk=pk))

    for _ in range(2):  # compiled, then reused
        prepared = users.get(user.pk)
        orm = User.objects.filter(pk=user.pk).annotate(auth=stored_setting("auth")).get()
        assert _fields(prepared) == _fields(orm)
        assert prepared.auth == orm.auth
        assert isinstance(prepared.auth, dict)
        assert prepared._state.db == "default"
        assert prepared._state.adding is False
        assert _fields(keys.get(key.pk)) == _fields(ApiKey.objects.get(pk=key.pk))
    assert users.get(uuid.uuid4()) is None
    assert users.get(guest_user().pk).pk == guest_user().pk


def test_each_thread_runs_prepared_rows_on_its_own_connection():
    guests = PreparedRow(lambda pk: User.objects.filter(pk=pk))
    guest_id = guest_user().pk
    assert guests.get(guest_id).pk == guest_id
    found = []

    def elsewhere():
        try:
            found.append(guests.get(guest_id))
        finally:
            connections.close_all()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join(timeout=30)

    assert [user.pk for user in found] == [guest_id]
    assert guests.get(guest_id).pk == guest_id


def test_a_prepared_queryset_must_use_its_key():
    with pytest.raises(ValueError, match="exactly once"):
        PreparedRow(lambda pk: User.objects.filter(is_active=True)).get(uuid.uuid4())
    with pytest.raises(ValueError, match="select_related"):
        PreparedRow(lambda pk: ApiKey.objects.select_related("created_by").filter(pk=pk)).get(
            uuid.uuid4()
        )


def test_guests_get_their_own_user_instance():
    """The cached policy is shared; the user row is read per request, never shared."""
    first, second = authentication.guest_caller(), authentication.guest_caller()
    assert first.user == second.user
    assert first.user is not second.user
    assert first.policy is second.policy


def test_callers_built_outside_a_request_see_the_current_groups(group_with):
    member = UserFactory()
    before = authentication.user_caller(member)
    member.groups.add(group_with("read:api"))

    after = authentication.user_caller(member)

    assert (before.has_any("read:api"), after.has_any("read:api")) == (False, True)


def test_a_key_naming_a_malformed_group_id_is_a_key_without_it(api_key_for, group_with):
    client = api_key_for(group_with("read:api"))
    ApiKey.objects.filter(pk=client.api_key.pk).update(
        group_ids=[*client.api_key.group_ids, "not-a-uuid"]
    )

    assert client(API_STATE).body == {"data": {"apiState": True}}
