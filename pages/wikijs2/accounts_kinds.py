"""The account side of ``import_wikijs2``: its steps, in the order they must run.

Site settings first (they bring the signing key pair the API keys are checked with), then
groups, users, memberships (which need both) and API keys (which need groups). See
docs/wikijs2-import.md, "Accounts, groups and keys".
"""

from __future__ import annotations

from .accounts_groups import GroupsKind, MembershipsKind
from .accounts_keys import ApiKeysKind
from .accounts_settings import SettingsKind
from .accounts_users import UsersKind

ACCOUNT_KINDS = [SettingsKind(), GroupsKind(), UsersKind(), MembershipsKind(), ApiKeysKind()]

__all__ = [
    "ACCOUNT_KINDS",
    "ApiKeysKind",
    "GroupsKind",
    "MembershipsKind",
    "SettingsKind",
    "UsersKind",
]
