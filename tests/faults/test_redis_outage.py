"""Redis stopped and started again under a running server (issue 12, "Faults").

The wiki runs under gunicorn with ``REDIS_URL`` naming a private ``redis-server`` (the rate
limits' cache and Celery's broker). Redis is killed: reads keep answering, sign-in,
``register``, ``forgotPassword`` and ``createUser`` with a welcome mail succeed (the rate limits count in each
process's memory; the mails stay pending in the outbox, nothing reaches a broker), ``/readyz``
names Redis, and nothing waits long. Redis is started again: ``/readyz`` recovers without a
restart, and a Celery worker with beat re-queues the pending mails (``requeue_stale``) and
delivers each once to a real SMTP server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid

import pytest

from tests.smtp_support import SmtpServer

from .conftest import MEMBER_EMAIL, MEMBER_PASSWORD
from .services import (
    BASE_DIR,
    PYTHON,
    Phases,
    WikiServer,
    run_python,
    server_env,
    wait_until,
)

pytestmark = pytest.mark.faults

PAGES = "{ pages(limit: 50) { id path } }"
LOGIN = """
mutation ($username: String!, $password: String!, $strategy: UUID!, $site: UUID!) {
  login(username: $username, password: $password, strategyId: $strategy, siteId: $site) {
    operation { succeeded slug message } jwt
  }
}"""
FORGOT_PASSWORD = """
mutation ($email: String!) { forgotPassword(email: $email) { operation { succeeded slug } } }"""
REGISTER = """
mutation ($email: String!) {
  register(email: $email, password: "Correct-Horse-9", name: "Registrant") {
    operation { succeeded slug message }
  }
}"""
CREATE_USER = """
mutation ($email: String!, $site: UUID!) {
  createUser(email: $email, name: "Newcomer", passwordRaw: "a long initial password",
             providerKey: "local", sendWelcomeEmail: true, sendWelcomeEmailFromSiteId: $site) {
    operation { succeeded slug message }
    user { id }
  }
}"""
# Redis down may cost a request its connection attempts (a fraction of a second for the
# cache, about a second for the broker's publish retries), never the worker.
SLOW = 3.0


def operation(answer, field: str) -> dict:
    assert answer.status == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    return body["data"][field]["operation"]


def login(server, database, password: str = MEMBER_PASSWORD):
    return server.graphql(
        LOGIN,
        {
            "username": MEMBER_EMAIL,
            "password": password,
            "strategy": database.strategy,
            "site": database.site,
        },
    )


def outbox(database, recipient: str) -> list[tuple[str, str, int]]:
    with database.postgres.connect(database.name) as conn:
        rows = conn.execute(
            "SELECT kind, status, attempts FROM wiki_outboundmail WHERE recipient = %s "
            "ORDER BY created_at",
            (recipient,),
        ).fetchall()
    return [tuple(row) for row in rows]


def start_worker(env: dict[str, str], log_path) -> subprocess.Popen:
    """``celery -A wiki worker -B``: the worker and its beat, as production runs them."""
    with log_path.open("wb") as log:
        worker = subprocess.Popen(  # noqa: S603 - the project's Celery
            [
                str(PYTHON.with_name("celery")),
                "-A",
                "wiki",
                "worker",
                "-B",
                "--pool",
                "solo",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return worker


def test_redis_stopped_and_started_under_a_running_server(database, private_redis, tmp_path):
    phases = Phases("redis")
    smtp = SmtpServer()
    smtp.start()
    env = server_env(database.url, REDIS_URL=private_redis.url)
    run_python(env, f"from tests.smtp_support import point_mail_at\npoint_mail_at({smtp.port})")
    server = WikiServer(tmp_path / "server", env)
    worker = None
    newcomer = f"newcomer-{uuid.uuid4().hex[:8]}@example.com"
    registrant = f"registrant-{uuid.uuid4().hex[:8]}@example.com"
    try:
        server.start()
        phases.done("server start")
        assert server.get("/readyz").json() == {
            "status": "ok",
            "checks": {"database": "ok", "redis": "ok"},
        }
        assert operation(login(server, database), "login")["succeeded"] is True

        private_redis.stop()

        # --- reads and sign-in without Redis
        for _ in range(4):
            read = server.graphql(PAGES, token=database.key)
            assert read.status == 200, read.text
            assert "errors" not in read.json()
            assert read.seconds < SLOW
            page = server.get("/", Accept="text/html")
            assert page.status == 200
            assert page.seconds < SLOW

        signed_in = login(server, database)
        assert operation(signed_in, "login")["succeeded"] is True
        assert signed_in.json()["data"]["login"]["jwt"]
        assert signed_in.seconds < SLOW
        refused = login(server, database, password="not the password")
        assert operation(refused, "login")["slug"] == "ERR_LOGIN_FAILED"

        # --- mail: the request succeeds, the message waits in the outbox
        forgot = server.graphql(FORGOT_PASSWORD, {"email": MEMBER_EMAIL})
        assert operation(forgot, "forgotPassword")["succeeded"] is True
        assert forgot.seconds < SLOW
        created = server.graphql(
            CREATE_USER, {"email": newcomer, "site": database.site}, token=database.key
        )
        assert operation(created, "createUser") == {
            "succeeded": True,
            "slug": "ok",
            "message": operation(created, "createUser")["message"],
        }
        assert created.seconds < SLOW
        registered = server.graphql(REGISTER, {"email": registrant})
        assert operation(registered, "register")["succeeded"] is True
        assert registered.seconds < SLOW
        assert outbox(database, newcomer) == [("welcome", "pending", 0)]
        assert outbox(database, registrant) == [("verify", "pending", 0)]
        assert ("reset", "pending", 0) in outbox(database, MEMBER_EMAIL)
        user_id = created.json()["data"]["createUser"]["user"]["id"]
        assert database.scalar("SELECT count(*) FROM accounts_user WHERE id = %s", (user_id,)) == 1

        ready = server.get("/readyz")
        assert (ready.status, ready.json()) == (
            503,
            {"status": "unavailable", "checks": {"database": "ok", "redis": "unavailable"}},
        )
        assert ready.seconds < SLOW
        assert server.get("/healthz").status == 200

        # --- Redis is back: the same server, and the mails are delivered
        phases.done("requests while Redis is down")
        private_redis.start()
        wait_until(lambda: server.get("/readyz").status == 200, "readyz after Redis is back")
        phases.done("readyz back")
        worker = start_worker(
            {**env, "MAIL_REQUEUE_AFTER": "0", "MAIL_REQUEUE_INTERVAL": "0.5"},
            tmp_path / "worker.log",
        )
        wait_until(
            lambda: outbox(database, newcomer) == [("welcome", "sent", 1)],
            "the welcome mail to be re-queued and sent",
            timeout=40,
        )
        phases.done("worker start, re-queue and first delivery")
        welcome = [mail for mail in smtp.received if newcomer in mail.rcpt_tos]
        assert len(welcome) == 1
        assert "a long initial password" in welcome[0].text
        wait_until(
            lambda: ("reset", "pending", 0) not in outbox(database, MEMBER_EMAIL),
            "the reset mail to be sent",
        )
        wait_until(
            lambda: outbox(database, registrant) == [("verify", "sent", 1)],
            "the verification mail to be sent",
        )
        for recipient in (newcomer, registrant, MEMBER_EMAIL):
            delivered = [mail for mail in smtp.received if recipient in mail.rcpt_tos]
            assert len(delivered) == 1, (recipient, len(delivered))
        assert operation(login(server, database), "login")["succeeded"] is True

        phases.done("other deliveries")
        log = server.log()
        assert "counting in this process's memory" in log
        assert "could not be queued; the periodic re-queue will retry" in log
        assert "Internal Server Error" not in log
        assert "ERR_UNEXPECTED" not in log
        print("\n" + phases.report(mails_delivered_after_the_outage=len(smtp.received)))
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        server.stop()
        smtp.stop()
