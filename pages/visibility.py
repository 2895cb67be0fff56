"""Which pages a caller may see, as a database condition (API.md §3.4, §3.5).

The algorithm is the permission engine's (``AccessPolicy.filter_q``); this module only says
how each rule pattern reads on the pages table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts import scopes
from accounts.permissions import Caller
from accounts.rule_regex import RuleRegex

from .models import Page, PageTag, published_q


class PathRuleSql:
    """Rule patterns as conditions on a table of rows with ``path``, ``site_id`` and
    ``locale``; subclasses say where REGEX rules find the paths and how tags match."""

    def __init__(self) -> None:
        self._paths: list[str] | None = None
        self._regex_paths: dict[str, Q] = {}

    def distinct_paths(self) -> Iterable[str]:
        raise NotImplementedError

    def start(self, prefix: str) -> Q:
        return Q(path__startswith=prefix)

    def exact(self, path: str) -> Q:
        return Q(path=path)

    def end(self, suffix: str) -> Q:
        return Q(path__endswith=suffix)

    def regex(self, pattern: RuleRegex) -> Q:
        # Databases speak other regex dialects than RE2 (PostgreSQL's \b is a backspace) and
        # promise no linear time, so REGEX rules are decided with the permission engine's own
        # matcher over the distinct paths: read once per translator (one request), however
        # many REGEX rules the caller holds.
        if pattern.pattern not in self._regex_paths:
            if self._paths is None:
                self._paths = list(self.distinct_paths())
            self._regex_paths[pattern.pattern] = Q(path__in=pattern.matching(self._paths))
        return self._regex_paths[pattern.pattern]

    def sites(self, site_ids: Iterable[str]) -> Q:
        # An entry that is no UUID names no site (the Python side never matches it either);
        # passed to the database it would raise instead.
        return Q(site_id__in=[site for site in site_ids if _is_uuid(site)])

    def locales(self, locales: Iterable[str]) -> Q:
        return Q(locale__in=list(locales))


class PageRuleSql(PathRuleSql):
    """Rule patterns as conditions on ``Page`` rows."""

    def distinct_paths(self) -> Iterable[str]:
        return Page.objects.values_list("path", flat=True).distinct().iterator()

    def any_tag(self, tags: Sequence[str]) -> Q:
        return Q(Exists(PageTag.objects.filter(page=OuterRef("pk"), tag__tag__in=list(tags))))

    def all_tags(self, tags: Sequence[str]) -> Q:
        condition = Q()
        for tag in tags:
            condition &= Q(Exists(PageTag.objects.filter(page=OuterRef("pk"), tag__tag=tag)))
        return condition


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def readable_pages_q(caller: Caller, now=None) -> Q | None:
    """Pages the caller may read and see (read:pages, and published or write:pages)."""
    sql = PageRuleSql()
    read = caller.policy.filter_q(scopes.READ_PAGES, sql)
    if read is None:  # manage:system
        return None
    write = caller.policy.filter_q(scopes.WRITE_PAGES, sql)
    return read & (published_q(now or timezone.now()) | write)


def visible_to(caller: Caller, queryset: QuerySet[Page] | None = None) -> QuerySet[Page]:
    queryset = Page.objects.all() if queryset is None else queryset
    condition = readable_pages_q(caller)
    return queryset if condition is None else queryset.filter(condition)
