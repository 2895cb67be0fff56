"""Names of the group checks that share an error key (``DomainError.check``).

API.md reports each of them with one key (mostly ``ERR_FORBIDDEN``); the Wiki.js 2 dialect
(API-v2.md §2.7) words each differently, so the services name the check that failed.
"""

from enum import StrEnum


class GroupCheck(StrEnum):
    #: A membership change of a group holding a scope on an elevated resource (API.md §3.6).
    ELEVATED_GROUP = "elevated group"
    #: A membership change of a group holding manage:system by a caller without it.
    SYSTEM_GROUP = "manage:system group"
    #: Granting a ``*:system`` scope without manage:system.
    GRANTS_SYSTEM = "grants manage:system"
    #: Taking manage:system from the Administrators group.
    ADMINS_KEEP_SYSTEM = "administrators keep manage:system"
    #: Deleting Administrators, Users or Guests.
    PROTECTED_GROUP = "protected group"
    #: Moving a system user (the guest) into or out of a group.
    SYSTEM_USER = "system user"
    #: Removing the root administrator from Administrators.
    ROOT_ADMIN = "root administrator"
    #: Already a member (assignUserToGroup).
    ALREADY_MEMBER = "already a member"
    #: A REGEX rule that does not compile or cannot be run safely (API.md §4.4).
    UNSAFE_REGEX = "unsafe regex"
    #: Two rules of one request with the same id (API-v2.md §5.1).
    DUPLICATE_RULE_ID = "duplicate rule id"
    #: Granting administrative scopes without manage:groups (API-v2.md §3.4 ``groups.update``).
    ELEVATED_PERMISSIONS = "elevated permissions"
