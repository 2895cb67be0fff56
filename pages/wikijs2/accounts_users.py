"""Users of a Wiki.js 2 installation (API-v2.md §5.7), batch by batch.

Local accounts keep their password: the bcrypt hash is stored as ``wikijs2_bcrypt$<hash>``
(``accounts.hashers``), checked at the first sign-in and then stored again with Argon2. A
password set or used here since an earlier import is kept on a re-run. Accounts of other
providers get no usable password (reported): they sign in after a password reset.

An active second factor is kept when its secret is a TOTP secret this server reads (Wiki.js 2
stores it in base32): it is sealed as ours are (``accounts.totp``). Otherwise the user must set
one up again at the next sign-in (``tfa_required``), which is reported; never silently dropped.

Each batch costs the same number of queries whatever its size (the users by legacy id and by
email, their TOTP devices, then bulk writes).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from django.utils import timezone

from accounts import totp
from accounts.models import LOCAL_STRATEGY_ID, TotpDevice, User
from accounts.services import new_user_profile
from accounts.validation import DATE_FORMATS, clean_email, clean_name, timezones
from wiki import legacy_ids, secrets
from wiki.config import get_setting, update_setting
from wiki.errors import DomainError

from .accounts_common import count_present, imported_users
from .base import ImportContext, Kind
from .source import source_date

BCRYPT_HASH = re.compile(r"^\$2[aby]\$\d{2}\$[A-Za-z0-9./]{53}$")
HASH_PREFIX = "wikijs2_bcrypt$"
MIN_TOTP_SECRET_BYTES = 10  # 80 bits: shorter secrets are not worth keeping
MAX_META = 255
USER_FIELDS = [
    "email",
    "name",
    "password",
    "is_active",
    "is_verified",
    "must_change_password",
    "tfa_required",
    "meta",
    "prefs",
    "created_at",
    "last_login",
]
NOT_IMPORTED = "localeCode, defaultEditor and pictureUrl have no equivalent here"


def totp_secret(raw: Any) -> bytes | None:
    """A base32 TOTP secret (node-2fa's) as bytes, or None when it is not one."""
    if not isinstance(raw, str):
        return None
    text = raw.strip().replace(" ", "").upper().rstrip("=")
    if not text:
        return None
    try:
        secret = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        return None
    return secret if len(secret) >= MIN_TOTP_SECRET_BYTES else None


def imported_password(row: dict[str, Any]) -> str | None:
    """What a local account's hash is stored as here, or None when it is none."""
    hashed = row.get("password")
    if row.get("providerKey") == "local" and isinstance(hashed, str) and BCRYPT_HASH.match(hashed):
        return HASH_PREFIX + hashed
    return None


def _password_replaceable(user: User, owned: bool) -> bool:
    """On a re-run, a password set or used here since (no longer the imported hash) stays."""
    if not owned or user._state.adding:
        return True
    return not user.has_usable_password() or user.password.startswith(HASH_PREFIX)


class UsersKind(Kind):
    name = "users"
    table = "users"

    def import_batch(self, rows: list[dict[str, Any]], ctx: ImportContext) -> None:
        ids = [row["id"] for row in rows]
        emails = []
        for row in rows:
            try:
                emails.append(clean_email(row.get("email")))
            except DomainError:
                pass
        by_legacy = {u.legacy_id: u for u in User.objects.filter(legacy_id__in=ids)}
        by_email = {u.email: u for u in User.objects.filter(email__in=emails)}
        defaults = ctx.notes.setdefault("accounts.userDefaults", get_setting("userDefaults"))
        planned: list[tuple[dict[str, Any], User, bytes | None]] = []
        taken: set[str] = set()
        for row in rows:
            user = self._target(row, by_legacy, by_email, taken, ctx)
            if user is not None:
                secret = self._apply(row, user, defaults, ctx)
                planned.append((row, user, secret))
        existing = [user.pk for _, user, _ in planned if not user._state.adding]
        devices = {
            d.user_id: d
            for d in TotpDevice.objects.filter(user_id__in=existing, strategy_id=LOCAL_STRATEGY_ID)
        }
        created = [user for _, user, _ in planned if user._state.adding]
        new = {id(user) for user in created}
        changed = [user for _, user, _ in planned if not user._state.adding and user._changed]
        if created:
            User.objects.bulk_create(created)
        if changed:
            User.objects.bulk_update(changed, [*USER_FIELDS, "updated_at"])
        if created:
            # auto_now set the creation's updated_at to now: the source's date instead.
            User.objects.bulk_update(created, ["updated_at"])
        self._second_factors(planned, devices)
        bitmap = imported_users(ctx)
        for row, user, _ in planned:
            bitmap.add(row["id"])
            ctx.ledger.record("user", row["id"])
            if id(user) in new:
                ctx.count(self.name, "created")
            else:
                ctx.count(self.name, "updated" if user._changed else "unchanged")
        root = next((u for r, u, _ in planned if r["id"] == legacy_ids.USER_ROOT_ADMIN), None)
        if root is not None and not get_setting("auth").get("rootAdminUserId"):
            update_setting("auth", rootAdminUserId=str(root.pk))

    # --- Which row ------------------------------------------------------------------------------
    def _target(self, row, by_legacy, by_email, taken, ctx: ImportContext) -> User | None:
        user_id = row["id"]
        try:
            email = clean_email(row.get("email"))
        except DomainError:
            ctx.skip(self.name, user_id, f"the email {row.get('email')!r} is not an address")
            return None
        found = by_legacy.get(user_id)
        if user_id == legacy_ids.USER_GUEST:
            if found is None:
                ctx.skip(self.name, user_id, "this server has no guest user (legacy id 2)")
            return found
        if user_id == legacy_ids.USER_ROOT_ADMIN:
            user = found or User(legacy_id=user_id)
            if (
                found is not None
                and not ctx.ledger.owned("user", user_id)
                and (found.email != email or found.name != row.get("name"))
            ):
                ctx.adjust(
                    self.name, user_id, f"this server's root administrator {found.email} takes "
                    f"Wiki.js's root administrator's email, name and password ({email})",
                )  # fmt: skip
        elif found is not None:
            if not ctx.ledger.owned("user", user_id):
                ctx.skip(self.name, user_id, f"legacy id {user_id} belongs to {found.email} here")
                return None
            user = found
        elif ctx.ledger.usable("user", user_id):
            user = User(legacy_id=user_id)
        else:
            ctx.skip(self.name, user_id, f"legacy id {user_id} was used here before")
            return None
        holder = by_email.get(email)
        if email in taken or (holder is not None and holder.pk != user.pk):
            ctx.skip(self.name, user_id, f"the email {email} belongs to another user here")
            return None
        taken.add(email)
        user._import_email = email
        return user

    # --- What goes in it ------------------------------------------------------------------------
    def _apply(self, row, user: User, defaults: dict, ctx: ImportContext) -> bytes | None:
        """Set the row's values on ``user`` (``user._changed`` says whether any differs);
        returns the TOTP secret to keep, if any."""
        user_id = row["id"]
        before = [getattr(user, field) for field in USER_FIELDS]
        is_guest = user_id == legacy_ids.USER_GUEST
        profile = new_user_profile(defaults)
        if not is_guest:
            user.email = user._import_email
        try:
            user.name = clean_name(row.get("name"))
        except DomainError:
            local = user.email.split("@")[0]
            user.name = local if len(local) >= 2 else f"User {user_id}"
            ctx.adjust(self.name, user_id, f"named {user.name!r}: the name was too short")
        owned = ctx.ledger.owned("user", user_id)
        if not is_guest:
            active = bool(row.get("isActive"))
            if active and not user._state.adding and not user.is_active:
                # Deactivated here, or by an earlier run: a re-run never lets anyone back in.
                ctx.adjust(
                    self.name, user_id, "inactive here, so not reactivated: an administrator "
                    "can activate the account if that is meant",
                )  # fmt: skip
                active = False
            user.is_active = active
            user.is_verified = bool(row.get("isVerified"))
            user.must_change_password = bool(row.get("mustChangePwd"))
            if _password_replaceable(user, owned):
                password = imported_password(row)
                if password is not None:
                    user.password = password
                else:
                    if user._state.adding or user.has_usable_password():
                        user.set_unusable_password()  # (a random one each time: set once)
                    provider = row.get("providerKey")
                    reason = (
                        "the password hash is not a bcrypt hash"
                        if provider == "local"
                        else f"signs in through {provider!r}, which this server does not have"
                    )
                    ctx.adjust(self.name, user_id, f"no password ({reason}): reset it to sign in")
        meta = {**profile["meta"], **(user.meta or {})}
        for key in ("jobTitle", "location"):
            meta[key] = str(row.get(key) or "")[:MAX_META]
        prefs = {**profile["prefs"], **(user.prefs or {})}
        zone = row.get("timezone")
        if zone in timezones():
            prefs["timezone"] = zone
        elif zone:
            ctx.adjust(self.name, user_id, f"unknown timezone {zone!r}: {prefs['timezone']} kept")
        if row.get("dateFormat") in DATE_FORMATS:
            prefs["dateFormat"] = row["dateFormat"]
        appearance = row.get("appearance") or ""
        prefs["appearance"] = appearance if appearance in ("light", "dark") else "site"
        user.meta, user.prefs = meta, prefs
        created = source_date(row.get("createdAt"))
        if created is not None:
            user.created_at = created
        user.updated_at = source_date(row.get("updatedAt")) or timezone.now()
        user.last_login = source_date(row.get("lastLoginAt")) or user.last_login
        secret = None
        if row.get("tfaIsActive") and not is_guest:
            secret = totp_secret(row.get("tfaSecret"))
            if secret is None:
                user.tfa_required = True
                ctx.adjust(
                    self.name, user_id, "two-factor authentication was on but its secret cannot "
                    "be read here: it must be set up again at the next sign-in",
                )  # fmt: skip
        user._changed = before != [getattr(user, field) for field in USER_FIELDS]
        return secret

    def _second_factors(self, planned, devices: dict) -> None:
        """Confirmed TOTP devices holding the imported secrets (one bulk write each way)."""
        new, changed = [], []
        for _, user, secret in planned:
            if secret is None:
                continue
            device = devices.get(user.pk)
            if device is None:
                new.append(
                    TotpDevice(
                        user_id=user.pk,
                        strategy_id=LOCAL_STRATEGY_ID,
                        name=totp.DEVICE_NAME,
                        sealed_key=secrets.seal(secret, totp.SEAL_PURPOSE),
                        confirmed=True,
                    )
                )
                continue
            try:
                same = totp.secret_of(device) == secret
            except secrets.SecretUnreadable:
                same = False
            if same and device.confirmed:
                continue
            device.sealed_key = secrets.seal(secret, totp.SEAL_PURPOSE)
            device.confirmed = True
            device.last_t = -1
            changed.append(device)
            user._changed = True
        if new:
            TotpDevice.objects.bulk_create(new)
        if changed:
            TotpDevice.objects.bulk_update(changed, ["sealed_key", "confirmed", "last_t"])

    def finish(self, ctx: ImportContext) -> None:
        if ctx.source.count(self.table):
            ctx.adjust(self.name, "*", f"{NOT_IMPORTED} and were not imported")

    def target_total(self, ctx: ImportContext) -> int:
        return count_present(ctx, self.table, User.objects.all())
