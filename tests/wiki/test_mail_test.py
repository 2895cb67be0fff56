"""The test mail service (``wiki.mail_test``, API.md §4.6), called directly.

Its GraphQL face is tested in tests/api/test_mail_config.py; here: the detail it carries (the
SMTP server's answer) and what the templates make of the site title.
"""

import pytest

from tests.smtp_support import free_port
from wiki.config import update_setting
from wiki.errors import DomainError
from wiki.mail_test import render_test_mail, send_test_mail

from . import mail_settings_support

smtp_server = mail_settings_support.smtp_server  # the fixtures, used here
smtp_configured = mail_settings_support.smtp_configured

pytestmark = pytest.mark.django_db


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_sends_to_the_trimmed_address(smtp_configured):
    recorder, _port = smtp_configured

    assert send_test_mail("  jane@example.com\n", site_title="Docs") == "jane@example.com"

    [received] = recorder.received
    assert received.rcpt_tos == ["jane@example.com"]
    text, html = received.text, received.html
    assert "sent by the wiki Docs" in text
    assert ">Docs</td>" in html


def test_refusal_carries_the_servers_answer(smtp_configured):
    recorder, _port = smtp_configured
    recorder.refuse_with = "554 5.7.1 Spam <detected>"

    error = refusal(lambda: send_test_mail("jane@example.com"))

    assert (error.key.value, error.detail) == ("ERR_MAIL_SEND_FAILED", "554 5.7.1 Spam <detected>")
    assert str(error) == "ERR_MAIL_SEND_FAILED: 554 5.7.1 Spam <detected>"


def test_unreachable_server_says_so(smtp_configured):
    update_setting("mail", port=free_port())

    error = refusal(lambda: send_test_mail("jane@example.com"))

    assert error.key.value == "ERR_MAIL_SEND_FAILED"
    assert error.detail.startswith("ConnectionRefusedError")


def test_templates_without_a_site_title():
    message = render_test_mail("jane@example.com")

    assert message.subject == "A test email from your wiki"
    assert message.text.startswith("Hello,\n\nThis is a test email sent from your wiki.\n")
    assert "sent by the wiki" not in message.text
    assert ">Your wiki</td>" in message.html


def test_site_title_is_escaped_in_html_only():
    message = render_test_mail("jane@example.com", site_title="R&D <wiki>")

    assert "sent by the wiki R&D <wiki> to check" in message.text
    assert "R&amp;D &lt;wiki&gt;" in message.html
    assert "<wiki>" not in message.html


def test_html_loads_nothing_from_elsewhere():
    html = render_test_mail("jane@example.com", site_title="Docs").html

    for external in ("<link", "<img", "<script", "src=", "url(", "@import", "http"):
        assert external not in html
