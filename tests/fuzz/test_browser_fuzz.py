"""Generated addresses and query strings for the browser's pages, against a live server.

Each route of the wiki in a browser (``pages/urls.py``, the sign-in and profile routes, the
admin) gets generated paths (seeded page paths and tags, unicode, percent-encodings valid and
not, dots, very long and control-character segments) and query strings (``?page=``, ``?q=``,
``?from=&to=``, ``?next=`` ...), as a guest and as a signed-in administrator (the ``jwt``
cookie). Every answer must be below 500 and come within the time bound, and an error page
must show no internals. Slow by design (160 requests, about 5 s of CPU); ``FUZZ_EXAMPLES``
makes it longer.
"""

from __future__ import annotations

import zlib

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from accounts import tokens

from .support import (
    answer_time_bound,
    examples_per_field,
    log_problems,
    page_problems,
    send,
)
from .values import path_strategy, query_string_strategy, segment_strategy
from .world import World

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EXAMPLES_PER_ROUTE = 10
ADMIN_MODELS = (
    "pages/page",
    "pages/treeitem",
    "accounts/user",
    "accounts/group",
    "accounts/apikey",
    "accounts/authstrategy",
    "wiki/site",
    "wiki/outboundmail",
    "wiki/setting",
)
ADMIN_ACTIONS = (
    "",
    "change/",
    "delete/",
    "history/",
    "members/",
    "password/",
    "move/",
    "rename/",
    "duplicate/",
    "versions/",
)


def routes(world: World) -> dict[str, st.SearchStrategy[str]]:
    """Each route's generated paths (before the query string)."""
    tail = segment_strategy(world)
    ids = st.sampled_from(world.ids)
    page_ids = st.sampled_from(world.ids_by_model["pages.Page"])
    page_tail = st.one_of(st.sampled_from(world.paths), tail)

    def under(prefix: str, rest=page_tail) -> st.SearchStrategy[str]:
        return rest.map(lambda value: prefix + value)

    admin = st.builds(
        lambda model, key, action: f"/admin/{model}/{key}{action}",
        st.sampled_from(ADMIN_MODELS),
        st.one_of(
            st.just(""),
            page_ids.map(lambda pk: pk + "/"),
            ids.map(lambda pk: pk + "/"),
            tail.map(lambda s: s + "/"),
        ),
        st.sampled_from(ADMIN_ACTIONS),
    )
    return {
        "/<path>": under("/"),
        "/<locale>/<path>": st.builds(
            lambda locale, rest: f"/{locale}/{rest}",
            st.sampled_from(("en", "fr", "zz", "pt-br")),
            page_tail,
        ),
        "/": st.just("/"),
        "/i/<id>": under("/i/", st.one_of(page_ids, ids, tail, st.integers(-5, 2**70).map(str))),
        "/t/<tag>": under("/t/", st.one_of(st.sampled_from(world.tags), tail)),
        "/e/<path>": under("/e/"),
        "/h/<path>": under("/h/"),
        "/s/<path>": under("/s/"),
        "/d/<path>": under("/d/"),
        "/_search": st.just("/_search"),
        "/login": st.sampled_from(("/login", "/logout", "/admin/login/", "/_profile")),
        "/sitemap.xml /robots.txt": st.sampled_from(("/sitemap.xml", "/robots.txt")),
        "companion routes": st.builds(
            lambda route, token: f"/{route}/{token}",
            st.sampled_from(("verify", "login-reset")),
            tail,
        ),
        "page assets": st.builds(
            lambda kind, pk: f"/_page-{kind}/{pk}.{'css' if kind == 'style' else 'js'}",
            st.sampled_from(("style", "script")),
            st.one_of(page_ids, ids),
        ),
        "/admin/": admin,
        "anything": path_strategy(world),
    }


def _fuzz_route(base_url, world, figures, server_log, route, paths, examples) -> None:
    bound = answer_time_bound()
    cookie = f"{tokens.COOKIE_NAME}={world.session_token}"

    @seed(zlib.crc32(route.encode()))  # the same addresses on every run: CI is reproducible
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate),  # no shrinking (see support.py)
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(path=paths, query=query_string_strategy(), signed_in=st.booleans())
    def one(path: str, query: str, signed_in: bool) -> None:
        server_log.take()
        headers = {"Accept": "text/html"}
        if signed_in:
            headers["Cookie"] = cookie
        answer = send(base_url, "GET", path + query, headers=headers)
        group = f"{route} ({'admin' if signed_in else 'guest'})"
        figures.count(group, answer, path + query)
        log = server_log.take()
        problems = page_problems(answer, bound, path + query) + log_problems(log)
        if problems:
            figures.record(group, f"GET {path + query}", problems, answer, log)

    one()


def test_every_browser_route_answers_cleanly(live_server, world, figures, server_log):
    examples = examples_per_field(EXAMPLES_PER_ROUTE)
    every_route = routes(world)
    for route, paths in every_route.items():
        _fuzz_route(live_server.url, world, figures, server_log, route, paths, examples)

    ran = {group.rsplit(" (", 1)[0] for group in figures.tried}
    assert ran == set(every_route)
    assert not figures.failures, figures.failure_report()
