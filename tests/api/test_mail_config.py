"""mailConfig, updateMailConfig and sendMailTest (API.md §4.6), called as a client does.

The test mail goes to a real aiosmtpd server on loopback; a closed loopback port stands for an
SMTP server that is down. DKIM signatures are checked with dkim.verify on the received bytes.
"""

import json
from email.utils import parseaddr

import dkim
import pytest

from tests.smtp_support import free_port
from tests.wiki import mail_settings_support
from tests.wiki.mail_settings_support import (
    ARGUMENTS,
    DKIM_KEY_PEM,
    STORED,
    dkim_dns,
    opened_setting,
    stored_rows,
    update,
)
from wiki.config import DEFAULTS, update_setting
from wiki.mail_settings import MASK, SETTING_KEYS
from wiki.models import OutboundMail, Setting

from .permission_support import KINDS, REFUSED, assert_mutation_refused, assert_query_refused

# The fixtures, used here.
smtp_server = mail_settings_support.smtp_server
smtp_configured = mail_settings_support.smtp_configured

CONFIG_FIELDS = " ".join(SETTING_KEYS.values())
MAIL_CONFIG = f"{{ mailConfig {{ {CONFIG_FIELDS} }} }}"
UPDATE = """
mutation Update($senderName: String!, $senderEmail: String!, $defaultBaseURL: String!,
                $host: String!, $port: Int!, $name: String!, $secure: Boolean!,
                $verifySSL: Boolean!, $user: String!, $pass: String!, $useDKIM: Boolean!,
                $dkimDomainName: String!, $dkimKeySelector: String!, $dkimPrivateKey: String!) {
  updateMailConfig(senderName: $senderName, senderEmail: $senderEmail,
                   defaultBaseURL: $defaultBaseURL, host: $host, port: $port, name: $name,
                   secure: $secure, verifySSL: $verifySSL, user: $user, pass: $pass,
                   useDKIM: $useDKIM, dkimDomainName: $dkimDomainName,
                   dkimKeySelector: $dkimKeySelector, dkimPrivateKey: $dkimPrivateKey) {
    operation { succeeded slug message }
  }
}
"""
SEND_TEST = """
mutation Test($to: String!) {
  sendMailTest(recipientEmail: $to) { operation { succeeded slug message } }
}
"""
UPDATED = {"succeeded": True, "slug": "ok", "message": "Mail configuration updated successfully."}
SENT = {"succeeded": True, "slug": "ok", "message": "Test email sent successfully."}

pytestmark = pytest.mark.django_db


def variables(**changes) -> dict:
    """updateMailConfig's variables: ARGUMENTS under the contract's names, then ``changes``."""
    return {**{SETTING_KEYS[name]: value for name, value in ARGUMENTS.items()}, **changes}


def failed(key: str) -> dict:
    return {"succeeded": False, "slug": key, "message": key}


def send_test(client, to="jane@example.com") -> dict:
    response = client(SEND_TEST, {"to": to})
    assert (response.status, response.errors) == (200, []), response.body
    return response.data["sendMailTest"]["operation"]


# --- Permissions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_mail_config_permission(as_caller, kind):
    update()
    client = as_caller(kind, permissions=("manage:system",))

    response = client(MAIL_CONFIG)

    if kind in REFUSED:
        assert_query_refused(response, "mailConfig", REFUSED[kind])
    else:
        assert response.body == {"data": {"mailConfig": {**STORED, "pass": MASK,
                                                         "dkimPrivateKey": MASK}}}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_update_mail_config_permission(as_caller, kind):
    client = as_caller(kind, permissions=("manage:system",))
    before = stored_rows()

    response = client(UPDATE, variables())

    if kind in REFUSED:
        assert_mutation_refused(response, "updateMailConfig", REFUSED[kind])
        assert stored_rows() == before
    else:
        assert response.data == {"updateMailConfig": {"operation": UPDATED}}
        assert opened_setting() == STORED


@pytest.mark.parametrize("kind", KINDS)
def test_send_mail_test_permission(as_caller, smtp_configured, kind):
    recorder, _port = smtp_configured
    client = as_caller(kind, permissions=("manage:system",))

    response = client(SEND_TEST, {"to": "jane@example.com"})

    if kind in REFUSED:
        assert_mutation_refused(response, "sendMailTest", REFUSED[kind])
        assert recorder.received == []
    else:
        assert response.data == {"sendMailTest": {"operation": SENT}}
        assert [received.rcpt_tos for received in recorder.received] == [["jane@example.com"]]


@pytest.mark.parametrize("permissions", [("manage:api", "manage:users", "manage:groups"),
                                         ("read:dashboard", "write:users")])  # fmt: skip
def test_other_manage_scopes_do_not_reach_the_mail_settings(client_with, permissions):
    update()
    client = client_with(*permissions)
    before = stored_rows()

    assert_query_refused(client(MAIL_CONFIG), "mailConfig", "ERR_FORBIDDEN")
    assert_mutation_refused(client(UPDATE, variables(host="evil.example.com")),
                            "updateMailConfig", "ERR_FORBIDDEN")  # fmt: skip
    assert send_test(client) == failed("ERR_FORBIDDEN")
    assert stored_rows() == before


# --- mailConfig / updateMailConfig ---------------------------------------------------------------
def test_defaults_before_anything_is_set(admin_key_client):
    response = admin_key_client(MAIL_CONFIG)

    assert response.data == {"mailConfig": DEFAULTS["mail"]}
    assert response.data["mailConfig"]["pass"] == ""


def test_secrets_are_masked_and_stored_sealed(admin_key_client):
    assert admin_key_client(UPDATE, variables()).data["updateMailConfig"]["operation"] == UPDATED

    config = admin_key_client(MAIL_CONFIG).data["mailConfig"]
    stored = json.dumps(Setting.objects.get(key="mail").value)

    assert (config["pass"], config["dkimPrivateKey"]) == (MASK, MASK)
    assert "s3cret-pass" not in stored
    assert "PRIVATE KEY" not in stored
    assert DKIM_KEY_PEM.splitlines()[1] not in stored
    assert (opened_setting()["pass"], opened_setting()["dkimPrivateKey"]) == (
        "s3cret-pass",
        DKIM_KEY_PEM,
    )


def test_mask_keeps_the_stored_secrets_and_empty_removes_them(admin_key_client):
    admin_key_client(UPDATE, variables())

    kept = admin_key_client(UPDATE, variables(**{"pass": MASK, "dkimPrivateKey": MASK,
                                                 "host": "smtp2.example.com"}))  # fmt: skip
    after_keep = opened_setting()
    removed = admin_key_client(
        UPDATE, variables(**{"pass": "", "dkimPrivateKey": "", "useDKIM": False})
    )

    assert kept.data["updateMailConfig"]["operation"] == UPDATED
    assert after_keep == {**STORED, "host": "smtp2.example.com"}
    assert removed.data["updateMailConfig"]["operation"] == UPDATED
    config = admin_key_client(MAIL_CONFIG).data["mailConfig"]
    assert (config["pass"], config["dkimPrivateKey"], config["useDKIM"]) == ("", "", False)


def test_base_url_loses_its_trailing_slash(admin_key_client):
    admin_key_client(UPDATE, variables(defaultBaseURL="https://docs.example.org/wiki/"))

    assert admin_key_client(MAIL_CONFIG).data["mailConfig"]["defaultBaseURL"] == (
        "https://docs.example.org/wiki"
    )


@pytest.mark.parametrize("port", [0, -25, 65536, 2**31 - 1])
def test_port_outside_the_range_is_invalid_input(admin_key_client, port):
    update()
    before = stored_rows()

    response = admin_key_client(UPDATE, variables(port=port, host="other.example.com"))

    assert_mutation_refused(response, "updateMailConfig", "ERR_INVALID_INPUT")
    assert stored_rows() == before


@pytest.mark.parametrize("port", [1, 65535])
def test_port_range_limits_are_accepted(admin_key_client, port):
    response = admin_key_client(UPDATE, variables(port=port))

    assert response.data["updateMailConfig"]["operation"] == UPDATED
    assert admin_key_client(MAIL_CONFIG).data["mailConfig"]["port"] == port


@pytest.mark.parametrize(
    "changes",
    [
        {"dkimPrivateKey": "not a key"},
        {"dkimPrivateKey": ""},
        {"dkimDomainName": ""},
        {"dkimKeySelector": ""},
        {"dkimDomainName": "example.com; s=evil"},
    ],
)
def test_dkim_on_with_unusable_settings_is_invalid_input(admin_key_client, changes):
    before = stored_rows()

    response = admin_key_client(UPDATE, variables(**changes))

    assert_mutation_refused(response, "updateMailConfig", "ERR_INVALID_INPUT")
    assert stored_rows() == before


def test_every_argument_is_required(admin_key_client):
    arguments = variables()
    del arguments["dkimPrivateKey"]

    response = admin_key_client(UPDATE, arguments)

    assert response.status == 400
    assert "dkimPrivateKey" in response.error_messages[0]


# --- sendMailTest ------------------------------------------------------------------------------
def test_test_mail_arrives(admin_key_client, smtp_configured):
    recorder, _port = smtp_configured

    assert send_test(admin_key_client) == SENT

    [received] = recorder.received
    assert (received.mail_from, received.rcpt_tos) == ("wiki@example.com", ["jane@example.com"])
    message = received.message
    assert message["Subject"] == "A test email from your wiki"
    assert parseaddr(message["From"]) == ("Wiki Bot", "wiki@example.com")
    assert message["To"] == "jane@example.com"
    assert message["Message-ID"].endswith("@example.com>")
    text, html = received.text, received.html
    assert "This is a test email sent from your wiki." in text
    assert "Default Site" in text
    assert "This is a test email sent from your wiki.</p>" in html
    assert "Default Site" in html
    assert "DKIM-Signature" not in message


def test_sender_name_with_specials_is_quoted(admin_key_client, smtp_configured):
    recorder, _port = smtp_configured
    update_setting("mail", senderName="Wiki, the Bot")

    assert send_test(admin_key_client) == SENT

    [received] = recorder.received
    assert received.message["From"] == '"Wiki, the Bot" <wiki@example.com>'


def test_test_mail_is_dkim_signed_when_enabled(admin_key_client, smtp_server):
    port, recorder = smtp_server()
    admin_key_client(UPDATE, variables(host="127.0.0.1", port=port, user=""))

    assert send_test(admin_key_client) == SENT

    [received] = recorder.received
    assert received.data.startswith(b"DKIM-Signature:")
    assert dkim.verify(received.data, dnsfunc=dkim_dns) is True


@pytest.mark.parametrize(
    "recipient",
    ["", "      ", "a@b.c", "jane", "jane@", "@example.com", "jane example.com",
     "jane@example.com\nBcc: x@example.com", "<jane@example.com>", "jane@@example.com"],
)  # fmt: skip
def test_invalid_recipient(admin_key_client, smtp_configured, recipient):
    recorder, _port = smtp_configured

    assert send_test(admin_key_client, recipient) == failed("ERR_MAIL_INVALID_RECIPIENT")
    assert recorder.received == []


def test_invalid_recipient_is_checked_before_the_settings(admin_key_client):
    assert send_test(admin_key_client, "nobody") == failed("ERR_MAIL_INVALID_RECIPIENT")


@pytest.mark.parametrize(
    "settings_changes",
    [{}, {"host": "ab", "senderEmail": "wiki@example.com"}, {"host": "smtp.example.com"}],
)
def test_not_configured(admin_key_client, settings_changes):
    if settings_changes:
        update_setting("mail", **settings_changes)

    assert send_test(admin_key_client) == failed("ERR_MAIL_NOT_CONFIGURED")


@pytest.fixture
def broken_test_template(settings, tmp_path):
    """A mail/test.html that does not compile, found before the shipped one."""
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "test.html").write_text("<p>{% if %}broken{% endif %}</p>")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]


def test_render_failure(admin_key_client, smtp_configured, broken_test_template):
    recorder, _port = smtp_configured

    assert send_test(admin_key_client) == failed("ERR_MAIL_RENDER_FAILED")
    assert recorder.received == []


def test_render_is_checked_after_the_settings(admin_key_client, broken_test_template):
    assert send_test(admin_key_client) == failed("ERR_MAIL_NOT_CONFIGURED")


def test_send_failure_when_the_server_is_down(admin_key_client, smtp_configured, caplog):
    update_setting("mail", port=free_port())

    assert send_test(admin_key_client) == failed("ERR_MAIL_SEND_FAILED")
    assert "ConnectionRefusedError" in caplog.text


def test_send_failure_carries_the_server_answer_to_the_log(
    admin_key_client, smtp_configured, caplog
):
    recorder, _port = smtp_configured
    recorder.refuse_with = "550 5.7.1 Message refused by policy"

    assert send_test(admin_key_client) == failed("ERR_MAIL_SEND_FAILED")
    assert recorder.received == []
    assert "550 5.7.1 Message refused by policy" in caplog.text


def test_test_mail_is_not_written_to_the_outbox(admin_key_client, smtp_configured):
    assert send_test(admin_key_client) == SENT
    assert OutboundMail.objects.count() == 0
