"""Helpers shared by the admin tests (test_admin*.py)."""

from django.test import Client


def logged_in(user, **kwargs) -> Client:
    """A browser (``django.test.Client(**kwargs)``) with ``user`` logged in to the admin."""
    client = Client(**kwargs)
    client.force_login(user)
    return client


def assert_sent_to_login(url: str, *browsers: Client) -> None:
    """Each browser asking for ``url`` is redirected to the admin's login page."""
    for http in browsers:
        response = http.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
