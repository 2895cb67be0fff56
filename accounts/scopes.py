"""The permission scopes (API.md §3.1). Nothing else spells a scope."""

# Global permissions offered by the admin UI.
ACCESS_ADMIN = "access:admin"
MANAGE_USERS = "manage:users"
MANAGE_GROUPS = "manage:groups"
MANAGE_NAVIGATION = "manage:navigation"
MANAGE_THEME = "manage:theme"
MANAGE_SITES = "manage:sites"
MANAGE_SYSTEM = "manage:system"

# Page roles, in the canonical order userPermissionsAtPath lists them.
READ_PAGES = "read:pages"
WRITE_PAGES = "write:pages"
REVIEW_PAGES = "review:pages"
MANAGE_PAGES = "manage:pages"
DELETE_PAGES = "delete:pages"
WRITE_STYLES = "write:styles"
WRITE_SCRIPTS = "write:scripts"
READ_SOURCE = "read:source"
READ_HISTORY = "read:history"
READ_ASSETS = "read:assets"
WRITE_ASSETS = "write:assets"
MANAGE_ASSETS = "manage:assets"
READ_COMMENTS = "read:comments"
WRITE_COMMENTS = "write:comments"
MANAGE_COMMENTS = "manage:comments"

# Older scopes still checked by server code.
READ_USERS = "read:users"
WRITE_USERS = "write:users"
WRITE_GROUPS = "write:groups"
READ_API = "read:api"
MANAGE_API = "manage:api"
READ_DASHBOARD = "read:dashboard"
WRITE_SITES = "write:sites"
READ_WEBHOOKS = "read:webhooks"
WRITE_WEBHOOKS = "write:webhooks"
MANAGE_WEBHOOKS = "manage:webhooks"
READ_METRICS = "read:metrics"
MANAGE_BLOCKS = "manage:blocks"

GLOBAL_PERMISSIONS = (
    ACCESS_ADMIN,
    MANAGE_USERS,
    MANAGE_GROUPS,
    MANAGE_NAVIGATION,
    MANAGE_THEME,
    MANAGE_SITES,
    MANAGE_SYSTEM,
)
PAGE_ROLES = (
    READ_PAGES,
    WRITE_PAGES,
    REVIEW_PAGES,
    MANAGE_PAGES,
    DELETE_PAGES,
    WRITE_STYLES,
    WRITE_SCRIPTS,
    READ_SOURCE,
    READ_HISTORY,
    READ_ASSETS,
    WRITE_ASSETS,
    MANAGE_ASSETS,
    READ_COMMENTS,
    WRITE_COMMENTS,
    MANAGE_COMMENTS,
)
LEGACY_PERMISSIONS = (
    READ_USERS,
    WRITE_USERS,
    WRITE_GROUPS,
    READ_API,
    MANAGE_API,
    READ_DASHBOARD,
    WRITE_SITES,
    READ_WEBHOOKS,
    WRITE_WEBHOOKS,
    MANAGE_WEBHOOKS,
    READ_METRICS,
    MANAGE_BLOCKS,
)
# Every string a group's ``permissions`` may hold, in the order of §3.1's tables.
ORDERED_SCOPES = GLOBAL_PERMISSIONS + PAGE_ROLES + LEGACY_PERMISSIONS
ALL_SCOPES = frozenset(ORDERED_SCOPES)

# A group holding a scope on one of these resources is "elevated" (API.md §3.6).
ELEVATED_RESOURCES = frozenset({"users", "groups", "navigation", "theme", "api", "system"})

# Operation requirements used in more than one place (API.md §3.5).
READ_USERS_ANY = (READ_USERS, WRITE_USERS, MANAGE_USERS, MANAGE_GROUPS)
LAST_LOGINS_ANY = (READ_DASHBOARD, READ_USERS, WRITE_USERS, MANAGE_USERS)
CREATE_USERS_ANY = (WRITE_USERS, MANAGE_USERS, MANAGE_GROUPS)
MANAGE_USERS_ANY = (MANAGE_USERS, MANAGE_GROUPS)
LIST_GROUPS_ANY = (MANAGE_GROUPS, MANAGE_USERS, MANAGE_SYSTEM)
EDIT_GROUPS_ANY = (MANAGE_GROUPS, MANAGE_SYSTEM)
READ_API_ANY = (READ_API, MANAGE_API)
API_STATE_ANY = (READ_API, MANAGE_API, READ_DASHBOARD)
PAGE_SOURCE_ANY = (READ_SOURCE, WRITE_PAGES, MANAGE_PAGES)

# Defaults of the groups the installation and createGroup make (API.md §3.3).
BASE_READ_PERMISSIONS = [READ_PAGES, READ_ASSETS, READ_COMMENTS]
NEW_GROUP_PERMISSIONS = [READ_PAGES, READ_ASSETS, READ_COMMENTS, WRITE_COMMENTS]


def is_elevated(permissions: list[str] | tuple[str, ...] | frozenset[str]) -> bool:
    return any(scope.partition(":")[2] in ELEVATED_RESOURCES for scope in permissions)
