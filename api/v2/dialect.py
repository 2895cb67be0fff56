"""How failures and outcomes look on ``/graphql`` (API-v2.md §2).

A failure is a ``V2Error``: either a *classed* error (Wiki.js 2's error classes, each with a
numeric code and a message) or a *plain* one (a message only). Mutations report it inside
``responseResult`` (R, §2.3); queries, gates and group mutations raise it as a GraphQL error
(G, §2.4), which the endpoint formats (``view.format_v2_error``).

Domain failures arrive as ``DomainError`` with a contract key; ``from_domain`` renders one for
an operation, which names the classes its keys become where they differ from the table of §2.6.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import graphene

from wiki.db_unavailable import is_database_unavailable
from wiki.errors import DomainError, ErrorKey
from wiki.rate_limits import RateLimited
from wiki.text import holds_unstorable_text

from ..core.deadline import is_statement_timeout
from ..core.errors import log_unexpected

logger = logging.getLogger("api")


@dataclass(frozen=True)
class ErrorClass:
    """One of Wiki.js 2's error classes (API-v2.md §2.6)."""

    name: str
    code: int
    message: str


AUTH_GENERIC = ErrorClass("AuthGenericError", 1001, "An unexpected error occured during login.")
AUTH_LOGIN_FAILED = ErrorClass("AuthLoginFailed", 1002, "Invalid email / username or password.")
AUTH_PROVIDER_INVALID = ErrorClass("AuthProviderInvalid", 1003, "Invalid authentication provider.")
AUTH_ACCOUNT_ALREADY_EXISTS = ErrorClass(
    "AuthAccountAlreadyExists", 1004, "An account already exists using this email address."
)
AUTH_TFA_FAILED = ErrorClass("AuthTFAFailed", 1005, "Incorrect TFA Security Code.")
AUTH_TFA_INVALID = ErrorClass("AuthTFAInvalid", 1006, "Invalid TFA Security Code or Login Token.")
AUTH_REGISTRATION_DISABLED = ErrorClass(
    "AuthRegistrationDisabled",
    1010,
    "Registration is disabled. Contact your system administrator.",
)
AUTH_REGISTRATION_DOMAIN_UNAUTHORIZED = ErrorClass(
    "AuthRegistrationDomainUnauthorized",
    1011,
    "You are not authorized to register. Your domain is not whitelisted.",
)
INPUT_INVALID = ErrorClass("InputInvalid", 1012, "Input data is invalid.")
AUTH_ACCOUNT_BANNED = ErrorClass("AuthAccountBanned", 1013, "Your account has been disabled.")
AUTH_ACCOUNT_NOT_VERIFIED = ErrorClass(
    "AuthAccountNotVerified", 1014, "You must verify your account before your can login."
)
AUTH_VALIDATION_TOKEN_INVALID = ErrorClass(
    "AuthValidationTokenInvalid", 1015, "Invalid validation token."
)
USER_NOT_FOUND = ErrorClass("UserNotFound", 1016, "This user does not exist.")
USER_DELETE_PROTECTED = ErrorClass(
    "UserDeleteProtected", 1018, "Cannot delete a protected system account."
)
AUTH_REQUIRED = ErrorClass(
    "AuthRequired", 1019, "You must be authenticated to access this resource."
)
AUTH_PASSWORD_INVALID = ErrorClass("AuthPasswordInvalid", 1020, "Password is incorrect.")
MAIL_GENERIC = ErrorClass(
    "MailGenericError", 3001, "An unexpected error occured during mail operation."
)
MAIL_NOT_CONFIGURED = ErrorClass(
    "MailNotConfigured", 3002, "The mail configuration is incomplete or invalid."
)
MAIL_TEMPLATE_FAILED = ErrorClass("MailTemplateFailed", 3003, "Mail template failed to load.")
PAGE_GENERIC = ErrorClass(
    "PageGenericError", 6001, "An unexpected error occured during a page operation."
)
PAGE_DUPLICATE_CREATE = ErrorClass(
    "PageDuplicateCreate",
    6002,
    "Cannot create this page because an entry already exists at the same path.",
)
PAGE_NOT_FOUND = ErrorClass("PageNotFound", 6003, "This page does not exist.")
PAGE_EMPTY_CONTENT = ErrorClass("PageEmptyContent", 6004, "Page content cannot be empty.")
PAGE_ILLEGAL_PATH = ErrorClass(
    "PageIllegalPath", 6005, "Page path cannot contains illegal characters."
)
PAGE_PATH_COLLISION = ErrorClass("PagePathCollision", 6006, "Destination page path already exists.")
PAGE_MOVE_FORBIDDEN = ErrorClass(
    "PageMoveForbidden", 6007, "You are not authorized to move this page."
)
PAGE_CREATE_FORBIDDEN = ErrorClass(
    "PageCreateForbidden", 6008, "You are not authorized to create this page."
)
PAGE_UPDATE_FORBIDDEN = ErrorClass(
    "PageUpdateForbidden", 6009, "You are not authorized to update this page."
)
PAGE_DELETE_FORBIDDEN = ErrorClass(
    "PageDeleteForbidden", 6010, "You are not authorized to delete this page."
)
PAGE_RESTORE_FORBIDDEN = ErrorClass(
    "PageRestoreForbidden", 6011, "You are not authorized to restore this page version."
)
PAGE_HISTORY_FORBIDDEN = ErrorClass(
    "PageHistoryForbidden", 6012, "You are not authorized to view the history of this page."
)
PAGE_VIEW_FORBIDDEN = ErrorClass(
    "PageViewForbidden", 6013, "You are not authorized to view this page."
)
SYSTEM_GENERIC = ErrorClass("SystemGenericError", 7001, "An unexpected error occured.")

# Every class the server produces, by name (the reference's table is tested against this).
ERROR_CLASSES: dict[str, ErrorClass] = {
    value.name: value for value in list(globals().values()) if isinstance(value, ErrorClass)
}

# The plain message of a failed gate (§2.5) and of refused user operations (§2.7).
FORBIDDEN = "Forbidden"

# What a key becomes when the operation names nothing more specific (§2.6, "API.md key(s)").
# Keys whose class depends on the operation (ERR_FORBIDDEN, ERR_PAGE_DUPLICATE_PATH,
# ERR_PAGE_UPDATE_FORBIDDEN, ERR_UNEXPECTED, ...) are left to the operation's overrides; absent
# there they become the operation's generic class.
DEFAULT_CLASSES: dict[ErrorKey, ErrorClass | str] = {
    ErrorKey.LOGIN_FAILED: AUTH_LOGIN_FAILED,
    ErrorKey.INVALID_STRATEGY: AUTH_PROVIDER_INVALID,
    ErrorKey.DUPLICATE_ACCOUNT_EMAIL: AUTH_ACCOUNT_ALREADY_EXISTS,
    ErrorKey.TFA_INCORRECT_TOKEN: AUTH_TFA_FAILED,
    ErrorKey.TFA_INVALID_REQUEST: AUTH_TFA_INVALID,
    ErrorKey.REGISTRATION_DISABLED: AUTH_REGISTRATION_DISABLED,
    ErrorKey.INVALID_INPUT: INPUT_INVALID,
    ErrorKey.PASSWORD_TOO_SHORT: INPUT_INVALID,
    ErrorKey.PAGE_TITLE_MISSING: INPUT_INVALID,
    ErrorKey.PAGE_INVALID_TOC_DEPTH: INPUT_INVALID,
    ErrorKey.PAGE_MISSING_SCHEDULED_DATES: INPUT_INVALID,
    ErrorKey.INACTIVE_USER: AUTH_ACCOUNT_BANNED,
    ErrorKey.LOGIN_RESTRICTED: AUTH_ACCOUNT_BANNED,
    ErrorKey.USER_NOT_VERIFIED: AUTH_ACCOUNT_NOT_VERIFIED,
    ErrorKey.INVALID_VALIDATION_TOKEN: AUTH_VALIDATION_TOKEN_INVALID,
    ErrorKey.EXPIRED_VALIDATION_TOKEN: AUTH_VALIDATION_TOKEN_INVALID,
    ErrorKey.INVALID_USER: USER_NOT_FOUND,
    ErrorKey.INCORRECT_CURRENT_PASSWORD: AUTH_PASSWORD_INVALID,
    ErrorKey.MAIL_SEND_FAILED: MAIL_GENERIC,
    ErrorKey.MAIL_NOT_CONFIGURED: MAIL_NOT_CONFIGURED,
    ErrorKey.MAIL_RENDER_FAILED: MAIL_TEMPLATE_FAILED,
    ErrorKey.PAGE_NOT_FOUND: PAGE_NOT_FOUND,
    ErrorKey.INVALID_PATH: PAGE_ILLEGAL_PATH,
    ErrorKey.FORBIDDEN: FORBIDDEN,
    ErrorKey.NOT_AUTHENTICATED: FORBIDDEN,
}

# An operation's renderings: by the check that failed (``DomainError.check``, where one key
# covers several checks that Wiki.js 2 words apart, §2.8), or by the key.
Rendering = Mapping["ErrorKey | str", "ErrorClass | str"]


class V2Error(Exception):
    """A failure in the v2 dialect: a class (code, name, message) or a plain message."""

    def __init__(self, what: ErrorClass | str, message: str | None = None) -> None:
        self.error_class = what if isinstance(what, ErrorClass) else None
        if self.error_class is not None:
            self.message = message or self.error_class.message
        else:
            self.message = message or str(what)
        super().__init__(self.message)

    @property
    def code(self) -> int:
        """``errorCode``: the class's number, 1 for a plain error (§2.3)."""
        return self.error_class.code if self.error_class else 1

    @property
    def slug(self) -> str:
        return self.error_class.name if self.error_class else "Error"


def from_domain(
    error: DomainError, generic: ErrorClass, overrides: Rendering | None = None
) -> V2Error:
    """``error`` as the operation renders it: its overrides (the failed check first, then the
    key), then §2.6's table, then generic."""
    overrides = overrides or {}
    what = (
        (overrides.get(error.check) if error.check else None)
        or overrides.get(error.key)
        or DEFAULT_CLASSES.get(error.key)
        or generic
    )
    return V2Error(what)


class ResponseStatus(graphene.ObjectType):
    """The outcome of a mutation (§2.1)."""

    succeeded = graphene.Boolean(required=True)
    error_code = graphene.Int(required=True)
    slug = graphene.String(required=True)
    message = graphene.String()


class DefaultResponse(graphene.ObjectType):
    response_result = graphene.Field(ResponseStatus)


def ok(message: str) -> ResponseStatus:
    """§2.2: what every successful mutation answers."""
    return ResponseStatus(succeeded=True, error_code=0, slug="ok", message=message)


def failed(error: V2Error) -> ResponseStatus:
    """§2.3: a failure reported inside ``responseResult``."""
    return ResponseStatus(
        succeeded=False, error_code=error.code, slug=error.slug, message=error.message
    )


def _passes_through(error: Exception) -> bool:
    """Failures that are the request's, not the operation's: the endpoint answers them."""
    return (
        isinstance(error, RateLimited)
        or is_statement_timeout(error)
        or is_database_unavailable(error)
    )


def reporting(
    success: str,
    *,
    generic: ErrorClass,
    overrides: Rendering | None = None,
    output: type = DefaultResponse,
) -> Callable:
    """A mutation resolver whose failures go into ``responseResult`` (R, §2.3).

    The wrapped function returns the payload fields (a dict, maybe empty) on success, and raises
    ``V2Error`` or ``DomainError`` on failure; unforeseen failures are logged and answered with
    ``generic`` (§2.8). Gate failures (raised by ``gates.gate`` as ``GateRefused``), rate limits,
    deadlines and an unavailable database escape as GraphQL errors.
    """

    def decorate(resolve: Callable) -> Callable:
        @functools.wraps(resolve)
        def wrapper(root, info, **arguments):
            if holds_unstorable_text(arguments):
                return output(response_result=failed(V2Error(INPUT_INVALID)))
            try:
                payload = resolve(root, info, **arguments) or {}
            except GateRefused:
                raise
            except V2Error as error:
                logger.info("%s refused: %s", resolve.__qualname__, error.message)
                return output(response_result=failed(error))
            except DomainError as error:
                logger.info("%s refused: %s", resolve.__qualname__, error)
                return output(response_result=failed(from_domain(error, generic, overrides)))
            except Exception as error:
                if _passes_through(error):
                    raise
                log_unexpected(error)
                return output(response_result=failed(V2Error(generic)))
            return output(response_result=ok(success), **payload)

        return wrapper

    return decorate


def raising(*, generic: ErrorClass, overrides: Rendering | None = None) -> Callable:
    """A resolver whose failures are GraphQL errors (G, §2.4), rendered in the v2 dialect."""

    def decorate(resolve: Callable) -> Callable:
        @functools.wraps(resolve)
        def wrapper(root, info, **arguments):
            if holds_unstorable_text(arguments):
                raise V2Error(INPUT_INVALID)
            try:
                return resolve(root, info, **arguments)
            except V2Error:
                raise
            except DomainError as error:
                raise from_domain(error, generic, overrides) from None
            except Exception as error:
                if _passes_through(error):
                    raise
                log_unexpected(error)
                raise V2Error(generic) from None

        return wrapper

    return decorate


class GateRefused(V2Error):
    """A failed gate (§2.5): always a GraphQL error ``Forbidden``, even in mutations."""

    def __init__(self) -> None:
        super().__init__(FORBIDDEN)
