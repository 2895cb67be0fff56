"""The content version (wiki/content_version.py, pages migration 0007): raised by every write
to what a page view shows, by nothing else, and kept cheap to read however many writes came."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from pages.models import Page, TreeItem
from tests.api.concurrency_support import run_in_threads
from tests.factories import PageFactory, UserFactory
from tests.pages.read_support import make_page
from wiki.content_version import version_subquery
from wiki.models import ContentChange, Site

pytestmark = pytest.mark.django_db


def version() -> int:
    return Site.objects.annotate(v=version_subquery()).values_list("v", flat=True)[0]


def test_writes_to_pages_tree_items_and_names_raise_it(admin):
    page = make_page("docs/intro")
    assert TreeItem.objects.filter(path=page.path).exists()
    seen = [version()]
    Page.objects.filter(pk=page.pk).update(title="Other title")
    seen.append(version())
    TreeItem.objects.filter(path=page.path).update(title="Other title")
    seen.append(version())
    User.objects.filter(pk=page.author_id).update(name="Renamed")
    seen.append(version())
    page.delete()
    seen.append(version())
    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen)


def test_writes_a_page_view_never_shows_leave_it_alone():
    user = UserFactory()
    before = version()
    User.objects.filter(pk=user.pk).update(last_login=timezone.now(), email="new@example.com")
    Site.objects.filter(hostname="*").update(is_enabled=True)
    assert version() == before


def test_the_log_stays_short_and_its_sum_exact_however_many_writes():
    page = PageFactory()
    before = version()
    for n in range(700):
        Page.objects.filter(pk=page.pk).update(description=f"edit {n}")
    assert version() == before + 700
    assert ContentChange.objects.count() <= 300
    assert ContentChange.objects.aggregate(total=Sum("weight"))["total"] == version()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time: nothing races"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_writers_racing_through_folds_neither_wait_nor_lose_a_change():
    """Eight writers, each writing in transactions of its own, pass many folds: no deadlock,
    no error, and the version grows by exactly the number of statements."""
    pages = [PageFactory() for _ in range(8)]
    before = version()
    failures: list[BaseException] = []
    barrier = threading.Barrier(len(pages))

    def write(page) -> None:
        try:
            barrier.wait()
            for n in range(90):
                with transaction.atomic():
                    Page.objects.filter(pk=page.pk).update(description=f"edit {n}")
                    TreeItem.objects.filter(pk=page.pk).update(title=f"Title {n}")
        except BaseException as error:  # noqa: BLE001 (reported below)
            failures.append(error)
        finally:
            connection.close()

    run_in_threads(write, [(page,) for page in pages])

    assert failures == []
    assert version() == before + 8 * 90 * 2
    assert ContentChange.objects.count() <= 2 * 256
