"""A site's navigation: the sidebar mode and the static menu per locale (API-v2.md §3.7).

Wiki.js 2 keeps one navigation for its single site; here each site keeps its own, in its
configuration object under ``navigation`` (``{"mode": ..., "tree": [{"locale", "items"}]}``),
so no table is needed. Reading never fails: a missing or hand-damaged value reads as the
defaults (mode ``TREE``, no menu). Writes lock the site row and rewrite only that key; the
trigger on the sites table changes the access version, so every process drops its copy of the
site (``wiki.sites.SiteTable``) and every kept page view (``pages.view_cache``) at once.

Who may change it and which groups exist are decided above this layer
(``accounts.navigation``): ``wiki`` sits below the permission engine.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from .errors import DomainError, ErrorKey
from .models import Site
from .site_settings import clean_locale
from .text import is_storable

CONFIG_KEY = "navigation"

NONE = "NONE"
TREE = "TREE"
MIXED = "MIXED"
STATIC = "STATIC"
MODES = (NONE, TREE, MIXED, STATIC)
DEFAULT_MODE = TREE

# Wiki.js 2's visibility modes: "all" shows an item to everyone; anything else only to members
# of ``visibilityGroups`` (its editor writes "restricted").
VISIBLE_TO_ALL = "all"

# Bounds: a menu is read with every page view of the site.
MAX_LOCALES = 50
MAX_ITEMS = 200
MAX_VISIBILITY_GROUPS = 100
TEXT_LIMITS = {
    "id": 64,
    "kind": 32,
    "label": 255,
    "icon": 100,
    "targetType": 32,
    "target": 2048,
    "visibilityMode": 32,
}


@dataclass(frozen=True)
class MenuItem:
    """One entry of a static menu, with Wiki.js 2's fields."""

    id: str
    kind: str
    label: str | None = None
    icon: str | None = None
    target_type: str | None = None
    target: str | None = None
    visibility_mode: str = VISIBLE_TO_ALL
    visibility_groups: tuple[int, ...] = ()

    @property
    def is_restricted(self) -> bool:
        return self.visibility_mode != VISIBLE_TO_ALL

    def as_stored(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "icon": self.icon,
            "targetType": self.target_type,
            "target": self.target,
            "visibilityMode": self.visibility_mode,
            "visibilityGroups": list(self.visibility_groups),
        }


@dataclass(frozen=True)
class Menu:
    """The static menu of one locale."""

    locale: str
    items: tuple[MenuItem, ...] = ()


@dataclass(frozen=True)
class Navigation:
    mode: str = DEFAULT_MODE
    menus: tuple[Menu, ...] = field(default_factory=tuple)

    @property
    def shows_tree(self) -> bool:
        return self.mode in (TREE, MIXED)

    @property
    def shows_menu(self) -> bool:
        return self.mode in (STATIC, MIXED)

    def menu(self, locale: str) -> Menu | None:
        return next((menu for menu in self.menus if menu.locale == locale), None)


# --- Reading ----------------------------------------------------------------------------------
def navigation_of(site: Site) -> Navigation:
    """The site's navigation as stored, defaults for whatever is missing or malformed."""
    stored = (site.config or {}).get(CONFIG_KEY) if isinstance(site.config, dict) else None
    if not isinstance(stored, dict):
        return Navigation()
    mode = stored.get("mode")
    menus = []
    trees = stored.get("tree")
    for raw in trees[:MAX_LOCALES] if isinstance(trees, list) else ():
        menu = _stored_menu(raw)
        if menu is not None:
            menus.append(menu)
    return Navigation(mode=mode if mode in MODES else DEFAULT_MODE, menus=tuple(menus))


def _stored_menu(raw: Any) -> Menu | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("locale"), str):
        return None
    items = raw.get("items") if isinstance(raw.get("items"), list) else []
    kept = []
    for item in items[:MAX_ITEMS]:
        try:
            kept.append(_item(item, known_groups=None))
        except DomainError:
            continue  # a hand edit the menu skips rather than the page failing
    return Menu(raw["locale"], tuple(kept))


# --- Validation -------------------------------------------------------------------------------
def _text(item: dict, key: str, *, required: bool = False) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise DomainError(ErrorKey.INVALID_INPUT, f"a navigation item needs {key}")
        return None
    if not isinstance(value, str) or not is_storable(value) or "\x00" in value:
        raise DomainError(ErrorKey.INVALID_INPUT, f"navigation item {key} is not text")
    value = value.strip()
    if required and not value:
        raise DomainError(ErrorKey.INVALID_INPUT, f"a navigation item needs {key}")
    if len(value) > TEXT_LIMITS[key]:
        raise DomainError(
            ErrorKey.INVALID_INPUT, f"navigation item {key} is longer than {TEXT_LIMITS[key]}"
        )
    return value


def _groups(raw: Any, known_groups: set[int] | None) -> tuple[int, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list | tuple):
        raise DomainError(ErrorKey.INVALID_INPUT, "visibilityGroups is a list of group ids")
    ids: list[int] = []
    for value in raw:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(ErrorKey.INVALID_INPUT, "visibilityGroups holds group ids")
        if known_groups is not None and value not in known_groups:
            continue  # a group that does not exist (any more) grants nothing
        if value not in ids:
            ids.append(value)
    if len(ids) > MAX_VISIBILITY_GROUPS:
        raise DomainError(
            ErrorKey.INVALID_INPUT, f"more than {MAX_VISIBILITY_GROUPS} visibility groups"
        )
    return tuple(ids)


def _item(raw: Any, known_groups: set[int] | None) -> MenuItem:
    if not isinstance(raw, dict):
        raise DomainError(ErrorKey.INVALID_INPUT, "a navigation item is an object")
    return MenuItem(
        id=_text(raw, "id", required=True) or str(uuid.uuid4()),
        kind=_text(raw, "kind", required=True) or "link",
        label=_text(raw, "label"),
        icon=_text(raw, "icon"),
        target_type=_text(raw, "targetType"),
        target=_text(raw, "target"),
        # Absent means everyone (as Wiki.js 2 migrates its menus from before visibility).
        visibility_mode=_text(raw, "visibilityMode") or VISIBLE_TO_ALL,
        visibility_groups=_groups(raw.get("visibilityGroups"), known_groups),
    )


def referenced_groups(trees: Iterable[Any]) -> set[int]:
    """The integer group ids ``trees`` names (whatever else is wrong with them)."""
    found: set[int] = set()
    for tree in trees or ():
        items = tree.get("items") if isinstance(tree, dict) else None
        for item in items if isinstance(items, list) else ():
            groups = item.get("visibilityGroups") if isinstance(item, dict) else None
            for value in groups if isinstance(groups, list | tuple) else ():
                if isinstance(value, int) and not isinstance(value, bool):
                    found.add(value)
    return found


def clean_trees(trees: Any, known_groups: set[int]) -> tuple[Menu, ...]:
    """``updateTree``'s argument as menus: one per locale, bounded, group ids that name no
    group in ``known_groups`` dropped; ``ERR_INVALID_INPUT`` otherwise."""
    if not isinstance(trees, list | tuple):
        raise DomainError(ErrorKey.INVALID_INPUT, "the navigation tree is a list")
    if len(trees) > MAX_LOCALES:
        raise DomainError(ErrorKey.INVALID_INPUT, f"more than {MAX_LOCALES} locales")
    menus: list[Menu] = []
    for tree in trees:
        if tree is None:
            continue
        if not isinstance(tree, dict):
            raise DomainError(ErrorKey.INVALID_INPUT, "a navigation tree is an object")
        locale = clean_locale(tree.get("locale") if isinstance(tree.get("locale"), str) else "")
        if any(menu.locale == locale for menu in menus):
            raise DomainError(ErrorKey.INVALID_INPUT, f"locale {locale} appears twice")
        items = tree.get("items")
        if not isinstance(items, list | tuple):
            raise DomainError(ErrorKey.INVALID_INPUT, "navigation items are a list")
        present = [item for item in items if item is not None]
        if len(present) > MAX_ITEMS:
            raise DomainError(ErrorKey.INVALID_INPUT, f"more than {MAX_ITEMS} items")
        menus.append(Menu(locale, tuple(_item(item, known_groups) for item in present)))
    return tuple(menus)


def clean_mode(mode: Any) -> str:
    value = str(getattr(mode, "value", mode) or "")
    if value not in MODES:
        raise DomainError(ErrorKey.INVALID_INPUT, f"{mode!r} is no navigation mode")
    return value


# --- Writing ----------------------------------------------------------------------------------
def _write(site_id: uuid.UUID, change: Callable[[dict], None]) -> Navigation:
    with transaction.atomic():
        site = Site.objects.select_for_update().filter(pk=site_id).first()
        if site is None:
            raise DomainError(ErrorKey.INVALID_SITE, str(site_id))
        config = dict(site.config) if isinstance(site.config, dict) else {}
        current = navigation_of(site)
        stored = {
            "mode": current.mode,
            "tree": [
                {"locale": menu.locale, "items": [item.as_stored() for item in menu.items]}
                for menu in current.menus
            ],
        }
        change(stored)
        config[CONFIG_KEY] = stored
        site.config = config
        site.save(update_fields=["config", "updated_at"])
    return navigation_of(site)


def store_mode(site_id: uuid.UUID, mode: Any) -> Navigation:
    """Set the site's navigation mode."""
    value = clean_mode(mode)
    return _write(site_id, lambda stored: stored.update(mode=value))


def store_menus(site_id: uuid.UUID, menus: Iterable[Menu]) -> Navigation:
    """Replace the site's static menus (every locale) with ``menus`` (from ``clean_trees``)."""
    tree = [
        {"locale": menu.locale, "items": [item.as_stored() for item in menu.items]}
        for menu in menus
    ]
    return _write(site_id, lambda stored: stored.update(tree=tree))
