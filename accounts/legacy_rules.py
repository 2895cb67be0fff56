"""Wiki.js 2's view of a group's page rules and its group update (API-v2.md §3.4, §5.1).

Groups are stored once, with API.md's rule model. Wiki.js 2 names a rule by any text (its UI
uses 10 hex characters, terraform ``tf_<group>_<n>``, the default rules ``default``), knows
only ALLOW and DENY, five match types and no sites. Writing maps each v2 rule onto a stored
rule, keeping what v2 cannot express (FORCEALLOW, TAGALL, name, sites) from the stored rule
with the same id; reading maps back, so that a read-modify-write through v2 changes nothing
it did not mean to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction

from wiki.errors import DomainError, ErrorKey

from . import groups, scopes
from .group_checks import GroupCheck
from .group_rules import LEGACY_ID
from .models import Group
from .permissions import Caller, RuleMatch, RuleMode
from .rule_regex import rule_regex_problem

#: Where the stored id of a rule whose v2 id is no UUID comes from (uuid5 in this namespace).
RULE_ID_NAMESPACE = uuid.NAMESPACE_URL  # 6ba7b811-9dad-11d1-80b4-00c04fd430c8


def _text(value) -> str:
    """Enum inputs may arrive as members (graphene) or as their text."""
    return str(getattr(value, "value", value))


def stored_rule_id(group_id: uuid.UUID | str, v2_id: str) -> tuple[str, str | None]:
    """The stored id of the rule v2 calls ``v2_id`` in a group, and the ``legacyId`` to keep.

    A UUID is the id itself (its text kept as ``legacyId`` only when it is not in canonical
    form, so that it reads back as sent); any other text names the UUID version 5 of
    ``wikijs2-rule:<group UUID>:<v2 id>`` and is kept as ``legacyId``.
    """
    try:
        canonical = str(uuid.UUID(v2_id))
    except (ValueError, AttributeError, TypeError):
        return str(uuid.uuid5(RULE_ID_NAMESPACE, f"wikijs2-rule:{group_id}:{v2_id}")), v2_id
    return canonical, None if v2_id == canonical else v2_id


def rules_from_v2(group: Group, v2_rules: Iterable[dict | None]) -> list[dict]:
    """v2 ``PageRuleInput`` objects as rules to store in ``group`` (not validated yet).

    Null entries are dropped; two rules with the same id are ``ERR_INVALID_INPUT``.
    """
    before = {str(rule.get("id")): rule for rule in group.rules or () if isinstance(rule, dict)}
    stored: list[dict] = []
    seen: set[str] = set()
    for rule in v2_rules or ():
        if rule is None:
            continue
        rule_id, legacy_id = stored_rule_id(group.pk, rule.get("id"))
        if rule_id in seen:
            raise DomainError(
                ErrorKey.INVALID_INPUT,
                f"rule id {rule.get('id')!r} given twice",
                check=GroupCheck.DUPLICATE_RULE_ID,
            )
        seen.add(rule_id)
        previous = before.get(rule_id, {})
        if rule.get("deny"):
            mode = RuleMode.DENY
        elif previous.get("mode") == RuleMode.FORCEALLOW:
            mode = RuleMode.FORCEALLOW
        else:
            mode = RuleMode.ALLOW
        match = _text(rule.get("match"))
        if match == RuleMatch.TAG and previous.get("match") == RuleMatch.TAGALL:
            match = RuleMatch.TAGALL
        mapped = {
            "id": rule_id,
            "name": previous.get("name") or "",
            "mode": mode.value,
            "match": match,
            "roles": rule.get("roles"),
            "path": rule.get("path"),
            "locales": rule.get("locales"),
            "sites": previous.get("sites") or [],
        }
        if legacy_id is not None:
            mapped[LEGACY_ID] = legacy_id
        stored.append(mapped)
    return stored


def rule_to_v2(rule: dict) -> dict:
    """A stored rule as v2's ``PageRule``: FORCEALLOW reads as allow, TAGALL as TAG."""
    match = rule.get("match")
    return {
        "id": rule.get(LEGACY_ID) or str(rule.get("id") or ""),
        "deny": rule.get("mode") == RuleMode.DENY,
        "match": RuleMatch.TAG.value if match == RuleMatch.TAGALL else match,
        "roles": list(rule.get("roles") or []),
        "path": rule.get("path") or "",
        "locales": list(rule.get("locales") or []),
    }


def rules_to_v2(group: Group) -> list[dict]:
    return [rule_to_v2(rule) for rule in group.rules or () if isinstance(rule, dict)]


def check_rule_regexes(v2_rules: Iterable[dict | None]) -> None:
    """Every REGEX rule must compile and be safe to run (API.md §4.4), checked first in v2."""
    for rule in v2_rules or ():
        if rule is None or _text(rule.get("match")) != RuleMatch.REGEX:
            continue
        path = rule.get("path")
        if not isinstance(path, str) or rule_regex_problem(path):
            raise DomainError(
                ErrorKey.INVALID_INPUT, f"unsafe regex {path!r}", check=GroupCheck.UNSAFE_REGEX
            )


def check_may_grant_elevated(caller: Caller | None, permissions: list) -> None:
    """Without manage:groups or manage:system, no scope on an elevated resource (§3.4).

    Wiki.js 2 lets ``write:groups`` edit groups but not hand out administrative scopes.
    """
    if caller is None or caller.has_any(scopes.MANAGE_GROUPS):
        return
    if scopes.is_elevated([scope for scope in permissions if isinstance(scope, str)]):
        raise DomainError(
            caller.forbidden_key,
            "administrative scopes need manage:groups",
            check=GroupCheck.ELEVATED_PERMISSIONS,
        )


def update_group_from_v2(
    caller: Caller | None,
    group_id: uuid.UUID | str | None,
    *,
    name: str,
    redirect_on_login: str,
    permissions: list[str | None],
    page_rules: list[dict | None],
) -> Group:
    """``groups.update`` (API-v2.md §3.4): updateGroup with Wiki.js 2's rules and order.

    Checks in order: unsafe REGEX rule; the group exists; administrative scopes without
    manage:groups; ``*:system`` without manage:system; Administrators keep manage:system;
    then updateGroup's validation (name, scopes, rules, duplicate rule ids).
    """
    if caller is not None:
        caller.require_any(*scopes.EDIT_GROUPS_ANY)
    check_rule_regexes(page_rules)
    with transaction.atomic():
        group = Group.objects.select_for_update().filter(pk=group_id).first() if group_id else None
        if group is None:
            raise DomainError(ErrorKey.INVALID_GROUP, str(group_id))
        wanted = [scope for scope in permissions or () if scope is not None]
        check_may_grant_elevated(caller, wanted)
        groups.check_permission_change(
            caller, group, [scope for scope in wanted if isinstance(scope, str)]
        )
        return groups.update_group(
            caller,
            group.pk,
            name=name,
            redirect_on_login=redirect_on_login,
            permissions=wanted,
            rules=rules_from_v2(group, page_rules),
            keep_legacy_ids=False,
        )
