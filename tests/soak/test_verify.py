"""The soak's checks catch what they are meant to catch: a soak that passes because its
checks cannot fail would prove nothing. Plain data, no server; these run on every database."""

from tests.soak.report import figures, percentile
from tests.soak.verify import (
    PageRow,
    TreeRow,
    VersionRow,
    folder_problems,
    history_problems,
    page_problems,
    realtime_problems,
    tag_problems,
    tree_problems,
)
from tests.soak.workload import Answer, Created, PageState, SharedPage, Update, outcome_of

SITE = "site-1"
INITIAL = PageState("initial", "Initial", ("soak",))
A = PageState("a", "A", ())
B = PageState("b", "B", ("alpha",))
C = PageState("c", "C", ("alpha", "beta"))


def update(state: PageState, sent: float, received: float, client: int = 0) -> Update:
    return Update("p1", state, sent, received, client)


def versions(*items: tuple) -> list[VersionRow]:
    """(action, state) or (action, state, path) per version, oldest first."""
    return [VersionRow("p1", *fields) for fields in items]


# --- history ---------------------------------------------------------------------------------
def test_a_complete_history_in_a_possible_order_passes():
    # b and c overlapped in time: either order is possible; c went in last.
    updates = [update(A, 0, 1), update(B, 2, 5), update(C, 3, 4)]
    history = versions(("updated", INITIAL), ("updated", A), ("updated", B))
    problems, applied = history_problems("p1", INITIAL, history, C, updates, deleted=False)
    assert problems == []
    assert [u.state for u in applied] == [A, B, C]


def test_a_lost_update_is_found():
    updates = [update(A, 0, 1), update(B, 2, 3)]
    # The server answered b but a's state never made it into the history or the page.
    history = versions(("updated", INITIAL), ("updated", INITIAL))
    problems, _ = history_problems("p1", INITIAL, history, B, updates, deleted=False)
    assert any("lost" in p for p in problems)
    assert any("appears twice" in p for p in problems)


def test_a_missing_version_is_found():
    updates = [update(A, 0, 1), update(B, 2, 3)]
    history = versions(("updated", INITIAL))  # the version archiving a is missing
    problems, _ = history_problems("p1", INITIAL, history, B, updates, deleted=False)
    assert "page p1: 1 'updated' versions for 2 acknowledged updates" in problems
    assert "page p1: the acknowledged update to " + str(A) + " is lost" in problems


def test_a_state_no_acknowledged_update_wrote_is_found():
    history = versions(("updated", INITIAL))
    problems, _ = history_problems("p1", INITIAL, history, A, [], deleted=False)
    assert f"page p1: the state {A} was written by no acknowledged update" in problems


def test_a_final_state_older_than_a_finished_write_is_found():
    # a was answered (t=1) before b was sent (t=2), yet b was applied first: the page ends
    # with a, an older write than the last acknowledged one.
    updates = [update(A, 0, 1), update(B, 2, 3)]
    history = versions(("updated", INITIAL), ("updated", B))
    problems, _ = history_problems("p1", INITIAL, history, A, updates, deleted=False)
    assert len(problems) == 1
    assert "applied after one sent later" in problems[0]


def test_realtime_order_allows_overlapping_updates_in_any_order():
    assert realtime_problems("p", [update(B, 2, 5), update(A, 1, 6)]) == []
    assert realtime_problems("p", [update(B, 2, 5), update(A, 0, 1)]) != []


def test_a_deleted_page_ends_with_one_deleted_version():
    updates = [update(A, 0, 1)]
    good = versions(("updated", INITIAL), ("deleted", A))
    assert history_problems("p1", INITIAL, good, None, updates, deleted=True)[0] == []
    still_there = history_problems("p1", INITIAL, good, A, updates, deleted=True)[0]
    assert "page p1: deleted=True but the page exists" in still_there
    no_version = history_problems("p1", INITIAL, good[:1], None, updates, deleted=True)[0]
    assert "page p1: 0 'deleted' versions, deleted=True" in no_version


def test_a_history_that_does_not_start_at_the_created_state_is_found():
    history = versions(("updated", A))
    problems, _ = history_problems("p1", INITIAL, history, B, [update(B, 0, 1)], deleted=False)
    assert problems == [f"page p1: the oldest state is {A}, created as {INITIAL}"]


def test_unexpected_actions_are_found():
    history = versions(("restored", INITIAL))
    problems, _ = history_problems("p1", INITIAL, history, INITIAL, [], deleted=False)
    assert "page p1: unexpected version actions ['restored']" in problems


def test_moves_are_counted_and_their_paths_followed():
    updates = [update(A, 0, 1), update(B, 2, 3)]
    # created at soak/a, updated, moved to soak/b, updated, moved to soak/c
    history = versions(
        ("updated", INITIAL, "soak/a"),
        ("moved", A, "soak/a"),
        ("updated", A, "soak/b"),
        ("moved", B, "soak/b"),
    )

    def check(history: list[VersionRow], moves: list[str]) -> list[str]:
        return history_problems("p1", INITIAL, history, B, updates, False, "soak/a", moves)[0]

    assert check(history, ["soak/b", "soak/c"]) == []
    assert check(history, ["soak/b"]) == ["page p1: 2 'moved' versions for 1 acknowledged moves"]
    assert check(history, ["soak/x", "soak/c"]) == [
        "page p1: moved from ['soak/a', 'soak/b'], expected from ['soak/a', 'soak/x']"
    ]


# --- pages -----------------------------------------------------------------------------------
def row(page_id: str, path: str, state: PageState = INITIAL) -> PageRow:
    return PageRow(page_id, SITE, "en", path, state)


def created(page_id: str, path: str) -> Created:
    return Created(page_id, path, INITIAL, 0)


def test_pages_created_once_and_deleted_when_told_pass():
    rows = [row("p1", "soak/a"), row("s1", "soak/shared/s0")]
    setup = [SharedPage("s1", "soak/shared/s0", INITIAL)]
    made = [created("p1", "soak/a"), created("p2", "soak/b")]
    assert page_problems(rows, made, setup, deleted=["p2"]) == []


def test_page_losses_duplicates_and_phantoms_are_found():
    rows = [row("p2", "soak/b"), row("p3", "soak/c"), row("p4", "other")]
    made = [created("p1", "soak/a"), created("p2", "soak/b"), created("p2", "soak/b")]
    problems = page_problems(rows, made, [], deleted=["p2"])
    assert problems == [
        "page p2 acknowledged as created 2 times",
        "2 creates at soak/b were acknowledged (one can win)",
        "page p1 (soak/a) was acknowledged created but is missing",
        "page p2 (soak/b) was acknowledged deleted but exists",
        "page p3 at soak/c: no create of it was acknowledged",
    ]


def test_a_moved_page_is_expected_at_its_last_destination():
    made = [created("p1", "soak/a")]
    assert page_problems([row("p1", "soak/c")], made, [], [], {"p1": "soak/c"}) == []
    assert page_problems([row("p1", "soak/a")], made, [], [], {"p1": "soak/c"}) == [
        "page p1 is at soak/a, expected at soak/c"
    ]


def test_two_pages_at_one_path_are_found():
    rows = [row("p1", "soak/a"), row("p2", "soak/a")]
    problems = page_problems(rows, [created("p1", "soak/a")], [], [])
    assert f"2 pages at {(SITE, 'en', 'soak/a')}" in problems


# --- tree, folders, tags -----------------------------------------------------------------------
def item(item_id, kind, path, title="T", tags=(), page_id=None, depth=None) -> TreeRow:
    folder_path, _, file_name = path.rpartition("/")
    if depth is None:
        depth = folder_path.count("/") + 1 if folder_path else 0
    return TreeRow(
        item_id, page_id, SITE, "en", kind, folder_path, file_name, path, depth, title, tags
    )


def test_a_consistent_tree_passes():
    page = row("p1", "soak/x/page", PageState("c", "Title", ("alpha",)))
    tree = [
        item("f1", "folder", "soak"),
        item("f2", "folder", "soak/x"),
        item("p1", "page", "soak/x/page", "Title", ("alpha",), page_id="p1"),
    ]
    assert tree_problems([page], tree) == []


def test_tree_faults_are_found():
    pages = [row("p1", "soak/x/page", PageState("c", "New title", ())), row("p2", "soak/y")]
    tree = [
        item("f1", "folder", "soak"),
        item("f1b", "folder", "soak"),
        item("p1", "page", "soak/x/page", "Old title", page_id="p1"),  # stale title, no soak/x
        item("p9", "page", "soak/gone", page_id="p9"),  # its page was deleted
        item("f3", "folder", "soak/deep", depth=5),
    ]
    problems = tree_problems(pages, tree)
    assert any(p.startswith("tree item of page p1 is") for p in problems)
    assert "page p2 (soak/y) has no tree item" in problems
    assert "tree item soak/x/page: no folder item at soak/x" in problems
    assert "tree item p9 (soak/gone) belongs to no page" in problems
    assert "tree item f3: path 'soak/deep' depth 5" in problems
    assert f"2 tree items at {(SITE, 'en', 'soak', 'folder')}" in problems


def test_folder_faults_are_found():
    tree = [item("f1", "folder", "soak"), item("f2", "folder", "soak/a")]
    assert folder_problems(tree, ["soak/a"], ["soak/a"]) == []
    problems = folder_problems(tree, ["soak/a", "soak/a", "soak/b"], ["soak/c"])
    assert "folder soak/a acknowledged as created 2 times" in problems
    assert "folder soak/b: 0 folder items, expected 1" in problems
    assert "folder soak/c: 0 folder items, expected 1" in problems


def test_tag_links_and_counts_are_checked():
    pages = [row("p1", "soak/a", PageState("c", "T", ("alpha", "beta")))]
    links = [("p1", "alpha"), ("p1", "beta")]
    assert tag_problems(pages, links, {"alpha": 1, "beta": 1, "gamma": 0}) == []
    problems = tag_problems(pages, links[:1], {"alpha": 2, "beta": 1})
    assert problems == [
        "page p1 carries ['alpha', 'beta'], linked to ['alpha']",
        "tag alpha: usage count 2, 1 pages carry it",
        "tag beta: usage count 1, 0 pages carry it",
    ]


# --- answers and figures -----------------------------------------------------------------------
def test_outcomes_name_what_went_wrong():
    ok = {"data": {"updatePage": {"operation": {"succeeded": True, "slug": "ok"}}}}
    refused = {"data": {"updatePage": {"operation": {"succeeded": False, "slug": "ERR_X"}}}}
    assert outcome_of(200, ok, "updatePage") == "ok"
    assert outcome_of(200, refused, "updatePage") == "ERR_X"
    assert outcome_of(502, None, "updatePage") == "http-502"
    assert outcome_of(200, None, "pages") == "not-json"
    assert outcome_of(200, {"errors": [{"message": "ERR_Y"}]}, "pages") == "ERR_Y"
    assert outcome_of(200, {"data": {"pageById": None}}, "pageById") == "null"
    assert outcome_of(200, {"data": {"pages": []}}, "pages") == "ok"


def test_figures_give_counts_statuses_and_percentiles():
    answers = [Answer("pages", 200, n / 1000, "ok") for n in range(1, 101)]
    answers.append(Answer("updatePage:shared", 500, 0.5, "http-500"))
    text = figures(answers, 10.0, {"updates": 0})
    assert "soak: 101 requests in 10.0 s (10/s), p50 51.0 ms, p99 100.0 ms" in text
    assert "HTTP statuses: 200: 100, 500: 1" in text
    assert percentile([3, 1, 2], 0.5) == 2
    assert percentile([], 0.99) == 0.0
