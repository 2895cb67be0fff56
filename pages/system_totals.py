"""How many groups, users, pages and tags the installation holds (API-v2.md §4.6).

Counted in the database (``COUNT(*)``), never by loading rows; each total is one query, asked
only when wanted. Pages and tags of every site count; users include the system accounts.
"""

from accounts.models import Group, User

from .models import Page, Tag


def groups_total() -> int:
    return Group.objects.count()


def users_total() -> int:
    return User.objects.count()


def pages_total() -> int:
    return Page.objects.count()


def tags_total() -> int:
    return Tag.objects.count()
