"""The site navigation's storage and services, called directly (wiki/navigation.py,
accounts/navigation.py)."""

from __future__ import annotations

import uuid

import pytest

from accounts import access_cache
from accounts.authentication import guest_caller, user_caller
from accounts.navigation import (
    navigation_for_manager,
    update_navigation_menus,
    update_navigation_mode,
    visible_menu_items,
)
from tests.factories import GroupFactory, UserFactory, default_site
from wiki import navigation as storage
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site
from wiki.site_settings import SiteSettings, update_site

pytestmark = pytest.mark.django_db


def test_a_new_site_has_tree_mode_and_no_menus():
    navigation = storage.navigation_of(default_site())

    assert navigation == storage.Navigation(mode="TREE", menus=())
    assert navigation.shows_tree
    assert not navigation.shows_menu
    assert navigation.menu("en") is None


@pytest.mark.parametrize(
    ("mode", "tree", "menu"),
    [("NONE", False, False), ("TREE", True, False), ("MIXED", True, True), ("STATIC", False, True)],
)
def test_what_each_mode_shows(mode, tree, menu):
    navigation = storage.Navigation(mode=mode)
    assert (navigation.shows_tree, navigation.shows_menu) == (tree, menu)


def test_writes_change_the_access_version_and_keep_other_settings():
    site = default_site()
    before = access_cache.current_version()

    storage.store_mode(site.pk, "STATIC")

    assert access_cache.current_version() != before
    site.refresh_from_db()
    assert site.config["title"] == "Default Site"
    assert site.config["navigation"] == {"mode": "STATIC", "tree": []}


def test_site_settings_changes_keep_the_navigation():
    site = default_site()
    storage.store_mode(site.pk, "NONE")

    update_site(site.pk, settings=SiteSettings(title="Renamed"))

    site.refresh_from_db()
    assert storage.navigation_of(site).mode == "NONE"
    assert site.config["title"] == "Renamed"


def test_an_unknown_site_or_mode_is_refused():
    with pytest.raises(DomainError) as caught:
        storage.store_mode(uuid.uuid4(), "TREE")
    assert caught.value.key == ErrorKey.INVALID_SITE
    with pytest.raises(DomainError) as caught:
        storage.store_mode(default_site().pk, "tree")
    assert caught.value.key == ErrorKey.INVALID_INPUT


def test_services_need_manage_navigation(admin):
    site = default_site()
    plain = user_caller(UserFactory())
    manager = user_caller(UserFactory(groups=[GroupFactory(permissions=["manage:navigation"])]))

    for call in (
        lambda caller: navigation_for_manager(caller, site),
        lambda caller: update_navigation_mode(caller, site, "NONE"),
        lambda caller: update_navigation_menus(caller, site, []),
    ):
        with pytest.raises(DomainError) as caught:
            call(plain)
        assert caught.value.key == ErrorKey.FORBIDDEN
        with pytest.raises(DomainError) as caught:
            call(guest_caller())
        assert caught.value.key == ErrorKey.NOT_AUTHENTICATED
        call(manager)
        call(user_caller(admin))
    assert Site.objects.get(pk=site.pk).config["navigation"]["mode"] == "NONE"


def test_menus_keep_only_existing_groups_and_visibility_follows_membership(admin):
    site = default_site()
    team = GroupFactory(name="Team")
    member, stranger = UserFactory(groups=[team]), UserFactory()
    trees = [
        {
            "locale": "en",
            "items": [
                {"id": "open", "kind": "link", "target": "/open"},
                {
                    "id": "team",
                    "kind": "link",
                    "target": "/team",
                    "visibilityMode": "restricted",
                    "visibilityGroups": [team.legacy_id, 424242],
                },
            ],
        }
    ]

    navigation = update_navigation_menus(user_caller(admin), site, trees)

    (menu,) = navigation.menus
    assert menu.items[1].visibility_groups == (team.legacy_id,)
    assert [i.id for i in visible_menu_items(navigation, "en", member)] == ["open", "team"]
    assert [i.id for i in visible_menu_items(navigation, "en", stranger)] == ["open"]
    assert [i.id for i in visible_menu_items(navigation, "en", None)] == ["open"]
    assert visible_menu_items(navigation, "fr", member) == []


def test_hand_damaged_values_read_as_defaults():
    site = default_site()
    for damaged in ("x", None, {"mode": 3, "tree": "no"}, {"tree": [{"locale": 1}]}):
        site.config["navigation"] = damaged
        assert storage.navigation_of(site) == storage.Navigation()
