"""The ``users`` namespace of ``/graphql`` (API-v2.md §3.3).

Each operation converts its arguments (legacy ids, Wiki.js 2's empty strings), checks its gate
and calls the services ``/_graphql`` calls; failures are rendered per §2.6-§2.8: queries raise
(G), mutations report in ``responseResult`` (R).
"""

from __future__ import annotations

import graphene
from django.db.models import Prefetch, prefetch_related_objects

from accounts import (
    directory,
    profile,
    registration,
    scopes,
    services,
    sessions,
    tokens,
    user_admin,
)
from accounts.models import LOCAL_STRATEGY_ID
from accounts.models import Group as GroupModel
from accounts.models import User as UserModel
from accounts.signin import change_own_password
from accounts.validation import name_problem, password_problem
from wiki.errors import DomainError, ErrorKey
from wiki.legacy_ids import USER_GUEST, USER_ROOT_ADMIN
from wiki.sites import site_for_request

from ..core.context import client_address, get_caller
from ..core.cost import list_cap
from .dialect import (
    AUTH_REQUIRED,
    DEFAULT_CLASSES,
    FORBIDDEN,
    INPUT_INVALID,
    MAIL_GENERIC,
    SYSTEM_GENERIC,
    USER_DELETE_PROTECTED,
    DefaultResponse,
    V2Error,
    failed,
    raising,
    reporting,
)
from .gates import SYSTEM, gate
from .user_types import (
    User,
    UserLastLogin,
    UserMinimal,
    UserProfile,
    UserResponse,
    UserTokenResponse,
)

WRITE_USERS_GATE = (scopes.WRITE_USERS, scopes.MANAGE_USERS, SYSTEM)
READ_GATE = (
    scopes.WRITE_GROUPS,
    scopes.MANAGE_GROUPS,
    scopes.WRITE_USERS,
    scopes.MANAGE_USERS,
    SYSTEM,
)
MANAGE_GATE = (scopes.MANAGE_USERS, SYSTEM)
SYSTEM_ACCOUNTS = (USER_ROOT_ADMIN, USER_GUEST)

CREATE_ELEVATION = (
    "You are not authorized to create a user with an assignment to an administrative group."
)
UPDATE_ELEVATION = (
    "You are not authorized to modify / assign a user from / to an administrative group."
)
INVALID_GROUP_ID = "Invalid Group ID"
CANNOT_DEACTIVATE_SYSTEM = "Cannot deactivate system accounts."
INVALID_EMAIL = "Email is not a valid email"
SHORT_PASSWORD = "Password must be at least 8 characters!"  # noqa: S105 - a message
# §2.8: ``users.create`` names the field and the rule that failed.
CREATE_FIELD_MESSAGES = {
    ("passwordRaw", "blank"): "Password raw can't be blank",
    ("passwordRaw", "short"): "Password raw is too short (minimum is 8 characters)",
    ("name", "blank"): "Name can't be blank",
    ("name", "short"): "Name is too short (minimum is 2 characters)",
    ("name", "long"): "Name is too long (maximum is 255 characters)",
}
# Wiki.js 2's appearance: ``""`` is the site's (stored ``site``), §5.7.
APPEARANCE_FROM_V2 = {"": "site"}


def _denied(message: str) -> dict:
    """A refusal (forbidden, or its guest twin) rendered as one plain message (§2.5)."""
    return {ErrorKey.FORBIDDEN: message, ErrorKey.NOT_AUTHENTICATED: message}


SELF_SERVICE = {ErrorKey.NOT_AUTHENTICATED: AUTH_REQUIRED}


def _text(value: str | None) -> str | None:
    """A Wiki.js 2 optional text: applied only when non-empty (trimmed)."""
    if value is None:
        return None
    return value.strip() or None


def _with_groups(user: UserModel) -> UserModel:
    """``user`` with its groups read in one query, by name as ``User.groups`` lists them."""
    prefetch_related_objects(
        [user], Prefetch("groups", queryset=GroupModel.objects.order_by("name", "legacy_id"))
    )
    return user


def _fresh_session(info) -> str:
    """A new session token for the caller's session, signed in the same ways."""
    return sessions.renew_session(tokens.token_from_request(info.context))


class UserQuery(graphene.ObjectType):
    """Reading users."""

    list = graphene.List(
        UserMinimal,
        filter=graphene.String(description="Name or email contains this (case-insensitive)."),
        order_by=graphene.String(description="id, email, name, createdAt or lastLoginAt."),
        description="All users. Gate: write:users, manage:users, manage:system.",
    )
    search = graphene.List(
        UserMinimal,
        query=graphene.String(required=True, description="Email or name contains this."),
        description="At most 10 matching users. Gate: write:groups, manage:groups, "
        "write:users, manage:users, manage:system.",
    )
    single = graphene.Field(
        User,
        id=graphene.Int(required=True, description="Legacy user id."),
        description="One user. Gate: manage:users, manage:system.",
    )
    profile = graphene.Field(UserProfile, description="Your own profile. Signed-in users.")
    last_logins = graphene.List(
        UserLastLogin,
        description="The 10 most recent sign-ins. Gate: write:groups, manage:groups, "
        "write:users, manage:users, manage:system.",
    )

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_list(root, info, filter=None, order_by=None):
        caller = gate(info, *WRITE_USERS_GATE)
        users = directory.list_users_by_legacy_order(caller, text_filter=filter, order_by=order_by)
        return users[: list_cap()]  # bounded as /_graphql's users list (docs/api-v2/users.md)

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_search(root, info, query):
        return directory.search_users(gate(info, *READ_GATE), query)

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_single(root, info, id):
        caller = gate(info, *MANAGE_GATE)
        user_id = directory.user_id_by_legacy_id(id)
        return _with_groups(directory.get_user(caller, user_id))

    @staticmethod
    @raising(generic=SYSTEM_GENERIC, overrides=SELF_SERVICE)
    def resolve_profile(root, info):
        return _with_groups(profile.own_profile(get_caller(info)))

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_last_logins(root, info):
        return directory.last_logins(gate(info, *READ_GATE))


def _create_failure(error: DomainError, name: str, password_raw: str | None) -> V2Error | None:
    """§2.8: which field of ``users.create`` failed validation, in the service's order."""
    if error.key == ErrorKey.EMAIL_ADDRESS_NOT_ALLOWED:
        return V2Error(INPUT_INVALID, INVALID_EMAIL)
    if error.key not in (ErrorKey.INVALID_INPUT, ErrorKey.PASSWORD_TOO_SHORT):
        return None
    for field, problem in (
        ("passwordRaw", password_problem(password_raw)),
        ("name", name_problem(name)),
    ):
        if problem is not None:
            return V2Error(INPUT_INVALID, CREATE_FIELD_MESSAGES[(field, problem)])
    return V2Error(INPUT_INVALID)


def _created(response_result, user=None, mail_error: ErrorKey | None = None) -> UserResponse:
    """``users.create``'s answer: a failed welcome mail leaves the user created (§3.3)."""
    if mail_error is not None:
        response_result = failed(V2Error(DEFAULT_CLASSES.get(mail_error, MAIL_GENERIC)))
    return UserResponse(response_result=response_result, user=user)


def _update_failure(error: DomainError) -> V2Error | None:
    if error.key == ErrorKey.EMAIL_ADDRESS_NOT_ALLOWED:
        return V2Error(INPUT_INVALID, INVALID_EMAIL)
    if error.key == ErrorKey.PASSWORD_TOO_SHORT:
        return V2Error(INPUT_INVALID, SHORT_PASSWORD)
    return None


def _user_patch(arguments: dict) -> user_admin.UserPatch:
    """``users.update``'s arguments as a patch, applied as Wiki.js 2 applies them (§3.3)."""
    meta = {
        key: value
        for key, value in (
            ("location", _text(arguments.get("location"))),
            ("jobTitle", _text(arguments.get("job_title"))),
        )
        if value is not None
    }
    prefs = {}
    if _text(arguments.get("timezone")) is not None:
        prefs["timezone"] = _text(arguments["timezone"])
    if arguments.get("date_format") is not None:
        prefs["dateFormat"] = arguments["date_format"].strip()
    if arguments.get("appearance") is not None:
        appearance = arguments["appearance"].strip()
        prefs["appearance"] = APPEARANCE_FROM_V2.get(appearance, appearance)
    groups = arguments.get("groups")
    return user_admin.UserPatch(
        email=_text(arguments.get("email")),
        name=_text(arguments.get("name")),
        group_ids=directory.legacy_group_refs(groups) if groups is not None else None,
        meta_changes=meta or None,
        prefs_changes=prefs or None,
    )


def _by_id_operation(service, success: str, *, pre_check: str | None = None):
    """``verify``, ``activate``, ``deactivate``, ``enableTFA``, ``disableTFA``: one id."""

    @reporting(success, generic=SYSTEM_GENERIC, overrides=_denied(FORBIDDEN))
    def resolve(root, info, id):
        caller = gate(info, *MANAGE_GATE)
        if pre_check is not None and id in SYSTEM_ACCOUNTS:
            raise V2Error(pre_check)
        service(caller, directory.user_id_by_legacy_id(id))
        return {}

    return resolve


def _by_id_field(resolve, description: str, name: str | None = None) -> graphene.Field:
    return graphene.Field(
        DefaultResponse,
        id=graphene.Int(required=True, description="Legacy user id."),
        resolver=resolve,
        description=description,
        **({"name": name} if name else {}),
    )


_MANAGED = " Gate: manage:users, manage:system."


class UserMutation(graphene.ObjectType):
    """Changing users."""

    create = graphene.Field(
        UserResponse,
        email=graphene.String(required=True, description="Sign-in email."),
        name=graphene.String(required=True, description="Display name, 2-255 characters."),
        password_raw=graphene.String(description="Initial password, at least 8 characters."),
        provider_key=graphene.String(
            required=True, description="local (or the local strategy's id)."
        ),
        groups=graphene.List(
            graphene.Int, required=True, description="Legacy group ids; Users is always added."
        ),
        must_change_password=graphene.Boolean(description="Require a new password at login."),
        send_welcome_email=graphene.Boolean(description="Mail the account details."),
        description="Create a local user. Gate: write:users, manage:users, manage:system.",
    )
    update = graphene.Field(
        DefaultResponse,
        id=graphene.Int(required=True, description="Legacy user id."),
        email=graphene.String(description="New email (applied when non-empty)."),
        name=graphene.String(description="New name (applied when non-empty)."),
        new_password=graphene.String(description="New password (applied when non-empty)."),
        groups=graphene.List(graphene.Int, description="Legacy group ids; replace the set."),
        location=graphene.String(description="Location (applied when non-empty)."),
        job_title=graphene.String(description="Job title (applied when non-empty)."),
        timezone=graphene.String(description="IANA time zone (applied when non-empty)."),
        date_format=graphene.String(description="Date format (applied when given)."),
        appearance=graphene.String(description='light, dark or "" (applied when given).'),
        description="Update a user; all parts or none." + _MANAGED,
    )
    delete = graphene.Field(
        DefaultResponse,
        id=graphene.Int(required=True, description="Legacy id of the user to delete."),
        replace_id=graphene.Int(
            required=True, description="Legacy id of the user who takes over their content."
        ),
        description="Delete a user." + _MANAGED,
    )
    verify = _by_id_field(
        _by_id_operation(user_admin.verify_user, "User verified successfully"),
        "Mark a user's email verified." + _MANAGED,
    )
    activate = _by_id_field(
        _by_id_operation(user_admin.activate_user, "User activated successfully"),
        "Let a user sign in." + _MANAGED,
    )
    deactivate = _by_id_field(
        _by_id_operation(
            user_admin.deactivate_user,
            "User deactivated successfully",
            pre_check=CANNOT_DEACTIVATE_SYSTEM,
        ),
        "Stop a user signing in." + _MANAGED,
    )
    enable_tfa = _by_id_field(
        _by_id_operation(user_admin.enable_user_tfa, "User 2FA enabled successfully"),
        "Require TFA setup at the user's next login." + _MANAGED,
        name="enableTFA",
    )
    disable_tfa = _by_id_field(
        _by_id_operation(user_admin.disable_user_tfa, "User 2FA disabled successfully"),
        "Turn a user's TFA off." + _MANAGED,
        name="disableTFA",
    )
    reset_password = graphene.Field(
        DefaultResponse,
        id=graphene.Int(required=True, description="Legacy user id."),
        description="Mail the user a password reset link." + _MANAGED,
    )
    update_profile = graphene.Field(
        UserTokenResponse,
        name=graphene.String(required=True, description="Display name (applied when non-empty)."),
        location=graphene.String(required=True, description="Location (applied when non-empty)."),
        job_title=graphene.String(required=True, description="Job title (applied when non-empty)."),
        timezone=graphene.String(
            required=True, description="IANA time zone (applied when non-empty)."
        ),
        date_format=graphene.String(required=True, description='Date format; "" = the site\'s.'),
        appearance=graphene.String(required=True, description='light, dark or "" (the site\'s).'),
        description="Change your own profile. Signed-in users, not API keys.",
    )
    change_password = graphene.Field(
        UserTokenResponse,
        current=graphene.String(required=True, description="Your current password."),
        new=graphene.String(required=True, description="The new one, at least 8 characters."),
        description="Change your own password. Signed-in users, not API keys.",
    )

    @staticmethod
    @reporting(
        "User created successfully",
        generic=SYSTEM_GENERIC,
        overrides={**_denied(CREATE_ELEVATION), ErrorKey.INVALID_GROUP: INVALID_GROUP_ID},
        output=_created,
    )
    def resolve_create(root, info, email, name, provider_key, groups, **arguments):
        caller = gate(info, *WRITE_USERS_GATE)
        password_raw = arguments.get("password_raw")
        try:
            created = services.create_user(
                caller,
                email=email,
                name=name,
                password_raw=password_raw,
                provider_key=provider_key,
                group_ids=directory.legacy_group_refs(groups),
                must_change_password=bool(arguments.get("must_change_password")),
                send_welcome_email=bool(arguments.get("send_welcome_email")),
                request_site=site_for_request(info.context),
            )
        except DomainError as error:
            raise _create_failure(error, name, password_raw) or error from None
        return {"user": created.user, "mail_error": created.mail_error}

    @staticmethod
    @reporting(
        "User updated successfully",
        generic=SYSTEM_GENERIC,
        overrides={**_denied(UPDATE_ELEVATION), ErrorKey.INVALID_GROUP: INVALID_GROUP_ID},
    )
    def resolve_update(root, info, id, **arguments):
        caller = gate(info, *MANAGE_GATE)
        user_id = directory.user_id_by_legacy_id(id)
        new_password = arguments.get("new_password") or None
        try:
            user_admin.update_user_and_password(
                caller, user_id, _user_patch(arguments), new_password
            )
        except DomainError as error:
            raise _update_failure(error) or error from None
        return {}

    @staticmethod
    @reporting(
        "User deleted successfully",
        generic=SYSTEM_GENERIC,
        overrides={
            ErrorKey.FORBIDDEN: USER_DELETE_PROTECTED,
            ErrorKey.NOT_AUTHENTICATED: USER_DELETE_PROTECTED,
        },
    )
    def resolve_delete(root, info, id, replace_id):
        caller = gate(info, *MANAGE_GATE)
        if id in SYSTEM_ACCOUNTS:
            raise V2Error(USER_DELETE_PROTECTED)
        user_id = directory.user_id_by_legacy_id(id)
        user_admin.delete_user(caller, user_id, directory.legacy_user_ref(replace_id))
        return {}

    @staticmethod
    @reporting("Password reset email sent.", generic=SYSTEM_GENERIC, overrides=_denied(FORBIDDEN))
    def resolve_reset_password(root, info, id):
        caller = gate(info, *MANAGE_GATE)
        registration.send_password_reset(
            caller, directory.user_id_by_legacy_id(id), site=site_for_request(info.context)
        )
        return {}

    @staticmethod
    @reporting(
        "User profile updated successfully",
        generic=SYSTEM_GENERIC,
        overrides=SELF_SERVICE,
        output=UserTokenResponse,
    )
    def resolve_update_profile(root, info, name, location, job_title, timezone, **arguments):
        appearance = arguments["appearance"].strip()
        changes = profile.ProfileChanges(
            name=_text(name),
            location=_text(location),
            job_title=_text(job_title),
            timezone=_text(timezone),
            date_format=arguments["date_format"].strip(),
            appearance=APPEARANCE_FROM_V2.get(appearance, appearance),
        )
        profile.update_profile(get_caller(info), changes)
        return {"jwt": _fresh_session(info)}

    @staticmethod
    @reporting(
        "Password changed successfully",
        generic=SYSTEM_GENERIC,
        overrides=SELF_SERVICE,
        output=UserTokenResponse,
    )
    def resolve_change_password(root, info, current, new):
        caller = get_caller(info)
        profile.check_own_account(caller)
        try:
            change_own_password(
                caller,
                current_password=current,
                new_password=new,
                strategy_id=LOCAL_STRATEGY_ID,
                client_address=client_address(info),
            )
        except DomainError as error:
            if error.key == ErrorKey.PASSWORD_TOO_SHORT:
                raise V2Error(INPUT_INVALID, SHORT_PASSWORD) from None
            raise
        return {"jwt": _fresh_session(info)}
