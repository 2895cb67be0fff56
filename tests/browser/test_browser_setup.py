"""The browser fixture's policy when Chromium is missing: skip locally, fail on CI."""

import pytest

from . import conftest


@pytest.fixture
def no_chromium(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "CHROMIUM", str(tmp_path / "no-chromium"))
    return monkeypatch


def test_missing_chromium_fails_on_ci(no_chromium):
    no_chromium.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="no-chromium"):
        conftest.require_browser()


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_missing_chromium_skips_elsewhere(no_chromium, ci):
    if ci is None:
        no_chromium.delenv("CI", raising=False)
    else:
        no_chromium.setenv("CI", ci)

    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        conftest.require_browser()


def test_present_chromium_passes(monkeypatch):
    monkeypatch.setattr(conftest, "_unavailable", lambda: None)
    monkeypatch.setenv("CI", "true")

    assert conftest.require_browser() is None
