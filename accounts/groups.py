"""Group services: create, update, delete, and membership changes (API.md §4.4.2, §3.6).

Each function checks in the contract's order, then writes in one transaction. The access
version triggers (``AccessVersion``) make every change apply on the members' next request.
``caller=None`` means a trusted operator (a management command).
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from wiki.errors import DomainError, ErrorKey

from . import scopes
from .group_checks import GroupCheck
from .group_rules import clean_permissions, clean_rules, default_rules, with_stored_legacy_ids
from .models import GUESTS_GROUP_ID, USERS_GROUP_ID, Group, Membership, User
from .permissions import Caller
from .services import administrators_group, check_may_change_membership, root_admin_user
from .validation import clean_label


def _require(caller: Caller | None, wanted: tuple[str, ...]) -> None:
    if caller is not None:
        caller.require_any(*wanted)


def _group(group_id: uuid.UUID | str, *, lock: bool = False) -> Group:
    queryset = Group.objects.select_for_update() if lock else Group.objects
    group = queryset.filter(pk=group_id).first()
    if group is None:
        raise DomainError(ErrorKey.INVALID_GROUP, str(group_id))
    return group


def is_protected_group(group: Group) -> bool:
    """Administrators, Users and Guests (API.md §3.6): never deleted."""
    return group.is_system or group.pk in (USERS_GROUP_ID, GUESTS_GROUP_ID, _admins_id())


def _admins_id() -> uuid.UUID | None:
    try:
        return administrators_group().pk
    except Group.DoesNotExist:
        return None


def check_permission_change(caller: Caller | None, group: Group | None, granted: list[str]) -> None:
    """§3.6 and §4.4.2: only manage:system grants ``*:system``; Administrators keep it.

    ``group`` is None for a group being created. Scopes the group already holds are not
    "granted" by keeping them, so a group editor may rename the Administrators group.
    """
    before = set(group.permissions or []) if group is not None else set()
    new_system = {scope for scope in granted if scope.endswith(":system")} - before
    if new_system and caller is not None and not caller.has_any(scopes.MANAGE_SYSTEM):
        raise DomainError(
            caller.forbidden_key,
            f"only manage:system may grant {new_system}",
            check=GroupCheck.GRANTS_SYSTEM,
        )
    if group is not None and group.pk == _admins_id() and scopes.MANAGE_SYSTEM not in granted:
        raise DomainError(
            ErrorKey.FORBIDDEN,
            "the Administrators group must keep manage:system",
            check=GroupCheck.ADMINS_KEEP_SYSTEM,
        )


# --- createGroup, updateGroup, deleteGroup ------------------------------------------------------
def create_group(caller: Caller | None, name: str) -> Group:
    _require(caller, scopes.EDIT_GROUPS_ANY)
    name = clean_label(name)
    with transaction.atomic():
        return Group.objects.create(
            name=name,
            permissions=list(scopes.NEW_GROUP_PERMISSIONS),
            rules=default_rules(),
            is_system=False,
        )


def update_group(
    caller: Caller | None,
    group_id: uuid.UUID | str,
    *,
    name: str,
    redirect_on_login: str,
    permissions: list[str | None],
    rules: list | None,
    redirect_on_first_login: str | None = None,
    redirect_on_logout: str | None = None,
    keep_legacy_ids: bool = True,
) -> Group:
    """Replace the name, login redirect, permissions and rules (null list entries dropped).

    The first-login and logout redirects are not arguments of updateGroup; the admin passes
    them, None keeps the stored value. A rule that comes without a ``legacyId`` keeps the one
    of the stored rule with its id (``keep_legacy_ids``), so that the Wiki.js 2 id a rule
    was written with (API-v2.md §5.1) survives edits through the API and the admin, which
    neither show nor send it; the v2 update, which states every rule's id, passes False.
    """
    _require(caller, scopes.EDIT_GROUPS_ANY)
    with transaction.atomic():
        group = _group(group_id, lock=True)
        name = clean_label(name)
        granted = clean_permissions(permissions)
        cleaned_rules = clean_rules(rules)
        if keep_legacy_ids:
            cleaned_rules = with_stored_legacy_ids(cleaned_rules, group.rules)
        redirect = _clean_redirect(redirect_on_login, "redirectOnLogin")
        others = {
            field: _clean_redirect(value, field)
            for field, value in (
                ("redirect_on_first_login", redirect_on_first_login),
                ("redirect_on_logout", redirect_on_logout),
            )
            if value is not None
        }
        check_permission_change(caller, group, granted)
        group.name = name
        group.redirect_on_login = redirect or "/"
        for field, value in others.items():
            setattr(group, field, value)
        group.permissions = granted
        group.rules = cleaned_rules
        group.save()
    return group


def _clean_redirect(raw: str | None, what: str) -> str:
    redirect = (raw or "").strip()
    if len(redirect) > 255:
        raise DomainError(ErrorKey.INVALID_INPUT, f"{what} longer than 255")
    return redirect


def delete_group(caller: Caller | None, group_id: uuid.UUID | str) -> None:
    """Memberships go with the group; API keys embedding it lose its permissions.

    Deleting a group holding manage:system removes its members from it, which §3.6 leaves
    to manage:system alone.
    """
    _require(caller, scopes.EDIT_GROUPS_ANY)
    with transaction.atomic():
        group = _group(group_id, lock=True)
        if is_protected_group(group):
            raise DomainError(
                ErrorKey.FORBIDDEN,
                f"{group.name} is a system group",
                check=GroupCheck.PROTECTED_GROUP,
            )
        check_may_change_membership(caller, [group])
        group.delete()


# --- assignUserToGroup, unassignUserFromGroup ---------------------------------------------------
def _refuse_system_user(user_id: uuid.UUID | str) -> None:
    """System users (the guest) never change groups, whoever asks (§3.6)."""
    if User.objects.filter(pk=user_id, is_system=True).exists():
        raise DomainError(
            ErrorKey.FORBIDDEN, "system users keep their groups", check=GroupCheck.SYSTEM_USER
        )


def _user(user_id: uuid.UUID | str) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise DomainError(ErrorKey.INVALID_USER, str(user_id))
    return user


def assign_user_to_group(
    caller: Caller | None, group_id: uuid.UUID | str, user_id: uuid.UUID | str
) -> None:
    _require(caller, scopes.LIST_GROUPS_ANY)
    _refuse_system_user(user_id)
    with transaction.atomic():
        group = _group(group_id, lock=True)
        check_may_change_membership(caller, [group])
        user = _user(user_id)
        if Membership.objects.filter(group=group, user=user).exists():
            raise DomainError(
                ErrorKey.INVALID_INPUT, "already a member", check=GroupCheck.ALREADY_MEMBER
            )
        try:
            with transaction.atomic():
                Membership.objects.create(group=group, user=user)
        except IntegrityError as exc:
            # A concurrent assignment won since the check: the user is a member already.
            raise DomainError(
                ErrorKey.INVALID_INPUT, "already a member", check=GroupCheck.ALREADY_MEMBER
            ) from exc


def unassign_user_from_group(
    caller: Caller | None, group_id: uuid.UUID | str, user_id: uuid.UUID | str
) -> None:
    """Removing a user who is not a member succeeds without a change (API.md §4.4.2)."""
    _require(caller, scopes.LIST_GROUPS_ANY)
    _refuse_system_user(user_id)
    root_admin = root_admin_user()
    if (
        root_admin is not None
        and str(root_admin.pk) == str(user_id)
        and str(group_id) == str(_admins_id())
    ):
        raise DomainError(
            ErrorKey.FORBIDDEN,
            "the root administrator stays an administrator",
            check=GroupCheck.ROOT_ADMIN,
        )
    with transaction.atomic():
        group = _group(group_id, lock=True)
        user = _user(user_id)
        check_may_change_membership(caller, [group])
        Membership.objects.filter(group=group, user=user).delete()
