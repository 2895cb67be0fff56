"""Regressions found by the review of the pages domain."""

import pytest

from pages.services import list_pages
from tests.conftest import GraphQLClient
from tests.factories import PageFactory, UserFactory, rule

pytestmark = pytest.mark.django_db

PAGES = "{ pages(orderBy: PATH) { path } }"


# --- A REGEX rule such as (a+)+ was run against every page path of every list ------------------
# (``^(a+)+$`` backtracks through 2**n splits of a path of n a's followed by another character:
# one request could hold a worker for hours.) Such a rule is now ignored like a malformed one.
def test_catastrophic_regex_rule_grants_nothing(group_with, client_for):
    from accounts.authentication import user_caller

    PageFactory(path="aaaaaaaa")
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
    assert response.data == {"pages": [{"path": "docs"}]}
    assert [page.path for page in list_pages(user_caller(reader))] == ["docs"]


def test_unsafe_rule_in_guests_group_does_not_open_pages():
    from accounts.models import GUESTS_GROUP_ID, Group

    PageFactory(path="aaaa")
    Group.objects.filter(pk=GUESTS_GROUP_ID).update(
        rules=[rule("ALLOW", "REGEX", "(a*)*", roles=("read:pages",))]
    )

    assert GraphQLClient()(PAGES).data == {"pages": []}
