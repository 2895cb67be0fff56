"""``deactivatePasskey``, renaming (the profile page's service) and reading passkeys back."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import passkeys
from accounts.authentication import user_caller
from accounts.models import Passkey
from accounts.services import administrators_group
from tests.factories import PageFactory, UserFactory
from wiki.errors import DomainError, ErrorKey

from .support import Browser, failed, operation

pytestmark = pytest.mark.django_db

OK = {"succeeded": True, "slug": "ok", "message": "Passkey removed successfully."}


def test_deactivate_removes_that_passkey_only(member, register, browser_for):
    kept = register(member, name="Kept")
    gone = register(member, name="Gone")
    answer = browser_for(member).deactivate(gone.id)
    assert operation(answer, "deactivatePasskey") == OK
    assert list(Passkey.objects.values_list("credential_id", flat=True)) == [kept.id]


def test_deactivating_an_unknown_id_is_a_no_op(member, register, browser_for):
    kept = register(member)
    answer = browser_for(member).deactivate("bm8gc3VjaCBjcmVkZW50aWFs")
    assert operation(answer, "deactivatePasskey") == OK
    assert list(Passkey.objects.values_list("credential_id", flat=True)) == [kept.id]


def test_another_users_credential_id_is_not_removed(member, register, browser_for):
    theirs = register(UserFactory(), name="Theirs")
    mine = register(member)
    answer = browser_for(member).deactivate(theirs.id)
    assert operation(answer, "deactivatePasskey") == OK
    assert sorted(Passkey.objects.values_list("credential_id", flat=True)) == sorted(
        [theirs.id, mine.id]
    )


def test_deactivate_without_passkeys(member, register, browser_for):
    theirs = register(UserFactory())
    answer = browser_for(member).deactivate(theirs.id)
    assert operation(answer, "deactivatePasskey") == failed("ERR_PASSKEY_NOT_SETUP")
    assert Passkey.objects.count() == 1


@pytest.mark.parametrize("kind", ["guest", "api_key"])
def test_deactivate_needs_a_signed_in_user(kind, member, register, api_key_for):
    credential = register(member)
    token = api_key_for(administrators_group()).token if kind == "api_key" else None
    answer = Browser(token).deactivate(credential.id)
    assert operation(answer, "deactivatePasskey") == failed("ERR_NOT_AUTHENTICATED")
    assert Passkey.objects.count() == 1


def test_a_removed_passkey_no_longer_signs_in(member, register, browser_for, site, authenticator):
    credential = register(member)
    browser_for(member).deactivate(credential.id)
    browser = Browser()
    options = browser.generate(member.email, site).data["authenticatePasskeyGenerate"]
    # The answer is now the decoy's, and the old credential's assertion is refused.
    assert options["authOptions"]["allowCredentials"][0]["id"] != credential.id
    answer = browser.verify(authenticator.get(options["authOptions"], credential=credential))
    assert operation(answer, "authenticatePasskeyVerify") == failed("ERR_LOGIN_FAILED")


# --- rename_passkey (the profile page) --------------------------------------------------------
def test_rename(member, register):
    credential = register(member, name="Old")
    passkeys.rename_passkey(user_caller(member), credential_id=credential.id, name="  New  ")
    assert Passkey.objects.get().name == "New"


@pytest.mark.parametrize("name", ["", "  ", "x" * 256, None])
def test_rename_with_a_bad_name(name, member, register):
    credential = register(member, name="Old")
    with pytest.raises(DomainError) as raised:
        passkeys.rename_passkey(user_caller(member), credential_id=credential.id, name=name)
    assert raised.value.key is ErrorKey.PK_NAME_MISSING_OR_INVALID
    assert Passkey.objects.get().name == "Old"


def test_rename_someone_elses_passkey(member, register):
    theirs = register(UserFactory(), name="Theirs")
    # Unknown first: the bad name is not what is reported.
    with pytest.raises(DomainError) as raised:
        passkeys.rename_passkey(user_caller(member), credential_id=theirs.id, name="")
    assert raised.value.key is ErrorKey.PASSKEY_NOT_SETUP
    assert Passkey.objects.get().name == "Theirs"


def test_rename_needs_a_signed_in_user(member, register):
    from accounts.authentication import guest_caller

    credential = register(member, name="Old")
    with pytest.raises(DomainError) as raised:
        passkeys.rename_passkey(guest_caller(), credential_id=credential.id, name="New")
    assert raised.value.key is ErrorKey.NOT_AUTHENTICATED


# --- reading them back: the same number of queries for 1 passkey as for 10 ---------------------
MY_PASSKEYS = "query ($id: UUID!) { userById(id: $id) { passkeys { id name siteHostname } } }"
PAGE_PEOPLE = """query ($id: UUID!) { pageById(id: $id) {
  author { passkeys { id } } creator { passkeys { id } } } }"""


def _count(browser, query, variables) -> tuple[int, dict]:
    browser(query, variables)
    with CaptureQueriesContext(connection) as queries:
        answer = browser(query, variables)
    assert answer.errors == [], answer.body
    return len(queries.captured_queries), answer.data


def _add_passkeys(user, count):
    Passkey.objects.bulk_create(
        Passkey(
            user=user, credential_id=f"id-{user.pk}-{n}", public_key=b"k", name=f"{n}", rp_id="h"
        )
        for n in range(count)
    )


def test_user_passkeys_cost_one_query_however_many(member, browser_for):
    browser = browser_for(member)
    _add_passkeys(member, 1)
    few, small = _count(browser, MY_PASSKEYS, {"id": str(member.pk)})
    _add_passkeys(UserFactory(), 3)
    Passkey.objects.filter(user=member).delete()
    _add_passkeys(member, 10)
    many, large = _count(browser, MY_PASSKEYS, {"id": str(member.pk)})
    assert (len(small["userById"]["passkeys"]), len(large["userById"]["passkeys"])) == (1, 10)
    assert many == few


def test_page_people_passkeys_cost_the_same_however_many(admin, admin_client):
    author = UserFactory()
    page = PageFactory(author=author, creator=admin, owner=admin)
    _add_passkeys(author, 1)
    query_variables = {"id": str(page.pk)}
    few, small = _count(admin_client, PAGE_PEOPLE, query_variables)
    _add_passkeys(admin, 10)
    _add_passkeys(UserFactory(), 10)
    many, large = _count(admin_client, PAGE_PEOPLE, query_variables)
    assert len(small["pageById"]["author"]["passkeys"]) == 1
    assert len(large["pageById"]["creator"]["passkeys"]) == 10
    assert many == few


def test_no_list_reaches_user_passkeys():
    """``User.passkeys`` costs a query per user: a list of users must prefetch them first.

    No list of the schema reaches ``User`` today (lists of people are ``UserMinimal``); this
    fails when one does, so that its resolver gets ``prefetch_related("passkey_set")`` and a
    query-count test.
    """
    from graphql import (
        GraphQLInterfaceType,
        GraphQLList,
        GraphQLObjectType,
        GraphQLUnionType,
        get_named_type,
        get_nullable_type,
    )

    from api.schema import schema

    graphql_schema = schema.graphql_schema
    listed, seen = set(), set()
    pending = [(graphql_schema.query_type, False), (graphql_schema.mutation_type, False)]
    while pending:
        parent, in_list = pending.pop()
        if (parent.name, in_list) in seen:
            continue
        seen.add((parent.name, in_list))
        if in_list:
            listed.add(parent.name)
        for field in parent.fields.values():
            target = get_named_type(field.type)
            is_list = isinstance(get_nullable_type(field.type), GraphQLList)
            if isinstance(target, GraphQLInterfaceType | GraphQLUnionType):
                targets = graphql_schema.get_possible_types(target)
            elif isinstance(target, GraphQLObjectType):
                targets = [target]
            else:
                targets = []
            pending.extend((each, in_list or is_list) for each in targets)
    assert {"UserPasskey", "TreeItemPage"} <= listed  # the walk sees lists and interfaces
    assert "User" not in listed
