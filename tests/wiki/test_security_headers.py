"""Every answer carries the security headers: JSON, files, refusals, redirects, the explorer,
the admin, the sign-in pages; a view's own Content Security Policy is never replaced."""

import json
import re
from pathlib import Path

import django
import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.test import Client, RequestFactory

from pages.content_policy import ADMIN_PREVIEW_POLICY, PREVIEW_FRAME_STYLE, policy
from tests.factories import PageFactory
from wiki.security_headers import (
    ADMIN_CHANGE_LIST_STYLE,
    ADMIN_POLICY,
    DOCUMENT_POLICY,
    EXPLORER_POLICY,
    PERMISSIONS_POLICY,
    STRICT_POLICY,
    default_policy,
)

pytestmark = pytest.mark.django_db

CSP = "Content-Security-Policy"
ROOT = Path(__file__).resolve().parent.parent.parent
EVERYWHERE = {
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def assert_headers(response, csp: str) -> None:
    assert response[CSP] == csp
    assert {name: response.get(name) for name in EVERYWHERE} == EVERYWHERE


def graphql_post(client: Client, body: str, **extra):
    return client.post("/_graphql", data=body, content_type="application/json", **extra)


def test_policies_are_what_each_kind_of_answer_needs():
    assert STRICT_POLICY == "default-src 'none'; frame-ancestors 'none'"
    assert "'unsafe-inline'" not in DOCUMENT_POLICY
    assert "'unsafe-inline'" not in ADMIN_POLICY
    assert "script-src 'self';" in EXPLORER_POLICY
    # The explorer may write <style> elements, nothing else inline.
    assert "style-src 'self';" in EXPLORER_POLICY
    assert EXPLORER_POLICY.endswith("; style-src-elem 'self' 'unsafe-inline'")
    assert EXPLORER_POLICY.count("'unsafe-inline'") == 1
    for each in (DOCUMENT_POLICY, ADMIN_POLICY, EXPLORER_POLICY, ADMIN_PREVIEW_POLICY):
        assert "object-src 'none'" in each
        assert "frame-ancestors 'none'" in each
        assert "'unsafe-eval'" not in each
    # Passkeys and the admin's copy button keep their defaults (this origin).
    assert "publickey" not in PERMISSIONS_POLICY
    assert "clipboard" not in PERMISSIONS_POLICY


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"query": "{ sites { hostname } }"}', 200),
        ('{"query": "{ nope }"}', 400),
        ("not json", 400),
    ],
)
def test_graphql_answers_are_json_under_the_strict_policy(client, body, status):
    response = graphql_post(client, body)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert_headers(response, STRICT_POLICY)


def test_refusals_before_any_view_carry_them_too(client):
    wrong_method = client.put("/_graphql", data="{}", content_type="application/json")
    not_html = client.get("/_graphql", HTTP_ACCEPT="application/json")
    bad_host = client.get("/login", HTTP_HOST="evil.test")

    assert wrong_method.status_code == 405
    assert_headers(wrong_method, STRICT_POLICY)
    assert not_html.status_code == 405  # a GET runs nothing (transport rules)
    assert_headers(not_html, STRICT_POLICY)
    # Refused by Django before URL resolution (ALLOWED_HOSTS) with its HTML error page; the
    # clickjacking middleware never saw it.
    assert bad_host.status_code == 400
    assert_headers(bad_host, DOCUMENT_POLICY)


def test_the_explorer_page_gets_the_explorer_policy(client):
    response = client.get("/_graphql", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert b'id="explorer-script"' in response.content
    assert_headers(response, EXPLORER_POLICY)


def close_file_response(response) -> None:
    """Close whitenoise's file as a server would, but without the end-of-request signal that
    would close the test's database connection (Django's test client does the same)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def test_static_files_get_the_strict_policy(client):
    script = client.get("/static/api/explorer.js")
    close_file_response(script)

    assert script.status_code == 200
    assert script["Content-Type"].startswith("text/javascript")
    assert_headers(script, STRICT_POLICY)


def test_the_signing_keys_get_the_strict_policy(client):
    jwk = client.get("/.well-known/jwk.json")

    assert jwk.status_code == 200
    assert "keys" in json.loads(jwk.content)
    assert_headers(jwk, STRICT_POLICY)


def test_sign_in_pages_get_the_document_policy(client, user):
    login = client.get("/login")
    profile_redirect = client.get("/_profile")
    # A form post without the CSRF token: Django's refusal page.
    forged = Client(enforce_csrf_checks=True).post("/login", {"email": "a@example.com"})

    assert login.status_code == 200
    assert_headers(login, DOCUMENT_POLICY)
    assert profile_redirect.status_code == 302
    assert_headers(profile_redirect, DOCUMENT_POLICY)
    assert forged.status_code == 403
    assert_headers(forged, DOCUMENT_POLICY)


def test_admin_pages_get_the_admin_policy(client, admin_http):
    anonymous = client.get("/admin/")
    index = admin_http.get("/admin/")
    users = admin_http.get("/admin/accounts/user/")
    api_access = admin_http.get("/admin/api-access/")
    unknown = admin_http.get("/admin/no-such-thing/")

    assert anonymous.status_code == 302
    assert_headers(anonymous, ADMIN_POLICY)
    for response in (index, users, api_access):
        assert response.status_code == 200
        assert_headers(response, ADMIN_POLICY)
    assert unknown.status_code in (302, 404)
    assert_headers(unknown, ADMIN_POLICY)


def test_the_admins_page_screens_allow_what_the_preview_frame_shows(admin_http):
    page = PageFactory(path="docs/intro", title="Intro", content="| a |\n|:-:|\n| b |")

    change = admin_http.get(f"/admin/pages/page/{page.pk}/change/")
    add = admin_http.get("/admin/pages/page/add/")

    assert change.status_code == 200
    assert b"srcdoc=" in change.content
    assert_headers(change, ADMIN_PREVIEW_POLICY)
    assert "img-src 'self' data: https:" in ADMIN_PREVIEW_POLICY
    # The add form has no preview: the admin's own policy.
    assert add.status_code == 200
    assert_headers(add, ADMIN_POLICY)


def test_a_views_own_policy_is_kept(client):
    PageFactory(path="docs/intro", title="Intro", content="# Intro")

    response = client.get("/docs/intro")

    assert response.status_code in (200, 302)
    assert_headers(response, policy())


def test_the_admin_change_list_style_hash_names_djangos_own_block():
    """When Django's change list changes its one <style> element, the hash must follow."""
    template = Path(django.__file__).parent / "contrib/admin/templates/admin/change_list.html"
    blocks = re.findall(r"<style>(.*?)</style>", template.read_text(), flags=re.S)

    assert blocks == [ADMIN_CHANGE_LIST_STYLE]


def test_the_preview_frame_style_hash_names_the_templates_attribute():
    template = ROOT / "templates/admin/pages/page/preview.html"
    styles = re.findall(r'\bstyle="([^"]*)"', template.read_text())

    assert styles == [PREVIEW_FRAME_STYLE]


def test_djangos_debug_pages_keep_their_inline_styles_in_development_only(settings):
    request = RequestFactory().get("/anything")
    traceback_page = HttpResponseServerError("<style></style><script></script>")
    json_error = JsonResponse({"errors": []}, status=500)
    page = HttpResponse("<p>ok</p>")

    settings.DEBUG = True
    assert default_policy(request, traceback_page) is None
    assert default_policy(request, json_error) == STRICT_POLICY
    assert default_policy(request, page) == DOCUMENT_POLICY
    settings.DEBUG = False
    assert default_policy(request, traceback_page) == DOCUMENT_POLICY
