"""Groups and memberships of a Wiki.js 2 installation (API-v2.md §5.1, §5.10).

Wiki.js groups 1 (Administrators) and 2 (Guests) are this server's own groups with those
legacy ids: they take the source's name, rules and permissions (Administrators always keep
``manage:system``). This server reserves legacy id 3 for its Users group, which Wiki.js 2 does
not have; a source group 3 is an ordinary group, so the Users group is given a fresh legacy id
(reported) and the Wiki.js group keeps 3.

Imported users do not join the Users group: their rights are exactly those of their Wiki.js
groups, so that what the rules meant there is what they mean here.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q

from accounts import scopes
from accounts.group_rules import clean_rule
from accounts.legacy_rules import rules_from_v2
from accounts.models import USERS_GROUP_ID, Group, Membership, User
from accounts.validation import clean_label
from wiki import legacy_ids
from wiki.errors import DomainError

from .accounts_common import (
    fresh_legacy_id,
    imported_groups,
    imported_users,
    source_max_id,
)
from .base import ImportContext, Kind
from .source import source_date

MAX_REDIRECT = 255


def _clean_group_name(raw: Any, group_id: int) -> tuple[str, bool]:
    """The name, or one made storable (``<>"`` removed, trimmed); whether it changed."""
    try:
        return clean_label(raw if isinstance(raw, str) else ""), False
    except DomainError:
        text = "".join(ch for ch in str(raw or "") if ch not in '<>"').strip()[:255]
        return text or f"Group {group_id}", True


def map_permissions(raw: Any) -> tuple[list[str], list[str]]:
    """Wiki.js 2 scopes this server knows (the same names), and those it does not."""
    kept: list[str] = []
    dropped: list[str] = []
    for scope in raw if isinstance(raw, list) else []:
        if isinstance(scope, str) and scope in scopes.ALL_SCOPES:
            if scope not in kept:
                kept.append(scope)
        else:
            dropped.append(str(scope))
    return kept, dropped


def map_rules(group: Group, raw: Any) -> tuple[list[dict] | None, list[str]]:
    """A group's ``pageRules`` as rules to store (API-v2.md §5.1), and what was left out.

    Each rule is validated as the services validate rules. An ALLOW rule that does not pass
    is left out (the group then allows less than it did); a DENY rule that does not pass makes
    the whole group unimportable (returns None): without it the group would allow more.
    Roles with no equivalent here are dropped from a rule, and a rule left with none goes.
    """
    problems: list[str] = []
    v2_rules: list[dict] = []
    seen: set[str] = set()
    for index, rule in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(rule, dict):
            problems.append(f"rule {index} is not an object")
            continue
        rule_id = str(rule.get("id") or f"rule-{index}")
        if rule_id in seen:
            problems.append(f"rule {rule_id!r} appears twice: the later one was left out")
            continue
        seen.add(rule_id)
        roles = [role for role in rule.get("roles") or [] if role in scopes.PAGE_ROLES]
        unknown = [str(role) for role in rule.get("roles") or [] if role not in scopes.PAGE_ROLES]
        if unknown:
            problems.append(f"rule {rule_id!r}: roles {unknown} have no equivalent")
        if not roles:
            problems.append(f"rule {rule_id!r} grants no role known here: left out")
            continue
        v2_rules.append(
            {
                "id": rule_id,
                "deny": bool(rule.get("deny")),
                "match": str(rule.get("match") or ""),
                "roles": roles,
                "path": rule.get("path") if rule.get("path") is not None else "",
                "locales": rule.get("locales") or [],
            }
        )
    stored: list[dict] = []
    for v2_rule, mapped in zip(v2_rules, rules_from_v2(group, v2_rules), strict=True):
        try:
            stored.append(clean_rule(mapped, len(stored)))
        except DomainError as error:
            if v2_rule["deny"]:
                problems.append(f"DENY rule {v2_rule['id']!r} cannot be kept ({error.detail})")
                return None, problems
            problems.append(f"ALLOW rule {v2_rule['id']!r} left out ({error.detail})")
    return stored, problems


class GroupsKind(Kind):
    name = "groups"
    table = "groups"

    def import_batch(self, rows: list[dict[str, Any]], ctx: ImportContext) -> None:
        ids = [row["id"] for row in rows]
        existing = {g.legacy_id: g for g in Group.objects.filter(legacy_id__in=ids)}
        for row in rows:
            group = self._target(row["id"], existing, ctx)
            if group is not None:
                self._import(row, group, ctx)

    def _target(self, group_id: int, existing: dict[int, Group], ctx: ImportContext):
        """The group row ``group_id`` goes into (unsaved when new), or None (reported)."""
        found = existing.get(group_id)
        if group_id in (legacy_ids.GROUP_ADMINISTRATORS, legacy_ids.GROUP_GUESTS):
            if found is None:
                ctx.skip(self.name, group_id, f"this server has no group with legacy id {group_id}")
            return found
        if group_id == legacy_ids.GROUP_USERS and found is not None and found.pk == USERS_GROUP_ID:
            # Wiki.js 2 has no Users group: its group 3 is an ordinary one and keeps id 3.
            new_id = fresh_legacy_id("group", source_max_id(ctx, "groups"))
            Group.objects.filter(pk=USERS_GROUP_ID).update(legacy_id=new_id)
            ctx.adjust(
                self.name,
                group_id,
                f"this server's Users group now has legacy id {new_id}, so that the Wiki.js "
                "group keeps id 3",
            )
            return Group(id=uuid.uuid4(), legacy_id=group_id)
        if found is not None:
            # Id 3 is reserved for the Users group: any other group holding it came from an
            # earlier import (the branch above), even though the ledger found 3 taken here.
            if ctx.ledger.owned("group", group_id) or group_id == legacy_ids.GROUP_USERS:
                return found
            ctx.skip(
                self.name, group_id, f"legacy id {group_id} belongs to this server's group "
                f"{found.name!r}",
            )  # fmt: skip
            return None
        if ctx.ledger.usable("group", group_id) or group_id == legacy_ids.GROUP_USERS:
            return Group(id=uuid.uuid4(), legacy_id=group_id)
        ctx.skip(self.name, group_id, f"legacy id {group_id} was used here before")
        return None

    def _import(self, row: dict[str, Any], group: Group, ctx: ImportContext) -> None:
        group_id = row["id"]
        name, renamed = _clean_group_name(row.get("name"), group_id)
        if renamed:
            ctx.adjust(self.name, group_id, f"renamed {name!r}: the name was not storable")
        permissions, dropped = map_permissions(row.get("permissions"))
        if dropped:
            ctx.adjust(self.name, group_id, f"permissions without an equivalent: {dropped}")
        if group_id == legacy_ids.GROUP_ADMINISTRATORS and scopes.MANAGE_SYSTEM not in permissions:
            permissions.insert(0, scopes.MANAGE_SYSTEM)
            ctx.adjust(self.name, group_id, "Administrators keep manage:system")
        rules, problems = map_rules(group, row.get("pageRules"))
        for problem in problems:
            ctx.adjust(self.name, group_id, problem)
        if rules is None:
            ctx.skip(self.name, group_id, "a DENY rule has no equivalent; see above")
            return
        redirect = str(row.get("redirectOnLogin") or "/").strip()[:MAX_REDIRECT] or "/"
        is_new = group._state.adding
        before = _snapshot(group)
        group.name = name
        group.permissions = permissions
        group.rules = rules
        group.redirect_on_login = redirect
        group.is_system = bool(row.get("isSystem")) or group_id in (1, 2) or group.is_system
        created = source_date(row.get("createdAt"))
        if created is not None:
            group.created_at = created
        ctx.ledger.record("group", group_id)
        imported_groups(ctx)[group_id] = group.pk
        if not is_new and _snapshot(group) == before:
            ctx.count(self.name, "unchanged")
            return
        group.save()
        updated = source_date(row.get("updatedAt"))
        if updated is not None:
            Group.objects.filter(pk=group.pk).update(updated_at=updated)
        ctx.count(self.name, "created" if is_new else "updated")

    def target_total(self, ctx: ImportContext) -> int:
        return len(imported_groups(ctx))


def _snapshot(group: Group) -> tuple:
    return (
        group.name,
        group.permissions,
        group.rules,
        group.redirect_on_login,
        group.is_system,
        group.created_at,
    )


class MembershipsKind(Kind):
    """``userGroups``: each imported user's memberships made equal to the source's.

    Per batch, the users the batch names get all their source memberships (read for those
    users only) and lose any other group; users without any membership in the source lose
    theirs in ``finish``. The root administrator always stays in Administrators, and system
    users (the guest) keep their groups, as the services require.
    """

    name = "memberships"
    table = "userGroups"

    def import_batch(self, rows: list[dict[str, Any]], ctx: ImportContext) -> None:
        users = imported_users(ctx)
        groups = imported_groups(ctx)
        for row in rows:
            if row.get("userId") not in users:
                ctx.skip(self.name, row["id"], f"user {row.get('userId')} was not imported")
            elif row.get("groupId") not in groups:
                ctx.skip(self.name, row["id"], f"group {row.get('groupId')} was not imported")
        user_ids = sorted({row["userId"] for row in rows if row.get("userId") in users})
        wanted_rows = ctx.source.rows_where_in(
            "userGroups", "userId", user_ids, columns=["id", "userId", "groupId"]
        )
        wanted = {
            (row["userId"], groups[row["groupId"]])
            for row in wanted_rows
            if row.get("groupId") in groups
        }
        batch_pairs = {
            (row["userId"], groups[row["groupId"]])
            for row in rows
            if row.get("userId") in users and row.get("groupId") in groups
        }
        created = self._sync(ctx, user_ids, wanted)
        ctx.count(self.name, "created", len(batch_pairs & created))
        ctx.count(self.name, "unchanged", len(batch_pairs - created))

    def _sync(self, ctx: ImportContext, user_ids: list[int], wanted: set) -> set:
        """Memberships of ``user_ids`` (Wiki.js ids) made ``wanted``; returns those created."""
        if not user_ids:
            return set()
        targets = {
            legacy: (pk, is_system)
            for pk, legacy, is_system in User.objects.filter(legacy_id__in=user_ids).values_list(
                "pk", "legacy_id", "is_system"
            )
        }
        present = {
            (legacy, group): pk
            for pk, legacy, group in Membership.objects.filter(
                user__legacy_id__in=user_ids
            ).values_list("pk", "user__legacy_id", "group_id")
        }
        admins = imported_groups(ctx).get(legacy_ids.GROUP_ADMINISTRATORS)
        keep = {
            pair
            for pair in present
            if pair[0] == legacy_ids.USER_ROOT_ADMIN
            and pair[1] == admins
            or targets.get(pair[0], (None, False))[1]
        }
        missing = {
            pair for pair in wanted if pair not in present and not targets[pair[0]][1]
        }  # system users keep their groups
        extra = [pk for pair, pk in present.items() if pair not in wanted and pair not in keep]
        Membership.objects.bulk_create(
            [Membership(user_id=targets[u][0], group_id=g) for u, g in missing],
            ignore_conflicts=True,
        )
        if extra:
            removed = Membership.objects.filter(pk__in=extra)
            for legacy, group in sorted(
                (pair for pair in present if present[pair] in set(extra)), key=str
            ):
                ctx.adjust(
                    self.name, f"user {legacy}", f"left group {group}, not theirs in Wiki.js"
                )
            removed.delete()
        return missing

    def finish(self, ctx: ImportContext) -> None:
        """Imported users with no membership at all in the source lose theirs."""
        users = imported_users(ctx)
        for rows in ctx.source.batches("users", 2000, columns=["id"]):
            ids = [row["id"] for row in rows if row["id"] in users]
            with_groups = {
                row["userId"]
                for row in ctx.source.rows_where_in("userGroups", "userId", ids, columns=["userId"])
            }
            self._sync(ctx, [i for i in ids if i not in with_groups], set())

    def target_total(self, ctx: ImportContext) -> int:
        total = 0
        groups = imported_groups(ctx)
        by_pk = {pk: legacy for legacy, pk in groups.items()}
        for rows in ctx.source.batches(self.table, 2000):
            user_ids = {row["userId"] for row in rows}
            present = set(
                Membership.objects.filter(
                    Q(user__legacy_id__in=user_ids) & Q(group_id__in=list(by_pk))
                ).values_list("user__legacy_id", "group_id")
            )
            total += sum(
                1 for row in rows if (row["userId"], groups.get(row["groupId"])) in present
            )
        return total
