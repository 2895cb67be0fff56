"""Every page of the wiki in a browser answers under the Content Security Policy: the editor
(and its preview, which shows rendered Markdown), history, versions, source, download and
search, as the page view does (tests/pages/test_read_security.py tests the policy itself)."""

import pytest

from accounts.services import make_administrator
from pages.content_policy import HEADER, policy
from tests.accounts.signin_page_support import signed_in_client
from tests.factories import PageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser():
    admin = UserFactory()
    make_administrator(admin)
    return signed_in_client(admin)


@pytest.mark.parametrize(
    "url",
    [
        "/e/en/docs/intro",
        "/e/en/docs/not-yet",
        "/h/en/docs/intro",
        "/h/en/docs/not-yet",
        "/s/en/docs/intro",
        "/d/en/docs/intro",
        "/_search?q=intro",
        "/_search?q=" + "x" * 300,
        "/docs/intro",
    ],
)
def test_each_address_carries_the_policy(admin_browser, url):
    PageFactory(path="docs/intro", title="Intro", content="# Intro")

    response = admin_browser.get(url)

    assert response.status_code in (200, 400, 404), response.status_code
    assert response[HEADER] == policy()


def test_the_editors_preview_and_a_guests_refusal_carry_it_too(admin_browser, client):
    page = PageFactory(path="docs/intro", title="Intro", content="# Intro")

    preview = admin_browser.post(
        "/e/en/docs/intro",
        {
            "page_id": str(page.pk),
            "title": "Intro",
            "content": "| a |\n|:-:|\n| b |",
            "action": "preview",
        },
    )
    refused = client.get("/e/en/docs/intro")

    assert preview.status_code in (200, 409)
    assert preview[HEADER] == policy()
    assert refused.status_code == 302
    assert refused[HEADER] == policy()
