"""Managing other people's accounts (API.md §4.3.2, §3.6).

Each operation is one function and one transaction: the checks run in the contract's order on
the locked target row, then the change; a refusal raises ``DomainError`` and leaves nothing
behind. ``caller=None`` means a trusted operator (a management command) and skips the
permission and protected-target checks; system users stay protected from everyone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction

from wiki.errors import DomainError, ErrorKey

from . import scopes, totp
from .models import Group, User
from .permissions import Caller
from .services import check_may_change_membership, existing_groups, root_admin_user
from .validation import (
    check_password_length,
    clean_email,
    clean_name,
    clean_preference,
    preference_choices,
)

META_KEYS = frozenset({"location", "jobTitle", "pronouns"})


# --- Shared checks ----------------------------------------------------------------------------
def _require_manager(caller: Caller | None) -> None:
    if caller is not None:
        caller.require_any(*scopes.MANAGE_USERS_ANY)


def _locked_user(user_id: uuid.UUID | str | None) -> User:
    """The user row, locked until the transaction ends, or ERR_INVALID_USER."""
    try:
        pk = uuid.UUID(str(user_id))
    except ValueError as exc:
        raise DomainError(ErrorKey.INVALID_USER, str(user_id)) from exc
    user = User.objects.select_for_update().filter(pk=pk).first()
    if user is None:
        raise DomainError(ErrorKey.INVALID_USER, str(pk))
    return user


def check_may_manage(caller: Caller | None, target: User) -> None:
    """§3.6: system users are out of everyone's reach; root administrators need manage:system."""
    key = caller.forbidden_key if caller is not None else ErrorKey.FORBIDDEN
    if target.is_system:
        raise DomainError(key, f"user {target.pk} is a system user")
    if caller is None or caller.has_any(scopes.MANAGE_SYSTEM):
        return
    if scopes.MANAGE_SYSTEM in target.global_permissions:
        raise DomainError(key, f"user {target.pk} holds manage:system")


def _managed_user(caller: Caller | None, user_id) -> User:
    """Permission, existence, protected target: the first three checks of most operations."""
    _require_manager(caller)
    target = _locked_user(user_id)
    check_may_manage(caller, target)
    return target


# --- updateUser -------------------------------------------------------------------------------
@dataclass
class UserPatch:
    """``UserUpdateInput``: ``None`` leaves a field unchanged."""

    email: str | None = None
    name: str | None = None
    group_ids: list[uuid.UUID | str] | None = None
    tfa_required: bool | None = None
    must_change_password: bool | None = None
    restrict_login: bool | None = None
    is_active: bool | None = None
    is_verified: bool | None = None
    meta: dict | None = None
    prefs: dict | None = None
    #: Keys of ``meta`` / ``prefs`` to set, keeping the others (``meta``/``prefs`` replace).
    meta_changes: dict | None = None
    prefs_changes: dict | None = None


def update_user(caller: Caller | None, user_id, patch: UserPatch) -> User:
    try:
        with transaction.atomic():
            user = _managed_user(caller, user_id)
            _apply_patch(caller, user, patch)
    except IntegrityError as exc:
        # Another request took the email since the check.
        if patch.email is not None and _email_taken(clean_email(patch.email), user_id):
            raise DomainError(ErrorKey.DUPLICATE_ACCOUNT_EMAIL) from exc
        raise
    return user


def _apply_patch(caller: Caller | None, user: User, patch: UserPatch) -> None:
    if patch.email is not None:
        user.email = clean_email(patch.email)
        if _email_taken(user.email, user.pk):
            raise DomainError(ErrorKey.DUPLICATE_ACCOUNT_EMAIL)
    if patch.name is not None:
        user.name = clean_name(patch.name)
    groups = None
    if patch.group_ids is not None:
        groups = existing_groups(patch.group_ids)
        check_membership_change(caller, user, groups)
    meta = _clean_meta(patch.meta) if patch.meta else None
    prefs = _clean_prefs(patch.prefs) if patch.prefs else None
    if patch.meta_changes:
        meta = {**(meta if meta is not None else user.meta or {})}
        meta.update(_clean_meta(patch.meta_changes))
    if patch.prefs_changes:
        prefs = {**(prefs if prefs is not None else user.prefs or {})}
        prefs.update(_clean_prefs(patch.prefs_changes))

    if user.has_local_credentials:
        for field, value in (
            ("tfa_required", patch.tfa_required),
            ("must_change_password", patch.must_change_password),
            ("restrict_login", patch.restrict_login),
        ):
            if value is not None:
                setattr(user, field, bool(value))
    if patch.is_active is not None:
        user.is_active = bool(patch.is_active)
    if patch.is_verified is not None:
        user.is_verified = bool(patch.is_verified)
    if meta is not None:
        user.meta = meta
    if prefs is not None:
        user.prefs = prefs
    user.save()
    if groups is not None:
        user.groups.set(groups)
        user.__dict__.pop("global_permissions", None)


def update_user_and_password(
    caller: Caller | None, user_id, patch: UserPatch, new_password: str | None = None
) -> User:
    """``updateUser`` and, with ``new_password``, ``changeUserPassword``: both or neither.

    One change of a user's details and password, as Wiki.js 2's ``users.update`` makes it
    (API-v2.md §3.3); each part keeps its own checks, in that order.
    """
    with transaction.atomic():
        user = update_user(caller, user_id, patch)
        if new_password is not None:
            user = change_user_password(caller, user.pk, new_password)
    return user


def _email_taken(email: str, own_id) -> bool:
    # iexact: an address stored before normalisation still counts (§5).
    return User.objects.filter(email__iexact=email).exclude(pk=own_id).exists()


def check_membership_change(caller: Caller | None, user: User, groups: list[Group]) -> None:
    """Joining and leaving follow the elevation rules; the root administrator stays one."""
    current = {group.pk: group for group in user.groups.all()}
    wanted = {group.pk: group for group in groups}
    joined = [group for pk, group in wanted.items() if pk not in current]
    left = [group for pk, group in current.items() if pk not in wanted]
    check_may_change_membership(caller, joined + left)
    administrators = Group.objects.administrators()
    root = root_admin_user()
    if root is not None and root.pk == user.pk and administrators.pk in {g.pk for g in left}:
        raise DomainError(ErrorKey.FORBIDDEN, "the root administrator stays an administrator")


def _clean_meta(meta: dict) -> dict:
    if not isinstance(meta, dict) or not set(meta) <= META_KEYS:
        raise DomainError(ErrorKey.INVALID_INPUT, "meta holds location, jobTitle, pronouns")
    if not all(isinstance(value, str) and len(value) <= 255 for value in meta.values()):
        raise DomainError(ErrorKey.INVALID_INPUT, "meta values are texts of 255 or fewer")
    return {key: value.strip() for key, value in meta.items()}


def _clean_prefs(prefs: dict) -> dict:
    """§4.3: date and time preferences from their lists, the timezone an IANA name."""
    allowed = preference_choices()
    if not isinstance(prefs, dict) or not set(prefs) <= set(allowed):
        raise DomainError(ErrorKey.INVALID_INPUT, f"prefs holds {', '.join(sorted(allowed))}")
    return {key: clean_preference(key, value) for key, value in prefs.items()}


# --- deleteUser -------------------------------------------------------------------------------
def delete_user(caller: Caller | None, user_id, replace_id) -> dict[str, int]:
    """Delete a user, handing everything they created, authored or own to ``replace_id``.

    Every foreign key to users that protects its rows (pages' author, creator and owner,
    history versions' author: whatever a later app adds with ``PROTECT``) is moved, found
    through the model graph so that this module needs no knowledge of the apps above it.
    Memberships go with the user. Returns the number of rows moved per ``model.field``.
    """
    with transaction.atomic():
        user = _managed_user(caller, user_id)
        try:
            replacement_pk = uuid.UUID(str(replace_id))
        except ValueError as exc:
            raise DomainError(ErrorKey.INVALID_USER, f"replaceId {replace_id}") from exc
        if replacement_pk == user.pk:
            raise DomainError(ErrorKey.INVALID_USER, "replaceId names the deleted user")
        replacement = User.objects.select_for_update().filter(pk=replacement_pk).first()
        if replacement is None:
            raise DomainError(ErrorKey.INVALID_USER, f"replaceId {replacement_pk}")
        moved = {
            f"{field.model.__name__}.{field.name}": field.model._base_manager.filter(
                **{field.name: user}
            ).update(**{field.name: replacement})
            for field in _protecting_fields()
        }
        user.delete()
    return moved


def _protecting_fields() -> Iterable[models.ForeignKey]:
    for relation in User._meta.related_objects:
        if relation.on_delete is models.PROTECT:
            yield relation.field


# --- verify, activate, deactivate -------------------------------------------------------------
def verify_user(caller: Caller | None, user_id) -> User:
    return _set_flags(caller, user_id, is_verified=True)


def activate_user(caller: Caller | None, user_id) -> User:
    return _set_flags(caller, user_id, is_active=True)


def deactivate_user(caller: Caller | None, user_id) -> User:
    """The user's tokens stop working on the next request: callers are read with their row."""
    return _set_flags(caller, user_id, is_active=False)


def _set_flags(caller: Caller | None, user_id, **flags: bool) -> User:
    with transaction.atomic():
        user = _managed_user(caller, user_id)
        for field, value in flags.items():
            setattr(user, field, value)
        user.save(update_fields=[*flags, "updated_at"])
    return user


# --- TFA and password -------------------------------------------------------------------------
def enable_user_tfa(caller: Caller | None, user_id) -> User:
    """The user must set up TFA at their next sign-in."""
    return _set_local_flags(caller, user_id, tfa_required=True)


def disable_user_tfa(caller: Caller | None, user_id) -> User:
    """TFA is neither required nor set up any more: the user's TOTP devices are deleted."""
    with transaction.atomic():
        user = _set_local_flags(caller, user_id, tfa_required=False)
        totp.remove_devices(user)
    return user


def _set_local_flags(caller: Caller | None, user_id, **flags: bool) -> User:
    with transaction.atomic():
        user = _managed_user(caller, user_id)
        if not user.has_local_credentials:
            raise DomainError(ErrorKey.INVALID_STRATEGY, f"user {user.pk} has no local password")
        for field, value in flags.items():
            setattr(user, field, value)
        user.save(update_fields=[*flags, "updated_at"])
    return user


def change_user_password(
    caller: Caller | None, user_id, new_password: str, must_change_password: bool | None = None
) -> User:
    _require_manager(caller)
    check_password_length(new_password)
    with transaction.atomic():
        user = _locked_user(user_id)
        check_may_manage(caller, user)
        user.set_password(new_password)
        fields = ["password", "updated_at"]
        if must_change_password is not None:
            user.must_change_password = bool(must_change_password)
            fields.append("must_change_password")
        user.save(update_fields=fields)
    return user
