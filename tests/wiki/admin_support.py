"""Helpers shared by the admin tests (test_admin*.py)."""

from django.test import Client

from accounts import tokens


def logged_in(user, **kwargs) -> Client:
    """A browser (``django.test.Client(**kwargs)``) signed in as ``user`` (its ``jwt`` cookie)."""
    client = Client(**kwargs)
    client.cookies[tokens.COOKIE_NAME] = tokens.issue_session_token(user)
    return client


def assert_sent_to_login(url: str, *browsers: Client) -> None:
    """Each browser asking for ``url`` is redirected to the admin's login page."""
    for http in browsers:
        response = http.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def _value(bound):
    value = bound.value()  # already prepared: JSON fields give their JSON text
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return "" if value is None else str(value)


def _form_fields(form, data: dict) -> None:
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = _value(form[name])
        if value is not None:
            data[form.add_prefix(name)] = value


def form_data(response) -> dict:
    """The POST data an admin change page would submit unchanged (form and inlines)."""
    data: dict = {}
    _form_fields(response.context["adminform"].form, data)
    for inline in response.context.get("inline_admin_formsets") or ():
        formset = inline.formset
        _form_fields(formset.management_form, data)
        for form in formset.forms:
            _form_fields(form, data)
    return data
