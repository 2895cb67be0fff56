"""Managing a site's navigation, and which menu items a visitor sees (API-v2.md §3.7).

Storage and validation live in ``wiki.navigation``; this layer adds what needs accounts: the
``manage:navigation`` check and the groups that ``visibilityGroups`` name by integer id.
"""

from __future__ import annotations

from typing import Any

from wiki import navigation as storage
from wiki.models import Site

from . import scopes
from .models import Group, Membership
from .permissions import Caller


def navigation_for_manager(caller: Caller, site: Site) -> storage.Navigation:
    """The site's navigation, for a caller who may manage it."""
    caller.require_any(scopes.MANAGE_NAVIGATION)
    return storage.navigation_of(site)


def update_navigation_mode(caller: Caller, site: Site, mode: Any) -> storage.Navigation:
    caller.require_any(scopes.MANAGE_NAVIGATION)
    return storage.store_mode(site.pk, mode)


def update_navigation_menus(caller: Caller, site: Site, trees: Any) -> storage.Navigation:
    """Replace every locale's static menu; group ids naming no group are dropped."""
    caller.require_any(scopes.MANAGE_NAVIGATION)
    referenced = storage.referenced_groups(trees if isinstance(trees, list | tuple) else ())
    known = set(Group.objects.filter(legacy_id__in=referenced).values_list("legacy_id", flat=True))
    return storage.store_menus(site.pk, storage.clean_trees(trees, known))


def visible_menu_items(navigation: storage.Navigation, locale: str, user) -> list[storage.MenuItem]:
    """The items of ``locale``'s menu that ``user`` (a signed-in user or the guest) sees:
    those visible to all, and restricted ones naming one of the user's groups, as Wiki.js 2
    filters them. The user's groups are read only when some item is restricted."""
    menu = navigation.menu(locale)
    if menu is None:
        return []
    if not any(item.is_restricted for item in menu.items):
        return list(menu.items)
    groups: set[int] = set()
    if user is not None:
        groups = set(
            Membership.objects.filter(user_id=user.pk).values_list("group__legacy_id", flat=True)
        )
    return [
        item
        for item in menu.items
        if not item.is_restricted or groups.intersection(item.visibility_groups)
    ]
