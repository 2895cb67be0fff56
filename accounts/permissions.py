"""The permission engine (API.md §3): global checks, page rules and the caller.

One policy object per request answers every question: ``has_any`` for global scopes,
``can_at`` for one page, ``roles_at`` for a location and ``filter_q`` for lists, which turns
the same rule algorithm into a database condition so that permission filtering happens in SQL
before any LIMIT.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import Q

from wiki.errors import DomainError, ErrorKey

from . import scopes
from .rule_regex import RuleRegex, compile_rule_regex, is_supported_rule_regex


class RuleMode(enum.StrEnum):
    ALLOW = "ALLOW"
    DENY = "DENY"
    FORCEALLOW = "FORCEALLOW"


class RuleMatch(enum.StrEnum):
    START = "START"
    EXACT = "EXACT"
    END = "END"
    REGEX = "REGEX"
    TAG = "TAG"
    TAGALL = "TAGALL"


# At equal path length: EXACT > TAG = TAGALL > REGEX > END > START (API.md §3.4 step 5).
MATCH_PRIORITY = {
    RuleMatch.EXACT: 4,
    RuleMatch.TAG: 3,
    RuleMatch.TAGALL: 3,
    RuleMatch.REGEX: 2,
    RuleMatch.END: 1,
    RuleMatch.START: 0,
}
_TAG_SEPARATORS = re.compile(r"[\s,]+")
MATCH_NOTHING = Q(pk__in=[])
# Not ``Q()``: Django treats an empty Q as the identity of both | and &, so ``Q() | x`` would
# narrow "every page" down to ``x`` and ``~Q()`` would still select every page.
MATCH_ALL = Q(pk__isnull=False)


@dataclass(frozen=True)
class PageContext:
    """Where a page is, for permission purposes: ``(siteId, locale, path, tags)``."""

    site_id: uuid.UUID | str | None
    locale: str
    path: str
    tags: Sequence[str] = ()

    @classmethod
    def of(cls, page) -> PageContext:
        return cls(page.site_id, page.locale, page.path, tuple(page.tags or ()))


def parse_rule_tags(pattern: str) -> tuple[str, ...]:
    return tuple(t.replace("#", "") for t in _TAG_SEPARATORS.split(pattern.lower()) if t.strip("#"))


def _text_list(value) -> list[str] | None:
    """A rule's list field as strings; None when it is not a list (the rule is malformed)."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        return None
    return [str(item) for item in value if item is not None]


def _canonical_site(value: str) -> str:
    """Site ids compare as canonical UUID text; an unparsable entry is kept and never matches."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value.lower()


def is_catastrophic_regex(pattern: str) -> bool:
    """Whether a REGEX rule must refuse ``pattern`` (API.md §4.4).

    Rules are matched by RE2 (``accounts.rule_regex``), in time linear in the path, so nested
    quantifiers such as ``(a+)+`` cost nothing any more; what remains unsafe is a pattern RE2
    cannot express (backreferences, lookaround), which no rule can evaluate.
    """
    return not is_supported_rule_regex(pattern)


@dataclass(frozen=True)
class PageRule:
    """One group rule, normalised once so that evaluating it is cheap."""

    mode: RuleMode
    match: RuleMatch
    roles: frozenset[str]
    path: str
    locales: frozenset[str] = frozenset()
    sites: frozenset[str] = frozenset()
    tags: tuple[str, ...] = ()
    #: A REGEX rule's matcher; None when RE2 cannot express the pattern (see ``from_dict``).
    regex: RuleRegex | None = None

    @classmethod
    def from_dict(cls, raw: dict) -> PageRule | None:
        """Build a rule from its stored JSON; a malformed rule is ignored (never matches).

        A REGEX rule whose pattern RE2 cannot compile is kept and fails closed instead, since
        dropping it would turn a DENY into a grant: with its pattern unknown, it matches what
        keeps the policy no more permissive than the rule as written. An ALLOW or FORCEALLOW
        matches no page; a DENY matches every page within its sites and locales, with its
        own specificity (``matches`` and ``_rule_q``).
        """
        try:
            mode = RuleMode(raw.get("mode"))
            match = RuleMatch(raw.get("match"))
        except ValueError:
            return None
        path = str(raw.get("path") or "")
        regex = None
        if match in (RuleMatch.START, RuleMatch.EXACT, RuleMatch.END):
            path = path.lstrip("/").lower()
        elif match == RuleMatch.REGEX:
            regex = compile_rule_regex(path)
        roles, locales, sites = (_text_list(raw.get(key)) for key in ("roles", "locales", "sites"))
        if roles is None or locales is None or sites is None:
            return None
        return cls(
            mode=mode,
            match=match,
            roles=frozenset(roles),
            path=path,
            locales=frozenset(loc.lower() for loc in locales if loc),
            sites=frozenset(_canonical_site(s) for s in sites if s),
            tags=parse_rule_tags(path) if match in (RuleMatch.TAG, RuleMatch.TAGALL) else (),
            regex=regex,
        )

    @property
    def specificity(self) -> tuple[int, int]:
        return (len(self.path), MATCH_PRIORITY[self.match])

    def applies_to(self, scope: str) -> bool:
        return scope in self.roles

    def matches(self, ctx: PageContext) -> bool:
        if self.sites and _canonical_site(str(ctx.site_id)) not in self.sites:
            return False
        if self.locales and ctx.locale.lower() not in self.locales:
            return False
        path = ctx.path.lstrip("/").lower()
        match self.match:
            case RuleMatch.START:
                return ("/" + path).startswith("/" + self.path)
            case RuleMatch.EXACT:
                return path == self.path
            case RuleMatch.END:
                return path.endswith(self.path)
            case RuleMatch.REGEX:
                if self.regex is None:
                    return self.mode == RuleMode.DENY
                return self.regex.search(ctx.path)
            case RuleMatch.TAG:
                return bool(set(self.tags) & set(ctx.tags))
            case RuleMatch.TAGALL:
                return bool(self.tags) and set(self.tags) <= set(ctx.tags)
        return False


class RuleSqlTranslator(Protocol):
    """How a domain maps rule patterns onto its table (pages, later tree items)."""

    def start(self, prefix: str) -> Q: ...
    def exact(self, path: str) -> Q: ...
    def end(self, suffix: str) -> Q: ...
    def regex(self, pattern: RuleRegex) -> Q: ...
    def any_tag(self, tags: Sequence[str]) -> Q: ...
    def all_tags(self, tags: Sequence[str]) -> Q: ...
    def sites(self, site_ids: Iterable[str]) -> Q: ...
    def locales(self, locales: Iterable[str]) -> Q: ...


def _rule_q(rule: PageRule, sql: RuleSqlTranslator) -> Q:
    match rule.match:
        case RuleMatch.START:
            condition = sql.start(rule.path) if rule.path else MATCH_ALL
        case RuleMatch.EXACT:
            condition = sql.exact(rule.path)
        case RuleMatch.END:
            condition = sql.end(rule.path) if rule.path else MATCH_ALL
        case RuleMatch.REGEX if rule.regex is None:
            condition = MATCH_ALL if rule.mode == RuleMode.DENY else MATCH_NOTHING
        case RuleMatch.REGEX:
            condition = sql.regex(rule.regex)
        case RuleMatch.TAG:
            condition = sql.any_tag(rule.tags) if rule.tags else MATCH_NOTHING
        case RuleMatch.TAGALL:
            condition = sql.all_tags(rule.tags) if rule.tags else MATCH_NOTHING
    if rule.sites:
        condition &= sql.sites(rule.sites)
    if rule.locales:
        condition &= sql.locales(rule.locales)
    return condition


def _any(conditions: Iterable[Q]) -> Q:
    combined = None
    for condition in conditions:
        combined = condition if combined is None else combined | condition
    return combined if combined is not None else MATCH_NOTHING


def blocked_roles_of(raw) -> frozenset[str]:
    """What a stored rule that cannot be evaluated must refuse: fail closed.

    Dropping it would turn a DENY into a grant, so unless it is clearly an ALLOW or
    FORCEALLOW (whose loss only withholds access), it denies its roles (every page role when
    they cannot be read either) on every page, sites and locales regardless.
    """
    mode = raw.get("mode") if isinstance(raw, dict) else None
    if mode in (RuleMode.ALLOW, RuleMode.FORCEALLOW):
        return frozenset()
    roles = _text_list(raw.get("roles")) if isinstance(raw, dict) else None
    return frozenset(roles) if roles else frozenset(scopes.PAGE_ROLES)


@dataclass
class AccessPolicy:
    """The permissions and page rules of one caller."""

    permissions: frozenset[str]
    rules: list[PageRule] = field(default_factory=list)
    #: Roles named by a stored rule that cannot be evaluated and may have meant to refuse
    #: (``blocked_roles_of``): denied everywhere unless a FORCEALLOW grants them.
    blocked_roles: frozenset[str] = frozenset()

    @classmethod
    def from_groups(cls, groups: Iterable) -> AccessPolicy:
        permissions: set[str] = set()
        rules: list[PageRule] = []
        blocked: set[str] = set()
        for group in groups:
            permissions.update(group.permissions or ())
            for raw in group.rules or ():
                rule = PageRule.from_dict(raw) if isinstance(raw, dict) else None
                if rule is not None:
                    rules.append(rule)
                elif raw is not None:  # null entries are dropped, as updateGroup drops them
                    blocked.update(blocked_roles_of(raw))
        return cls(frozenset(permissions), rules, frozenset(blocked))

    @property
    def is_root(self) -> bool:
        return scopes.MANAGE_SYSTEM in self.permissions

    def has_any(self, *wanted: str) -> bool:
        return self.is_root or any(scope in self.permissions for scope in wanted)

    def rules_for(self, scope: str) -> list[PageRule]:
        return [rule for rule in self.rules if rule.applies_to(scope)]

    def can_at(self, scope: str, ctx: PageContext) -> bool:
        if self.is_root:
            return True
        candidates = [rule for rule in self.rules_for(scope) if rule.matches(ctx)]
        if not candidates:
            return False
        if any(rule.mode == RuleMode.FORCEALLOW for rule in candidates):
            return True
        if scope in self.blocked_roles:
            return False
        top = max(rule.specificity for rule in candidates)
        return not any(rule.mode == RuleMode.DENY for rule in candidates if rule.specificity == top)

    def grants_somewhere(self, *roles: str) -> bool:
        """Whether some rule can grant one of ``roles`` at some page (ALLOW or FORCEALLOW).

        A coarse "may this caller ever do this?" for interfaces that offer a tool before a
        page is chosen (the admin's pages area); each page is then decided by ``can_at``.
        """
        if self.is_root:
            return True
        return any(
            rule.mode != RuleMode.DENY and not rule.roles.isdisjoint(roles) for rule in self.rules
        )

    def roles_at(self, ctx: PageContext) -> list[str]:
        return [role for role in scopes.PAGE_ROLES if self.can_at(role, ctx)]

    def filter_q(self, scope: str, sql: RuleSqlTranslator) -> Q | None:
        """A condition selecting the rows where ``can_at(scope)`` holds; None = every row.

        Allowed  ⇔  some FORCEALLOW matches, or some ALLOW ``a`` matches while no DENY of
        specificity ≥ spec(a) matches. (If such an ``a`` exists, the most specific candidates
        hold no DENY; conversely a winning ALLOW is such an ``a``.)
        """
        if self.is_root:
            return None
        rules = self.rules_for(scope)
        conditions = {id(rule): _rule_q(rule, sql) for rule in rules}
        denies = [rule for rule in rules if rule.mode == RuleMode.DENY]
        allowed = [conditions[id(r)] for r in rules if r.mode == RuleMode.FORCEALLOW]
        if scope in self.blocked_roles:
            return _any(allowed)
        for rule in rules:
            if rule.mode != RuleMode.ALLOW:
                continue
            overriding = [conditions[id(d)] for d in denies if d.specificity >= rule.specificity]
            allowed.append(
                conditions[id(rule)] & ~_any(overriding) if overriding else conditions[id(rule)]
            )
        return _any(allowed)


class CallerKind(enum.StrEnum):
    GUEST = "guest"
    USER = "user"
    API_KEY = "api_key"


@dataclass
class Caller:
    """Who a request runs as (API.md §1.2), with its access policy."""

    kind: CallerKind
    policy: AccessPolicy
    user: object | None = None  # the signed-in user, or the guest user
    api_key: object | None = None
    #: Why a token that came with the request was ignored (the request then runs as guest).
    ignored_token: str | None = None
    #: A fresh session token issued for this request because its own had expired within the
    #: renewal window (``resolve_caller(renew=True)``, API-v2.md §1.3); the endpoint hands it
    #: back to the client.
    renewed_token: str | None = None
    #: The access version ``policy`` was read under (``accounts.access_cache``); None when
    #: unknown. Whatever else a request keeps per process under this version may be reused.
    access_version: int | None = None
    #: Set on the copy an endpoint hands to the services after checking its own gate of global
    #: scopes (``/graphql``, API-v2.md §2.5): ``require_any`` then passes, and everything else
    #: (page rules, elevation, protected targets, identity) is checked as always.
    gate_passed: bool = False

    @property
    def is_guest(self) -> bool:
        return self.kind == CallerKind.GUEST

    @property
    def is_user(self) -> bool:
        return self.kind == CallerKind.USER

    @property
    def is_api_key(self) -> bool:
        return self.kind == CallerKind.API_KEY

    @property
    def forbidden_key(self) -> ErrorKey:
        """§2.5: a guest is told to authenticate; anyone else is forbidden."""
        return ErrorKey.NOT_AUTHENTICATED if self.is_guest else ErrorKey.FORBIDDEN

    def has_any(self, *wanted: str) -> bool:
        return self.policy.has_any(*wanted)

    def can_at(self, scope: str, ctx: PageContext) -> bool:
        return self.policy.can_at(scope, ctx)

    def past_gate(self) -> Caller:
        """This caller, for services called after an endpoint's own global-scope gate."""
        return dataclasses.replace(self, gate_passed=True)

    def require_any(self, *wanted: str) -> None:
        if self.gate_passed:
            return
        if not self.has_any(*wanted):
            raise DomainError(self.forbidden_key, f"needs one of {', '.join(wanted)}")

    def require_at(self, scope: str, ctx: PageContext, key: ErrorKey = ErrorKey.FORBIDDEN) -> None:
        if not self.can_at(scope, ctx):
            raise DomainError(
                ErrorKey.NOT_AUTHENTICATED if self.is_guest else key,
                f"needs {scope} at {ctx.locale}/{ctx.path}",
            )

    def require_signed_in_user(self) -> None:
        """Self-service operations need a personal identity (§1.4, §2.5)."""
        if not self.is_user:
            raise DomainError(ErrorKey.NOT_AUTHENTICATED)
