"""HTTP to the live server, what every answer must satisfy, and the run's figures.

A failing answer does not stop the run: it is recorded with what was sent, what came back and
the server's log lines from that request (an ERR_UNEXPECTED's trace included), and the test
fails at the end with all of them. Hypothesis is not asked to shrink: the server's state moves
on with every mutation, so a "smaller" replay would not meet the same server.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

# Text that must never reach a client in an error: traces, SQL, driver and exception names.
LEAK_PATTERNS = re.compile(
    r"Traceback|File \"/|psycopg|sqlite3|IntegrityError|OperationalError|ProgrammingError|"
    r"DataError|django\.|graphene\.|\bSELECT\s|\bINSERT INTO\b|\bUPDATE \"|\bDELETE FROM\b|"
    r"KeyError|TypeError|ValueError|AttributeError|NoneType|RecursionError|OverflowError"
)


def leaked(text: str, sent: str) -> str | None:
    """The first internal-looking word of ``text`` that the request did not itself carry
    (generated inputs may hold such words, and answers may quote them back)."""
    echoed = unquote(sent)
    for match in LEAK_PATTERNS.finditer(text):
        if match.group(0) not in echoed and match.group(0) not in sent:
            return text[max(0, match.start() - 40) : match.end() + 60]
    return None


UNEXPECTED = ("ERR_UNEXPECTED", "An unexpected error occurred")
REQUEST_TIMEOUT = 30.0
# FUZZ_TRACE=1 (with pytest -s): one line per request, to see what a run sends.
TRACE = bool(os.environ.get("FUZZ_TRACE"))


def examples_per_field(default: int) -> int:
    """``FUZZ_EXAMPLES`` (examples per GraphQL root field, or per browser route) for longer runs."""
    raw = os.environ.get("FUZZ_EXAMPLES", "").strip()
    return int(raw) if raw else default


def answer_time_bound() -> float:
    """Seconds any single answer may take (``FUZZ_MAX_SECONDS``, default 10)."""
    return float(os.environ.get("FUZZ_MAX_SECONDS", "10"))


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


def send(
    base_url: str, method: str, target: str, body: bytes | None = None, headers=None
) -> Answer:
    """One request on a fresh connection; ``target`` goes on the wire exactly as given."""
    netloc = urlsplit(base_url).netloc
    connection = http.client.HTTPConnection(netloc, timeout=REQUEST_TIMEOUT)
    started = time.perf_counter()
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        payload = response.read()
        return Answer(
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            payload,
            time.perf_counter() - started,
        )
    finally:
        connection.close()


class ServerLog(logging.Handler):
    """The server's WARNING+ records (the live server runs in this process), per request."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self._lock = threading.Lock()
        self._records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        with self._lock:
            self._records.append(f"{record.levelname} {record.name}: {text}")

    def take(self) -> list[str]:
        with self._lock:
            taken, self._records = self._records, []
        return taken

    def __enter__(self) -> ServerLog:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger().removeHandler(self)


@dataclass
class Failure:
    where: str
    sent: str
    problems: list[str]
    status: int
    answer: str
    log: list[str]

    def describe(self) -> str:
        log = "\n    ".join(line[:3000] for line in self.log) or "(nothing logged)"
        return (
            f"--- {self.where}: {'; '.join(self.problems)}\n"
            f"  sent: {self.sent[:2000]}\n"
            f"  status {self.status}: {self.answer[:1500]}\n"
            f"  server log:\n    {log}"
        )


@dataclass
class Figures:
    """Operations tried per group (root field or route), status counts, failures, timings."""

    title: str
    tried: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    per_group_statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    outcomes: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    slowest: float = 0.0
    total_seconds: float = 0.0

    def count(self, group: str, answer: Answer, sent: str = "") -> None:
        if TRACE:
            print(f"{answer.status} {answer.seconds:.2f}s {group}: {sent[:300]!r}")
            print(f"    -> {answer.body[:300]!r}")
        self.tried[group] += 1
        self.statuses[answer.status] += 1
        self.per_group_statuses[group][answer.status] += 1
        self.slowest = max(self.slowest, answer.seconds)
        self.total_seconds += answer.seconds

    def record(self, group: str, sent: str, problems: list[str], answer: Answer, log) -> None:
        text = answer.body[:4000].decode("utf-8", "replace")
        self.failures.append(Failure(group, sent, problems, answer.status, text, list(log)))

    def report(self) -> str:
        lines = [f"=== {self.title} ==="]
        total = sum(self.tried.values())
        lines.append(
            f"operations tried: {total} over {len(self.tried)} groups; failures: "
            f"{len(self.failures)}; slowest answer {self.slowest:.2f} s; "
            f"{self.total_seconds:.1f} s waiting on the server"
        )
        lines.append(
            "HTTP statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        )
        if self.outcomes:
            lines.append(
                "outcomes: " + ", ".join(f"{k}: {v}" for k, v in self.outcomes.most_common())
            )
        for note, times in self.notes.most_common():
            lines.append(f"note: {note} x{times}")
        width = max((len(name) for name in self.tried), default=0)
        for name in sorted(self.tried):
            statuses = " ".join(
                f"{k}:{v}" for k, v in sorted(self.per_group_statuses[name].items())
            )
            lines.append(f"  {name:<{width}}  {self.tried[name]:>4}  {statuses}")
        return "\n".join(lines)

    def failure_report(self) -> str:
        return "\n".join(failure.describe() for failure in self.failures[:25])


def _walk(value, found: list[dict]) -> None:
    if isinstance(value, dict):
        # A mutation's outcome: ``operation`` on /_graphql, ``responseResult`` on /graphql.
        for key in ("operation", "responseResult"):
            if isinstance(value.get(key), dict):
                found.append(value[key])
        for item in value.values():
            _walk(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)


def graphql_problems(answer: Answer, bound: float, sent: str = "") -> tuple[list[str], list[str]]:
    """What is wrong with one /_graphql answer, and the outcome labels to count."""
    problems: list[str] = []
    outcomes: list[str] = []
    if answer.status >= 500:
        problems.append(f"HTTP {answer.status}")
    if answer.seconds > bound:
        problems.append(f"took {answer.seconds:.1f} s (bound {bound} s)")
    if not answer.headers.get("content-type", "").startswith("application/json"):
        problems.append(f"content type {answer.headers.get('content-type')!r}")
    try:
        body = json.loads(answer.body)
    except ValueError:
        return [*problems, "body is not JSON"], outcomes
    if not isinstance(body, dict):
        return [*problems, "body is not a JSON object"], outcomes
    errors = body.get("errors")
    if errors is not None and not isinstance(errors, list):
        problems.append("errors is not a list")
        errors = []
    for error in errors or ():
        message = error.get("message") if isinstance(error, dict) else None
        if not isinstance(message, str) or not message.strip():
            problems.append(f"an error without a message: {error!r}")
            continue
        code = (error.get("extensions") or {}).get("code")
        outcomes.append(f"error {code or _short(message)}")
        if leak := leaked(message, sent):
            problems.append(f"error message leaks internals: {leak!r}")
    operations: list[dict] = []
    _walk(body.get("data"), operations)
    for operation in operations:
        slug = operation.get("slug")
        outcomes.append("operation ok" if operation.get("succeeded") else f"operation {slug}")
        message = operation.get("message")
        if not operation.get("succeeded") and not (isinstance(message, str) and message):
            problems.append(f"a failed operation without a message: {operation!r}")
        if isinstance(message, str) and (leak := leaked(message, sent)):
            problems.append(f"operation message leaks internals: {leak!r}")
    text = answer.body.decode("utf-8", "replace")
    if any(marker in text for marker in UNEXPECTED):
        problems.append("ERR_UNEXPECTED")
    if not errors and not operations and body.get("data") is None:
        problems.append("neither data nor errors")
    return problems, outcomes


def log_problems(log: list[str]) -> list[str]:
    """An ERROR in the server's log while it answered: an unforeseen failure, whatever the
    answer looked like (a mutation's payload may not even select its outcome)."""
    return [
        f"the server logged: {line.splitlines()[0][:200]}"
        for line in log
        if line.startswith("ERROR")
    ]


def _short(message: str) -> str:
    """A count label for an error without a code: graphql-core's and the limits' messages."""
    if "cannot represent" in message:
        return "scalar refused"
    if message.startswith(("Cannot query", "Unknown", "Field ", "Argument ", "Expected")):
        return "validation"
    if message.startswith("Syntax Error"):
        return "syntax"
    return message[:48]


def page_problems(answer: Answer, bound: float, sent: str = "") -> list[str]:
    """What is wrong with one browser-page answer."""
    problems = []
    if answer.status >= 500:
        problems.append(f"HTTP {answer.status}")
    if answer.seconds > bound:
        problems.append(f"took {answer.seconds:.1f} s (bound {bound} s)")
    text = answer.body[:200_000].decode("utf-8", "replace")
    # Pages link to the admin's static files (django.contrib): not a leak.
    if answer.status >= 400 and (leak := leaked(text.replace("django.contrib", ""), sent)):
        problems.append(f"error page shows internals: {leak!r}")
    return problems


def post_and_judge(
    base_url: str,
    endpoint: str,
    token: str,
    document: str,
    variables: dict | None,
    *,
    figures: Figures,
    group: str,
    caller: str,
    server_log: ServerLog,
    unforeseen: tuple[str, ...] = (),
) -> Answer:
    """POST one generated operation to ``endpoint`` and record what is wrong with the answer
    (``graphql_problems``, an ERROR in the server's log, any text of ``unforeseen`` in the
    body, a refusal of the run's own credential)."""
    server_log.take()
    answer = send(
        base_url,
        "POST",
        endpoint,
        body=json.dumps({"query": document, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    if variables is not None:
        document += f"\nvariables: {json.dumps(variables)}"
    figures.count(group, answer, document)
    problems, outcomes = graphql_problems(answer, answer_time_bound(), document)
    text = answer.body.decode("utf-8", "replace")
    problems += [f"answered {marker}" for marker in unforeseen if marker in text]
    log = server_log.take()
    problems += log_problems(log)
    figures.outcomes.update(outcomes)
    if answer.status in (401, 403):
        problems.append("the fuzz's own credential was refused (keep_credentials missed)")
    if problems:
        figures.record(group, f"[{caller}] {document}", problems, answer, log)
    return answer
