"""``--users``: the bench measures users and groups at several user counts, on a wiki that grows
from the smallest to the largest, and groupById's floor stays exact when names repeat."""

from collections import Counter

import pytest
from django.db import connection

from accounts.models import USERS_GROUP_ID, Group, Membership, User
from bench.__main__ import parse_args, wiki_steps
from bench.load import WrkResult
from bench.operations import BY_KEY, USER_COUNT
from bench.report import Row, slowdowns, table
from bench.seed import FIRST_NAMES, LAST_NAMES, Seeder
from tests.bench.test_harness import call_floor
from tests.conftest import GraphQLClient

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the seeder writes with COPY, the floor is psycopg"
)


def test_users_option_takes_a_comma_list_and_repeats():
    args = parse_args(["--users", "10000,1000", "--users", "5000", "--pages", "50"])
    assert args.user_counts == [1000, 5000, 10000]
    assert args.steps == [(50, 1000), (50, 5000), (50, 10000)]


def test_without_users_option_the_wiki_has_the_default_users():
    assert USER_COUNT == 1000
    assert parse_args([]).steps == [(10000, 1000)]
    quick = parse_args(["--quick"])
    assert (quick.user_counts, quick.steps, quick.duration) == ([1000], [(50, 1000)], 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "sizes, user counts and --duration must be positive"),
        ("-5", "sizes, user counts and --duration must be positive"),
        ("many", "--pages and --users take whole numbers"),
        ("1000,x", "--pages and --users take whole numbers"),
    ],
)
def test_users_option_refuses_what_is_not_a_positive_count(value, message, capsys):
    with pytest.raises(SystemExit) as exited:
        parse_args(["--users", value])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_pages_grow_at_the_fewest_users_then_users_at_the_most_pages():
    assert wiki_steps([1000, 10000], [1000, 10000]) == [
        (1000, 1000),
        (10000, 1000),
        (10000, 10000),
    ]
    assert wiki_steps([1000], [500]) == [(1000, 500)]


def _row(label: str, pages: int, users: int, rate: float) -> Row:
    result = WrkResult(100, 10.0, rate, 1.0, 2.0, 0, 0, 0)
    return Row(label, pages, result, 3, max_slowdown=1.5, users=users)


def test_the_table_shows_the_user_count_and_slowdowns_compare_pages_at_one_user_count():
    rows = [
        _row("createPage", 1000, 1000, 60.0),
        _row("createPage", 10000, 1000, 50.0),
        # More users, same pages: not a page-size slowdown, and left out of it.
        _row("createPage", 10000, 10000, 10.0),
    ]
    assert slowdowns(rows) == [
        "createPage: 60.0 req/s at 1,000 pages, 50.0 at 10,000: 1.20x slower"
        " (within the 1.5x bound)"
    ]
    lines = table(rows).splitlines()
    assert lines[0].split()[:4] == ["operation", "pages", "users", "req/s"]
    assert lines[4].split()[:4] == ["createPage", "10,000", "10,000", "10.0"]


@postgres_only
def test_users_are_topped_up_like_pages(db):
    seeder = Seeder()
    seeder.base(users=30)
    assert User.objects.filter(is_system=False).count() == 31  # and the root admin
    first = list(User.objects.order_by("legacy_id").values_list("email", flat=True))
    assert seeder.users_up_to(30) == 0
    assert seeder.users_up_to(80) == 50
    seeded = User.objects.filter(is_system=False).exclude(email="admin@bench.example.com")
    assert seeded.count() == 80
    # The first users are unchanged; the n-th is named after n alone.
    assert (
        list(User.objects.order_by("legacy_id").values_list("email", flat=True))[: len(first)]
        == first
    )
    assert seeded.get(email__endswith=".45@example.com").name == f"{FIRST_NAMES[5]} {LAST_NAMES[1]}"
    rule_groups = set(Group.objects.filter(is_system=False).values_list("pk", flat=True))
    memberships = Counter(
        Membership.objects.filter(group_id__in=rule_groups).values_list("user_id", flat=True)
    )
    in_users = set(
        Membership.objects.filter(group_id=USERS_GROUP_ID).values_list("user_id", flat=True)
    )
    for user_id in seeded.values_list("pk", flat=True):
        assert user_id in in_users
        assert 1 <= memberships[user_id] <= 2
    assert len(seeder.authors) == 81


@postgres_only
def test_group_by_id_floor_matches_the_api_when_member_names_repeat(db):
    seeder = Seeder()
    seeder.base(users=30)
    seeder.users_up_to(1100)  # 1,000 distinct names: from the 1,001st user on they repeat
    seeder.pages_up_to(3)
    facts = seeder.facts("test")
    operation = BY_KEY["groupById"]
    variables = operation.variables(facts)
    assert len(variables) == 20
    client = GraphQLClient(seeder.api_key_token)
    repeated = 0
    for sample in variables:
        body = {"query": operation.document, "variables": sample}
        answer = client(body["query"], body["variables"])
        group = answer.data["groupById"]
        assert group["userCount"] == len(group["users"]) > 0
        names = Counter(user["name"] for user in group["users"])
        repeated += sum(1 for count in names.values() if count > 1)
        assert call_floor(operation, body) == answer.body
    assert repeated > 0  # ties were broken, by id, the same way on both sides
