"""What surrounds a page in the browser: breadcrumbs, the sidebar and the table of contents.

Breadcrumbs and sidebar come from the folder tree, filtered exactly as the API's ``tree`` filters
it (``tree_listing.visible_items_q``: pages by read:pages and publish visibility, folders by
read:pages at their path), so a visitor finds no title there that ``tree`` would not show them.
The page view asks for both at once (``surroundings``: one prepared query, however deep the
page or however many items sit beside it).
The sidebar and the table of contents come as HTML from here (``sidebar_html``, ``toc_html``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.permissions import RuleMatch
from wiki.prepared import PreparedQuery

from .browser import Visit, page_url
from .models import Page, TreeItem, TreeItemType, split_path
from .tree import ancestor_paths
from .tree_listing import visible_items_q

# The sidebar lists the page's folder and one level below each of its folders: enough to
# browse without scripts (a folder opens as <details>), capped so a huge folder stays cheap.
SIDEBAR_LIMIT = 300
# Stored TOCs come from the renderer, or from imports; a runaway one is cut, not rendered.
TOC_LIMIT = 500


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str | None  # the page living at the folder's path, when the visitor may read one


@dataclass
class Entry:
    """A sidebar line: a page (``url``), a folder (``children``), or both at one path."""

    title: str
    path: str
    url: str | None = None
    is_folder: bool = False
    current: bool = False
    children: list[Entry] = field(default_factory=list)


@dataclass
class Sidebar:
    entries: list[Entry]
    truncated: bool


def _merge(level: dict[str, Entry], item: TreeItem, visit: Visit, page: Page) -> None:
    """A folder and a page sharing a path are one line: the page's link and title, the
    folder's children."""
    entry = level.get(item.path)
    if entry is None:
        entry = level[item.path] = Entry(title=item.title, path=item.path)
    if item.type == TreeItemType.PAGE:
        entry.title = item.title
        entry.url = page_url(visit.site, item.locale, item.path)
        entry.current = item.pk == page.pk
    else:
        entry.is_folder = True


# --- Breadcrumbs and sidebar in one query -----------------------------------------------------
def surroundings(
    visit: Visit, page: Page, *, with_sidebar: bool
) -> tuple[list[Crumb], Sidebar | None]:
    """The breadcrumbs and (when ``with_sidebar``) the sidebar of ``page``: the items the
    API's ``tree`` shows this visitor above the page and in its folder (depth 2), from one
    query (tests/pages/test_read_surroundings.py checks it against ``list_tree``).

    The ancestors lie above the page's folder and the sidebar's items in and below it, so one
    statement ordered as ``tree`` orders (depth, title, id) lists the crumbs' rows first and
    then the sidebar's. It is compiled once per connection and access policy
    (wiki/prepared.py): building the permission condition and compiling it cost far more than
    running it. A policy with a REGEX rule reads the paths it matches from the database, so
    its condition is built afresh each time.
    """
    folder_path, _ = split_path(page.path)
    ancestors = ancestor_paths(page.path)
    top_depth = folder_path.count("/") + 1 if folder_path else 0
    if not ancestors and not with_sidebar:
        return [], None
    policy = visit.caller.policy
    values = (page.site_id, page.locale, timezone.now(), *ancestors)

    def build(site, locale, now, *folders):
        return _surroundings_query(visit, site, locale, now, list(folders), with_sidebar)

    if any(rule.match == RuleMatch.REGEX for rule in policy.rules):
        items = list(build(*values))
    else:
        key = ("surroundings", top_depth, with_sidebar)
        items = _SURROUNDINGS.run(key, build, values, owner=policy)
    above = [item for item in items if item.depth < top_depth]
    crumbs = crumbs_from(visit, page, ancestors, above)
    if not with_sidebar:
        return crumbs, None
    listed = [item for item in items if item.depth >= top_depth]
    return crumbs, sidebar_from(visit, page, listed, top_depth)


_SURROUNDINGS = PreparedQuery()
_ITEM_COLUMNS = ("site_id", "type", "path", "folder_path", "depth", "title", "locale", "meta")


def _surroundings_query(visit, site, locale, now, ancestors, with_sidebar):
    nothing = Q(pk__in=[])
    crumbs_q = nothing
    if ancestors:
        crumbs_q = Q(path__in=ancestors, type__in=(TreeItemType.FOLDER, TreeItemType.PAGE))
    listed_q = nothing
    if with_sidebar:
        # As ``list_tree`` lists the folder at depth 2: nothing when no folder item is there.
        top_depth = len(ancestors)
        listed_q = Q(depth__gte=top_depth, depth__lt=top_depth + 2)
        if ancestors:
            folder = ancestors[-1]
            listed_q &= Q(folder_path=folder) | Q(folder_path__startswith=folder + "/")
            listed_q &= Q(
                Exists(
                    TreeItem.objects.filter(
                        site_id=site, type=TreeItemType.FOLDER, path=folder, locale=locale
                    )
                )
            )
    items = TreeItem.objects.filter(site_id=site, locale=locale).filter(crumbs_q | listed_q)
    condition = visible_items_q(visit.caller, now)
    if condition is not None:
        items = items.filter(condition)
    limit = SIDEBAR_LIMIT + 1 + 2 * len(ancestors)
    return items.only(*_ITEM_COLUMNS).order_by("depth", "title", "id")[:limit]


def crumbs_from(visit: Visit, page: Page, ancestors: list[str], items) -> list[Crumb]:
    """One crumb per folder above ``page``, from the visible tree items at those paths: linked
    to the page at that path when there is a visible one, titled by the visible folder, else
    just the path segment (which the address already shows)."""
    pages: dict[str, str] = {}
    folders: dict[str, str] = {}
    for item in items:
        (pages if item.type == TreeItemType.PAGE else folders)[item.path] = item.title
    crumbs = []
    for path in ancestors:
        label = pages.get(path) or folders.get(path) or split_path(path)[1]
        url = page_url(visit.site, page.locale, path) if path in pages else None
        crumbs.append(Crumb(label, url))
    return crumbs


def sidebar_from(visit: Visit, page: Page, items, top_depth: int) -> Sidebar:
    """The sidebar from the visible items of the page's folder (depth ``top_depth``) and one
    level below, in ``tree`` order. Pages not meant for browsing (``isBrowsable`` off) are left
    out, except the page being read."""
    truncated = len(items) > SIDEBAR_LIMIT
    top: dict[str, Entry] = {}
    below: dict[str, dict[str, Entry]] = {}
    for item in items[:SIDEBAR_LIMIT]:
        if item.type == TreeItemType.PAGE and item.pk != page.pk:
            if (item.meta or {}).get("isBrowsable") is False:
                continue
        level = top if item.depth == top_depth else below.setdefault(item.folder_path, {})
        _merge(level, item, visit, page)
    entries = list(top.values())
    for entry in entries:
        if entry.is_folder:
            entry.children = list(below.get(entry.path, {}).values())
    return Sidebar(entries, truncated)


@dataclass(frozen=True)
class TocEntry:
    label: str
    key: str
    children: tuple[TocEntry, ...] = ()


def table_of_contents(page: Page) -> list[TocEntry]:
    """The stored heading tree, as the page's settings want it shown.

    Nothing when ``showToc`` is off. The renderer already kept only levels ``tocDepth.min``
    to ``max``; nesting is cut at that many levels too, which also holds a TOC stored before a
    depth change (or imported) to the page's setting. Malformed entries are skipped.
    """
    config = page.config if isinstance(page.config, dict) else {}
    if config.get("showToc", True) is False:
        return []
    depth = config.get("tocDepth")
    depth = depth if isinstance(depth, dict) else {}
    try:
        levels = int(depth.get("max", 2)) - int(depth.get("min", 1)) + 1
    except (TypeError, ValueError):
        levels = 2
    budget = [TOC_LIMIT]
    return _toc_level(page.toc, max(levels, 1), budget)


def _toc_level(nodes, levels: int, budget: list[int]) -> list[TocEntry]:
    entries: list[TocEntry] = []
    if levels < 1 or not isinstance(nodes, list):
        return entries
    for node in nodes:
        if budget[0] <= 0:
            break
        if not isinstance(node, dict):
            continue
        label, key = node.get("label"), node.get("key")
        if not isinstance(label, str) or not isinstance(key, str) or not label:
            continue
        budget[0] -= 1
        children = _toc_level(node.get("children"), levels - 1, budget)
        entries.append(TocEntry(label, key, tuple(children)))
    return entries


# --- As HTML ----------------------------------------------------------------------------------
# The sidebar and the table of contents are written here rather than by recursive template
# includes, which cost more than the rest of the page view's template together (one include
# per line, each with its own context), and with f-strings rather than ``format_html`` per
# line, which cost nearly as much. Every text and address is put in through ``escape``, as the
# template's autoescaping put it: the fragments are as inert as the template made them, and
# only then marked safe.
def sidebar_html(side: Sidebar) -> SafeString:
    """The lines of ``#sidebar``'s list: a folder opens as <details> (no script needed); a page
    link is never put inside <summary> (a link nested in that control is an accessibility
    fault)."""
    html = "".join(f"<li>{_sidebar_entry(entry)}</li>" for entry in side.entries)
    return mark_safe(html)  # noqa: S308 - every value above went through escape()


def _sidebar_entry(entry: Entry) -> str:
    title = escape(entry.title)
    parts = []
    if entry.url:
        current = ' aria-current="page"' if entry.current else ""
        parts.append(f'<a href="{escape(entry.url)}"{current}>{title}</a>')
    if entry.is_folder and entry.children:
        count = len(entry.children)
        if entry.url:
            plural = "" if count == 1 else "s"
            summary = f'<span class="visually-hidden">Inside {title}: </span>{count} item{plural}'
        else:
            summary = f'<span class="folder">{title}</span>'
        children = "".join(
            f'<li><a href="{escape(child.url)}">{escape(child.title)}</a></li>'
            if child.url
            else f'<li><span class="folder">{escape(child.title)}</span></li>'
            for child in entry.children
        )
        details = "<details open>" if entry.current else "<details>"
        parts.append(f"{details}<summary>{summary}</summary><ul>{children}</ul></details>")
    elif not entry.url:
        parts.append(f'<span class="folder">{title}</span>')
    return "".join(parts)


def toc_html(entries) -> SafeString:
    """The nested lists of ``#toc``: each heading links to its anchor."""
    return mark_safe(_toc_list(entries))  # noqa: S308 - every value went through escape()


def _toc_list(entries) -> str:
    items = "".join(
        f'<li><a href="#{escape(entry.key)}">{escape(entry.label)}</a>'
        f"{_toc_list(entry.children) if entry.children else ''}</li>"
        for entry in entries
    )
    return f"<ul>{items}</ul>"
