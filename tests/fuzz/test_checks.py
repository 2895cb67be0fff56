"""The fuzz runs' checks are not vacuous: each kind of bad answer is caught."""

from __future__ import annotations

from .support import Answer, graphql_problems, page_problems

JSON_TYPE = {"content-type": "application/json"}
BAD_GRAPHQL_ANSWERS = {
    "HTTP 500": Answer(500, JSON_TYPE, b'{"data": null, "errors": [{"message": "x"}]}', 0.1),
    "without a message": Answer(200, JSON_TYPE, b'{"data": null, "errors": [{}]}', 0.1),
    "leaks internals": Answer(
        200, JSON_TYPE, b'{"data": null, "errors": [{"message": "psycopg.errors.X"}]}', 0.1
    ),
    "ERR_UNEXPECTED": Answer(
        200,
        JSON_TYPE,
        b'{"data": {"x": {"operation": {"succeeded": false, "slug": "ERR_UNEXPECTED",'
        b' "message": "An unexpected error occurred. Reference: 1."}}}}',
        0.1,
    ),
    "content type": Answer(200, {"content-type": "text/html"}, b"<html>", 0.1),
    "not JSON": Answer(200, JSON_TYPE, b"<html>", 0.1),
    "took": Answer(200, JSON_TYPE, b'{"data": {"apiState": true}}', 99.0),
    "failed operation without a message": Answer(
        200, JSON_TYPE, b'{"data": {"x": {"operation": {"succeeded": false}}}}', 0.1
    ),
}


def test_each_bad_graphql_answer_is_caught():
    for expected, answer in BAD_GRAPHQL_ANSWERS.items():
        problems, _ = graphql_problems(answer, 10.0)
        assert any(expected in problem for problem in problems), (expected, problems)


def test_a_clean_graphql_answer_passes_and_is_counted():
    refused = Answer(
        200,
        JSON_TYPE,
        b'{"data": {"x": {"operation": {"succeeded": false, "slug": "ERR_FORBIDDEN",'
        b' "message": "ERR_FORBIDDEN"}}}, "errors": [{"message": "ERR_INVALID_INPUT",'
        b' "extensions": {"code": "ERR_INVALID_INPUT"}}]}',
        0.1,
    )
    assert graphql_problems(refused, 10.0) == (
        [],
        ["error ERR_INVALID_INPUT", "operation ERR_FORBIDDEN"],
    )


def test_bad_pages_are_caught():
    assert page_problems(Answer(500, {}, b"Server Error", 0.1), 10.0) == ["HTTP 500"]
    assert page_problems(Answer(404, {}, b"Not found", 11.0), 10.0) == [
        "took 11.0 s (bound 10.0 s)"
    ]
    leak = Answer(400, {}, b'<pre>Traceback (most recent call last):\n  File "/x.py"</pre>', 0.1)
    assert page_problems(leak, 10.0)[0].startswith("error page shows internals")
    # What the request itself carried may be quoted back: that is not a leak.
    echo = Answer(404, {}, b"<a href='/login?next=/x%3Fq%3DTraceback'>", 0.1)
    assert page_problems(echo, 10.0, "/x?q=Traceback") == []
    assert page_problems(Answer(404, {}, b"<h1>Not found</h1>", 0.1), 10.0) == []
