"""Fixtures of the tree query tests (API.md §4.2.1)."""

import pytest

from ..page_edit_support import make_page
from ..tree_support import make_folder


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator, as by an operator."""


@pytest.fixture
def wiki():
    """Pages (titles lowercase, so no collation decides an order) and their folders.

    en: docs (page), docs/intro [alpha beta], docs/guide/install [beta], docs/guide/deep/leaf,
    team/payroll, home, and the explicit empty folder ``empty``; fr: accueil.
    """
    pages = {
        "docs": make_page("docs", title="docs page", tags=()),
        "intro": make_page("docs/intro", title="intro", tags=("alpha", "beta")),
        "install": make_page(
            "docs/guide/install", title="install", tags=("beta",), editor="asciidoc"
        ),
        "leaf": make_page("docs/guide/deep/leaf", title="leaf", tags=()),
        "payroll": make_page("team/payroll", title="payroll", tags=()),
        "home": make_page("home", title="home", tags=()),
        "accueil": make_page("accueil", title="accueil", tags=(), locale="fr"),
    }
    make_folder("empty", "empty folder")
    return pages
