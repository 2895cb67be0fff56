"""Regressions found by the review of the pages domain."""

import pytest

from pages.services import list_pages
from tests.conftest import GraphQLClient
from tests.factories import PageFactory, UserFactory, rule

pytestmark = pytest.mark.django_db

PAGES = "{ pages(orderBy: PATH) { path } }"


# --- A REGEX rule such as (a+)+ was run against every page path of every list ------------------
# (``^(a+)+$`` backtracks through 2**n splits of a path of n a's followed by another character:
# one request could hold a worker for hours.) Rules now run on RE2, in linear time, so such a
# rule simply means what it says; a pattern RE2 cannot express fails closed.
def test_backtracking_regex_rule_is_evaluated_in_linear_time(group_with, client_for):
    from accounts.authentication import user_caller

    PageFactory(path="a" * 40)
    PageFactory(path="a" * 40 + "-b")  # 2**40 ways to fail for a backtracking engine
    PageFactory(path="docs")
    reader = UserFactory(
        groups=[
            group_with(
                rules=[
                    rule("DENY", "START", "", roles=("read:pages",)),
                    rule("ALLOW", "REGEX", "^(a+)+$", roles=("read:pages",)),
                    rule("ALLOW", "REGEX", "^docs$", roles=("read:pages",)),
                ]
            )
        ]
    )

    response = client_for(reader)(PAGES)

    assert response.errors == []
    assert response.data == {"pages": [{"path": "a" * 40}, {"path": "docs"}]}
    assert sorted(page.path for page in list_pages(user_caller(reader))) == ["a" * 40, "docs"]


def test_unsupported_regex_rules_in_guests_group_fail_closed():
    from accounts.models import GUESTS_GROUP_ID, Group

    PageFactory(path="aaaa")
    PageFactory(path="docs")
    guests = Group.objects.filter(pk=GUESTS_GROUP_ID)
    guests.update(rules=[rule("ALLOW", "REGEX", "(?=a)a", roles=("read:pages",))])
    assert GraphQLClient()(PAGES).data == {"pages": []}

    # A DENY that cannot be evaluated denies everything it could have meant.
    guests.update(
        rules=[
            rule("ALLOW", "START", "", roles=("read:pages",)),
            rule("DENY", "REGEX", r"(a)\1", roles=("read:pages",)),
        ]
    )
    assert GraphQLClient()(PAGES).data == {"pages": []}
    guests.update(rules=[rule("ALLOW", "START", "", roles=("read:pages",))])
    assert GraphQLClient()(PAGES).data == {"pages": [{"path": "aaaa"}, {"path": "docs"}]}
