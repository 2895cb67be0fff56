"""The welcome mail of ``createUser`` (API.md §4.3.2, §4.6): content, refusals, delivery.

Delivery is checked three ways: in process (tasks run eagerly, locmem backend), through a real
Celery worker consuming from Redis, and over SMTP to a real aiosmtpd server on loopback.
"""

import socket
import threading
import time
from email import message_from_bytes, policy
from email.utils import parseaddr

import pytest
from aiosmtpd.controller import Controller
from celery import signals
from django.conf import settings as django_settings
from django.core import mail

from accounts.models import User
from tests.celery_support import private_worker
from tests.factories import UserFactory
from tests.redis_support import redis_url
from wiki.config import update_setting
from wiki.models import Site, default_site_config

CREATE_USER = """
mutation CreateUser($email: String!, $password: String, $send: Boolean, $siteId: UUID) {
  createUser(email: $email, name: "Jane Doe", passwordRaw: $password,
             sendWelcomeEmail: $send, sendWelcomeEmailFromSiteId: $siteId) {
    operation { succeeded slug message }
    user { id email }
  }
}
"""
UNKNOWN_SITE_ID = "7d7a3a57-1f0e-4b7e-8f44-0a3e5b2d9c11"
PASSWORD = "Initial-Pass1"


def create(client, email="jane@example.com", password=PASSWORD, headers=None, **variables):
    variables = {"email": email, "password": password, "send": True, **variables}
    response = client(CREATE_USER, variables, **(headers or {}))
    assert response.status == 200, response.body
    return response.data["createUser"]


def assert_created_but_not_mailed(payload: dict, key: str) -> User:
    """The user exists and is in the payload, and the operation failed with the mail ``key``."""
    user = User.objects.get(email="jane@example.com")
    assert payload == {
        "operation": {"succeeded": False, "slug": key, "message": key},
        "user": {"id": str(user.pk), "email": "jane@example.com"},
    }
    return user


def parts(message: mail.EmailMultiAlternatives) -> tuple[str, str]:
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return message.body, html


# --- In process ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_welcome_mail_for_the_wildcard_site(admin_key_client, mail_configured):
    payload = create(admin_key_client)

    user = User.objects.get(email="jane@example.com")
    assert payload == {
        "operation": {"succeeded": True, "slug": "ok", "message": "User created successfully."},
        "user": {"id": str(user.pk), "email": "jane@example.com"},
    }
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Welcome to the wiki Default Site"
    assert message.to == ["jane@example.com"]
    assert parseaddr(message.from_email) == ("Wiki Bot", "wiki@example.com")
    text, html = parts(message)
    for body in (text, html):
        assert "jane@example.com" in body
        assert PASSWORD in body
        assert "https://docs.example.org/login" in body
        assert "Default Site" in body
    assert '<a href="https://docs.example.org/login"' in html
    assert ">Login</a>" in html


@pytest.mark.django_db
def test_password_is_escaped_in_html_only(admin_key_client, mail_configured):
    create(admin_key_client, password='Pa<ss&wo"rd')

    text, html = parts(mail.outbox[0])
    assert 'Pa<ss&wo"rd' in text
    assert "Pa&lt;ss&amp;wo&quot;rd" in html
    assert 'Pa<ss&wo"rd' not in html


@pytest.mark.django_db
def test_welcome_mail_uses_the_site_serving_the_request(admin_key_client, mail_configured):
    Site.objects.create(
        hostname="wiki.example.com", config={**default_site_config(), "title": "Company Wiki"}
    )

    payload = create(admin_key_client, headers={"HTTP_HOST": "wiki.example.com"})

    assert payload["operation"]["succeeded"] is True
    (message,) = mail.outbox
    assert message.subject == "Welcome to the wiki Company Wiki"
    assert "https://wiki.example.com/login" in message.body
    assert "docs.example.org" not in message.body


@pytest.mark.django_db
def test_welcome_mail_uses_the_given_site(admin_key_client, mail_configured):
    docs = Site.objects.create(
        hostname="docs.example.net", config={**default_site_config(), "title": "Docs"}
    )

    payload = create(admin_key_client, siteId=str(docs.pk))

    assert payload["operation"]["succeeded"] is True
    (message,) = mail.outbox
    assert message.subject == "Welcome to the wiki Docs"
    assert "https://docs.example.net/login" in message.body


@pytest.mark.django_db
@pytest.mark.parametrize("send", [False, None])
def test_no_mail_unless_asked(admin_key_client, mail_configured, send):
    payload = create(admin_key_client, send=send)

    assert payload["operation"]["succeeded"] is True
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mail_setting",
    [
        {},
        {"host": "smtp.example.com"},
        {"senderEmail": "wiki@example.com"},
        {"host": "ab", "senderEmail": "wiki@example.com"},
        {"host": "smtp.example.com", "senderEmail": ""},
    ],
    ids=["nothing", "no-sender", "no-host", "short-host", "empty-sender"],
)
def test_mail_not_configured(admin_key_client, mail_setting):
    update_setting("mail", **mail_setting)
    users = User.objects.count()

    payload = create(admin_key_client)

    assert payload == {
        "operation": {
            "succeeded": False,
            "slug": "ERR_MAIL_NOT_CONFIGURED",
            "message": "ERR_MAIL_NOT_CONFIGURED",
        },
        "user": None,
    }
    assert User.objects.count() == users
    assert mail.outbox == []


@pytest.mark.django_db
def test_three_character_host_is_configured(admin_key_client):
    update_setting("mail", host="abc", senderEmail="wiki@example.com")

    assert create(admin_key_client)["operation"]["succeeded"] is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_unknown_site(admin_key_client, mail_configured):
    users = User.objects.count()

    payload = create(admin_key_client, siteId=UNKNOWN_SITE_ID)

    assert payload["operation"] == {
        "succeeded": False,
        "slug": "ERR_INVALID_SITE",
        "message": "ERR_INVALID_SITE",
    }
    assert payload["user"] is None
    assert User.objects.count() == users
    assert mail.outbox == []


def _templates_with(directory) -> list[dict]:
    engine = {**django_settings.TEMPLATES[0], "DIRS": [directory]}
    return [engine]


@pytest.mark.django_db
@pytest.mark.parametrize("defect", ["broken", "missing"])
def test_render_failure_keeps_the_user(
    admin_key_client, mail_configured, settings, tmp_path, defect
):
    templates = tmp_path / "mail"
    templates.mkdir()
    real = django_settings.BASE_DIR / "templates" / "mail"
    for name in ("welcome.subject.txt", "welcome.txt"):
        (templates / name).write_text((real / name).read_text())
    if defect == "broken":
        (templates / "welcome.html").write_text("<p>{% if %}</p>")
    settings.TEMPLATES = _templates_with(tmp_path)

    payload = create(admin_key_client)

    user = assert_created_but_not_mailed(payload, "ERR_MAIL_RENDER_FAILED")
    assert user.check_password(PASSWORD)
    assert mail.outbox == []


@pytest.mark.django_db
def test_duplicate_is_reported_before_mail_problems(admin_key_client):
    UserFactory(email="jane@example.com")

    payload = create(admin_key_client)

    assert payload["operation"]["message"] == "ERR_DUPLICATE_ACCOUNT_EMAIL"


# --- A real Celery worker on Redis ------------------------------------------------------------
@pytest.fixture
def redis_worker():
    """A private worker on TEST_REDIS_URL; tasks are really queued through Redis."""
    with private_worker(redis_url()) as worker:
        yield worker


def wait_for_outbox(count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_delivers_the_welcome_mail(redis_worker, admin_key_client, mail_configured):
    runs = []

    def remember_run(task=None, **_kwargs):
        runs.append((threading.current_thread(), task.request.delivery_info["routing_key"]))

    signals.task_prerun.connect(remember_run, weak=False)
    try:
        payload = create(admin_key_client)
        wait_for_outbox(1)
    finally:
        signals.task_prerun.disconnect(remember_run)

    assert payload["operation"]["succeeded"] is True
    # The task ran in the worker, not in this thread, taken from the test's own queue.
    ((thread, queue),) = runs
    assert thread is not threading.current_thread()
    assert queue == redis_worker.test_queue
    (message,) = mail.outbox
    assert message.subject == "Welcome to the wiki Default Site"
    assert message.to == ["jane@example.com"]
    assert PASSWORD in message.body


# --- Real SMTP --------------------------------------------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, recorder
    finally:
        controller.stop()


@pytest.mark.django_db
def test_smtp_delivery(admin_key_client, smtp_server, settings):
    controller, recorder = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    update_setting(
        "mail",
        host="127.0.0.1",
        port=controller.port,
        secure=False,
        senderEmail="wiki@example.com",
        senderName="Wiki Bot",
        defaultBaseURL="https://docs.example.org",
    )

    payload = create(admin_key_client)

    assert payload["operation"]["succeeded"] is True
    (envelope,) = recorder.envelopes
    assert envelope.mail_from == "wiki@example.com"
    assert envelope.rcpt_tos == ["jane@example.com"]
    message = message_from_bytes(envelope.original_content, policy=policy.default)
    assert parseaddr(message["From"]) == ("Wiki Bot", "wiki@example.com")
    assert message["To"] == "jane@example.com"
    assert message["Subject"] == "Welcome to the wiki Default Site"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert PASSWORD in text
    assert "https://docs.example.org/login" in text
    assert PASSWORD in html
    assert 'href="https://docs.example.org/login"' in html


@pytest.mark.django_db
def test_unreachable_smtp_server_keeps_the_user(admin_key_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    update_setting(
        "mail", host="127.0.0.1", port=free_port(), secure=False, senderEmail="wiki@example.com"
    )

    payload = create(admin_key_client)

    assert_created_but_not_mailed(payload, "ERR_MAIL_SEND_FAILED")
