"""What a group may store: its permissions and its page rules (API.md §3.1, §3.2, §4.4).

One validator for every way in (``updateGroup``, the admin's group form), so that whatever is
stored can be read back through the API and evaluated by the permission engine. Each function
returns the normalised value or raises ``DomainError(ERR_INVALID_INPUT)`` naming what is wrong.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from wiki.errors import DomainError, ErrorKey

from . import scopes
from .permissions import RuleMatch, RuleMode, parse_rule_tags
from .rule_regex import rule_regex_problem

# Page locales as pages store them (pages.validation.LOCALE_CODE; accounts cannot import pages).
LOCALE_CODE = re.compile(r"[a-z]{2}(-[a-z]{2})?")
MAX_RULE_TEXT = 255
MAX_RULE_PATH = 1024
RULE_KEYS = ("id", "name", "mode", "match", "roles", "path", "locales", "sites")
#: The Wiki.js 2 id a rule was written with through /graphql (API-v2.md §5.1): stored with the
#: rule when present, never shown by /_graphql.
LEGACY_ID = "legacyId"
_PATH_MATCHES = (RuleMatch.START, RuleMatch.EXACT, RuleMatch.END)


def _invalid(detail: str) -> DomainError:
    return DomainError(ErrorKey.INVALID_INPUT, detail)


def _items(value, what: str) -> list:
    """A list field, null entries dropped (API.md §4.4.2); anything but a list is refused."""
    if not isinstance(value, list | tuple):
        raise _invalid(f"{what} must be a list")
    return [item for item in value if item is not None]


def _uuid_text(value, what: str) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise _invalid(f"{what} {value!r} is not a UUID") from exc


def _enum_text(value) -> str:
    """Enum inputs may arrive as members (graphene) or as their text (forms, JSON)."""
    return str(getattr(value, "value", value))


def clean_permissions(raw: Iterable[str | None] | None) -> list[str]:
    """A group's global permissions: scopes of §3.1's three tables only, duplicates dropped."""
    granted = []
    for scope in _items(raw if raw is not None else [], "permissions"):
        if not isinstance(scope, str) or scope not in scopes.ALL_SCOPES:
            raise _invalid(f"unknown scope {scope!r}")
        if scope not in granted:
            granted.append(scope)
    return granted


def _clean_path(match: RuleMatch, raw, where: str) -> str:
    if not isinstance(raw, str):
        raise _invalid(f"{where}: path must be text")
    if len(raw) > MAX_RULE_PATH:
        raise _invalid(f"{where}: path longer than {MAX_RULE_PATH}")
    if match in _PATH_MATCHES:
        # Stored as the engine compares it: no leading slash, lowercase (API.md §3.4).
        return raw.strip().lstrip("/").lower()
    if match == RuleMatch.REGEX:
        # RE2 runs every rule (linear time); what it cannot express is refused with its reason.
        if problem := rule_regex_problem(raw):
            raise _invalid(f"{where}: {problem}")
        return raw
    # TAG / TAGALL: a rule naming no tag would never match anything.
    if not parse_rule_tags(raw):
        raise _invalid(f"{where}: a tag rule must name at least one tag")
    return raw.strip()


def clean_rule(raw, index: int = 0) -> dict:
    """One page rule, normalised; the stored shape is ``RULE_KEYS`` (others dropped), plus
    ``legacyId`` when the rule carries one."""
    where = f"rule {index}"
    if not isinstance(raw, dict):
        raise _invalid(f"{where} must be an object")
    try:
        mode = RuleMode(_enum_text(raw.get("mode")))
        match = RuleMatch(_enum_text(raw.get("match")))
    except ValueError as exc:
        raise _invalid(f"{where}: mode or match is unknown") from exc
    name = raw.get("name")
    if name is None:
        name = ""
    if not isinstance(name, str) or len(name.strip()) > MAX_RULE_TEXT:
        raise _invalid(f"{where}: name must be text of at most {MAX_RULE_TEXT} characters")
    roles = []
    for role in _items(raw.get("roles"), f"{where}: roles"):
        if role not in scopes.PAGE_ROLES:
            raise _invalid(f"{where}: {role!r} is not a page role")
        if role not in roles:
            roles.append(role)
    locales = []
    for locale in _items(raw.get("locales") or [], f"{where}: locales"):
        code = locale.strip().lower() if isinstance(locale, str) else ""
        if not LOCALE_CODE.fullmatch(code):
            raise _invalid(f"{where}: {locale!r} is not a locale code")
        if code not in locales:
            locales.append(code)
    sites = []
    for site in _items(raw.get("sites") or [], f"{where}: sites"):
        text = _uuid_text(site, f"{where}: site")
        if text not in sites:
            sites.append(text)
    cleaned = {
        "id": _uuid_text(raw.get("id"), f"{where}: id"),
        "name": name.strip(),
        "mode": mode.value,
        "match": match.value,
        "roles": roles,
        "path": _clean_path(match, raw.get("path", ""), where),
        "locales": locales,
        "sites": sites,
    }
    legacy_id = raw.get(LEGACY_ID)
    if legacy_id is not None:
        if not isinstance(legacy_id, str) or not legacy_id or len(legacy_id) > MAX_RULE_TEXT:
            raise _invalid(f"{where}: legacyId must be text of 1 to {MAX_RULE_TEXT} characters")
        cleaned[LEGACY_ID] = legacy_id
    return cleaned


def clean_rules(raw) -> list[dict]:
    """A group's ordered page rules; null entries are dropped (API.md §4.4.2)."""
    if raw is None:
        return []
    return [clean_rule(rule, index) for index, rule in enumerate(_items(raw, "rules"))]


def with_stored_legacy_ids(rules: list[dict], stored) -> list[dict]:
    """``rules``, each without a ``legacyId`` taking that of the stored rule with its id."""
    known = {
        str(rule.get("id")): rule[LEGACY_ID]
        for rule in stored or ()
        if isinstance(rule, dict) and rule.get(LEGACY_ID)
    }
    return [
        rule
        if LEGACY_ID in rule or rule["id"] not in known
        else rule | {LEGACY_ID: known[rule["id"]]}
        for rule in rules
    ]


def default_rules() -> list[dict]:
    """The rule a new group starts with (API.md §3.3): its four roles everywhere."""
    return [
        {
            "id": str(uuid.uuid4()),
            "name": "Default Rule",
            "mode": RuleMode.ALLOW.value,
            "match": RuleMatch.START.value,
            "roles": list(scopes.NEW_GROUP_PERMISSIONS),
            "path": "",
            "locales": [],
            "sites": [],
        }
    ]
