"""Fixtures of the folder mutation tests (API.md §4.2.2)."""

import pytest

from wiki.models import Site

from ..page_edit_support import make_page
from ..tree_support import folders, make_folder
from .support import EN_FOLDERS


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator, as by an operator."""


@pytest.fixture
def wiki():
    pages = {
        "docs": make_page("docs", title="Docs", tags=()),
        "intro": make_page("docs/intro", title="Intro", tags=("alpha", "beta"), alias="intro"),
        "install": make_page("docs/guide/install", title="Install", tags=("beta",)),
        "leaf": make_page("docs/guide/deep/leaf", title="Leaf", tags=()),
        "other": make_page("docs2/other", title="Other", tags=()),
        "payroll": make_page("team/payroll", title="Payroll", tags=()),
        "bonjour": make_page("docs/bonjour", title="Bonjour", tags=(), locale="fr"),
    }
    assert folders("en") == EN_FOLDERS
    return pages


@pytest.fixture
def other_site_folder():
    return make_folder("docs", site=Site.objects.create(hostname="other.example.com"))
