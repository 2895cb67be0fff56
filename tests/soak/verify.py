"""What the database must hold after a soak, given the writes the server acknowledged.

Each check takes rows read from the database and the clients' records and returns the
problems it found, as sentences (an empty list: nothing wrong). They are plain functions so
that tests/soak/test_verify.py can show each one catching what it is meant to catch.

The history rule checked (API.md §4.1.1): every ``updatePage`` and ``deletePage`` archives
the state it replaces, ``createPage`` archives nothing. So a page's versions, oldest first,
followed by its current state, are its initial state and then the state each acknowledged
update set, each exactly once, in the order the server applied them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .workload import Created, PageState, SharedPage, Update


# --- Rows as read from the database ----------------------------------------------------------
@dataclass(frozen=True)
class PageRow:
    page_id: str
    site_id: str
    locale: str
    path: str
    state: PageState


@dataclass(frozen=True)
class VersionRow:
    page_id: str
    action: str
    state: PageState
    path: str = ""


@dataclass(frozen=True)
class TreeRow:
    item_id: str
    page_id: str | None
    site_id: str
    locale: str
    type: str
    folder_path: str
    file_name: str
    path: str
    depth: int
    title: str
    tags: tuple[str, ...]


# --- Pages: created once, deleted when told, nothing else -------------------------------------
def page_problems(
    pages: list[PageRow],
    created: list[Created],
    setup: list[SharedPage],
    deleted: list[str],
    moved: dict[str, str] | None = None,
    prefix: str = "soak/",
) -> list[str]:
    """Every acknowledged create exists exactly once unless acknowledged deleted, at the
    destination of its last acknowledged move (``moved``: page id -> path) if any; a page that
    no create acknowledged is a phantom; no path holds two pages."""
    problems = []
    by_id = {row.page_id: row for row in pages}
    made = Counter(c.page_id for c in created)
    problems += [
        f"page {pid} acknowledged as created {n} times" for pid, n in made.items() if n > 1
    ]
    paths = Counter(c.path for c in created)
    problems += [
        f"{n} creates at {path} were acknowledged (one can win)"
        for path, n in paths.items()
        if n > 1
    ]
    gone = Counter(deleted)
    problems += [
        f"page {pid} acknowledged as deleted {n} times" for pid, n in gone.items() if n > 1
    ]
    expected = {c.page_id: c.path for c in created} | {s.page_id: s.path for s in setup}
    expected |= {pid: path for pid, path in (moved or {}).items() if pid in expected}
    for page_id, path in expected.items():
        row = by_id.get(page_id)
        if page_id in gone:
            if row is not None:
                problems.append(f"page {page_id} ({path}) was acknowledged deleted but exists")
        elif row is None:
            problems.append(f"page {page_id} ({path}) was acknowledged created but is missing")
        elif row.path != path:
            problems.append(f"page {page_id} is at {row.path}, expected at {path}")
    for row in pages:
        if row.path.startswith(prefix) and row.page_id not in expected:
            problems.append(f"page {row.page_id} at {row.path}: no create of it was acknowledged")
    places = Counter((row.site_id, row.locale, row.path) for row in pages)
    problems += [f"{n} pages at {place}" for place, n in places.items() if n > 1]
    return problems


# --- History: complete, in an order the clients could have seen ------------------------------
def history_problems(
    page_id: str,
    initial: PageState,
    versions: list[VersionRow],
    current: PageState | None,
    updates: list[Update],
    deleted: bool,
    path: str = "",
    moves: list[str] = (),
) -> tuple[list[str], list[Update]]:
    """Check one page's versions (oldest first) and current state (None: no longer exists)
    against its acknowledged updates and moves (destinations in order; the page was created
    at ``path``). Returns the problems and the order the updates were applied in (as far as it
    could be told)."""
    problems = []
    label = f"page {page_id}"
    actions = Counter(v.action for v in versions)
    if actions["moved"] != len(moves):
        problems.append(
            f"{label}: {actions['moved']} 'moved' versions for {len(moves)} acknowledged moves"
        )
    elif moves:
        # A move archives the path it leaves: the created one, then each destination but the last.
        left = [v.path for v in versions if v.action == "moved"]
        if left != [path, *moves[:-1]]:
            problems.append(f"{label}: moved from {left}, expected from {[path, *moves[:-1]]}")
    # A move changes no content: the state it archives is the one the next version (or the
    # page now) holds, so it is left out of the chain of states below.
    versions = [v for v in versions if v.action != "moved"]
    if actions["updated"] != len(updates):
        problems.append(
            f"{label}: {actions['updated']} 'updated' versions for {len(updates)} acknowledged updates"
        )
    if actions["deleted"] != (1 if deleted else 0):
        problems.append(f"{label}: {actions['deleted']} 'deleted' versions, deleted={deleted}")
    other = set(actions) - {"updated", "deleted", "moved"}
    if other:
        problems.append(f"{label}: unexpected version actions {sorted(other)}")
    if deleted and versions and versions[-1].action != "deleted":
        problems.append(f"{label}: the last version is '{versions[-1].action}', not 'deleted'")
    if deleted != (current is None):
        problems.append(
            f"{label}: deleted={deleted} but the page {'is gone' if current is None else 'exists'}"
        )

    # The states the page went through: its versions, then what it holds now (a deleted page's
    # last state is its 'deleted' version).
    states = [v.state for v in versions] + ([current] if current is not None else [])
    if not states or states[0] != initial:
        first = states[0] if states else None
        problems.append(f"{label}: the oldest state is {first}, created as {initial}")
        return problems, []
    by_state: dict[PageState, Update] = {}
    for update in updates:
        if update.state in by_state:
            problems.append(f"{label}: two acknowledged updates wrote {update.state}")
        by_state[update.state] = update
    applied: list[Update] = []
    seen: set[PageState] = {initial}
    for state in states[1:]:
        if state in seen:
            problems.append(f"{label}: the state {state} appears twice in its history")
            continue
        seen.add(state)
        update = by_state.get(state)
        if update is None:
            problems.append(f"{label}: the state {state} was written by no acknowledged update")
        else:
            applied.append(update)
    missing = [u.state for u in updates if u.state not in seen]
    problems += [f"{label}: the acknowledged update to {state} is lost" for state in missing]
    problems += realtime_problems(label, applied)
    return problems, applied


def realtime_problems(label: str, applied: list[Update]) -> list[str]:
    """An update whose answer came before another was sent must be applied before it.

    Walking the applied order: an update that was answered before a previously applied one
    was even sent went in too late (the final state would then not be the last write).
    """
    problems = []
    latest: Update | None = None
    for update in applied:
        if latest is not None and update.received < latest.sent:
            problems.append(
                f"{label}: update by client {update.client} (answered at {update.received:.3f}) "
                f"applied after one sent later (client {latest.client}, at {latest.sent:.3f})"
            )
        if latest is None or update.sent > latest.sent:
            latest = update
    return problems


# --- Folders ---------------------------------------------------------------------------------
def folder_problems(
    tree: list[TreeRow], acknowledged: list[str], tried: Iterable[str]
) -> list[str]:
    """Each acknowledged folder exists once; at most one create per path is acknowledged; a
    path some client tried to create exists (someone won)."""
    problems = []
    folders = Counter(row.path for row in tree if row.type == "folder")
    acks = Counter(acknowledged)
    problems += [f"folder {p} acknowledged as created {n} times" for p, n in acks.items() if n > 1]
    for path in set(acknowledged) | set(tried):
        if folders[path] != 1:
            problems.append(f"folder {path}: {folders[path]} folder items, expected 1")
    return problems


# --- The tree beside the pages (API.md §4.2) -------------------------------------------------
def tree_problems(pages: list[PageRow], tree: list[TreeRow]) -> list[str]:
    """One item per page (same id, place, title and tags), no item without its page, every
    ancestor a folder, no two items of one kind at one place, derived columns right."""
    problems = []
    items = {row.item_id: row for row in tree}
    for page in pages:
        item = items.get(page.page_id)
        if item is None or item.type != "page":
            problems.append(f"page {page.page_id} ({page.path}) has no tree item")
            continue
        mine = (
            item.page_id,
            item.site_id,
            item.locale,
            item.path,
            item.title,
            tuple(sorted(item.tags)),
        )
        theirs = (
            page.page_id,
            page.site_id,
            page.locale,
            page.path,
            page.state.title,
            page.state.tags,
        )
        if mine != theirs:
            problems.append(f"tree item of page {page.page_id} is {mine}, the page {theirs}")
    page_ids = {page.page_id for page in pages}
    folders = {(r.site_id, r.locale, r.path) for r in tree if r.type == "folder"}
    for row in tree:
        if row.type == "page" and (row.page_id != row.item_id or row.page_id not in page_ids):
            problems.append(f"tree item {row.item_id} ({row.path}) belongs to no page")
        joined = f"{row.folder_path}/{row.file_name}" if row.folder_path else row.file_name
        depth = row.folder_path.count("/") + 1 if row.folder_path else 0
        if (row.path, row.depth) != (joined, depth):
            problems.append(f"tree item {row.item_id}: path {row.path!r} depth {row.depth}")
        segments = row.folder_path.split("/") if row.folder_path else []
        for end in range(1, len(segments) + 1):
            ancestor = "/".join(segments[:end])
            if (row.site_id, row.locale, ancestor) not in folders:
                problems.append(f"tree item {row.path}: no folder item at {ancestor}")
    places = Counter((r.site_id, r.locale, r.path, r.type) for r in tree)
    problems += [f"{n} tree items at {place}" for place, n in places.items() if n > 1]
    return problems


# --- Tags ------------------------------------------------------------------------------------
def tag_problems(
    pages: list[PageRow], links: list[tuple[str, str]], usage: dict[str, int]
) -> list[str]:
    """Each page's links are its tags, and each tag's usage count is its number of links.

    ``links``: (page id, tag) pairs; ``usage``: tag -> usage_count.
    """
    problems = []
    linked = defaultdict(set)
    for page_id, tag in links:
        linked[page_id].add(tag)
    for page in pages:
        if linked.get(page.page_id, set()) != set(page.state.tags):
            problems.append(
                f"page {page.page_id} carries {sorted(page.state.tags)}, linked to "
                f"{sorted(linked.get(page.page_id, set()))}"
            )
    counts = Counter(tag for _, tag in links)
    for tag, count in usage.items():
        if count != counts.get(tag, 0):
            problems.append(f"tag {tag}: usage count {count}, {counts.get(tag, 0)} pages carry it")
    return problems
