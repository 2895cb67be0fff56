"""``strategies`` and ``activeStrategies`` on /graphql (API-v2.md §3.5, §4.5)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import scopes
from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy
from tests.api.permission_support import KINDS, client_as
from tests.factories import GroupFactory

from .auth_support import (
    PY_ACTIVE_STRATEGIES,
    PY_STRATEGIES,
    TF_GET_AUTH_STRATEGIES,
    assert_forbidden,
    result_of,
)
from .conftest import on_v2

pytestmark = pytest.mark.django_db

LOCAL_MODULE = {
    "key": "local",
    "title": "Local",
    "description": "Email and password authentication",
    "isAvailable": True,
    "useForm": True,
    "usernameType": "email",
    "logo": None,
    "color": "primary",
    "website": None,
    "icon": None,
}


def local() -> AuthStrategy:
    return AuthStrategy.objects.get(pk=LOCAL_STRATEGY_ID)


def test_terraform_reads_the_local_strategy(v2_admin):
    first = GroupFactory(name="First")
    second = GroupFactory(name="Second")
    strategy = local()
    strategy.registration = True
    strategy.allowed_email_regex = r"@example\.org$"
    strategy.auto_enroll_groups = [str(second.pk), str(first.pk), "not-a-uuid"]
    strategy.save()

    answer = v2_admin(TF_GET_AUTH_STRATEGIES, {"enabledOnly": False})

    assert result_of(answer, "activeStrategies") == [
        {
            "key": "local",
            "strategy": LOCAL_MODULE,
            "displayName": strategy.display_name,
            "order": 0,
            "isEnabled": True,
            "config": [],
            "selfRegistration": True,
            "domainWhitelist": [r"@example\.org$"],
            "autoEnrollGroups": [second.legacy_id, first.legacy_id],
        }
    ]


def test_no_pattern_is_an_empty_whitelist(v2_admin):
    answer = v2_admin(PY_ACTIVE_STRATEGIES, {"enabledOnly": True})

    (item,) = result_of(answer, "activeStrategies")
    assert item["domainWhitelist"] == []
    assert item["autoEnrollGroups"] == []
    assert item["selfRegistration"] is False
    assert item["strategy"] == {**LOCAL_MODULE, "props": []}


def test_enabled_only_leaves_a_disabled_strategy_out(v2_admin):
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=False)

    assert (
        result_of(v2_admin(TF_GET_AUTH_STRATEGIES, {"enabledOnly": True}), "activeStrategies") == []
    )
    (item,) = result_of(v2_admin(TF_GET_AUTH_STRATEGIES, {}), "activeStrategies")
    assert item["isEnabled"] is False


def test_a_guest_sees_the_public_fields_only():
    client = on_v2(client_as("guest", None))
    public = (
        "{ authentication { activeStrategies { key displayName isEnabled selfRegistration } } }"
    )

    answer = client(public)

    assert result_of(answer, "activeStrategies") == [
        {
            "key": "local",
            "displayName": local().display_name,
            "isEnabled": True,
            "selfRegistration": False,
        }
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_the_gated_lists_null_the_item_for_callers_without_manage_system(admin, kind):
    """§4.5: ``domainWhitelist`` and ``autoEnrollGroups`` are non-null, so the item goes."""
    client = on_v2(client_as(kind, admin, permissions=[scopes.MANAGE_API]))

    answer = client(TF_GET_AUTH_STRATEGIES, {"enabledOnly": False})

    assert answer.status == 200, answer.body
    items = answer.data["authentication"]["activeStrategies"]
    if kind == "admin":
        assert answer.errors == []
        assert items[0]["key"] == "local"
        return
    assert items == [None]
    paths = sorted(tuple(str(p) for p in e["path"]) for e in answer.errors)
    # The nullable config fails alone; the first non-null list that fails takes the item, and
    # the fields after it are not resolved (as in graphql-js).
    assert paths == [
        ("authentication", "activeStrategies", "0", field)
        for field in ("config", "domainWhitelist")
    ]
    assert {e["message"] for e in answer.errors} == {"Forbidden"}


def test_config_alone_is_nulled_alone(v2_user):
    answer = v2_user("{ authentication { activeStrategies { key config { key value } } } }")

    assert answer.data == {
        "authentication": {"activeStrategies": [{"key": "local", "config": None}]}
    }
    assert [(e["message"], e["path"]) for e in answer.errors] == [
        ("Forbidden", ["authentication", "activeStrategies", 0, "config"])
    ]


@pytest.mark.parametrize("count", [1, 6])
def test_active_strategies_take_a_constant_number_of_queries(v2_admin, count):
    groups = [GroupFactory() for _ in range(3)]
    for n in range(count - 1):
        AuthStrategy.objects.create(
            module="local",
            display_name=f"Extra {n}",
            auto_enroll_groups=[str(g.pk) for g in groups],
        )
    v2_admin(TF_GET_AUTH_STRATEGIES, {})  # warm up the caller's cached policy

    with CaptureQueriesContext(connection) as queries:
        items = result_of(v2_admin(TF_GET_AUTH_STRATEGIES, {}), "activeStrategies")

    assert len(items) == count
    assert len(queries) <= 4, [q["sql"] for q in queries]


# --- strategies (Gate: manage:system) ----------------------------------------------------------
def test_strategies_list_the_local_module(v2_admin):
    assert result_of(v2_admin(PY_STRATEGIES), "strategies") == [{**LOCAL_MODULE, "props": []}]


@pytest.mark.parametrize("kind", KINDS)
def test_strategies_gate(admin, kind):
    client = on_v2(client_as(kind, admin, permissions=[scopes.MANAGE_SYSTEM]))

    answer = client(PY_STRATEGIES)

    if kind in {"user_with", "key_with", "admin"}:
        assert result_of(answer, "strategies")[0]["key"] == "local"
    else:
        assert_forbidden(answer, "strategies")
