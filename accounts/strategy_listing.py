"""What ``authActiveStrategies`` and ``authSiteStrategies`` list (API.md §4.5.4, §4.5.7).

A strategy row (``AuthStrategy``) names a *module*: the kind of strategy, described here
(title, the settings it has in ``props``). Only ``local`` exists. A site orders and hides
strategies with its configuration's ``authStrategies`` list of ``{id, order, isVisible}``;
an enabled strategy the list does not mention is visible, with order 0.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from wiki.models import Site
from wiki.sites import existing_site

from .models import AuthStrategy

MASK = "********"

# The modules this server implements, as the contract's ``AuthenticationStrategy`` shows them.
MODULES: dict[str, dict[str, Any]] = {
    "local": {
        "key": "local",
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
        "refs": {},
        "props": {
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
                "hint": "Self-registered accounts must follow the link of a verification mail "
                "before they can sign in.",
                "default": True,
                "order": 2,
                "sensitive": False,
            },
        },
    }
}


def module_of(strategy: AuthStrategy) -> dict[str, Any]:
    """The description of the strategy's module (an unknown module: its key, not available)."""
    known = MODULES.get(strategy.module)
    if known is not None:
        return known
    return {"key": strategy.module, "title": strategy.module, "isAvailable": False, "props": {}}


def public_config(strategy: AuthStrategy) -> dict[str, Any]:
    """The strategy's settings over their defaults, sensitive values replaced by ``MASK``."""
    props = module_of(strategy).get("props") or {}
    stored = strategy.config if isinstance(strategy.config, dict) else {}
    config = {name: prop.get("default") for name, prop in props.items()}
    config.update(stored)
    for name, prop in props.items():
        if prop.get("sensitive") and config.get(name):
            config[name] = MASK
    return config


def auto_enroll_group_ids(strategy: AuthStrategy) -> list[uuid.UUID]:
    ids = []
    for raw in strategy.auto_enroll_groups or ():
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    return ids


def active_strategies(*, enabled_only: bool = False) -> list[AuthStrategy]:
    strategies = AuthStrategy.objects.order_by("display_name", "id")
    if enabled_only:
        strategies = strategies.filter(is_enabled=True)
    return list(strategies)


@dataclass(frozen=True)
class SiteStrategy:
    strategy: AuthStrategy
    order: int
    is_visible: bool

    @property
    def id(self) -> uuid.UUID:
        return self.strategy.pk


def _placements(site: Site) -> dict[str, dict]:
    placements = {}
    entries = (site.config or {}).get("authStrategies")
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and entry.get("id"):
            placements.setdefault(str(entry["id"]).lower(), entry)
    return placements


def _order(entry: dict) -> int:
    value = entry.get("order", 0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(value)


def site_strategies(site_id: uuid.UUID | str, *, visible_only: bool = False) -> list[SiteStrategy]:
    """The enabled strategies as the site orders them; ``ERR_INVALID_SITE`` if it is unknown."""
    site = existing_site(site_id)
    placements = _placements(site)
    listed = []
    for strategy in active_strategies(enabled_only=True):
        entry = placements.get(str(strategy.pk), {})
        listed.append(
            SiteStrategy(strategy, _order(entry), entry.get("isVisible", True) is not False)
        )
    listed.sort(key=lambda s: s.order)  # stable: equal orders keep the name order
    if visible_only:
        listed = [s for s in listed if s.is_visible]
    return listed
