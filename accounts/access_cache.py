"""Access policies derived from groups, kept per process while the access version holds.

Reading a caller's groups and deriving their policy (every rule parsed, every regex compiled)
used to cost more than the rest of authentication. Each process now keeps the policy of each
distinct set of groups, and the group ids of each user, tagged with the access version they
were read under (``AccessVersion``). The version is read in the same query as the caller's
own row (``version_subquery``), and database triggers change it with every write to groups or
memberships, so the first request after a change, in every process, reads the groups again.

Why this is never stale: the version is read before (or with) the rows derived from it, so
whatever is cached under version V is at least as new as V; a later write gives a version
never seen before, which empties the cache.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Subquery

from .models import AccessVersion, Group
from .permissions import AccessPolicy

# Bounds: beyond them a generation starts afresh (cheaper than an LRU on every request).
MAX_POLICIES = 4096
MAX_MEMBERSHIPS = 50_000

GroupKey = tuple[uuid.UUID, ...]


class _Generation:
    """What is cached under one access version."""

    __slots__ = ("version", "policies", "memberships")

    def __init__(self, version: int | None) -> None:
        self.version = version
        self.policies: dict[GroupKey, AccessPolicy] = {}
        self.memberships: dict[uuid.UUID, GroupKey] = {}


_current = _Generation(None)


def version_subquery() -> Subquery:
    """The access version as an expression: annotate the caller's own row with it."""
    return Subquery(AccessVersion.objects.filter(pk=1).values("value")[:1])


def current_version() -> int | None:
    """The access version, read on its own (paths that have no caller row to annotate)."""
    return AccessVersion.objects.filter(pk=1).values_list("value", flat=True).first()


def _generation(version: int | None) -> _Generation | None:
    """The cache for ``version``; None means do not cache (the version row is missing)."""
    global _current
    if version is None:
        # Only a TRUNCATE (a test database being flushed) removes the row; triggers do not
        # see it, so nothing read now may be kept.
        return None
    generation = _current
    if generation.version != version:
        # Replaced whole, never mutated across versions: a request that read an older version
        # fills an object nobody reads for the new one.
        generation = _current = _Generation(version)
    return generation


def forget() -> None:
    """Drop everything cached in this process (tests)."""
    global _current
    _current = _Generation(None)


def group_key(group_ids: Iterable) -> GroupKey:
    """Canonical, sorted group ids; entries that are no UUID name no group and are dropped."""
    wanted = set()
    for raw in group_ids or ():
        try:
            wanted.add(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
        except ValueError:
            continue
    return tuple(sorted(wanted))


def _policy_of(groups: Iterable[Group]) -> AccessPolicy:
    return AccessPolicy.from_groups(groups)


def _groups_query():
    return Group.objects.only("id", "permissions", "rules")


def policy_for_groups(group_ids: Iterable, version: int | None) -> AccessPolicy:
    """The policy of the groups ``group_ids`` (an API key's); one query when not cached."""
    key = group_key(group_ids)
    generation = _generation(version)
    if generation is not None and (policy := generation.policies.get(key)) is not None:
        return policy
    policy = _policy_of(_groups_query().filter(pk__in=key)) if key else AccessPolicy(frozenset())
    if generation is not None:
        _remember(generation.policies, key, policy, MAX_POLICIES)
    return policy


def policy_for_user(user_id: uuid.UUID, version: int | None) -> AccessPolicy:
    """The policy of the groups ``user_id`` is a member of; one query when not cached."""
    generation = _generation(version)
    if generation is not None:
        key = generation.memberships.get(user_id)
        if key is not None and (policy := generation.policies.get(key)) is not None:
            return policy
    groups = list(_groups_query().filter(memberships__user_id=user_id))
    key = group_key(group.pk for group in groups)
    policy = generation.policies.get(key) if generation is not None else None
    if policy is None:
        policy = _policy_of(groups)
    if generation is not None:
        _remember(generation.policies, key, policy, MAX_POLICIES)
        _remember(generation.memberships, user_id, key, MAX_MEMBERSHIPS)
    return policy


def _remember(store: dict, key, value, limit: int) -> None:
    if len(store) >= limit:
        store.clear()
    store[key] = value
