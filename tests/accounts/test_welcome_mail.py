"""The welcome mail of ``createUser`` (API.md §4.3.2, §4.6): content, refusals, delivery.

Delivery is checked here in process (tasks run eagerly, locmem backend) and through a real
Celery worker consuming from Redis; over SMTP to a real aiosmtpd server on loopback, with the
other account mails, in test_mail_messages.py and test_mail_failures.py.
"""

import threading
import time
from email.utils import parseaddr

import pytest
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
