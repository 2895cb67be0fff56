"""The Django admin: every model renders, access follows scopes, users go through services."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts import apikeys, tokens
from accounts.models import (
    LOCAL_STRATEGY_ID,
    USERS_GROUP_ID,
    ApiKey,
    AuthStrategy,
    Group,
    User,
)
from accounts.services import administrators_group, guest_user
from pages.models import Tag, TreeItem
from pages.tree import add_page_item
from tests.factories import GroupFactory, PageFactory, UserFactory, default_site
from wiki.config import get_setting
from wiki.models import LegacyIdCounter, OutboundMail, Setting, Site

from .admin_support import assert_sent_to_login, logged_in

pytestmark = pytest.mark.django_db


def _api_key() -> ApiKey:
    return apikeys.create_api_key(
        None, name="listed key", expiration="30d", group_ids=[USERS_GROUP_ID]
    ).api_key


def _page_with_item():
    page = PageFactory(path="listed/in-tree")
    add_page_item(page)
    return page


def _outbox_message() -> OutboundMail:
    return OutboundMail.objects.create(
        kind=OutboundMail.Kind.RESET,
        recipient="listed@example.com",
        subject="Password Reset Request",
        message_id="<listed@example.com>",
        next_attempt_at=timezone.now(),
    )


OBJECTS = {
    "wiki.site": lambda: default_site(),
    "wiki.setting": lambda: Setting.objects.get(key="auth"),
    "wiki.legacyidcounter": lambda: LegacyIdCounter.objects.get(kind="user"),
    "wiki.outboundmail": lambda: _outbox_message(),
    "accounts.user": lambda: UserFactory(name="Listed User"),
    "accounts.group": lambda: administrators_group(),
    "accounts.authstrategy": lambda: AuthStrategy.objects.get(pk=LOCAL_STRATEGY_ID),
    "accounts.apikey": _api_key,
    "pages.page": lambda: PageFactory(title="Listed Page", tags=["one"]),
    "pages.tag": lambda: Tag.objects.create(site=default_site(), tag="listed-tag"),
    # A folder: it opens on its own page (a page's item leads to the pages admin).
    "pages.treeitem": lambda: TreeItem.objects.get(path=_page_with_item().path.split("/")[0]),
}
ADDABLE = {"wiki.site", "accounts.user", "accounts.group", "pages.page", "pages.treeitem"}
# Internals: reachable by URL for manage:system, kept out of the index and the menu.
INTERNAL = {"wiki.setting", "wiki.legacyidcounter"}


def _admin_url(label: str, view: str, *args) -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_{view}", args=args)


@pytest.mark.parametrize("label", sorted(OBJECTS))
def test_changelist_and_change_form_render(admin_http, label):
    obj = OBJECTS[label]()

    listing = admin_http.get(_admin_url(label, "changelist"))
    change = admin_http.get(_admin_url(label, "change", obj.pk))
    searched = admin_http.get(_admin_url(label, "changelist"), {"q": "x"})

    assert listing.status_code == 200
    assert _admin_url(label, "change", obj.pk).encode() in listing.content
    assert change.status_code == 200
    assert searched.status_code == 200
    add = admin_http.get(_admin_url(label, "add"))
    assert add.status_code == (200 if label in ADDABLE else 403)


def test_index_lists_every_model_but_internals_and_links_api_access(admin_http):
    response = admin_http.get(reverse("admin:index"))
    wiki_app = admin_http.get(reverse("admin:app_list", args=["wiki"]))

    assert response.status_code == 200
    for label in set(OBJECTS) - INTERNAL:
        assert _admin_url(label, "changelist").encode() in response.content
    for label in INTERNAL:
        assert _admin_url(label, "changelist").encode() not in response.content
        assert _admin_url(label, "changelist").encode() not in wiki_app.content
    assert [m["object_name"] for m in wiki_app.context["app_list"][0]["models"]] == [
        "OutboundMail",
        "Site",
    ]
    assert b'href="/admin/api-access/"' in response.content


def test_django_auth_group_is_not_in_the_admin(admin_http):
    with pytest.raises(NoReverseMatch):
        reverse("admin:auth_group_changelist")
    assert admin_http.get("/admin/auth/group/").status_code == 404


def test_setting_page_masks_secrets(admin_http):
    auth = get_setting("auth")

    response = admin_http.get(_admin_url("wiki.setting", "change", "auth"))

    assert response.status_code == 200
    sealed = auth["certs"]["private"]
    assert sealed.startswith("sealed:v1:")
    assert sealed.encode() not in response.content
    assert sealed[len("sealed:v1:") :][:40].encode() not in response.content
    assert b"PRIVATE KEY" not in response.content
    assert b"BEGIN PUBLIC KEY" in response.content
    assert b"********" in response.content


def test_user_page_shows_a_hash_summary_not_the_hash(admin_http, user):
    response = admin_http.get(_admin_url("accounts.user", "change", user.pk))

    assert response.status_code == 200
    assert user.password.encode() not in response.content
    assert user.password.split("$")[-1].encode() not in response.content
    assert b"algorithm" in response.content
    assert f"/admin/accounts/user/{user.pk}/password/".encode() in response.content or (
        b'href="../password/"' in response.content
    )


def test_anonymous_and_plain_users_are_sent_to_login(client, user):
    plain = logged_in(user)

    for url in ("/admin/", _admin_url("accounts.user", "changelist")):
        assert_sent_to_login(url, client, plain)


def test_admin_login_refuses_a_plain_user(client, user):
    """The sign-in itself succeeds (the person may use the wiki), but the admin stays shut,
    and says so on its login page instead of sending them round in circles."""
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.email, "password": "Password123"}
    )

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    refused = client.get("/admin/login/?next=/admin/")
    assert refused.status_code == 403
    assert b'id="not-authorized"' in refused.content


def test_admin_login_accepts_an_administrator(client, admin):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "ADMIN@example.com", "password": "Password123"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    # The session is the jwt cookie (issue 9): Django's session login is not used.
    assert tokens.read_token(response.cookies["jwt"].value)["id"] == str(admin.pk)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 200


def test_access_admin_alone_opens_the_index_but_no_model(staff_http):
    http = staff_http()

    assert http.get("/admin/").status_code == 200
    for label in OBJECTS:
        assert http.get(_admin_url(label, "changelist")).status_code == 403


def test_manage_users_opens_users_only(staff_http, admin):
    http = staff_http("manage:users")

    assert http.get(_admin_url("accounts.user", "changelist")).status_code == 200
    assert http.get(_admin_url("accounts.group", "changelist")).status_code == 403
    assert http.get(_admin_url("wiki.setting", "changelist")).status_code == 403


# --- Users ------------------------------------------------------------------------------------
def _add_user_data(**overrides) -> dict:
    data = {
        "email": "  New.Person@Example.com ",
        "name": "New Person",
        "password1": "Password123",
        "password2": "Password123",
    }
    data.update(overrides)
    return data


def test_add_user_goes_through_create_user(admin_http):
    editors = GroupFactory(name="Editors")

    response = admin_http.post(
        _admin_url("accounts.user", "add"),
        _add_user_data(extra_groups=[str(editors.pk)], must_change_password="on"),
    )

    assert response.status_code == 302
    created = User.objects.get(email="new.person@example.com")
    assert response["Location"] == _admin_url("accounts.user", "change", created.pk)
    assert created.check_password("Password123")
    assert created.must_change_password is True
    assert created.is_active
    assert created.is_verified
    assert set(created.groups.values_list("pk", flat=True)) == {USERS_GROUP_ID, editors.pk}
    assert created.legacy_id is not None
    assert created.legacy_id > 2
    assert created.prefs["timezone"] == "America/New_York"
    assert LogEntry.objects.filter(object_id=str(created.pk), action_flag=1).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "key"),
    [
        ({"password1": "short", "password2": "short"}, "password1", "ERR_PASSWORD_TOO_SHORT"),
        ({"password2": "Different123"}, "password2", None),
        ({"name": "X"}, "name", "ERR_INVALID_INPUT"),
        ({"email": "not-an-email"}, "email", "ERR_EMAIL_ADDRESS_NOT_ALLOWED"),
        ({"email": "ADMIN@example.com"}, "email", "ERR_DUPLICATE_ACCOUNT_EMAIL"),
    ],
)
def test_add_user_refuses_bad_input(admin_http, overrides, field, key):
    before = User.objects.count()

    response = admin_http.post(_admin_url("accounts.user", "add"), _add_user_data(**overrides))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors
    if key:
        assert errors[field][0].startswith(key)
    assert User.objects.count() == before


def test_password_page_sets_the_password(admin_http, user):
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    response = admin_http.post(
        url,
        {"password1": "Another-pass-1", "password2": "Another-pass-1", "usable_password": "true"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-pass-1")


def test_guest_user_cannot_be_changed_or_deleted(admin_http):
    guest = guest_user()

    change = admin_http.post(_admin_url("accounts.user", "change", guest.pk), {"name": "Hacked"})
    password = admin_http.get(reverse("admin:auth_user_password_change", args=[guest.pk]))
    delete = admin_http.post(_admin_url("accounts.user", "delete", guest.pk), {"post": "yes"})

    assert change.status_code == 403
    assert password.status_code == 403
    assert delete.status_code == 403
    guest.refresh_from_db()
    assert guest.name == "Guest"


def test_root_administrator_cannot_be_deleted(admin_http, admin):
    response = admin_http.post(_admin_url("accounts.user", "delete", admin.pk), {"post": "yes"})

    assert response.status_code == 403
    assert User.objects.filter(pk=admin.pk).exists()


def test_manage_users_cannot_touch_a_manage_system_holder(staff_http, admin, user):
    http = staff_http("manage:users")

    protected = http.get(reverse("admin:auth_user_password_change", args=[admin.pk]))
    allowed = http.get(reverse("admin:auth_user_password_change", args=[user.pk]))

    assert protected.status_code == 403
    assert allowed.status_code == 200


def test_bulk_delete_is_not_offered_for_users_groups_and_sites(admin_http):
    for label in ("accounts.user", "accounts.group", "wiki.site"):
        response = admin_http.get(_admin_url(label, "changelist"))
        assert b'value="delete_selected"' not in response.content


def test_system_group_cannot_be_deleted_but_others_can(admin_http):
    ordinary = GroupFactory(name="Disposable")

    system = admin_http.post(
        _admin_url("accounts.group", "delete", USERS_GROUP_ID), {"post": "yes"}
    )
    other = admin_http.post(_admin_url("accounts.group", "delete", ordinary.pk), {"post": "yes"})

    assert system.status_code == 403
    assert other.status_code == 302
    assert Group.objects.filter(pk=USERS_GROUP_ID).exists()
    assert not Group.objects.filter(pk=ordinary.pk).exists()


def test_site_wildcard_cannot_be_deleted(admin_http):
    response = admin_http.post(
        _admin_url("wiki.site", "delete", default_site().pk), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Site.objects.filter(hostname="*").exists()


@pytest.mark.parametrize(("permissions", "created"), [(["manage:users"], False), ([], True)])
def test_add_user_applies_the_elevation_rule(staff_http, group_with, permissions, created):
    http = staff_http("manage:users")
    target = group_with(*permissions or ["read:pages"], name="Target")

    response = http.post(
        _admin_url("accounts.user", "add"), _add_user_data(extra_groups=[str(target.pk)])
    )

    assert User.objects.filter(email="new.person@example.com").exists() is created
    if created:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert errors["extra_groups"][0].startswith("ERR_FORBIDDEN")


def test_api_key_changelist_points_to_the_api_access_page(admin_http):
    response = admin_http.get(_admin_url("accounts.apikey", "changelist"))

    assert b'href="/admin/api-access/"' in response.content
