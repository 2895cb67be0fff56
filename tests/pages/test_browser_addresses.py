"""Taking page addresses apart and writing them (pages.browser), as Wiki.js writes them."""

import pytest

from pages.browser import action_url, page_url, split_target
from tests.factories import default_site

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ("en", "home", False)),
        ("docs/intro", ("en", "docs/intro", False)),
        ("fr/docs/intro", ("fr", "docs/intro", True)),
        ("DE/Docs", ("de", "docs", True)),
        ("en", ("en", "home", True)),
        ("docs//../intro", ("en", "docs/intro", False)),
    ],
)
def test_split_target(raw, expected):
    target = split_target(default_site(), raw)

    assert (target.locale, target.path, target.explicit_locale) == expected


def test_page_url_leaves_out_the_primary_locale_and_home():
    site = default_site()

    assert page_url(site, "en", "home") == "/"
    assert page_url(site, "en", "docs/intro") == "/docs/intro"
    assert page_url(site, "fr", "home") == "/fr/home"
    assert page_url(site, "fr", "docs/a b") == "/fr/docs/a%20b"


def test_action_urls_always_name_the_locale():
    assert action_url("e", "en", "docs/intro") == "/e/en/docs/intro"
    assert action_url("h", "fr", "home") == "/h/fr/home"
