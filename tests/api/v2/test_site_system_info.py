"""``system.info`` on /graphql (API-v2.md §3.6, §4.6): values and per-field gates."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import scopes
from accounts.models import Group, User
from pages.models import Page, Tag
from tests.api.permission_support import KINDS, client_as
from tests.api.v2.conftest import on_v2
from tests.factories import GroupFactory, PageFactory, UserFactory
from tests.pages.read_support import make_page
from wiki import system_info

pytestmark = pytest.mark.django_db

EVERY_FIELD = """
query {
  system {
    info {
      configFile cpuCores currentVersion dbHost dbType dbVersion groupsTotal hostname
      httpPort httpRedirection httpsPort latestVersion latestVersionReleaseDate nodeVersion
      operatingSystem pagesTotal platform ramTotal sslDomain sslExpirationDate sslProvider
      sslStatus sslSubscriberEmail tagsTotal telemetry telemetryClientId upgradeCapable
      usersTotal workingDirectory
    }
  }
}
"""
NULL_FIELDS = [
    "configFile",
    "cpuCores",
    "dbHost",
    "dbVersion",
    "hostname",
    "httpPort",
    "httpsPort",
    "latestVersionReleaseDate",
    "nodeVersion",
    "operatingSystem",
    "platform",
    "ramTotal",
    "sslDomain",
    "sslExpirationDate",
    "sslProvider",
    "sslStatus",
    "sslSubscriberEmail",
    "telemetryClientId",
    "workingDirectory",
]
PEOPLE = ("groupsTotal", "usersTotal")
CONTENT = ("pagesTotal", "tagsTotal")


def test_an_administrator_reads_every_field(v2_admin):
    make_page("first", tags=["alpha", "beta"])
    make_page("second", tags=["alpha"])

    r = v2_admin(EVERY_FIELD)

    assert r.status == 200, r.body
    assert "errors" not in r.body
    assert r.data == {
        "system": {
            "info": {
                **dict.fromkeys(NULL_FIELDS),
                "currentVersion": system_info.SERVER_VERSION,
                "latestVersion": system_info.SERVER_VERSION,
                "dbType": "PostgreSQL" if connection.vendor == "postgresql" else "SQLite",
                "httpRedirection": False,
                "telemetry": False,
                "upgradeCapable": False,
                "groupsTotal": Group.objects.count(),
                "usersTotal": User.objects.count(),
                "pagesTotal": 2,
                "tagsTotal": Tag.objects.count(),
            }
        }
    }
    assert Tag.objects.count() == 2


def test_totals_count_every_site_and_the_system_accounts(v2_admin):
    before = v2_admin("{ system { info { usersTotal groupsTotal pagesTotal } } }").data
    UserFactory()
    GroupFactory()
    PageFactory()

    after = v2_admin("{ system { info { usersTotal groupsTotal pagesTotal } } }").data

    info_before, info_after = before["system"]["info"], after["system"]["info"]
    assert info_after == {
        "usersTotal": info_before["usersTotal"] + 2,  # the page's author is another
        "groupsTotal": info_before["groupsTotal"] + 1,
        "pagesTotal": info_before["pagesTotal"] + 1,
    }
    # The guest and the administrator are users too.
    assert User.objects.filter(is_system=True).exists()
    assert info_after["usersTotal"] == User.objects.count()


def test_totals_are_counted_without_loading_rows(v2_admin):
    for _ in range(5):
        PageFactory()
    with CaptureQueriesContext(connection) as queries:
        r = v2_admin("{ system { info { pagesTotal } } }")
    assert r.data["system"]["info"]["pagesTotal"] == Page.objects.count()
    counted = [q["sql"] for q in queries.captured_queries if "pages_page" in q["sql"]]
    assert len(counted) == 1
    assert "COUNT(*)" in counted[0]


def test_the_version_is_the_projects(v2_admin):
    pyproject = tomllib.loads((Path(__file__).resolve().parents[3] / "pyproject.toml").read_text())
    assert system_info.SERVER_VERSION == pyproject["project"]["version"]


def _forbidden(path: list[str]) -> dict:
    return {"message": "Forbidden", "path": path, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}


def _errors(r) -> list[dict]:
    return sorted(
        ({k: v for k, v in e.items() if k != "locations"} for e in r.errors),
        key=lambda e: e["path"],
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("granted", "allowed"),
    [
        (scopes.MANAGE_SYSTEM, {"currentVersion", *PEOPLE, *CONTENT}),
        (scopes.MANAGE_NAVIGATION, {*PEOPLE, *CONTENT}),
        (scopes.MANAGE_GROUPS, set(PEOPLE)),
        (scopes.WRITE_GROUPS, set(PEOPLE)),
        (scopes.MANAGE_USERS, set(PEOPLE)),
        (scopes.WRITE_USERS, set(PEOPLE)),
        (scopes.MANAGE_PAGES, set(CONTENT)),
        (scopes.DELETE_PAGES, set(CONTENT)),
        (scopes.READ_PAGES, set()),
    ],
)
def test_each_field_has_its_gate(kind, granted, allowed, admin):
    client = on_v2(client_as(kind, admin, permissions=[granted]))
    fields = ["currentVersion", *PEOPLE, *CONTENT]

    r = client("{ system { info { " + " ".join(fields) + " } } }")

    assert r.status == 200, r.body
    if kind in ("user_with", "key_with"):
        passing = allowed
    elif kind == "admin":
        passing = set(fields)
    else:
        passing = set()
    info = r.data["system"]["info"]
    assert {name for name, value in info.items() if value is not None} == passing
    assert _errors(r) == [
        _forbidden(["system", "info", name]) for name in sorted(set(fields) - passing)
    ]


def test_a_refused_field_leaves_the_others(v2_user):
    r = v2_user("{ system { info { __typename dbType httpRedirection } } }")

    assert r.data == {
        "system": {"info": {"__typename": "SystemInfo", "dbType": None, "httpRedirection": None}}
    }
    assert _errors(r) == [
        _forbidden(["system", "info", "dbType"]),
        _forbidden(["system", "info", "httpRedirection"]),
    ]


def test_other_system_fields_are_not_offered(v2_admin):
    r = v2_admin("{ system { flags { key value } } }")

    assert r.status == 400, r.body
