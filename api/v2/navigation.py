"""``navigation`` (API-v2.md §3.7): the request's site's sidebar mode and static menus.

Wiki.js 2 keeps one navigation; here each site has its own (``wiki.navigation``), and the
operations work on the request's site. The browser's page view honours what is stored.
"""

from __future__ import annotations

from typing import Any

import graphene

from accounts import navigation as services
from accounts import scopes
from wiki import navigation as storage
from wiki.models import Site
from wiki.sites import site_for_request

from .dialect import SYSTEM_GENERIC, DefaultResponse, V2Error, raising, reporting
from .gates import SYSTEM, gate

GATE = (scopes.MANAGE_NAVIGATION, SYSTEM)


class NavigationMode(graphene.Enum):
    """How the browser's sidebar navigates: nothing, the folder tree, the static menu, or both."""

    NONE = storage.NONE
    TREE = storage.TREE
    MIXED = storage.MIXED
    STATIC = storage.STATIC


class NavigationConfig(graphene.ObjectType):
    mode = graphene.Field(NavigationMode, required=True, description="The sidebar's mode.")


class NavigationItem(graphene.ObjectType):
    id = graphene.String(required=True, description="The item's id, chosen by the client.")
    kind = graphene.String(required=True, description="`link`, `header` or `divider`.")
    label = graphene.String(description="Text shown.")
    icon = graphene.String(description="Icon name (not shown by this server).")
    target_type = graphene.String(
        description="`home`, `page`, `external`, `externalblank`, `search` or `tag`."
    )
    target = graphene.String(description="Where a link leads: a site path or an http(s) URL.")
    visibility_mode = graphene.String(
        description="`all`: everyone; anything else: members of visibilityGroups only."
    )
    visibility_groups = graphene.List(graphene.Int, description="Group ids that see the item.")


class NavigationTree(graphene.ObjectType):
    locale = graphene.String(required=True, description="Locale of the menu.")
    items = graphene.List(NavigationItem, required=True, description="Menu items in order.")


class NavigationItemInput(graphene.InputObjectType):
    id = graphene.String(required=True, description="The item's id.")
    kind = graphene.String(required=True, description="`link`, `header` or `divider`.")
    label = graphene.String(description="Text shown.")
    icon = graphene.String(description="Icon name.")
    target_type = graphene.String(description="Kind of target.")
    target = graphene.String(description="Where a link leads.")
    visibility_mode = graphene.String(description="`all` or `restricted`.")
    visibility_groups = graphene.List(graphene.Int, description="Group ids that see the item.")


class NavigationTreeInput(graphene.InputObjectType):
    locale = graphene.String(required=True, description="Locale of the menu.")
    items = graphene.List(NavigationItemInput, required=True, description="Menu items.")


def request_site(info) -> Site:
    """The request's site (API.md §4.7); none serving the host is an unexpected failure."""
    site = site_for_request(info.context)
    if site is None:
        raise V2Error(SYSTEM_GENERIC)
    return site


def _item_argument(item: Any) -> Any:
    if item is None:
        return None
    return {
        "id": item.get("id"),
        "kind": item.get("kind"),
        "label": item.get("label"),
        "icon": item.get("icon"),
        "targetType": item.get("target_type"),
        "target": item.get("target"),
        "visibilityMode": item.get("visibility_mode"),
        "visibilityGroups": item.get("visibility_groups"),
    }


def _tree_argument(tree: list) -> list:
    """The input objects as the domain reads them (Wiki.js 2's camelCase keys)."""
    return [
        None
        if entry is None
        else {
            "locale": entry.get("locale"),
            "items": [_item_argument(item) for item in entry.get("items") or ()],
        }
        for entry in tree
    ]


class NavigationQuery(graphene.ObjectType):
    config = graphene.Field(
        NavigationConfig,
        required=True,
        description="The sidebar mode of the request's site. Gate: manage:navigation.",
    )
    tree = graphene.List(
        NavigationTree,
        required=True,
        description="The static menus of the request's site, one per locale.",
    )

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_config(root, info):
        caller = gate(info, *GATE)
        navigation = services.navigation_for_manager(caller, request_site(info))
        return NavigationConfig(mode=navigation.mode)

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_tree(root, info):
        caller = gate(info, *GATE)
        return list(services.navigation_for_manager(caller, request_site(info)).menus)


class NavigationMutation(graphene.ObjectType):
    update_tree = graphene.Field(
        DefaultResponse,
        tree=graphene.List(NavigationTreeInput, required=True, description="Every locale's menu."),
        description="Replace the static menus of the request's site.",
    )
    update_config = graphene.Field(
        DefaultResponse,
        mode=graphene.Argument(NavigationMode, required=True, description="The sidebar's mode."),
        description="Set the sidebar mode of the request's site.",
    )

    @staticmethod
    @reporting("Navigation updated successfully", generic=SYSTEM_GENERIC)
    def resolve_update_tree(root, info, tree):
        caller = gate(info, *GATE)
        services.update_navigation_menus(caller, request_site(info), _tree_argument(tree))
        return {}

    @staticmethod
    @reporting("Navigation config updated successfully", generic=SYSTEM_GENERIC)
    def resolve_update_config(root, info, mode):
        caller = gate(info, *GATE)
        services.update_navigation_mode(caller, request_site(info), mode)
        return {}
