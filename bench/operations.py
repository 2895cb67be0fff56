"""What the benchmark measures: one registry entry per API operation.

An entry names a GraphQL document, the variables each request sends (built from the seeded
wiki's facts) and, for reads, the SQL that returns the same rows with no framework at all: the
floor (bench/floor.py) runs it for the same request body. An entry with an ``address`` is a
browser's GET of a page instead (``GET /<path>``), and its floor answers a minimal HTML page
holding the same stored render. Adding an operation to the table is adding an entry here
(bench/README.md).

This module stays free of Django: the floor imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

# Replaced by a number unique to the run in every request (wrk's Lua script does it), so
# that writes never collide: ``path: "bench/created/__SEQ__"``.
SEQ = "__SEQ__"

# Users the seeder makes unless ``--users`` asks for other counts.
USER_COUNT = 1000


@dataclass(frozen=True)
class WikiFacts:
    """What the seeder knows about the wiki it built, for building request variables."""

    site_id: str
    page_ids: list[str]  # a sample spread over the whole table
    user_query: str  # matches a few dozen users by name and email
    run_id: str  # unique per run, for the paths writes create
    body_markdown: str  # ~2 KB of realistic page source
    page_paths: list[str] = field(default_factory=list)  # paths (locale en) of page_ids
    # Other pages, spread likewise, for writes: reads of page_ids see the same rows each run.
    edit_page_ids: list[str] = field(default_factory=list)
    folder_paths: list[str] = field(default_factory=list)  # seeded folders (locale en)
    group_ids: list[str] = field(default_factory=list)  # the rule groups (not system ones)
    # Published pages (locale en) each caller may read, spread likewise: what page views ask.
    guest_page_paths: list[str] = field(default_factory=list)
    member_page_paths: list[str] = field(default_factory=list)
    # The legacy ids (API-v2.md §1.6) of page_ids, for the /graphql operations.
    page_legacy_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Operation:
    key: str  # URL-safe; the floor serves the operation at /<key>
    label: str  # as printed in the table
    document: str = ""  # GraphQL; empty for a page view (``address``)
    # Variable sets; requests cycle through them (one set: every request is the same).
    variables: Callable[[WikiFacts], list[dict]] = field(default=lambda facts: [{}])
    # The same rows as the API returns, columns named as the GraphQL fields; named
    # parameters (``%(id)s``) come from the request's variables. None: no floor (writes).
    floor_sql: str | None = None
    # The response field the floor fills, and whether it holds a list or one object.
    root: str = ""
    many: bool = True
    # Writes run from one client on one connection, one request after the other.
    sequential: bool = False
    # Who calls: a key of bench.seed.CALLERS.
    caller: str = "admin_key"
    # Writes keep a bounded number of statements whatever the wiki's size: measured at
    # several sizes, the largest may be at most this many times slower than the smallest.
    max_slowdown: float | None = None
    # A browser's GET of this address instead of a GraphQL POST, formatted with each variable
    # set (``"/{path}"``, values URL-quoted). The caller's credential goes as the session
    # cookie; a response counts when its status is 200. ``floor_sql`` then returns ``title``
    # and ``render``, which the floor serves as a minimal HTML page.
    address: str | None = None
    # Another entry's key: in the same run, this one must serve at least as many requests/s.
    at_least_as_fast_as: str | None = None
    # Where the document is posted: the main API, or the Wiki.js 2 API (``/graphql``).
    endpoint: str = "/_graphql"
    # Another entry's key (its twin on the other endpoint): in the same run, this one's ratio
    # to its floor must be at least ``RATIO_TOLERANCE`` times the twin's.
    same_floor_ratio_as: str | None = None

    def wrap(self, result):
        """``data`` holding ``result`` at ``root``, a dotted path (``pages.list``)."""
        for name in reversed(self.root.split(".")):
            result = {name: result}
        return result

    def pick(self, data: dict | None):
        """The value at ``root`` in a response's ``data`` (None when absent)."""
        result = data
        for name in self.root.split("."):
            result = result.get(name) if isinstance(result, dict) else None
        return result

    @property
    def is_page_view(self) -> bool:
        return self.address is not None

    def address_for(self, variables: dict) -> str:
        """The page view's address for one variable set (``/engineering/runbooks/x``)."""
        assert self.address is not None, self.key
        return self.address.format(**{k: quote(str(v), safe="/") for k, v in variables.items()})

    def floor_address_for(self, variables: dict) -> str:
        """Where the floor answers a page view: ``/<key>?<variables>``."""
        return f"/{self.key}?{urlencode(variables)}"


def _page_ids(facts: WikiFacts) -> list[dict]:
    return [{"id": page_id} for page_id in facts.page_ids]


def _page_legacy_ids(facts: WikiFacts) -> list[dict]:
    return [{"id": legacy_id} for legacy_id in facts.page_legacy_ids]


def _page_paths(facts: WikiFacts) -> list[dict]:
    return [{"siteId": facts.site_id, "path": path} for path in facts.page_paths]


def _guest_page_paths(facts: WikiFacts) -> list[dict]:
    return [{"siteId": facts.site_id, "path": path} for path in facts.guest_page_paths]


def _member_page_paths(facts: WikiFacts) -> list[dict]:
    return [{"siteId": facts.site_id, "path": path} for path in facts.member_page_paths]


# The least a page view can do: read the stored render (no Markdown per request) and its title.
PAGE_VIEW_FLOOR_SQL = (
    "SELECT title, render FROM pages_page"
    " WHERE site_id = %(siteId)s AND locale = 'en' AND path = %(path)s"
)


# A /graphql entry's ratio to its floor may be this much below its /_graphql twin's before
# the report says FAIL: the two run one after the other, and a run's ratios vary that much.
RATIO_TOLERANCE = 0.9

# Two words of the seed's vocabulary (bench.seed.WORDS): a search most pages answer.
SEARCH_QUERY = "payroll policy"


def _create_page(facts: WikiFacts) -> list[dict]:
    return [
        {
            "siteId": facts.site_id,
            "path": f"bench/created/{facts.run_id}/page-{SEQ}",
            "title": f"Created page {SEQ}",
            "content": facts.body_markdown,
            "tags": ["bench", "created"],
        }
    ]


def _update_page(facts: WikiFacts) -> list[dict]:
    return [
        {"id": page_id, "content": f"{facts.body_markdown}\n\nRevision {SEQ}."}
        for page_id in facts.edit_page_ids
    ]


OPERATIONS: list[Operation] = [
    Operation(
        key="pages",
        label="pages(limit: 1000) { id path title }",
        document="{ pages(limit: 1000) { id path title } }",
        floor_sql="SELECT id, path, title FROM pages_page ORDER BY id LIMIT 1000",
        root="pages",
    ),
    Operation(
        key="pageById",
        label="pageById { id path title content }",
        document="query ($id: UUID!) { pageById(id: $id) { id path title content } }",
        variables=_page_ids,
        floor_sql="SELECT id, path, title, content FROM pages_page WHERE id = %(id)s",
        root="pageById",
        many=False,
    ),
    # The same reads through the Wiki.js 2 API (API-v2.md §3.1): legacy ids, namespaced.
    Operation(
        key="v2PagesList",
        label="/graphql pages { list(limit: 1000) { id path title } }",
        document="{ pages { list(limit: 1000) { id path title } } }",
        floor_sql="SELECT legacy_id AS id, path, title FROM pages_page ORDER BY legacy_id LIMIT 1000",
        root="pages.list",
        endpoint="/graphql",
        same_floor_ratio_as="pages",
    ),
    Operation(
        key="v2PageSingle",
        label="/graphql pages { single { id path title content } }",
        document="query ($id: Int!) { pages { single(id: $id) { id path title content } } }",
        variables=_page_legacy_ids,
        floor_sql=(
            "SELECT legacy_id AS id, path, title, content FROM pages_page WHERE legacy_id = %(id)s"
        ),
        root="pages.single",
        many=False,
        endpoint="/graphql",
        same_floor_ratio_as="pageById",
    ),
    Operation(
        key="pageByPath",
        label="pageByPath { id path title render }",
        document=(
            "query ($siteId: UUID!, $path: String!) {"
            " pageByPath(siteId: $siteId, path: $path) { id path title render } }"
        ),
        variables=_page_paths,
        floor_sql=(
            "SELECT id, path, title, render FROM pages_page"
            " WHERE site_id = %(siteId)s AND locale = 'en' AND path = %(path)s"
        ),
        root="pageByPath",
        many=False,
    ),
    # The page view in a browser (issue 11): the stored render in #page-content, as a guest
    # (the seed opens one section to the Guests group) and as a rule-bound member.
    Operation(
        key="pageViewGuest",
        label="GET /<path> (guest)",
        address="/{path}",
        variables=_guest_page_paths,
        floor_sql=PAGE_VIEW_FLOOR_SQL,
        caller="guest",
        at_least_as_fast_as="pageById",
    ),
    Operation(
        key="pageViewMember",
        label="GET /<path> (member)",
        address="/{path}",
        variables=_member_page_paths,
        floor_sql=PAGE_VIEW_FLOOR_SQL,
        caller="member",
        at_least_as_fast_as="pageById",
    ),
    Operation(
        key="searchPages",
        label="searchPages(query: 2 words) { results { id title path } totalHits }",
        document=(
            "query ($siteId: UUID!, $q: String!) { searchPages(siteId: $siteId, query: $q)"
            " { results { id title path } totalHits } }"
        ),
        variables=lambda facts: [{"siteId": facts.site_id, "q": SEARCH_QUERY}],
        # The 25 best by rank (ties: id, descending), and how many match in all.
        floor_sql=(
            "WITH hits AS (SELECT id, title, path, ts_rank(search_vector, q) AS rank"
            " FROM pages_page, websearch_to_tsquery(wiki_search_config('en'), %(q)s) AS q"
            " WHERE site_id = %(siteId)s AND is_searchable AND search_vector @@ q"
            " AND (publish_state = 'published' OR (publish_state = 'scheduled'"
            " AND publish_start_date <= now() AND publish_end_date >= now())))"
            " SELECT (SELECT COALESCE(json_agg(json_build_object('id', id, 'title', title,"
            " 'path', path) ORDER BY rank DESC, id DESC), '[]') FROM (SELECT * FROM hits"
            " ORDER BY rank DESC, id DESC LIMIT 25) AS top) AS results,"
            ' (SELECT count(*) FROM hits) AS "totalHits"'
        ),
        root="searchPages",
        many=False,
    ),
    Operation(
        key="pageHistoryById",
        label=(
            "pageHistoryById { trail { versionId versionDate authorName actionType valueBefore"
            " valueAfter } total }"
        ),
        document=(
            "query ($id: UUID!) { pageHistoryById(id: $id) { trail { versionId versionDate"
            " authorName actionType valueBefore valueAfter } total } }"
        ),
        variables=_page_ids,
        # Newest first, the first 100 (the default offsetSize); a version is a move when the
        # next older one has another path, the oldest is the initial one. Dates as the Date
        # scalar writes them: UTC, milliseconds (truncated), "Z".
        floor_sql=(
            "WITH versions AS (SELECT h.id, h.version_date, h.path, u.name,"
            " lead(h.path) OVER trail AS older_path, row_number() OVER trail AS n"
            " FROM pages_pagehistory AS h JOIN accounts_user AS u ON u.id = h.author_id"
            " WHERE h.page_id = %(id)s"
            " WINDOW trail AS (ORDER BY h.version_date DESC, h.legacy_id DESC))"
            " SELECT (SELECT COALESCE(json_agg(json_build_object('versionId', id,"
            " 'versionDate', to_char(version_date AT TIME ZONE 'UTC',"
            """ 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'authorName', name,"""
            " 'actionType', CASE WHEN older_path IS NULL THEN 'initial'"
            " WHEN older_path <> path THEN 'move' ELSE 'edit' END,"
            " 'valueBefore', CASE WHEN older_path <> path THEN older_path END,"
            " 'valueAfter', CASE WHEN older_path <> path THEN path END) ORDER BY n), '[]')"
            " FROM versions WHERE n <= 100) AS trail, (SELECT count(*) FROM versions) AS total"
        ),
        root="pageHistoryById",
        many=False,
    ),
    Operation(
        key="tree",
        label='tree(parentPath: "<folder>") { id folderPath fileName title }',
        document=(
            "query ($siteId: UUID!, $parentPath: String!) { tree(siteId: $siteId,"
            ' parentPath: $parentPath, locale: "en") { id folderPath fileName title } }'
        ),
        variables=lambda facts: [
            {"siteId": facts.site_id, "parentPath": path} for path in facts.folder_paths
        ],
        # Direct children (folders and pages alike), by title then id, the default limit; no
        # permission condition: the admin key reads everything.
        floor_sql=(
            'SELECT id, folder_path AS "folderPath", file_name AS "fileName", title'
            " FROM pages_treeitem WHERE site_id = %(siteId)s AND locale = 'en'"
            " AND folder_path = %(parentPath)s ORDER BY title, id LIMIT 1000"
        ),
        root="tree",
    ),
    Operation(
        key="users",
        label="users(query:) { id name email }",
        document="query ($query: String) { users(query: $query) { id name email } }",
        variables=lambda facts: [{"query": facts.user_query}],
        # The predicate the API's icontains writes: ILIKE would cost twice as much on 10,000
        # users (both scan the table) and put the floor above the API.
        floor_sql=(
            "SELECT id, name, email FROM accounts_user"
            " WHERE UPPER(name) LIKE UPPER('%%' || %(query)s || '%%')"
            " OR UPPER(email) LIKE UPPER('%%' || %(query)s || '%%') ORDER BY name, id"
        ),
        root="users",
    ),
    Operation(
        key="groups",
        label="groups { id name }",
        document="{ groups { id name } }",
        floor_sql="SELECT id, name FROM accounts_group ORDER BY name, id",
        root="groups",
    ),
    Operation(
        key="groupById",
        label="groupById { id name users { id name email } userCount }",
        document=(
            "query ($id: UUID!) { groupById(id: $id) { id name users { id name email }"
            " userCount } }"
        ),
        # The 20 rule groups in turn: each holds 5-10% of the users.
        variables=lambda facts: [{"id": group_id} for group_id in facts.group_ids],
        # Every member (no paging asked), by name then id as the API sorts them in Python:
        # code point order, whatever the database's collation.
        floor_sql=(
            "SELECT g.id, g.name, (SELECT COALESCE(json_agg(json_build_object('id', u.id,"
            " 'name', u.name, 'email', u.email) ORDER BY u.name COLLATE \"C\", u.id), '[]')"
            " FROM accounts_membership AS m JOIN accounts_user AS u ON u.id = m.user_id"
            " WHERE m.group_id = g.id) AS users, (SELECT count(*) FROM accounts_membership"
            ' WHERE group_id = g.id) AS "userCount" FROM accounts_group AS g WHERE g.id = %(id)s'
        ),
        root="groupById",
        many=False,
    ),
    Operation(
        key="authSiteStrategies",
        label="authSiteStrategies { id isVisible activeStrategy { id displayName } } (guest)",
        document=(
            "query ($siteId: UUID!) { authSiteStrategies(siteId: $siteId)"
            " { id isVisible activeStrategy { id displayName } } }"
        ),
        variables=lambda facts: [{"siteId": facts.site_id}],
        # What every sign-in page asks first, as a guest: the enabled strategies, visible
        # (the seeded site's configuration places none), by name then id.
        floor_sql=(
            "SELECT s.id, true AS \"isVisible\", json_build_object('id', s.id,"
            " 'displayName', s.display_name) AS \"activeStrategy\""
            " FROM accounts_authstrategy AS s WHERE s.is_enabled"
            " AND EXISTS (SELECT 1 FROM wiki_site WHERE id = %(siteId)s)"
            " ORDER BY s.display_name, s.id"
        ),
        root="authSiteStrategies",
        caller="guest",
    ),
    Operation(
        key="mailConfig",
        label="mailConfig (all fields)",
        document=(
            "{ mailConfig { senderName senderEmail defaultBaseURL host port name secure"
            " verifySSL user pass useDKIM dkimDomainName dkimKeySelector dkimPrivateKey } }"
        ),
        # The seeded settings hold every key; secrets come back masked.
        floor_sql=(
            "SELECT value->>'senderName' AS \"senderName\", value->>'senderEmail' AS"
            " \"senderEmail\", value->>'defaultBaseURL' AS \"defaultBaseURL\", value->>'host'"
            " AS host, (value->>'port')::int AS port, value->>'name' AS name,"
            " (value->>'secure')::boolean AS secure, (value->>'verifySSL')::boolean AS"
            " \"verifySSL\", value->>'user' AS \"user\", CASE WHEN value->>'pass' <> '' THEN"
            " '********' ELSE '' END AS pass, (value->>'useDKIM')::boolean AS \"useDKIM\","
            " value->>'dkimDomainName' AS \"dkimDomainName\", value->>'dkimKeySelector' AS"
            " \"dkimKeySelector\", CASE WHEN value->>'dkimPrivateKey' <> '' THEN '********'"
            " ELSE '' END AS \"dkimPrivateKey\" FROM wiki_setting WHERE key = 'mail'"
        ),
        root="mailConfig",
        many=False,
    ),
    Operation(
        key="createPage",
        label="createPage (sequential)",
        document=(
            "mutation ($siteId: UUID!, $path: String!, $title: String!, $content: String!,"
            ' $tags: [String!]) { createPage(siteId: $siteId, locale: "en", path: $path,'
            ' title: $title, description: "", content: $content, editor: "markdown",'
            " publishState: published, tags: $tags) { operation { succeeded message }"
            " page { id } } }"
        ),
        variables=_create_page,
        root="createPage",
        many=False,
        sequential=True,
        max_slowdown=1.5,
    ),
    Operation(
        key="updatePage",
        label="updatePage content (sequential)",
        document=(
            "mutation ($id: UUID!, $content: String!) { updatePage(id: $id,"
            " patch: {content: $content}) { operation { succeeded message } page { id } } }"
        ),
        variables=_update_page,
        root="updatePage",
        many=False,
        sequential=True,
        max_slowdown=1.5,
    ),
]

BY_KEY: dict[str, Operation] = {operation.key: operation for operation in OPERATIONS}


def with_seq(value, seq: str):
    """``value`` (variables) with every ``__SEQ__`` replaced, as the Lua script does."""
    if isinstance(value, str):
        return value.replace(SEQ, seq)
    if isinstance(value, dict):
        return {k: with_seq(v, seq) for k, v in value.items()}
    if isinstance(value, list):
        return [with_seq(v, seq) for v in value]
    return value
