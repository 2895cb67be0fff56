"""The import's legacy id ledger: which Wiki.js ids the import may take, run after run."""

import pytest

from pages.wikijs2.base import IdLedger
from wiki import legacy_ids

pytestmark = pytest.mark.django_db


def test_ids_held_here_before_the_first_import_stay_this_servers():
    legacy_ids.allocate_many("page", 5)  # pages 1-5 were created here

    first = IdLedger()
    assert [n for n in range(1, 9) if first.usable("page", n)] == [6, 7, 8]
    for n in (6, 7, 8):
        first.record("page", n)
    first.save("src", "now")

    again = IdLedger()
    assert [n for n in range(1, 10) if again.owned("page", n)] == [6, 7, 8]
    assert [n for n in range(1, 10) if again.usable("page", n)] == [6, 7, 8, 9]


def test_ids_handed_out_between_two_runs_are_not_taken():
    first = IdLedger()
    first.record("page", 3)
    first.save("src", "now")
    assert legacy_ids.allocate("page") == 4  # a page created here after the import

    again = IdLedger()
    assert [n for n in range(1, 7) if again.usable("page", n)] == [1, 2, 3, 5, 6]
    assert not again.owned("page", 4)


def test_saving_advances_the_counter_past_the_ids_used():
    ledger = IdLedger()
    ledger.record("tag", 40)
    ledger.save("src", "now")
    assert legacy_ids.allocate("tag") == 41


def test_a_counter_already_past_the_ids_is_left_alone():
    legacy_ids.allocate_many("tag", 50)
    ledger = IdLedger()
    ledger.record("tag", 60)
    ledger.save("src", "now")
    assert legacy_ids.allocate("tag") == 61
    later = IdLedger()
    later.record("tag", 55)
    later.save("src", "now")
    assert legacy_ids.allocate("tag") == 62
