"""The soak's clients: threads that mix reads and writes against a live server until a
deadline, and write down every answer and every write the server acknowledged.

A write counts as acknowledged when its answer said ``succeeded: true``; only those are
checked against the database afterwards (tests/soak/verify.py). Each client draws its
operations from its own seeded random generator, so a run's choices can be repeated
(``SOAK_SEED``; the interleaving of the clients is the machine's).
Contested targets (the shared pages, the race paths and folders, the doomed pages) are
chosen by several clients at once: that is where a lost update or a duplicate would show.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from . import documents as doc

TAGS = ("soak", "alpha", "beta", "gamma", "delta")
SEARCH_WORDS = ("soak", "update", "create", "client", "shared")
CONTESTED_PAGES = 40  # soak/race/r<i>: several clients create each, one may win
CONTESTED_FOLDERS = 20  # soak/race-folders/f<i>
COMMON_FOLDER = "soak/common"  # every client puts pages here at once
# How often each operation is drawn (relative weights).
WEIGHTS = {
    "createPage": 8,
    "createPage:contested": 3,
    "updatePage:shared": 22,
    "updatePage:own": 8,
    "updatePage:doomed": 6,
    "movePage": 2,
    "movePage:contested": 2,
    "deletePage:own": 3,
    "deletePage:doomed": 2,
    "createFolder": 2,
    "createFolder:contested": 2,
    "pageById": 12,
    "pageByPath": 6,
    "searchPages": 5,
    "pages": 4,
    "tree": 4,
    "pageHistoryById": 3,
    "GET /<path>": 8,
}
# What each kind of request may answer besides "ok" without being an anomaly.
TOLERATED = {
    "createPage:contested": {"ERR_PAGE_DUPLICATE_PATH"},
    "createFolder:contested": {"ERR_FOLDER_DUPLICATE"},
    "movePage:contested": {"ERR_PAGE_DUPLICATE_PATH"},
    "updatePage:doomed": {"ERR_PAGE_NOT_FOUND"},
    "deletePage:doomed": {"ERR_PAGE_NOT_FOUND"},
    "pageById:doomed": {"ERR_PAGE_NOT_FOUND"},
}


# --- Records ---------------------------------------------------------------------------------
@dataclass
class Answer:
    """One request: its kind, HTTP status (0: no answer), time taken and outcome."""

    kind: str
    status: int
    seconds: float
    outcome: str  # "ok", an error key, "http-<status>", "not-json", "no-answer: ..."


@dataclass(frozen=True)
class PageState:
    """What a write set: the page's content, title and tags (sorted)."""

    content: str
    title: str
    tags: tuple[str, ...]


@dataclass
class Created:
    page_id: str
    path: str
    state: PageState
    client: int


@dataclass
class Update:
    """An acknowledged updatePage; ``sent``/``received`` on the monotonic clock."""

    page_id: str
    state: PageState
    sent: float
    received: float
    client: int


@dataclass
class Move:
    """An acknowledged movePage (only a page's own client moves it: these are in order)."""

    page_id: str
    destination: str


@dataclass
class SharedPage:
    page_id: str
    path: str
    initial: PageState


@dataclass
class Plan:
    """What every client shares: the site and the pages made before the clients start."""

    site_id: str
    shared: list[SharedPage]
    doomed: list[SharedPage]


@dataclass
class Ledger:
    """One client's record (merged after the run; no locking needed)."""

    answers: list[Answer] = field(default_factory=list)
    creates: list[Created] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    folders_tried: list[str] = field(default_factory=list)  # answered or not
    anomalies: list[str] = field(default_factory=list)


# --- HTTP ------------------------------------------------------------------------------------
class Http:
    """Plain HTTP/1.1 to the server, a new connection per request (sync workers close it).

    ``/_graphql`` gets the API key as a Bearer token; the browser pages get the administrator's
    session cookie (``session``), since an API key signs nobody in to the site.
    """

    def __init__(self, port: int, token: str, timeout: float = 60) -> None:
        self.port, self.token, self.timeout = port, token, timeout
        self.session = ""

    def request(
        self, method: str, path: str, body: bytes | None, headers: dict
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            # As the README's TLS proxy forwards it.
            conn.request(method, path, body=body, headers={"X-Forwarded-Proto": "https", **headers})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def graphql(self, document: str, variables: dict | None = None) -> tuple[int, dict | None]:
        raw = json.dumps({"query": document, "variables": variables or {}}).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        status, payload = self.request("POST", "/_graphql", raw, headers)
        try:
            body = json.loads(payload)
        except ValueError:
            return status, None
        return status, body if isinstance(body, dict) else None


def outcome_of(status: int, body: dict | None, root: str) -> str:
    """ "ok", or why not: the HTTP status, the GraphQL error key, the operation's slug."""
    if status != 200:
        return f"http-{status}"
    if body is None:
        return "not-json"
    if body.get("errors"):
        return str(body["errors"][0].get("message"))
    result = (body.get("data") or {}).get(root)
    if result is None:
        return "null"
    if isinstance(result, dict) and "operation" in result:
        operation = result["operation"] or {}
        return "ok" if operation.get("succeeded") else str(operation.get("slug"))
    return "ok"


# --- Clients ---------------------------------------------------------------------------------
@dataclass
class OwnPage:
    page_id: str
    path: str
    state: PageState


class Client:
    """One thread's loop: draw an operation, send it, check the answer, write it down."""

    def __init__(
        self,
        number: int,
        http: Http,
        plan: Plan,
        seed: int,
        started: float,
        deadline: float,
    ) -> None:
        self.number, self.http, self.plan = number, http, plan
        self.random = random.Random(seed)  # noqa: S311 (a workload, not a secret)
        self.started, self.deadline = started, deadline
        self.ledger = Ledger()
        self.own: list[OwnPage] = []
        self.own_folders: list[str] = []
        self.seq = 0
        self.last_total: dict[str, int] = {}  # history totals seen per page: never shrink
        self.known_gone: set[str] = set()  # doomed pages this client saw deleted
        self.actions: dict[str, Callable[[], None]] = {
            "createPage": self.create_own,
            "createPage:contested": self.create_contested,
            "updatePage:shared": lambda: self.update(
                self.random.choice(self.plan.shared), "shared"
            ),
            "updatePage:own": self.update_own,
            "updatePage:doomed": self.update_doomed,
            "movePage": lambda: self.move_own(contested=False),
            "movePage:contested": lambda: self.move_own(contested=True),
            "deletePage:own": self.delete_own,
            "deletePage:doomed": self.delete_doomed,
            "createFolder": self.create_folder_own,
            "createFolder:contested": self.create_folder_contested,
            "pageById": self.page_by_id,
            "pageByPath": self.page_by_path,
            "searchPages": self.search,
            "pages": self.pages,
            "tree": self.tree,
            "pageHistoryById": self.history,
            "GET /<path>": self.browse,
        }
        self.kinds = list(WEIGHTS)
        self.weights = [WEIGHTS[kind] for kind in self.kinds]

    # --- the loop
    def run(self) -> None:
        while time.monotonic() < self.deadline:
            self.seq += 1
            kind = self.random.choices(self.kinds, self.weights)[0]
            try:
                self.actions[kind]()
            except Exception as exc:  # noqa: BLE001 (the run goes on; the test reports it)
                self.ledger.anomalies.append(f"client {self.number} {kind}: {exc!r}")

    def elapsed_share(self) -> float:
        return (time.monotonic() - self.started) / max(self.deadline - self.started, 1e-9)

    def send(self, kind: str, root: str, document: str, variables: dict | None = None):
        """POST one operation; returns (outcome, result of ``root``, sent, received)."""
        sent = time.monotonic()
        try:
            status, body = self.http.graphql(document, variables)
        except (OSError, http.client.HTTPException) as exc:
            received = time.monotonic()
            self.ledger.answers.append(Answer(kind, 0, received - sent, f"no-answer: {exc!r}"))
            self.ledger.anomalies.append(f"{kind}: no answer ({exc!r})")
            return f"no-answer: {exc!r}", None, sent, received
        received = time.monotonic()
        outcome = outcome_of(status, body, root)
        self.ledger.answers.append(Answer(kind, status, received - sent, outcome))
        if outcome != "ok" and outcome not in TOLERATED.get(kind, set()):
            excerpt = json.dumps(body)[:300] if body is not None else ""
            self.ledger.anomalies.append(f"{kind} {variables}: {outcome} {excerpt}")
        result = ((body or {}).get("data") or {}).get(root) if outcome == "ok" else None
        return outcome, result, sent, received

    def new_state(self, verb: str) -> PageState:
        content = (
            f"# Soak {verb}\n\n{verb} by client {self.number}, operation {self.seq}: "
            f"{uuid.uuid4().hex}\n"
        )
        tags = self.random.sample(TAGS, self.random.randint(0, 3))  # random order on purpose
        if self.random.random() < 0.3:
            # A tag new to the site, the same for every client in the same half-second: its
            # first use races other clients' first use.
            tags.append(f"new-{int(time.monotonic() * 2)}")
        return PageState(content, f"{verb.title()} {self.number}-{self.seq}", tuple(sorted(tags)))

    def tags_in_random_order(self, state: PageState) -> list[str]:
        tags = list(state.tags)
        self.random.shuffle(tags)
        return tags

    # --- writes
    def _create(self, kind: str, path: str) -> None:
        state = self.new_state("create")
        variables = {
            "siteId": self.plan.site_id,
            "path": path,
            "title": state.title,
            "content": state.content,
            "tags": self.tags_in_random_order(state),
        }
        outcome, result, _, _ = self.send(kind, "createPage", doc.CREATE_PAGE, variables)
        if outcome == "ok":
            page_id = result["page"]["id"]
            self.ledger.creates.append(Created(page_id, path, state, self.number))
            if kind == "createPage":
                self.own.append(OwnPage(page_id, path, state))

    def create_own(self) -> None:
        place = self.random.random()
        if place < 0.3:
            path = f"{COMMON_FOLDER}/c{self.number}-{self.seq}"
        elif place < 0.5 and self.own_folders:
            path = f"{self.random.choice(self.own_folders)}/p{self.seq}"
        else:
            path = f"soak/t{self.number}/p{self.seq}"
        self._create("createPage", path)

    def create_contested(self) -> None:
        self._create("createPage:contested", f"soak/race/r{self.random.randrange(CONTESTED_PAGES)}")

    def update(self, target: SharedPage | OwnPage, which: str) -> str:
        kind = f"updatePage:{which}"
        state = self.new_state("update")
        patch = {
            "content": state.content,
            "title": state.title,
            "tags": self.tags_in_random_order(state),
            "reasonForChange": f"soak {self.number}-{self.seq}",
        }
        outcome, result, sent, received = self.send(
            kind, "updatePage", doc.UPDATE_PAGE, {"id": target.page_id, "patch": patch}
        )
        if outcome == "ok":
            page = result["page"] or {}
            if (page.get("content"), page.get("title")) != (state.content, state.title):
                self.ledger.anomalies.append(f"{kind}: the answer shows {page}, not what was sent")
            self.ledger.updates.append(Update(target.page_id, state, sent, received, self.number))
            if isinstance(target, OwnPage):
                target.state = state
        return outcome

    def update_own(self) -> None:
        if self.own:
            self.update(self.random.choice(self.own), "own")
        else:
            self.create_own()

    def update_doomed(self) -> None:
        page = self.random.choice(self.plan.doomed)
        if self.update(page, "doomed") == "ERR_PAGE_NOT_FOUND":
            self.known_gone.add(page.page_id)

    def move_own(self, contested: bool) -> None:
        """Move one of this client's pages: to a place of its own, or onto a race path, where
        it competes with other clients' creates and moves."""
        if not self.own:
            return self.create_own()
        page = self.random.choice(self.own)
        if contested:
            kind, path = (
                "movePage:contested",
                f"soak/race/r{self.random.randrange(CONTESTED_PAGES)}",
            )
        elif self.random.random() < 0.5:
            kind, path = "movePage", f"{COMMON_FOLDER}/m{self.number}-{self.seq}"
        else:
            kind, path = "movePage", f"soak/t{self.number}/moved/m{self.seq}"
        variables = {"id": page.page_id, "path": path}
        outcome, _, _, _ = self.send(kind, "movePage", doc.MOVE_PAGE, variables)
        if outcome == "ok":
            self.ledger.moves.append(Move(page.page_id, path))
            page.path = path

    def delete_own(self) -> None:
        if not self.own:
            return self.create_own()
        page = self.own.pop(self.random.randrange(len(self.own)))
        outcome, _, _, _ = self.send(
            "deletePage:own", "deletePage", doc.DELETE_PAGE, {"id": page.page_id}
        )
        if outcome == "ok":
            self.ledger.deletes.append(page.page_id)
        else:
            self.own.append(page)  # not deleted: still ours (the anomaly is on record)

    def delete_doomed(self) -> None:
        # Doomed page i may go once a share 0.25 + 0.1 i of the run has passed: each is
        # updated by everyone first, then deleted while the others still update it.
        share = self.elapsed_share()
        ready = [
            page
            for index, page in enumerate(self.plan.doomed)
            if share > 0.25 + 0.1 * index and page.page_id not in self.known_gone
        ]
        if not ready:
            return self.update_doomed()
        page = self.random.choice(ready)
        outcome, _, _, _ = self.send(
            "deletePage:doomed", "deletePage", doc.DELETE_PAGE, {"id": page.page_id}
        )
        if outcome == "ok":
            self.ledger.deletes.append(page.page_id)
        self.known_gone.add(page.page_id)

    def _create_folder(self, kind: str, parent: str, name: str) -> None:
        variables = {
            "siteId": self.plan.site_id,
            "parentPath": parent,
            "pathName": name,
            "title": f"Folder {name}",
        }
        self.ledger.folders_tried.append(f"{parent}/{name}")
        outcome, _, _, _ = self.send(kind, "createFolder", doc.CREATE_FOLDER, variables)
        if outcome == "ok":
            self.ledger.folders.append(f"{parent}/{name}")
            if kind == "createFolder":
                self.own_folders.append(f"{parent}/{name}")

    def create_folder_own(self) -> None:
        self._create_folder("createFolder", f"soak/t{self.number}", f"f{self.seq}")

    def create_folder_contested(self) -> None:
        name = f"f{self.random.randrange(CONTESTED_FOLDERS)}"
        self._create_folder("createFolder:contested", "soak/race-folders", name)

    # --- reads
    def page_by_id(self) -> None:
        draw = self.random.random()
        if draw < 0.4 and self.own:
            page = self.random.choice(self.own)
            outcome, result, _, _ = self.send(
                "pageById", "pageById", doc.PAGE_BY_ID, {"id": page.page_id}
            )
            if outcome == "ok":
                # Only this client writes its own pages: it reads back what it last wrote.
                seen = PageState(result["content"], result["title"], tuple(sorted(result["tags"])))
                if seen != page.state:
                    self.ledger.anomalies.append(
                        f"pageById of own page {page.page_id} shows {seen}, last written {page.state}"
                    )
        elif draw < 0.7:
            page = self.random.choice(self.plan.doomed)
            self.send("pageById:doomed", "pageById", doc.PAGE_BY_ID, {"id": page.page_id})
        else:
            page = self.random.choice(self.plan.shared)
            self.send("pageById", "pageById", doc.PAGE_BY_ID, {"id": page.page_id})

    def page_by_path(self) -> None:
        pages = self.own if self.own and self.random.random() < 0.5 else self.plan.shared
        page = self.random.choice(pages)
        variables = {"siteId": self.plan.site_id, "path": f"en/{page.path}"}
        outcome, result, _, _ = self.send("pageByPath", "pageByPath", doc.PAGE_BY_PATH, variables)
        if outcome == "ok" and result["id"] != page.page_id:
            self.ledger.anomalies.append(f"pageByPath {page.path} answered page {result['id']}")

    def search(self) -> None:
        variables = {"siteId": self.plan.site_id, "query": self.random.choice(SEARCH_WORDS)}
        self.send("searchPages", "searchPages", doc.SEARCH_PAGES, variables)

    def pages(self) -> None:
        self.send("pages", "pages", doc.PAGES)

    def tree(self) -> None:
        parent = self.random.choice(["soak", COMMON_FOLDER, f"soak/t{self.number}", "soak/race"])
        self.send("tree", "tree", doc.TREE, {"siteId": self.plan.site_id, "parentPath": parent})

    def history(self) -> None:
        page = self.random.choice(self.plan.shared)
        outcome, result, _, _ = self.send(
            "pageHistoryById", "pageHistoryById", doc.PAGE_HISTORY, {"id": page.page_id}
        )
        if outcome == "ok":
            total, before = result["total"], self.last_total.get(page.page_id, 0)
            if total < before:
                self.ledger.anomalies.append(
                    f"history of {page.path} went from {before} to {total} versions"
                )
            self.last_total[page.page_id] = max(total, before)

    def browse(self) -> None:
        own = self.own and self.random.random() < 0.5
        page = self.random.choice(self.own if own else self.plan.shared)
        sent = time.monotonic()
        try:
            status, _ = self.http.request(
                "GET", f"/{page.path}", None, {"Accept": "text/html", "Cookie": self.http.session}
            )
        except (OSError, http.client.HTTPException) as exc:
            self.ledger.answers.append(
                Answer("GET /<path>", 0, time.monotonic() - sent, "no-answer")
            )
            self.ledger.anomalies.append(f"GET /{page.path}: no answer ({exc!r})")
            return
        outcome = "ok" if status == 200 else f"http-{status}"
        self.ledger.answers.append(Answer("GET /<path>", status, time.monotonic() - sent, outcome))
        if status != 200:
            self.ledger.anomalies.append(f"GET /{page.path}: HTTP {status}")


def run_clients(clients: list[Client]) -> None:
    threads = [
        threading.Thread(target=client.run, name=f"soak-{client.number}") for client in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
