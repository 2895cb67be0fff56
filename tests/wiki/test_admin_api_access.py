"""The admin's API Access page: list, create (key shown once), revoke, switch access."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import apikeys
from accounts.models import USERS_GROUP_ID, ApiKey
from accounts.services import administrators_group
from tests.conftest import GraphQLClient
from wiki.config import is_api_enabled, set_api_enabled
from wiki.models import Setting

from .admin_support import assert_sent_to_login, logged_in

pytestmark = pytest.mark.django_db

PAGE = "/admin/api-access/"
STATE = "/admin/api-access/state/"
GROUPS_QUERY = "{ groups { name } }"


def _revoke_url(api_key) -> str:
    return f"/admin/api-access/{api_key.pk}/revoke/"


def _create(http: Client, name="Deploy bot", expiration="90d", groups=None):
    groups = [administrators_group().pk] if groups is None else groups
    return http.post(
        PAGE, {"name": name, "expiration": expiration, "groups": [str(g) for g in groups]}
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_page_lists_keys_and_state(admin_http):
    listed = apikeys.create_api_key(
        None, name="Listed", expiration="30d", group_ids=[USERS_GROUP_ID]
    ).api_key
    revoked = apikeys.create_api_key(
        None, name="Old", expiration="30d", group_ids=[USERS_GROUP_ID]
    ).api_key
    apikeys.revoke_api_key(None, revoked.pk)

    response = admin_http.get(PAGE)

    assert response.status_code == 200
    assert [k.name for k in response.context["keys"]] == ["Listed", "Old"]
    assert listed.key_short.encode() in response.content
    assert response.context["api_enabled"] is False
    assert b'id="api-state-value">off<' in response.content
    assert response.content.count(b'class="revoke-api-key"') == 1
    assert "no-store" in response["Cache-Control"]


def test_create_shows_the_key_exactly_once_and_stores_it_nowhere(admin_http, admin):
    response = _create(admin_http)

    assert response.status_code == 200
    token = response.context["new_key"].token
    assert response.content.decode().count(token) == 1
    assert "Location" not in response
    assert "no-store" in response["Cache-Control"]
    assert _messages(response) == ['API key "Deploy bot" created.']
    row = ApiKey.objects.get()
    assert (row.name, row.group_ids, row.created_by_id) == (
        "Deploy bot",
        [str(administrators_group().pk)],
        admin.pk,
    )
    assert row.key_short == "..." + token[-20:]
    stored = [
        *(str(v) for v in ApiKey.objects.values_list()),
        *(str(v) for v in Setting.objects.values_list("value", flat=True)),
        *(s.get_decoded().__repr__() + s.session_data for s in Session.objects.all()),
        *(str(v) for v in LogEntry.objects.values_list()),
    ]
    assert not [text for text in stored if token in text]
    assert token not in admin_http.get(PAGE).content.decode()
    assert LogEntry.objects.filter(object_id=str(row.pk), action_flag=1).count() == 1


def test_created_key_works_on_the_next_request(admin_http):
    set_api_enabled(True)
    token = _create(admin_http).context["new_key"].token

    result = GraphQLClient(token)(GROUPS_QUERY)

    assert result.status == 200
    assert {"name": "Administrators"} in result.data["groups"]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"groups": []}, "groups"),
        ({"expiration": "2d"}, "expiration"),
        ({"name": ""}, "name"),
    ],
)
def test_create_refuses_bad_form_input(admin_http, form, field):
    response = _create(admin_http, **form)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["new_key"] is None
    assert not ApiKey.objects.exists()


def test_create_reports_domain_errors_with_their_key(admin_http):
    response = _create(admin_http, name='bad "name"')

    assert response.status_code == 400
    [message] = _messages(response)
    assert message.startswith("ERR_INVALID_INPUT")
    assert not ApiKey.objects.exists()


def test_create_needs_manage_api(staff_http):
    http = staff_http("read:api")

    page = http.get(PAGE)
    response = _create(http, groups=[USERS_GROUP_ID])

    assert page.status_code == 200
    assert page.context["may_manage"] is False
    assert b'id="create-api-key"' not in page.content
    assert response.status_code == 400
    assert _messages(response)[0].startswith("ERR_FORBIDDEN")
    assert not ApiKey.objects.exists()


def test_create_applies_the_elevation_rule(staff_http):
    http = staff_http("manage:api")

    refused = _create(http, groups=[administrators_group().pk])
    allowed = _create(http, groups=[USERS_GROUP_ID])

    assert _messages(refused)[0].startswith("ERR_FORBIDDEN")
    assert allowed.status_code == 200
    assert list(ApiKey.objects.values_list("group_ids", flat=True)) == [[str(USERS_GROUP_ID)]]


def test_listing_needs_read_api(staff_http):
    response = staff_http("manage:users").get(PAGE)

    assert response.status_code == 403
    assert response.context["keys"] is None
    assert _messages(response)[0].startswith("ERR_FORBIDDEN")


def test_page_refuses_anonymous_and_plain_users(client, user):
    assert_sent_to_login(PAGE, client, logged_in(user))


def test_revoke_refuses_the_key_on_the_next_request(admin_http):
    set_api_enabled(True)
    token = _create(admin_http).context["new_key"].token
    api_key = ApiKey.objects.get()
    assert GraphQLClient(token)(GROUPS_QUERY).data is not None

    response = admin_http.post(_revoke_url(api_key), follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert _messages(response) == [f'API key "Deploy bot" ({api_key.key_short}) revoked.']
    api_key.refresh_from_db()
    assert api_key.is_revoked is True
    refused = GraphQLClient(token)(GROUPS_QUERY)
    assert (refused.status, refused.body) == (
        401,
        {"data": None, "errors": [{"message": "ERR_INVALID_TOKEN"}]},
    )
    assert LogEntry.objects.filter(object_id=str(api_key.pk), action_flag=2).count() == 1


def test_revoke_needs_post_csrf_and_manage_api(admin, staff_http):
    api_key = apikeys.create_api_key(
        None, name="Kept", expiration="30d", group_ids=[USERS_GROUP_ID]
    ).api_key
    strict = logged_in(admin, enforce_csrf_checks=True)

    as_put = logged_in(admin).put(_revoke_url(api_key))
    without_csrf = strict.post(_revoke_url(api_key))
    reader = staff_http("read:api").post(_revoke_url(api_key), follow=True)

    assert as_put.status_code == 405
    assert without_csrf.status_code == 403
    assert _messages(reader)[0].startswith("ERR_FORBIDDEN")
    api_key.refresh_from_db()
    assert api_key.is_revoked is False


def test_revoke_of_an_unknown_key_is_reported(admin_http):
    response = admin_http.post(
        "/admin/api-access/00000000-0000-4000-8000-000000000000/revoke/", follow=True
    )

    assert _messages(response)[0].startswith("ERR_INVALID_INPUT")


def test_switch_turns_api_access_on_and_off(admin_http):
    on = admin_http.post(STATE, {"enabled": "true"}, follow=True)
    assert is_api_enabled() is True
    assert _messages(on) == ["API access is now on."]
    assert b'id="api-state-value">on<' in on.content

    admin_http.post(STATE, {"enabled": "false"})
    assert is_api_enabled() is False


def test_switch_needs_manage_system(staff_http):
    http = staff_http("manage:api")

    page = http.get(PAGE)
    response = http.post(STATE, {"enabled": "true"}, follow=True)

    assert b'id="api-state-switch"' not in page.content
    assert _messages(response)[0].startswith("ERR_FORBIDDEN")
    assert is_api_enabled() is False


def test_key_is_refused_while_api_access_is_off(admin_http):
    token = _create(admin_http).context["new_key"].token

    refused = GraphQLClient(token)(GROUPS_QUERY)

    assert (refused.status, refused.body) == (
        403,
        {"data": None, "errors": [{"message": "ERR_FORBIDDEN"}]},
    )


def test_revoke_asks_for_confirmation_first(admin_http):
    api_key = apikeys.create_api_key(
        None, name="Asked", expiration="30d", group_ids=[USERS_GROUP_ID]
    ).api_key
    listing = admin_http.get(PAGE)

    confirmation = admin_http.get(_revoke_url(api_key))

    assert f'<a href="{_revoke_url(api_key)}" class="revoke-api-key">'.encode() in listing.content
    assert confirmation.status_code == 200
    assert b'id="confirm-revoke"' in confirmation.content
    assert f'action="{_revoke_url(api_key)}"'.encode() in confirmation.content
    assert api_key.key_short.encode() in confirmation.content
    api_key.refresh_from_db()
    assert api_key.is_revoked is False
    confirmed = admin_http.post(_revoke_url(api_key), follow=True)
    api_key.refresh_from_db()
    assert api_key.is_revoked is True
    assert _messages(confirmed) == [f'API key "Asked" ({api_key.key_short}) revoked.']


@pytest.mark.parametrize("state", ["reader", "revoked", "unknown"])
def test_revoke_confirmation_is_refused_when_revoking_would_be(admin_http, staff_http, state):
    api_key = apikeys.create_api_key(
        None, name="Kept", expiration="30d", group_ids=[USERS_GROUP_ID]
    ).api_key
    http, url, key = admin_http, _revoke_url(api_key), "ERR_INVALID_INPUT"
    if state == "reader":
        http, key = staff_http("read:api"), "ERR_FORBIDDEN"
    elif state == "revoked":
        apikeys.revoke_api_key(None, api_key.pk)
    else:
        url = "/admin/api-access/00000000-0000-4000-8000-000000000000/revoke/"

    response = http.get(url, follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert _messages(response)[0].startswith(key)
    assert b'id="confirm-revoke"' not in response.content


def test_new_key_has_a_copy_button_served_as_a_static_script(admin_http):
    response = _create(admin_http)

    content = response.content.decode()
    assert '<button type="button" id="copy-api-key" class="button" hidden>' in content
    assert '<script src="/static/wiki/admin/copy_key.js" defer></script>' in content
    assert "<script>" not in content  # no inline script: a strict CSP keeps working
    assert content.count(response.context["new_key"].token) == 1
    assert 'id="copy-api-key"' not in admin_http.get(PAGE).content.decode()
