"""Reading users and groups (API.md §4.3.1, §4.4.1)."""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import OrderBy

from wiki.errors import DomainError, ErrorKey

from . import scopes
from .models import Group, Membership, User
from .permissions import Caller

USER_ORDER_FIELDS = {
    "id": "id",
    "email": "email",
    "name": "name",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "lastLoginAt": "last_login",
}
GROUP_ORDER_FIELDS = {
    "id": "id",
    "name": "name",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "userCount": "user_count",
}
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000


def _text_match(text: str | None) -> Q:
    text = (text or "").strip()
    return Q(name__icontains=text) | Q(email__icontains=text) if text else Q()


def _page_window(page: int | None, page_size: int | None) -> tuple[int, int] | None:
    """Pagination applies only when ``page`` or ``pageSize`` is given (API.md §4.3.1)."""
    if page is None and page_size is None:
        return None
    page = max(page or 1, 1)
    size = DEFAULT_PAGE_SIZE if page_size is None else page_size
    if size < 1 or size > MAX_PAGE_SIZE:
        size = MAX_PAGE_SIZE
    start = (page - 1) * size
    return start, start + size


def _user_ordering(order_by: str | None, direction: str | None) -> list[OrderBy]:
    """Never-logged-in users (NULL) sort first ascending and last descending on every database,
    as in ``filter_user_list`` (SQLite and PostgreSQL disagree on the default).

    Only ``last_login`` can be NULL, and only non-unique columns need the id to break ties.
    Saying no more than that lets PostgreSQL read each order from an index
    (``User.Meta.indexes``; it would sort for a NULLS FIRST or an id the index lacks).
    """
    column = USER_ORDER_FIELDS.get(order_by or "name", "name")
    nullable = column == "last_login"
    tie_break = [] if column in ("id", "email") else [F("id")]
    if (direction or "asc") == "desc":
        return [F(column).desc(nulls_last=nullable or None), *(f.desc() for f in tie_break)]
    return [F(column).asc(nulls_first=nullable or None), *(f.asc() for f in tie_break)]


def filter_users(
    queryset: QuerySet[User],
    *,
    query: str | None = None,
    text_filter: str | None = None,
    page: int | None = None,
    page_size: int | None = None,
    order_by: str | None = None,
    direction: str | None = None,
) -> QuerySet[User]:
    queryset = queryset.filter(_text_match(query)).filter(_text_match(text_filter))
    queryset = queryset.order_by(*_user_ordering(order_by, direction))
    window = _page_window(page, page_size)
    return queryset[window[0] : window[1]] if window else queryset


def list_users(caller: Caller, **arguments) -> QuerySet[User]:
    """``users``: name or email contains ``query`` (and ``filter``); system users included."""
    caller.require_any(*scopes.READ_USERS_ANY)
    return filter_users(User.objects.all(), **arguments)


def get_user(caller: Caller, user_id: uuid.UUID) -> User:
    is_self = caller.is_user and caller.user.pk == user_id
    if not is_self:
        caller.require_any(*scopes.READ_USERS_ANY)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise DomainError(ErrorKey.INVALID_USER)
    return user


LAST_LOGINS_LIMIT = 10


def last_logins(caller: Caller) -> QuerySet[User]:
    """``lastLogins``: the 10 most recent sign-ins, newest first.

    Ordered exactly backwards along ``user_last_login_id_idx`` (last_login ASC NULLS FIRST,
    id ASC), so PostgreSQL can read the ten rows from the index, backwards, instead of sorting.
    """
    caller.require_any(*scopes.LAST_LOGINS_ANY)
    return User.objects.filter(last_login__isnull=False).order_by(
        F("last_login").desc(nulls_last=True), F("id").desc()
    )[:LAST_LOGINS_LIMIT]


def user_permissions(caller: Caller) -> list[str]:
    """``userPermissions``: the caller's global permission set, in §3.1's order.

    A signed-in user's groups, or an API key's; the guest has no account to speak of. Scopes
    the tables of §3.1 do not name (none can be stored through the services) come last.
    """
    if caller.is_guest:
        raise DomainError(ErrorKey.NOT_AUTHENTICATED)
    granted = caller.policy.permissions
    known = [scope for scope in scopes.ORDERED_SCOPES if scope in granted]
    return known + sorted(granted - set(known))


def may_read_user_details(caller: Caller, user: User) -> bool:
    """Whether fields beyond ``id`` and ``name`` of ``user`` are visible to the caller."""
    return (caller.is_user and caller.user.pk == user.pk) or caller.has_any(*scopes.READ_USERS_ANY)


def list_groups(
    caller: Caller,
    *,
    text_filter: str | None = None,
    order_by: str | None = None,
    with_user_count: bool = True,
) -> QuerySet[Group]:
    """The ``groups`` list; ``with_user_count=False`` leaves out the member count's join."""
    caller.require_any(*scopes.LIST_GROUPS_ANY)
    queryset = Group.objects.all()
    if with_user_count or order_by == "userCount":
        queryset = queryset.annotate(user_count=Count("memberships"))
    text = (text_filter or "").strip()
    if text:
        queryset = queryset.filter(name__icontains=text)
    return queryset.order_by(GROUP_ORDER_FIELDS.get(order_by or "name", "name"), "id")


def get_group(caller: Caller, group_id: uuid.UUID) -> Group | None:
    """``groupById``: as ``groups`` permits; None when no group has that id."""
    caller.require_any(*scopes.LIST_GROUPS_ANY)
    return Group.objects.annotate(user_count=Count("memberships")).filter(pk=group_id).first()


def may_read_groups(caller: Caller) -> bool:
    """Whether group details (beyond the names of one's own groups) are visible (§3.5)."""
    return caller.has_any(*scopes.LIST_GROUPS_ANY)


def groups_of(user: User) -> QuerySet[Group]:
    """A user's groups, counted like the ``groups`` list (no query per group for userCount)."""
    mine = Membership.objects.filter(user=user).values("group_id")
    # Explicit order: Meta.ordering does not apply to aggregating queries.
    return (
        Group.objects.filter(pk__in=mine)
        .annotate(user_count=Count("memberships"))
        .order_by("name", "id")
    )


def members_by_group(group_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[User]]:
    """Members of many groups in one query, for nested ``Group.users`` lists."""
    members: dict[uuid.UUID, list[User]] = defaultdict(list)
    links = Membership.objects.filter(group_id__in=group_ids).select_related("user")
    for link in links:
        members[link.group_id].append(link.user)
    return members


def filter_user_list(
    users: list[User],
    *,
    text_filter: str | None = None,
    page: int | None = None,
    page_size: int | None = None,
    order_by: str | None = None,
    direction: str | None = None,
) -> list[User]:
    """``filter_users`` over already-loaded users (members prefetched for many groups)."""
    text = (text_filter or "").strip().lower()
    if text:
        users = [u for u in users if text in u.name.lower() or text in u.email.lower()]
    column = USER_ORDER_FIELDS.get(order_by or "name", "name")
    descending = (direction or "asc") == "desc"

    # None (never logged in) sorts first ascending, as the database's NULLS FIRST/LAST differ.
    def sort_key(user: User) -> tuple:
        value = getattr(user, column)
        return (value is not None, value if value is not None else "", str(user.pk))

    users = sorted(users, key=sort_key, reverse=descending)
    window = _page_window(page, page_size)
    return users[window[0] : window[1]] if window else users


# --- Addressed by legacy ids (the Wiki.js 2 API, API-v2.md §1.6, §3.3) ------------------------
LEGACY_USER_ORDER_FIELDS = {
    "id": "legacy_id",
    "email": "email",
    "name": "name",
    "createdAt": "created_at",
    "lastLoginAt": "last_login",
}
USER_SEARCH_LIMIT = 10


def _by_legacy_order(order_by: str | None) -> list[OrderBy]:
    column = LEGACY_USER_ORDER_FIELDS.get(order_by or "id", "legacy_id")
    # Never-logged-in users first, as ``_user_ordering`` sorts them ascending.
    first = F(column).asc(nulls_first=True if column == "last_login" else None)
    return [first] if column == "legacy_id" else [first, F("legacy_id").asc()]


def list_users_by_legacy_order(
    caller: Caller, *, text_filter: str | None = None, order_by: str | None = None
) -> QuerySet[User]:
    """Every user (the guest included) whose name or email contains ``text_filter``, ascending
    by ``id`` (the legacy id, also the default and the tie-break), ``email``, ``name``,
    ``createdAt`` or ``lastLoginAt``; any other ``order_by`` counts as ``id``."""
    caller.require_any(*scopes.READ_USERS_ANY)
    return User.objects.filter(_text_match(text_filter)).order_by(*_by_legacy_order(order_by))


def search_users(caller: Caller, text: str) -> QuerySet[User]:
    """At most 10 users whose name or email contains ``text``, by legacy id (empty: the first
    10)."""
    caller.require_any(*scopes.READ_USERS_ANY)
    return User.objects.filter(_text_match(text)).order_by("legacy_id")[:USER_SEARCH_LIMIT]


def user_id_by_legacy_id(legacy_id: int | None) -> uuid.UUID:
    """The id of the user with that legacy id, or ERR_INVALID_USER."""
    found = (
        User.objects.filter(legacy_id=legacy_id).values_list("pk", flat=True).first()
        if legacy_id is not None and legacy_id >= 1
        else None
    )
    if found is None:
        raise DomainError(ErrorKey.INVALID_USER, f"legacy id {legacy_id}")
    return found


# A legacy id that names nothing becomes a text no id parses from: the services then refuse it
# with their own key at their own point in the order of checks (unknown user, unknown group).
_NO_SUCH_ID = "legacy-id-{}"


def legacy_user_ref(legacy_id: int | None) -> uuid.UUID | str:
    """The id of the user with that legacy id, else a reference the services refuse with
    ``ERR_INVALID_USER`` where they check the user's existence."""
    found = (
        User.objects.filter(legacy_id=legacy_id).values_list("pk", flat=True).first()
        if legacy_id is not None and legacy_id >= 1
        else None
    )
    return found if found is not None else _NO_SUCH_ID.format(legacy_id)


def legacy_group_refs(legacy_ids) -> list[uuid.UUID | str]:
    """The ids of the groups with those legacy ids (nulls dropped); one that names no group
    becomes a reference the services refuse with ``ERR_INVALID_GROUP``, in their order."""
    wanted = list(dict.fromkeys(n for n in legacy_ids or () if n is not None))
    found = dict(
        Group.objects.filter(legacy_id__in=[n for n in wanted if n >= 1]).values_list(
            "legacy_id", "pk"
        )
    )
    return [found.get(n, _NO_SUCH_ID.format(n)) for n in wanted]
