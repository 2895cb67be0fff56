"""Mail settings (API.md §4.6): the service and delivery honouring the settings.

The service checks no permission: its callers do (the admin page and GraphQL, tested with
their permission matrices in tests/wiki/test_admin_mail_settings.py and
tests/api/test_mail_config.py). Secrets are stored sealed; tests read them opened.

Delivery is checked against a real aiosmtpd server on loopback (plain SMTP, STARTTLS and
implicit TLS with a self-signed certificate); DKIM signatures with dkim.verify over the bytes
the server received, the public key served by a stand-in for DNS.
"""

import json

import dkim
import pytest
from django.core.mail.utils import DNS_NAME

from tests.smtp_support import self_signed_context
from wiki.config import DEFAULTS, get_setting, is_mail_configured
from wiki.errors import DomainError
from wiki.mail import MailNotSent, OutgoingMail, send_message
from wiki.mail_settings import (
    MASK,
    SETTING_KEYS,
    mail_config,
    uses_placeholder_base_url,
)
from wiki.models import Setting

from . import mail_settings_support
from .mail_settings_support import (
    DKIM_KEY_PEM,
    STORED,
    dkim_dns,
    opened_setting,
    stored_rows,
    update,
)

smtp_server = mail_settings_support.smtp_server  # the fixture, used here

MESSAGE = OutgoingMail(to="jane@example.com", subject="Hello", text="Hi Jane", html="<p>Hi</p>")

pytestmark = pytest.mark.django_db


def refused(call, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.key.value == key


# --- The service ------------------------------------------------------------------------------
def test_every_mail_setting_has_an_argument():
    assert sorted(SETTING_KEYS.values()) == sorted(DEFAULTS["mail"])


def test_defaults():
    assert mail_config() == {**DEFAULTS["mail"], "pass": "", "dkimPrivateKey": ""}
    assert mail_config()["defaultBaseURL"] == "https://wiki.example.com"
    assert (mail_config()["port"], mail_config()["secure"]) == (465, True)


def test_update_replaces_the_settings_and_hides_the_password():
    update()

    assert opened_setting() == STORED
    assert mail_config() == {**STORED, "pass": MASK, "dkimPrivateKey": MASK}
    assert is_mail_configured() is True


def test_secrets_are_stored_sealed():
    update()

    stored = json.dumps(Setting.objects.get(key="mail").value)
    assert "s3cret-pass" not in stored
    assert "PRIVATE KEY" not in stored
    assert DKIM_KEY_PEM.splitlines()[1] not in stored


@pytest.mark.parametrize("port", [0, -1, 65536, 100000, True, "25", None])
def test_port_outside_the_range_is_invalid(port):
    update()
    before = stored_rows()

    refused(lambda: update(port=port, host="other.example.com"), "ERR_INVALID_INPUT")

    assert stored_rows() == before


@pytest.mark.parametrize("port", [1, 25, 65535])
def test_port_range_limits_are_accepted(port):
    update(port=port)

    assert get_setting("mail")["port"] == port


def test_masked_password_keeps_the_stored_one():
    update(password="first-pass")

    update(password=MASK, host="smtp2.example.com")

    assert (opened_setting()["pass"], opened_setting()["host"]) == (
        "first-pass",
        "smtp2.example.com",
    )


@pytest.mark.parametrize(
    ("given", "stored", "shown"), [("new-pass", "new-pass", MASK), ("", "", "")]
)
def test_password_is_replaced_or_removed(given, stored, shown):
    update(password="first-pass")

    update(password=given)

    assert opened_setting()["pass"] == stored
    assert mail_config()["pass"] == shown


def test_masked_password_without_a_stored_one_stays_empty():
    update(password=MASK)

    assert get_setting("mail")["pass"] == ""
    assert mail_config()["pass"] == ""


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://docs.example.org/", "https://docs.example.org"),
        ("https://docs.example.org/wiki//", "https://docs.example.org/wiki"),
        (" http://wiki:3000/ ", "http://wiki:3000"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_trailing_slash_is_removed_from_the_base_url(given, stored):
    update(default_base_url=given)

    assert get_setting("mail")["defaultBaseURL"] == stored


@pytest.mark.parametrize(
    "url",
    ["", "/", "docs.example.org", "ftp://docs.example.org", "https://", "javascript:alert(1)",
     "https://docs example.org", "http://docs.example.org:99999", "https://a.org/\nb"],
)  # fmt: skip
def test_base_url_must_be_http_or_https(url):
    before = stored_rows()

    refused(lambda: update(default_base_url=url), "ERR_INVALID_INPUT")

    assert stored_rows() == before


@pytest.mark.parametrize("email", ["wiki", "wiki@", "@example.com", "a b@example.com", "x@y@z"])
def test_sender_email_must_be_an_address(email):
    before = stored_rows()

    refused(lambda: update(sender_email=email), "ERR_INVALID_INPUT")

    assert stored_rows() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sender_name", "Wiki\r\nBcc: someone@example.org"),
        ("sender_name", "Wiki\tBot"),
        ("sender_name", "Wiki\u2028Bot"),
        ("host", "smtp.example.com\r\nRSET"),
    ],
)
def test_sender_name_and_host_must_be_one_line(field, value):
    before = stored_rows()

    refused(lambda: update(**{field: value}), "ERR_INVALID_INPUT")

    assert stored_rows() == before


def test_a_stored_sender_name_that_breaks_the_header_fails_the_send_for_good(smtp_server):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, user="")
    # As settings stored before the one-line check would be.
    Setting.objects.filter(key="mail").update(
        value={**Setting.objects.get(key="mail").value, "senderName": "Wiki\nBcc: x@example.org"}
    )

    with pytest.raises(MailNotSent, match="bad header") as caught:
        send_message(MESSAGE)

    assert caught.value.permanent is True
    assert recorder.received == []


def test_empty_sender_email_is_allowed_and_leaves_mail_unconfigured():
    update(sender_email="", host=" smtp.example.com ")

    assert (get_setting("mail")["senderEmail"], get_setting("mail")["host"]) == (
        "",
        "smtp.example.com",
    )
    assert is_mail_configured() is False


# --- DKIM settings (a contract addition: checked when useDKIM is on) ---------------------------
def encrypted_key() -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(DKIM_KEY_PEM.encode(), password=None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    ).decode()


def ec_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    return (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"dkim_private_key": ""}, "DKIM needs a private key"),
        ({"dkim_private_key": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"},
         "not a PEM private key"),
        ({"dkim_private_key": "just text"}, "not a PEM private key"),
        ({"dkim_private_key": encrypted_key()}, "encrypted"),
        ({"dkim_private_key": ec_key()}, "not an RSA key"),
        ({"dkim_domain_name": ""}, "dkimDomainName must be a DNS name"),
        ({"dkim_domain_name": "example.com; x=y"}, "dkimDomainName must be a DNS name"),
        ({"dkim_key_selector": " "}, "dkimKeySelector must be a DNS name"),
        ({"dkim_key_selector": "wiki=1"}, "dkimKeySelector must be a DNS name"),
    ],
)  # fmt: skip
def test_dkim_on_needs_a_domain_a_selector_and_a_usable_key(changes, detail):
    before = stored_rows()

    with pytest.raises(DomainError) as caught:
        update(**changes)

    assert caught.value.key.value == "ERR_INVALID_INPUT"
    assert detail in caught.value.detail
    assert stored_rows() == before


def test_dkim_off_stores_whatever_was_given():
    update(use_dkim=False, dkim_private_key="just text", dkim_domain_name="")

    assert (opened_setting()["dkimPrivateKey"], opened_setting()["useDKIM"]) == ("just text", False)


def test_masked_dkim_key_is_checked_as_the_stored_one():
    update(use_dkim=False, dkim_private_key="just text")

    refused(lambda: update(dkim_private_key=MASK), "ERR_INVALID_INPUT")
    update(use_dkim=False, dkim_private_key=DKIM_KEY_PEM)
    update(dkim_private_key=MASK, host="smtp2.example.com")

    assert opened_setting()["dkimPrivateKey"] == DKIM_KEY_PEM
    assert (opened_setting()["useDKIM"], mail_config()["dkimPrivateKey"]) == (True, MASK)


def test_placeholder_base_url_is_recognised():
    assert uses_placeholder_base_url() is True

    update()

    assert uses_placeholder_base_url() is False


# --- Delivery over real SMTP ------------------------------------------------------------------
def test_client_name_is_announced_in_ehlo(smtp_server):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, name="mailer.wiki.example", user="", password="")

    send_message(MESSAGE)

    [received] = recorder.received
    assert received.ehlo_name == "mailer.wiki.example"
    assert received.login is None
    assert (received.mail_from, received.rcpt_tos) == ("wiki@example.com", ["jane@example.com"])


def test_without_a_client_name_the_machine_name_is_announced(smtp_server):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, name="", user="", password="")

    send_message(MESSAGE)

    [received] = recorder.received
    assert received.ehlo_name == DNS_NAME.get_fqdn()


@pytest.mark.parametrize(("user", "login"), [("mailer", b"mailer"), ("m", None)])
def test_authentication_only_with_a_two_character_user(smtp_server, user, login):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, user=user)
    update(host="127.0.0.1", port=port, user=user, password=MASK)  # the kept password is used

    send_message(MESSAGE)

    [received] = recorder.received
    assert received.login == login


def test_unverified_tls_accepts_a_self_signed_certificate(smtp_server, tmp_path):
    port, recorder = smtp_server(self_signed_context(tmp_path))
    update(host="127.0.0.1", port=port, secure=True, verify_ssl=False)

    send_message(MESSAGE)

    [received] = recorder.received
    assert received.ehlo_name == "wiki.example.com"
    assert received.rcpt_tos == ["jane@example.com"]


def test_verified_tls_refuses_a_self_signed_certificate(smtp_server, tmp_path):
    port, recorder = smtp_server(self_signed_context(tmp_path))
    update(host="127.0.0.1", port=port, secure=True, verify_ssl=True)

    with pytest.raises(MailNotSent, match="CERTIFICATE_VERIFY_FAILED"):
        send_message(MESSAGE)

    assert recorder.received == []


def test_plain_smtp_upgrades_with_starttls_when_offered(smtp_server, tmp_path):
    port, recorder = smtp_server(starttls=self_signed_context(tmp_path))
    update(host="127.0.0.1", port=port, secure=False, verify_ssl=False, user="mailer")
    update(
        host="127.0.0.1", port=port, secure=False, verify_ssl=False, user="mailer", password=MASK
    )

    send_message(MESSAGE)

    [received] = recorder.received
    assert received.encrypted is True
    assert received.login == b"mailer"
    assert received.rcpt_tos == ["jane@example.com"]


def test_plain_smtp_without_starttls_stays_plain(smtp_server):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, secure=False, user="")

    send_message(MESSAGE)

    assert [received.encrypted for received in recorder.received] == [False]


def test_starttls_checks_the_certificate_when_verification_is_on(smtp_server, tmp_path):
    port, recorder = smtp_server(starttls=self_signed_context(tmp_path))
    update(host="127.0.0.1", port=port, secure=False, verify_ssl=True, user="")

    with pytest.raises(MailNotSent, match="CERTIFICATE_VERIFY_FAILED"):
        send_message(MESSAGE)

    assert recorder.received == []


# --- DKIM signing -------------------------------------------------------------------------------
def test_dkim_signature_verifies_over_the_bytes_received(smtp_server):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, user="")
    message = OutgoingMail(
        to="jane@example.com",
        subject="Grüße: a subject long enough to be folded over more than one line of the header",
        text="Hi Jane,\n\nünïcödé text, and a line starting with a dot:\n.hidden\n",
        html="<p>Hi <b>Jane</b></p>",
    )

    send_message(message, message_id="<fixed-id@example.com>")

    [received] = recorder.received
    assert received.data.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple;")
    assert dkim.verify(received.data, dnsfunc=dkim_dns) is True
    signature = received.message["DKIM-Signature"]
    assert "d=example.com;" in signature
    assert "s=wiki;" in signature
    signed = {name.strip() for name in signature.split("h=")[1].split(";")[0].split(":")}
    assert signed == {"from", "to", "subject", "date", "message-id", "mime-version",
                      "content-type"}  # fmt: skip
    assert received.text == message.text
    # A byte changed on the way would break it: the signature covers the body exactly.
    tampered = received.data.replace(b"Hi Jane,", b"Hi Jone,")
    assert dkim.verify(tampered, dnsfunc=dkim_dns) is False


def test_without_dkim_mail_is_not_signed(smtp_server):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, user="", use_dkim=False)

    send_message(MESSAGE)

    [received] = recorder.received
    assert "DKIM-Signature" not in received.message
    assert dkim.verify(received.data, dnsfunc=dkim_dns) is False


@pytest.mark.parametrize(
    ("stored_key", "reason"),
    [
        ("sealed:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "cannot be opened"),
        ("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----", "cannot be loaded"),
    ],
)
def test_a_dkim_key_that_cannot_be_used_is_not_sent_unsigned(smtp_server, stored_key, reason):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, user="")
    # As a key sealed under a lost SECRET_KEY, or stored before keys were checked, would be.
    Setting.objects.filter(key="mail").update(
        value={**Setting.objects.get(key="mail").value, "dkimPrivateKey": stored_key}
    )

    with pytest.raises(MailNotSent, match=f"DKIM private key {reason}"):
        send_message(MESSAGE)

    assert recorder.received == []
