"""``authSiteStrategies`` and ``authActiveStrategies`` (API.md §4.5.4, §4.5.7)."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import strategy_listing
from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy
from tests.factories import GroupFactory
from wiki.models import Site

LOCAL = str(LOCAL_STRATEGY_ID)
SITE_STRATEGIES = """
query Site($siteId: UUID!, $visibleOnly: Boolean) {
  authSiteStrategies(siteId: $siteId, visibleOnly: $visibleOnly) {
    id isVisible
    activeStrategy { id displayName isEnabled registration }
  }
}
"""
SITE_STRATEGY_SETTINGS = """
query Site($siteId: UUID!) {
  authSiteStrategies(siteId: $siteId) {
    id
    activeStrategy { id config allowedEmailRegex autoEnrollGroups }
  }
}
"""
ACTIVE_STRATEGIES = """
query Active($enabledOnly: Boolean) {
  authActiveStrategies(enabledOnly: $enabledOnly) {
    id displayName isEnabled registration config allowedEmailRegex autoEnrollGroups
    strategy {
      key props refs title description isAvailable useForm usernameType
      logo color vendor website icon
    }
  }
}
"""
LOCAL_PROPS = {
    "enforceTfa": {
        "type": "boolean",
        "title": "Enforce Two-Factor Authentication",
        "hint": "Every user of this strategy must set up TOTP at their next sign-in.",
        "default": False,
        "order": 1,
        "sensitive": False,
    },
    "emailValidation": {
        "type": "boolean",
        "title": "Email Validation",
        "hint": "Self-registered accounts must follow the link of a verification mail before "
        "they can sign in.",
        "default": True,
        "order": 2,
        "sensitive": False,
    },
}


def default_site() -> Site:
    return Site.objects.get(hostname="*")


def place(site: Site, *entries: dict) -> None:
    site.config = {**site.config, "authStrategies": list(entries)}
    site.save()


def second_strategy(name: str, **fields) -> AuthStrategy:
    return AuthStrategy.objects.create(module="local", display_name=name, **fields)


def site_strategies(client, site=None, **variables):
    variables = {"siteId": str((site or default_site()).pk), **variables}
    response = client(SITE_STRATEGIES, variables)
    assert response.status == 200, response.body
    return response


# --- authSiteStrategies ------------------------------------------------------------------------
@pytest.mark.django_db
def test_site_strategies_are_public(anonymous):
    response = site_strategies(anonymous)

    assert response.errors == []
    assert response.data == {
        "authSiteStrategies": [
            {
                "id": LOCAL,
                "isVisible": True,
                "activeStrategy": {
                    "id": LOCAL,
                    "displayName": "Local Authentication",
                    "isEnabled": True,
                    "registration": False,
                },
            }
        ]
    }


@pytest.mark.django_db
def test_unknown_site(anonymous):
    response = site_strategies(anonymous, siteId=str(uuid.uuid4()))

    assert response.data == {"authSiteStrategies": None}
    (error,) = response.errors
    assert error["message"] == "ERR_INVALID_SITE"
    assert error["path"] == ["authSiteStrategies"]


@pytest.mark.django_db
def test_malformed_site_id_is_a_validation_error(anonymous):
    response = anonymous(SITE_STRATEGIES, {"siteId": "nope"})
    assert response.status == 400


@pytest.mark.django_db
def test_site_order_and_visibility(anonymous):
    site = default_site()
    second = second_strategy("Second")
    third = second_strategy("Third")
    second_strategy("Disabled", is_enabled=False)
    place(
        site,
        {"id": LOCAL, "order": 2, "isVisible": True},
        {"id": str(second.pk).upper(), "order": 1, "isVisible": False},
        # ``third`` is not listed: visible, order 0.
        {"id": str(uuid.uuid4()), "order": -5, "isVisible": True},  # no such strategy
    )

    listed = site_strategies(anonymous, site).data["authSiteStrategies"]
    visible = site_strategies(anonymous, site, visibleOnly=True).data["authSiteStrategies"]

    assert [(s["id"], s["isVisible"]) for s in listed] == [
        (str(third.pk), True),
        (str(second.pk), False),
        (LOCAL, True),
    ]
    assert [s["id"] for s in visible] == [str(third.pk), LOCAL]
    assert [s["activeStrategy"]["displayName"] for s in visible] == [
        "Third",
        "Local Authentication",
    ]


@pytest.mark.django_db
def test_each_site_has_its_own_placement(anonymous):
    other = Site.objects.create(hostname="docs.example.com", config={"title": "Docs"})
    place(other, {"id": LOCAL, "order": 0, "isVisible": False})

    assert site_strategies(anonymous, other, visibleOnly=True).data == {"authSiteStrategies": []}
    assert len(site_strategies(anonymous, visibleOnly=True).data["authSiteStrategies"]) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "entries",
    [
        "not a list",
        [None, "x", {"order": 1}],
        [{"id": LOCAL, "order": "first", "isVisible": "yes"}],
        [{"id": LOCAL, "order": True}],
    ],
)
def test_malformed_placements_are_ignored(anonymous, entries):
    site = default_site()
    site.config = {**site.config, "authStrategies": entries}
    site.save()

    listed = site_strategies(anonymous, site).data["authSiteStrategies"]

    assert [(s["id"], s["isVisible"]) for s in listed] == [(LOCAL, True)]


@pytest.mark.django_db
def test_disabled_strategies_are_not_offered(anonymous):
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=False)
    assert site_strategies(anonymous).data == {"authSiteStrategies": []}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "key"),
    [("anonymous", "ERR_NOT_AUTHENTICATED"), ("user", "ERR_FORBIDDEN"), ("key", "ERR_FORBIDDEN")],
)
def test_strategy_settings_on_a_site_need_manage_system(
    anonymous, user_client, api_key_for, kind, key
):
    group = GroupFactory(permissions=["read:pages", "manage:users", "manage:groups"])
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(
        allowed_email_regex="@secret\\.example$", auto_enroll_groups=[str(group.pk)]
    )
    client = {"anonymous": anonymous, "user": user_client, "key": api_key_for(group)}[kind]

    response = client(SITE_STRATEGY_SETTINGS, {"siteId": str(default_site().pk)})

    assert response.data == {
        "authSiteStrategies": [
            {
                "id": LOCAL,
                "activeStrategy": {
                    "id": LOCAL,
                    "config": None,
                    "allowedEmailRegex": None,
                    "autoEnrollGroups": None,
                },
            }
        ]
    }
    assert sorted((e["message"], tuple(e["path"])) for e in response.errors) == [
        (key, ("authSiteStrategies", 0, "activeStrategy", field))
        for field in ("allowedEmailRegex", "autoEnrollGroups", "config")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["admin", "admin_key"])
def test_strategy_settings_on_a_site_for_manage_system(admin_client, admin_key_client, kind):
    group = GroupFactory()
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(
        allowed_email_regex="@example\\.com$",
        auto_enroll_groups=[str(group.pk)],
        config={"enforceTfa": True},
    )
    client = admin_client if kind == "admin" else admin_key_client

    response = client(SITE_STRATEGY_SETTINGS, {"siteId": str(default_site().pk)})

    assert response.errors == []
    assert response.data["authSiteStrategies"][0]["activeStrategy"] == {
        "id": LOCAL,
        "config": {"enforceTfa": True, "emailValidation": True},
        "allowedEmailRegex": "@example\\.com$",
        "autoEnrollGroups": [str(group.pk)],
    }


# --- authActiveStrategies ----------------------------------------------------------------------
@pytest.mark.django_db
def test_active_strategies_for_an_administrator(admin_client):
    group = GroupFactory()
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(
        registration=True,
        auto_enroll_groups=[str(group.pk), "garbage"],
        config={"emailValidation": False, "extra": 1},
    )

    response = admin_client(ACTIVE_STRATEGIES)

    assert response.errors == []
    assert response.data == {
        "authActiveStrategies": [
            {
                "id": LOCAL,
                "displayName": "Local Authentication",
                "isEnabled": True,
                "registration": True,
                "config": {"enforceTfa": False, "emailValidation": False, "extra": 1},
                "allowedEmailRegex": "",
                "autoEnrollGroups": [str(group.pk)],
                "strategy": {
                    "key": "local",
                    "props": LOCAL_PROPS,
                    "refs": {},
                    "title": "Local Database",
                    "description": "Built-in authentication with an email and a password.",
                    "isAvailable": True,
                    "useForm": True,
                    "usernameType": "email",
                    "logo": "",
                    "color": "primary",
                    "vendor": "Wiki",
                    "website": "",
                    "icon": "",
                },
            }
        ]
    }


@pytest.mark.django_db
def test_enabled_only(admin_client):
    second_strategy("Another", is_enabled=False)

    every = admin_client(ACTIVE_STRATEGIES).data["authActiveStrategies"]
    enabled = admin_client(ACTIVE_STRATEGIES, {"enabledOnly": True}).data["authActiveStrategies"]

    assert [(s["displayName"], s["isEnabled"]) for s in every] == [
        ("Another", False),
        ("Local Authentication", True),
    ]
    assert [s["displayName"] for s in enabled] == ["Local Authentication"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("anonymous", "ERR_NOT_AUTHENTICATED"),
        ("user", "ERR_FORBIDDEN"),
        ("manage_users", "ERR_FORBIDDEN"),
        ("key", "ERR_FORBIDDEN"),
    ],
)
def test_active_strategies_need_manage_system(
    anonymous, user_client, client_with, api_key_for, kind, key
):
    client = {
        "anonymous": lambda: anonymous,
        "user": lambda: user_client,
        "manage_users": lambda: client_with("manage:users", "manage:groups", "access:admin"),
        "key": lambda: api_key_for(GroupFactory(permissions=["manage:users", "read:api"])),
    }[kind]()

    response = client(ACTIVE_STRATEGIES)

    assert response.data == {"authActiveStrategies": None}
    (error,) = response.errors
    assert error["message"] == key
    assert error["path"] == ["authActiveStrategies"]


@pytest.mark.django_db
def test_a_manage_system_group_suffices(client_with, admin_key_client):
    assert client_with("manage:system")(ACTIVE_STRATEGIES).errors == []
    assert admin_key_client(ACTIVE_STRATEGIES).errors == []


@pytest.mark.django_db
def test_sensitive_settings_are_masked(admin_client, monkeypatch):
    module = {
        **strategy_listing.MODULES["local"],
        "props": {
            **LOCAL_PROPS,
            "clientSecret": {"type": "string", "title": "Secret", "sensitive": True},
            "emptySecret": {"type": "string", "title": "Secret", "sensitive": True},
        },
    }
    monkeypatch.setitem(strategy_listing.MODULES, "local", module)
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(
        config={"clientSecret": "hunter2", "emptySecret": ""}
    )

    config = admin_client(ACTIVE_STRATEGIES).data["authActiveStrategies"][0]["config"]

    assert config == {
        "enforceTfa": False,
        "emailValidation": True,
        "clientSecret": "********",
        "emptySecret": "",
    }


@pytest.mark.django_db
def test_an_unknown_module_is_listed_as_unavailable(admin_client):
    AuthStrategy.objects.create(module="ldap", display_name="Legacy", is_enabled=False)

    listed = admin_client(ACTIVE_STRATEGIES).data["authActiveStrategies"]

    (legacy,) = [s for s in listed if s["displayName"] == "Legacy"]
    assert legacy["strategy"]["key"] == "ldap"
    assert legacy["strategy"]["isAvailable"] is False
    assert legacy["strategy"]["props"] == {}


# --- Query counts -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_list(admin_client):
    def count(query, variables=None) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = admin_client(query, variables)
        assert response.errors == []
        return len(captured)

    site = {"siteId": str(default_site().pk)}
    count(ACTIVE_STRATEGIES)  # the caller's permissions are cached from then on
    one_active = count(ACTIVE_STRATEGIES)
    one_site = count(SITE_STRATEGY_SETTINGS, site)
    for n in range(9):
        second_strategy(f"Strategy {n}")
    assert count(ACTIVE_STRATEGIES) == one_active
    assert count(SITE_STRATEGY_SETTINGS, site) == one_site
