"""``navigation`` on /graphql (API-v2.md §3.7): round trip, validation, gates, storage."""

from __future__ import annotations

import pytest

from accounts import scopes
from tests.api.permission_support import KINDS, client_as, snapshot
from tests.api.v2.conftest import on_v2
from tests.factories import GroupFactory, default_site
from wiki import navigation as storage
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site

pytestmark = pytest.mark.django_db

GET_TREE = """
query {
  navigation {
    tree {
      locale
      items { id kind label icon targetType target visibilityMode visibilityGroups }
    }
  }
}
"""
GET_CONFIG = "query { navigation { config { mode } } }"
UPDATE_TREE = """
mutation ($tree: [NavigationTreeInput]!) {
  navigation {
    updateTree(tree: $tree) { responseResult { succeeded errorCode slug message } }
  }
}
"""
UPDATE_CONFIG = """
mutation ($mode: NavigationMode!) {
  navigation {
    updateConfig(mode: $mode) { responseResult { succeeded errorCode slug message } }
  }
}
"""
# Wiki.js 2's own admin page saves both in one request.
SAVE_BOTH = """
mutation ($tree: [NavigationTreeInput]!, $mode: NavigationMode!) {
  navigation{
    updateTree(tree: $tree) {
      responseResult {
        succeeded
        errorCode
        slug
        message
      }
    },
    updateConfig(mode: $mode) {
      responseResult {
        succeeded
        errorCode
        slug
        message
      }
    }
  }
}
"""
TREE_UPDATED = {
    "succeeded": True,
    "errorCode": 0,
    "slug": "ok",
    "message": "Navigation updated successfully",
}
CONFIG_UPDATED = {
    "succeeded": True,
    "errorCode": 0,
    "slug": "ok",
    "message": "Navigation config updated successfully",
}
INPUT_INVALID = {
    "succeeded": False,
    "errorCode": 1012,
    "slug": "InputInvalid",
    "message": "Input data is invalid.",
}


def link(item_id: str, label: str, target: str, **extra) -> dict:
    return {
        "id": item_id,
        "kind": "link",
        "label": label,
        "icon": "mdi-chevron-right",
        "targetType": "page",
        "target": target,
        "visibilityMode": "all",
        "visibilityGroups": [],
        **extra,
    }


def stored_navigation() -> dict | None:
    return Site.objects.get(pk=default_site().pk).config.get("navigation")


def test_defaults_are_tree_mode_and_no_menu(v2_admin):
    assert v2_admin(GET_CONFIG).body == {"data": {"navigation": {"config": {"mode": "TREE"}}}}
    assert v2_admin(GET_TREE).body == {"data": {"navigation": {"tree": []}}}


def test_round_trip_of_wikijs_admin_save(v2_admin):
    editors = GroupFactory(name="Editors")
    tree = [
        {
            "locale": "en",
            "items": [
                {"id": "h1", "kind": "header", "label": "Guides"},
                link("l1", "Install", "/en/guides/install"),
                {"id": "d1", "kind": "divider"},
                link(
                    "l2",
                    "Internal",
                    "https://intranet.example.com/",
                    targetType="externalblank",
                    visibilityMode="restricted",
                    visibilityGroups=[editors.legacy_id],
                ),
            ],
        },
        {"locale": "fr", "items": [link("f1", "Accueil", "", targetType="home")]},
    ]

    r = v2_admin(SAVE_BOTH, {"tree": tree, "mode": "MIXED"})

    assert r.body == {
        "data": {
            "navigation": {
                "updateTree": {"responseResult": TREE_UPDATED},
                "updateConfig": {"responseResult": CONFIG_UPDATED},
            }
        }
    }
    blank = {"icon": None, "targetType": None, "target": None, "visibilityGroups": []}
    expected = [
        {
            "locale": "en",
            "items": [
                {
                    "id": "h1",
                    "kind": "header",
                    "label": "Guides",
                    **blank,
                    "visibilityMode": "all",
                },
                tree[0]["items"][1],
                {"id": "d1", "kind": "divider", "label": None, **blank, "visibilityMode": "all"},
                tree[0]["items"][3],
            ],
        },
        tree[1],
    ]
    assert v2_admin(GET_TREE).data == {"navigation": {"tree": expected}}
    assert v2_admin(GET_CONFIG).data == {"navigation": {"config": {"mode": "MIXED"}}}
    assert stored_navigation()["mode"] == "MIXED"
    assert [menu["locale"] for menu in stored_navigation()["tree"]] == ["en", "fr"]


def test_update_tree_replaces_every_locale(v2_admin):
    v2_admin(UPDATE_TREE, {"tree": [{"locale": "en", "items": [link("a", "A", "/a")]}]})
    v2_admin(UPDATE_TREE, {"tree": [{"locale": "de", "items": [link("b", "B", "/b")]}]})

    tree = v2_admin(GET_TREE).data["navigation"]["tree"]

    assert [(menu["locale"], [i["id"] for i in menu["items"]]) for menu in tree] == [("de", ["b"])]


def test_update_config_keeps_the_tree_and_update_tree_keeps_the_mode(v2_admin):
    v2_admin(UPDATE_TREE, {"tree": [{"locale": "en", "items": [link("a", "A", "/a")]}]})
    assert v2_admin(UPDATE_CONFIG, {"mode": "STATIC"}).data["navigation"]["updateConfig"] == {
        "responseResult": CONFIG_UPDATED
    }
    v2_admin(UPDATE_TREE, {"tree": [{"locale": "en", "items": [link("c", "C", "/c")]}]})

    assert v2_admin(GET_CONFIG).data["navigation"]["config"]["mode"] == "STATIC"
    assert v2_admin(GET_TREE).data["navigation"]["tree"][0]["items"][0]["id"] == "c"


@pytest.mark.parametrize("mode", ["NONE", "TREE", "MIXED", "STATIC"])
def test_every_mode_is_stored(v2_admin, mode):
    r = v2_admin(UPDATE_CONFIG, {"mode": mode})

    assert r.data["navigation"]["updateConfig"]["responseResult"] == CONFIG_UPDATED
    assert v2_admin(GET_CONFIG).data["navigation"]["config"]["mode"] == mode


def test_unknown_mode_fails_validation(v2_admin):
    r = v2_admin(UPDATE_CONFIG, {"mode": "SIDEWAYS"})

    assert r.status == 400, r.body
    assert stored_navigation() is None


def test_group_ids_that_name_no_group_are_dropped(v2_admin):
    editors = GroupFactory(name="Editors")
    groups = [editors.legacy_id, 9999, editors.legacy_id, 3, None]
    item = link("a", "A", "/a", visibilityMode="restricted", visibilityGroups=groups)

    r = v2_admin(UPDATE_TREE, {"tree": [{"locale": "en", "items": [item]}]})

    assert r.data["navigation"]["updateTree"]["responseResult"] == TREE_UPDATED
    stored = v2_admin(GET_TREE).data["navigation"]["tree"][0]["items"][0]
    assert stored["visibilityGroups"] == [editors.legacy_id, 3]


def test_missing_visibility_mode_means_everyone_and_locale_is_lowercased(v2_admin):
    item = {"id": "a", "kind": "link", "label": " A ", "target": "/a"}

    v2_admin(UPDATE_TREE, {"tree": [{"locale": "PT-BR", "items": [item, None]}, None]})

    assert v2_admin(GET_TREE).data["navigation"]["tree"] == [
        {
            "locale": "pt-br",
            "items": [
                {
                    "id": "a",
                    "kind": "link",
                    "label": "A",
                    "icon": None,
                    "targetType": None,
                    "target": "/a",
                    "visibilityMode": "all",
                    "visibilityGroups": [],
                }
            ],
        }
    ]


def _too_many_items():
    return [{"locale": "en", "items": [link(f"i{n}", "x", "/x") for n in range(201)]}]


@pytest.mark.parametrize(
    "tree",
    [
        pytest.param([{"locale": "english", "items": []}], id="locale"),
        pytest.param([{"locale": "", "items": []}], id="empty-locale"),
        pytest.param([{"locale": "en", "items": []}, {"locale": "EN", "items": []}], id="twice"),
        pytest.param(_too_many_items(), id="too-many-items"),
        pytest.param([{"locale": "en", "items": []}] * 51, id="too-many-locales"),
        pytest.param([{"locale": "en", "items": [link(" ", "x", "/x")]}], id="blank-id"),
        pytest.param([{"locale": "en", "items": [link("a" * 65, "x", "/x")]}], id="long-id"),
        pytest.param([{"locale": "en", "items": [link("a", "x" * 256, "/x")]}], id="long-label"),
        pytest.param(
            [{"locale": "en", "items": [link("a", "x", "/" + "x" * 2048)]}], id="long-target"
        ),
        pytest.param(
            [{"locale": "en", "items": [{**link("a", "x", "/x"), "kind": ""}]}], id="kind"
        ),
    ],
)
def test_invalid_trees_are_refused_and_change_nothing(v2_admin, tree):
    v2_admin(UPDATE_TREE, {"tree": [{"locale": "en", "items": [link("keep", "Keep", "/k")]}]})
    before = stored_navigation()

    r = v2_admin(UPDATE_TREE, {"tree": tree})

    assert r.status == 200, r.body
    assert r.body == {"data": {"navigation": {"updateTree": {"responseResult": INPUT_INVALID}}}}
    assert stored_navigation() == before


def test_too_many_visibility_groups_are_refused(v2_admin):
    groups = [GroupFactory(name=f"G{n}").legacy_id for n in range(101)]
    item = link("a", "x", "/x", visibilityMode="restricted", visibilityGroups=groups)

    r = v2_admin(UPDATE_TREE, {"tree": [{"locale": "en", "items": [item]}]})

    assert r.data["navigation"]["updateTree"]["responseResult"] == INPUT_INVALID
    assert stored_navigation() is None


def test_nul_in_a_label_is_refused(v2_admin):
    r = v2_admin(UPDATE_TREE, {"tree": [{"locale": "en", "items": [link("a", "x\x00", "/x")]}]})

    assert r.status == 400, r.body  # the endpoint refuses NUL before any operation runs
    assert stored_navigation() is None


def test_the_domain_refuses_nul_and_lone_surrogates_itself():
    for bad in ("x\x00", "\ud800"):
        with pytest.raises(DomainError) as caught:
            storage.clean_trees([{"locale": "en", "items": [link("a", bad, "/x")]}], set())
        assert caught.value.key == ErrorKey.INVALID_INPUT


def test_a_failure_of_the_store_is_system_generic(v2_admin, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(storage, "store_mode", broken)

    r = v2_admin(UPDATE_CONFIG, {"mode": "NONE"})

    assert r.data["navigation"]["updateConfig"]["responseResult"] == {
        "succeeded": False,
        "errorCode": 7001,
        "slug": "SystemGenericError",
        "message": "An unexpected error occured.",
    }


def test_the_request_site_is_chosen_by_host(v2_admin):
    other = Site.objects.create(hostname="wiki.example.com", config={"title": "Docs"})

    v2_admin(UPDATE_CONFIG, {"mode": "NONE"}, HTTP_HOST="wiki.example.com")

    other.refresh_from_db()
    assert other.config["navigation"]["mode"] == "NONE"
    assert stored_navigation() is None
    assert v2_admin(GET_CONFIG).data["navigation"]["config"]["mode"] == "TREE"


def test_a_damaged_stored_value_reads_as_defaults(v2_admin):
    site = default_site()
    site.config["navigation"] = {
        "mode": "UPSIDE",
        "tree": [{"locale": "en", "items": [{"id": 5}, {"id": "ok", "kind": "link"}]}, "junk"],
    }
    site.save()

    assert v2_admin(GET_CONFIG).data["navigation"]["config"]["mode"] == "TREE"
    items = v2_admin(GET_TREE).data["navigation"]["tree"][0]["items"]
    assert [item["id"] for item in items] == ["ok"]


def test_main_api_sites_do_not_show_the_navigation(v2_admin, anonymous):
    v2_admin(UPDATE_TREE, {"tree": [{"locale": "en", "items": [link("a", "Secret", "/s")]}]})

    r = anonymous("{ sites { config } }")

    assert r.errors == [], r.body
    assert all("navigation" not in site["config"] for site in r.data["sites"])
    assert "Secret" not in str(r.body)
    one = anonymous(
        "query ($id: UUID!) { siteById(id: $id) { config } }", {"id": str(default_site().pk)}
    )
    assert one.errors == [], one.body
    assert "navigation" not in one.data["siteById"]["config"]
    assert one.data["siteById"]["config"]["title"] == "Default Site"


# --- Gates ------------------------------------------------------------------------------------
FORBIDDEN = {"message": "Forbidden", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}


def _without_locations(errors):
    return [{k: v for k, v in e.items() if k != "locations"} for e in errors]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("granted", [scopes.MANAGE_NAVIGATION, scopes.MANAGE_SYSTEM])
@pytest.mark.parametrize(
    ("field", "value"), [("config { mode }", {"mode": "TREE"}), ("tree { locale }", [])]
)
def test_query_gate(kind, granted, field, value, admin):
    client = on_v2(client_as(kind, admin, permissions=[granted]))

    r = client("{ navigation { " + field + " } }")

    assert r.status == 200, r.body
    name = field.split()[0]
    if kind in ("user_with", "key_with", "admin"):
        assert r.body == {"data": {"navigation": {name: value}}}
    else:
        # The field is non-null: the namespace object becomes null.
        assert r.data == {"navigation": None}
        assert _without_locations(r.errors) == [{**FORBIDDEN, "path": ["navigation", name]}]


@pytest.mark.parametrize("kind", KINDS)
def test_mutation_gate(kind, admin):
    client = on_v2(client_as(kind, admin, permissions=[scopes.MANAGE_NAVIGATION]))
    before = snapshot()
    tree = [{"locale": "en", "items": [link("a", "A", "/a")]}]

    r = client(SAVE_BOTH, {"tree": tree, "mode": "STATIC"})

    assert r.status == 200, r.body
    if kind in ("user_with", "key_with", "admin"):
        assert r.data["navigation"] == {
            "updateTree": {"responseResult": TREE_UPDATED},
            "updateConfig": {"responseResult": CONFIG_UPDATED},
        }
        assert stored_navigation()["mode"] == "STATIC"
    else:
        assert r.data == {"navigation": {"updateTree": None, "updateConfig": None}}
        assert _without_locations(r.errors) == [
            {**FORBIDDEN, "path": ["navigation", "updateTree"]},
            {**FORBIDDEN, "path": ["navigation", "updateConfig"]},
        ]
        assert snapshot() == before
        assert stored_navigation() is None


@pytest.mark.parametrize(
    "granted",
    [scopes.MANAGE_PAGES, scopes.MANAGE_GROUPS, scopes.MANAGE_THEME, scopes.MANAGE_SITES],
)
def test_other_management_scopes_do_not_pass(granted, admin):
    client = on_v2(client_as("user_with", admin, permissions=[granted]))

    r = client(UPDATE_CONFIG, {"mode": "NONE"})

    assert r.data == {"navigation": {"updateConfig": None}}
    assert r.errors[0]["message"] == "Forbidden"
