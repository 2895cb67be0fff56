"""``update_page``'s optional expected version (the browser editor's "no edit lost silently").

Without it nothing changes for the API; with it, a save made from an older state is refused
(``StaleVersion``) on the locked row, writing nothing, and of many saves made from one version
at the same moment exactly one goes through.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from accounts.authentication import user_caller
from pages.edits import PagePatch, StaleVersion, update_page
from pages.models import Page, PageHistory
from tests.api.concurrency_support import run_in_threads
from tests.factories import GroupFactory, PageFactory, UserFactory, rule
from wiki.errors import DomainError, ErrorKey


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """A trusted operator (``caller=None``) writes as the root administrator."""


def _writer(**fields):
    group = GroupFactory(rules=[rule(roles=("read:pages", "write:pages"))])
    return user_caller(UserFactory(groups=[group], **fields))


@pytest.mark.django_db
def test_without_an_expected_version_any_state_is_updated():
    page = PageFactory(content="one")
    update_page(None, page.pk, PagePatch(content="two"))

    updated = update_page(None, page.pk, PagePatch(content="three"))

    assert updated.content == "three"


@pytest.mark.django_db
def test_the_current_version_is_updated_and_gets_a_new_one():
    page = PageFactory(content="one")

    updated = update_page(
        _writer(), page.pk, PagePatch(content="two"), expected_version=page.updated_at
    )

    assert updated.content == "two"
    assert updated.updated_at > page.updated_at


@pytest.mark.django_db
def test_an_older_version_is_refused_and_nothing_is_written():
    page = PageFactory(content="one")
    start = page.updated_at
    newer = update_page(None, page.pk, PagePatch(content="two"))

    with pytest.raises(StaleVersion) as caught:
        update_page(_writer(), page.pk, PagePatch(content="mine"), expected_version=start)

    assert caught.value.current.updated_at == newer.updated_at
    stored = Page.objects.get(pk=page.pk)
    assert (stored.content, stored.updated_at) == ("two", newer.updated_at)
    assert PageHistory.objects.filter(page_id=page.pk).count() == 1


@pytest.mark.django_db
def test_one_microsecond_apart_is_another_version():
    page = PageFactory(content="one")

    with pytest.raises(StaleVersion):
        update_page(
            None,
            page.pk,
            PagePatch(content="x"),
            expected_version=page.updated_at - timedelta(microseconds=1),
        )


@pytest.mark.django_db
def test_permission_is_judged_before_the_version():
    """A caller who may not write learns nothing about versions."""
    page = PageFactory(content="one")
    reader = user_caller(UserFactory())

    with pytest.raises(DomainError) as caught:
        update_page(
            reader,
            page.pk,
            PagePatch(content="x"),
            expected_version=page.updated_at - timedelta(days=1),
        )

    assert caught.value.key == ErrorKey.PAGE_UPDATE_FORBIDDEN


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_simultaneous_saves_from_one_version_exactly_one_goes_through():
    page = PageFactory(content="start")
    writers = [_writer(email=f"racer{n}@example.com") for n in range(6)]
    barrier = threading.Barrier(len(writers))
    outcomes: list[str] = []

    def save(n: int) -> None:
        try:
            barrier.wait()
            update_page(
                writers[n],
                page.pk,
                PagePatch(content=f"text {n}"),
                expected_version=page.updated_at,
            )
            outcomes.append("saved")
        except StaleVersion:
            outcomes.append("stale")
        finally:
            connection.close()

    run_in_threads(save, [(n,) for n in range(len(writers))])

    assert sorted(outcomes) == ["saved"] + ["stale"] * (len(writers) - 1)
    assert PageHistory.objects.filter(page_id=page.pk).count() == 1
    assert Page.objects.get(pk=page.pk).content.startswith("text ")
