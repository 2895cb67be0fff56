"""The /graphql endpoint answers in the Wiki.js 2 dialect (API-v2.md §1, §2)."""

import pytest

pytestmark = pytest.mark.django_db


def test_namespaces_resolve_to_objects_with_typename(v2_anonymous):
    r = v2_anonymous("{ pages { __typename } users { __typename } site { __typename } }")
    assert r.status == 200, r.body
    assert r.data == {
        "pages": {"__typename": "PageQuery"},
        "users": {"__typename": "UserQuery"},
        "site": {"__typename": "SiteQuery"},
    }
    assert "errors" not in r.body


def test_mutation_namespaces_resolve(v2_anonymous):
    r = v2_anonymous("mutation { pages { __typename } groups { __typename } }")
    assert r.status == 200, r.body
    assert r.data == {
        "pages": {"__typename": "PageMutation"},
        "groups": {"__typename": "GroupMutation"},
    }


def test_unknown_namespace_fails_validation(v2_anonymous):
    r = v2_anonymous("{ assets { list { id } } }")
    assert r.status == 400, r.body
    assert r.data is None
