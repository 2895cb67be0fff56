"""Requests racing each other on PostgreSQL: real threads, one connection each.

The rows they write are committed for real; the tests using this carry ``RACE_MARKS``, whose
serialized rollback puts the installation's rows back for the tests that follow.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from tests.conftest import GraphQLClient, GraphQLResponse

RACE_MARKS = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one writer at a time: no race to test (row locks need PostgreSQL)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_in_threads(target, arguments) -> None:
    """``target(*args)`` for each of ``arguments`` at once, a thread each; back when all end."""
    threads = [threading.Thread(target=target, args=tuple(args)) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def race_as(requests: list[tuple[str, tuple[str, dict]]]) -> list[GraphQLResponse]:
    """Send every (token, (document, variables)) at once, one thread and connection each."""
    barrier = threading.Barrier(len(requests))
    answers: list[GraphQLResponse | None] = [None] * len(requests)
    failures: list[BaseException] = []

    def send(index: int, token: str, document: str, variables: dict) -> None:
        try:
            barrier.wait()
            answers[index] = GraphQLClient(token)(document, variables)
        except BaseException as exc:  # noqa: BLE001 (reported by the test's thread)
            failures.append(exc)
        finally:
            connection.close()

    run_in_threads(
        send,
        [(index, token, *request) for index, (token, request) in enumerate(requests)],
    )
    assert failures == []
    return answers


def race(token: str, requests: list[tuple[str, dict]]) -> list[GraphQLResponse]:
    """``race_as`` with one caller for every request."""
    return race_as([(token, request) for request in requests])


def outcomes(answers: list[GraphQLResponse], field: str) -> Counter:
    """The operation slugs; every answer is a well-formed 200 without GraphQL errors."""
    for answer in answers:
        assert answer.status == 200, answer.body
        assert answer.errors == [], answer.body
    return Counter(answer.data[field]["operation"]["slug"] for answer in answers)


def slugs(answers: list[GraphQLResponse]) -> list[str]:
    """Each answer's operation slug, in request order (answers of different mutations)."""
    for answer in answers:
        assert answer.status == 200, answer.body
        assert answer.errors == [], answer.body
    return [next(iter(answer.data.values()))["operation"]["slug"] for answer in answers]
