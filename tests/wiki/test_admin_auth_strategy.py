"""The local strategy's settings in the admin (API.md §4.5.1): checkboxes for ``config``, a
choice of groups to auto-enrol, the email pattern refused unless RE2 compiles it."""

import pytest
from django.urls import reverse

from accounts.models import GUESTS_GROUP_ID, LOCAL_STRATEGY_ID, USERS_GROUP_ID, AuthStrategy
from tests.factories import GroupFactory

from .admin_support import form_data

URL = reverse("admin:accounts_authstrategy_change", args=[LOCAL_STRATEGY_ID])


def local() -> AuthStrategy:
    return AuthStrategy.objects.get(pk=LOCAL_STRATEGY_ID)


@pytest.mark.django_db
def test_the_form_shows_the_settings(admin_http):
    editors = GroupFactory(name="Editors")
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(
        config={"enforceTfa": True}, auto_enroll_groups=[str(editors.pk)]
    )

    response = admin_http.get(URL)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["enforce_tfa"].value() is True
    assert form["email_validation"].value() is True  # the default
    assert [str(pk) for pk in form["enrolled_groups"].value()] == [str(editors.pk)]
    choices = {str(value) for value, _ in form.fields["enrolled_groups"].choices}
    assert str(editors.pk) in choices
    assert str(USERS_GROUP_ID) in choices
    assert str(GUESTS_GROUP_ID) not in choices
    assert 'type="checkbox" name="email_validation"' in response.content.decode()
    assert "config" not in form.fields


@pytest.mark.django_db
def test_saving_the_settings(admin_http):
    editors = GroupFactory(name="Editors")
    readers = GroupFactory(name="Readers")
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(config={"kept": "yes"})
    data = form_data(admin_http.get(URL))
    data.update(
        registration="on",
        allowed_email_regex="  @example\\.(com|org)$ ",
        enrolled_groups=[str(editors.pk), str(readers.pk)],
        enforce_tfa="on",
    )
    data.pop("email_validation", None)

    response = admin_http.post(URL, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    strategy = local()
    assert strategy.registration is True
    assert strategy.allowed_email_regex == "@example\\.(com|org)$"
    assert sorted(strategy.auto_enroll_groups) == sorted([str(editors.pk), str(readers.pk)])
    assert strategy.config == {"kept": "yes", "enforceTfa": True, "emailValidation": False}


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["(a", "(?=x)@example", "(\\w)\\1@"])
def test_a_pattern_re2_cannot_compile_is_refused(admin_http, pattern):
    data = form_data(admin_http.get(URL))
    data["allowed_email_regex"] = pattern

    response = admin_http.post(URL, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["allowed_email_regex"]
    assert errors[0].startswith("not a supported regular expression (RE2 syntax)")
    assert local().allowed_email_regex == ""


@pytest.mark.django_db
def test_an_unknown_group_is_refused(admin_http):
    data = form_data(admin_http.get(URL))
    data["enrolled_groups"] = ["7d7a3a57-1f0e-4b7e-8f44-0a3e5b2d9c11"]

    response = admin_http.post(URL, data)

    assert response.status_code == 200
    assert "enrolled_groups" in response.context["adminform"].form.errors
    assert local().auto_enroll_groups == []


@pytest.mark.django_db
def test_only_manage_system_opens_the_strategy(staff_http):
    http = staff_http("manage:users", "manage:groups", "manage:api")
    assert http.get(URL).status_code == 403
    assert http.post(URL, {"registration": "on"}).status_code == 403
    assert local().registration is False
