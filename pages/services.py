"""Page services: create, read and list pages (API.md §4.1)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts import scopes
from accounts.permissions import Caller, PageContext
from accounts.services import author_for, hold_author
from wiki import legacy_ids
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site
from wiki.prepared import PreparedQuery, PreparedRow

from . import validation as v
from .models import Page, PageTag, PublishState, Tag, default_page_config
from .rendering import render
from .tree import add_page_item
from .visibility import visible_to


@dataclass
class PageInput:
    """``createPage`` arguments (API.md §4.1.3), as the API parsed them."""

    site_id: uuid.UUID | str
    locale: str
    path: str
    title: str
    description: str
    content: str
    editor: str
    publish_state: str
    publish_start_date: datetime | None = None
    publish_end_date: datetime | None = None
    alias: str | None = None
    icon: str | None = None
    tags: list[str | None] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    toc_depth: dict[str, int] | None = None
    flags: dict[str, bool | None] = field(default_factory=dict)
    script_css: str | None = None
    script_js_load: str | None = None
    script_js_unload: str | None = None


# Wiki.js 2's unfinished private pages: a flag its clients send and read back, stored in the
# page's configuration and ignored everywhere else (API-v2.md §5.4). Absent = not private.
LEGACY_IS_PRIVATE = "legacyIsPrivate"

# Boolean page settings kept in ``Page.config``; a ``flags`` entry of None leaves one as it is.
CONFIG_FLAGS = (
    "allowComments",
    "allowContributions",
    "allowRatings",
    "showSidebar",
    "showTags",
    "showToc",
    LEGACY_IS_PRIVATE,
)


def create_page(caller: Caller | None, data: PageInput) -> Page:
    """Checks in the contract's order, then one transaction: page, tags, render.

    ``caller=None`` is a trusted operator: no permission check, scripts kept, and the page is
    attributed to the root administrator (as for API keys).
    """
    site = Site.objects.filter(pk=data.site_id).first()
    if site is None:
        raise DomainError(ErrorKey.INVALID_SITE)
    path = v.normalize_path(data.path)
    locale = v.normalize_locale(data.locale)
    # Permission is judged on the normalised input tags; invalid tags fail later (step 12).
    input_tags = [t for t in (v.normalize_tag(x or "") for x in data.tags or ()) if t]
    ctx = PageContext(site.pk, locale, path, tuple(input_tags))
    if caller is not None:
        caller.require_at(scopes.WRITE_PAGES, ctx)
    if Page.objects.filter(site=site, locale=locale, path=path).exists():
        raise DomainError(ErrorKey.PAGE_DUPLICATE_PATH)
    alias = v.clean_alias(data.alias)
    if alias and Page.objects.filter(site=site, alias=alias).exists():
        raise DomainError(ErrorKey.PAGE_DUPLICATE_ALIAS)
    title = v.clean_title(data.title)
    description = v.clean_short_text(data.description, "description")
    icon = v.clean_short_text(data.icon, "icon")
    content = v.check_content(data.content)
    editor = v.clean_editor(data.editor)
    # The plain value, as a row read back holds it (graphene cannot serialise the member).
    state = PublishState(data.publish_state).value
    start, end = v.check_schedule(state, data.publish_start_date, data.publish_end_date)
    site_depth = (site.config.get("defaults") or {}).get("tocDepth") or {"min": 1, "max": 2}
    toc_depth = v.clean_toc_depth(data.toc_depth) or dict(site_depth)
    relations = v.clean_relations(data.relations)
    tags = v.clean_tags(data.tags)

    config = default_page_config()
    for flag in CONFIG_FLAGS:
        if data.flags.get(flag) is not None:
            config[flag] = bool(data.flags[flag])
    config["tocDepth"] = toc_depth
    author = author_for(caller)
    content_type = v.content_type_for(editor)
    rendered = render(content, content_type, toc_depth)
    page = Page(
        site=site,
        locale=locale,
        path=path,
        alias=alias,
        title=title,
        description=description,
        icon=icon,
        publish_state=state,
        publish_start_date=start,
        publish_end_date=end,
        config=config,
        relations=relations,
        content=content,
        render=rendered.html,
        toc=rendered.toc,
        search_content=rendered.text,
        tags=tags,
        editor=editor,
        content_type=content_type,
        is_browsable=_flag(data.flags.get("isBrowsable")),
        is_searchable=_flag(data.flags.get("isSearchable")),
        scripts=_permitted_scripts(caller, ctx, data),
        author=author,
        creator=author,
        owner=author,
    )
    try:
        with transaction.atomic():
            hold_author(author)
            page.save()
            # The folders before the tags: a deleteFolder holds the folder while it waits for
            # tag rows, so holding a tag row while waiting for the folder would deadlock.
            add_page_item(page)
            attach_tags(page, tags)
    except IntegrityError as exc:
        # A concurrent request won the race for the path or the alias.
        if Page.objects.filter(site=site, locale=locale, path=path).exists():
            raise DomainError(ErrorKey.PAGE_DUPLICATE_PATH) from exc
        if alias and Page.objects.filter(site=site, alias=alias).exists():
            raise DomainError(ErrorKey.PAGE_DUPLICATE_ALIAS) from exc
        raise  # not a lost race: an unforeseen failure, reported as ERR_UNEXPECTED
    return page


def _flag(value: bool | None) -> bool:
    return True if value is None else bool(value)


def _permitted_scripts(caller: Caller | None, ctx: PageContext, data: PageInput) -> dict[str, str]:
    """Styles and scripts are kept only with write:styles / write:scripts, else ignored."""
    scripts = {"css": "", "jsLoad": "", "jsUnload": ""}
    if data.script_css and (caller is None or caller.can_at(scopes.WRITE_STYLES, ctx)):
        scripts["css"] = data.script_css
    if caller is None or caller.can_at(scopes.WRITE_SCRIPTS, ctx):
        scripts["jsLoad"] = data.script_js_load or ""
        scripts["jsUnload"] = data.script_js_unload or ""
    return scripts


# Tags are shared by every page of a site, so page writes running at the same time meet on
# their rows. Each transaction that changes tags does it in one order: first the tag id
# counter, when it adds tags to the vocabulary (the counter is held until commit, so additions
# queue there), then every tag row whose count it changes, all in one statement that locks
# them by id (``change_tag_usage``). Two writers then never hold a row the other waits for.
# The soak found both ways this used to deadlock (tests/api/test_concurrency_tags.py).


def tag_ids(site_id, tags: list[str]) -> dict[str, Any]:
    """The ids of ``tags`` in the site's vocabulary, adding the unknown ones.

    One query when all are known; the counter, an insert and a second read otherwise. No tag
    row is locked here: a concurrent writer adding the same tag holds the counter, which we
    wait for before our insert, so the insert never waits on a row.
    """
    if not tags:
        return {}
    site_tags = Tag.objects.filter(site_id=site_id)
    known = dict(site_tags.filter(tag__in=tags).values_list("tag", "pk"))
    missing = [tag for tag in tags if tag not in known]
    if missing:
        ids = legacy_ids.allocate_many(Tag.legacy_kind, len(missing))
        # A concurrent writer may add the same tag first: its row wins, our id is a gap.
        Tag.objects.bulk_create(
            [
                Tag(site_id=site_id, tag=tag, legacy_id=legacy_id)
                for tag, legacy_id in zip(missing, ids, strict=True)
            ],
            ignore_conflicts=True,
        )
        known.update(site_tags.filter(tag__in=missing).values_list("tag", "pk"))
    return known


def change_tag_usage(site_id, changes: Mapping[str, int]) -> None:
    """Add to each tag's usage count its change (pages that gained it minus pages that lost
    it): one statement however many tags, their rows locked in id order.

    A plain ``UPDATE ... WHERE id IN (...)`` locks rows in the order the table is scanned, which
    changes as rows get new versions; the subquery's ``ORDER BY ... FOR NO KEY UPDATE`` fixes
    the order (and is the lock the update takes anyway, so foreign-key checks of concurrent
    page-tag links do not wait for it). A count never goes below zero, even one that drifted.
    """
    by_change: dict[int, list[str]] = {}
    for tag, change in changes.items():
        if change:
            by_change.setdefault(change, []).append(tag)
    if not by_change:
        return
    names = [tag for tags in by_change.values() for tag in tags]
    in_id_order = (
        Tag.objects.filter(site_id=site_id, tag__in=names)
        .order_by("pk")
        .select_for_update(of=("self",), no_key=True)
        .values("pk")
    )
    change = Case(
        *[When(tag__in=tags, then=Value(n)) for n, tags in by_change.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    # Row locks need a transaction: callers outside one (a script, a test's set-up) get theirs
    # here; inside one, no savepoint is added.
    with transaction.atomic(savepoint=False):
        Tag.objects.filter(pk__in=in_id_order).update(
            usage_count=Greatest(F("usage_count") + change, Value(0)), updated_at=timezone.now()
        )


def attach_tags(page: Page, tags: Iterable[str]) -> None:
    """Link ``page`` to its tags, adding unknown ones to the site's vocabulary.

    A fixed number of statements however many tags: the page count and the tag count of the
    wiki never change what one page costs to tag.
    """
    replace_tags(page, [], tags)


def detach_tags(page: Page, tags: Iterable[str]) -> None:
    """Unlink ``page`` from ``tags`` and lower their usage counts: two statements in all.

    The tags stay in the site's vocabulary (a count of zero is still a known tag).
    """
    replace_tags(page, tags, [])


def replace_tags(page: Page, old: Iterable[str], new: Iterable[str]) -> None:
    """Make ``page`` carry ``new`` instead of ``old``; only the difference is written.

    A fixed number of statements however many tags change: the ids of the added tags (and the
    counter, when some are new), the links removed and added, one update of the counts.
    """
    old, new = list(dict.fromkeys(old)), list(dict.fromkeys(new))
    before, after = set(old), set(new)
    dropped = [tag for tag in old if tag not in after]
    added = [tag for tag in new if tag not in before]
    ids = tag_ids(page.site_id, added)
    if dropped:
        site_tags = Tag.objects.filter(site_id=page.site_id, tag__in=dropped)
        PageTag.objects.filter(page=page, tag__in=site_tags).delete()
    if added:
        PageTag.objects.bulk_create([PageTag(page=page, tag_id=ids[tag]) for tag in added])
    change_tag_usage(page.site_id, {**dict.fromkeys(dropped, -1), **dict.fromkeys(added, 1)})


# --- Reading ----------------------------------------------------------------------------------
# The columns a ``PageListItem`` reads (API.md §4.1.4).
LIST_ITEM_FIELDS = (
    "id",
    "site_id",
    "locale",
    "path",
    "title",
    "description",
    "content_type",
    "publish_state",
    "publish_start_date",
    "publish_end_date",
    "tags",
    "created_at",
    "updated_at",
)
PAGE_ORDER_FIELDS = {
    "CREATED": "created_at",
    "ID": "id",
    "PATH": "path",
    "TITLE": "title",
    "UPDATED": "updated_at",
}


def list_pages(
    caller: Caller | None,
    *,
    limit: int | None = None,
    offset: int | None = None,
    order_by: str = "ID",
    direction: str = "ASC",
    tags: list[str] | None = None,
    locale: str | None = None,
    creator_id: uuid.UUID | None = None,
    author_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
    creator_legacy_id: int | None = None,
    author_legacy_id: int | None = None,
    fields: Iterable[str] = LIST_ITEM_FIELDS,
    by_legacy_id: bool = False,
) -> QuerySet[Page]:
    """``pages`` (API.md §4.1.2): filtered by permission in SQL, then offset and limit.

    Users may be named by UUID or by legacy id (``/graphql``, API-v2.md §3.1); with both a
    creator and an author, pages matching either are listed. ``fields`` are the columns read;
    ``by_legacy_id`` orders ``ID`` and ties by the legacy id instead of the UUID.
    """
    if offset is not None and offset < 0:
        raise DomainError(ErrorKey.INVALID_INPUT, "offset must not be negative")
    queryset = visible_to(caller) if caller is not None else Page.objects.all()
    # List items never show the source or the rendered HTML: leave those large columns unread.
    queryset = queryset.only(*fields)
    if site_id is not None:
        queryset = queryset.filter(site_id=site_id)
    if locale is not None:
        queryset = queryset.filter(locale=locale)
    people = []
    if creator_id is not None:
        people.append(Q(creator_id=creator_id))
    if creator_legacy_id is not None:
        people.append(Q(creator__legacy_id=creator_legacy_id))
    if author_id is not None:
        people.append(Q(author_id=author_id))
    if author_legacy_id is not None:
        people.append(Q(author__legacy_id=author_legacy_id))
    if people:
        either = people[0]
        for condition in people[1:]:
            either |= condition
        queryset = queryset.filter(either)
    # Normalised like page tags; a tag no page can carry matches nothing (``pages`` never errs).
    wanted = dict.fromkeys(t for t in (v.normalize_tag(x or "") for x in tags or ()) if t)
    for tag in wanted:
        queryset = queryset.filter(tag_links__tag__tag=tag)
    column = PAGE_ORDER_FIELDS.get(order_by, "id")
    prefix = "-" if direction == "DESC" else ""
    if by_legacy_id:
        # Wiki.js 2's order (API-v2.md §3.1): ID is the legacy id, ties by it ascending.
        column = "legacy_id" if column == "id" else column
        queryset = queryset.order_by(f"{prefix}{column}", "legacy_id")
    else:
        # The id breaks ties so that offset paging is stable.
        queryset = queryset.order_by(f"{prefix}{column}", f"{prefix}id")
    start = offset or 0
    if limit is not None and limit >= 1:
        return queryset[start : start + limit]
    return queryset[start:] if start else queryset


def page_for_reading(caller: Caller | None, page: Page | None) -> Page:
    """The checks of ``pageById`` / ``pageByPath`` (API.md §4.1.2), in order."""
    if page is None:
        raise DomainError(ErrorKey.PAGE_NOT_FOUND)
    if caller is None:
        return page
    ctx = PageContext.of(page)
    caller.require_at(scopes.READ_PAGES, ctx)
    if not page.is_effectively_published:
        caller.require_at(scopes.WRITE_PAGES, ctx)
    return page


# Compiled once per connection: building this query cost eight times as much as running it.
_PAGE_BY_ID = PreparedRow(lambda pk: Page.objects.filter(pk=pk))


def get_page(caller: Caller | None, page_id: uuid.UUID, *, with_people: bool = True) -> Page:
    """The page ``pageById`` answers; ``with_people`` reads its author and creator with it."""
    if with_people:
        pages = Page.objects.select_related("author", "creator").filter(pk=page_id).order_by()
        return page_for_reading(caller, next(iter(pages[:1]), None))
    return page_for_reading(caller, _PAGE_BY_ID.get(page_id))


def get_page_by_legacy_id(
    caller: Caller | None, legacy_id: int, *, with_people: bool = True
) -> Page:
    """``pageById``'s checks for a page named by its legacy id (API-v2.md §1.6, §3.1)."""
    if legacy_id < 1:
        return page_for_reading(caller, None)
    if with_people:
        pages = Page.objects.select_related("author", "creator").filter(legacy_id=legacy_id)
        return page_for_reading(caller, next(iter(pages.order_by()[:1]), None))
    pages = _PAGE_BY_LEGACY_ID.run(
        "page-by-legacy-id", lambda n: Page.objects.filter(legacy_id=n).order_by()[:1], (legacy_id,)
    )
    return page_for_reading(caller, pages[0] if pages else None)


# Compiled once per connection, as ``_PAGE_BY_ID``: the page of ``pages { single }``.
_PAGE_BY_LEGACY_ID = PreparedQuery(limit=4)


def page_for_conflicts(caller: Caller | None, legacy_id: int) -> Page:
    """A page an editor compares with its checkout: it exists, then ``write:pages`` or
    ``manage:pages`` at it (API-v2.md §3.1 ``checkConflicts``, ``conflictLatest``)."""
    page = (
        Page.objects.select_related("author").filter(legacy_id=legacy_id).order_by().first()
        if legacy_id >= 1
        else None
    )
    if page is None:
        raise DomainError(ErrorKey.PAGE_NOT_FOUND)
    if caller is not None:
        ctx = PageContext.of(page)
        if not (caller.can_at(scopes.WRITE_PAGES, ctx) or caller.can_at(scopes.MANAGE_PAGES, ctx)):
            raise DomainError(caller.forbidden_key, "needs write:pages or manage:pages")
    return page
