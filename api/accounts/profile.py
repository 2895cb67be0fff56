"""The caller's own account and the defaults of new ones (API.md §4.3.1, §4.3.2)."""

import graphene

from accounts import directory, profile
from accounts.models import User as UserModel
from pages.lookup import roles_at_path

from ..core.context import get_caller
from ..core.execution import computed, fast_list
from ..core.operation import DefaultResponse, Outcome, WikiMutation
from ..core.scalars import UUID, Date


class UserSiteAppearance(graphene.Enum):
    site = "site"
    light = "light"
    dark = "dark"


class UserCvdChoices(graphene.Enum):
    none = "none"
    protanopia = "protanopia"
    deuteranopia = "deuteranopia"
    tritanopia = "tritanopia"


class UserLastLogin(graphene.ObjectType):
    id = UUID(description="User id.")
    name = graphene.String(description="Display name.")
    last_login_at = Date(description="When a session token was last issued.")

    @staticmethod
    def resolve_last_login_at(user, info):
        return user.last_login


# ``UserLastLogin``'s resolvers as the fast list path computes them (api/core/execution.py).
USER_LAST_LOGIN_COLUMNS = {"lastLoginAt": computed("last_login", compute=lambda value: value)}


class UserDefaults(graphene.ObjectType):
    timezone = graphene.String(description="IANA time zone name.")
    date_format = graphene.String(description="Date format, e.g. YYYY-MM-DD.")
    time_format = graphene.String(description="12h or 24h.")


def _defaults(values: dict) -> UserDefaults:
    return UserDefaults(
        timezone=values["timezone"],
        date_format=values["dateFormat"],
        time_format=values["timeFormat"],
    )


class ProfileQueries(graphene.ObjectType):
    last_logins = graphene.List(
        UserLastLogin,
        description="The 10 most recent sign-ins, newest first. Needs read:dashboard, "
        "read:users, write:users or manage:users.",
    )
    user_permissions = graphene.List(
        graphene.String,
        description="Your global permissions (an API key's: its groups'). Not for guests.",
    )
    user_permissions_at_path = graphene.List(
        graphene.String,
        site_id=graphene.Argument(UUID, required=True, description="Site of the location."),
        path=graphene.String(required=True, description="Location, read as pageByPath reads it."),
        description="The page roles you hold at a location, in canonical order. Any caller.",
    )
    user_defaults = graphene.Field(
        UserDefaults,
        description="Preferences new accounts start with. Needs read:users, write:users, "
        "manage:users or manage:groups.",
    )

    @staticmethod
    @fast_list(UserModel, computed=USER_LAST_LOGIN_COLUMNS)
    def resolve_last_logins(root, info):
        return directory.last_logins(get_caller(info))

    @staticmethod
    def resolve_user_permissions(root, info):
        return directory.user_permissions(get_caller(info))

    @staticmethod
    def resolve_user_permissions_at_path(root, info, site_id, path):
        return roles_at_path(get_caller(info), site_id, path)

    @staticmethod
    def resolve_user_defaults(root, info):
        return _defaults(profile.user_defaults(get_caller(info)))


def _text(value):
    """An enum argument as its text (graphene may hand over the member)."""
    return getattr(value, "value", value)


class UpdateProfile(WikiMutation):
    """Change your own name, profile texts and preferences; absent ones stay."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        name = graphene.String(description="Display name, 2-255 characters after trimming.")
        location = graphene.String(description="Where you are (up to 255 characters).")
        job_title = graphene.String(description="Your job title (up to 255 characters).")
        pronouns = graphene.String(description="Your pronouns (up to 255 characters).")
        timezone = graphene.String(description="IANA time zone name.")
        date_format = graphene.String(
            description='"", DD/MM/YYYY, DD.MM.YYYY, MM/DD/YYYY, YYYY-MM-DD or YYYY/MM/DD.'
        )
        time_format = graphene.String(description="12h or 24h.")
        appearance = UserSiteAppearance(description="site, light or dark.")
        cvd = UserCvdChoices(description="Colour vision deficiency setting.")

    success_message = "Profile updated successfully."

    @classmethod
    def perform(cls, root, info, **arguments) -> Outcome:
        changes = profile.ProfileChanges(
            **{name: _text(value) for name, value in arguments.items()}
        )
        profile.update_profile(get_caller(info), changes)
        return Outcome()


class UpdateUserDefaults(WikiMutation):
    """Replace the preferences new accounts start with."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        timezone = graphene.String(required=True, description="IANA time zone name.")
        date_format = graphene.String(
            required=True,
            description='"", DD/MM/YYYY, DD.MM.YYYY, MM/DD/YYYY, YYYY-MM-DD or YYYY/MM/DD.',
        )
        time_format = graphene.String(required=True, description="12h or 24h.")

    success_message = "User defaults updated successfully."

    @classmethod
    def perform(cls, root, info, timezone, date_format, time_format) -> Outcome:
        profile.update_user_defaults(
            get_caller(info), timezone=timezone, date_format=date_format, time_format=time_format
        )
        return Outcome()


class ProfileMutations(graphene.ObjectType):
    update_profile = UpdateProfile.Field(description="Change your own profile. Signed-in users.")
    update_user_defaults = UpdateUserDefaults.Field(
        description="Change new accounts' preferences. Needs manage:users or manage:groups."
    )
