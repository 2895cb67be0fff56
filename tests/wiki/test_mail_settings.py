"""Mail settings (API.md §4.6): the service and delivery honouring the settings.

The service checks no permission: its callers do (the admin page, tested with its permission
matrix in tests/wiki/test_admin_mail_settings.py).

Delivery is checked against a real aiosmtpd server on loopback (plain SMTP and implicit TLS
with a self-signed certificate), as tests/accounts/test_welcome_mail.py does.
"""

import datetime
import ipaddress
import socket
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.mail.utils import DNS_NAME

from wiki.config import DEFAULTS, get_setting, is_mail_configured
from wiki.errors import DomainError
from wiki.mail import deliver
from wiki.mail_settings import MASK, SETTING_KEYS, mail_config, update_mail_config
from wiki.models import Setting

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
ARGUMENTS = {
    "sender_name": "Wiki Bot",
    "sender_email": "wiki@example.com",
    "default_base_url": "https://docs.example.org",
    "host": "smtp.example.com",
    "port": 587,
    "name": "wiki.example.com",
    "secure": False,
    "verify_ssl": False,
    "user": "mailer",
    "password": "s3cret-pass",
    "use_dkim": True,
    "dkim_domain_name": "example.com",
    "dkim_key_selector": "wiki",
    "dkim_private_key": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
}
STORED = {
    "senderName": "Wiki Bot",
    "senderEmail": "wiki@example.com",
    "defaultBaseURL": "https://docs.example.org",
    "host": "smtp.example.com",
    "port": 587,
    "name": "wiki.example.com",
    "secure": False,
    "verifySSL": False,
    "user": "mailer",
    "pass": "s3cret-pass",
    "useDKIM": True,
    "dkimDomainName": "example.com",
    "dkimKeySelector": "wiki",
    "dkimPrivateKey": ARGUMENTS["dkim_private_key"],
}
MESSAGE = {"to": "jane@example.com", "subject": "Hello", "text": "Hi Jane", "html": "<p>Hi</p>"}

pytestmark = pytest.mark.django_db


def update(**changes):
    update_mail_config(**{**ARGUMENTS, **changes})


def stored_rows() -> list:
    return list(Setting.objects.order_by("key").values_list("key", "value"))


def refused(call, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.key.value == key


# --- The service ------------------------------------------------------------------------------
def test_every_mail_setting_has_an_argument():
    assert sorted(SETTING_KEYS.values()) == sorted(DEFAULTS["mail"])


def test_defaults():
    assert mail_config() == {**DEFAULTS["mail"], "pass": ""}
    assert mail_config()["defaultBaseURL"] == "https://wiki.example.com"
    assert (mail_config()["port"], mail_config()["secure"]) == (465, True)


def test_update_replaces_the_settings_and_hides_the_password():
    update()

    assert get_setting("mail") == STORED
    assert mail_config() == {**STORED, "pass": MASK}
    assert is_mail_configured() is True


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

    assert (get_setting("mail")["pass"], get_setting("mail")["host"]) == (
        "first-pass",
        "smtp2.example.com",
    )


@pytest.mark.parametrize(
    ("given", "stored", "shown"), [("new-pass", "new-pass", MASK), ("", "", "")]
)
def test_password_is_replaced_or_removed(given, stored, shown):
    update(password="first-pass")

    update(password=given)

    assert get_setting("mail")["pass"] == stored
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


def test_empty_sender_email_is_allowed_and_leaves_mail_unconfigured():
    update(sender_email="", host=" smtp.example.com ")

    assert (get_setting("mail")["senderEmail"], get_setting("mail")["host"]) == (
        "",
        "smtp.example.com",
    )
    assert is_mail_configured() is False


# --- Delivery over real SMTP ------------------------------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.received = []  # (EHLO/HELO name, authenticated login, envelope)
        self.encrypted = []  # whether each message arrived over TLS

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login if session.authenticated else None
        self.received.append((session.host_name, login, envelope))
        self.encrypted.append(session.ssl is not None)
        return "250 Message accepted for delivery"


def accept_mailer(server, session, envelope, mechanism, auth_data):
    accepted = (auth_data.login, auth_data.password) == (b"mailer", b"s3cret-pass")
    return AuthResult(success=accepted, auth_data=auth_data)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed_context(tmp_path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


@pytest.fixture
def smtp_server(settings):
    """Start an aiosmtpd server on loopback: ``start(tls_context=None) -> (port, recorder)``."""
    settings.EMAIL_BACKEND = SMTP_BACKEND
    controllers = []

    def start(tls_context: ssl.SSLContext | None = None, starttls: ssl.SSLContext | None = None):
        recorder = Recorder()
        controller = Controller(
            recorder,
            hostname="127.0.0.1",
            port=free_port(),
            ssl_context=tls_context,
            tls_context=starttls,
            authenticator=accept_mailer,
            auth_require_tls=False,
        )
        controller.start()
        controllers.append(controller)
        return controller.port, recorder

    yield start
    for controller in controllers:
        controller.stop()


def test_client_name_is_announced_in_ehlo(smtp_server):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, name="mailer.wiki.example", user="", password="")

    deliver(MESSAGE)

    [(ehlo_name, login, envelope)] = recorder.received
    assert ehlo_name == "mailer.wiki.example"
    assert login is None
    assert (envelope.mail_from, envelope.rcpt_tos) == ("wiki@example.com", ["jane@example.com"])


def test_without_a_client_name_the_machine_name_is_announced(smtp_server):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, name="", user="", password="")

    deliver(MESSAGE)

    [(ehlo_name, _login, _envelope)] = recorder.received
    assert ehlo_name == DNS_NAME.get_fqdn()


@pytest.mark.parametrize(("user", "login"), [("mailer", b"mailer"), ("m", None)])
def test_authentication_only_with_a_two_character_user(smtp_server, user, login):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, user=user)
    update(host="127.0.0.1", port=port, user=user, password=MASK)  # the kept password is used

    deliver(MESSAGE)

    [(_name, logged_in_as, _envelope)] = recorder.received
    assert logged_in_as == login


def test_unverified_tls_accepts_a_self_signed_certificate(smtp_server, tmp_path):
    port, recorder = smtp_server(self_signed_context(tmp_path))
    update(host="127.0.0.1", port=port, secure=True, verify_ssl=False)

    deliver(MESSAGE)

    [(ehlo_name, _login, envelope)] = recorder.received
    assert ehlo_name == "wiki.example.com"
    assert envelope.rcpt_tos == ["jane@example.com"]


def test_verified_tls_refuses_a_self_signed_certificate(smtp_server, tmp_path):
    port, recorder = smtp_server(self_signed_context(tmp_path))
    update(host="127.0.0.1", port=port, secure=True, verify_ssl=True)

    with pytest.raises(ssl.SSLCertVerificationError):
        deliver(MESSAGE)

    assert recorder.received == []


def test_plain_smtp_upgrades_with_starttls_when_offered(smtp_server, tmp_path):
    port, recorder = smtp_server(starttls=self_signed_context(tmp_path))
    update(host="127.0.0.1", port=port, secure=False, verify_ssl=False, user="mailer")
    update(
        host="127.0.0.1", port=port, secure=False, verify_ssl=False, user="mailer", password=MASK
    )

    deliver(MESSAGE)

    [(_name, login, envelope)] = recorder.received
    assert recorder.encrypted == [True]
    assert login == b"mailer"
    assert envelope.rcpt_tos == ["jane@example.com"]


def test_plain_smtp_without_starttls_stays_plain(smtp_server):
    port, recorder = smtp_server()
    update(host="127.0.0.1", port=port, secure=False, user="")

    deliver(MESSAGE)

    assert recorder.encrypted == [False]


def test_starttls_checks_the_certificate_when_verification_is_on(smtp_server, tmp_path):
    port, recorder = smtp_server(starttls=self_signed_context(tmp_path))
    update(host="127.0.0.1", port=port, secure=False, verify_ssl=True, user="")

    with pytest.raises(ssl.SSLCertVerificationError):
        deliver(MESSAGE)

    assert recorder.received == []
