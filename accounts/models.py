"""Users, groups, memberships, authentication strategies and API keys (API.md §5)."""

import uuid
from functools import cached_property

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from wiki import legacy_ids
from wiki.config import get_setting, update_setting
from wiki.indexes import NullsOrderIndex

from . import scopes

# Fixed identities of the installation (API.md §3.3).
USERS_GROUP_ID = uuid.UUID("20000000-0000-4000-8000-000000000002")
GUESTS_GROUP_ID = uuid.UUID("10000000-0000-4000-8000-000000000001")
LOCAL_STRATEGY_ID = uuid.UUID("5a528c4c-0a82-4ad2-96a5-2b23811e6588")
GUEST_EMAIL = "guest@example.com"


class LegacyIdMixin(models.Model):
    """A stable integer id beside the UUID, for Wiki.js 2 clients (API-v2.md §1.6)."""

    legacy_id = models.PositiveBigIntegerField(unique=True, editable=False, null=True)
    legacy_kind = ""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.legacy_id is None:
            self.legacy_id = legacy_ids.allocate(self.legacy_kind)
        super().save(*args, **kwargs)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email: str):
        return self.get(email=str(email).strip().lower())

    def create_user(self, email: str, password: str | None = None, **fields):
        """Low-level creation used by the admin and management commands.

        The API goes through ``accounts.services.create_user``, which validates the contract
        rules; this only normalises and saves.
        """
        user = self.model(email=str(email).strip().lower(), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    # The administrator rules live here, below the services, because Django's createsuperuser
    # calls this manager; ``accounts.services`` exposes them to everything else.
    def root_admin(self):
        """The root administrator: API-key changes are attributed to it (API.md §1.4)."""
        user_id = get_setting("auth").get("rootAdminUserId")
        return self.filter(pk=user_id).first() if user_id else None

    def make_administrator(self, user) -> None:
        """Add ``user`` to Administrators and Users; the first one becomes root administrator."""
        with transaction.atomic(using=self._db):
            user.groups.add(Group.objects.administrators(), USERS_GROUP_ID)
            if self.root_admin() is None:
                update_setting("auth", rootAdminUserId=str(user.pk))
        user.__dict__.pop("global_permissions", None)

    def _legacy_id_for_new_superuser(self) -> int | None:
        """The first root administrator gets Wiki.js 2's user id 1 (API-v2.md §1.6)."""
        if self.root_admin() is not None or self.filter(legacy_id=1).exists():
            return None
        # Once handed out, id 1 stays spent even if that administrator is deleted later.
        if legacy_ids.claim_reserved("user", legacy_ids.USER_ROOT_ADMIN):
            return legacy_ids.USER_ROOT_ADMIN
        return None

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("name", email.split("@")[0])
        fields.setdefault("is_active", True)
        fields.setdefault("is_verified", True)
        with transaction.atomic(using=self._db):
            # The first root administrator takes Wiki.js 2's user id 1.
            if fields.get("legacy_id") is None:
                fields["legacy_id"] = self._legacy_id_for_new_superuser()
            user = self.create_user(email, password, **fields)
            self.make_administrator(user)
        return user


class GroupManager(models.Manager):
    def administrators(self) -> "Group":
        """The root administrators' group (the ``auth`` setting names it)."""
        group_id = get_setting("auth").get("rootAdminGroupId")
        group = self.filter(pk=group_id).first() if group_id else None
        if group is None:
            raise self.model.DoesNotExist(
                "the Administrators group is missing; run manage.py migrate"
            )
        return group


class Group(LegacyIdMixin):
    """A set of global permissions and ordered page rules (API.md §3.2)."""

    legacy_kind = "group"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    permissions = models.JSONField(default=list, blank=True)
    rules = models.JSONField(default=list, blank=True)
    redirect_on_login = models.CharField(max_length=255, blank=True, default="")
    redirect_on_first_login = models.CharField(max_length=255, blank=True, default="")
    redirect_on_logout = models.CharField(max_length=255, blank=True, default="")
    is_system = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GroupManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(LegacyIdMixin, AbstractBaseUser):
    """A wiki account. Signs in with its email; the password is the local strategy's."""

    legacy_kind = "user"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=255, unique=True)
    name = models.CharField(max_length=255)
    is_active = models.BooleanField(default=False)
    is_verified = models.BooleanField(default=False)
    is_system = models.BooleanField(default=False)
    has_avatar = models.BooleanField(default=False)
    # Local-strategy credential flags (API.md §5 ``auth``); the hash is Django's ``password``.
    must_change_password = models.BooleanField(default=False)
    restrict_login = models.BooleanField(default=False)
    tfa_required = models.BooleanField(default=False)
    meta = models.JSONField(default=dict, blank=True)
    prefs = models.JSONField(default=dict, blank=True)
    groups = models.ManyToManyField(Group, through="Membership", related_name="users", blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # AbstractBaseUser's ``last_login`` is the contract's ``lastLoginAt``.
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    objects = UserManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            # Emails are stored lowercase; this also holds for rows written around the services.
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]
        # Each ordering of ``users`` with its id tie-break (accounts.directory); email is unique.
        indexes = [
            models.Index(fields=["name", "id"], name="user_name_id_idx"),
            models.Index(fields=["created_at", "id"], name="user_created_id_idx"),
            models.Index(fields=["updated_at", "id"], name="user_updated_id_idx"),
            NullsOrderIndex(
                F("last_login").asc(nulls_first=True), F("id").asc(), name="user_last_login_id_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def has_local_credentials(self) -> bool:
        return self.has_usable_password()

    @cached_property
    def global_permissions(self) -> frozenset[str]:
        """Union of the permissions of the user's groups (read once per instance)."""
        granted: set[str] = set()
        for permissions in self.groups.values_list("permissions", flat=True):
            granted.update(permissions or [])
        return frozenset(granted)

    # --- Django admin integration: the admin area is gated by scopes, not Django perms. ---
    @property
    def is_staff(self) -> bool:
        return self.is_active and bool(
            self.global_permissions & {scopes.ACCESS_ADMIN, scopes.MANAGE_SYSTEM}
        )

    @property
    def is_superuser(self) -> bool:
        return self.is_active and scopes.MANAGE_SYSTEM in self.global_permissions

    def has_perm(self, perm: str, obj=None) -> bool:
        if not self.is_active:
            return False
        if scopes.MANAGE_SYSTEM in self.global_permissions:
            return True
        app_label, _, codename = perm.partition(".")
        needed = ADMIN_SCOPE_BY_MODEL.get(codename.rpartition("_")[2])
        return needed is not None and needed in self.global_permissions

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        if not self.is_active:
            return False
        if scopes.MANAGE_SYSTEM in self.global_permissions:
            return True
        return bool(set(ADMIN_SCOPE_BY_MODEL.values()) & self.global_permissions)


# Which global scope opens which admin model to a non-root administrator.
ADMIN_SCOPE_BY_MODEL = {
    "user": scopes.MANAGE_USERS,
    "membership": scopes.MANAGE_GROUPS,
    "group": scopes.MANAGE_GROUPS,
    "apikey": scopes.MANAGE_API,
    "site": scopes.MANAGE_SITES,
}


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="membership_unique_user_group")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


class AuthStrategy(models.Model):
    """A configured authentication strategy; only ``local`` exists (API.md §4.5.1)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    module = models.CharField(max_length=64)
    display_name = models.CharField(max_length=255)
    is_enabled = models.BooleanField(default=True)
    config = models.JSONField(default=dict, blank=True)
    registration = models.BooleanField(default=False)
    allowed_email_regex = models.CharField(max_length=255, blank=True, default="")
    auto_enroll_groups = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "authentication strategies"

    def __str__(self) -> str:
        return self.display_name


class ApiKey(LegacyIdMixin):
    """An API key's row. The key itself is never stored: only its tail and a digest (§1.4)."""

    legacy_kind = "apikey"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    key_short = models.CharField(max_length=32)
    key_digest = models.CharField(max_length=64, unique=True)
    group_ids = models.JSONField(default=list)
    expiration = models.DateTimeField()
    is_revoked = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["is_revoked", "name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_short})"

    @property
    def is_expired(self) -> bool:
        return self.expiration <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired


class AccessVersion(models.Model):
    """One row whose ``value`` changes with every write to groups, memberships or sites.

    Database triggers (migrations 0004 and 0008) set it to a fresh random number on each
    insert, update or delete of a group, a membership or a site, inside the writing
    transaction, whatever did the write: a service, the admin, a queryset ``update()``,
    ``loaddata`` or raw SQL. Processes keep the access policies derived from groups for as
    long as it is unchanged (``accounts.access_cache``), and the browser's page views their
    sites (``wiki.sites.SiteTable``). Random rather than incremented, so that a rolled-back
    write can never hand out a value that a later write reuses with other data.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"access version {self.value}"


class UserKey(models.Model):
    """A single-use validation (continuation) token (API.md §4.5.2).

    Only the token's SHA-256 digest is stored: a copy of the database yields no password-reset
    or sign-in continuation that could be used.
    """

    class Kind(models.TextChoices):
        VERIFY = "verify"
        RESET_PASSWORD = "resetPwd"  # noqa: S105 - a kind name
        CHANGE_PASSWORD = "changePwd"  # noqa: S105 - a kind name
        TFA = "tfa"
        TFA_SETUP = "tfaSetup"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="validation_keys")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    token_digest = models.CharField(max_length=64, unique=True)
    # The strategy for tfa, tfaSetup and changePwd tokens: {"strategyId": "..."}.
    meta = models.JSONField(default=dict, blank=True)
    valid_until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["valid_until"], name="userkey_valid_until_idx")]

    def __str__(self) -> str:
        return f"{self.kind} key of {self.user_id}"


class TotpDevice(TimestampMixin, ThrottlingMixin, Device):
    """A user's TOTP authenticator for one strategy (django-otp device).

    ``confirmed`` is the contract's ``tfaIsActive``; the 160-bit secret is sealed with a key
    derived from SECRET_KEY (``wiki.secrets``), never stored in clear. ``last_t`` is the
    time step of the last accepted code, so each code is accepted once.
    """

    strategy_id = models.UUIDField(default=LOCAL_STRATEGY_ID)
    sealed_key = models.TextField()
    last_t = models.BigIntegerField(default=-1)

    class Meta:
        verbose_name = "TOTP device"
        constraints = [
            models.UniqueConstraint(fields=["user", "strategy_id"], name="totp_user_strategy")
        ]

    def get_throttle_factor(self) -> int:
        return 1


class Passkey(models.Model):
    """A registered WebAuthn credential (API.md §4.5.6, §5 ``passkeys.authenticators``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkey_set")
    # base64url credential id: the contract's passkey ``id``; one credential, one account.
    credential_id = models.CharField(max_length=1024, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    name = models.CharField(max_length=255)
    site_id = models.UUIDField(null=True, blank=True)
    rp_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"


class PasskeyChallenge(models.Model):
    """A pending WebAuthn ceremony: at most one registration and one sign-in per user."""

    class Purpose(models.TextChoices):
        REGISTRATION = "reg"
        LOGIN = "login"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkey_challenges")
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    challenge = models.CharField(max_length=255)
    rp_id = models.CharField(max_length=255)
    site_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"], name="passkey_challenge_user_purpose"
            )
        ]
