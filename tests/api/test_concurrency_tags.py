"""Page writes sharing tags, racing on PostgreSQL: no deadlock, counts exact.

The concurrency soak (tests/soak) found two deadlocks here. Usage counts were raised and
lowered by ``UPDATE ... WHERE id IN (...)``, which locks rows in the order the table is
scanned, an order that changes as rows get new versions: two writers with overlapping tags
could each hold a row the other waited for. And ``updatePage`` lowered the counts of the tags
it dropped before taking the tag id counter for the tags it added, while ``createPage`` took
the counter first and then raised counts: a lock-order inversion. Now every transaction takes
the counter (when it adds a tag to the vocabulary) before any tag row, and all of its tag rows
at once, in id order.

A third race, found while looking at these: a page created under a folder that deleteFolder
is removing. createPage held its tag rows, then waited for the folder (or held a subfolder,
locked in scan order, and waited for the folder); deleteFolder held the folder and then
waited for those rows. createPage now takes its folders first, parents first.
"""

import random
import threading
from collections import Counter

from django.db import connection
from django.test.utils import CaptureQueriesContext

from pages import edits, folders
from pages.edits import PagePatch
from pages.models import Page, PageHistory, PageTag, Tag, TreeItem, TreeItemType
from wiki.errors import DomainError, ErrorKey

from .concurrency_support import RACE_MARKS, run_in_threads
from .page_edit_support import make_page

pytestmark = RACE_MARKS

WRITERS = 8
ROUNDS = 20
TAGS = [f"shared-{n}" for n in range(6)]


def test_creates_and_updates_with_overlapping_tags_in_any_order_never_deadlock(admin):
    # Updates queue on the history id counter, creates on the page id counter: the races that
    # deadlocked are between a create and an update, so half the writers do each.
    pages = {n: make_page(f"tags/race-{n}", tags=TAGS[:2]) for n in range(1, WRITERS, 2)}
    barrier = threading.Barrier(WRITERS)
    failures: list[str] = []
    written = {page.pk: TAGS[:2] for page in pages.values()}

    def write(n: int) -> None:
        chooser = random.Random(n)  # noqa: S311 (a workload)
        try:
            for round_ in range(ROUNDS):
                tags = chooser.sample(TAGS, chooser.randint(2, 5))  # overlapping, any order
                if round_ % 3 == n % 3:
                    tags.append(f"new-{round_}")  # new to the vocabulary, for several at once
                barrier.wait()
                try:
                    if n in pages:
                        edits.update_page(None, pages[n].pk, PagePatch(tags=tags))
                        written[pages[n].pk] = tags
                    else:
                        page = make_page(f"tags/new-{n}-{round_}", tags=tags)
                        written[page.pk] = tags
                except Exception as exc:  # noqa: BLE001 (reported below)
                    failures.append(f"writer {n}, round {round_}: {exc!r}")
        finally:
            connection.close()

    run_in_threads(write, [(n,) for n in range(WRITERS)])

    assert failures == []
    links: dict = {}
    for page_id, tag in PageTag.objects.values_list("page_id", "tag__tag"):
        links.setdefault(page_id, set()).add(tag)
    assert links == {page_id: set(tags) for page_id, tags in written.items()}
    carried = {}
    for tags in written.values():
        for tag in tags:
            carried[tag] = carried.get(tag, 0) + 1
    counts = dict(Tag.objects.filter(usage_count__gt=0).values_list("tag", "usage_count"))
    assert counts == carried


def test_a_tag_change_locks_the_counter_first_then_every_tag_row_in_one_ordered_statement(admin):
    page = make_page("tags/order", tags=["alpha", "beta"])
    with CaptureQueriesContext(connection) as queries:
        edits.update_page(None, page.pk, PagePatch(tags=["beta", "gamma"]))
    statements = [q["sql"] for q in queries.captured_queries]
    counter = next(
        i for i, sql in enumerate(statements) if "legacyidcounter" in sql and "'tag'" in sql
    )
    tag_writes = [i for i, sql in enumerate(statements) if sql.startswith('UPDATE "pages_tag"')]
    # One statement lowers alpha and raises gamma, after the counter gave gamma its id.
    assert len(tag_writes) == 1
    assert counter < tag_writes[0]
    assert "ORDER BY" in statements[tag_writes[0]]
    assert "FOR NO KEY UPDATE" in statements[tag_writes[0]]
    assert dict(Tag.objects.values_list("tag", "usage_count")) == {
        "alpha": 0,
        "beta": 1,
        "gamma": 1,
    }


def test_pages_created_with_tags_under_a_folder_being_deleted_never_deadlock(admin):
    # deleteFolder locks the folder, then its pages and items, then lowers tag counts;
    # createPage must not hold a tag row while it waits for that folder.
    make_page("doomed/seed", tags=TAGS)
    site_id = Page.objects.get(path="doomed/seed").site_id
    barrier = threading.Barrier(WRITERS)
    failures: list[str] = []
    created: list = []

    def write(n: int) -> None:
        chooser = random.Random(n)  # noqa: S311 (a workload)
        try:
            for round_ in range(ROUNDS // 2):  # it deadlocked in most rounds
                barrier.wait()
                try:
                    if n < 2:
                        folder = TreeItem.objects.filter(
                            site_id=site_id, type=TreeItemType.FOLDER, path="doomed"
                        ).first()
                        if folder is not None:
                            folders.delete_folder(None, folder.pk)
                    else:
                        tags = chooser.sample(TAGS, chooser.randint(2, 5))
                        created.append(make_page(f"doomed/w{n}/p{round_}", tags=tags).pk)
                except DomainError as exc:
                    if exc.key != ErrorKey.INVALID_FOLDER:  # the other deleter was first
                        failures.append(f"writer {n}, round {round_}: {exc!r}")
                except Exception as exc:  # noqa: BLE001 (reported below)
                    failures.append(f"writer {n}, round {round_}: {exc!r}")
        finally:
            connection.close()

    run_in_threads(write, [(n,) for n in range(WRITERS)])

    assert failures == []
    # Each created page is there, or went with its folder (and has its 'deleted' version).
    gone = set(created) - set(Page.objects.values_list("pk", flat=True))
    archived = set(
        PageHistory.objects.filter(action="deleted", page_id__in=gone).values_list(
            "page_id", flat=True
        )
    )
    assert gone == archived
    links = Counter(PageTag.objects.values_list("tag__tag", flat=True))
    assert dict(Tag.objects.values_list("tag", "usage_count")) == {t: links[t] for t in TAGS}
